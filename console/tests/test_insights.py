"""« Analyse des données »: questions with too few examples (from data/), and the questions the model
confuses on the held-out sets, refreshed after each training."""
from __future__ import annotations

import json
import time
from html import unescape
from pathlib import Path

from console_app.insights.analysis import insights_command, latest_insights, too_few_examples
from console_app.settings import Settings
from ruamel.yaml import YAML
from test_training import _fake_rasa, _run_training, _script

# What eval/evaluate.py --json writes (errors per expected label; the blind set's errors are not written).
REPORT = {
    "splits": {
        "dev": {"count": 120, "assistant": {"errors": {
            "faq/financement": [["qui paie la migration ?", "faq/collectivites"],
                                ["des sous pour migrer ?", "faq/collectivites"],
                                ["aides ?", "(pas de réponse)"]],
            "out_of_scope": [["la météo demain", "faq/par_ou_commencer"]]}}},
        "test": {"count": 80, "assistant": {"errors": {
            "faq/financement": [["un budget pour le cloud ?", "faq/collectivites"]],
            "faq/collectivites": [["une mairie doit-elle le faire ?", "check_scope"]]}}},
        "blind": {"count": 90, "assistant": {"errors": None}},
    },
}

FAKE_EVALUATION = """#!{python}
import json, sys
out = sys.argv[-1]
assert sys.argv[-2] == "--json" and sys.argv[-3].endswith(".tar.gz")
json.dump(REPORT, open(out, "w", encoding="utf-8"))
""".replace("REPORT", repr(REPORT))


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


def test_confusions_on_the_held_out_sets(agent, settings: Settings) -> None:
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    (settings.models_dir / "console-20261207-101500.insights.json").write_text(json.dumps(REPORT), encoding="utf-8")
    found = latest_insights(settings.models_dir)
    assert found is not None and found.model == "console-20261207-101500" and found.questions == 200
    top = found.confusions[0]
    assert (top.expected, top.given, top.count) == ("faq/financement", "faq/collectivites", 3)
    assert found.declined["faq/financement"] == 1
    client, _ = agent
    page = unescape(client.get("/analyse").text)
    assert ("<tr><td>Existe-t-il un financement pour le cloud ?</td>\n    "
            "<td>Répondu : Les collectivités sont-elles concernées ?</td>\n    <td>3</td>") in page
    assert "« qui paie la migration ? »" in page and "Lancé le test d'éligibilité" in page


def test_each_training_refreshes_the_analysis(admin, settings: Settings, tmp_path: Path, monkeypatch) -> None:
    from console_app.rasa_api import RasaClient
    from test_training import Deploys

    deploys = Deploys(tmp_path, settings)

    async def status(self):
        return {"model_file": "/models/initial.tar.gz"}

    monkeypatch.setattr(RasaClient, "status", status)
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    settings.insights_command = [_script(tmp_path, "evaluate", FAKE_EVALUATION)]
    model = settings.models_dir / "m.tar.gz"
    assert insights_command(settings, model)[-4:] == ["--model", str(model), "--json",
                                                     str(settings.models_dir / "m.insights.json")]
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "deployed" and deploys.calls
    deadline = time.time() + 30
    while latest_insights(settings.models_dir) is None and time.time() < deadline:
        time.sleep(0.1)
    page = client.get("/analyse").text
    assert f"Modèle <code>{state['model'].removesuffix('.tar.gz')}</code>" in page
    assert "Analyse du modele sur les jeux tenus a l'ecart" in client.get("/api/training/1").json()["log"]
