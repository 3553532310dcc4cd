"""Inbox of misunderstood messages and writes into a COPY of data/ (never the repo's)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import REPO_ROOT
from console_app import training_data
from ruamel.yaml import YAML


def _repo_data_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "data").rglob("*.yml")) + sorted((REPO_ROOT / "domain").rglob("*.yml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _examples(path: Path, intent: str) -> list[str]:
    doc = YAML(typ="safe").load(path.read_text())
    for item in doc["nlu"]:
        if item.get("intent") == intent:
            return [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
    return []


def test_inbox_groups_identical_texts_with_counts(agent):
    client, _ = agent
    page = client.get("/inbox").text
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td class=\"inbox__text\">([^<]+)<", page)
    assert ("2", "ma licorne administrative veut du cloud") in rows
    assert ("1", "sekurité du claud pour les mairies ??") in rows
    assert ("1", "le cloud c&#39;est combien de sous") in rows  # failure counted by action_answer_faq
    assert all("Qui finance" not in text for _, text in rows)  # understood with confidence: not listed
    assert "faq/collectivites" in page and "Hors sujet" in page


def test_annotation_lands_in_data_copy_only(agent, project):
    before = _repo_data_fingerprint()
    client, token = agent
    response = client.post("/inbox/annotate", data={
        "csrf_token": token, "text": "sekurité du claud pour les mairies ??", "intent": "faq/collectivites"})
    assert response.status_code == 303
    target = next(p for p in (project / "data" / "nlu").glob("*.yml")
                  if "sekurité du claud pour les mairies ??" in p.read_text())
    assert "sekurité du claud pour les mairies ??" in _examples(target, "faq/collectivites")
    assert "examples: |" in target.read_text()
    page = client.get("/inbox").text
    assert "Exemple ajouté à « faq/collectivites »" in page
    assert "sekurité du claud" not in page.split("</caption>")[1]  # handled: gone from the inbox
    assert _repo_data_fingerprint() == before


def test_out_of_scope_choice(agent, project):
    client, token = agent
    client.post("/inbox/annotate", data={
        "csrf_token": token, "text": "ma licorne administrative veut du cloud", "intent": "hors_sujet"})
    files = [p for p in (project / "data" / "nlu").glob("*.yml") if "ma licorne administrative" in p.read_text()]
    assert len(files) == 1
    assert "ma licorne administrative veut du cloud" in _examples(files[0], "out_of_scope")


def test_add_example_is_deduplicated_and_diff_is_minimal(project):
    data, domain = project / "data", project / "domain"
    path, added = training_data.add_example(data, domain, "faq/financement", "Qui paie   le CLOUD  de la préfecture zorglub ???")
    original = (REPO_ROOT / "data" / "nlu" / path.name).read_text().splitlines()
    changed = path.read_text().splitlines()
    assert added and len(changed) == len(original) + 1
    assert [line for line in changed if line not in original] == ["      - Qui paie le CLOUD de la préfecture zorglub ???"]
    again = training_data.add_example(data, domain, "faq/financement", "qui paie le cloud de la prefecture zorglub")
    assert again[1] is False and path.read_text().splitlines() == changed


def test_add_example_rejects_bad_input(project):
    data, domain = project / "data", project / "domain"
    import pytest
    with pytest.raises(training_data.DataError, match="vide"):
        training_data.add_example(data, domain, "faq/financement", "   ")
    with pytest.raises(training_data.DataError, match="inconnue"):
        training_data.add_example(data, domain, "faq/n_existe_pas", "bonjour")
    with pytest.raises(training_data.DataError, match="trop long"):
        training_data.add_example(data, domain, "faq/financement", "a" * 600)
    # An example already present under another intent is not duplicated across intents.
    existing = _examples(next((project / "data" / "nlu").glob("faq.yml")), "faq/financement")[0]
    with pytest.raises(training_data.DataError, match="déjà"):
        training_data.add_example(data, domain, "faq/controle", existing)


def test_annotation_syntax_is_neutralised(project):
    data, domain = project / "data", project / "domain"
    path, _ = training_data.add_example(data, domain, "out_of_scope", 'voir [ce lien](https://x.fr) {"a": 1}')
    examples = _examples(path, "out_of_scope")
    assert not any("[" in e or "{" in e for e in examples)


def test_annotate_form_errors_are_shown(agent):
    client, token = agent
    client.post("/inbox/annotate", data={"csrf_token": token, "text": "", "intent": "faq/financement"})
    assert "Le message est vide" in client.get("/inbox").text


def test_annotated_data_still_valid_for_rasa(agent, project):
    """`rasa data validate` on the modified copy (uses the project's Rasa venv)."""
    import subprocess
    client, token = agent
    client.post("/inbox/annotate", data={
        "csrf_token": token, "text": "sekurité du claud pour les mairies ??", "intent": "faq/collectivites"})
    client.post("/inbox/annotate", data={
        "csrf_token": token, "text": "une question toute neuve sur la météo", "intent": "hors_sujet"})
    rasa = REPO_ROOT / ".venv" / "bin" / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--domain", "domain", "--data", "data", "--config", "config.yml"],
        cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_messages_written_to_an_agent_are_not_in_inbox(agent, tracker):
    tracker.add("c-paused", {"event": "pause"})
    tracker.user("c-paused", "voici le numéro de mon dossier 12345", "nlu_fallback", 0.2)
    tracker.add("c-paused", {"event": "resume"})
    tracker.user("c-paused", "et sinon la doctrine zorglub ?", "nlu_fallback", 0.2)
    client, _ = agent
    page = client.get("/inbox").text
    assert "numéro de mon dossier" not in page
    assert "et sinon la doctrine zorglub ?" in page
