"""The gate's floors (eval/gate.yml, the figures make test's eval-gate holds on the blind set) and the
French reasons why a candidate falls below them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

GATE_FILE = Path("eval") / "gate.yml"
# What each figure is called on the page.
FIGURE_NAMES = {"faq_accuracy": "exactitude FAQ", "oos_rejection": "rejet hors sujet",
                "conversations": "conversations justes"}
SET_NAMES = {"dev": "mise au point (dev)", "test": "test", "blind": "aveugle"}


@dataclass(frozen=True)
class Floors:
    gated_set: str
    minimums: dict[str, float]

    @classmethod
    def load(cls, project_dir: Path) -> "Floors":
        """The project's eval/gate.yml; make test's numbers when the file is missing."""
        path = project_dir / GATE_FILE
        data: dict[str, Any] = {}
        if path.is_file():
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        floors = data.get("floors") or {"faq_accuracy": 0.93, "oos_rejection": 0.93, "conversations": 0.85}
        return cls(str(data.get("set") or "blind"), {str(k): float(v) for k, v in floors.items()})


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def percent(value: float) -> str:
    """0.912 → « 91,2 % » (French decimal comma)."""
    return f"{value * 100:.1f} %".replace(".", ",")


def failures(figures: dict[str, dict[str, float]], checks: list[dict[str, Any]], floors: Floors) -> list[str]:
    """Why the candidate may not be put in service (empty: the gate holds). `figures`: set → figure → value;
    `checks`: the gate's other steps ({name, ok, detail}), each of which must pass."""
    reasons = [f"{check['name']} : échec ({check.get('detail') or 'voir le journal'})"
               for check in checks if check.get("ok") is False]
    gated = figures.get(floors.gated_set)
    if gated is None:
        return reasons + [f"Le jeu {SET_NAMES.get(floors.gated_set, floors.gated_set)} n'a pas été évalué."]
    for figure, minimum in floors.minimums.items():
        value = gated.get(figure)
        if value is None:
            if figure != "conversations":  # conversation sets not played: said on the page, not a failure
                reasons.append(f"{_upper_first(FIGURE_NAMES.get(figure, figure))} non mesurée sur le jeu "
                               f"{SET_NAMES.get(floors.gated_set, floors.gated_set)}.")
            continue
        if value < minimum:
            reasons.append(f"{_upper_first(FIGURE_NAMES.get(figure, figure))} sur le jeu "
                           f"{SET_NAMES.get(floors.gated_set, floors.gated_set)} : {percent(value)}, sous le "
                           f"plancher de {percent(minimum)}.")
    return reasons
