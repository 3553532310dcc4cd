"""« Analyse des données »: questions with too few examples (from data/), and the questions the model
confuses on the held-out sets, refreshed after each training."""
from __future__ import annotations

import json
import os
import time
from html import unescape
from pathlib import Path

from console_app.insights.analysis import latest_insights, too_few_examples
from console_app.settings import Settings
from ruamel.yaml import YAML


def _answer(text: str, label: str, shown: str) -> dict[str, object]:
    return {"id": text, "label": label, "shown": shown, "right": label == shown}


# A candidate gate's report (release/evaluation.py: every question's answer per set; the blind set by a
# fingerprint only).
REPORT = {
    "model": "console-20261207-101500.tar.gz", "commit": "abc", "created": 1_796_000_000.0, "checks": [],
    "figures": {},
    "answers": {
        "dev": [_answer("qui paie la migration ?", "faq/financement", "faq/collectivites"),
                _answer("des sous pour migrer ?", "faq/financement", "faq/collectivites"),
                _answer("aides ?", "faq/financement", "(pas de réponse)"),
                _answer("la météo demain", "out_of_scope", "faq/par_ou_commencer"),
                _answer("qui finance ?", "faq/financement", "faq/financement")],
        "test": [_answer("un budget pour le cloud ?", "faq/financement", "faq/collectivites"),
                 _answer("une mairie doit-elle le faire ?", "faq/collectivites", "check_scope")],
        "blind": [{"id": "0123456789abcdef", "label": "faq/secnumcloud", "shown": "faq/collectivites",
                   "right": False}],
    },
}


def _keep_examples(project: Path, intent: str, count: int) -> None:
    """Leave only `count` examples to one intent of the copy of data/."""
    for path in (project / "data" / "nlu").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        doc = YAML(typ="safe").load(text) or {}
        for item in doc.get("nlu") or []:
            if item.get("intent") == intent:
                lines = [line for line in item["examples"].splitlines() if line.startswith("- ")]
                block = "\n".join("      " + line for line in lines)
                kept = "\n".join("      " + line for line in lines[:count])
                assert block in text
                path.write_text(text.replace(block, kept), encoding="utf-8")
                return
    raise AssertionError(f"{intent} introuvable")


def test_questions_with_too_few_examples(agent, project: Path) -> None:
    _keep_examples(project, "faq/financement", 3)
    few = dict(too_few_examples(project / "data", project / "domain"))
    assert few["faq/financement"] == 3
    client, _ = agent
    page = unescape(client.get("/analyse").text)
    assert "<td>Existe-t-il un financement pour le cloud ?</td><td>3</td>" in page
    assert 'href="/conversations?question=faq%2Ffinancement"' in page
    assert "Pas encore d'analyse" in page


def _write_report(settings: Settings, report: dict, name: str) -> Path:
    folder = settings.work_dir / "candidates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_confusions_on_the_held_out_sets_from_the_latest_gate_report(agent, settings: Settings) -> None:
    _write_report(settings, REPORT, "console-20261207-101500.json")
    found = latest_insights(settings.work_dir / "candidates")
    assert found is not None and found.model == "console-20261207-101500" and found.questions == 7
    top = found.confusions[0]
    assert (top.expected, top.given, top.count) == ("faq/financement", "faq/collectivites", 3)
    assert found.declined["faq/financement"] == 1
    assert all(c.expected != "faq/secnumcloud" for c in found.confusions)  # the blind set is never read
    client, _ = agent
    page = unescape(client.get("/analyse").text)
    assert ("<tr><td>Existe-t-il un financement pour le cloud ?</td>\n    "
            "<td>Répondu : Les collectivités sont-elles concernées ?</td>\n    <td>3</td>") in page
    assert "« qui paie la migration ? »" in page and "Lancé le test d'éligibilité" in page
    assert "0123456789abcdef" not in page
    # The next training's candidate: its report is the one shown.
    newer = dict(REPORT, model="console-20261208-090000.tar.gz",
                 answers={"dev": [_answer("qui finance ?", "faq/financement", "faq/financement")]})
    path = _write_report(settings, newer, "console-20261208-090000.json")
    os.utime(path, (time.time() + 10, time.time() + 10))
    page = unescape(client.get("/analyse").text)
    assert "Modèle <code>console-20261208-090000</code>" in page and "Aucune confusion" in page
