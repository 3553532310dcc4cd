"""Fault drills under load on the production profile (docs/reliability.md, issue 22).

The profile runs as `make run-prod` runs it: deploy/run-prod.sh, supervised (ops/supervise.sh), with the
support console, on free ports and a state folder of its own. People hold conversations through nginx
(each a full scope check or FAQ questions, benchmarks/conversations.py); a person whose turn fails reads
the reply it got (it must say « Le service redémarre… », or nginx's « Trop de messages… »), waits a second
or two and sends the same message again, as a person would. One fault is made while they talk; then, for that drill:

- the turns that failed, and whether each showed the person the French message (never a silent nothing);
- the longest wait of a person for an answer (retries included; a message sent again keeps its
  `message_id`, as the widget does);
- the time from the fault until every conversation answers again (the last failed turn);
- checked afterwards in PostgreSQL: every message that was answered is stored once, in order (none lost,
  none duplicated; a failed attempt left no trace), and every scope check ended with its verdict.

Used by `make chaos` (benchmarks/chaos.py: 50 people under Locust, every drill) and by the short drill of
`make test` (tests/prod/test_drills.py: a few people in threads, two drills). Standard library and
requests only (both venvs have them).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import requests
from conversations import conversations
from requests.adapters import HTTPAdapter

REPO = Path(__file__).resolve().parents[1]
PROD_SH = REPO / "deploy" / "prod.sh"
RESTARTING = "Le service redémarre, réessayez dans un instant"
TOO_MANY = "Trop de messages à la fois depuis votre adresse"  # nginx's per-address limit (429)
# What a failed turn may show the person: anything else is a silent or unreadable failure.
FRENCH_FAILURES = (RESTARTING, TOO_MANY)
# A person sends again after reading the message: 1 to 2 s (people do not all retry at the same instant).
RETRY_AFTER_SECONDS = (1.0, 2.0)
GIVE_UP_SECONDS = 180.0
ROUTE = "/webhooks/rest/webhook"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Attempt:
    """One message sent once: what the person got back."""

    sender: str
    text: str
    started: float  # time.time()
    ended: float
    ok: bool
    shown: str  # what the person read (the bot's reply, or the error reply)


@dataclass
class Turn:
    """One message of a person, from its first attempt to its answer."""

    sender: str
    text: str
    started: float
    answered: float
    attempts: int


class Journal:
    """Everything the people did, thread-safe (one per process; Locust workers write it to a file)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.turns: list[Turn] = []
        self.scope_checks: set[str] = set()  # senders that ran a scope check

    def add(self, item: Attempt | Turn) -> None:
        with self.lock:
            (self.attempts if isinstance(item, Attempt) else self.turns).append(item)

    def dump(self, path: Path) -> None:
        with self.lock, path.open("a") as out:
            for attempt in self.attempts:
                out.write(json.dumps({"attempt": attempt.__dict__}) + "\n")
            for turn in self.turns:
                out.write(json.dumps({"turn": turn.__dict__}) + "\n")
            for sender in self.scope_checks:
                out.write(json.dumps({"scope": sender}) + "\n")

    @classmethod
    def load(cls, path: Path) -> "Journal":
        journal = cls()
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "attempt" in record:
                journal.attempts.append(Attempt(**record["attempt"]))
            elif "turn" in record:
                journal.turns.append(Turn(**record["turn"]))
            else:
                journal.scope_checks.add(record["scope"])
        return journal


# (sender, text, message_id) → (HTTP status, body); the same message_id when a message is sent again.
Post = Callable[[str, str, str], tuple[int, Any]]


def reply_text(body: Any) -> str:
    if isinstance(body, list):
        return "\n".join(str(message.get("text") or "") for message in body if isinstance(message, dict))
    return str(body or "")


def say_until_answered(post: Post, sender: str, text: str, journal: Journal) -> str:
    """Send one message until it is answered, as a person does: read the error, wait, send it again."""
    first = time.time()
    tries = 0
    message_id = uuid.uuid4().hex
    while True:
        tries += 1
        started = time.time()
        try:
            status, body = post(sender, text, message_id)
        except requests.RequestException as error:
            status, body = 0, f"(aucune réponse : {type(error).__name__})"
        shown = reply_text(body)
        ok = status == 200 and bool(shown.strip()) and not any(text in shown for text in FRENCH_FAILURES)
        journal.add(Attempt(sender, text, started, time.time(), ok, shown[:200]))
        if ok:
            journal.add(Turn(sender, text, first, time.time(), tries))
            return shown
        if time.time() - first > GIVE_UP_SECONDS:
            raise RuntimeError(f"{sender} : « {text} » sans réponse après {GIVE_UP_SECONDS:.0f} s")
        time.sleep(random.uniform(*RETRY_AFTER_SECONDS))


