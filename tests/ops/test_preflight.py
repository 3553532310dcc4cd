"""Bad state is refused at start with one French line naming the cause (ops/preflight.py, issue 22):
a full disk, a read-only state folder, a damaged or foreign model, a missing token file. Each goes
through the command a person or a unit runs (`make run`'s ops/run.sh, a deploy), and exits with 78,
on which the systemd units do not restart (no crash loop)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EX_CONFIG = 78


def run(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if key not in ("RASA_AUTH_TOKEN", "STATE_DIR")}
    return subprocess.run(["bash", "-c", script], cwd=REPO, env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=120)


def in_own_mount(mount: str, then: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`then` with a small tmpfs at $D, in a mount namespace of its own (nothing is left mounted)."""
    return run(f'unshare --mount --propagation private bash -c \'{mount} && {then}\'', env)


def one_french_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == EX_CONFIG, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERREUR : "), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


def test_make_run_on_a_read_only_state_folder(tmp_path: Path) -> None:
    state = tmp_path / "etat"
    state.mkdir()
    done = in_own_mount('mount -t tmpfs -o size=4m tmpfs "$D" && mount -o remount,ro "$D"', "bash ops/run.sh",
                        {"D": str(state), "STATE_DIR": str(state)})
    line = one_french_error_line(done)
    assert f"le dossier d'état {state} est en lecture seule" in line


def test_make_run_on_a_full_disk(tmp_path: Path) -> None:
    state = tmp_path / "etat"
    state.mkdir()
    fill = 'dd if=/dev/zero of="$D/remplissage" bs=64k 2>/dev/null; true'
    done = in_own_mount(f'mount -t tmpfs -o size=2m tmpfs "$D" && {fill}', "bash ops/run.sh",
                        {"D": str(state), "STATE_DIR": str(state)})
    line = one_french_error_line(done)
    assert "disque plein" in line and str(state) in line


def test_a_missing_token_file(tmp_path: Path) -> None:
    done = run("bash ops/run.sh", {"STATE_DIR": str(tmp_path), "RASA_AUTH_TOKEN_FILE": str(tmp_path / "jeton")})
    line = one_french_error_line(done)
    assert f"le fichier du jeton de l'API Rasa ({tmp_path / 'jeton'}, RASA_AUTH_TOKEN_FILE) manque" in line
    assert not (tmp_path / "log").exists(), "nothing is started"


def model_archive(path: Path, metadata: dict[str, object] | None, extra: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        if metadata is not None:
            data = json.dumps(metadata).encode()
            info = tarfile.TarInfo("metadata.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("components/poids.bin")
        info.size = len(extra)
        archive.addfile(info, io.BytesIO(extra))
    return path


def deploy(tmp_path: Path, model: Path) -> subprocess.CompletedProcess[str]:
    """What the console runs to put a model in service (default profile): the cause, then what it means
    for the model in service (two lines, the first one naming the cause)."""
    done = run(f'bash ops/stack.sh deploy "{tmp_path / "etat"}" "{model}"')
    lines = done.stderr.splitlines()
    assert lines[-1:] == ["La mise en service est refusée ; le modèle en service n'a pas changé."], done.stderr
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, "\n".join(lines[:-1]))


def test_a_damaged_model_archive(tmp_path: Path) -> None:
    whole = model_archive(tmp_path / "entier.tar.gz", {"assistant_id": "cloud-au-centre",
                                                        "rasa_open_source_version": "3.6.21"}, os.urandom(200_000))
    damaged = tmp_path / "abime.tar.gz"
    damaged.write_bytes(whole.read_bytes()[:60_000])
    line = one_french_error_line(deploy(tmp_path, damaged))
    assert f"le modèle {damaged} est abîmé (archive illisible" in line


def test_a_foreign_model_archive(tmp_path: Path) -> None:
    other = model_archive(tmp_path / "autre.tar.gz", {"assistant_id": "boutique-en-ligne",
                                                       "rasa_open_source_version": "3.6.21"})
    assert "est le modèle d'un autre assistant (« boutique-en-ligne »" in one_french_error_line(deploy(tmp_path, other))
    old = model_archive(tmp_path / "ancien.tar.gz", {"assistant_id": "cloud-au-centre",
                                                      "rasa_open_source_version": "2.8.1"})
    assert "a été entraîné avec Rasa 2.8.1" in one_french_error_line(deploy(tmp_path, old))
    not_rasa = model_archive(tmp_path / "photos.tar.gz", None)
    assert "n'est pas un modèle Rasa" in one_french_error_line(deploy(tmp_path, not_rasa))
