"""A candidate model trained from the console, checked by the gate, put in service and rolled back, in Chromium, on
a Rasa stack of its own (putting a model in service restarts Rasa). Apart from the other browser tests
(make test-console-deploy), which make test runs before it: its training loads the machine."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from teststack import Stack

from .conftest import REPO_ROOT, log_in, running_console


def _live_model(stack: Stack) -> str:
    return httpx.get(f"{stack.url}/status", params={"token": stack.token}).json()["model_file"]


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Putting a model in service restarts Rasa: never on the stack the other parts' tests share."""
    with Stack.running(tmp_path_factory.mktemp("console-deploy-stack")) as stack:
        yield stack


@pytest.fixture(scope="module")
def deploying_console(tmp_path_factory: pytest.TempPathFactory, own_stack: Stack,
                      project: Path) -> Iterator[dict[str, Any]]:
    """A console that puts models in service on its own stack, as `make run`'s does (ops/stack.sh deploy)."""
    stack = {"url": own_stack.url, "token": own_stack.token, "tracker_db": str(own_stack.tracker_db)}
    deploy = [str(REPO_ROOT / "ops" / "stack.sh"), "deploy", str(own_stack.state_dir)]
    with running_console(tmp_path_factory.mktemp("deploying-console"), stack, project, deploy) as console:
        yield console


def test_retrain_a_candidate_refused_by_the_gate_then_overridden_then_rolled_back(browser, own_stack,
                                                                                   deploying_console):
    """The tiny model (a few iterations, no FAQ answer) is a candidate that the gate refuses (blind set far below its floor); the
    admin puts it in service anyway with a written reason, then goes back to the previous model in one click."""
    console = deploying_console
    before_name = _live_model(own_stack)
    before_file = REPO_ROOT / "models" / before_name  # the stack serves the latest model of models/
    before_pid = (own_stack.state_dir / "rasa.pid").read_text()
    # The admin's models folder holds the model in service, as in production (models/).
    console["models_dir"].mkdir(parents=True, exist_ok=True)
    (console["models_dir"] / before_name).symlink_to(before_file)
    admin = browser.new_context().new_page()
    log_in(admin, console["url"], "admin")
    admin.goto(console["url"] + "/models")
    expect(admin.locator("#live-model")).to_have_text(before_name)
    admin.click("#train")
    # Trained, checked as make test checks a model, compared with the model in service: nobody gets it yet.
    expect(admin.locator("#training-status")).to_have_text("candidat sous les seuils", timeout=1_800_000)
    assert _live_model(own_stack) == before_name
    admin.click("#open-candidate")
    candidate = admin.locator("h1 code").inner_text()
    expect(admin.locator("#gate-verdict")).to_contain_text("Exactitude FAQ sur le jeu aveugle")
    expect(admin.locator("#figures")).to_contain_text("aveugle")
    expect(admin.locator("#new-errors")).to_contain_text("question aveugle n°")
    admin.locator("label[for=confirm]").click()  # (DSFR: the label covers the box)
    admin.click("#promote")
    expect(admin.locator("#flash")).to_contain_text("Mise en service refusée : Exactitude FAQ")
    assert _live_model(own_stack) == before_name
    admin.locator("label[for=confirm]").click()  # (DSFR: the label covers the box)
    admin.fill("#override_reason", "Essai de la chaîne de mise en service avec un modèle minuscule")
    admin.click("#promote", no_wait_after=True)
    expect(admin.locator("#live-model")).to_have_text(candidate, timeout=900_000)
    expect(admin.locator("#flash")).to_contain_text("malgré les seuils")
    assert _live_model(own_stack) == candidate
    # In a new Rasa process (the one that loaded the previous model has stopped), which answers.
    assert (own_stack.state_dir / "rasa.pid").read_text() != before_pid
    reply = httpx.post(f"{own_stack.url}/webhooks/rest/webhook",
                       json={"sender": "after-deploy", "message": "Bonjour"}, timeout=60)
    assert reply.status_code == 200 and reply.json()
    admin.goto(console["url"] + "/audit")
    expect(admin.locator("body")).to_contain_text("Essai de la chaîne de mise en service avec un modèle minuscule")

    # Back to the previous model: one click (the page comes back once it answers).
    admin.goto(console["url"] + "/models")
    admin.click("#rollback", no_wait_after=True)
    expect(admin.locator("#live-model")).to_have_text(before_name, timeout=900_000)
    expect(admin.locator("#flash")).to_have_text(f"Modèle précédent {before_name} remis en service.")
    assert _live_model(own_stack) == before_name
    answer = httpx.post(f"{own_stack.url}/webhooks/rest/webhook", timeout=120, json={
        "sender": "after-rollback", "message": "Qui contrôle l'application de la doctrine ?"}).json()
    assert "Source : https://" in "\n".join(m.get("text", "") for m in answer)
