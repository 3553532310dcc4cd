"""Retrain & deploy logic with real subprocesses: a stand-in `rasa` executable and a stand-in deploy command
(the profile's `ops/stack.sh deploy` / `deploy/prod.sh deploy`, which the console runs with the model's path).
The real training of a tiny model put in service in a real Rasa is tests/browser/test_deploy_browser.py; the real
deploy without a pause, tests/ops/test_deploy.py and tests/prod/test_deploy.py."""
from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import csrf_of
from console_app.rasa_api import RasaClient, RasaError
from console_app.release.evaluation import Report, _figures
from console_app.release.gate import Floors, failures
from console_app.settings import REPO_ROOT, Settings
from console_app.web import create_app

FAKE_RASA = """#!{python}
import sys, pathlib
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--out") + 1])
name = args[args.index("--fixed-model-name") + 1]
print("Training NLU model...", flush=True)
if "{mode}" == "fail":
    print("InvalidConfigException: pipeline broken", flush=True)
    sys.exit(1)
out.mkdir(parents=True, exist_ok=True)
(out / (name + ".tar.gz")).write_bytes(b"model")
print("Your Rasa model is trained", flush=True)
"""

# Like ops/stack.sh deploy: the model's path comes last; on success the model is in service.
FAKE_DEPLOY = """#!{python}
import sys, pathlib
record = pathlib.Path("{record}")
with record.open("a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
if "{mode}" == "fail":
    print("ERREUR : le nouveau Rasa s'est arrêté au démarrage", flush=True)
    print("La mise en service a échoué ; le modèle en service n'a pas changé.", flush=True)
    sys.exit(1)
record.with_suffix(".live").write_text(sys.argv[-1])
print("Modèle " + pathlib.Path(sys.argv[-1]).name + " en service.", flush=True)
"""


def _script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text.replace("{python}", sys.executable))
    path.chmod(0o755)
    return str(path)


def _fake_rasa(tmp_path: Path, mode: str) -> str:
    return _script(tmp_path, f"rasa-{mode}", FAKE_RASA.replace("{mode}", mode))


class Deploys:
    """The calls of the stand-in deploy command, and the model Rasa's /status then reports."""

    def __init__(self, tmp_path: Path, settings: Settings) -> None:
        self.record = tmp_path / "deploys.txt"
        self.settings = settings
        self.use("ok")

    def use(self, mode: str) -> None:
        script = FAKE_DEPLOY.replace("{record}", str(self.record)).replace("{mode}", mode)
        self.settings.deploy_command = [_script(self.record.parent, f"deploy-{mode}", script), "--profil", "test"]

    @property
    def calls(self) -> list[list[str]]:
        lines = self.record.read_text().splitlines() if self.record.exists() else []
        return [line.split(" ") for line in lines]


@pytest.fixture()
def deploys(monkeypatch, tmp_path: Path, settings: Settings) -> Deploys:
    recorded = Deploys(tmp_path, settings)

    async def status(self):
        live = recorded.record.with_suffix(".live")
        return {"model_file": live.read_text() if live.exists() else "/models/initial.tar.gz"}

    monkeypatch.setattr(RasaClient, "status", status)
    return recorded


class FakeEvaluator:
    """Stands in for make test's gate at the evaluator boundary (no model is loaded): the figures and the
    answers each model gets, set by the test. The gate's decision (floors, refusal, override, audit) is the
    console's own code."""

    def __init__(self) -> None:
        self.blind_faq = 0.95
        self.stories_ok = True
        self.evaluated: list[str] = []

    async def evaluate(self, model_file: Path, log_file: Path, full: bool = True) -> Report:
        self.evaluated.append(model_file.name + ("" if full else " (jeux de questions seuls)"))
        candidate = model_file.name.startswith("console-")
        right = {"Qui finance le cloud ?": True, "C'est quoi SecNumCloud ?": not candidate,
                 "Les mairies sont-elles concernées ?": candidate}
        answers = {"dev": [{"id": text, "label": "faq/x", "shown": ("faq/x" if ok else "faq/y"), "right": ok}
                           for text, ok in right.items()],
                   "blind": [{"id": "ab12cd34ef56ab78", "label": "faq/z",
                              "shown": "faq/w" if candidate else "faq/z", "right": not candidate}]}
        figures = {"dev": {"faq_accuracy": 0.97, "oos_rejection": 0.96, "confidently_wrong": 2.0},
                   "blind": {"faq_accuracy": self.blind_faq if candidate else 0.95, "oos_rejection": 0.94,
                             "confidently_wrong": 1.0, "conversations": 0.9}}
        checks = [{"name": "Validation des données (rasa data validate)", "ok": True, "detail": ""},
                  {"name": "Tests de conversation (tests/stories)", "ok": self.stories_ok or not candidate,
                   "detail": "" if self.stories_ok else "code 1, voir le journal"}]
        return Report(model=model_file.name, checks=checks, figures=figures, answers=answers)


