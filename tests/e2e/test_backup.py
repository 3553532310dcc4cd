"""`make backup` and `make restore` (ops/backup.sh) on the running assistant: the archive is written while
Rasa answers, is private, and brings back the saved conversations and console accounts after a change;
a restore onto a running assistant is refused and changes nothing; a foreign or damaged archive too."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tarfile
import threading
from pathlib import Path

from rasa_client import RasaClient

REPO = Path(__file__).resolve().parents[2]
CONSOLE_PYTHON = REPO / ".venv-console" / "bin" / "python"


def ops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "ops/backup.sh", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def console(state: Path, *args: str, password: str = "") -> str:
    done = subprocess.run([str(CONSOLE_PYTHON), "-m", "console_app.manage", *args], cwd=REPO / "console",
                          env={**os.environ, "STATE_DIR": str(state)}, input=password + "\n",
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def user_texts(tracker_db: Path, sender: str) -> list[str]:
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_backup_while_running_then_restore_brings_back_the_saved_state(stack: RasaClient, tmp_path: Path) -> None:
    chat = stack
    rasa_stack = stack.stack
    sender = "sauvegarde-" + os.urandom(4).hex()
    chat.say(sender, "Mon projet est-il concerné ?")
    chat.say(sender, "un ministère")
    state = tmp_path / "etat"
    state.mkdir()
    console(state, "create-user", "marie", "--role", "admin", password="mot-de-passe-solide-1")
    env = {**os.environ, "STATE_DIR": str(state), "TRACKER_DB": str(rasa_stack.tracker_db),
           "BACKUP_DIR": str(tmp_path / "sauvegardes")}
    # Other people keep talking while the copy is made: it must still be a consistent database.
    talking = threading.Thread(target=lambda: [chat.say(f"{sender}-autre", "Qu'est-ce que SecNumCloud ?")
                                               for _ in range(5)])
    talking.start()
    saved = ops("save", env=env)
    talking.join()
    assert saved.returncode == 0, saved.stderr
    archive = next((tmp_path / "sauvegardes").glob("cloud-au-centre-*.tar.gz"))
    assert f"Sauvegarde écrite : {archive}" in saved.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        names = {member.name.lstrip("./"): member for member in tar.getmembers() if member.isfile()}
    assert {"tracker.db", "console.db", "MANIFEST"} <= set(names)
    assert any(name.startswith("models/") and name.endswith(".tar.gz") for name in names)
    assert all(member.mode & 0o077 == 0 for member in names.values())

    # A restore onto the running assistant is refused, and nothing changes.
    live = {**env, "STATE_DIR": str(rasa_stack.state_dir)}
    refused = ops("restore", str(archive), env=live)
    assert refused.returncode == 1
    assert "l'assistant tourne" in refused.stderr and "Rien n'a été modifié" in refused.stderr
    assert "**Votre projet est concerné**" in str(chat.say(sender, "oui")), "the running assistant was disturbed"

    # Changes after the backup: a new account, and the conversations replaced by an empty database.
    console(state, "create-user", "paul", "--role", "agent", password="mot-de-passe-solide-2")
    restored_db = state / "tracker.db"
    sqlite3.connect(restored_db).close()
    restore_env = {**env, "TRACKER_DB": str(restored_db)}
    restored = ops("restore", str(archive), env=restore_env)
    assert restored.returncode == 0, restored.stderr
    assert "Restauration terminée" in restored.stdout
    users = console(state, "list-users")
    assert "marie\tadmin" in users and "paul" not in users
    assert user_texts(restored_db, sender)[:2] == ["Mon projet est-il concerné ?", "un ministère"]
    assert restored_db.stat().st_mode & 0o777 == 0o600
    # What the restore replaced is kept aside, not lost.
    aside = next(state.glob("avant-restauration-*"))
    assert "paul" in console(aside, "list-users")


def test_a_foreign_or_damaged_archive_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    state = tmp_path / "etat"
    state.mkdir()
    (state / "console.db").write_bytes(b"avant")
    env = {**os.environ, "STATE_DIR": str(state), "PROD_DIR": str(tmp_path / "prod")}
    foreign = tmp_path / "photos.tar.gz"
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    with tarfile.open(foreign, "w:gz") as tar:
        tar.add(tmp_path / "photo.jpg", arcname="photo.jpg")
    refused = ops("restore", str(foreign), env=env)
    assert refused.returncode == 1
    assert "n'est pas une sauvegarde de l'assistant" in refused.stderr
    damaged = tmp_path / "abimee.tar.gz"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "console.db").write_bytes(b"copie")
    (tmp_path / "src" / "MANIFEST").write_text(f"{'0' * 64}  console.db\n")
    with tarfile.open(damaged, "w:gz") as tar:
        for name in ("console.db", "MANIFEST"):
            tar.add(tmp_path / "src" / name, arcname=name)
    refused = ops("restore", str(damaged), env=env)
    assert refused.returncode == 1
    assert "est abîmée" in refused.stderr
    assert (state / "console.db").read_bytes() == b"avant"
    missing = ops("restore", "", env=env)
    assert missing.returncode == 1 and "make restore ARCHIVE=" in missing.stderr
