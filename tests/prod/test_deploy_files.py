"""The Docker/compose and Kubernetes files cannot run on this machine (no Docker engine, no cluster):
these tests parse them and check they describe the same topology as the local production profile
(deploy/prod-env.sh, deploy/endpoints.prod.yml, deploy/nginx.conf, credentials.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def local_default(name: str) -> str:
    """The default of NAME in deploy/prod-env.sh: export NAME="${NAME:-default}"."""
    text = (DEPLOY / "prod-env.sh").read_text(encoding="utf-8")
    match = re.search(rf'export {name}="\$\{{{name}:-([^}}]*)\}}"', text)
    assert match, f"{name} has no default in deploy/prod-env.sh"
    return match.group(1)


LOCAL_RASA_PORTS = [int(p) for p in local_default("PROD_RASA_PORTS").split()]
LOCAL_PUBLIC_PORT = int(local_default("PROD_PORT"))
LOCAL_ACTIONS_PORT = int(local_default("PROD_ACTIONS_PORT"))
ENDPOINTS = load_yaml(DEPLOY / "endpoints.prod.yml")
CREDENTIALS = load_yaml(REPO / "credentials.yml")
COMPOSE = load_yaml(DEPLOY / "compose.yml")
VALUES = load_yaml(DEPLOY / "k8s" / "values.yml")
DOCKERFILE_RASA = (DEPLOY / "docker" / "Dockerfile.rasa").read_text(encoding="utf-8")
DOCKERFILE_ACTIONS = (DEPLOY / "docker" / "Dockerfile.actions").read_text(encoding="utf-8")


def rasa_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in COMPOSE["services"].items() if name.startswith("rasa-")}


def option(command: list[str], flag: str) -> str:
    assert flag in command, f"{flag} missing from {command}"
    return command[command.index(flag) + 1]


def nginx_upstreams(text: str) -> dict[str, dict[str, Any]]:
    """upstream name → its balancing directive and its servers' ports."""
    blocks = {}
    for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", text, flags=re.S):
        blocks[name] = {
            "hash": "hash $remote_addr consistent" in body,
            "ports": [int(p) for p in re.findall(r"server [\w.\-]+:(\d+)", body)],
        }
    return blocks


def test_local_profile_has_two_instances_behind_the_public_port() -> None:
    assert len(LOCAL_RASA_PORTS) >= 2
    assert LOCAL_PUBLIC_PORT == 5005 and LOCAL_PUBLIC_PORT not in LOCAL_RASA_PORTS
    assert LOCAL_ACTIONS_PORT == 5055


def test_local_stores_are_postgresql_and_redis() -> None:
    assert ENDPOINTS["tracker_store"]["type"] == "stores.sql.SafeSQLTrackerStore"
    assert ENDPOINTS["tracker_store"]["dialect"] == "postgresql"
    assert ENDPOINTS["lock_store"]["type"] == "stores.redis_lock.AtomicRedisLockStore"
    assert "${ACTION_ENDPOINT_URL}" in ENDPOINTS["action_endpoint"]["url"]


def test_compose_runs_as_many_rasa_instances_on_the_same_ports() -> None:
    services = rasa_services()
    assert len(services) == len(LOCAL_RASA_PORTS)
    ports = sorted(int(option(s["command"], "--port")) for s in services.values())
    assert ports == sorted(LOCAL_RASA_PORTS)


def test_compose_instances_use_the_same_stores_model_and_channels() -> None:
    for name, service in rasa_services().items():
        command = service["command"]
        assert option(command, "--endpoints") == "deploy/endpoints.prod.yml", name
        assert option(command, "--credentials") == "credentials.yml", name
        assert option(command, "--model") == "models", name
        assert "--enable-api" in command and "--auth-token" not in command, name
        assert "RASA_AUTH_TOKEN" in service["environment"], name
        env = service["environment"]
        assert env["PG_HOST"] == "postgres" and env["REDIS_HOST"] == "redis", name
        assert env["ACTION_ENDPOINT_URL"] == f"http://actions:{LOCAL_ACTIONS_PORT}/webhook", name
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres:")
    assert COMPOSE["services"]["redis"]["image"].startswith("redis:")
    # The image holds the same endpoints file, credentials and model folder the commands name.
    assert "COPY deploy/endpoints.prod.yml ./deploy/endpoints.prod.yml" in DOCKERFILE_RASA
    assert re.search(r"COPY config.yml credentials.yml", DOCKERFILE_RASA)
    assert "COPY models ./models" in DOCKERFILE_RASA
    assert "--port\", \"5055\"" in DOCKERFILE_ACTIONS
    assert str(LOCAL_ACTIONS_PORT) in COMPOSE["services"]["actions"]["expose"]


def test_compose_image_ships_every_custom_channel_of_credentials() -> None:
    custom = [name for name in CREDENTIALS if "." in name]
    for dotted in custom:
        package = dotted.split(".")[0]
        assert f"COPY {package} ./{package}" in DOCKERFILE_RASA, f"custom channel {dotted} not in image"


def test_image_ships_every_custom_component_of_the_pipeline() -> None:
    """The model names components.* classes: Rasa imports them when it loads the model."""
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    custom = [item["name"] for item in config["pipeline"] + config.get("policies", []) if "." in item["name"]]
    assert custom, "config.yml names no custom component: this test checks nothing"
    for dotted in custom:
        package = dotted.split(".")[0]
        assert f"COPY {package} ./{package}" in DOCKERFILE_RASA, f"custom component {dotted} not in image"


