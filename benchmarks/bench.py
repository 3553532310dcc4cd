"""`make bench`: load test of the production profile, one Rasa instance and two, side by side.

Starts its own PostgreSQL, Redis, action server, two Rasa instances and two nginx fronts (one
routing to instance 1 only, one to both) on free loopback ports, runs Locust headless against each
front (a single conversation over REST, one over socket.io, then 50 concurrent conversations mixing
both), samples the memory of the Rasa and action-server processes, prints the results and writes
them, with the machine they ran on, to docs/benchmarks.md. Everything is stopped at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
PROD_SH = REPO / "deploy" / "prod.sh"
LOCUST = Path(sys.executable).parent / "locust"
SINGLE_SECONDS = int(os.environ.get("BENCH_SINGLE_SECONDS", "20"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "45"))
LOAD_USERS = int(os.environ.get("BENCH_USERS", "50"))
TARGET_P95_MS = 50
TARGET_TURNS_PER_CORE = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Result:
    """One Locust run: latency percentiles (ms), throughput, errors, peak memory (MiB)."""

    topology: str
    scenario: str
    turns: int = 0
    failures: int = 0
    p50: float = 0
    p95: float = 0
    p99: float = 0
    turns_per_s: float = 0
    peak_mib: dict[str, float] = field(default_factory=dict)
    failure_reasons: list[str] = field(default_factory=list)

    @property
    def error_rate(self) -> float:
        return self.failures / self.turns if self.turns else 0.0


class Topology:
    """The production profile on free ports, state in a temporary dir under var/."""

    def __init__(self) -> None:
        (REPO / "var").mkdir(exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="bench-", dir=REPO / "var"))
        os.chmod(self.dir, 0o755)
        self.rasa_ports = [free_port(), free_port()]
        self.front_two = free_port()
        self.front_one = free_port()
        self.env = dict(
            os.environ, PROD_DIR=str(self.dir), PG_PORT=str(free_port()), REDIS_PORT=str(free_port()),
            PROD_ACTIONS_PORT=str(free_port()), PROD_PORT=str(self.front_two),
            PROD_BRIDGE_PORT=str(free_port()), PROD_RASA_PORTS=" ".join(map(str, self.rasa_ports)),
            # The load comes from a few loopback addresses: nginx's per-address limits would measure themselves.
            PROD_LIMIT_WEBHOOKS="100000r/s", PROD_LIMIT_MATTERMOST="100000r/s", PROD_LIMIT_SOCKETIO="100000r/s",
        )
        # A second nginx that only knows instance 1: the one-instance topology, same proxy cost.
        self.env_one = dict(self.env, PROD_DIR=str(self.dir / "one"), PROD_PORT=str(self.front_one),
                            PROD_BRIDGE_PORT=str(free_port()), PROD_RASA_PORTS=str(self.rasa_ports[0]))

    def run(self, *args: str, env: dict[str, str] | None = None) -> None:
        subprocess.run([str(PROD_SH), *args], env=env or self.env, cwd=REPO, check=True, timeout=600)

    def start(self) -> None:
        self.run("pg-start")
        self.run("redis-start")
        self.run("actions-start")
        for index, port in enumerate(self.rasa_ports, start=1):
            self.run("rasa-start", str(index), str(port))
        for port in self.rasa_ports:
            self.run("rasa-wait", str(port))
        self.run("nginx-start")
        (self.dir / "one").mkdir(exist_ok=True)
        self.run("nginx-start", env=self.env_one)

    def stop(self) -> None:
        subprocess.run([str(PROD_SH), "nginx-stop"], env=self.env_one, cwd=REPO, check=False)
        subprocess.run([str(PROD_SH), "stop"], env=self.env, cwd=REPO, check=False)

    def processes(self) -> dict[str, int]:
        """Process name → pid, for the memory sampling."""
        names = {"rasa-1": "rasa-1.pid", "rasa-2": "rasa-2.pid", "actions": "actions.pid"}
        return {name: int((self.dir / pidfile).read_text()) for name, pidfile in names.items()}

    def warm_up(self) -> None:
        """A few turns on each instance first: the first turns load lazy parts of the pipeline."""
        for port in self.rasa_ports:
            for text in ("Bonjour", "mon projet est-il concerné ?", "administration centrale", "stop"):
                requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                              json={"sender": f"warmup-{port}", "message": text}, timeout=120)


class MemorySampler(threading.Thread):
    """Peak resident memory (process and its children) of each process, sampled every 0.5 s."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak: dict[str, float] = {name: 0.0 for name in pids}
        self.done = threading.Event()

    def rss_mib(self, pid: int) -> float:
        try:
            process = psutil.Process(pid)
            total = process.memory_info().rss
            for child in process.children(recursive=True):
                total += child.memory_info().rss
            return total / 2**20
        except psutil.Error:
            return 0.0

    def run(self) -> None:
        while not self.done.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], self.rss_mib(pid))
            self.done.wait(0.5)


