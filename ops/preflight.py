"""Checks made before the assistant starts (ops/stack.sh start, deploy/prod.sh start, a deploy): a state
folder it cannot write to, a full disk, a damaged or foreign model each stop the start with ONE French
line naming the cause, and exit status 78 (EX_CONFIG: the systemd units do not restart on it, see
deploy/systemd/), instead of a server that dies with a traceback and is restarted in a loop.

    python3 ops/preflight.py --state DIR [--model FILE_OR_DIR] [--min-free-mb N]

Standard library only: it runs before any venv is trusted.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Optional

EX_CONFIG = 78
REPO = Path(__file__).resolve().parents[1]
RASA_SERIES = "3.6."
MIN_FREE_MB = 50


class Refused(Exception):
    """The one line that says why the assistant does not start."""


def assistant_id(config: Path) -> str:
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("assistant_id:"):
            return line.split(":", 1)[1].strip()
    return ""


def expected_assistant_ids() -> list[str]:
    """The assistants this installation trains: config.yml's, and the console's training configuration
    when it has one of its own (CONSOLE_TRAIN_CONFIG)."""
    configs = [REPO / "config.yml"]
    if os.environ.get("CONSOLE_TRAIN_CONFIG"):
        configs.append(Path(os.environ["CONSOLE_TRAIN_CONFIG"]))
    return [assistant_id(config) for config in configs if config.is_file()]


def check_state_folder(state: Path, min_free_mb: int) -> None:
    """The folder exists or can be made, can be written to, and has room for the conversations."""
    try:
        state.mkdir(parents=True, exist_ok=True)
        probe = state / f".ecriture-{os.getpid()}"
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as error:
        if error.errno == errno.EROFS:
            raise Refused(f"le dossier d'état {state} est en lecture seule : l'assistant ne peut pas y garder les "
                          "conversations (remontez-le en écriture, ou choisissez-en un autre avec STATE_DIR)."
                          ) from error
        if error.errno == errno.ENOSPC:
            raise Refused(f"disque plein : impossible d'écrire dans le dossier d'état {state} ; "
                          "libérez de la place, puis relancez.") from error
        if error.errno in (errno.EACCES, errno.EPERM):
            raise Refused(f"le dossier d'état {state} n'est pas accessible en écriture pour l'utilisateur "
                          f"{_user()} (droits du dossier).") from error
        raise Refused(f"le dossier d'état {state} est inutilisable : {error.strerror}.") from error
    free_mb = shutil.disk_usage(state).free / 2**20
    if free_mb < min_free_mb:
        raise Refused(f"disque presque plein : il reste {free_mb:.1f} Mio pour le dossier d'état {state}, il en faut "
                      f"au moins {min_free_mb} pour garder les conversations ; libérez de la place, puis relancez.")


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def model_file(model: Path) -> Path:
    """The model Rasa would load: the file, or the newest *.tar.gz of the folder (as `--model DIR`)."""
    if model.is_dir():
        found = sorted(model.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
        if not found:
            raise Refused(f"aucun modèle dans {model} : lancez d'abord « make train ».")
        return found[-1]
    if not model.is_file():
        raise Refused(f"modèle introuvable : {model}.")
    return model


def check_model(model: Path) -> Path:
    """A whole Rasa 3.6 archive of this assistant, or a line saying what it is instead."""
    path = model_file(model)
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = archive.getnames()  # reads the whole archive: a truncated one fails here
            member = archive.extractfile("metadata.json") if "metadata.json" in names else None
            metadata = json.loads(member.read()) if member else None
    except (OSError, EOFError, tarfile.TarError, ValueError, UnicodeDecodeError) as error:
        raise Refused(f"le modèle {path} est abîmé (archive illisible : {error}) ; supprimez-le, puis réentraînez "
                      "(make train).") from error
    if not isinstance(metadata, dict):
        raise Refused(f"{path} n'est pas un modèle Rasa (pas de metadata.json) ; retirez-le de {path.parent}.")
    expected = expected_assistant_ids()
    if metadata.get("assistant_id") not in expected:
        raise Refused(f"{path} est le modèle d'un autre assistant (« {metadata.get('assistant_id')} », attendu "
                      f"« {' » ou « '.join(expected)} ») ; retirez-le de {path.parent}.")
    version = str(metadata.get("rasa_open_source_version", ""))
    if not version.startswith(RASA_SERIES):
        raise Refused(f"le modèle {path} a été entraîné avec Rasa {version or '?'} ; cet assistant utilise Rasa "
                      f"{RASA_SERIES}x : réentraînez (make train).")
    return path


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--min-free-mb", type=int, default=int(os.environ.get("MIN_FREE_MB") or MIN_FREE_MB))
    args = parser.parse_args(argv)
    try:
        check_state_folder(args.state, args.min_free_mb)
        if args.model is not None:
            check_model(args.model)
    except Refused as refused:
        print(f"ERREUR : {refused}", file=sys.stderr)
        return EX_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
