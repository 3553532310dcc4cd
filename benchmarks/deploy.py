"""`make bench-deploy`: what retraining and putting a model in service cost, measured (docs/console.md).

1. Retraining for the everyday change, in a copy of the project: after a first training (the console
   retrains in the project, next to Rasa's cache of the previous training), three examples added to a
   FAQ question and one answer edited, then `rasa train` as the console runs it, timed.
2. Default profile (ops/stack.sh, one Rasa): the retrained model, the previous one, then the retrained
   one again put in service by `ops/stack.sh deploy` while a probe asks a question every 0.5 s
   (ops/deploy_probe.py): longest wait, failures, time until the new model answers; then the resident
   memory of the Rasa process after these three deploys and of a fresh one (same questions asked).
3. The same three models loaded by Rasa's `PUT /model` (what the console did before): longest wait,
   memory of the process after the three loads.
4. Production profile (--prod; PostgreSQL, Redis, two Rasa instances behind nginx): deploy/prod.sh
   deploy with the probe through nginx.

The machine is shared: figures are noisy, the ratios (memory after deploys / fresh) less so. Prints
the figures; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "ops"))
from deploy_probe import DeployProbe, ask, resident_mb  # noqa: E402
from teststack import Stack, free_port  # noqa: E402

RASA = REPO / ".venv" / "bin" / "rasa"
# The everyday change: a few examples from the inbox, one answer reworded.
NEW_EXAMPLES = ("qui paie la migration vers le cloud", "une aide pour financer notre passage au cloud ?",
                "budget disponible pour migrer")
FAQ_FILE, FAQ_INTENT = "data/nlu/faq.yml", "  - intent: faq/financement\n    examples: |\n"
EDITED_ANSWER_FILE, EDITED_FROM, EDITED_TO = "domain/core.yml", "de l'État.", "de l'État (texte revu)."
# Asked before each memory reading, so that every process has answered the same questions.
WARM_UP = ("Bonjour", "Qui contrôle l'application de la doctrine ?", "Existe-t-il un financement pour le cloud ?",
           "Les collectivités sont-elles concernées ?", "mon projet est-il concerné ?", "merci", "au revoir")


def say(line: str) -> None:
    print(line, flush=True)


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


# --- 1. retraining -------------------------------------------------------------------------------------

def project_copy(folder: Path) -> Path:
    project = folder / "projet"
    project.mkdir()
    for name in ("domain", "data"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "config.yml", project / "config.yml")
    (project / "components").symlink_to(REPO / "components")  # config.yml names components.*
    return project


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train(project: Path, name: str) -> tuple[float, float]:
    """`rasa train` as the console runs it: (wall seconds, CPU seconds)."""
    command = [str(RASA), "train", "--domain", "domain", "--data", "data", "--config", "config.yml",
               "--out", "models", "--fixed-model-name", name]
    cpu, started = children_cpu_seconds(), time.monotonic()
    with (project / f"{name}.log").open("wb") as log:
        subprocess.run(command, cwd=project, stdout=log, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started, children_cpu_seconds() - cpu


def everyday_change(project: Path) -> None:
    faq = project / FAQ_FILE
    text = faq.read_text()
    assert FAQ_INTENT in text, f"{FAQ_INTENT!r} introuvable dans {FAQ_FILE}"
    faq.write_text(text.replace(FAQ_INTENT, FAQ_INTENT + "".join(f"      - {e}\n" for e in NEW_EXAMPLES), 1))
    domain = project / EDITED_ANSWER_FILE
    text = domain.read_text()
    assert EDITED_FROM in text, f"{EDITED_FROM!r} introuvable dans {EDITED_ANSWER_FILE}"
    domain.write_text(text.replace(EDITED_FROM, EDITED_TO, 1))


# --- 2 and 3. the default profile ---------------------------------------------------------------------

def status(stack: Stack) -> dict:
    with urllib.request.urlopen(stack.status_url(), timeout=30) as response:
        return json.loads(response.read())


def warm_up(url: str) -> None:
    for number, question in enumerate(WARM_UP):
        ask(url, f"bench-{os.getpid()}-{time.monotonic_ns()}-{number}", question)


def rasa_pid(stack: Stack) -> int:
    return int((stack.state_dir / "rasa.pid").read_text())


def until_answering(stack: Stack, model: Path, started: float, found: list[float]) -> None:
    """Record when /status first reports `model` (the new model answers)."""
    while time.monotonic() - started < 900:
        try:
            if status(stack).get("model_file") == model.name:
                found.append(time.monotonic() - started)
                return
        except OSError:
            pass
        time.sleep(0.2)


def deploy_default(stack: Stack, model: Path) -> tuple[float, float]:
    """ops/stack.sh deploy: (seconds until the new model answers, seconds until the command returns)."""
    started = time.monotonic()
    answering: list[float] = []
    watcher = threading.Thread(target=until_answering, args=(stack, model, started, answering), daemon=True)
    watcher.start()
    subprocess.run([str(REPO / "ops" / "stack.sh"), "deploy", str(stack.state_dir), str(model)],
                   cwd=REPO, check=True, capture_output=True)
    total = time.monotonic() - started
    watcher.join(10)
    return (answering[0] if answering else float("nan")), total


def put_model(stack: Stack, model: Path) -> float:
    request = urllib.request.Request(f"{stack.url}/model?token={stack.token}", method="PUT",
                                     data=json.dumps({"model_file": str(model)}).encode(),
                                     headers={"Content-Type": "application/json"})
    return timed(lambda: urllib.request.urlopen(request, timeout=900).read())


def default_profile(folder: Path, models: list[Path]) -> None:
    stack = Stack.new(folder / "pile")
    say(f"\n## Profil par défaut (ops/stack.sh, un Rasa) — pile sur {stack.url}")
    stack.start()
    try:
        warm_up(stack.url)
        fresh = resident_mb(rasa_pid(stack))
        say(f"Rasa neuf : {fresh:.0f} Mo résidents")
        with DeployProbe(stack.url) as probe:
            for model in models:
                answering, total = deploy_default(stack, model)
                say(f"ops/stack.sh deploy {model.name} : nouveau modèle en service après {answering:.1f} s "
                    f"(commande terminée après {total:.1f} s ; temps processeur du nouveau Rasa : "
                    f"{process_cpu_seconds(rasa_pid(stack)):.0f} s)")
        say(f"Sonde pendant les 3 mises en service : {probe.report.summary()}")
        warm_up(stack.url)
        after = resident_mb(rasa_pid(stack))
        say(f"Rasa après 3 mises en service : {after:.0f} Mo ({after / fresh:.2f} × le neuf)")

        pid = rasa_pid(stack)
        with DeployProbe(stack.url) as probe:
            for model in models:
                say(f"PUT /model {model.name} : {put_model(stack, model):.1f} s")
        say(f"Sonde pendant les 3 PUT /model : {probe.report.summary()}")
        warm_up(stack.url)
        grown = resident_mb(pid)
        say(f"Même processus après 3 PUT /model : {grown:.0f} Mo ({grown / after:.2f} × avant les PUT)")
    finally:
        stack.stop()


# --- 4. the production profile ------------------------------------------------------------------------

def prod_profile(folder: Path, model: Path) -> None:
    state = folder / "prod"
    state.mkdir()
    os.chmod(folder, 0o755)
    os.chmod(state, 0o755)  # PostgreSQL runs as 'postgres' when we are root
    nginx = free_port()
    env = dict(os.environ, PROD_DIR=str(state), PROD_PORT=str(nginx), PROD_BRIDGE_PORT=str(free_port()),
               PROD_RASA_PORTS=f"{free_port()} {free_port()}", PROD_RASA_SPARE_PORTS=f"{free_port()} {free_port()}",
               PROD_ACTIONS_PORT=str(free_port()), PG_PORT=str(free_port()), REDIS_PORT=str(free_port()))

    def prod(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([str(REPO / "deploy" / "prod.sh"), *args], env=env, cwd=REPO, check=True,
                              capture_output=True)

    say(f"\n## Profil de production (deux Rasa derrière nginx, http://127.0.0.1:{nginx})")
    prod("start")
    try:
        with DeployProbe(f"http://127.0.0.1:{nginx}") as probe:
            seconds = timed(lambda: prod("deploy", str(model)))
        say(f"deploy/prod.sh deploy {model.name} (deux instances, l'une après l'autre) : {seconds:.1f} s")
        say(f"Sonde à travers nginx : {probe.report.summary()}")
    finally:
        subprocess.run([str(REPO / "deploy" / "prod.sh"), "stop"], env=env, cwd=REPO, check=False,
                       capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prod", action="store_true", help="mesurer aussi le profil de production")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cac-bench-deploy-"))
    try:
        say(f"Machine : {os.cpu_count()} cœurs, charge {os.getloadavg()[0]:.1f} au départ")
        project = project_copy(folder)
        say("## Réentraînement après un changement courant (copie du projet)")
        wall, cpu = train(project, "avant")
        say(f"Premier entraînement (remplit le cache de Rasa) : {wall:.0f} s (temps processeur {cpu:.0f} s)")
        everyday_change(project)
        wall, cpu = train(project, "apres")
        say(f"Après 3 exemples ajoutés et une réponse modifiée : {wall:.0f} s (temps processeur {cpu:.0f} s ; "
            "sur une machine où un cœur lui est libre, sa durée est à peu près son temps processeur)")
        retrained, previous = project / "models" / "apres.tar.gz", project / "models" / "avant.tar.gz"
        default_profile(folder, [retrained, previous, retrained])
        if args.prod:
            prod_profile(folder, retrained)
        say(f"\nCharge en fin de mesure : {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
