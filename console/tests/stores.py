"""The two tracker stores the statistics and retention tests run on: a SQLite file, and a real
PostgreSQL server started by the production-profile script (deploy/prod.sh pg-start) on a free port in a
temporary directory, like tests/prod does."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from teststack import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


class PostgresServer:
    """One PostgreSQL cluster for the test session; `fresh_url()` gives an empty database each time."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cac-stats-pg-"))
        os.chmod(self.dir, 0o755)  # as root, PostgreSQL runs as 'postgres' and must reach its data dir
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.env = dict(os.environ, PROD_DIR=str(self.dir), PG_PORT=str(self.port), PG_PASSWORD=self.password,
                        REDIS_PASSWORD="unused")
        self.count = 0

    def _prod_sh(self, command: str) -> None:
        done = subprocess.run([str(REPO_ROOT / "deploy" / "prod.sh"), command], env=self.env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"deploy/prod.sh {command}:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        self._prod_sh("pg-start")

    def stop(self) -> None:
        self._prod_sh("pg-stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "rasa") -> str:
        return f"postgresql+psycopg://rasa:{self.password}@127.0.0.1:{self.port}/{database}"

    def fresh_url(self) -> str:
        self.count += 1
        name = f"stats_test_{self.count}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)


def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
