"""Rasa's SQL tracker store, without its habit of stopping the whole server on any ValueError.

Rasa 3.6's `SQLTrackerStore.session_scope` reads every ValueError raised while a session is open as
« the PostgreSQL schema does not exist » and exits the process. psycopg2 raises ValueError for a NUL
character in a string, so one request with "\\u0000" in a conversation id would stop an instance.
Here only the schema check itself can stop the server; any other error fails that request alone.
"""

import contextlib
from typing import Generator

import rasa.shared.utils.cli
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore, ensure_schema_exists
from sqlalchemy.orm import Session


class SafeSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose sessions never turn a bad value into a server exit."""

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
