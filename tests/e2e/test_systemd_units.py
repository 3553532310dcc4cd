"""The systemd units of deploy/systemd/ (one VM, default profile): `systemd-analyze verify` accepts them
as install.sh renders them; they run as a dedicated account with the usual hardening, write only to the
state folder and are not restarted on a bad state refused at start (exit 78). systemd does not run as
PID 1 here: the commands the units run are run by the tests (the main one in test_make_run_supervision.py, the
start refused on a missing token file and the nightly backup below)."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

from makerun import unit_command_and_environment

REPO = Path(__file__).resolve().parents[2]
UNITS = ("cloud-au-centre.service", "cloud-au-centre-backup.service", "cloud-au-centre-backup.timer")


def settings(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_systemd_analyze_verify_accepts_the_rendered_units(tmp_path: Path) -> None:
    unit_command_and_environment(tmp_path, UNITS[0])
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    assert f"ExecStart={REPO}/ops/run.sh webchat/serve.sh" in (tmp_path / UNITS[0]).read_text()


def test_the_service_is_confined_to_its_account_and_state_folder(tmp_path: Path) -> None:
    unit_command_and_environment(tmp_path, UNITS[0])
    for name in UNITS[:2]:
        unit = settings(tmp_path / name)
        assert unit["User"] == ["cloud-au-centre"], name
        assert unit["ProtectSystem"] == ["strict"] and unit["ReadWritePaths"] == ["/var/lib/cloud-au-centre"]
        assert unit["NoNewPrivileges"] == ["yes"] and unit["PrivateTmp"] == ["yes"], name
        assert unit["StateDirectory"] == ["cloud-au-centre"], name
    main = settings(tmp_path / UNITS[0])
    assert main["Restart"] == ["on-failure"] and main["RestartPreventExitStatus"] == ["78"]
    assert main["StandardOutput"] == ["journal"]
    assert settings(tmp_path / UNITS[2])["OnCalendar"] == ["*-*-* 03:00:00"]


def test_the_service_refuses_to_start_without_its_token_file_with_exit_78(tmp_path: Path) -> None:
    """The unit's own command and environment: one French line, and 78, on which systemd does not restart."""
    command, unit_env = unit_command_and_environment(tmp_path / "unites", UNITS[0])
    unit_env.update(STATE_DIR=str(tmp_path / "etat"), RASA_AUTH_TOKEN_FILE=str(tmp_path / "absent"))
    env = {key: value for key, value in os.environ.items() if key != "RASA_AUTH_TOKEN"}
    done = subprocess.run(command, cwd=REPO, env={**env, **unit_env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78
    assert done.stderr.strip() == (f"ERREUR : le fichier du jeton de l'API Rasa ({tmp_path / 'absent'}, "
                                   "RASA_AUTH_TOKEN_FILE) manque, est vide ou illisible ; créez-le "
                                   "(docs/production.md, « Un service sur une VM »).")


def test_the_nightly_backup_unit_writes_a_private_archive(tmp_path: Path) -> None:
    command, unit_env = unit_command_and_environment(tmp_path / "unites", UNITS[1])
    state = tmp_path / "etat"
    state.mkdir()
    subprocess.run(["sqlite3", str(state / "console.db"), "CREATE TABLE users(name); INSERT INTO users VALUES ('marie');"],
                   check=True)
    unit_env.update(STATE_DIR=str(state), BACKUP_DIR=str(tmp_path / "sauvegardes"), PROD_DIR=str(tmp_path / "prod"))
    unit_env.pop("HOME", None)
    done = subprocess.run(command, cwd=REPO, env={**os.environ, **unit_env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    archive = next((tmp_path / "sauvegardes").glob("cloud-au-centre-*.tar.gz"))
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        tar.extract("./console.db", tmp_path / "copie")
    copy = subprocess.run(["sqlite3", str(tmp_path / "copie" / "console.db"), "SELECT name FROM users"],
                          capture_output=True, text=True, check=True)
    assert copy.stdout.strip() == "marie"
