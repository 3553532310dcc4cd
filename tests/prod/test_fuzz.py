"""Property-based robustness of the public HTTP surface (issue 7, item 5): random and hostile
bodies against the REST webhook and the socket.io endpoint (through nginx), and the support console's
API when it exists. Wanted: never a 500, no instance crashes, no conversation lost."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prodcluster import REPO, Cluster, user_texts
from teststack import free_port, start_and_wait, stop_process

# Bounded so the suite stays fast on two shared cores: each example is one real Rasa turn at most.
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
hostile_texts = st.sampled_from([
    "", " ", "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}", "${jndi:ldap://x}",
    "🙂🙂🙂", "a" * 20000, "/restart", "/inform{\"entity_type\": 12}", "/faq{\"faq_key\": \"nope\"}",
    "/check_scope{", "/", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]) | st.text(max_size=300)


@pytest.fixture(scope="module")
def canary(cluster: Cluster, conversations: dict[str, int]) -> str:
    """A conversation opened before the fuzzing; it must come out of it intact."""
    sender = f"canari-{uuid.uuid4().hex[:8]}"
    assert cluster.say(sender, "mon projet est-il concerné ?")
    conversations[sender] = 1
    return sender


def assert_canary_intact(cluster: Cluster, sender: str) -> None:
    texts = user_texts(cluster.tracker(sender))
    assert texts and texts[0] == "mon projet est-il concerné ?", texts


def assert_instances_alive(cluster: Cluster) -> None:
    """No fuzzed request may take down an instance that is supposed to be running."""
    for name in cluster.instances:
        pidfile = cluster.state_dir / f"rasa-{name}.pid"
        if not pidfile.exists():
            continue
        try:
            alive = requests.get(f"{cluster.url(name)}/", timeout=10).status_code == 200
        except requests.ConnectionError:
            alive = False
        was_killed = not _process_exists(cluster.pid(name))
        assert alive or was_killed, f"instance {name} stopped answering"


def _process_exists(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@FUZZ
@given(body=st.binary(max_size=3000) | json_values.map(lambda v: json.dumps(v).encode()))
def test_rest_webhook_never_answers_500_to_any_body(cluster: Cluster, canary: str, body: bytes) -> None:
    answer = requests.post(
        f"{cluster.url()}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json"}, timeout=120,
    )
    assert answer.status_code < 500, (body[:200], answer.status_code, answer.text[:300])


@FUZZ
@given(sender=st.text(min_size=1, max_size=80) | json_values, message=hostile_texts | json_values)
def test_rest_webhook_handles_hostile_fields(
    cluster: Cluster, canary: str, sender: Any, message: Any
) -> None:
    answer = requests.post(
        f"{cluster.url()}/webhooks/rest/webhook", json={"sender": sender, "message": message},
        timeout=120,
    )
    assert answer.status_code < 500, (sender, str(message)[:200], answer.status_code, answer.text[:300])
    if answer.status_code == 200:
        assert isinstance(answer.json(), list)
    assert_canary_intact(cluster, canary)


@pytest.fixture(scope="module")
def event_loop_for_sio() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def sio_client(
    cluster: Cluster, event_loop_for_sio: asyncio.AbstractEventLoop
) -> Iterator[socketio.AsyncClient]:
    client = socketio.AsyncClient(reconnection=False)
    event_loop_for_sio.run_until_complete(
        client.connect(cluster.url(), socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    )
    yield client
    event_loop_for_sio.run_until_complete(client.disconnect())


async def sio_turn(url: str, session_id: str, text: str) -> tuple[str, list[dict[str, Any]]]:
    """A fresh, well-behaved socket.io client: session_request, user_uttered, bot replies; returns the
    conversation id the server confirmed (socketio-<session id>) and the replies.
    (Long-polling transport: the websocket client of python-socketio needs a newer aiohttp than
    Rasa 3.6 allows; nginx proxies both.)"""
    client = socketio.AsyncClient(reconnection=False)
    replies: list[dict[str, Any]] = []
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("session_confirm", confirmed.put)
    client.on("bot_uttered", lambda data: replies.append(data))
    await client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    try:
        await client.emit("session_request", {"session_id": session_id})
        conversation = await asyncio.wait_for(confirmed.get(), 30)
        await client.emit("user_uttered", {"message": text, "session_id": session_id})
        for _ in range(600):
            if replies:
                await asyncio.sleep(0.5)  # let the rest of the turn's messages arrive
                return conversation, replies
            await asyncio.sleep(0.1)
        return conversation, replies
    finally:
        await client.disconnect()


@FUZZ
@given(event=st.sampled_from(["user_uttered", "session_request", "message", "disconnect_me"]),
       data=json_values | hostile_texts)
def test_socketio_survives_hostile_events(
    cluster: Cluster, canary: str, sio_client: socketio.AsyncClient,
    event_loop_for_sio: asyncio.AbstractEventLoop, event: str, data: Any,
) -> None:
    if not sio_client.connected:  # the server may drop a client that misbehaves: reconnect
        event_loop_for_sio.run_until_complete(
            sio_client.connect(cluster.url(), socketio_path="/socket.io", transports=["polling"])
        )
    event_loop_for_sio.run_until_complete(sio_client.emit(event, data))
    event_loop_for_sio.run_until_complete(asyncio.sleep(0.05))
    assert_instances_alive(cluster)


def test_socketio_still_serves_people_after_the_fuzzing(
    cluster: Cluster, canary: str, conversations: dict[str, int],
    event_loop_for_sio: asyncio.AbstractEventLoop,
) -> None:
    session = uuid.uuid4().hex  # as the widget makes it: 128 random bits
    conversation, replies = event_loop_for_sio.run_until_complete(sio_turn(cluster.url(), session, "Bonjour"))
    assert conversation == f"socketio-{session}"
    conversations[conversation] = 1
    assert replies and any(r.get("text") for r in replies)
    assert user_texts(cluster.tracker(conversation)) == ["Bonjour"]
    assert_canary_intact(cluster, canary)
    assert_instances_alive(cluster)


@FUZZ
@given(path=st.sampled_from(["/conversations/x/tracker", "/conversations/x/tracker/events",
                             "/conversations/x/messages", "/model/parse", "/status"]),
       body=st.binary(max_size=500) | json_values.map(lambda v: json.dumps(v).encode()),
       with_token=st.booleans())
def test_http_api_rejects_hostile_calls_cleanly(
    cluster: Cluster, canary: str, path: str, body: bytes, with_token: bool
) -> None:
    params = {"token": cluster.token} if with_token else {}
    answer = requests.post(f"{cluster.url()}{path}", data=body, params=params,
                           headers={"Content-Type": "application/json"}, timeout=120)
    if answer.status_code >= 500:
        # Known Rasa 3.6 defects of its own operator API (token required, not a public endpoint): malformed
        # bodies get 500 « ParsingError » / « ConversationError » instead of 400. Tolerated only as Rasa's own
        # handled error answer — never without the token, never a gateway error (a dead instance) — and the
        # canary conversation must still be intact at the end of the module.
        assert with_token and answer.status_code == 500, (path, body[:200], answer.status_code, answer.text[:300])
        assert answer.json().get("status") == "failure", answer.text[:300]
    if not with_token:
        assert answer.status_code in (401, 403, 405), answer.status_code


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def console(cluster: Cluster) -> Iterator[tuple[str, requests.Session]]:
    """The support console (console/serve.sh) on a free port, reading this cluster's PostgreSQL
    tracker store and talking to nginx, with a logged-in agent session; stopped at the end."""
    if not (REPO / "console" / "serve.sh").exists():
        pytest.skip("console/ n'a pas de serve.sh : pas d'API de console à tester.")
    port = free_port()
    state = cluster.state_dir / "console-state"
    state.mkdir(exist_ok=True)
    env = {
        **cluster.env, "CONSOLE_PORT": str(port), "STATE_DIR": str(state), "RASA_URL": cluster.url(),
        "RASA_AUTH_TOKEN": cluster.token, "CONSOLE_SECRET_KEY": uuid.uuid4().hex,
        "TRACKER_STORE_URL": cluster.sqlalchemy_url("postgresql+psycopg"),
    }
    subprocess.run(["bash", "console/manage.sh", "create-user", "fuzz", "--role", "agent"], cwd=REPO,
                   env=env, input="mot-de-passe-fuzz-2026\n", text=True, check=True, capture_output=True,
                   timeout=600)
    url = f"http://127.0.0.1:{port}"
    # console/serve.sh installs the console first when needed: up to 10 minutes on a clean clone.
    process = start_and_wait(["bash", "console/serve.sh"], "la console", f"{url}/login", state / "console.log",
                             env=env, cwd=REPO, timeout=600)
    try:
        session = requests.Session()
        page = session.get(f"{url}/login", timeout=5)
        token = CSRF.search(page.text).group(1)
        logged = session.post(f"{url}/login", data={"username": "fuzz", "password": "mot-de-passe-fuzz-2026",
                                                    "csrf_token": token, "next": "/queue"}, timeout=30)
        assert logged.status_code == 200 and "/login" not in logged.url, logged.status_code
        session.headers["x-csrf-token"] = CSRF.search(session.get(f"{url}/queue", timeout=30).text).group(1)
        yield url, session
    finally:
        stop_process(process)


@FUZZ
@given(sender=st.text(max_size=60) | hostile_texts.map(lambda t: t[:200]),
       action=st.sampled_from(["events", "take", "reply", "handback"]),
       body=json_values | st.fixed_dictionaries({"text": hostile_texts | json_values}),
       logged_in=st.booleans())
def test_console_api_never_answers_500(
    cluster: Cluster, canary: str, console: tuple[str, requests.Session],
    sender: str, action: str, body: Any, logged_in: bool,
) -> None:
    url, session = console
    client = session if logged_in else requests
    path = f"{url}/api/conversations/{quote(sender, safe='')}/{action}"
    if action == "events":
        answer = client.get(path, timeout=60, headers={"Accept": "application/json"})
    else:
        answer = client.post(path, json=body, timeout=60, headers={"Accept": "application/json"})
    # 502 is the console's own clean answer when Rasa refuses the call (JSON with an error message).
    assert answer.status_code < 500 or answer.status_code == 502, (sender, action, answer.status_code,
                                                                   answer.text[:300])
    if answer.status_code == 502:
        assert answer.json()["error"]
    if not logged_in:
        assert answer.status_code == 401, answer.status_code
    assert_canary_intact(cluster, canary)


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["username", "password", "csrf_token", "next", "x"]),
                            hostile_texts, max_size=5))
def test_console_login_never_answers_500(console: tuple[str, requests.Session], form: dict[str, str]) -> None:
    url, _ = console
    answer = requests.post(f"{url}/login", data=form, timeout=60, allow_redirects=False)
    assert answer.status_code < 500, (form, answer.status_code)
    assert answer.status_code != 303, "no hostile form logs in"
