"""Inbox of misunderstood messages and writes into a COPY of data/ (never the repo's)."""
from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
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
    rows = _rows(page)
    assert ("2", "ma licorne administrative veut du cloud") in rows
    assert ("1", "sekurité du claud pour les mairies ??") in rows
    assert ("1", "le cloud c&#39;est combien de sous") in rows  # understood, but the assistant said « pas sûr »
    assert all("Qui finance" not in text for _, text in rows)  # understood with confidence: not listed
    # The reading the assistant gave is preselected in the searchable list of answers.
    row = _row(page, "sekurité du claud")
    assert '<option value="faq/collectivites" selected>Les collectivités sont-elles concernées ?</option>' in row
    assert 'data-filter-select="intent-' in row and "Chercher une réponse" in row
    assert "Hors sujet" in page
    assert "3 messages distincts à classer (4 occurrences)" in page


def _row(page: str, text: str) -> str:
    """The inbox row of a message (from its cells on)."""
    return page.split(f'<div class="msg__text">{text}')[1].split("</tr>")[0]


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr[^>]*>\s*<td>(\d+)</td>\s*<td class="inbox__text"><div class="msg__text"[^>]*>([^<]+)<', page)


def test_understood_as_shows_faq_titles_not_keys(agent):
    client, _ = agent
    page = client.get("/inbox").text
    row = _row(page, "sekurité du claud")
    assert "Les collectivités sont-elles concernées ?" in row and "0.22" in row


def test_dismiss_sets_an_entry_aside_and_restore_brings_it_back(agent):
    client, token = agent
    text = "ma licorne administrative veut du cloud"
    assert client.post("/inbox/dismiss", data={"csrf_token": token, "text": text}).status_code == 303
    page = client.get("/inbox").text
    assert text not in [t for _, t in _rows(page)]
    assert "mis de côté" in page and "Messages ignorés (1)" in page
    ignored = client.get("/inbox?vue=ignores").text
    assert text in ignored and "alice" in ignored
    client.post("/inbox/restore", data={"csrf_token": token, "text": text})
    assert ("2", text) in _rows(client.get("/inbox").text)
    assert "Aucun message ignoré" in client.get("/inbox?vue=ignores").text


def test_dismiss_is_audited_in_french(client):
    from conftest import login
    token = login(client)
    client.post("/inbox/dismiss", data={"csrf_token": token, "text": "sekurité du claud pour les mairies ??"})
    client.post("/logout", data={"csrf_token": token})
    login(client, "admin")
    assert "<td>Message mal compris ignoré</td>" in client.get("/audit").text


def test_inbox_is_paginated_with_counts(agent, tracker):
    for n in range(60):
        tracker.user(f"c-bulk-{n}", f"message incompréhensible numéro {n} zorglub", "nlu_fallback", 0.1)
    client, _ = agent
    first = client.get("/inbox").text
    assert "1 à 50 sur 63 messages distincts à classer" in first
    assert len(_rows(first)) == 50
    last = client.get("/inbox?page=2").text
    assert "51 à 63 sur 63" in last and len(_rows(last)) == 13
    assert client.get("/inbox?page=99").text.count("51 à 63 sur 63") == 1  # past the end: last page
    assert "51 à 63" not in client.get("/inbox?page=abc").text


def test_console_tries_are_not_training_material(agent, tracker):
    tracker.user("console-essai-alice-1234", "zorglub test de la console", "nlu_fallback", 0.1, channel="rest")
    client, _ = agent
    assert "zorglub test de la console" not in client.get("/inbox").text


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
    assert "« sekurité du claud pour les mairies ?? » ajouté aux exemples de « Les collectivités sont-elles concernées ? »" in unescape(page)
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


@pytest.mark.workbench  # runs `rasa data validate` on the written copy: about 20 s
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


def _confirm_form(fragment: str) -> dict[str, str]:
    """The hidden fields of the « Correct » form in a page fragment."""
    form = fragment.split('class="correct__confirm"')[1].split("</form>")[0]
    return {name: unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}


