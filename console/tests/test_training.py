"""Retrain & deploy logic with real subprocesses: a stand-in `rasa` executable and a stand-in deploy command
(the profile's `ops/stack.sh deploy` / `deploy/prod.sh deploy`, which the console runs with the model's path).
The real training of a tiny model put in service in a real Rasa is tests/browser/test_browser.py; the real
deploy without a pause, tests/ops/test_deploy.py and tests/prod/test_deploy.py."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from console_app.rasa_api import RasaClient, RasaError
from console_app.settings import REPO_ROOT, Settings

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


def _run_training(client, token) -> dict:
    response = client.post("/models/train", data={"csrf_token": token})
    assert response.status_code == 303
    deadline = time.time() + 30
    while time.time() < deadline:
        state = client.get("/api/training/1").json()
        if state["status"] not in ("running", "deploying"):
            return state
        time.sleep(0.1)
    raise AssertionError("training did not finish")


def test_training_success_deploys_new_model(admin, app, settings, tmp_path, deploys):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "deployed"
    [call] = deploys.calls
    assert call[:2] == ["--profil", "test"]  # the configured command, then the model's path
    assert Path(call[-1]).parent == settings.models_dir and call[-1].endswith(state["model"])
    assert "Your Rasa model is trained" in state["log"]
    assert f"Modèle {state['model']} en service." in state["log"]
    page = client.get("/models").text
    assert f'id="live-model">{state["model"]}<' in page
    assert "en service" in page
    audit = client.get("/audit").text
    assert 'data-action="train_start"' in audit and 'data-action="deploy"' in audit


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


def test_failed_deploy_after_training_leaves_live_model_and_says_why(admin, app, settings, tmp_path, deploys):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    deploys.use("fail")
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "deploy_failed" and len(deploys.calls) == 1
    assert "non mis en service" in state["message"] and "le modèle en service n'a pas changé" in state["message"]
    assert "le nouveau Rasa s'est arrêté au démarrage" in state["log"]
    assert 'data-action="deploy_failed"' in client.get("/audit").text


def test_a_model_of_the_list_is_put_in_service_by_the_deploy_command(admin, app, settings, deploys):
    client, token = admin
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "previous.tar.gz").write_bytes(b"model")
    response = client.post("/models/deploy", data={"csrf_token": token, "model": "previous.tar.gz"})
    assert response.status_code == 303
    assert deploys.calls == [["--profil", "test", str(settings.models_dir / "previous.tar.gz")]]
    page = client.get("/models").text
    assert "Modèle previous.tar.gz mis en service." in page
    assert 'id="live-model">previous.tar.gz<' in page
    deploys.use("fail")
    (settings.models_dir / "other.tar.gz").write_bytes(b"model")
    client.post("/models/deploy", data={"csrf_token": token, "model": "other.tar.gz"})
    page = client.get("/models").text
    assert "La mise en service a échoué (code 1)" in page and "le modèle en service n&#39;a pas changé" in page
    assert 'id="live-model">previous.tar.gz<' in page


def test_training_command_uses_configured_paths(settings):
    from console_app.training import TrainingService
    command = TrainingService(settings, None, None).command("console-x")
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
