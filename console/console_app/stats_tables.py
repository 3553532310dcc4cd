"""Tables of the statistics, kept in the tracker store's own database next to Rasa's `events`.

Two kinds of rows, with two lifetimes (docs/donnees-personnelles.md):

- `stats_turns`, `stats_handoffs`, `stats_senders`: an index of the raw conversations (no text: the
  conversation id, times, channel, what the assistant did). Built from `events` by stats_indexer.py,
  deleted with the conversation they describe (retention.py: purge and erasure).
- `stats_daily`: counts per day, channel and kind, without any text or identifier. When a conversation
  is purged or erased, its index rows are added here first, so the statistics keep counting it; these
  counts are kept 25 months.

They live in the tracker database (SQLite or PostgreSQL) so that a purge deletes events and rolls up
their statistics in one transaction. Rasa ignores tables it does not know.
"""
from __future__ import annotations

import contextlib
import weakref

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import create_concurrently

metadata = MetaData()

# One row per message a person sent to the assistant (not to an adviser), keyed by its `events` id.
turns = Table(
    "stats_turns", metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("ts", Float, nullable=False),
    Column("day", String(10), nullable=False),  # local date, YYYY-MM-DD (STATS_TIMEZONE)
    Column("channel", String(64), nullable=False),
    Column("category", String(16), nullable=False),  # see stats_indexer.CATEGORIES
    Column("faq_key", String(128)),
    Column("verdict", String(64)),
    Column("opens_session", Boolean, nullable=False),  # first message of a conversation session
    # Covering indexes of the page's three GROUP BY queries (volumes, FAQ keys, verdicts): they read the
    # index alone, ten times faster than the table on 100 000 conversations (docs/console.md).
    Index("ix_stats_turns_volumes", "day", "channel", "category", "opens_session"),
    Index("ix_stats_turns_faq", "category", "day", "faq_key", "channel"),
    Index("ix_stats_turns_verdicts", "day", "verdict", "channel"),
)

# One row per pause for an adviser, keyed by the `pause` event's id.
handoffs = Table(
    "stats_handoffs", metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("ts", Float, nullable=False),
    Column("day", String(10), nullable=False, index=True),
    Column("channel", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # waiting | taken | not_taken
    Column("wait", Integer),  # whole seconds from the pause to the adviser's first message
)

# Where each conversation stands in the event stream (what the next events will be added to).
senders = Table(
    "stats_senders", metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("paused", Boolean, nullable=False),
    Column("new_session", Boolean, nullable=False),
    Column("last_turn", BigInteger),
    Column("open_handoff", BigInteger),
)

# The console's pages (conversation list, inbox) read the same index, with what they show of a turn: its
# text and what the NLU read in it. Deleted with the turn (purge, erasure), like every index row.
messages = Table(
    "stats_messages", metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),  # = stats_turns.event_id
    Column("sender_id", String(255), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("normalized", String(600), nullable=False, index=True),  # training_data.normalize: search, grouping
    Column("intent", String(128), nullable=False),
    Column("intent_confidence", Float, nullable=False),
    Column("label", String(160), nullable=False),  # FAQ key (faq/<key>) or intent: « the reading »
    Column("confidence", Float, nullable=False),  # the reading's confidence
    # The turn's time, channel and category, copied here (and the category kept in step) so that the
    # inbox groups and filters on this index alone, without a join: 0.1 s instead of 0.5 to 1 s at 100 000.
    Column("ts", Float, nullable=False),
    Column("channel", String(64), nullable=False),
    Column("category", String(16), nullable=False),
    Index("ix_stats_messages_label", "label", "confidence", "sender_id"),  # the list's « question » filter
    Index("ix_stats_messages_inbox", "normalized", "category", "intent", "confidence", "ts", "channel"),
)

# One row per conversation (the turns' sender), recomputed from its turns whenever they change: the
# conversation list filters, counts and pages on it without reading `events`.
conversations = Table(
    "stats_conversations", metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("first_ts", Float, nullable=False),
    Column("last_ts", Float, nullable=False, index=True),
    Column("turns", Integer, nullable=False),
    Column("channels", String(255), nullable=False),  # « ,socketio,rest, »
    Column("last_channel", String(64), nullable=False),
    Column("declined", Integer, nullable=False),  # turns answered « pas sûr » (category declined)
    Column("handoff", Boolean, nullable=False),
    Column("verdict", String(64)),
    Column("first_text", String(300), nullable=False),
    Column("last_text", String(300), nullable=False),
)

# Anonymous counts: metric (turns | sessions | faq | verdict | handoff | wait), channel, key → count.
daily = Table(
    "stats_daily", metadata,
    Column("id", Integer, primary_key=True),
    Column("day", String(10), nullable=False, index=True),
    Column("metric", String(16), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("key", String(128), nullable=False),
    Column("count", Integer, nullable=False),
    UniqueConstraint("day", "metric", "channel", "key", name="uq_stats_daily"),
)

# Bookkeeping: how far the index has read `events`, when the last purge ran and what it did.
state = Table(
    "stats_state", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(4000), nullable=False),
)

# Rasa's own table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), described for queries only: it
# belongs to another MetaData, so create_all never creates it.
events = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
    Index("ix_events_sender_id", "sender_id"),
)

