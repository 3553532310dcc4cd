"""RGAA 4.1 audit grids: check a grid and compute its conformity rates as the RGAA method says.

A grid (docs/accessibilite/grille-*.csv, `;`-separated, UTF-8) has one row per page of the sample and per
criterion: page, critère, statut (C, NC or NA), méthode (how it was checked), preuve (what was seen, which test).
The 106 criteria are listed in docs/accessibilite/criteres-rgaa-4.1.csv.

The RGAA 4.1 method (« Méthodologie de test », « Calcul du taux de conformité »):
- over the sample, a criterion is conformant (C) when it is C or NA on every page and C on one at least;
  non-conformant (NC) when it is NC on one page at least; not applicable (NA) when it is NA on every page;
- the **global rate** is C / (C + NC) over the criteria: the rate the accessibility statement gives;
- the **average rate** is the mean of the pages' own rates (C / (C + NC) on that page);
- the statement says « totalement conforme » at 100 %, « partiellement conforme » from 50 %, and
  « non conforme » below 50 % (or without an audit).

Standard library only:  python accessibility/rgaa.py [grille.csv…] [--markdown]   (rates; the project's grids
by default)   python accessibility/rgaa.py --summary   (rewrites docs/accessibilite/synthese.md)
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

REPO = Path(__file__).resolve().parents[1]
GRID_DIR = REPO / "docs" / "accessibilite"
CRITERIA_FILE = GRID_DIR / "criteres-rgaa-4.1.csv"
STATUSES = ("C", "NC", "NA")
COLUMNS = ("page", "critere", "statut", "methode", "preuve")


@dataclass(frozen=True)
class Criterion:
    number: str  # « 1.1 » … « 13.12 »
    theme: str
    title: str


@dataclass(frozen=True)
class Row:
    page: str
    criterion: str
    status: str
    method: str
    evidence: str


class GridError(ValueError):
    """A grid that cannot be counted: a missing or doubled criterion, an unknown status, no method…"""


def read_csv(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def load_criteria(path: Path = CRITERIA_FILE) -> List[Criterion]:
    return [Criterion(r["critere"], r["thematique"], r["intitule"]) for r in read_csv(path)]


def load_grid(path: Path) -> List[Row]:
    records = read_csv(path)
    if records and tuple(records[0].keys()) != COLUMNS:
        raise GridError(f"{path.name} : colonnes attendues {';'.join(COLUMNS)}")
    return [Row(r["page"], r["critere"], r["statut"].strip().upper(), r["methode"].strip(), r["preuve"].strip())
            for r in records]


def pages_of(rows: Iterable[Row]) -> List[str]:
    """The pages of the sample, in the grid's order."""
    return list(dict.fromkeys(row.page for row in rows))


def check_grid(rows: Sequence[Row], criteria: Sequence[Criterion]) -> None:
    """Every page has every criterion exactly once, with a known status, a method and evidence."""
    expected = [c.number for c in criteria]
    problems: List[str] = []
    for page in pages_of(rows):
        numbers = [row.criterion for row in rows if row.page == page]
        missing = [n for n in expected if n not in numbers]
        doubled = sorted({n for n in numbers if numbers.count(n) > 1})
        unknown = sorted(set(numbers) - set(expected))
        for label, items in (("manquant", missing), ("en double", doubled), ("inconnu", unknown)):
            if items:
                problems.append(f"{page} : critère {label} {', '.join(items)}")
    for row in rows:
        if row.status not in STATUSES:
            problems.append(f"{row.page} {row.criterion} : statut {row.status!r} (attendu C, NC ou NA)")
        if not row.method or not row.evidence:
            problems.append(f"{row.page} {row.criterion} : méthode ou preuve absente")
    if not rows:
        problems.append("grille vide")
    if problems:
        raise GridError("\n".join(problems))


def criterion_statuses(rows: Sequence[Row]) -> Dict[str, str]:
    """The status of each criterion over the whole sample (RGAA method)."""
    by_criterion: Dict[str, List[str]] = {}
    for row in rows:
        by_criterion.setdefault(row.criterion, []).append(row.status)
    result = {}
    for number, statuses in by_criterion.items():
        if "NC" in statuses:
            result[number] = "NC"
        elif "C" in statuses:
            result[number] = "C"
        else:
            result[number] = "NA"
    return result


def rate(statuses: Iterable[str]) -> float | None:
    """C / (C + NC) in percent, or None when no criterion applies."""
    values = list(statuses)
    applicable = values.count("C") + values.count("NC")
    return None if applicable == 0 else 100.0 * values.count("C") / applicable


