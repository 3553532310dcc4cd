"""Fixtures: one Synapse for the session, the run's Rasa test stack (fixture `rasa_stack`), the bridge
listening where that stack posts the callback channel's replies, and test users."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest
import pytest_asyncio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tchap/ → import matrix_bridge
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "ops"))  # teststack
pytest.register_assert_rewrite("teststack")

from matrix_user import MatrixUser  # noqa: E402
from servers import REPO_ROOT, Bridge, Synapse  # noqa: E402

pytest_plugins = ["teststack"]

BOT_LOCALPART = "assistant-cloud"
BOT_PASSWORD = secrets.token_urlsafe(12)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    if not (REPO_ROOT / ".venv-synapse" / "bin" / "python").exists():
        pytest.fail("Synapse n'est pas installé : lancez 'tchap/install.sh --dev' (ou 'make test-tchap').")
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.configure()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bot_user(synapse) -> str:
    return synapse.register(BOT_LOCALPART, BOT_PASSWORD)


@pytest.fixture(scope="session")
def callback_url(rasa_stack) -> str:
    """Where the stack's Rasa posts the callback channel's replies: the bridge listens there."""
    return rasa_stack.tchap_callback_url


@pytest.fixture(scope="session")
def callback_token(rasa_stack) -> str:
    """The secret shared by the stack's callback channel and the bridge (TCHAP_CALLBACK_TOKEN)."""
    return rasa_stack.tchap_callback_token


@pytest.fixture(scope="session")
def bridge(tmp_path_factory, synapse, bot_user, rasa_stack, callback_url):
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
            "TCHAP_CALLBACK_TOKEN": rasa_stack.tchap_callback_token,
            "RASA_URL": rasa_stack.url,
            "TCHAP_SHEETS_URL": rasa_stack.sheets_url,
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
