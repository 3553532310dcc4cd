"""Benchmark of the console's statistics on a large tracker store (SQLite and PostgreSQL).

    make bench-statistics                    (100 000 conversations, both stores; several minutes)
    .venv-console/bin/python benchmarks/console_statistics.py --conversations 20000 --stores sqlite

Writes N generated conversations (console/tests/history.py: the event sequences of the real
assistant, over the last 30 days), then times: the first indexing of everything (once, by the
nightly job), the statistics page (HTTP, logged in) for 30 days and for 25 months, the conversations
behind a figure, the one-row-per-conversation CSV export, the indexing of 1 000 new conversations, and
a purge of the older half. Prints a Markdown table (copied into docs/console.md) and the peak memory.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "console"), str(REPO / "console" / "tests"), str(REPO / "ops")]

from console_app.db import make_engine as make_console_engine  # noqa: E402
from console_app.retention import RetentionPolicy, purge  # noqa: E402
from console_app.security import create_user  # noqa: E402
from console_app.settings import Settings  # noqa: E402
from console_app.stats_indexer import StatsIndexer  # noqa: E402
from console_app.web import create_app  # noqa: E402
from history import History, make_engine  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from store_tables import measure_stores, print_table  # noqa: E402

DAY = 86400
KEYS = ("financement", "collectivites", "champ_application", "donnees_sensibles", "projet_concerne",
        "secnumcloud", "regle_r5", "derogation_r9", "par_ou_commencer", "controle", "solution_cloud",
        "evaluation_sensibilite", "regle_r1", "regle_r3", "regle_r4", "regle_r7")
CHANNELS = ("socketio",) * 6 + ("callback",) * 2 + ("mattermost", "rest")
PASSWORD = "mot-de-passe-benchmark-1"


def write_conversations(engine: Any, count: int, now: float, days: int, seed: int = 16, prefix: str = "bench") -> None:
    """`count` conversations spread over the last `days` days, the mix of a real week of use."""
    history = History(engine)
    write_mix(history, random.Random(seed), count, now, days, prefix)
    history.flush()


def write_mix(history: History, rng: random.Random, count: int, now: float, days: int, prefix: str,
              vague: Callable[[], str] | None = None) -> None:
    """The mix of a real week of use (also console_pages.py's): `count` conversations over the last `days`
    days. `vague`, when given, words each « pas sûr » and off-topic message; otherwise History's own."""

    def worded() -> dict[str, Any]:
        return {} if vague is None else {"text": vague()}

    for i in range(count):
        start = now - days * DAY + rng.random() * (days * DAY - 3600)
        talk = history.conversation(f"{prefix}-{i:06d}", start, rng.choice(CHANNELS))
        kind = rng.random()
        if kind < 0.40:
            for _ in range(rng.randint(1, 3)):
                talk.faq(rng.choice(KEYS))
        elif kind < 0.55:
            talk.not_sure(**worded()).faq(rng.choice(KEYS))
        elif kind < 0.65:
            talk.off_topic(**worded())
        elif kind < 0.80:
            talk.scope_check(rng.choice(("concerne", "non_concerne", "hors_circulaire_collectivite")))
        elif kind < 0.90:
            talk.handoff(taken_after=None if rng.random() < 0.2 else rng.randint(10, 300))
        else:
            talk.greet().faq(rng.choice(KEYS))
        if len(history.rows) > 20_000:
            history.flush()


def timed(label: str, results: list[tuple[str, float]], action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = action()
    results.append((label, time.perf_counter() - started))
    return value


def run_store(name: str, url: str, count: int, work: Path) -> list[tuple[str, float]]:
    results: list[tuple[str, float]] = []
    now = time.time() - 600
    engine = make_engine(url)
    timed(f"écriture de {count} conversations (générateur, hors statistiques)", results,
          lambda: write_conversations(engine, count, now, days=60))
    with engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
    results.append(("→ événements dans la table `events`", float(events)))
    indexer = StatsIndexer(engine)
    timed("premier décompte de tout l'historique (une fois, par la tâche de fond)", results, indexer.refresh)

    console_db = work / f"console-{name}.db"
    console_engine = make_console_engine(f"sqlite:///{console_db}")
    create_user(console_engine, "bench", PASSWORD, "admin")
    settings = Settings(project_dir=REPO, console_db_url=f"sqlite:///{console_db}", tracker_url=url,
                        rasa_url="http://127.0.0.1:9", rasa_token="", secret_key="bench",
                        models_dir=work / "models", work_dir=work / "work")
    client = logged_in(settings)
    today = time.strftime("%Y-%m-%d", time.localtime(now))
    month_ago = time.strftime("%Y-%m-%d", time.localtime(now - 29 * DAY))
    everything = f"du=2000-01-01&au={today}"

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, response.text[:500]

    timed("page /statistiques, 30 derniers jours (HTTP, rendu compris)", results,
          lambda: get(f"/statistiques?du={month_ago}&au={today}"))
    timed("page /statistiques, 25 derniers mois (tout l'historique)", results,
          lambda: get(f"/statistiques?{everything}"))
    timed("conversations derrière une barre (issue « vers un conseiller », 25 mois)", results,
          lambda: get(f"/statistiques/conversations?{everything}&categorie=handoff"))
    timed(f"export CSV, une ligne par conversation ({count} lignes)", results,
          lambda: get(f"/statistiques/export/conversations.csv?{everything}"))
    write_conversations(engine, 1000, time.time() - 3600, days=1, seed=99, prefix="new")
    timed("décompte de 1 000 nouvelles conversations (ce que fait une visite de la page)", results,
          lambda: StatsIndexer(engine).refresh())
    report = timed("purge de la moitié la plus ancienne (30 jours gardés sur 60)", results,
                   lambda: purge(engine, console_engine, RetentionPolicy(), now=time.time()))
    results.append(("→ conversations supprimées par la purge", float(report.conversations_deleted)))
    timed("page /statistiques, 25 mois, après la purge (comptes anonymes + index)", results,
          lambda: get(f"/statistiques?{everything}"))
    engine.dispose()
    return results


def logged_in(settings: Settings) -> TestClient:
    """A client of the console, logged in. Not used as a context manager on purpose: the app's lifespan
    (the takeover timeout watcher, which today rereads every conversation every few seconds in the event
    loop) does not run, so the figures are the statistics' own."""
    client = TestClient(create_app(settings), follow_redirects=False)
    response = client.post("/login", data={"username": "bench", "password": PASSWORD,
                                           "csrf_token": _csrf(client.get("/login").text)})
    assert response.status_code == 303, response.text[:500]
    return client


def _csrf(html: str) -> str:
    import re
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "pas de jeton CSRF sur /login"
    return match.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cac-bench-stats-"))
    table = measure_stores(args.stores, work, lambda store, url: run_store(store, url, args.conversations, work))
    print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