@pytest.fixture()
def evaluator() -> FakeEvaluator:
    return FakeEvaluator()


@pytest.fixture()
def app(settings: Settings, users_db: Path, evaluator: FakeEvaluator):
    """The console with the stand-in evaluator (conftest's app, otherwise)."""
    shutil.copy(users_db, settings.console_db_url.removeprefix("sqlite:///"))
    return create_app(settings, evaluator=evaluator)


def _run_training(client, token) -> dict:
    response = client.post("/models/train", data={"csrf_token": token})
    assert response.status_code == 303
    deadline = time.time() + 30
    while time.time() < deadline:
        state = client.get("/api/training/1").json()
        if state["status"] not in ("running", "evaluating"):
            return state
        time.sleep(0.1)
    raise AssertionError("training did not finish")


def _initial_model(settings: Settings) -> None:
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    (settings.models_dir / "initial.tar.gz").write_bytes(b"model")


def _promote(client, model: str, **fields: str):
    token = csrf_of(client, f"/models/candidat/{model}")
    return client.post(f"/models/candidat/{model}/mettre-en-service", data={"csrf_token": token, **fields})


def test_training_makes_a_candidate_shown_beside_the_model_in_service(admin, app, settings, tmp_path, deploys,
                                                                       evaluator):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    _initial_model(settings)
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "candidate" and "Candidat prêt" in state["message"]
    assert deploys.calls == []  # nobody gets it yet
    assert evaluator.evaluated == [state["model"], "initial.tar.gz (jeux de questions seuls)"]  # the live model measured for the comparison
    page = client.get("/models").text
    assert 'id="live-model">initial.tar.gz<' in page and f'href="/models/candidat/{state["model"]}"' in page
    page = client.get(f"/models/candidat/{state['model']}").text
    assert "Les seuils sont tenus" in page
    assert "<td>aveugle</td><td>exactitude FAQ</td><td>95,0 %</td><td>95,0 %</td><td>93,0 %</td>" in page
    new_errors = page.split('id="new-errors"')[1].split("</ul>")[0]
    assert "C&#39;est quoi SecNumCloud ?" in new_errors and "question aveugle n° 1" in new_errors
    assert "ab12cd34" not in page  # a blind question is counted, never shown
    assert "Les mairies sont-elles concernées ?" in page.split('id="fixed"')[1].split("</ul>")[0]
    assert 'data-action="candidate_ready"' in client.get("/audit").text


def test_failed_training_leaves_live_model_and_says_why(admin, app, settings, tmp_path, deploys):
    settings.rasa_bin = _fake_rasa(tmp_path, "fail")
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "failed" and deploys.calls == []
    assert "le modèle en service n'a pas changé" in state["message"]
    assert "InvalidConfigException: pipeline broken" in state["log"]
    page = client.get("/models").text
    assert 'id="live-model">initial.tar.gz<' in page and "InvalidConfigException" in page
    assert "train_failed" in client.get("/audit").text


def test_putting_a_candidate_in_service_needs_a_confirmation_then_rollback_is_one_click(
        admin, app, settings, tmp_path, deploys):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    _initial_model(settings)
    client, token = admin
    client.get("/models")  # the model found in service is remembered (to come back to it)
    model = _run_training(client, token)["model"]
    page = client.get(_promote(client, model).headers["location"]).text
    assert "Cochez la case de confirmation" in page and deploys.calls == []
    response = _promote(client, model, confirm="oui")
    assert response.status_code == 303 and deploys.calls == [["--profil", "test", str(settings.models_dir / model)]]
    page = client.get("/models").text
    assert f"Modèle {model} mis en service." in page and f'id="live-model">{model}<' in page
    # The changes the candidate was trained on are no longer pending.
    assert "Aucune modification en attente" in client.get("/modifications").text
    # Back to the previous model: one click, no gate.
    assert "Revenir au modèle précédent (initial.tar.gz)" in page
    client.post("/models/rollback", data={"csrf_token": csrf_of(client, "/models")})
    assert deploys.calls[-1][-1] == str(settings.models_dir / "initial.tar.gz")
    assert 'id="live-model">initial.tar.gz<' in client.get("/models").text


