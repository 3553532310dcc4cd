"""Read a domain file the way Rasa will, before it replaces the file Rasa trains on.

The console writes YAML with ruamel.yaml; Rasa reads it with its own loader (schema check, YAML 1.2,
environment variables in `${…}`). A text that survives one but not the other would only fail at the next
training, or be trained with other words than the ones typed. The console has its own venv without Rasa:
the check runs Rasa's `Domain.from_yaml` with the project's Python (the one next to CONSOLE_RASA_BIN,
about a second).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from .settings import REPO_ROOT

_READ_RESPONSE = """
import json, sys
from rasa.shared.core.domain import Domain
request = json.load(sys.stdin)
domain = Domain.from_yaml(request["content"])
variations = domain.responses.get(request["response"]) or [{}]
print(json.dumps({"text": variations[0].get("text")}))
"""


class RasaReadError(ValueError):
    """Rasa cannot read the file, or cannot be run (message in French)."""


def rasa_python() -> Path:
    """The Python of the project's Rasa: next to CONSOLE_RASA_BIN (default .venv/bin/rasa)."""
    rasa_bin = Path(os.environ.get("CONSOLE_RASA_BIN") or REPO_ROOT / ".venv" / "bin" / "rasa")
    return rasa_bin.parent / "python"


def response_text(content: str, response: str, python: Path | None = None) -> str | None:
    """The first text of `response` as Rasa reads it from the domain file `content` (None if absent)."""
    python = python or rasa_python()
    if not python.is_file():
        raise RasaReadError(f"Rasa est introuvable ({python}) : impossible de vérifier le fichier avant de l'écrire.")
    try:
        done = subprocess.run([str(python), "-c", _READ_RESPONSE], input=json.dumps(
            {"content": content, "response": response}), capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise RasaReadError("Rasa n'a pas relu le fichier à temps : rien n'a été écrit.") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["erreur inconnue"])[-1]
        raise RasaReadError(f"Rasa ne peut pas relire le fichier : {last[:300]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["text"]