def test_correct_is_one_click_on_the_predicted_reading(agent, project):
    client, token = agent
    page = client.get("/inbox").text
    fields = _confirm_form(_row(page, "sekurité du claud"))
    assert fields["intent"] == "faq/collectivites" and fields["text"] == "sekurité du claud pour les mairies ??"
    assert client.post("/inbox/annotate", data=fields).status_code == 303
    target = next(p for p in (project / "data" / "nlu").glob("*.yml") if "sekurité du claud" in p.read_text())
    assert "sekurité du claud pour les mairies ??" in _examples(target, "faq/collectivites")
    assert "sekurité du claud" not in [t for _, t in _rows(client.get("/inbox").text)]
    # Nothing to confirm for a message the assistant did not read at all: only « Classer ».
    assert 'class="correct__confirm"' not in _row(page, "ma licorne administrative veut du cloud")


def test_inbox_filters_and_keeps_them(agent, tracker):
    tracker.user("c-tchap", "zorglub sur tchap", "nlu_fallback", 0.2, channel="tchap")
    client, _ = agent

    def texts(url: str) -> set[str]:
        return {unescape(t) for _, t in _rows(client.get(url, follow_redirects=True).text)}

    everything = texts("/inbox?effacer=1")
    assert everything == {"ma licorne administrative veut du cloud", "sekurité du claud pour les mairies ??",
                          "le cloud c'est combien de sous", "zorglub sur tchap"}
    assert texts("/inbox?question=faq/collectivites") == {"sekurité du claud pour les mairies ??"}
    assert texts("/inbox?question=faq/financement&conf_min=0.5") == {"le cloud c'est combien de sous"}
    assert texts("/inbox?conf_max=25 %") == {"sekurité du claud pour les mairies ??", "zorglub sur tchap"}
    assert texts("/inbox?canal=tchap") == {"zorglub sur tchap"}
    assert texts("/inbox?reponse=pas_sur") == {"ma licorne administrative veut du cloud",
                                                "le cloud c'est combien de sous"}
    assert texts("/inbox?reponse=hors_sujet") == {"ma licorne administrative veut du cloud"}
    assert texts("/inbox?q=LICORNE administrative") == {"ma licorne administrative veut du cloud"}
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert texts(f"/inbox?du={tomorrow}") == set()
    # Coming back to the inbox finds the last filters; « Réinitialiser les filtres » forgets them.
    texts("/inbox?canal=tchap")
    back = client.get("/inbox", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/inbox?canal=tchap"
    assert texts("/inbox") == {"zorglub sur tchap"}
    assert texts("/inbox?effacer=1") == everything


def test_a_transcript_message_is_confirmed_or_corrected_in_place(agent, project):
    client, _ = agent
    page = client.get("/conversations/c-fallback").text
    message = page.split("sekurité du claud pour les mairies ??</div>")[1].split("</li>")[0]
    fields = _confirm_form(message)
    assert fields["intent"] == "faq/collectivites" and fields["return_to"] == "/conversations/c-fallback"
    assert '<option value="faq/collectivites" selected>' in message  # « Corriger » starts from the reading
    done = client.post("/inbox/annotate", data=fields, follow_redirects=False)
    assert done.headers["location"] == "/conversations/c-fallback"
    assert "ajouté aux exemples de « Les collectivités sont-elles concernées ? »" in unescape(
        client.get("/conversations/c-fallback").text)
    # A correction to another reading, from the same transcript.
    corrected = dict(fields, text="ma licorne administrative veut du cloud", intent="hors_sujet")
    client.post("/inbox/annotate", data=corrected)
    files = [p for p in (project / "data" / "nlu").glob("*.yml") if "ma licorne administrative" in p.read_text()]
    assert "ma licorne administrative veut du cloud" in _examples(files[0], "out_of_scope")
    # The return address is a console page, never another site.
    away = client.post("/inbox/annotate", data=dict(fields, return_to="//evil.example/x"), follow_redirects=False)
    assert away.headers["location"].startswith("/inbox")