def hold_conversations(post: Post, journal: Journal, keep_going: Callable[[], bool],
                       rng: Optional[random.Random] = None) -> None:
    """A person: conversations back to back (a scope check, FAQ questions…), each finished even after
    keep_going() turned false (no conversation is left half done by the person)."""
    rng = rng or random.Random()
    while keep_going():
        for kind, turns in conversations(rng):
            hold_one_conversation(post, journal, kind, turns)


def hold_one_conversation(post: Post, journal: Journal, kind: str, turns: list[tuple[str, Any]]) -> None:
    """One conversation of a new sender, every message answered (sent again until it is)."""
    sender = f"exercice-{kind}-{uuid.uuid4().hex[:10]}"
    if kind == "scope":
        with journal.lock:
            journal.scope_checks.add(sender)
    for text, _expected in turns:
        say_until_answered(post, sender, text, journal)


class FromAddress(HTTPAdapter):
    """Connections from one loopback address: each person has its own, as people have their own address,
    so that nginx's per-address limit counts each person alone (all from 127.0.0.1, their retries after
    a fault arrive together and the limit's burst answers 429)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


_next_address = iter(range(10**6))
_address_lock = threading.Lock()


def person_address() -> str:
    """A loopback address of its own for the next person (127.0.1.1, 127.0.1.2, …)."""
    with _address_lock:
        n = next(_next_address)
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


def as_person(session: requests.Session) -> requests.Session:
    session.mount("http://", FromAddress(person_address()))
    return session


def requests_post(base_url: str, session: Optional[requests.Session] = None) -> Post:
    http = session or as_person(requests.Session())

    def post(sender: str, text: str, message_id: str) -> tuple[int, Any]:
        answer = http.post(base_url + ROUTE, json={"sender": sender, "message": text, "message_id": message_id},
                           timeout=60)
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, answer.text
    return post


# --- the profile under test -----------------------------------------------------------------------


@dataclass
class Profile:
    """`make run-prod` (deploy/run-prod.sh) with the console, supervised, on free ports."""

    state: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="exercice-", dir=REPO / "var")))
    nginx_port: int = field(default_factory=free_port)
    console_port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen[bytes]] = None

    def __post_init__(self) -> None:
        os.chmod(self.state, 0o755)  # PostgreSQL runs as 'postgres' when we are root
        self.env = dict(
            os.environ, PROD_DIR=str(self.state / "prod"), STATE_DIR=str(self.state / "etat"),
            PROD_PORT=str(self.nginx_port), PROD_BRIDGE_PORT=str(free_port()),
            PROD_RASA_PORTS=f"{free_port()} {free_port()}", PROD_RASA_SPARE_PORTS=f"{free_port()} {free_port()}",
            PROD_ACTIONS_PORT=str(free_port()), PG_PORT=str(free_port()), REDIS_PORT=str(free_port()),
            CONSOLE_PORT=str(self.console_port), WEBCHAT_PORT=str(free_port()),
            # The people come from one address: nginx's per-address limits would measure themselves.
            PROD_LIMIT_WEBHOOKS="100000r/s", PROD_LIMIT_MATTERMOST="100000r/s", PROD_LIMIT_SOCKETIO="100000r/s",
        )
        for name in ("RASA_URL", "RASA_CORS", "TRACKER_STORE_URL"):
            self.env.pop(name, None)
        (self.state / "prod").mkdir()
        os.chmod(self.state / "prod", 0o755)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def terminal(self) -> Path:
        return self.state / "terminal.log"

    def start(self) -> None:
        with self.terminal.open("w") as output:
            self.process = subprocess.Popen(["bash", "deploy/run-prod.sh", "console/serve.sh"], cwd=REPO,
                                            env=self.env, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 900
        while "Ctrl-C pour tout arrêter" not in self.terminal.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("le profil de production n'a pas démarré :\n" + self.terminal.read_text()[-3000:])
            time.sleep(0.5)
        wait_until(lambda: answers(f"http://127.0.0.1:{self.console_port}/login"), 300, "la console")
        # The first turns load lazy parts of the pipeline: not part of any drill.
        post = requests_post(self.url)
        for instance in range(4):
            say_until_answered(post, f"echauffement-{instance}", "Bonjour", Journal())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(180)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def pid(self, relative: str) -> int:
        return int((self.state / "prod" / relative).read_text().split()[0])

    def prod(self, *args: str) -> None:
        subprocess.run([str(PROD_SH), *args], cwd=REPO, env=self.env, check=True, timeout=900,
                       stdout=subprocess.DEVNULL)

    def psql(self, query: str, **variables: str) -> list[str]:
        settings = " ".join(f"-v {name}={value}" for name, value in variables.items())
        done = subprocess.run(
            ["bash", "-c", '. deploy/prod-env.sh >/dev/null && PGPASSWORD="$PG_PASSWORD" psql -h "$PG_HOST" '
             f'-p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tA {settings}'],
            input=query, env=self.env, cwd=REPO, capture_output=True, text=True, check=True)
        return [line for line in done.stdout.splitlines() if line.strip()]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> float:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} : toujours pas après {seconds:.0f} s")
        time.sleep(0.2)
    return time.time()


# --- the faults -------------------------------------------------------------------------------------


def kill_9(profile: Profile, pidfile: str) -> Callable[[], None]:
    def fault() -> None:
        os.kill(profile.pid(pidfile), signal.SIGKILL)
    return fault


def restart_postgresql(profile: Profile) -> None:
    data = profile.state / "prod" / "postgres" / "data"
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(pg_ctl), "-D", str(data), "-l", str(data.parent / "postgres.log"), "-m", "fast", "-w", "restart"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, timeout=120, stdout=subprocess.DEVNULL)


def stop_redis_for_10_seconds(profile: Profile) -> None:
    profile.prod("redis-stop")
    time.sleep(10)
    profile.prod("redis-start")


def deploy_a_model(profile: Profile) -> None:
    model = sorted((REPO / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)[-1]
    profile.prod("deploy", str(model))


def faults(profile: Profile) -> dict[str, Callable[[], None]]:
    """Every drill of `make chaos`, by the name docs/reliability.md gives it."""
    return {
        "kill -9 d'une instance Rasa": kill_9(profile, "rasa-1.pid"),
        "kill -9 du serveur d'actions": kill_9(profile, "actions.pid"),
        "kill -9 de la console": kill_9(profile, "log/console.pid"),
        "PostgreSQL redémarré (pg_ctl restart -m fast)": lambda: restart_postgresql(profile),
        "Redis arrêté 10 s puis relancé": lambda: stop_redis_for_10_seconds(profile),
        "modèle mis en service pendant la charge": lambda: deploy_a_model(profile),
    }


# --- what a drill measured ----------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    fault_at: float
    fault_seconds: float  # how long making the fault took (a deploy, Redis's 10 s)
    turns: int = 0
    failed_attempts: int = 0
    silent_failures: int = 0  # failed attempts that did not show the French message
    longest_wait: float = 0.0
    recovered_after: float = 0.0  # from the fault to the last failed attempt's end
    lost: int = 0
    duplicated: int = 0
    scope_checks: int = 0
    scope_without_verdict: int = 0
    part_back_after: Optional[float] = None  # the part killed answers again (restarted by the supervision)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.silent_failures or self.lost or self.duplicated or self.scope_without_verdict)


def measure(profile: Profile, name: str, fault_at: float, fault_seconds: float, journal: Journal) -> Outcome:
    """Read the journal of the drill's people, then check every conversation in PostgreSQL."""
    outcome = Outcome(name, fault_at, fault_seconds, turns=len(journal.turns))
    failed = [attempt for attempt in journal.attempts if not attempt.ok]
    outcome.failed_attempts = len(failed)
    unreadable = [attempt for attempt in failed if not any(text in attempt.shown for text in FRENCH_FAILURES)]
    outcome.silent_failures = len(unreadable)
    outcome.problems += sorted({attempt.shown for attempt in unreadable})[:5]
    outcome.longest_wait = max((turn.answered - turn.started for turn in journal.turns), default=0.0)
    outcome.recovered_after = max((attempt.ended - fault_at for attempt in failed), default=0.0)
    answered: dict[str, list[str]] = {}
    for turn in sorted(journal.turns, key=lambda turn: turn.answered):
        answered.setdefault(turn.sender, []).append(turn.text)
    stored = stored_user_messages(profile, list(answered))
    for sender, texts in answered.items():
        kept = stored.get(sender, [])
        outcome.lost += sum(max(0, texts.count(text) - kept.count(text)) for text in set(texts))
        outcome.duplicated += sum(max(0, kept.count(text) - texts.count(text)) for text in set(kept))
        if kept != texts and len(outcome.problems) < 10:
            outcome.problems.append(f"{sender} : répondus {len(texts)}, gardés {len(kept)} ; "
                                    f"en trop {[t for t in set(kept) if kept.count(t) > texts.count(t)]}, "
                                    f"manquants {[t for t in set(texts) if texts.count(t) > kept.count(t)]}")
    verdicts = senders_with_verdict(profile, sorted(journal.scope_checks))
    outcome.scope_checks = len(journal.scope_checks)
    outcome.scope_without_verdict = len(journal.scope_checks - verdicts)
    return outcome