def run_locust(host: str, users: int, seconds: int, classes: list[str], prefix: Path) -> None:
    command = [
        str(LOCUST), "-f", str(REPO / "benchmarks" / "locustfile.py"), "--headless", "--only-summary",
        "--host", host, "-u", str(users), "-r", str(min(users, 25)), "-t", f"{seconds}s",
        "--csv", str(prefix), "--stop-timeout", "30", "--loglevel", "WARNING", *classes,
    ]
    subprocess.run(command, cwd=REPO, check=False, timeout=seconds + 240,
                   stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "w"))


def number(text: str) -> float:
    """A Locust CSV figure; "N/A" (no request at all) counts as 0."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def read_stats(prefix: Path, result: Result) -> None:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                result.turns = int(row["Request Count"])
                result.failures = int(row["Failure Count"])
                result.p50, result.p95, result.p99 = (number(row[k]) for k in ("50%", "95%", "99%"))
                result.turns_per_s = float(row["Requests/s"])
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="") as handle:
            result.failure_reasons = [
                f"{r['Name']}: {r['Error']} (×{r['Occurrences']})" for r in csv.DictReader(handle)
            ]


def measure(topology: Topology, name: str, host: str, pids: dict[str, int]) -> list[Result]:
    scenarios = [
        ("1 conversation REST", 1, SINGLE_SECONDS, ["RestPerson"]),
        ("1 conversation socket.io", 1, SINGLE_SECONDS, ["SocketPerson"]),
        (f"{LOAD_USERS} conversations (REST 3 : socket.io 1)", LOAD_USERS, LOAD_SECONDS, []),
    ]
    results = []
    for label, users, seconds, classes in scenarios:
        print(f"[bench] {name} — {label} ({seconds} s)…", flush=True)
        sampler = MemorySampler(pids)
        sampler.start()
        prefix = topology.dir / f"{name}-{users}-{'-'.join(classes) or 'mix'}".replace(" ", "_")
        run_locust(host, users, seconds, classes, prefix)
        sampler.done.set()
        sampler.join()
        result = Result(topology=name, scenario=label, peak_mib=dict(sampler.peak))
        read_stats(prefix, result)
        results.append(result)
    return results


def machine() -> dict[str, str]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cœurs (nproc)": str(os.cpu_count()),
        "mémoire": f"{psutil.virtual_memory().total / 2**30:.1f} Gio",
        "processeur": model,
        "système": f"{platform.system()} {platform.release()}",
        "charge moyenne au départ (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def table(results: list[Result]) -> str:
    header = ("| Topologie | Scénario | Tours | p50 (ms) | p95 (ms) | p99 (ms) | Tours/s | Erreurs "
              "| Pic mémoire (Mio) |\n|---|---|---:|---:|---:|---:|---:|---:|---|")
    lines = [header]
    for r in results:
        memory = ", ".join(f"{k} {v:.0f}" for k, v in r.peak_mib.items() if v)
        errors = f"{r.error_rate:.1%}" if r.turns else "aucun tour abouti"
        lines.append(f"| {r.topology} | {r.scenario} | {r.turns} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} "
                     f"| {r.turns_per_s:.1f} | {errors} | {memory} |")
    return "\n".join(lines)


def verdicts(results: list[Result], cores: int) -> list[str]:
    """The issue's targets, each compared honestly with what was measured."""
    lines = []
    for r in results:
        if r.scenario.startswith("1 conversation"):
            ok = r.p95 <= TARGET_P95_MS and r.turns > 0
            lines.append(f"- {r.topology}, {r.scenario} : p95 = {r.p95:.0f} ms "
                         f"(cible ≤ {TARGET_P95_MS} ms) → {'atteint' if ok else 'NON atteint'}")
        else:
            per_core = r.turns_per_s / cores
            ok = per_core >= TARGET_TURNS_PER_CORE
            lines.append(f"- {r.topology}, {r.scenario} : {r.turns_per_s:.1f} tours/s soit {per_core:.1f} "
                         f"par cœur (cible ≥ {TARGET_TURNS_PER_CORE}) → {'atteint' if ok else 'NON atteint'}")
            ok = r.failures == 0 and r.turns > 0
            lines.append(f"- {r.topology}, {r.scenario} : {r.failures} erreur(s) sur {r.turns} tours "
                         f"(cible : aucune) → {'atteint' if ok else 'NON atteint'}")
    return lines


