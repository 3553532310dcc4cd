"""The deploy files are safe as shipped (docs/security.md).

nginx: the configuration deploy/prod.sh renders is run for real, in front of a stand-in for Rasa that
records what reaches it. Docker/compose and Kubernetes cannot run here: their files are read and
checked point by point.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from prodcluster import PROD_SH, REPO, free_port

DEPLOY = REPO / "deploy"
VALUES = yaml.safe_load((DEPLOY / "k8s" / "values.yml").read_text(encoding="utf-8"))
NETWORK_POLICIES = [
    doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "networkpolicy.yml").read_text(encoding="utf-8")) if doc
]
COMPOSE_NGINX = (DEPLOY / "docker" / "nginx.conf").read_text(encoding="utf-8")
RASA_POD = {"app.kubernetes.io/name": "rasa", "app.kubernetes.io/instance": "cloud-au-centre"}


# --- nginx, run for real ----------------------------------------------------------------------------


class StandInRasa(BaseHTTPRequestHandler):
    """Answers 200 to everything and records the paths it was asked for."""

    seen: list[str] = []

    def _answer(self) -> None:
        self.seen.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@dataclass
class Doors:
    public: str
    bridge: str
    seen: list[str]
    access_log: Path
    env: dict[str, str] = field(default_factory=dict)


def prod_env(state_dir: Path, **ports: int) -> dict[str, str]:
    env = dict(os.environ, PROD_DIR=str(state_dir))
    env.update({name: str(port) for name, port in ports.items()})
    return env


class StandInServer(ThreadingHTTPServer):
    # The flood tests open 20 connections at once: the default listen backlog (5) made a loaded machine
    # drop some, and nginx answered 504 after its 2-second connect timeout: a stand-in fault, not the door's.
    request_queue_size = 128


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Doors]:
    StandInRasa.seen = []
    upstream = StandInServer(("127.0.0.1", 0), StandInRasa)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    state = tmp_path_factory.mktemp("nginx-doors")
    public, bridge = free_port(), free_port()
    env = prod_env(state, PROD_PORT=public, PROD_BRIDGE_PORT=bridge, PROD_RASA_PORTS=upstream.server_address[1])
    subprocess.run([str(PROD_SH), "nginx-start"], env=env, cwd=REPO, check=True, capture_output=True)
    try:
        yield Doors(f"http://127.0.0.1:{public}", f"http://127.0.0.1:{bridge}", StandInRasa.seen,
                    state / "nginx" / "access.log", env)
    finally:
        subprocess.run([str(PROD_SH), "nginx-stop"], env=env, cwd=REPO, check=False)
        upstream.shutdown()


def test_the_public_door_does_not_route_the_callback_channel(doors: Doors) -> None:
    for path in ("/webhooks/callback/webhook", "/webhooks/callback/", "/webhooks//callback/webhook",
                 "/webhooks/%63allback/webhook", "/webhooks/callback"):
        answer = requests.post(doors.public + path, json={"sender": "tchap:!a:b:@c:b", "message": "x"}, timeout=10)
        assert answer.status_code == 404, path
    assert not [path for path in doors.seen if "callback" in path]


def test_the_bridge_door_routes_the_callback_channel_and_nothing_else(doors: Doors) -> None:
    assert requests.post(doors.bridge + "/webhooks/callback/webhook", json={}, timeout=10).status_code == 200
    assert doors.seen[-1] == "/webhooks/callback/webhook"
    for path in ("/webhooks/rest/webhook", "/conversations/x/tracker", "/socket.io/"):
        assert requests.post(doors.bridge + path, json={}, timeout=10).status_code == 404, path


def test_the_public_channels_are_routed(doors: Doors) -> None:
    for path in ("/webhooks/rest/webhook", "/webhooks/mattermost/webhook"):
        assert requests.post(doors.public + path, json={}, timeout=10).status_code == 200, path
    assert requests.get(doors.public + "/socket.io/?EIO=4&transport=polling", timeout=10).status_code == 200


@pytest.mark.parametrize("path, allowance", [("/webhooks/rest/webhook", 20), ("/socket.io/?EIO=4", 60)])
def test_one_address_flooding_a_public_door_gets_429(doors: Doors, path: str, allowance: int) -> None:
    """A flood is many requests at once: sent by 20 threads, so that a slow machine (each request taking
    longer than the rate's interval) cannot refill nginx's bucket between them and hide the limit."""
    first = requests.post(doors.public + path, data=b"{}", timeout=10).status_code

    def post(_: int) -> int:
        return requests.post(doors.public + path, data=b"{}", timeout=30).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, range(allowance + 60)))
    assert first == 200
    assert statuses.count(429) >= 10, statuses
    assert set(statuses) <= {200, 429}, statuses


def test_the_access_log_never_keeps_the_api_token(doors: Doors) -> None:
    requests.get(doors.public + "/status?token=le-jeton-secret", timeout=10)
    # nginx writes the line once the response is sent: the client may read the file a moment before.
    deadline = time.monotonic() + 10
    while '"GET /status HTTP/1.1" 200' not in (log := doors.access_log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"GET /status HTTP/1.1" 200' in log
    assert "le-jeton-secret" not in log and "token=" not in log


def test_every_door_listens_on_loopback_only() -> None:
    rendered = subprocess.run([str(PROD_SH), "nginx-config"], env=prod_env(Path("/tmp/unused")), cwd=REPO,
                              check=True, capture_output=True, text=True).stdout
    listens = re.findall(r"^\s*listen\s+([^;]+);", rendered, flags=re.M)
    assert len(listens) == 2 and all(value.startswith("127.0.0.1:") for value in listens), listens


# --- the compose topology's nginx -------------------------------------------------------------------


def location_block(config: str, prefix: str) -> str:
    match = re.search(r"location\s+(?:\^~\s+)?" + re.escape(prefix) + r"\s*\{(.*?)\}", config, flags=re.S)
    assert match, f"no location {prefix}"
    return match.group(1)


def test_compose_nginx_closes_the_callback_channel_and_limits_the_public_doors() -> None:
    assert "return 404" in location_block(COMPOSE_NGINX, "/webhooks/callback")
    for prefix in ("/webhooks/", "/webhooks/mattermost/", "/socket.io/"):
        assert "limit_req zone=" in location_block(COMPOSE_NGINX, prefix), prefix
    assert re.search(r"access_log \S+ without_query;", COMPOSE_NGINX)
    assert "$request " not in COMPOSE_NGINX and "$request_uri" not in COMPOSE_NGINX


# --- the Rasa image ---------------------------------------------------------------------------------


def dockerfile_instruction(name: str) -> list[str]:
    """An exec-form instruction of Dockerfile.rasa (continuation lines joined)."""
    text = (DEPLOY / "docker" / "Dockerfile.rasa").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(rf"^{name} (\[.*\])$", text, flags=re.M)
    assert match, f"no {name} in Dockerfile.rasa"
    return json.loads(match.group(1))


def test_the_rasa_image_refuses_to_open_its_api_without_a_token() -> None:
    """Rasa 3.6 never reads RASA_AUTH_TOKEN: the image's entry point does, and refuses to start without it."""
    entrypoint, command = dockerfile_instruction("ENTRYPOINT"), dockerfile_instruction("CMD")
    assert "--enable-api" in command and "--auth-token" not in command
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_AUTH_TOKEN", "RASA_JWT_SECRET")}
    for token in (None, "change-me"):  # unset, or deploy/prod.env.example's placeholder
        run_env = env if token is None else {**env, "RASA_AUTH_TOKEN": token}
        done = subprocess.run([sys.executable if part == "python" else part for part in entrypoint] + command,
                              cwd=REPO, env=run_env, capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and "Rasa refuse de démarrer" in done.stderr + done.stdout, token


def test_compose_passes_no_secret_on_the_command_line() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        command = " ".join(service.get("command") or [])
        assert "TOKEN" not in command and "--auth-token" not in command, name


# --- Kubernetes -------------------------------------------------------------------------------------


def test_k8s_command_line_carries_no_secret_and_no_chart_default() -> None:
    """The chart's own command line passes --auth-token $(RASA_TOKEN) --jwt-secret $(JWT_SECRET) from a
    Secret where an empty value becomes "UNSET": the values replace it and give no secret on it."""
    args = VALUES.get("args")
    assert args and args[:2] == ["run", "--enable-api"]
    assert not [arg for arg in args if "$(" in str(arg) or arg in ("--auth-token", "--jwt-secret")]
    assert VALUES["applicationSettings"]["cors"] not in ("*", "")


def test_k8s_token_and_jwt_secret_come_from_a_kubernetes_secret() -> None:
    env = {item["name"]: item for item in VALUES["extraEnv"]}
    for name in ("RASA_AUTH_TOKEN", "RASA_JWT_SECRET", "TCHAP_CALLBACK_TOKEN", "MATTERMOST_WEBHOOK_TOKEN"):
        assert "value" not in env[name], f"{name} must not be written in the values"
        assert env[name]["valueFrom"]["secretKeyRef"]["name"].startswith("cloud-au-centre-"), name


def ingress_paths() -> list[str]:
    ingress = VALUES["ingress"]
    return [ingress["path"], *[extra["path"] for extra in ingress.get("extraPaths") or []]]


def test_k8s_ingress_exposes_only_the_public_channels() -> None:
    paths = ingress_paths()
    assert "/socket.io/" in paths and "/webhooks/rest/" in paths and "/fiches/" in paths
    assert all(path.startswith(("/webhooks/", "/socket.io/", "/fiches/")) for path in paths), paths
    assert not [path for path in paths if path.startswith("/webhooks/callback")]
    annotations = VALUES["ingress"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/limit-rps"]) > 0


def policy_for(labels: dict[str, str]) -> dict[str, Any]:
    for policy in NETWORK_POLICIES:
        if policy["spec"]["podSelector"].get("matchLabels") == labels:
            return policy
    raise AssertionError(f"no NetworkPolicy selects {labels}")


def test_k8s_network_policies_isolate_rasa_the_actions_and_the_stores() -> None:
    assert all(policy["kind"] == "NetworkPolicy" for policy in NETWORK_POLICIES)
    rasa = policy_for(RASA_POD)
    assert set(rasa["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert [port["port"] for rule in rasa["spec"]["ingress"] for port in rule["ports"]] == [5005]
    actions = policy_for({"app.kubernetes.io/name": "rasa-action-server"})
    [rule] = actions["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": RASA_POD}}]
    assert actions["spec"]["egress"] == []
    for store in ("postgresql", "redis"):
        policy = policy_for({"app.kubernetes.io/name": store})
        sources = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
        assert {"podSelector": {"matchLabels": RASA_POD}} in sources, store
        assert all("podSelector" in peer and "namespaceSelector" not in peer for peer in sources), store


SHEETS_DOCS = [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "sheets.yml").read_text(encoding="utf-8")) if doc]


def test_the_orientation_sheet_is_published_beside_socket_io_everywhere() -> None:
    """nginx (local profile and Compose) routes /fiches/ to the sheet service with a rate limit and a small body;
    Kubernetes publishes it through the ingress, to the sheet service only, and lets only the ingress, the
    bridge, the console and Rasa reach it; its secrets come from the Secrets."""
    for conf in ((DEPLOY / "nginx.conf").read_text(), (DEPLOY / "docker" / "nginx.conf").read_text()):
        block = conf.split("location /fiches/ {", 1)[1].split("\n    }", 1)[0]
        assert "limit_req zone=webhooks" in block and "client_max_body_size 4k;" in block
        assert "proxy_pass http://127.0.0.1:${SHEETS_PORT};" in block or "proxy_pass http://sheets:5057;" in block
    extra = {item["path"]: item["backend"]["service"]["name"] for item in VALUES["ingress"]["extraPaths"]}
    assert extra["/fiches/"] == "cloud-au-centre-sheets"
    kinds = {doc["kind"]: doc for doc in SHEETS_DOCS}
    assert set(kinds) == {"Deployment", "Service", "NetworkPolicy"}
    sources = [next(iter(rule.values())) for rule in kinds["NetworkPolicy"]["spec"]["ingress"][0]["from"]]
    assert {"kubernetes.io/metadata.name": "ingress-nginx"} in [s["matchLabels"] for s in sources]
    env = {item["name"]: item for item in kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    for name in ("RASA_AUTH_TOKEN", "TCHAP_CALLBACK_TOKEN"):
        assert "value" not in env[name] and env[name]["valueFrom"]["secretKeyRef"]["name"].startswith("cloud-au-centre-")
    secret_keys = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in VALUES["extraEnv"] if "valueFrom" in item}
    assert env["RASA_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"] == secret_keys["RASA_AUTH_TOKEN"]