def stored_user_messages(profile: Profile, senders: list[str]) -> dict[str, list[str]]:
    rows = profile.psql(
        "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE 'exercice-%' ORDER BY id")
    wanted = set(senders)
    stored: dict[str, list[str]] = {}
    for row in rows:
        sender, data = row.split("|", 1)
        if sender in wanted:
            stored.setdefault(sender, []).append(json.loads(data)["text"])
    return stored


def senders_with_verdict(profile: Profile, senders: list[str]) -> set[str]:
    """Conversations whose scope check ended: the verdict slot set, and no form left active."""
    rows = profile.psql(
        "SELECT sender_id, data FROM events WHERE sender_id LIKE 'exercice-scope-%' "
        "AND type_name IN ('slot', 'active_loop') ORDER BY id")
    verdict: dict[str, bool] = {}
    loop_active: dict[str, bool] = {}
    for row in rows:
        sender, data = row.split("|", 1)
        event = json.loads(data)
        if event["event"] == "slot" and event.get("name") == "scope_verdict":
            verdict[sender] = event.get("value") is not None
        elif event["event"] == "active_loop":
            loop_active[sender] = event.get("name") is not None
    return {sender for sender in senders if verdict.get(sender) and not loop_active.get(sender)}


def part_back(profile: Profile, name: str) -> Optional[Callable[[], bool]]:
    """For a drill that kills a part: a check that the part answers again (a new process, restarted by the
    supervision of deploy/run-prod.sh), else None."""
    before: dict[str, int] = {}

    def new_process(pidfile: str) -> bool:
        try:
            return profile.pid(pidfile) != before[pidfile]
        except (OSError, ValueError):
            return False

    for pidfile in ("rasa-1.pid", "actions.pid", "log/console.pid"):
        before[pidfile] = profile.pid(pidfile)
    env = profile.env
    if "instance" in name:
        return lambda: new_process("rasa-1.pid") and answers(
            f"http://127.0.0.1:{(profile.state / 'prod' / 'rasa-1.port').read_text().strip()}/version")
    if "actions" in name:
        return lambda: new_process("actions.pid") and answers(f"http://127.0.0.1:{env['PROD_ACTIONS_PORT']}/health")
    if "console" in name:
        return lambda: new_process("log/console.pid") and answers(f"http://127.0.0.1:{profile.console_port}/login")
    return None


