"""Drive the production profile (deploy/prod.sh) from the tests: real PostgreSQL, Redis, Rasa
instances, action server and nginx, on free loopback ports, with state in a temporary dir."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from teststack import free_port

REPO = Path(__file__).resolve().parents[2]
PROD_SH = REPO / "deploy" / "prod.sh"
TIMEOUT = 120


@dataclass
class Cluster:
    """One production-profile topology with its own ports and state dir."""

    instances: dict[str, int]  # name → port at start (a deploy moves it to its spare port, and back)
    spare_ports: dict[str, int] = field(default_factory=dict)
    state_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cac-prod-")))
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    nginx_port: int = field(default_factory=free_port)
    bridge_port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        # PostgreSQL runs as the 'postgres' user when we are root: it must reach its data dir.
        os.chmod(self.state_dir, 0o755)
        for name in self.instances:
            self.spare_ports.setdefault(name, free_port())

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PROD_DIR=str(self.state_dir),
            PROD_PORT=str(self.nginx_port),
            PROD_BRIDGE_PORT=str(self.bridge_port),
            PROD_RASA_PORTS=" ".join(str(p) for p in self.instances.values()),
            PROD_RASA_SPARE_PORTS=" ".join(str(self.spare_ports[name]) for name in self.instances),
            PROD_ACTIONS_PORT=str(self.actions_port),
            PG_PORT=str(self.pg_port),
            REDIS_PORT=str(self.redis_port),
        )
        return env

    def run(self, *args: str, timeout: int = 400) -> None:
        """Run one deploy/prod.sh command; its output is shown when it fails."""
        done = subprocess.run(
            [str(PROD_SH), *args], env=self.env, cwd=REPO, timeout=timeout,
            capture_output=True, text=True,
        )
        assert done.returncode == 0, f"prod.sh {' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    def setting(self, name: str) -> str:
        """A value deploy/prod-env.sh gives this cluster (secrets included)."""
        done = subprocess.run(
            ["bash", "-c", f'. deploy/prod-env.sh >/dev/null && printf %s "${name}"'],
            env=self.env, cwd=REPO, capture_output=True, text=True, check=True,
        )
        return done.stdout

    @property
    def token(self) -> str:
        return self.setting("RASA_AUTH_TOKEN")

    def sqlalchemy_url(self, driver: str) -> str:
        """URL of this cluster's PostgreSQL tracker database, for other parts (the console)."""
        return f"{driver}://rasa:{self.setting('PG_PASSWORD')}@127.0.0.1:{self.pg_port}/rasa"

    def start_stores(self) -> None:
        self.run("pg-start")
        self.run("redis-start")

    def start_rasa(self, *names: str) -> None:
        """Start the named instances in parallel and wait until each answers."""
        for name in names:
            self.run("rasa-start", name, str(self.instances[name]))
        for name in names:
            self.run("rasa-wait", str(self.instances[name]))

    def start_all(self) -> None:
        self.start_stores()
        self.run("actions-start")
        self.start_rasa(*self.instances)
        self.run("nginx-start")

    def stop_all(self) -> None:
        self.run("stop")

    def remove(self) -> None:
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def pid(self, name: str) -> int:
        return int((self.state_dir / f"rasa-{name}.pid").read_text())

    def port(self, name: str) -> int:
        """The port instance `name` listens on now (deploy/prod.sh records it; a deploy changes it)."""
        recorded = self.state_dir / f"rasa-{name}.port"
        return int(recorded.read_text()) if recorded.exists() else self.instances[name]

    def deploy(self, model: Path) -> subprocess.CompletedProcess[str]:
        """`deploy/prod.sh deploy MODEL`, as the console runs it."""
        return subprocess.run([str(PROD_SH), "deploy", str(model)], env=self.env, cwd=REPO, timeout=1800,
                              capture_output=True, text=True)

    def sigkill(self, name: str) -> None:
        """Kill an instance the hard way: no shutdown hook runs, whatever it was doing."""
        os.kill(self.pid(name), signal.SIGKILL)
        # Not our child (deploy/prod.sh started it), so no waitpid: wait until the kernel has closed its
        # sockets (its port refuses connections), or nginx could still hand a request to the dying process.
        deadline = time.monotonic() + 30
        while _accepts_connections(self.port(name)):
            assert time.monotonic() < deadline, f"instance {name} still alive 30 s after SIGKILL"
            time.sleep(0.05)

    def url(self, name: str | None = None) -> str:
        """Base URL of one instance, or of nginx when name is None."""
        port = self.nginx_port if name is None else self.port(name)
        return f"http://127.0.0.1:{port}"

    def say(self, sender: str, message: str, name: str | None = None) -> list[dict[str, Any]]:
        """One turn over the REST channel; returns the bot messages."""
        answer = requests.post(
            f"{self.url(name)}/webhooks/rest/webhook",
            json={"sender": sender, "message": message}, timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def tracker(self, sender: str, name: str | None = None) -> dict[str, Any]:
        answer = requests.get(
            f"{self.url(name)}/conversations/{sender}/tracker",
            params={"token": self.token}, timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def events_in_database(self, sender: str) -> list[dict[str, Any]]:
        """The events of one conversation read straight from PostgreSQL, in stored order."""
        query = (
            "SELECT data FROM events WHERE sender_id = :'sender' ORDER BY id"
        )
        done = subprocess.run(
            ["bash", "-c",
             '. deploy/prod-env.sh >/dev/null && PGPASSWORD="$PG_PASSWORD" psql -h "$PG_HOST" '
             '-p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tA -v sender="$SENDER"'],
            input=query, env={**self.env, "SENDER": sender}, cwd=REPO,
            capture_output=True, text=True, check=True,
        )
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def bot_texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def button_payload(messages: list[dict[str, Any]], *words: str) -> str:
    """The payload of the first button whose title or payload contains one of the words."""
    for message in messages:
        for button in message.get("buttons") or []:
            label = f"{button.get('title', '')} {button.get('payload', '')}".lower()
            if any(word.lower() in label for word in words):
                return button["payload"]
    raise AssertionError(f"no button among {words} in {messages}")


def _accepts_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