def test_a_candidate_below_a_floor_is_refused_with_the_reason_unless_an_admin_writes_why(
        admin, app, settings, tmp_path, deploys, evaluator):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    _initial_model(settings)
    evaluator.blind_faq = 0.9
    client, token = admin
    state = _run_training(client, token)
    model = state["model"]
    reason = "Exactitude FAQ sur le jeu aveugle : 90,0 %, sous le plancher de 93,0 %."
    assert state["status"] == "candidate_below" and reason in state["message"]
    page = client.get(f"/models/candidat/{model}").text
    assert "Seuils non tenus" in page and reason.replace("'", "&#39;") in page and "sous le plancher</span>" in page
    page = client.get(_promote(client, model, confirm="oui").headers["location"]).text
    assert f"Mise en service refusée : {reason}" in page and deploys.calls == []
    page = client.get(_promote(client, model, confirm="oui", override_reason="urgent").headers["location"]).text
    assert "au moins 20 caractères" in page and deploys.calls == []
    why = "Correction urgente de la réponse sur le financement demandée par la DINUM"
    response = _promote(client, model, confirm="oui", override_reason=why)
    assert response.status_code == 303 and len(deploys.calls) == 1
    assert "malgré les seuils" in client.get("/models").text
    audit = client.get("/audit").text
    assert 'data-action="deploy_refused"' in audit and 'data-action="deploy_override"' in audit
    assert f"Raison : {why}" in audit


def test_a_failed_conversation_test_blocks_the_candidate(admin, app, settings, tmp_path, deploys, evaluator):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    evaluator.stories_ok = False
    client, token = admin
    model = _run_training(client, token)["model"]
    page = client.get(_promote(client, model, confirm="oui").headers["location"]).text
    assert "Tests de conversation (tests/stories) : échec (code 1, voir le journal)" in page
    assert deploys.calls == []


def test_failed_deploy_leaves_live_model_and_says_why(admin, app, settings, tmp_path, deploys):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    client, token = admin
    model = _run_training(client, token)["model"]
    deploys.use("fail")
    page = client.get(_promote(client, model, confirm="oui").headers["location"]).text
    assert "La mise en service a échoué (code 1)" in page and "le nouveau Rasa s&#39;est arrêté" in page
    assert 'id="live-model">initial.tar.gz<' in client.get("/models").text
    assert 'data-action="deploy_failed"' in client.get("/audit").text


def test_only_a_model_that_was_in_service_comes_back_from_the_list(admin, app, settings, deploys):
    client, token = admin
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "previous.tar.gz").write_bytes(b"model")
    client.post("/models/deploy", data={"csrf_token": token, "model": "previous.tar.gz"})
    assert deploys.calls == []
    assert "n&#39;a jamais été en service" in client.get("/models").text
    app.state.promotion.history.add("previous.tar.gz")
    client.post("/models/deploy", data={"csrf_token": token, "model": "previous.tar.gz"})
    assert deploys.calls == [["--profil", "test", str(settings.models_dir / "previous.tar.gz")]]
    assert 'id="live-model">previous.tar.gz<' in client.get("/models").text


def test_the_console_floors_are_make_test_s(settings):
    """eval/gate.yml (read by the console) and the Makefile's eval-gate hold the same floors."""
    floors = Floors.load(REPO_ROOT)
    makefile = (REPO_ROOT / "Makefile").read_text()
    gate_line = next(line for line in makefile.splitlines() if "evaluate.py --gate" in line)
    assert f"--gate {floors.gated_set}" in gate_line
    assert f"--min-faq-accuracy {floors.minimums['faq_accuracy']}" in gate_line
    assert f"--min-oos-rejection {floors.minimums['oos_rejection']}" in gate_line
    assert f"--min-conversations {floors.minimums['conversations']}" in gate_line


def test_evaluate_py_results_become_the_figures_per_set():
    results = {"splits": {"blind": {"count": 120, "assistant": {"faq_accuracy": 0.941, "oos_rejection": 0.95,
                                                                "confidently_wrong": 3}}},
               "conversations": {"blind": {"accuracy": 0.8, "count": 66}}}
    figures = _figures(results)
    assert figures == {"blind": {"faq_accuracy": 0.941, "oos_rejection": 0.95, "confidently_wrong": 3.0,
                                 "conversations": 0.8}}
    assert failures(figures, [], Floors("blind", {"faq_accuracy": 0.93, "conversations": 0.85})) == [
        "Conversations justes sur le jeu aveugle : 80,0 %, sous le plancher de 85,0 %."]


def test_training_command_uses_configured_paths(settings):
    from console_app.release.training import TrainingService
    command = TrainingService(settings, None, None, FakeEvaluator(), None, str, print, None).command(  # type: ignore
        "console-x")
    assert command[1] == "train"
    assert command[command.index("--data") + 1] == str(settings.project_dir / "data")
    assert command[command.index("--out") + 1] == str(settings.models_dir)


def test_deploy_command_of_each_profile(tmp_path):
    default = Settings.from_env({"STATE_DIR": str(tmp_path / "etat"), "CONSOLE_SECRET_KEY": "k"})
    assert default.deploy_command == [str(REPO_ROOT / "ops" / "stack.sh"), "deploy", str(tmp_path / "etat")]
    prod = Settings.from_env({"CONSOLE_DEPLOY_COMMAND": "'/srv/cloud au centre/deploy/prod.sh' deploy",
                              "CONSOLE_SECRET_KEY": "k"})
    assert prod.deploy_command == ["/srv/cloud au centre/deploy/prod.sh", "deploy"]