# Rasa's `events` has an index on sender_id only; the purge and the index builder read by time.
EVENTS_TIMESTAMP_INDEX = "CREATE INDEX IF NOT EXISTS ix_events_timestamp ON events (timestamp)"
# The queue reads the paused conversations (TrackerReader.paused_senders) through this index.
SENDERS_PAUSED_INDEX = "CREATE INDEX IF NOT EXISTS ix_stats_senders_paused ON stats_senders (paused)"


_READY: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def events_table_exists(engine: Engine) -> bool:
    try:
        return inspect(engine).has_table("events")
    except Exception:  # noqa: BLE001 - a missing or locked database reads as « no conversation yet »
        return False


def ensure_schema(engine: Engine) -> bool:
    """Create the statistics tables and the timestamp index on `events` (idempotent).

    Returns False while Rasa has not created `events` yet (nothing to index, nothing to purge).
    """
    if engine in _READY:
        return True
    if not events_table_exists(engine):
        return False
    if engine.dialect.name == "sqlite":
        _use_write_ahead_log(engine)
    create_concurrently(lambda: _create_tables_and_index(engine))  # the console and the job start together
    with contextlib.suppress(IntegrityError), engine.begin() as conn:  # another process may create it too
        if conn.execute(select(state.c.name).where(state.c.name == "watermark")).first() is None:
            conn.execute(insert(state).values(name="watermark", value="0"))
    _rebuild_if_older(engine)
    _READY.add(engine)
    return True


# Version of what the index holds. An index built by an older console (without stats_messages and
# stats_conversations, or with fewer categories) is built again from `events`, once: the counts of purged
# conversations are in stats_daily, untouched.
INDEX_VERSION = "3"


def _rebuild_if_older(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(state).where(state.c.name == "watermark").values(value=state.c.value))  # index lock
        version = conn.execute(select(state.c.value).where(state.c.name == "index_version")).scalar()
        if version == INDEX_VERSION:
            return
        for table in (turns, handoffs, senders):
            conn.execute(table.delete())
        for table in (messages, conversations):  # their columns may have changed: created again
            table.drop(conn, checkfirst=True)
            table.create(conn)
        conn.execute(update(state).where(state.c.name == "watermark").values(value="0"))
        if version is None:
            conn.execute(insert(state).values(name="index_version", value=INDEX_VERSION))
        else:
            conn.execute(update(state).where(state.c.name == "index_version").values(value=INDEX_VERSION))


def _create_tables_and_index(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text(EVENTS_TIMESTAMP_INDEX))
        conn.execute(text(SENDERS_PAUSED_INDEX))


def _use_write_ahead_log(engine: Engine) -> None:
    """Put the SQLite tracker file in WAL mode (persistent, once for every process using it).

    In SQLite's default mode a reader blocks writers: a long statistics query or CSV export would make
    Rasa wait to save a turn, and Rasa gives up after 5 s. With WAL, readers never block Rasa.
    """
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
