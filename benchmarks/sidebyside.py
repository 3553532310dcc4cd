"""`make bench-quick`: our assistant and a plain Rasa 3.6 bot, side by side in the same run.

The reference is the default bot of `rasa init` (DIET, ResponseSelector, TED, rules; in-memory tracker
store, no action server), trained once into var/bench-reference/rasa-<version>/ and started as released
(`rasa run`, no patch applied). Ours is started the way `make run` starts it (ops/stack.sh: the action
server and `python -m rasa_patches run`, SQLite tracker store) on free ports, with the model of models/.

For each bot: the cold start (process launch → first answer over REST), then one conversation at a time
over REST, the two bots taking turns in alternating blocks so that a busy machine slows both alike:
latency per turn (p50, p95), CPU per turn (user + system time of the Rasa process and, for ours, of
the action server, divided by the turns), resident memory of the Rasa process at the end. Printed as
absolute figures and as RATIOS ours / reference: on a shared machine the ratios move much less than
the figures. The first run trains the reference (a few minutes, once); then it takes about 2 minutes:
by default both bots start at once (the reference alone takes a minute to start on 2 busy cores), so
its cold starts are indicative; `make bench` starts them one at a time (--cold-starts N).

    .venv-bench/bin/python benchmarks/sidebyside.py [--seconds 40] [--cold-starts N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psutil
import requests
from conversations import REFERENCE_CONVERSATIONS, Turn, check, conversations

REPO = Path(__file__).resolve().parents[1]
RASA_VENV = REPO / ".venv" / "bin"
STACK_SH = REPO / "ops" / "stack.sh"
REFERENCE_ROOT = REPO / "var" / "bench-reference"
REST_ROUTE = "/webhooks/rest/webhook"
START_TIMEOUT = 300

sys.path.insert(0, str(REPO / "ops"))
from teststack import free_port  # noqa: E402  (the project's one free_port: standard library only)


def rasa_version() -> str:
    command = [str(RASA_VENV / "python"), "-c", "from importlib.metadata import version; print(version('rasa'))"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def reference_project() -> Path:
    """The `rasa init` project, trained once and kept under var/ (rebuilt for another Rasa version)."""
    project = REFERENCE_ROOT / f"rasa-{rasa_version()}"
    if list((project / "models").glob("*.tar.gz")):
        return project
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    print(f"[bench] bot de référence : rasa init et son entraînement, une seule fois ({project})…", flush=True)
    with (project.parent / f"{project.name}-init.log").open("w") as log:
        subprocess.run([str(RASA_VENV / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=project,
                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=True, timeout=3600)
    if not list((project / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init n'a produit aucun modèle (voir {log.name})")
    return project


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (0 once it is gone)."""
    try:
        process = psutil.Process(pid)
        total = sum(process.cpu_times()[:2])
        for child in process.children(recursive=True):
            total += sum(child.cpu_times()[:2])
        return total
    except psutil.Error:
        return 0.0


def rss_mib(pid: int) -> float:
    try:
        process = psutil.Process(pid)
        return (process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))) / 2**20
    except psutil.Error:
        return 0.0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass(eq=False)
class Figures:
    """What was measured on one bot."""

    name: str
    cold_starts_s: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)
    rss_mib: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    started_together: bool = False  # cold start measured while the other bot was starting too

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def cold_start_s(self) -> float:
        return statistics.median(self.cold_starts_s) if self.cold_starts_s else 0.0

    @property
    def cpu_per_turn_ms(self) -> float:
        return 1000 * sum(self.cpu_s.values()) / self.turns if self.turns else 0.0

    def cpu_per_turn_of(self, process: str) -> float:
        return 1000 * self.cpu_s.get(process, 0.0) / self.turns if self.turns else 0.0