def test_deploy_unknown_model_refused(admin, deploys):
    client, token = admin
    assert client.post("/models/deploy", data={"csrf_token": token, "model": "../../etc/passwd"}).status_code == 404
    assert deploys.calls == []


def test_rasa_error_message_is_french():
    with pytest.raises(RasaError, match="injoignable"):
        asyncio.run(RasaClient("http://127.0.0.1:9", "t").status())


FAKE_PROJECT_PYTHON = """#!{python}
import json, pathlib, sys
args = sys.argv[1:]
with open("{calls}", "a") as calls:
    calls.write(" ".join(args) + "\\n")
if args[:4] == ["-m", "rasa_patches", "test", "core"]:
    print("1 story failed", flush=True)
    sys.exit(1)
if args and args[0].endswith("evaluate.py"):
    pathlib.Path(args[args.index("--json") + 1]).write_text(json.dumps({"splits": {"blind": {"count": 2,
        "assistant": {"faq_accuracy": 0.5, "oos_rejection": 1.0, "confidently_wrong": 1}}}}))
    pathlib.Path(args[args.index("--answers-json") + 1]).write_text(json.dumps({"blind": [
        {"id": "0011223344556677", "label": "faq/x", "shown": "faq/y", "right": False}]}))
"""


def test_the_gate_evaluator_runs_make_test_s_checks_on_the_candidate(settings, tmp_path):
    """GateEvaluator's own commands (the project's Python stands in): validation of the working copy's data,
    the conversation tests with the candidate, evaluate.py on the candidate; a failure is a failed check."""
    from console_app.release.evaluation import GateEvaluator
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    _script(bin_dir, "python", FAKE_PROJECT_PYTHON.replace("{calls}", str(calls)))
    settings.rasa_bin = str(bin_dir / "rasa")
    model = tmp_path / "candidate.tar.gz"
    report = asyncio.run(GateEvaluator(settings).evaluate(model, tmp_path / "gate.log"))
    validate, stories, evaluate = calls.read_text().splitlines()
    assert validate.startswith("-m rasa_patches data validate --domain " + str(settings.domain_dir))
    assert stories.startswith(f"-m rasa_patches test core --model {model} --stories {REPO_ROOT / 'tests' / 'stories'}")
    assert evaluate.startswith(f"{REPO_ROOT / 'eval' / 'evaluate.py'} --model {model}")
    assert evaluate.endswith("--no-conversations")  # the candidate is not in the project's models/
    assert [(c["name"], c["ok"]) for c in report.checks] == [
        ("Validation des données (rasa data validate)", True), ("Tests de conversation (tests/stories)", False),
        ("Jeux d'évaluation (eval/evaluate.py)", True), ("Jeux de conversations", None)]
    assert report.figures["blind"]["faq_accuracy"] == 0.5 and report.answers["blind"][0]["shown"] == "faq/y"
    assert "1 story failed" in (tmp_path / "gate.log").read_text()
    reasons = failures(report.figures, report.checks, Floors.load(REPO_ROOT))
    assert reasons[0] == "Tests de conversation (tests/stories) : échec (code 1, voir le journal)"
    assert "Exactitude FAQ sur le jeu aveugle : 50,0 %, sous le plancher de 93,0 %." in reasons


def test_a_model_trained_elsewhere_is_checked_before_it_can_go_in_service(admin, app, settings, deploys, evaluator):
    client, token = admin
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "make-train.tar.gz").write_bytes(b"model")
    assert "Vérifier comme candidat" in client.get("/models").text
    response = client.post("/models/candidat/make-train.tar.gz/mettre-en-service",
                           data={"csrf_token": token, "confirm": "oui"})
    assert "Ce modèle n&#39;a pas été vérifié" in client.get(response.headers["location"]).text
    assert deploys.calls == []
    client.post("/models/verifier", data={"csrf_token": token, "model": "make-train.tar.gz"})
    deadline = time.time() + 30
    while client.get("/api/training/1").json()["status"] == "evaluating" and time.time() < deadline:
        time.sleep(0.1)
    assert client.get("/api/training/1").json()["status"] == "candidate"
    assert evaluator.evaluated[0] == "make-train.tar.gz"
    assert "Les seuils sont tenus" in client.get("/models/candidat/make-train.tar.gz").text
    assert _promote(client, "make-train.tar.gz", confirm="oui").status_code == 303
    assert deploys.calls == [["--profil", "test", str(settings.models_dir / "make-train.tar.gz")]]