def global_rate(rows: Sequence[Row]) -> float:
    value = rate(criterion_statuses(rows).values())
    if value is None:
        raise GridError("aucun critère applicable")
    return value


def page_rates(rows: Sequence[Row]) -> Dict[str, float | None]:
    return {page: rate(row.status for row in rows if row.page == page) for page in pages_of(rows)}


def average_rate(rows: Sequence[Row]) -> float:
    values = [value for value in page_rates(rows).values() if value is not None]
    return sum(values) / len(values)


def shown(value: float) -> str:
    """A rate as a statement gives it: rounded down to the unit (never « 100 % » for 99.5 %), French style."""
    return f"{math.floor(value + 1e-9)} %"


def conformity(value: float) -> str:
    """The statement's « état de conformité » for a global rate (décret n° 2019-768, art. 4)."""
    if value >= 100.0 - 1e-9:
        return "totalement conforme"
    if value >= 50.0:
        return "partiellement conforme"
    return "non conforme"


def markdown_summary(title: str, rows: Sequence[Row], criteria: Sequence[Criterion]) -> str:
    """The summary people read next to the CSV: rates, per-page rates and every non-conformity."""
    statuses = criterion_statuses(rows)
    titles = {c.number: c.title for c in criteria}
    value = global_rate(rows)
    counts = {s: list(statuses.values()).count(s) for s in STATUSES}
    lines = [
        f"## {title}",
        "",
        f"- État de conformité : **{conformity(value)}** (RGAA 4.1)",
        f"- Taux global de conformité : **{shown(value)}** ({counts['C']} critères conformes sur "
        f"{counts['C'] + counts['NC']} applicables ; {counts['NA']} non applicables)",
        f"- Taux moyen (moyenne des pages) : {shown(average_rate(rows))}",
        "",
        "| Page | C | NC | NA | Taux |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for page, page_value in page_rates(rows).items():
        own = [row.status for row in rows if row.page == page]
        lines.append(f"| {page} | {own.count('C')} | {own.count('NC')} | {own.count('NA')} | "
                     f"{shown(page_value) if page_value is not None else '—'} |")
    lines += ["", "Critères non conformes :", ""]
    for number in [c.number for c in criteria if statuses.get(c.number) == "NC"]:
        lines.append(f"- **{number}** {titles[number]}")
        for row in rows:
            if row.criterion == number and row.status == "NC":
                lines.append(f"  - {row.page} : {row.evidence}")
    if counts["NC"] == 0:
        lines.append("- aucun")
    return "\n".join(lines) + "\n"


# The grids of the project, in the order of the summary: (title, file).
PROJECT_GRIDS = (("Widget", GRID_DIR / "grille-widget.csv"), ("Console de support", GRID_DIR / "grille-console.csv"))
SUMMARY_FILE = GRID_DIR / "synthese.md"
SUMMARY_HEAD = """# Synthèse de l'audit RGAA 4.1

*Écrite par `python accessibility/rgaa.py --summary` à partir des grilles : ne pas la modifier à la main
(`tests/accessibility/test_rgaa.py` vérifie qu'elle correspond aux grilles).*

"""


def summary_document() -> str:
    """docs/accessibilite/synthese.md: the summary of every grid of the project."""
    criteria = load_criteria()
    parts = []
    for title, path in PROJECT_GRIDS:
        rows = load_grid(path)
        check_grid(rows, criteria)
        parts.append(markdown_summary(title, rows, criteria))
    return SUMMARY_HEAD + "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Taux de conformité RGAA 4.1 d'une grille d'audit.")
    parser.add_argument("grids", nargs="*", type=Path)
    parser.add_argument("--markdown", action="store_true", help="la synthèse d'une grille en Markdown")
    parser.add_argument("--summary", action="store_true", help=f"réécrit {SUMMARY_FILE.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if args.summary:
        SUMMARY_FILE.write_text(summary_document(), encoding="utf-8")
        print(f"{SUMMARY_FILE.relative_to(REPO)} écrite")
        return 0
    if not args.grids:
        args.grids = [path for _, path in PROJECT_GRIDS]
    criteria = load_criteria()
    for path in args.grids:
        try:
            rows = load_grid(path)
            check_grid(rows, criteria)
        except (GridError, KeyError) as problem:
            print(f"{path} : grille invalide\n{problem}", file=sys.stderr)
            return 1
        if args.markdown:
            print(markdown_summary(path.stem, rows, criteria))
        else:
            value = global_rate(rows)
            print(f"{path.name} : {conformity(value)}, taux global {shown(value)} "
                  f"({value:.2f} %), taux moyen {shown(average_rate(rows))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
