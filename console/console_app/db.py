"""The console's own database: schema and engine (users, reviews, tags, annotations, inbox dismissals,
takeovers, trainings, audit log). The queries of the pages are in queries.py.

(No `from __future__ import annotations` here: the table `annotations` would shadow it.)
Kept apart from Rasa's tracker store: the console never writes into the tracker store directly,
only through Rasa's HTTP API.
"""
import os
import time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import CreateColumn

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), unique=True, nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    # The name the public reads when this agent joins a conversation (never the login).
    Column("display_name", String(64), nullable=False, server_default=""),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    # Part of every session cookie: changing it (logout, new password) ends every session of the account.
    Column("session_version", Integer, nullable=False, server_default="0"),
)

reviews = Table(
    "reviews", metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("reviewed_by", String(64), nullable=False),
    Column("reviewed_at", Float, nullable=False),
)

tags = Table(
    "tags", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("tag", String(64), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", Float, nullable=False),
    UniqueConstraint("sender_id", "tag"),
)

annotations = Table(
    "annotations", metadata,
    Column("id", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("normalized", String(600), nullable=False, index=True),
    Column("intent", String(128), nullable=False),
    Column("file", String(255), nullable=False),
    Column("annotated_by", String(64), nullable=False),
    Column("annotated_at", Float, nullable=False),
)

# Inbox entries (normalized text) a support agent judged not worth a training example.
dismissals = Table(
    "dismissals", metadata,
    Column("id", Integer, primary_key=True),
    Column("normalized", String(600), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("dismissed_by", String(64), nullable=False),
    Column("dismissed_at", Float, nullable=False),
)

takeovers = Table(
    "takeovers", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("pause_ts", Float, nullable=False),
    Column("status", String(16), nullable=False),  # active | closed | timed_out | abandoned
    Column("agent", String(64)),
    Column("taken_at", Float),
    Column("closed_at", Float),
    UniqueConstraint("sender_id", "pause_ts"),
)

trainings = Table(
    "trainings", metadata,
    Column("id", Integer, primary_key=True),
    Column("started_by", String(64), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("status", String(16), nullable=False),  # running | deploying | failed | deployed | deploy_failed
    Column("model_file", Text),
    Column("log_file", Text, nullable=False),
    Column("message", Text),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("ts", Float, nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(255)),
    Column("detail", Text),
)

_ = ForeignKey  # kept for readers: relations are by username/sender_id on purpose (users can be removed)


def _create_private_sqlite_file(path: Path) -> None:
    """The console's database holds password hashes and the audit log: readable by its owner only
    (SQLite gives its -wal and -shm files the same permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    path.chmod(0o600)


def create_concurrently(create: Callable[[], None], attempts: int = 5) -> None:
    """Run an idempotent schema creation that another process may be running at the same moment.

    `make run` starts the console and the retention job together: both find a table missing, both
    create it, and the slower one fails (SQLite: « table … already exists »; PostgreSQL: a duplicate
    table or type). Trying again finds what the other one created."""
    for attempt in range(attempts):
        try:
            create()
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def make_engine(url: str) -> Engine:
    """Create the engine and the tables (create_all is idempotent)."""
    if url.startswith("sqlite:///"):
        _create_private_sqlite_file(Path(url.removeprefix("sqlite:///")))
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
    create_concurrently(lambda: _create_schema(engine))
    return engine


def _create_schema(engine: Engine) -> None:
    metadata.create_all(engine)
    _add_missing_columns(engine)


def _add_missing_columns(engine: Engine) -> None:
    """Bring a database made by an older console up to date: create_all adds tables, not columns.

    Only columns with a server default are ever added to an existing table, so old rows stay valid.
    """
    existing = inspect(engine)
    for table in metadata.sorted_tables:
        present = {column["name"] for column in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            ddl = CreateColumn(column).compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {ddl}'))

