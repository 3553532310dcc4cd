"""Statistics: exact counts from a known history, on SQLite and on PostgreSQL; the conversations behind
a figure; the CSV exports; the page's routes."""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from console_app import stats_tables as t
from console_app.stats_export import EXPORTS, csv_lines
from console_app.stats_indexer import StatsIndexer
from console_app.stats_report import Filters, Period, Selection, build_report, selection_conversations
from history import History, make_engine
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

PARIS = ZoneInfo("Europe/Paris")
D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 20)
NOVEMBER = Filters(Period(date(2026, 11, 1), date(2026, 11, 30)))


def at(day: date, hour: int = 10, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


def write_known_history(engine: Engine) -> None:
    """11 conversations, 23 questions; the expected figures are spelled out in the tests."""
    h = History(engine)
    for i, sender in enumerate(("w1", "w2", "w3")):
        h.conversation(sender, at(D1, 9, i)).greet().faq("financement").faq("collectivites")
    h.conversation("r1", at(D1, 11), "rest").not_sure().off_topic()
    h.conversation("t1", at(D2, 9), "callback").scope_check("concerne")
    h.conversation("t2", at(D2, 10), "callback").scope_check("non_concerne")
    h.conversation("h1", at(D2, 14)).handoff(taken_after=30, person_writes=2)
    h.conversation("h2", at(D2, 15)).handoff(taken_after=90)
    h.conversation("h3", at(D2, 16)).handoff(taken_after=None)
    h.conversation("m1", at(D3, 9), "mattermost").not_sure(1).not_sure(2).answer_handoff(taken_after=50)
    h.conversation("w4", at(D3, 18)).faq("financement")
    h.flush()


@pytest.fixture()
def known(store_url: str) -> Engine:
    engine = make_engine(store_url)
    write_known_history(engine)
    StatsIndexer(engine, PARIS).refresh()
    return engine


def test_report_counts_every_figure_exactly(known: Engine) -> None:
    report = build_report(known, NOVEMBER)
    assert report.total == 23
    assert report.sessions == 11
    assert dict(report.per_category) == {"faq": 7, "other": 3, "declined": 2, "off_topic": 1, "scope": 6,
                                         "handoff": 4}
    assert dict(report.per_channel) == {"socketio": 13, "rest": 2, "callback": 6, "mattermost": 2}
    assert {d: sum(c.values()) for d, c in report.per_day.items()} == {D1: 11, D2: 9, D3: 3}
    assert dict(report.faq) == {"financement": 4, "collectivites": 3}
    assert dict(report.verdicts) == {"concerne": 1, "non_concerne": 1}
    assert dict(report.handoffs) == {"taken": 3, "not_taken": 1}
    assert report.median_wait == 50.0  # waits 30, 50, 90 s
    assert report.never_taken_share == 0.25
    assert report.archived == 0


def test_filters_by_channel_and_period(known: Engine) -> None:
    only_d2 = build_report(known, Filters(Period(D2, D2)))
    assert only_d2.total == 9 and dict(only_d2.handoffs) == {"taken": 2, "not_taken": 1}
    tchap = build_report(known, Filters(NOVEMBER.period, "callback"))
    assert tchap.total == 6 and dict(tchap.verdicts) == {"concerne": 1, "non_concerne": 1}
    assert tchap.sessions == 2 and not tchap.faq


def test_weeks_for_long_periods(known: Engine) -> None:
    report = build_report(known, Filters(Period(date(2026, 9, 1), date(2026, 11, 30))))
    assert report.filters.period.by_week
    weeks = {a: sum(c.values()) for a, _b, c in report.buckets if sum(c.values())}
    assert weeks == {date(2026, 11, 2): 20, date(2026, 11, 16): 3}  # D1 and D2 share a Monday-to-Sunday week


def senders(rows: list[Any]) -> set[str]:
    return {r.sender_id for r in rows}


def test_the_conversations_behind_each_figure(known: Engine) -> None:
    def behind(**kwargs: str) -> set[str]:
        rows, total, archived = selection_conversations(known, Selection(kwargs.pop("filters", NOVEMBER), **kwargs))
        assert total == len(rows) and archived == 0
        return senders(rows)

    assert behind(category="handoff") == {"h1", "h2", "h3", "m1"}
    assert behind(faq_key="collectivites") == {"w1", "w2", "w3"}
    assert behind(verdict="concerne") == {"t1"}
    assert behind(outcome="not_taken") == {"h3"}
    assert behind(filters=Filters(Period(D3, D3))) == {"m1", "w4"}
    assert behind(filters=Filters(NOVEMBER.period, "rest")) == {"r1"}
    rows, _total, _archived = selection_conversations(known, Selection(NOVEMBER, category="faq"))
    assert {r.sender_id: r.matches for r in rows} == {"w1": 2, "w2": 2, "w3": 2, "w4": 1}
    assert rows[0].sender_id == "w4"  # most recent first


def test_the_console_s_own_tries_are_not_usage(store_url: str) -> None:
    """The console's « Parler à l'assistant » panel talks to the real assistant as console-essai-…:
    those conversations, interleaved with people's, count nowhere."""
    engine = make_engine(store_url)
    write_known_history(engine)
    h = History(engine)
    h.conversation("console-essai-alice-1a2b", at(D1, 9, 30), "rest").faq("financement").not_sure().off_topic()
    h.conversation("console-essai-admin-3c4d", at(D2, 14, 30), "rest").scope_check("concerne").handoff(
        taken_after=10)
    h.flush()
    StatsIndexer(engine, PARIS, batch_size=7).refresh()
    report = build_report(engine, NOVEMBER)
    assert report.total == 23 and report.sessions == 11
    assert dict(report.per_channel) == {"socketio": 13, "rest": 2, "callback": 6, "mattermost": 2}
    assert dict(report.faq) == {"financement": 4, "collectivites": 3}
    assert dict(report.verdicts) == {"concerne": 1, "non_concerne": 1}
    assert dict(report.handoffs) == {"taken": 3, "not_taken": 1} and report.median_wait == 50.0
    rows, _total, _archived = selection_conversations(engine, Selection(Filters(NOVEMBER.period, "rest")))
    assert senders(rows) == {"r1"}


def test_a_turn_split_across_runs_is_classified_once_complete(store_url: str) -> None:
    """The indexer reads a few events at a time: a question and the answer that follows it may be read
    in different runs, and a handoff taken minutes later still gets its wait."""
    engine = make_engine(store_url)
    write_known_history(engine)
    StatsIndexer(engine, PARIS, batch_size=7).refresh()
    report = build_report(engine, NOVEMBER)
    assert dict(report.per_category) == {"faq": 7, "other": 3, "declined": 2, "off_topic": 1, "scope": 6,
                                         "handoff": 4}
    assert report.median_wait == 50.0 and report.sessions == 11


def test_recent_events_wait_until_they_settle_on_postgresql(store_url: str) -> None:
    """Two Rasa instances may commit out of id order on PostgreSQL; SQLite commits one writer at a time."""
    engine = make_engine(store_url)
    h = History(engine)
    h.conversation("old", at(D1)).faq("financement")
    h.conversation("new", at(D1, 11)).faq("collectivites")
    h.flush()
    indexer = StatsIndexer(engine, PARIS)
    assert indexer.settle_seconds == (0 if store_url.startswith("sqlite") else 120)
    indexer.refresh(now=at(D1, 11) + 30)  # « new » was written 30 s ago
    expected = {"financement": 1} if indexer.settle_seconds else {"financement": 1, "collectivites": 1}
    assert dict(build_report(engine, NOVEMBER).faq) == expected
    indexer.refresh(now=at(D1, 11) + 600)
    assert dict(build_report(engine, NOVEMBER).faq) == {"financement": 1, "collectivites": 1}


def test_refresh_is_incremental_and_idempotent(known: Engine) -> None:
    again = StatsIndexer(known, PARIS).refresh()
    assert again.events == 0
    with known.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.turns)).scalar_one() == 23
    h = History(known)
    h.conversation("w5", at(D3, 19)).faq("collectivites")
    h.flush()
    assert StatsIndexer(known, PARIS).refresh().events > 0
    assert build_report(known, NOVEMBER).faq["collectivites"] == 4


