"""Every console change is a commit of the console's own working copy, authored by the user, listed on
« Modifications en attente » in French and undoable there."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import csrf_of
from console_app.settings import Settings
from console_app.workbench import Workbench
from ruamel.yaml import YAML

# Each change is a commit of a Git copy of the whole data: hermetic, but slow (make test runs them, not make check).
pytestmark = pytest.mark.workbench


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def examples_of(project: Path, intent: str) -> list[str]:
    found = []
    for path in sorted((project / "data" / "nlu").glob("*.yml")):
        for item in YAML(typ="safe").load(path.read_text())["nlu"]:
            if item.get("intent") == intent:
                found += [line[2:].strip() for line in item["examples"].splitlines() if line.startswith("- ")]
    return found


def no_rasa(monkeypatch: Any, client: Any) -> None:
    """Rasa does not answer: no model in service is known."""
    from console_app.rasa_api import RasaClient, RasaError

    async def status(self: RasaClient) -> dict[str, Any]:
        raise RasaError("Rasa ne répond pas.")
    monkeypatch.setattr(RasaClient, "status", status)


def annotate(client: Any, token: str, text: str, intent: str) -> None:
    response = client.post("/inbox/annotate", data={"csrf_token": token, "text": text, "intent": intent})
    assert response.status_code == 303


def test_an_annotation_is_a_commit_authored_by_the_agent(agent, project, monkeypatch):
    client, token = agent
    no_rasa(monkeypatch, client)
    annotate(client, token, "qui paie pour migrer nos applis", "faq/financement")
    log = git(project, "log", "--format=%an <%ae>|%s")
    assert log.splitlines()[0] == ("Alice Martin <alice@console.invalid>|Exemple ajouté à « Existe-t-il un "
                                   "financement pour le cloud ? » (messages mal compris) : « qui paie pour migrer "
                                   "nos applis »")
    assert "+      - qui paie pour migrer nos applis" in git(project, "show", "HEAD", "--", "data")
    assert git(project, "status", "--porcelain") == ""


def test_pending_page_sums_up_changes_in_french_and_each_can_be_undone(agent, project, monkeypatch):
    client, token = agent
    no_rasa(monkeypatch, client)
    for text in ("qui paie pour migrer nos applis", "une subvention pour aller dans le cloud",
                 "un budget de la DINUM pour migrer"):
        annotate(client, token, text, "faq/financement")
    page = client.get("/modifications").text
    assert "3 exemples ajoutés à Existe-t-il un financement pour le cloud ?" in page
    assert "Le modèle en service n'a pas été entraîné depuis la console" in page
    assert "<strong>Ajouté :</strong> une subvention pour aller dans le cloud</li>" in page
    second = git(project, "log", "--format=%H", "-n", "2").splitlines()[1]
    response = client.post(f"/modifications/{second}/annuler", data={"csrf_token": csrf_of(client, "/modifications")})
    assert response.status_code == 303
    assert "une subvention pour aller dans le cloud" not in examples_of(project, "faq/financement")
    assert "qui paie pour migrer nos applis" in examples_of(project, "faq/financement")
    page = client.get("/modifications").text
    assert "Modification annulée : Exemple ajouté" in page
    assert "2 exemples ajoutés à Existe-t-il un financement pour le cloud ?" in page
    assert git(project, "log", "-1", "--format=%an|%s").startswith("Alice Martin|Annulé : Exemple ajouté")


def test_pending_changes_start_after_the_model_in_service(agent, project, app, monkeypatch):
    client, token = agent
    annotate(client, token, "qui paie pour migrer nos applis", "faq/financement")
    app.state.workbench.models.set("console-20261207-040000.tar.gz", git(project, "rev-parse", "HEAD").strip())
    annotate(client, token, "une subvention pour aller dans le cloud", "faq/financement")
    from console_app.rasa_api import RasaClient

    async def status(self: RasaClient) -> dict[str, Any]:
        return {"model_file": "models/console-20261207-040000.tar.gz"}
    monkeypatch.setattr(RasaClient, "status", status)
    page = client.get("/modifications").text
    assert "1 exemple ajouté" not in page and "Exemple ajouté à Existe-t-il un financement pour le cloud ?" in page
    assert "une subvention pour aller dans le cloud" in page and "qui paie pour migrer nos applis" not in page
    assert "n'a pas été entraîné depuis la console" not in page


def test_an_undo_that_a_later_change_depends_on_is_refused_with_the_reason(agent, project, monkeypatch):
    client, token = agent
    no_rasa(monkeypatch, client)
    token = csrf_of(client, "/donnees")
    client.post("/donnees/exemples/ajouter", data={"csrf_token": token, "intent": "faq/financement",
                                                     "text": "qui paie pour migrer nos applis"})
    added = git(project, "rev-parse", "HEAD").strip()
    client.post("/donnees/exemples/modifier", data={"csrf_token": token, "intent": "faq/financement",
                                                      "text": "qui paie pour migrer nos applis",
                                                      "new": "qui paie pour migrer nos applications"})
    client.post(f"/modifications/{added}/annuler", data={"csrf_token": token})
    page = client.get("/modifications").text
    assert "Une modification plus récente touche les mêmes lignes" in page
    assert "qui paie pour migrer nos applications" in examples_of(project, "faq/financement")
    assert git(project, "status", "--porcelain") == ""


def test_the_working_copy_is_a_clone_never_the_developer_checkout(tmp_path, project):
    """From a Git checkout, the console clones it and commits only in its clone."""
    git(project, "init", "-q", "-b", "main")
    git(project, "-c", "user.name=dev", "-c", "user.email=dev@x", "add", "-A")
    git(project, "-c", "user.name=dev", "-c", "user.email=dev@x", "commit", "-q", "-m", "dev")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    settings = Settings(project_dir=project, console_db_url="", tracker_url="", rasa_url="", rasa_token="",
                        secret_key="x", work_dir=tmp_path / "work", workbench_dir=tmp_path / "work" / "copy",
                        workbench_remote="", workbench_push=False)
    bench = Workbench(settings)
    assert settings.data_dir == tmp_path / "work" / "copy" / "data"
    (settings.data_dir / "nlu" / "faq.yml").write_text((settings.data_dir / "nlu" / "faq.yml").read_text() + "\n")
    from console_app.workbench import Change
    bench.record(Change("example_added", "faq/financement", "Exemple ajouté"), {"username": "marie",
                                                                              "display_name": "Marie Dupont"})
    assert git(project, "log", "--format=%s") == "dev\n"  # the checkout did not move
    assert git(settings.content_dir, "log", "-1", "--format=%an|%s") == "Marie Dupont|Exemple ajouté\n"
    # Pushing is a setting: with it, each change reaches the remote's branch.
    pushed = Settings(**{**settings.__dict__, "workbench_dir": tmp_path / "other", "workbench_remote": str(remote),
                         "workbench_push": True})
    git(settings.content_dir, "push", "-q", str(remote), "HEAD:refs/heads/console")
    bench2 = Workbench(pushed)
    (pushed.data_dir / "nlu" / "faq.yml").write_text((pushed.data_dir / "nlu" / "faq.yml").read_text() + "\n")
    bench2.record(Change("text_edited", "utter_greet", "Texte modifié : Accueil"), {"username": "paul"})
    assert git(remote, "log", "-1", "--format=%an|%s", "console") == "paul|Texte modifié : Accueil\n"
    assert bench2.copy.last_push_error == ""


def test_an_agent_undoes_examples_but_not_an_admin_s_text(agent, project, app, monkeypatch):
    client, token = agent
    no_rasa(monkeypatch, client)
    core = project / "domain" / "core.yml"
    core.write_text(core.read_text().replace("Au revoir, et bonne continuation", "Au revoir, bonne continuation"))
    from console_app.workbench import Change
    sha = app.state.workbench.record(Change("text_edited", "utter_goodbye", "Texte modifié : Au revoir"),
                                     {"username": "admin", "display_name": ""})
    page = client.get("/modifications").text
    assert "Texte modifié : Au revoir" in page and "Annuler</button>" not in page
    response = client.post(f"/modifications/{sha}/annuler", data={"csrf_token": token})
    assert response.status_code == 403 and "Seul un administrateur" in response.text
    assert "Au revoir, bonne continuation" in core.read_text()


def test_the_console_does_not_start_on_a_copy_in_the_middle_of_a_merge(tmp_path, project, settings):
    Workbench(settings)
    env = ["-c", "user.name=dev", "-c", "user.email=dev@x"]
    git(project, "checkout", "-q", "-b", "main")
    faq = project / "data" / "nlu" / "faq.yml"
    faq.write_text(faq.read_text().replace("financement cloud", "financement du cloud"))
    git(project, *env, "commit", "-qam", "dev")
    git(project, "checkout", "-q", "console")
    faq.write_text(faq.read_text().replace("financement cloud", "cloud et financement"))
    git(project, *env, "commit", "-qam", "console")
    subprocess.run(["git", *env, "merge", "main"], cwd=project, capture_output=True)
    import pytest
    from console_app.workbench import WorkbenchError
    with pytest.raises(WorkbenchError, match="au milieu d'une fusion"):
        Workbench(settings)


def test_where_the_working_copy_lives(tmp_path):
    """Never the developers' checkout: a folder of the console's own, unless the project named is a plain
    copy made for the console."""
    state = tmp_path / "etat"
    default = Settings.from_env({"STATE_DIR": str(state), "CONSOLE_SECRET_KEY": "k"})
    assert default.workbench_dir == state / "console" / "workbench" and default.data_dir == default.workbench_dir / "data"
    copy = tmp_path / "copie"
    copy.mkdir()
    assert Settings.from_env({"CONSOLE_PROJECT_DIR": str(copy), "CONSOLE_SECRET_KEY": "k"}).content_dir == copy
    chosen = Settings.from_env({"CONSOLE_WORKBENCH_DIR": str(tmp_path / "ici"), "CONSOLE_SECRET_KEY": "k",
                                "CONSOLE_WORKBENCH_REMOTE": "git@forge:a/b.git", "CONSOLE_WORKBENCH_PUSH": "true"})
    assert (chosen.content_dir, chosen.workbench_remote, chosen.workbench_push) == (
        tmp_path / "ici", "git@forge:a/b.git", True)


def test_a_project_that_is_not_a_checkout_is_copied_never_written(tmp_path, project):
    settings = Settings(project_dir=project, console_db_url="", tracker_url="", rasa_url="", rasa_token="",
                        secret_key="x", work_dir=tmp_path / "work", workbench_dir=tmp_path / "work" / "workbench")
    before = sorted(str(p) for p in project.rglob("*"))
    Workbench(settings)
    assert sorted(str(p) for p in project.rglob("*")) == before  # no .git, nothing written in the project
    assert (settings.domain_dir / "faq.yml").read_text() == (project / "domain" / "faq.yml").read_text()
    assert (settings.content_dir / "actions" / "data" / "answer_rules.yml").is_file()
    assert git(settings.content_dir, "log", "--format=%s") == "Copie de départ des données de l'assistant\n"
