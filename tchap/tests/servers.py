"""Real servers for the bridge tests: a Synapse homeserver and the bridge itself (the assistant is the
run's Rasa test stack, fixture `rasa_stack` of ops/teststack.py).

All listen on loopback, on free ports, with their data in temporary folders; each is started and
stopped by the pytest fixtures of conftest.py, with the shared `start_and_wait` helper.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from teststack import free_port, start_and_wait, stop_process

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNAPSE_PYTHON = REPO_ROOT / ".venv-synapse" / "bin" / "python"
BRIDGE_PYTHON = REPO_ROOT / ".venv-tchap" / "bin" / "python"


def http_json(method: str, url: str, body: Any = None, token: str = "", timeout: float = 10) -> tuple[int, Any]:
    """Small blocking HTTP helper returning (status, decoded JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


class Synapse:
    """A throwaway Synapse homeserver on loopback with SQLite."""

    def __init__(self, workdir: Path, server_name: str = "agents.tchap.localhost") -> None:
        self.workdir = workdir
        self.server_name = server_name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.log = workdir / "synapse.out"

    def configure(self) -> None:
        base = self.workdir / "homeserver.yaml"
        subprocess.run(
            [
                str(SYNAPSE_PYTHON),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                self.server_name,
                "--config-path",
                str(base),
                "--data-directory",
                str(self.workdir),
                "--generate-config",
                "--report-stats=no",
            ],
            check=True,
            capture_output=True,
            cwd=self.workdir,
        )
        high = {"per_second": 1000, "burst_count": 1000}
        override = {
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.workdir / "homeserver.db")}},
            "registration_shared_secret": self.shared_secret,
            "enable_registration": False,
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "rc_message": high,
            "rc_login": {"address": high, "account": high, "failed_attempts": high},
            "rc_registration": high,
            "rc_joins": {"local": high, "remote": high},
            "rc_invites": {"per_room": high, "per_user": high, "per_issuer": high},
        }
        # Synapse reads JSON as YAML; later config files override top-level keys of earlier ones.
        (self.workdir / "override.yaml").write_text(json.dumps(override))

    def start(self) -> None:
        self.process = start_and_wait(
            [
                str(SYNAPSE_PYTHON),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.workdir / "homeserver.yaml"),
                "-c",
                str(self.workdir / "override.yaml"),
            ],
            "Synapse",
            f"{self.url}/_matrix/client/versions",
            self.log,
            cwd=self.workdir,
            timeout=120,
        )

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Register a user with the shared secret (Synapse admin API); returns the MXID."""
        url = f"{self.url}/_synapse/admin/v1/register"
        _, nonce_body = http_json("GET", url)
        nonce = nonce_body["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join([nonce.encode(), localpart.encode(), password.encode(), b"admin" if admin else b"notadmin"])
        )
        status, body = http_json(
            "POST",
            url,
            {"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()},
        )
        assert status == 200, body
        return body["user_id"]

    def admin_token(self) -> str:
        """Access token of an administrator account (created on first use)."""
        if not getattr(self, "_admin_token", ""):
            password = secrets.token_urlsafe(12)
            self.register("admin-tests", password, admin=True)
            self._admin_token = self.login_token("admin-tests", password)
        return self._admin_token

    def login_token(self, localpart: str, password: str) -> str:
        status, body = http_json(
            "POST",
            f"{self.url}/_matrix/client/v3/login",
            {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": localpart}, "password": password},
        )
        assert status == 200, body
        return body["access_token"]


class Bridge:
    """The bridge process (python -m matrix_bridge from .venv-tchap)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = workdir / "bridge.log"
        self.health_url = env["TCHAP_CALLBACK_URL"].split("/rasa/")[0] + "/health"

    def start(self, **overrides: str) -> None:
        env = {**os.environ, **self.env, **overrides, "PYTHONPATH": str(REPO_ROOT / "tchap")}
        self.process = start_and_wait(
            [str(BRIDGE_PYTHON), "-m", "matrix_bridge"], "bridge", self.health_url, self.log,
            env=env, cwd=REPO_ROOT, timeout=60,
        )

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")
