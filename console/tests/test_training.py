"""Retrain & deploy logic with a real subprocess (a stand-in `rasa` executable) and a recorded `PUT /model`.
The real training of a tiny model loaded into a real Rasa is tests/browser/test_browser.py."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from console_app.rasa_api import RasaClient, RasaError

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


def _fake_rasa(tmp_path: Path, mode: str) -> str:
    path = tmp_path / f"rasa-{mode}"
    path.write_text(FAKE_RASA.replace("{python}", sys.executable).replace("{mode}", mode))
    path.chmod(0o755)
    return str(path)


@pytest.fixture()
def loads(monkeypatch) -> list[str]:
    calls: list[str] = []

    async def load_model(self, model_file):
        calls.append(model_file)

    async def status(self):
        return {"model_file": calls[-1] if calls else "/models/initial.tar.gz"}

    monkeypatch.setattr(RasaClient, "load_model", load_model)
    monkeypatch.setattr(RasaClient, "status", status)
    return calls


def _run_training(client, token) -> dict:
    response = client.post("/models/train", data={"csrf_token": token})
    assert response.status_code == 303
    deadline = time.time() + 30
    while time.time() < deadline:
        state = client.get("/api/training/1").json()
        if state["status"] != "running":
            return state
        time.sleep(0.1)
    raise AssertionError("training did not finish")


def test_training_success_deploys_new_model(admin, app, settings, tmp_path, loads):
    settings.rasa_bin = _fake_rasa(tmp_path, "ok")
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "deployed"
    assert loads and Path(loads[0]).parent == settings.models_dir and loads[0].endswith(state["model"])
    assert "Your Rasa model is trained" in state["log"]
    page = client.get("/models").text
    assert f'id="live-model">{state["model"]}<' in page
    assert "en service" in page
    audit = client.get("/audit").text
    assert 'data-action="train_start"' in audit and 'data-action="deploy"' in audit


def test_failed_training_leaves_live_model_and_says_why(admin, app, settings, tmp_path, loads):
    settings.rasa_bin = _fake_rasa(tmp_path, "fail")
    client, token = admin
    state = _run_training(client, token)
    assert state["status"] == "failed" and loads == []
    assert "le modèle en service n'a pas changé" in state["message"]
    assert "InvalidConfigException: pipeline broken" in state["log"]
    page = client.get("/models").text
    assert 'id="live-model">initial.tar.gz<' in page and "InvalidConfigException" in page
    assert "train_failed" in client.get("/audit").text


def test_training_command_uses_configured_paths(settings):
    from console_app.training import TrainingService
    command = TrainingService(settings, None, None).command("console-x")
    assert command[1] == "train"
    assert command[command.index("--data") + 1] == str(settings.project_dir / "data")
    assert command[command.index("--out") + 1] == str(settings.models_dir)


def test_deploy_unknown_model_refused(admin, loads):
    client, token = admin
    assert client.post("/models/deploy", data={"csrf_token": token, "model": "../../etc/passwd"}).status_code == 404
    assert loads == []


def test_rasa_error_message_is_french():
    with pytest.raises(RasaError, match="injoignable"):
        asyncio.run(RasaClient("http://127.0.0.1:9", "t").status())
