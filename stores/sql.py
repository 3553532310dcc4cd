"""Rasa's SQL tracker store, without its habit of stopping the whole server on any ValueError, and with
the two queries of every turn built once.

Rasa 3.6's `SQLTrackerStore.session_scope` reads every ValueError raised while a session is open as
« the PostgreSQL schema does not exist » and exits the process. psycopg2 raises ValueError for a NUL
character in a string, so one request with "\\u0000" in a conversation id would stop an instance.
Here only the schema check itself can stop the server; any other error fails that request alone.

Every turn reads the conversation's current session (`retrieve`) and, to save, counts the events of
that session already stored (`_additional_events`). Rasa builds both as ORM queries on each call,
which cost more than the database work itself (≈ 3 ms of the ≈ 4 ms of a turn's store time, py-spy);
here they are the same SQL (events after the conversation's latest `session_started`, or all of them
when it has none), built once as SQLAlchemy Core statements.
"""

import contextlib
import itertools
import json
import logging
from typing import Generator, Iterator, Optional, Text

import rasa.shared.utils.cli
import sqlalchemy as sa
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

_EVENTS = SQLTrackerStore.SQLEvent.__table__
_OF_SENDER = _EVENTS.c.sender_id == sa.bindparam("sender_id")
# The timestamp of the conversation's latest SessionStarted event (NULL when it has none).
_SESSION_START = (
    sa.select(sa.func.max(_EVENTS.c.timestamp))
    .where(_OF_SENDER, _EVENTS.c.type_name == SessionStarted.type_name)
    .scalar_subquery()
)
_IN_CURRENT_SESSION = sa.or_(_EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None))
# What Rasa's `_event_query(..., fetch_events_from_all_sessions=False)` selects, and its count.
CURRENT_SESSION_EVENTS = sa.select(_EVENTS.c.data).where(_OF_SENDER, _IN_CURRENT_SESSION).order_by(_EVENTS.c.id)
CURRENT_SESSION_COUNT = sa.select(sa.func.count()).select_from(_EVENTS).where(_OF_SENDER, _IN_CURRENT_SESSION)


class SafeSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose sessions never turn a bad value into a server exit (see the module docstring)."""

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as error:
                rasa.shared.utils.cli.print_error_and_exit(
                    f"Requested PostgreSQL schema '{error}' was not found in the database. Create it, or unset "
                    f"the '{POSTGRESQL_SCHEMA}' environment variable to use the default schema."
                )
            yield session
        finally:
            session.close()

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """The conversation's current session (Rasa's own query for the full history)."""
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = session.execute(CURRENT_SESSION_EVENTS, {"sender_id": sender_id}).scalars().all()
        events = [json.loads(data) for data in rows]
        if not self.domain or not events:
            logger.debug(f"No stored conversation for sender id '{sender_id}'.")
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events after those of its current session already stored."""
        stored = session.execute(CURRENT_SESSION_COUNT, {"sender_id": tracker.sender_id}).scalar() or 0
        return itertools.islice(tracker.events, stored, len(tracker.events))
