"""`make bench`: our assistant side by side with plain Rasa 3.6, then the load test of the production profile.

1. Side by side (sidebyside.py): our assistant as `make run` starts it and the default `rasa init` bot
   (plain Rasa 3.6), each started cold BENCH_COLD_STARTS times, one at a time, then one conversation at
   a time for BENCH_SIDE_SECONDS, alternating; then the reference alone under BENCH_USERS conversations.
   Our figures are printed as RATIOS to the reference's, measured in the same run on the same machine.
2. The production profile: its own PostgreSQL, Redis, action server, two Rasa instances and two nginx
   fronts (one routing to instance 1 only, one to both) on free loopback ports; Locust headless against
   each front (one conversation over REST, one over socket.io, then BENCH_USERS concurrent conversations
   mixing both); the memory and the CPU time of every process (Rasa, actions, PostgreSQL, Redis, nginx,
   Locust) over each scenario. BENCH_SOAK_SECONDS > 0 then keeps the 50 conversations on two instances
   that long and samples the memory every 30 s (the curve is in the report).

Prints the results and writes them, with the machine and the commit, to docs/benchmarks.md (the
hand-written reading at its end is kept). Everything it started is stopped at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import sidebyside
from teststack import free_port  # on the path through sidebyside: the project's one free_port

REPO = Path(__file__).resolve().parents[1]
PROD_SH = REPO / "deploy" / "prod.sh"
LOCUST = Path(sys.executable).parent / "locust"
SINGLE_SECONDS = int(os.environ.get("BENCH_SINGLE_SECONDS", "20"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "45"))
LOAD_USERS = int(os.environ.get("BENCH_USERS", "50"))
SIDE_SECONDS = int(os.environ.get("BENCH_SIDE_SECONDS", "60"))
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS", "2"))
SOAK_SECONDS = int(os.environ.get("BENCH_SOAK_SECONDS", "0"))
SOAK_SAMPLE_SECONDS = 30
# Issue 17's targets.
TARGET_COLD_START_S = 20
TARGET_P95_MS = 60
TARGET_TURNS_PER_CORE = 25  # at BENCH_USERS conversations on two instances
TARGET_RSS_MIB = 1536


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
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU time of each process over the scenario
    failure_reasons: list[str] = field(default_factory=list)

    @property
    def error_rate(self) -> float:
        return self.failures / self.turns if self.turns else 0.0

    def cpu_per_turn_ms(self, *names: str) -> float:
        """CPU time per turn of the named processes (all but Locust when none is named)."""
        chosen = names or tuple(name for name in self.cpu_s if name != "locust")
        return 1000 * sum(self.cpu_s.get(name, 0.0) for name in chosen) / self.turns if self.turns else 0.0


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

    def services(self) -> dict[str, list[int]]:
        """The other server processes of the profile (their CPU time counts in a turn's cost)."""
        def first_line(path: Path) -> list[int]:
            return [int(path.read_text().split()[0])] if path.exists() else []

        return {
            "postgresql": first_line(self.dir / "postgres" / "data" / "postmaster.pid"),
            "redis": first_line(self.dir / "redis" / "redis.pid"),
            "nginx": first_line(self.dir / "nginx" / "nginx.pid")
            + first_line(self.dir / "one" / "nginx" / "nginx.pid"),
        }

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time so far of each process (with its children: PostgreSQL's backends, nginx's workers)."""
        times = {name: sidebyside.cpu_seconds(pid) for name, pid in self.processes().items()}
        for name, pids in self.services().items():
            times[name] = sum(sidebyside.cpu_seconds(pid) for pid in pids)
        return times

    def warm_up(self) -> None:
        """A few turns on each instance first: the first turns load lazy parts of the pipeline."""
        for port in self.rasa_ports:
            for text in ("Bonjour", "mon projet est-il concerné ?", "administration centrale", "stop"):
                requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                              json={"sender": f"warmup-{port}", "message": text}, timeout=120)


class MemorySampler(threading.Thread):
    """Peak resident memory (process and its children) of each process, sampled every 0.5 s."""

    def __init__(self, pids: dict[str, int], every: float = 0.5, curve: bool = False) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.every = every
        self.peak: dict[str, float] = {name: 0.0 for name in pids}
        self.curve: list[tuple[float, dict[str, float]]] | None = [] if curve else None
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
        started = time.monotonic()
        while not self.done.is_set():
            sample = {name: self.rss_mib(pid) for name, pid in self.pids.items()}
            for name, value in sample.items():
                self.peak[name] = max(self.peak[name], value)
            if self.curve is not None:
                self.curve.append((time.monotonic() - started, sample))
            self.done.wait(self.every)


def run_locust(host: str, users: int, seconds: int, classes: list[str], prefix: Path) -> float:
    """Runs Locust headless; returns the CPU time Locust itself used (it shares the machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [
        str(LOCUST), "-f", str(REPO / "benchmarks" / "locustfile.py"), "--headless", "--only-summary",
        "--host", host, "-u", str(users), "-r", str(min(users, 25)), "-t", f"{seconds}s",
        "--csv", str(prefix), "--stop-timeout", "30", "--loglevel", "WARNING", *classes,
    ]
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(command, cwd=REPO, check=False, timeout=seconds + 240, stdout=subprocess.DEVNULL, stderr=log)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


MIX = ["RestPerson", "SocketPerson"]
MIX_LABEL = f"{LOAD_USERS} conversations (REST 3 : socket.io 1)"


def run_scenario(topology: Topology, name: str, label: str, host: str, users: int, seconds: int,
                 classes: list[str], sampler: MemorySampler) -> Result:
    """One Locust run against `host`, with the memory and the CPU time of every process over it."""
    print(f"[bench] {name} — {label} ({seconds} s)…", flush=True)
    sampler.start()
    prefix = topology.dir / f"{name}-{users}-{'-'.join(classes)}-{seconds}".replace(" ", "_")
    before = topology.cpu_seconds()
    locust_cpu = run_locust(host, users, seconds, classes, prefix)
    after = topology.cpu_seconds()
    sampler.done.set()
    sampler.join()
    result = Result(topology=name, scenario=label, peak_mib=dict(sampler.peak))
    result.cpu_s = {process: after[process] - before.get(process, 0.0) for process in after}
    result.cpu_s["locust"] = locust_cpu
    read_stats(prefix, result)
    return result


def measure(topology: Topology, name: str, host: str, pids: dict[str, int]) -> list[Result]:
    scenarios = [
        ("1 conversation REST", 1, SINGLE_SECONDS, ["RestPerson"]),
        ("1 conversation socket.io", 1, SINGLE_SECONDS, ["SocketPerson"]),
        (MIX_LABEL, LOAD_USERS, LOAD_SECONDS, MIX),
    ]
    return [run_scenario(topology, name, label, host, users, seconds, classes, MemorySampler(pids))
            for label, users, seconds, classes in scenarios]


def soak(topology: Topology, pids: dict[str, int]) -> tuple[Result, list[tuple[float, dict[str, float]]]]:
    """The conversations on two instances for SOAK_SECONDS; the memory sampled every 30 s."""
    sampler = MemorySampler(pids, every=SOAK_SAMPLE_SECONDS, curve=True)
    result = run_scenario(topology, "2 instances", f"{MIX_LABEL}, {SOAK_SECONDS // 60} min",
                          f"http://127.0.0.1:{topology.front_two}", LOAD_USERS, SOAK_SECONDS, MIX, sampler)
    return result, sampler.curve or []


@dataclass
class Reference:
    """The side-by-side figures: ours and the reference's, one conversation; the reference under load."""

    ours: sidebyside.Figures
    reference: sidebyside.Figures
    reference_load: Result | None = None


def reference_under_load(bot: sidebyside.Bot) -> Result:
    """The reference bot (running) under LOAD_USERS conversations over REST: its CPU per turn."""
    result = Result(topology="référence, 1 instance", scenario=f"{LOAD_USERS} conversations REST")
    pid = bot.pids()["rasa"]
    print(f"[bench] référence — {LOAD_USERS} conversations ({LOAD_SECONDS} s)…", flush=True)
    sampler = MemorySampler({"rasa": pid})
    sampler.start()
    before = sidebyside.cpu_seconds(pid)
    prefix = REPO / "var" / f"bench-reference-load-{os.getpid()}"
    result.cpu_s["locust"] = run_locust(bot.url, LOAD_USERS, LOAD_SECONDS, ["ReferencePerson"], prefix)
    result.cpu_s["rasa"] = sidebyside.cpu_seconds(pid) - before
    sampler.done.set()
    sampler.join()
    result.peak_mib = dict(sampler.peak)
    read_stats(prefix, result)
    for path in REPO.joinpath("var").glob(prefix.name + "*"):
        path.unlink()
    return result


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


def cpu_table(results: list[Result]) -> str:
    """CPU time per turn of each process, and the capacity it gives: 1000 ms of CPU per second and core."""
    lines = ["| Topologie | Scénario | Rasa | actions | PostgreSQL | Redis | nginx | total serveurs "
             "| capacité (tours/s par cœur) | Locust |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rasa = r.cpu_per_turn_ms(*(name for name in r.cpu_s if name.startswith("rasa")))
        servers = r.cpu_per_turn_ms()
        capacity = f"{1000 / servers:.0f}" if servers else "—"
        lines.append(f"| {r.topology} | {r.scenario} | {rasa:.1f} | {r.cpu_per_turn_ms('actions'):.1f} "
                     f"| {r.cpu_per_turn_ms('postgresql'):.1f} | {r.cpu_per_turn_ms('redis'):.1f} "
                     f"| {r.cpu_per_turn_ms('nginx'):.1f} | {servers:.1f} | {capacity} "
                     f"| {r.cpu_per_turn_ms('locust'):.1f} |")
    return "\n".join(lines)


def side_by_side(side: Reference, load: Result | None) -> str:
    """The comparison with the reference: sidebyside's table, plus the CPU per turn under load."""
    lines = [sidebyside.comparison_table(side.ours, side.reference)]
    if load is not None and side.reference_load is not None and side.reference_load.turns:
        ours = load.cpu_per_turn_ms(*(name for name in load.cpu_s if name in ("rasa-1", "rasa-2", "actions")))
        theirs = side.reference_load.cpu_per_turn_ms("rasa")
        lines.append(f"| CPU par tour sous charge, {LOAD_USERS} conversations, Rasa + actions (ms) — nous : 2 "
                     f"instances, profil de production | {ours:.1f} | {theirs:.1f} "
                     f"| **{sidebyside.ratio(ours, theirs)}** |")
        lines.append(f"| débit sous charge (tours/s) — référence : 1 instance, {side.reference_load.turns} tours, "
                     f"{side.reference_load.failures} erreur(s) | {load.turns_per_s:.1f} "
                     f"| {side.reference_load.turns_per_s:.1f} | |")
    return "\n".join(lines)


def soak_table(curve: list[tuple[float, dict[str, float]]]) -> str:
    """The memory curve of the long run, one line every 5 minutes (and the last sample)."""
    if not curve:
        return ""
    names = list(curve[0][1])
    lines = ["| minute | " + " | ".join(f"{name} (Mio)" for name in names) + " |",
             "|---:|" + "---:|" * len(names)]
    shown, next_minute = [], 0.0
    for seconds, sample in curve:
        if seconds / 60 >= next_minute:
            shown.append((seconds, sample))
            next_minute += 5
    if curve[-1][0] - shown[-1][0] >= 60:
        shown.append(curve[-1])
    for seconds, sample in shown:
        lines.append(f"| {seconds / 60:.0f} | " + " | ".join(f"{sample[name]:.0f}" for name in names) + " |")
    return "\n".join(lines)


def verdicts(results: list[Result], side: Reference, cores: int) -> list[str]:
    """Issue 17's targets, each compared honestly with what was measured."""
    def said(ok: bool) -> str:
        return "atteint" if ok else "NON atteint"

    alone = "seul" if not side.ours.started_together else "démarré avec la référence"
    lines = [f"- Démarrage à froid (lancement → première réponse, {alone}, médiane de "
             f"{len(side.ours.cold_starts_s)}) : {side.ours.cold_start_s:.1f} s (cible ≤ {TARGET_COLD_START_S} s) "
             f"→ {said(side.ours.cold_start_s <= TARGET_COLD_START_S)}"]
    for r in results:
        if r.scenario == "1 conversation REST":
            lines.append(f"- {r.topology}, {r.scenario} : p95 = {r.p95:.0f} ms (cible ≤ {TARGET_P95_MS} ms) "
                         f"→ {said(r.p95 <= TARGET_P95_MS and r.turns > 0)}")
        elif r.topology == "2 instances" and r.scenario.startswith(MIX_LABEL):
            per_core = r.turns_per_s / cores
            capacity = f"{1000 / r.cpu_per_turn_ms():.0f}" if r.cpu_per_turn_ms() else "—"
            lines.append(f"- {r.topology}, {r.scenario} : {r.turns_per_s:.1f} tours/s soit {per_core:.1f} par cœur "
                         f"(cible ≥ {TARGET_TURNS_PER_CORE}) → {said(per_core >= TARGET_TURNS_PER_CORE)} ; "
                         f"d'après le temps processeur d'un tour dans les serveurs (hors Locust) : {capacity} "
                         "tours/s par cœur")
            lines.append(f"- {r.topology}, {r.scenario} : {r.failures} erreur(s) sur {r.turns} tours "
                         f"(cible : aucune) → {said(r.failures == 0 and r.turns > 0)}")
        if r.scenario.startswith(MIX_LABEL):
            rasa = {name: mib for name, mib in r.peak_mib.items() if name.startswith("rasa")}
            if rasa:
                lines.append(f"- {r.topology}, {r.scenario} : mémoire résidente par processus Rasa, pic "
                             f"{max(rasa.values()):.0f} Mio (cible ≤ {TARGET_RSS_MIB} Mio) "
                             f"→ {said(max(rasa.values()) <= TARGET_RSS_MIB)}")
    return lines


# Below this line docs/benchmarks.md holds the reading of the figures, written by a person: kept as is.
HAND_WRITTEN_MARKER = "<!-- Lecture écrite à la main ; make bench la conserve telle quelle. -->"


def hand_written_reading(path: Path) -> str:
    """The hand-written part of the previous report (from the marker on), or an empty string."""
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    return previous[previous.index(HAND_WRITTEN_MARKER):] if HAND_WRITTEN_MARKER in previous else ""


def code_version() -> str:
    """The commit the bench runs, and whether files it tracks were changed since."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (avec des modifications non commitées)" if dirty else "")


def write_report(results: list[Result], side: Reference, soaked: tuple[Result, list] | None,
                 info: dict[str, str], model: str, started: str, commit: str) -> str:
    cores = os.cpu_count() or 1
    reasons = sorted({reason for r in results for reason in r.failure_reasons})
    load = next((r for r in results if r.topology == "2 instances" and r.scenario == MIX_LABEL), None)
    all_results = results + ([soaked[0]] if soaked else [])
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
        "## À côté d'un Rasa 3.6 ordinaire, dans le même passage",
        "",
        "Référence : le bot par défaut de `rasa init` (DIET, ResponseSelector, TED, règles ; tracker store en "
        "mémoire, pas de serveur d'actions), lancé par la ligne de commande de Rasa telle quelle. Nous : "
        "l'assistant démarré comme `make run` le démarre (ops/stack.sh, SQLite), sauf la ligne « sous "
        f"charge » (profil de production ci-dessous). Démarrages un bot à la fois ({COLD_STARTS} chacun), puis "
        f"une conversation à la fois pendant {SIDE_SECONDS} s, les deux bots en alternance : la charge de la "
        "machine pèse sur les deux, les **rapports** en dépendent bien moins que les chiffres bruts.",
        "",
        side_by_side(side, load),
        "",
        "## Profil de production : résultats (une instance et deux, côte à côte)",
        "",
        table(all_results),
        "",
        "Latence d'un tour : REST = requête → réponse complète ; socket.io = `user_uttered` → premier "
        "`bot_uttered` (la personne attend ensuite la fin du tour, 0,3 s sans message, avant d'écrire : "
        "ses tours par seconde en sont réduits). Mémoire : pic de la mémoire résidente du processus (et de "
        "ses enfants) pendant le scénario ; en topologie « 1 instance », rasa-2 tourne mais ne reçoit rien.",
        "",
        "### Temps processeur par tour (ms), par processus",
        "",
        cpu_table(all_results),
        "",
        "Capacité = 1000 ms de processeur par seconde et par cœur, divisées par le temps processeur d'un tour "
        "dans tous les serveurs (Rasa, actions, PostgreSQL, Redis, nginx) : le débit par cœur d'une machine "
        "qui ne ferait que cela. Locust, qui partage la machine du banc, est compté à part.",
        "",
        "## Cibles de l'issue 17",
        "",
        *verdicts(all_results, side, cores),
        "",
    ]
    if soaked:
        body += [f"## Mémoire pendant {SOAK_SECONDS // 60} min de charge ({LOAD_USERS} conversations, 2 instances)",
                 "", soak_table(soaked[1]), ""]
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
    commit = code_version()  # at the start: the code that runs
    print("[bench] à côté d'un Rasa 3.6 ordinaire (rasa init)…", flush=True)
    loads: list[Result] = []
    ours, reference = sidebyside.compare(SIDE_SECONDS, COLD_STARTS, log=lambda text: print(text, flush=True),
                                         then=lambda bot: loads.append(reference_under_load(bot)))
    side = Reference(ours, reference, loads[0] if loads else None)
    topology = Topology()
    soaked = None
    try:
        print(f"[bench] démarrage du profil de production dans {topology.dir}…", flush=True)
        topology.start()
        topology.warm_up()
        pids = topology.processes()
        results = measure(topology, "1 instance", f"http://127.0.0.1:{topology.front_one}", pids)
        results += measure(topology, "2 instances", f"http://127.0.0.1:{topology.front_two}", pids)
        if SOAK_SECONDS > 0:
            soaked = soak(topology, pids)
    finally:
        topology.stop()
    report = write_report(results, side, soaked, info, models[-1].name, started, commit)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
