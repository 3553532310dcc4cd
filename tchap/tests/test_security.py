"""The bridge's secrets (no homeserver needed): the callback secret, and the store of its encryption keys."""

from __future__ import annotations

import stat
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from matrix_bridge import bridge as bridge_module
from matrix_bridge.bridge import TchapBridge
from matrix_bridge.config import ConfigError, load_config
from matrix_bridge.keystore import LIBRARY_DEFAULT_KEY
from nio.crypto import OlmAccount
from nio.store import DefaultStore
from olm import OlmAccountError
from servers import free_port

SECRET = "0123456789abcdef" * 4
BOT = "@assistant-cloud:agents.tchap.localhost"
DEVICE = "BRIDGEDEVICE"


def settings(state_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        "TCHAP_HOMESERVER": "http://127.0.0.1:9",
        "TCHAP_BOT_USER": BOT,
        "TCHAP_STATE_DIR": str(state_dir),
        "TCHAP_CALLBACK_URL": f"http://127.0.0.1:{free_port()}/rasa/callback",
        "TCHAP_CALLBACK_TOKEN": SECRET,
    }
    env.update(overrides)
    return env


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the callback secret ----------------------------------------------------------------------------


def test_the_bridge_does_not_start_without_the_callback_secret(tmp_path):
    with pytest.raises(ConfigError, match="TCHAP_CALLBACK_TOKEN"):
        load_config(settings(tmp_path, TCHAP_CALLBACK_TOKEN=""))


def test_a_secret_in_the_callback_url_is_refused(tmp_path):
    """A token in the URL ends up in access logs: the secret travels in a header only."""
    with pytest.raises(ConfigError, match="TCHAP_CALLBACK_TOKEN"):
        load_config(settings(tmp_path, TCHAP_CALLBACK_URL="http://127.0.0.1:5056/rasa/callback?token=abc"))


@pytest.fixture
async def callback_endpoint(tmp_path):
    """The bridge's callback endpoint on a free port (not logged in: only the checks before delivery run)."""
    config = load_config(settings(tmp_path / "state"))
    bridge = TchapBridge(config)
    runner = web.AppRunner(bridge.web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}{config.callback_path}"
    finally:
        await runner.cleanup()
        await bridge.client.close()


async def test_callbacks_need_the_secret_in_the_authorization_header(callback_endpoint):
    async with aiohttp.ClientSession() as http:
        refused = [
            {},
            {"headers": {"Authorization": "Bearer " + SECRET[:-1]}},
            {"headers": {"Authorization": SECRET}},
            {"params": {"token": SECRET}},  # the old way: in the URL, which access logs keep
        ]
        for kwargs in refused:
            async with http.post(callback_endpoint, json={"recipient_id": "x"}, **kwargs) as response:
                assert response.status == 401, kwargs
        headers = {"Authorization": f"Bearer {SECRET}"}
        async with http.post(callback_endpoint, json={"recipient_id": "socketio-1"}, headers=headers) as response:
            assert response.status == 400  # past the secret: refused for its unknown recipient
            assert (await response.json())["error"] == "recipient_id inconnu"


async def test_the_secret_is_compared_in_constant_time(callback_endpoint, monkeypatch):
    compared = []
    real = bridge_module.hmac.compare_digest

    def spy(given, expected):
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(bridge_module.hmac, "compare_digest", spy)
    async with aiohttp.ClientSession() as http:
        async with http.post(callback_endpoint, json={}, headers={"Authorization": "Bearer devine"}) as response:
            assert response.status == 401
    assert compared == [(b"devine", SECRET.encode())]


async def test_messages_to_rasa_carry_the_secret(tmp_path):
    """Rasa's callback channel (channels/callback.py) refuses any message without it."""
    seen: list[str] = []

    async def fake_rasa(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/webhooks/callback/webhook", fake_rasa)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    bridge = TchapBridge(load_config(settings(tmp_path, RASA_URL=f"http://127.0.0.1:{port}")))
    bridge.http = aiohttp.ClientSession()
    try:
        assert await bridge.forward_to_rasa("!salon:serveur", "tchap:!salon:serveur:@a:serveur", "Bonjour")
    finally:
        await bridge.http.close()
        await bridge.client.close()
        await runner.cleanup()
    assert seen == [f"Bearer {SECRET}"]


# --- the encryption store ---------------------------------------------------------------------------


async def test_state_and_store_are_private_and_not_under_the_library_default_key(tmp_path):
    state_dir = tmp_path / "state"
    bridge = TchapBridge(load_config(settings(state_dir)))
    try:
        bridge.client.restore_login(BOT, DEVICE, "jeton")  # creates the device's store and Olm account
        assert bridge.client.olm is not None
    finally:
        await bridge.client.close()
    assert mode(state_dir) == 0o700 and mode(state_dir / "store") == 0o700
    key_file = state_dir / "store_key"
    assert mode(key_file) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32 and key != LIBRARY_DEFAULT_KEY
    assert DefaultStore(BOT, DEVICE, str(state_dir / "store"), key).load_account() is not None
    with pytest.raises(OlmAccountError):
        DefaultStore(BOT, DEVICE, str(state_dir / "store"), LIBRARY_DEFAULT_KEY).load_account()


async def test_a_store_written_with_the_default_key_is_re_encrypted_and_keeps_its_identity(tmp_path):
    """A bot installed by an earlier version keeps its device and its keys (no new login needed)."""
    state_dir, store_dir = tmp_path / "state", tmp_path / "state" / "store"
    store_dir.mkdir(parents=True)
    old_store = DefaultStore(BOT, DEVICE, str(store_dir), LIBRARY_DEFAULT_KEY)
    account = OlmAccount()
    old_store.save_account(account)
    (state_dir / "credentials.json").write_text(
        f'{{"user_id": "{BOT}", "device_id": "{DEVICE}", "access_token": "t", "homeserver": "http://127.0.0.1:9"}}'
    )
    bridge = TchapBridge(load_config(settings(state_dir, TCHAP_HOMESERVER="http://127.0.0.1:9")))
    await bridge.client.close()
    key = (state_dir / "store_key").read_text().strip()
    assert bridge.client.config.pickle_key == key != LIBRARY_DEFAULT_KEY
    reloaded = DefaultStore(BOT, DEVICE, str(store_dir), key).load_account()
    assert reloaded.identity_keys == account.identity_keys
    with pytest.raises(OlmAccountError):
        DefaultStore(BOT, DEVICE, str(store_dir), LIBRARY_DEFAULT_KEY).load_account()
