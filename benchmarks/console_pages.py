"""Benchmark of the console's working pages on a large tracker store: the conversation list, the inbox,
a transcript and the queue (SQLite, and PostgreSQL when asked).

    make bench-console-pages                 (100 000 conversations, SQLite; several minutes)
    .venv-console/bin/python benchmarks/console_pages.py --conversations 20000 --stores sqlite,postgresql

Writes N generated conversations (console/tests/history.py: the event sequences of the real assistant,
benchmarks/console_statistics.py's mix, with varied wordings so that the inbox has many distinct
messages) over 60 days, 20 of them still waiting for an adviser; indexes them once (as the nightly job
or the console's follower does); then times each page through HTTP, logged in (rendering included), and
the queue update the browser polls every 2 s — with the number of `events` rows it reads, while 1 000
newer conversations are not indexed yet. Prints a Markdown table (copied into docs/console.md).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "console"), str(REPO / "console" / "tests"), str(REPO / "ops"), str(REPO / "benchmarks")]

from console_app.db import make_engine as make_console_engine  # noqa: E402
from console_app.security import create_user  # noqa: E402
from console_app.settings import Settings  # noqa: E402
from console_app.stats_indexer import StatsIndexer  # noqa: E402
from console_statistics import DAY, KEYS, PASSWORD, logged_in, timed, write_mix  # noqa: E402
from history import History, make_engine  # noqa: E402
from sqlalchemy import event  # noqa: E402
from store_tables import measure_stores, print_table  # noqa: E402

WAITING = 20
WORDS = ("cloud", "hébergement", "données", "ministère", "mairie", "sécurité", "migration", "coût", "délai",
         "SecNumCloud", "opérateur", "contrat", "projet", "application", "logiciel", "stockage")


def write_conversations(engine: Any, count: int, now: float, days: int, seed: int = 23, prefix: str = "bench") -> None:
    """The statistics benchmark's mix, with « pas sûr » and off-topic messages worded in many ways."""
    rng = random.Random(seed)
    history = History(engine)

    def vague() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))) + " ?"

    write_mix(history, rng, count, now, days, prefix, vague)
    for i in range(WAITING if prefix == "bench" else 0):  # people waiting for an adviser right now
        talk = history.conversation(f"{prefix}-attente-{i:02d}", now - 60 + i, "socketio")
        talk.faq(rng.choice(KEYS)).not_sure(failures=2, text=vague())
    history.flush()


class EventsReads:
    """Records the console's statements on `events`; `rows()` counts the rows they return (each one run
    again as a count, with the same parameters)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self.before)

    def before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if " FROM events" in statement:
            self.statements.append((statement, parameters))

    def rows(self) -> int:
        event.remove(self.engine, "before_cursor_execute", self.before)
        total = 0
        with self.engine.connect() as conn:
            for statement, parameters in self.statements:
                counted = f"SELECT count(*) FROM ({statement}) AS returned"
                total += int(conn.exec_driver_sql(counted, parameters).scalar_one())
        return total


def run_store(name: str, url: str, count: int, work: Path) -> list[tuple[str, float]]:
    results: list[tuple[str, float]] = []
    now = time.time() - 600
    engine = make_engine(url)
    reused = name == "sqlite" and (work / "console-sqlite.db").exists()
    if reused:  # --keep: the conversations of a previous run (their 1 000 newer ones included)
        results.append((f"écriture de {count} conversations (générateur)", 0.0))
    else:
        timed(f"écriture de {count} conversations (générateur)", results,
              lambda: write_conversations(engine, count, now, days=60))
    with engine.connect() as conn:
        total_events = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
    results.append(("→ événements dans la table `events`", float(total_events)))
    timed("premier index de tout l'historique (une fois, tâche de fond)", results,
          StatsIndexer(engine, settle_seconds=0).refresh)

    console_db = work / f"console-{name}.db"
    console_db.unlink(missing_ok=True)
    console_engine = make_console_engine(f"sqlite:///{console_db}")
    create_user(console_engine, "bench", PASSWORD, "admin")
    settings = Settings(project_dir=REPO, console_db_url=f"sqlite:///{console_db}", tracker_url=url,
                        rasa_url="http://127.0.0.1:9", rasa_token="", secret_key="bench",
                        models_dir=work / "models", work_dir=work / "work", handoff_timeout=10**9)
    client = logged_in(settings)
    client.app.state.stats_indexer.settle_seconds = 0  # the generated events are all settled
    client.app.state.page_indexer.settle_seconds = 0

    def get(path: str) -> str:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, response.text[:500]
        return response.text

    timed("première visite après le démarrage (relecture des intentions et exemples de data/)", results,
          lambda: get("/inbox"))
    timed("liste des conversations, page 1 (sans filtre)", results, lambda: get("/conversations?effacer=1"))
    timed("liste, dernière page (tri par date, décalage maximal)", results, lambda: get("/conversations?page=999999"))
    timed("liste filtrée : « Pas sûr » = oui, canal widget", results,
          lambda: get("/conversations?pas_sur=oui&canal=socketio"))
    timed("liste filtrée : question de la FAQ et confiance ≤ 0,5", results,
          lambda: get("/conversations?question=faq/financement&conf_max=0.5"))
    timed("liste : recherche de texte (« sécurité mairie »)", results,
          lambda: get("/conversations?q=sécurité mairie"))
    timed("messages mal compris, page 1 (regroupés par texte)", results, lambda: get("/inbox?effacer=1"))
    timed("messages mal compris filtrés : « Pas sûr », 7 derniers jours", results,
          lambda: get(f"/inbox?reponse=pas_sur&du={time.strftime('%Y-%m-%d', time.localtime(now - 6 * DAY))}"))
    timed("transcription d'une conversation", results, lambda: get("/conversations/bench-000042"))
    timed("file d'attente (/api/queue), index à jour", results, lambda: get("/api/queue"))

    if not reused:
        write_conversations(engine, 1000, time.time() - 300, days=1, seed=99, prefix="new")
    reads = EventsReads(client.app.state.reader.engine)  # the console's own engine on the store
    items = timed("file d'attente avec 1 000 conversations pas encore indexées", results,
                  lambda: client.get("/api/queue").json()["items"])
    results.append(("→ conversations dans la file", float(len(items))))
    results.append(("→ lignes de `events` lues par cette mise à jour de la file", float(reads.rows())))
    timed("liste, page 1, en indexant une part de ces 1 000 conversations (0,3 s de travail au plus)", results,
          lambda: get("/conversations"))
    engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite")
    parser.add_argument("--keep", type=Path, default=None,
                        help="dossier gardé après la mesure ; s'il contient déjà le stockage SQLite, il est réutilisé "
                             "(pour mesurer à nouveau les pages sans réécrire les conversations)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cac-bench-pages-"))
    work.mkdir(parents=True, exist_ok=True)
    table = measure_stores(args.stores, work, lambda store, url: run_store(store, url, args.conversations, work),
                           remove_work=args.keep is None)
    print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