# -- CSV --------------------------------------------------------------------------------------

def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def export(engine: Engine, name: str, filters: Filters = NOVEMBER) -> list[list[str]]:
    header, rows = EXPORTS[name][1](build_report(engine, filters), engine, {"financement": "Qui finance ?"})
    return read_csv("".join(csv_lines(header, rows)))


def test_csv_exports_hold_the_same_figures(known: Engine) -> None:
    assert export(known, "questions-frequentes") == [
        ["Rang", "Question", "Clé", "Réponses données"], ["1", "Qui finance ?", "financement", "4"],
        ["2", "collectivites", "collectivites", "3"]]
    channels = {row[1]: row[2] for row in export(known, "canaux")[1:]}
    assert channels == {"socketio": "13", "rest": "2", "callback": "6", "mattermost": "2"}
    handoffs = {row[1]: row[2] for row in export(known, "conseillers")[1:]}
    assert handoffs["taken"] == "3" and handoffs["not_taken"] == "1" and handoffs["median_wait"] == "50,0"
    assert handoffs["never_taken_share"] == "25,0"
    days = export(known, "questions-par-periode", Filters(Period(D1, D3)))
    assert days[1][:3] == ["02/11/2026", "02/11/2026", "11"] and len(days) == 1 + 19


def test_csv_one_row_per_conversation(known: Engine) -> None:
    rows = export(known, "conversations")
    header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert "Conversation" in header and len(body) == 11
    assert body["m1"]["Questions"] == "2" and body["m1"]["Vers un conseiller"] == "1"
    assert body["m1"]["« Pas sûr »"] == "1" and body["m1"]["Canal"] == "Mattermost"
    assert body["h1"]["Prises en charge"] == "1" and body["h1"]["Attentes (s)"] == "30"
    assert body["t2"]["Verdicts"] == "Non concerné"
    assert not any("SecNumCloud" in cell or "Bonjour" in cell for row in rows for cell in row)  # no message text