class Bot:
    """A Rasa bot started on a free port; subclasses say how it starts, stops and converses."""

    name = ""
    first_message = ""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def launch(self) -> subprocess.Popen:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def pids(self) -> dict[str, int]:
        """The processes whose CPU time a turn costs, "rasa" first."""
        raise NotImplementedError

    def scripts(self, rng: random.Random) -> list[list[Turn]]:
        raise NotImplementedError

    def cold_start(self) -> float:
        """Seconds from the launch of its processes to the first non-empty answer over REST."""
        started = time.monotonic()
        launcher = self.launch()
        while time.monotonic() - started < START_TIMEOUT:
            try:
                answer = requests.post(self.url + REST_ROUTE, json={"sender": f"cold-{secrets.token_hex(4)}",
                                                                    "message": self.first_message}, timeout=60)
                if answer.status_code == 200 and answer.json():
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            if launcher.poll() not in (None, 0):
                raise RuntimeError(f"{self.name} : échec du démarrage (code {launcher.returncode})")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} : aucune réponse {START_TIMEOUT} s après le lancement")

    def converse(self, turns: list[Turn], figures: Figures) -> None:
        """One conversation, turn after turn; each turn's latency, and what was wrong in its reply."""
        sender = f"bench-{secrets.token_hex(6)}"
        for text, expected in turns:
            started = time.perf_counter()
            try:
                answer = requests.post(self.url + REST_ROUTE, json={"sender": sender, "message": text}, timeout=60)
                problem = check(answer.json(), expected) if answer.status_code == 200 else f"HTTP {answer.status_code}"
            except (requests.RequestException, ValueError) as error:
                problem = f"{type(error).__name__}"
            figures.latencies_ms.append((time.perf_counter() - started) * 1000)
            if problem:
                figures.errors.append(f"{text!r} : {problem}")
                return


class OurAssistant(Bot):
    """The assistant as `make run` starts it (ops/stack.sh), its state in a temporary folder under var/."""

    name = "notre assistant"
    first_message = "Bonjour"

    def __init__(self) -> None:
        super().__init__()
        (REPO / "var").mkdir(exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="bench-quick-", dir=REPO / "var"))
        self.env = dict(os.environ, RASA_PORT=str(self.port), ACTIONS_PORT=str(free_port()),
                        RASA_AUTH_TOKEN=secrets.token_hex(32), TCHAP_CALLBACK_TOKEN=secrets.token_hex(32),
                        STACK_WAIT_SECONDS=str(START_TIMEOUT))

    def launch(self) -> subprocess.Popen:
        return subprocess.Popen([str(STACK_SH), "start", str(self.dir)], cwd=REPO, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=(self.dir / "stack.log").open("a"))

    def stop(self) -> None:
        subprocess.run([str(STACK_SH), "stop", str(self.dir)], cwd=REPO, env=self.env, check=False,
                       stdout=subprocess.DEVNULL, timeout=120)

    def pids(self) -> dict[str, int]:
        return {name: int((self.dir / f"{name}.pid").read_text()) for name in ("rasa", "actions")}

    def scripts(self, rng: random.Random) -> list[list[Turn]]:
        return [turns for _, turns in conversations(rng)]


