"""The nightly retention job as `make run` and `make run-prod` start it (console/retention.sh): both
register it, it purges on its first start (then every night), and a period above 6 months stops it
at once with a French message."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from console_app import db as console_db
from console_app import stats_tables as t
from history import History, make_engine
from sqlalchemy import MetaData, create_engine, event, inspect, select
from sqlalchemy.engine import Engine

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "console" / "retention.sh"


def job_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The job's environment: its own state, stores and secrets (nothing written into the repository)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRACKER_STORE_URL", "CONSOLE_DB_URL", "STATE_DIR", "TRACKER_DB")
           and not k.startswith(("CONVERSATION_", "CONSOLE_AUDIT_", "STATS_", "RETENTION_"))}
    env.update(STATE_DIR=str(tmp_path / "state"), TRACKER_DB=str(tmp_path / "tracker.db"),
               CONSOLE_DB_URL=f"sqlite:///{tmp_path / 'console.db'}", CONSOLE_SECRET_KEY="job-test-secret",
               RASA_AUTH_TOKEN="a" * 48, TCHAP_CALLBACK_TOKEN="b" * 48, **extra)
    return env


@pytest.mark.parametrize("target, runner", [("run", "ops/run.sh"), ("run-prod", "deploy/run-prod.sh")])
def test_make_run_and_make_run_prod_start_the_retention_job(target: str, runner: str) -> None:
    """What `make run` / `make run-prod` would run (make -n: nothing is started)."""
    planned = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "MAKEFLAGS": ""})
    assert planned.returncode == 0, planned.stderr
    runs = [line for line in planned.stdout.splitlines() if line.startswith(runner)]
    assert len(runs) == 1, planned.stdout
    assert "console/retention.sh" in runs[0].split()


def banner(days: str) -> str:
    """The job's line of the `make run` banner (ops/run.sh asks every service once everything runs)."""
    shown = subprocess.run(["bash", str(SCRIPT), "--banner"], cwd=REPO_ROOT, capture_output=True, text=True,
                           timeout=10, env={**os.environ, "CONVERSATION_RETENTION_DAYS": days})
    assert shown.returncode == 0
    return shown.stdout


def test_its_line_of_the_make_run_banner_says_the_period_in_force() -> None:
    assert banner("45") == "  - conservation des données : conversations supprimées après 45 jours (tâche de nuit)\n"
    for refused in ("200", "0", "trente"):
        assert banner(refused) == (
            f"  - conservation des données : CONVERSATION_RETENTION_DAYS={refused} refusé (de 1 à 183 jours, "
            "6 mois au plus) :\n      AUCUNE PURGE tant que ce n'est pas corrigé (journal console-retention.log)\n")


def old_and_recent(engine: Engine) -> None:
    h = History(engine)
    h.conversation("c40j-a81f", (datetime.now() - timedelta(days=40)).timestamp()).faq("financement")
    h.conversation("c2j-9b2e", (datetime.now() - timedelta(days=2)).timestamp()).faq("collectivites")
    h.flush()


def senders(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(t.events.c.sender_id).distinct())}


def stop(job: subprocess.Popen[Any]) -> None:
    if job.poll() is None:
        os.killpg(job.pid, signal.SIGTERM)
        job.wait(30)


def test_the_job_purges_at_its_first_start(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    old_and_recent(engine)
    log = (tmp_path / "job.log").open("w")
    job = subprocess.Popen(["bash", str(SCRIPT)], cwd=REPO_ROOT, env=job_env(tmp_path), stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # The job deletes, then writes its report: wait for the report (the line a support team reads),
        # not for the deletion alone, or the job is stopped between the two (seen in CI under load).
        deadline = time.monotonic() + 120
        while "Purge des données de plus de" not in (tmp_path / "job.log").read_text():
            assert job.poll() is None, (tmp_path / "job.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "job.log").read_text()
            time.sleep(0.5)
    finally:
        stop(job)
        log.close()
    assert senders(engine) == {"c2j-9b2e"}
    output = (tmp_path / "job.log").read_text()
    assert "Conversations : 30 jours" in output  # the settings it runs with, in French
    assert re.search(r"Purge des données de plus de 30 jours : 1 conversation\(s\) supprimée\(s\)", output), output
    assert "c40j-a81f" not in output and "Qui finance" not in output  # counts only, no id, no text


def test_a_period_above_six_months_stops_the_job_in_french(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    old_and_recent(engine)
    done = subprocess.run(["bash", str(SCRIPT)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          env=job_env(tmp_path, CONVERSATION_RETENTION_DAYS="200"))
    assert done.returncode != 0
    assert ("ERREUR de configuration de la conservation des données : CONVERSATION_RETENTION_DAYS=200 refusé : "
            "entre 1 et 183 (au plus 6 mois).") in done.stderr
    assert senders(engine) == {"c40j-a81f", "c2j-9b2e"}  # nothing purged with a refused setting


@contextlib.contextmanager
def another_process_creates_the_tables_first(metadata: MetaData, url: str) -> Iterator[list[str]]:
    """The race of `make run`: between this process's check and its CREATE TABLE, another process (the
    console or the job) creates the same tables. Yields the list the listener writes into when it fires."""
    fired: list[str] = []

    def create_them_elsewhere(_target: Any, connection: Any, **_kw: Any) -> None:
        if fired:
            return
        fired.append("created elsewhere")
        other = create_engine(url)
        metadata.create_all(other)
        other.dispose()

    event.listen(metadata, "before_create", create_them_elsewhere)
    try:
        yield fired
    finally:
        event.remove(metadata, "before_create", create_them_elsewhere)


def test_the_console_database_survives_the_console_and_the_job_creating_it_together(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    with another_process_creates_the_tables_first(console_db.metadata, url) as fired:
        engine = console_db.make_engine(url)
    assert fired == ["created elsewhere"]
    assert {"users", "audit_log", "annotations"} <= set(inspect(engine).get_table_names())


def test_the_statistics_tables_survive_the_console_and_the_job_creating_them_together(store_url: str) -> None:
    make_engine(store_url).dispose()  # Rasa's `events` exists
    with another_process_creates_the_tables_first(t.metadata, store_url) as fired:
        assert t.ensure_schema(create_engine(store_url))
    assert fired == ["created elsewhere"]
    assert {"stats_turns", "stats_daily"} <= set(inspect(create_engine(store_url)).get_table_names())


def test_a_store_that_does_not_answer_at_start_is_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL still starting (or restarting) when the job starts: it waits a beat and purges then,
    instead of dying and never purging again."""
    from console_app import retention
    from sqlalchemy.exc import OperationalError

    asked: list[str] = []

    def store_restarting_then_back(_engine: Any, _now: float) -> bool:
        asked.append("asked")
        if len(asked) == 1:
            raise OperationalError("SELECT 1", {}, Exception("the database system is starting up"))
        return True

    purged: list[str] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise KeyboardInterrupt  # end of the test's run of the endless loop

    monkeypatch.setattr(retention, "purge_is_due", store_restarting_then_back)
    monkeypatch.setattr(retention, "purge", lambda *_a, **_k: purged.append("purged"))
    monkeypatch.setattr(retention.time, "sleep", sleep)
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with pytest.raises(KeyboardInterrupt):
        retention.serve(engine, console_db.make_engine(f"sqlite:///{tmp_path / 'console.db'}"),
                        retention.RetentionPolicy(), refresh_seconds=300)
    assert asked == ["asked", "asked"] and purged == ["purged"]
    assert slept[0] == 300  # a beat after the failure, not a loop of retries every second