def run_drill(profile: Profile, name: str, fault: Callable[[], None], people: int, before: float,
              after: float, journal: Journal) -> Outcome:
    """People talk (threads); the fault comes after `before` seconds; they stop `after` seconds later and
    finish their conversations; then the drill is measured."""
    talking = True
    threads = [threading.Thread(target=hold_conversations, daemon=True,
                                args=(requests_post(profile.url), journal, lambda: talking, random.Random(n)))
               for n in range(people)]
    for thread in threads:
        thread.start()
    time.sleep(before)
    outcome = make_fault(profile, name, fault, lambda: time.sleep(after))
    talking = False
    for thread in threads:
        thread.join(GIVE_UP_SECONDS + 60)
    return outcome.finish(profile, journal)


@dataclass
class Fault:
    name: str
    at: float
    seconds: float
    part_back_after: Optional[float]

    def finish(self, profile: Profile, journal: Journal) -> Outcome:
        outcome = measure(profile, self.name, self.at, self.seconds, journal)
        outcome.part_back_after = self.part_back_after
        return outcome


def make_fault(profile: Profile, name: str, fault: Callable[[], None], meanwhile: Callable[[], None]) -> Fault:
    """Make the fault, then let `meanwhile` run (the people keep talking); how long the part took to come back."""
    back = part_back(profile, name)
    at = time.time()
    fault()
    seconds = time.time() - at
    back_at = wait_until(back, 600, f"{name} : la partie") if back else None
    meanwhile()
    return Fault(name, at, seconds, None if back_at is None else back_at - at)