class ReferenceBot(Bot):
    """The default `rasa init` bot, started with Rasa's own command line as released."""

    name = "référence (rasa init)"
    first_message = "hello"

    def __init__(self, project: Path) -> None:
        super().__init__()
        self.project = project
        self.process: subprocess.Popen | None = None

    def launch(self) -> subprocess.Popen:
        command = [str(RASA_VENV / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(self.port),
                   "--model", "models"]
        with (self.project.parent / f"{self.project.name}-run.log").open("a") as log:
            self.process = subprocess.Popen(command, cwd=self.project, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self.process

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def pids(self) -> dict[str, int]:
        assert self.process is not None
        return {"rasa": self.process.pid}

    def scripts(self, rng: random.Random) -> list[list[Turn]]:
        return [list(turns) for turns in REFERENCE_CONVERSATIONS]


def converse_block(bot: Bot, figures: Figures, rng: random.Random, count: bool = True) -> None:
    """One conversation of each of the bot's scripts; CPU time counted over the block."""
    pids = bot.pids()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    scratch = Figures(bot.name)
    for turns in bot.scripts(rng):
        bot.converse(turns, scratch if not count else figures)
    if count:
        for name, pid in pids.items():
            figures.cpu_s[name] = figures.cpu_s.get(name, 0.0) + cpu_seconds(pid) - before[name]


def compare(seconds: float = 40, cold_starts: int = 1, log: Callable[[str], object] = print,
            then: Callable[[Bot], object] | None = None) -> tuple[Figures, Figures]:
    """`cold_starts` cold starts of each bot, one bot at a time (0: both started at once, a rougher but
    shorter measure), then alternating conversation blocks for `seconds`, then `then(reference bot)` if
    given (the reference still running); both bots stopped at the end."""
    ours_bot, reference_bot = OurAssistant(), ReferenceBot(reference_project())
    ours, reference = Figures(ours_bot.name), Figures(reference_bot.name)
    rng = random.Random(17)
    try:
        if cold_starts == 0:
            log("[bench] les deux bots démarrent ensemble (durées de démarrage indicatives)…")
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                started = {figures: pool.submit(bot.cold_start)
                           for bot, figures in ((ours_bot, ours), (reference_bot, reference))}
                for figures, future in started.items():
                    figures.cold_starts_s.append(future.result())
                    figures.started_together = True
        for attempt in range(cold_starts):
            for bot, figures in ((ours_bot, ours), (reference_bot, reference)):
                log(f"[bench] {bot.name} : démarrage à froid {attempt + 1}/{cold_starts}…")
                figures.cold_starts_s.append(bot.cold_start())
                if attempt < cold_starts - 1:
                    bot.stop()
        for bot, figures in ((ours_bot, ours), (reference_bot, reference)):
            converse_block(bot, figures, rng, count=False)  # warm-up: lazy parts load on the first turns
        log(f"[bench] une conversation à la fois, les deux bots en alternance ({seconds:.0f} s)…")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            converse_block(ours_bot, ours, rng)
            converse_block(reference_bot, reference, rng)
        for bot, figures in ((ours_bot, ours), (reference_bot, reference)):
            figures.rss_mib = {name: rss_mib(pid) for name, pid in bot.pids().items()}
        if then is not None:
            ours_bot.stop()
            then(reference_bot)
    finally:
        ours_bot.stop()
        reference_bot.stop()
        shutil.rmtree(ours_bot.dir, ignore_errors=True)
    return ours, reference


def ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.2f}" if reference else "—"


def comparison_table(ours: Figures, reference: Figures) -> str:
    """Markdown table: absolute figures and ratios ours / reference."""
    p50, p95 = (lambda f: percentile(f.latencies_ms, 0.5)), (lambda f: percentile(f.latencies_ms, 0.95))
    together = " — les deux démarrés ensemble" if ours.started_together else ""
    rows = [
        (f"démarrage à froid, lancement → première réponse (s){together}", ours.cold_start_s,
         reference.cold_start_s, "{:.1f}"),
        ("CPU par tour, Rasa + serveur d'actions (ms)", ours.cpu_per_turn_ms, reference.cpu_per_turn_ms, "{:.1f}"),
        ("CPU par tour, processus Rasa seul (ms)", ours.cpu_per_turn_of("rasa"), reference.cpu_per_turn_of("rasa"),
         "{:.1f}"),
        ("latence d'un tour, p50 (ms)", p50(ours), p50(reference), "{:.0f}"),
        ("latence d'un tour, p95 (ms)", p95(ours), p95(reference), "{:.0f}"),
        ("mémoire résidente du processus Rasa (Mio)", ours.rss_mib.get("rasa", 0), reference.rss_mib.get("rasa", 0),
         "{:.0f}"),
    ]
    lines = ["| mesure | notre assistant | référence (rasa init) | rapport nous / référence |",
             "|---|---:|---:|---:|"]
    for label, mine, theirs, shape in rows:
        lines.append(f"| {label} | {shape.format(mine)} | {shape.format(theirs)} | **{ratio(mine, theirs)}** |")
    lines.append(f"| tours mesurés (erreurs) | {ours.turns} ({len(ours.errors)}) | {reference.turns} "
                 f"({len(reference.errors)}) | |")
    if len(ours.cold_starts_s) > 1 or len(reference.cold_starts_s) > 1:
        lines.append("| démarrages à froid (s), chacun | "
                     f"{' ; '.join(f'{s:.1f}' for s in ours.cold_starts_s)} | "
                     f"{' ; '.join(f'{s:.1f}' for s in reference.cold_starts_s)} | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_QUICK_SECONDS", "40")))
    parser.add_argument("--cold-starts", type=int, default=0,
                        help="cold starts of each bot, one bot at a time (default 0: both at once, faster)")
    arguments = parser.parse_args()
    if not list((REPO / "models").glob("*.tar.gz")):
        print("Aucun modèle : lancez d'abord 'make train'.", file=sys.stderr)
        return 1
    started = time.monotonic()
    ours, reference = compare(arguments.seconds, arguments.cold_starts, log=lambda text: print(text, flush=True))
    print()
    print(comparison_table(ours, reference))
    for figures in (ours, reference):
        for error in figures.errors[:10]:
            print(f"ERREUR {figures.name} : {error}")
    print(f"\n(charge moyenne 1 min : {os.getloadavg()[0]:.2f} ; durée {time.monotonic() - started:.0f} s)")
    return 1 if ours.errors or reference.errors else 0


if __name__ == "__main__":
    sys.exit(main())