# Below this line docs/benchmarks.md holds the reading of the figures, written by a person: kept as is.
HAND_WRITTEN_MARKER = "<!-- Lecture écrite à la main ; make bench la conserve telle quelle. -->"


def hand_written_reading(path: Path) -> str:
    """The hand-written part of the previous report (from the marker on), or an empty string."""
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    return previous[previous.index(HAND_WRITTEN_MARKER):] if HAND_WRITTEN_MARKER in previous else ""


def write_report(results: list[Result], info: dict[str, str], model: str, started: str) -> str:
    cores = os.cpu_count() or 1
    reasons = sorted({reason for r in results for reason in r.failure_reasons})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()
    body = [
        "# Banc de charge du profil de production",
        "",
        "Généré par `make bench` (benchmarks/bench.py), sauf la lecture en fin de page, écrite à la main. "
        "Méthode : voir docs/production.md, section « Mesures ».",
        "",
        f"- date : {started} (UTC) ; commit : {commit} ; modèle : `{model}`",
        *(f"- {k} : {v}" for k, v in info.items()),
        f"- durées : {SINGLE_SECONDS} s par scénario à une conversation, {LOAD_SECONDS} s à {LOAD_USERS} "
        "conversations ; utilisateurs Locust sans temps de réflexion (boucle fermée : mesure de capacité)",
        "- Locust tourne sur la même machine que les serveurs (il prend lui aussi du processeur).",
        "",
        "## Résultats (une instance et deux, côte à côte)",
        "",
        table(results),
        "",
        "Latence d'un tour : REST = requête → réponse complète ; socket.io = `user_uttered` → premier "
        "`bot_uttered` (la personne attend ensuite la fin du tour, 0,3 s sans message, avant d'écrire : "
        "ses tours par seconde en sont réduits). Mémoire : pic de la mémoire résidente du processus (et de "
        "ses enfants) pendant le scénario ; en topologie « 1 instance », rasa-2 tourne mais ne reçoit rien.",
        "",
        "## Cibles de l'issue 7",
        "",
        *verdicts(results, cores),
        "",
    ]
    if reasons:
        body += ["## Erreurs relevées", "", *(f"- {r}" for r in reasons[:30]), ""]
    report = REPO / "docs" / "benchmarks.md"
    text = "\n".join(body) + hand_written_reading(report)
    report.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    models = sorted((REPO / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        print("Aucun modèle : lancez d'abord 'make train'.", file=sys.stderr)
        return 1
    info = machine()
    topology = Topology()
    try:
        print(f"[bench] démarrage du profil de production dans {topology.dir}…", flush=True)
        topology.start()
        topology.warm_up()
        pids = topology.processes()
        results = measure(topology, "1 instance", f"http://127.0.0.1:{topology.front_one}", pids)
        results += measure(topology, "2 instances", f"http://127.0.0.1:{topology.front_two}", pids)
    finally:
        topology.stop()
    report = write_report(results, info, models[-1].name, started)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
