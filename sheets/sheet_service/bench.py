"""How long building one sheet takes (content, HTML, tagged PDF), for each kind of verdict: p50 and p95.

`make bench-sheet` (also run by `make bench-quick`). Goal: under 1 s at p95 on the project's 2-core machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from .content import build_sheet
from .render import sheet_pdf

ROUNDS = 40
_ANSWER = {"question": "entity_type", "text": "je travaille au CNRS", "reading": "opérateur : CNRS"}
RECORDS: list[dict[str, Any]] = [
    {"verdict": "concerne", "criterion": "refonte_plus", "sections": ["A3", "C", "A1", "B1-R1", "A4", "A12"],
     "entity_type": "operateur", "organisation": "Centre national de la recherche scientifique",
     "answers": [_ANSWER, {"question": "new_project", "text": "non", "reading": "refonte d'un système existant"},
                 {"question": "refactor_percentage", "text": "70 %", "reading": "70 % : refonte de plus de 50 %"}]},
    {"verdict": "non_concerne", "criterion": "refonte_moitie", "sections": ["A3", "C", "A1", "B1-R6", "A12"],
     "entity_type": "administration_centrale", "answers": []},
    {"verdict": "hors_circulaire_collectivite", "criterion": "collectivite", "sections": ["A2", "C", "A12", "A3"],
     "entity_type": "collectivite", "answers": []},
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    sheet_pdf(build_sheet({**RECORDS[0], "reference": "0000-0000-0000", "timestamp": time.time()}, 30))  # warm-up
    durations = []
    for index in range(ROUNDS):
        record = {**RECORDS[index % len(RECORDS)], "reference": f"{index:04d}-AAAA-BBBB", "timestamp": time.time()}
        started = time.perf_counter()
        sheet_pdf(build_sheet(record, 30))
        durations.append(time.perf_counter() - started)
    print(f"Fiche d'orientation (contenu + HTML + PDF balisé), {ROUNDS} fiches : "
          f"p50 {statistics.median(durations) * 1000:.0f} ms, p95 {percentile(durations, 0.95) * 1000:.0f} ms, "
          f"max {max(durations) * 1000:.0f} ms (objectif : p95 < 1 000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
