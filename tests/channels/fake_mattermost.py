"""A fake Mattermost server: the REST API v4 endpoints the channel calls, recording every request.

No Mattermost server can be installed here, so the channel is tested at its HTTP boundary: this server
answers `POST /api/v4/posts`, `POST /api/v4/files` (multipart `channel_id` + `files`) and
`GET /api/v4/users/me` like Mattermost does (201 + the created post, 201 + `file_infos`, 200 + the user), checks the bot's Bearer token, and runs in its own thread so that both async tests and
blocking integration tests can use it.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from typing import Any

from aiohttp import web
from teststack import free_port

BOT_USER_ID = "cloudbotuserid0000000000aa"
BOT_USERNAME = "cloudbot"


class FakeMattermost:
    """Records posts; can answer the next posts with 429 to exercise the client's back-off."""

    def __init__(self, bot_token: str, port: int | None = None) -> None:
        self.bot_token = bot_token
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}  # file id → {name, channel_id, content}
        self.rate_limit_next = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # --- handlers ---------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.bot_token}"

    async def _create_post(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        if not self._authorized(request):
            return web.json_response({"id": "api.context.session_expired.app_error"}, status=401)
        with self._lock:
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return web.json_response({"message": "Too many requests"}, status=429, headers={"Retry-After": "0"})
        post = dict(body, id=secrets.token_hex(13), user_id=BOT_USER_ID, create_at=int(time.time() * 1000))
        return web.json_response(post, status=201)

    async def _upload_files(self, request: web.Request) -> web.Response:
        """POST /api/v4/files as Mattermost answers it: 201, {"file_infos": [...], "client_ids": []}."""
        form = await request.post()
        upload = form.get("files")
        channel_id = form.get("channel_id")
        self._record(request, {"channel_id": channel_id})
        if not self._authorized(request):
            return web.json_response({"id": "api.context.session_expired.app_error"}, status=401)
        if not isinstance(upload, web.FileField) or not isinstance(channel_id, str):
            return web.json_response({"id": "api.file.upload_file.incorrect_number_of_files.app_error"}, status=400)
        content = upload.file.read()
        file_id = secrets.token_hex(13)
        info = {"id": file_id, "user_id": BOT_USER_ID, "post_id": "", "channel_id": channel_id,
                "create_at": int(time.time() * 1000), "name": upload.filename, "extension": "pdf",
                "size": len(content), "mime_type": upload.content_type, "has_preview_image": False}
        with self._lock:
            self.files[file_id] = {"name": upload.filename, "channel_id": channel_id, "content": content,
                                   "content_type": upload.content_type}
        return web.json_response({"file_infos": [info], "client_ids": []}, status=201)

    async def _users_me(self, request: web.Request) -> web.Response:
        self._record(request, None)
        if not self._authorized(request):
            return web.json_response({"id": "api.context.session_expired.app_error"}, status=401)
        return web.json_response({"id": BOT_USER_ID, "username": BOT_USERNAME, "is_bot": True})

    def _record(self, request: web.Request, body: Any) -> None:
        with self._lock:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "authorization": request.headers.get("Authorization"),
                    "json": body,
                }
            )

    # --- lifecycle --------------------------------------------------------------------------------

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/v4/posts", self._create_post)
        app.router.add_post("/api/v4/files", self._upload_files)
        app.router.add_get("/api/v4/users/me", self._users_me)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> FakeMattermost:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # --- what the tests look at -------------------------------------------------------------------

    def posts(self) -> list[dict[str, Any]]:
        """Bodies of every `POST /api/v4/posts`, in order (including refused ones)."""
        with self._lock:
            return [r["json"] for r in self.requests if r["method"] == "POST" and r["path"] == "/api/v4/posts"]

    def wait_for_post(self, predicate: Any, after: int = 0, timeout: float = 60.0) -> dict[str, Any]:
        """Block until a post (index >= after) satisfies predicate; fail with what was seen otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for post in self.posts()[after:]:
                if predicate(post):
                    return post
            time.sleep(0.2)
        raise AssertionError(f"aucun message attendu reçu par le faux Mattermost ; reçus : {self.posts()[after:]}")


def buttons_of(post: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive actions of a post (empty when it has none)."""
    attachments = (post.get("props") or {}).get("attachments") or []
    return [action for attachment in attachments for action in attachment.get("actions") or []]