def local_packages_imported_by(package: str) -> set[str]:
    """Top-level packages of this repository that the modules of ``package`` import."""
    ours = {path.parent.name for path in REPO.glob("*/__init__.py")}
    imported = set()
    for module in (REPO / package).glob("*.py"):
        imported |= set(re.findall(r"^\s*(?:from|import)\s+(\w+)", module.read_text(encoding="utf-8"), flags=re.M))
    return imported & ours


def test_image_starts_rasa_through_the_launcher_that_applies_the_fixes() -> None:
    """Like ops/stack.sh and deploy/prod.sh: `python -m rasa_patches` then Rasa's own CLI."""
    assert 'ENTRYPOINT ["python", "-m", "rasa_patches"]' in DOCKERFILE_RASA
    assert "COPY rasa_patches ./rasa_patches" in DOCKERFILE_RASA
    assert 'CMD ["run", "--enable-api"' in DOCKERFILE_RASA


def test_image_ships_the_local_packages_its_custom_modules_import() -> None:
    """A custom module importing a package the image lacks would stop Rasa at start-up."""
    copied = set(re.findall(r"^COPY (\w+) \./\1$", DOCKERFILE_RASA, flags=re.M))
    assert {"stores", "channels", "rasa_patches"} <= copied
    for package in sorted(copied):
        missing = local_packages_imported_by(package) - copied
        assert not missing, f"{package}/ imports {missing}, not copied into the Rasa image"


def variables(path: Path) -> set[str]:
    """Names of the ${VAR} that Rasa expands in a YAML file (comments excluded)."""
    text = "\n".join(line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines())
    return set(re.findall(r"\$\{(\w+)\}", text))


def test_compose_instances_define_every_variable_rasa_expands() -> None:
    """Rasa refuses to start when credentials.yml or the endpoints use an unset variable."""
    needed = variables(REPO / "credentials.yml") | variables(DEPLOY / "endpoints.prod.yml")
    for name, service in rasa_services().items():
        assert needed <= set(service["environment"]), (name, needed - set(service["environment"]))


def test_k8s_defines_every_variable_the_channels_expand() -> None:
    channels = VALUES["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    needed = set(re.findall(r"\$\{(\w+)\}", yaml.safe_dump(channels)))
    defined = {item["name"] for item in VALUES["extraEnv"]}
    assert needed <= defined, needed - defined


def test_compose_nginx_routes_like_the_local_nginx() -> None:
    local = nginx_upstreams((DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    compose = nginx_upstreams((DEPLOY / "docker" / "nginx.conf").read_text(encoding="utf-8"))
    assert set(local) == set(compose) == {"rasa_socketio", "rasa_pool"}
    for name in local:
        assert local[name]["hash"] == compose[name]["hash"], name
        assert sorted(compose[name]["ports"]) == sorted(LOCAL_RASA_PORTS), name
    assert local["rasa_socketio"]["hash"] and not local["rasa_pool"]["hash"]
    compose_nginx = COMPOSE["services"]["nginx"]
    assert f"127.0.0.1:{LOCAL_PUBLIC_PORT}:{LOCAL_PUBLIC_PORT}" in compose_nginx["ports"]
    assert f"listen {LOCAL_PUBLIC_PORT};" in (DEPLOY / "docker" / "nginx.conf").read_text()


def test_k8s_values_have_the_same_instances_stores_and_channels() -> None:
    settings = VALUES["applicationSettings"]
    assert VALUES["replicaCount"] == len(LOCAL_RASA_PORTS)
    assert settings["port"] == LOCAL_PUBLIC_PORT
    tracker, lock = settings["endpoints"]["trackerStore"], settings["endpoints"]["lockStore"]
    assert tracker["enabled"] and lock["enabled"]
    assert tracker["type"].lower() == ENDPOINTS["tracker_store"]["type"].lower()
    assert tracker["dialect"] == ENDPOINTS["tracker_store"]["dialect"]
    assert lock["type"] == ENDPOINTS["lock_store"]["type"]
    assert VALUES["postgresql"]["install"] and VALUES["redis"]["install"]
    assert settings["endpoints"]["action"]["endpointURL"].endswith(f":{LOCAL_ACTIONS_PORT}/webhook")
    channels = settings["credentials"]["additionalChannelCredentials"]
    assert set(channels) == set(CREDENTIALS)
    for name, settings_of_channel in CREDENTIALS.items():
        assert (channels[name] or {}) == (settings_of_channel or {}), name
    # The model baked in the image (WORKDIR /app, COPY models ./models), no training in the cluster.
    assert "WORKDIR /app" in DOCKERFILE_RASA
    assert option(VALUES["args"], "--model") == "/app/models"
    assert not settings["trainInitialModel"] and not settings["initialModel"]
    assert settings["enableAPI"] and settings["token"] == "", "the token comes from a Kubernetes secret"
    annotations = VALUES["ingress"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie", "socket.io stays sticky"


@pytest.mark.parametrize("path", ["deploy/compose.yml", "deploy/k8s/values.yml", "deploy/endpoints.prod.yml"])
def test_no_secret_is_committed(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    assert not re.search(r"(password|token)\s*:\s*['\"]?[A-Za-z0-9_\-]{12,}", text, flags=re.I), path
