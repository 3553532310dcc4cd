"""A person on the test homeserver, driven with matrix-nio like a Tchap client (with encryption)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    RoomCreateResponse,
    RoomEncryptedFile,
    RoomMemberEvent,
    RoomMessageFile,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)
from nio.crypto.attachments import decrypt_attachment


@dataclass
class Received:
    room_id: str
    sender: str
    body: str
    content: dict[str, Any]
    encrypted: bool


class MatrixUser:
    """Logs in, creates rooms, sends messages and records what it receives."""

    def __init__(self, homeserver: str, user_id: str, password: str, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(store_sync_tokens=False, encryption_enabled=True, max_timeout_retry_wait_time=2)
        self.client = AsyncClient(homeserver, user_id, store_path=str(store), config=config)
        self.password = password
        self.received: list[Received] = []
        self.files: list[RoomMessageFile | RoomEncryptedFile] = []
        self.memberships: dict[tuple[str, str], str] = {}

    async def login(self) -> None:
        response = await self.client.login(self.password, device_name="test")
        assert isinstance(response, LoginResponse), response
        await self.sync()

    async def close(self) -> None:
        await self.client.close()

    async def sync(self, timeout_ms: int = 0) -> None:
        """One sync, then the key housekeeping a real client does."""
        response = await self.client.sync(timeout=timeout_ms, full_state=not self.client.next_batch)
        if isinstance(response, SyncResponse):
            self._record(response)
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    def _record(self, response: SyncResponse) -> None:
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMemberEvent):
                    self.memberships[(room_id, event.state_key)] = event.membership
                elif isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
                    self.files.append(event)
                elif isinstance(event, RoomMessageText):
                    self.received.append(
                        Received(
                            room_id, event.sender, event.body, event.source.get("content", {}), bool(event.decrypted)
                        )
                    )
        for room_id, info in response.rooms.invite.items():
            for event in info.invite_state:
                if isinstance(event, InviteMemberEvent):
                    self.memberships[(room_id, event.state_key)] = event.membership

    async def wait_for(self, check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            await self.sync(timeout_ms=1000)
        raise AssertionError(f"timed out waiting for {what}; received: {[m.body[:80] for m in self.received]}")

    async def file_content(self, event: RoomMessageFile | RoomEncryptedFile) -> bytes:
        """Download a received file, and decrypt it when it came encrypted (as a Matrix client does)."""
        # Authenticated media (Matrix 1.11), as current clients and Synapse's default want it.
        server_and_id = event.url.removeprefix("mxc://")
        url = f"{self.client.homeserver}/_matrix/client/v1/media/download/{server_and_id}"
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Authorization": f"Bearer {self.client.access_token}"}) as response:
                assert response.status == 200, (response.status, await response.text())
                body = await response.read()
        if isinstance(event, RoomEncryptedFile):
            return decrypt_attachment(body, event.key["k"], event.hashes["sha256"], event.iv)
        return body

    async def create_room(self, invite: list[str], encrypted: bool = False, direct: bool = True) -> str:
        initial_state = []
        if encrypted:
            initial_state.append(
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
            )
        response = await self.client.room_create(
            invite=invite,
            is_direct=direct,
            preset=RoomPreset.private_chat,
            initial_state=initial_state,
            name=None if direct else "Salon de test",
        )
        assert isinstance(response, RoomCreateResponse), response
        await self.sync()
        return response.room_id

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.client.room_invite(room_id, user_id)

    async def join(self, room_id: str) -> None:
        await self.client.join(room_id)
        await self.sync()

    async def wait_for_membership(self, room_id: str, user_id: str, membership: str, timeout: float = 30) -> None:
        await self.wait_for(
            lambda: self.memberships.get((room_id, user_id)) == membership,
            timeout,
            f"{user_id} {membership} in {room_id}",
        )

    async def send(self, room_id: str, text: str, extra: dict[str, Any] | None = None) -> str:
        """Send a text message (encrypted for every device of the room when the room is encrypted)."""
        await self.sync()
        content = {"msgtype": "m.text", "body": text, **(extra or {})}
        response = await self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    def messages_from(self, sender: str, room_id: str) -> list[Received]:
        return [m for m in self.received if m.sender == sender and m.room_id == room_id]

    async def ask(
        self, room_id: str, bot: str, text: str, expect: Callable[[Received], bool], timeout: float = 60
    ) -> Received:
        """Send `text` and wait for the first new bot message in the room that satisfies `expect`."""
        already = len(self.messages_from(bot, room_id))
        await self.send(room_id, text)

        def answer() -> Received | None:
            return next((m for m in self.messages_from(bot, room_id)[already:] if expect(m)), None)

        return await self.wait_for(answer, timeout, f"an answer to {text!r}")

    async def settle(self, seconds: float) -> None:
        """Keep syncing for a while (to see whether anything else arrives)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self.sync(timeout_ms=500)
            await asyncio.sleep(0)
