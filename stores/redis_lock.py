"""Rasa's Redis ticket lock, made safe when several Rasa instances share it.

Rasa 3.6's `RedisLockStore` keeps one JSON ticket list per conversation and changes it with a
plain GET then SET. That is safe inside one process (no `await` in between), not across instances.
Two defects follow; `tests/prod/test_lock_store.py` shows both with several processes, and CI lost
two messages of one conversation to the first:

1. Two instances that receive a message of the same conversation at the same moment can both read
   the list before either writes it: both get the same ticket, both run a turn at once, and the SQL
   tracker store then keeps the events of only one of them (messages lost).
2. A ticket expires `TICKET_LOCK_LIFETIME` seconds after it was issued, even while its message is
   still waiting or still being processed. Past that delay the next message runs alongside it (same
   loss), and a waiting message whose own ticket expired waits forever.

Here every change of the ticket list is one Redis transaction (WATCH/MULTI, retried on conflict),
and a living instance keeps its ticket fresh while it waits and while it works. The lifetime now
only bounds how long the ticket of a *dead* instance blocks its conversation. The queue is also
polled every 0.1 s instead of every second, so a message that waits behind another one is not
delayed by up to a second more.

Configured in `deploy/endpoints.prod.yml` as `type: stores.redis_lock.AtomicRedisLockStore`, with
the same keys as Rasa's `type: redis`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager, suppress
from typing import AsyncGenerator, Callable, Optional, Tuple, TypeVar

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
# A change of one conversation's ticket list: receives the stored lock (None if there is none) and
# returns the lock to store (None deletes it) and the value the caller wants back.
LockChange = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]

POLL_INTERVAL_SECONDS = 0.1
# How many times per lifetime a served ticket is refreshed: it survives two missed refreshes.
REFRESHES_PER_LIFETIME = 3


class AtomicRedisLockStore(RedisLockStore):
    """Ticket lock in Redis whose every read-modify-write is atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds custom lock stores with the endpoint config alone (lock_store.py).
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)
        # Ticket numbers come from one counter that never goes back, unlike Rasa's « last ticket
        # + 1 », which restarts at 0 once a conversation's lock is deleted: a process stalled past
        # its lifetime could otherwise take a newer ticket with its old number for its own.
        # (« …lock-ticket-sequence » cannot be the key of a conversation, « …lock:<id> ».)
        self.sequence_key = self.key_prefix.rstrip(":") + "-ticket-sequence"

    def _change_lock(self, conversation_id: str, change: LockChange[Result]) -> Result:
        """Applies `change` to the stored lock in one transaction, retried if another process
        changed the lock in between."""
        key = self.key_prefix + conversation_id

        def attempt(pipe) -> Result:  # redis.client.Pipeline, in immediate mode after WATCH
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is not None:
                pipe.set(key, new_lock.dumps())
            elif stored is not None:
                pipe.delete(key)
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)

    def _append_ticket(self, lock: TicketLock, lock_lifetime: float) -> int:
        number = int(self.red.incr(self.sequence_key))
        lock.tickets.append(Ticket(number, time.time() + lock_lifetime))
        return number

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Queues a new ticket (atomic, unlike Rasa's; `lock` uses `refresh_ticket` directly)."""
        try:
            return self.refresh_ticket(conversation_id, None, lock_lifetime)[0]
        except Exception as error:  # same contract as Rasa's store
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def refresh_ticket(
        self, conversation_id: str, ticket_number: Optional[int], lock_lifetime: float, requeue_if_expired: bool = True
    ) -> Tuple[int, Optional[TicketLock]]:
        """Queues a living process's message (`ticket_number` None: not queued yet) or pushes back
        its ticket's expiry. Returns the ticket's number, and the lock if that ticket is being served.
        A ticket that expired anyway (its process stalled longer than the lifetime) is queued again
        at the end if `requeue_if_expired`; a process already serving cannot undo that."""

        def refresh(stored: Optional[TicketLock]) -> Tuple[Optional[TicketLock], Tuple[int, Optional[TicketLock]]]:
            lock = stored or self.create_lock(conversation_id)
            lock.remove_expired_tickets()
            ticket = next((t for t in lock.tickets if t.number == ticket_number), None)
            if ticket is None and ticket_number is not None:
                logger.warning(f"Lock ticket of conversation '{conversation_id}' expired while its process lived.")
                if not requeue_if_expired:
                    return stored, (ticket_number, None)
            if ticket is None:
                number = self._append_ticket(lock, lock_lifetime)
            else:
                ticket.expires = time.time() + lock_lifetime
                number = ticket.number
            return lock, (number, None if lock.is_locked(number) else lock)

        return self._change_lock(conversation_id, refresh)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drops the ticket, and the whole lock if no other ticket waits (one transaction: a
        ticket issued meanwhile by another instance is never deleted with it)."""

        def drop_ticket_and_empty_lock(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return lock, None

        self._change_lock(conversation_id, drop_ticket_and_empty_lock)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_INTERVAL_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """One transaction to queue (and, if no one else waits, to be served at once), one poll per
        `wait_time_in_seconds` while waiting, one transaction to leave. Rasa calls nothing else: the
        base class helpers `_acquire_lock`, `update_lock` and `finish_serving` stay unused."""
        ticket, served = self.refresh_ticket(conversation_id, None, lock_lifetime)
        keep_alive: Optional[asyncio.Task] = None
        try:
            while served is None:
                await asyncio.sleep(wait_time_in_seconds)
                ticket, served = self.refresh_ticket(conversation_id, ticket, lock_lifetime)
            logger.debug(f"Acquired lock for conversation '{conversation_id}'.")
            keep_alive = asyncio.create_task(self._keep_fresh(conversation_id, ticket, lock_lifetime))
            yield served
        finally:
            if keep_alive is not None:
                keep_alive.cancel()
                with suppress(asyncio.CancelledError):
                    await keep_alive
            self.cleanup(conversation_id, ticket)

    async def _keep_fresh(self, conversation_id: str, ticket: int, lock_lifetime: float) -> None:
        """Refreshes the served ticket while its turn runs, however long the turn takes."""
        while True:
            await asyncio.sleep(lock_lifetime / REFRESHES_PER_LIFETIME)
            try:
                self.refresh_ticket(conversation_id, ticket, lock_lifetime, requeue_if_expired=False)
            except Exception:  # Redis briefly unreachable: try again at the next beat
                logger.exception(f"Could not refresh the lock of conversation '{conversation_id}'.")
