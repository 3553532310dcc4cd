"""Fixtures: one Synapse and one Rasa stack for the session, the bridge, and test users."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tchap/ → import matrix_bridge
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matrix_user import MatrixUser  # noqa: E402
from servers import REPO_ROOT, Bridge, RasaStack, Synapse, free_port  # noqa: E402

BOT_LOCALPART = "assistant-cloud"
BOT_PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    if not (REPO_ROOT / ".venv-synapse" / "bin" / "python").exists():
        pytest.fail("Synapse n'est pas installé : lancez 'tchap/install.sh synapse' (ou 'make test-tchap').")
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.configure()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bot_user(synapse) -> str:
    return synapse.register(BOT_LOCALPART, BOT_PASSWORD)


@pytest.fixture(scope="session")
def callback_url() -> str:
    return f"http://127.0.0.1:{free_port()}/rasa/callback"


@pytest.fixture(scope="session")
def callback_token() -> str:
    """The secret shared by Rasa's callback channel and the bridge (ops/env.sh generates it for make run)."""
    return secrets.token_hex(16)


@pytest.fixture(scope="session")
def rasa(tmp_path_factory, callback_url, callback_token):
    if not list((REPO_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("Aucun modèle dans models/ : lancez d'abord 'make train'.")
    stack = RasaStack(tmp_path_factory.mktemp("rasa"), callback_url, callback_token)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def bridge(tmp_path_factory, synapse, bot_user, rasa, callback_url, callback_token):
    workdir = tmp_path_factory.mktemp("bridge")
    process = Bridge(
        workdir,
        {
            "TCHAP_HOMESERVER": synapse.url,
            "TCHAP_BOT_USER": bot_user,
            "TCHAP_BOT_PASSWORD": BOT_PASSWORD,
            "TCHAP_ALLOWED_SERVERS": synapse.server_name,
            "TCHAP_STATE_DIR": str(workdir / "state"),
            "TCHAP_CALLBACK_URL": callback_url,
            "TCHAP_CALLBACK_TOKEN": callback_token,
            "RASA_URL": rasa.url,
            "TCHAP_LOG_LEVEL": "INFO",
        },
    )
    process.start()
    yield process
    process.stop()


@pytest_asyncio.fixture
async def make_user(synapse, tmp_path):
    """Register and log in fresh users (their own device and encryption store)."""
    users: list[MatrixUser] = []

    async def factory(prefix: str = "agent") -> MatrixUser:
        localpart = f"{prefix}-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        user_id = synapse.register(localpart, password)
        user = MatrixUser(synapse.url, user_id, password, tmp_path / localpart)
        await user.login()
        users.append(user)
        return user

    yield factory
    for user in users:
        await user.close()