def test_csv_cells_never_run_as_formulas(store_url: str) -> None:
    engine = make_engine(store_url)
    h = History(engine)
    h.conversation("=HYPERLINK(\"http://x\")", at(D1)).faq("financement")
    h.flush()
    StatsIndexer(engine, PARIS).refresh()
    rows = export(engine, "conversations")
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"


# -- the page ---------------------------------------------------------------------------------

@pytest.fixture()
def known_app(settings: Any) -> Any:
    engine = make_engine(settings.tracker_url)
    write_known_history(engine)
    engine.dispose()
    catalog = settings.project_dir / "actions" / "data" / "catalog"
    catalog.mkdir(parents=True)
    (catalog / "financement.yml").write_text(
        "faq:\n  financement:\n    title: Qui finance la migration vers le cloud ?\n", encoding="utf-8")
    return settings


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.text


def test_every_role_sees_the_figures_and_their_tables(known_app: Any, agent: Any) -> None:
    client, _csrf = agent
    html = page(client, "/statistiques?du=2026-11-01&au=2026-11-30")
    assert 'id="kf-questions">23</strong>' in html
    assert 'id="kf-sessions">11</strong>' in html
    assert 'id="kf-wait">50 s</strong>' in html
    assert "La question la plus posée est « Qui finance la migration vers le cloud ? » (4 réponses)" in html
    assert ("De la semaine du 02/11/2026 à celle du 16/11/2026, la part des réponses de la FAQ passe de 30 % à 33 %, "
            "celle des « pas sûr » de 5 % à 33 %, celle des questions hors sujet de 5 % à 0 % et celle des demandes "
            "de conseiller de 15 % à 33 %.") in html
    assert "4 demandes de conseiller : délai médian de prise en charge 50 s ; 25 % n'ont jamais été prises" in html
    assert html.count("<canvas") == 7 and html.count('class="stats-table"') == 7
    assert '<td data-value="13">13</td>' in html  # socketio, in the channels table
    assert "/static/chartjs/chart.umd.min.js" in html
    assert "/donnees-personnelles" not in html  # the personal-data page is for admins


def test_a_row_links_to_the_conversations_behind_it(known_app: Any, agent: Any) -> None:
    client, _csrf = agent
    html = page(client, "/statistiques/conversations?du=2026-11-01&au=2026-11-30&categorie=handoff")
    assert {s for s in ("h1", "h2", "h3", "m1", "w1") if f'data-sender="{s}"' in html} == {"h1", "h2", "h3", "m1"}
    assert "4 conversations" in html


def test_bad_filters_get_a_clear_french_error(known_app: Any, agent: Any) -> None:
    client, _csrf = agent
    response = client.get("/statistiques?du=hier")
    assert response.status_code == 400 and "AAAA-MM-JJ" in response.text
    response = client.get("/statistiques?du=2026-11-30&au=2026-11-01")
    assert response.status_code == 400 and "début est après la date de fin" in response.text
    assert client.get("/statistiques/conversations?categorie=nimporte").status_code == 400
    assert client.get("/statistiques/export/inconnu.csv").status_code == 404


def test_csv_download_from_the_page(known_app: Any, agent: Any) -> None:
    client, _csrf = agent
    response = client.get("/statistiques/export/verdicts.csv?du=2026-11-01&au=2026-11-30")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.text)
    assert Counter(row[1] for row in rows[1:]) == Counter({"concerne": 1, "non_concerne": 1})


def test_statistics_need_a_login(client: Any) -> None:
    response = client.get("/statistiques")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.fixture()
def no_tracker_yet(settings: Any, tmp_path: Any) -> Any:
    settings.tracker_url = f"sqlite:///{tmp_path / 'not-yet-created.db'}"
    return settings


def test_before_rasa_wrote_anything_the_page_shows_zeros(no_tracker_yet: Any, agent: Any) -> None:
    client, _csrf = agent
    html = page(client, "/statistiques")
    assert 'id="kf-questions">0</strong>' in html and "Aucune question sur la période." in html
    assert "Aucune purge n'a encore eu lieu." in html
    assert page(client, "/statistiques/export/conversations.csv").startswith("\ufeffConversation;")
