"""Retention (RGPD): the purge removes exactly what is older than the period and keeps the statistics;
a conversation still in use only loses what Rasa no longer reads; erasure of one conversation; the
audit log's own period; the settings' bounds. On SQLite and on PostgreSQL."""
from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from console_app import stats_tables as t
from console_app.db import annotations as annotation_records
from console_app.db import audit_log, dismissals, reviews, tags, takeovers
from console_app.db import make_engine as make_console_engine
from console_app.retention import (
    RetentionConfigError,
    RetentionPolicy,
    erase_conversation,
    last_purge,
    next_purge_at,
    purge,
    purge_is_due,
)
from console_app.stats_indexer import StatsIndexer
from console_app.stats_report import Filters, Period
from history import History, make_engine
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Engine
from test_statistics import D1, NOVEMBER, PARIS, at, build_report, write_known_history

# 10 December: with 30 days kept, D1 and D2 (2 and 3 November) are past the period, D3 (20 November) is not.
NOW = at(date(2026, 12, 10), 3, 30)
AUTUMN = Filters(Period(date(2026, 10, 1), date(2026, 12, 31)))


def events_of(engine: Engine) -> dict[str, list[tuple[int, str, float]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.events.c.id, t.events.c.sender_id, t.events.c.type_name, t.events.c.timestamp)
                            .order_by(t.events.c.id))
        out: dict[str, list[tuple[int, str, float]]] = {}
        for r in rows:
            out.setdefault(r.sender_id, []).append((r.id, r.type_name, r.timestamp))
        return out


def rasa_session_events(engine: Engine, sender: str) -> list[int]:
    """The events Rasa's SQLTrackerStore reads and counts for a conversation (its `_event_query`)."""
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT id FROM events WHERE sender_id = :s AND (timestamp >= (SELECT max(timestamp) FROM events "
            "WHERE sender_id = :s AND type_name = 'session_started') OR (SELECT max(timestamp) FROM events "
            "WHERE sender_id = :s AND type_name = 'session_started') IS NULL) ORDER BY id"), {"s": sender})]


@pytest.fixture()
def console_db(tmp_path: Any) -> Engine:
    return make_console_engine(f"sqlite:///{tmp_path / 'console.db'}")


def test_purge_removes_exactly_what_is_older_and_keeps_the_counts(store_url: str, console_db: Engine) -> None:
    engine = make_engine(store_url)
    write_known_history(engine)
    StatsIndexer(engine, PARIS).refresh(now=NOW)
    before_events = events_of(engine)
    before = build_report(engine, NOVEMBER)

    report = purge(engine, console_db, RetentionPolicy(), now=NOW)

    after_events = events_of(engine)
    cutoff = NOW - 30 * 86400
    old = {s for s, evs in before_events.items() if max(ts for _i, _k, ts in evs) < cutoff}
    assert old == {"w1", "w2", "w3", "r1", "t1", "t2", "h1", "h2", "h3"}
    assert set(after_events) == {"m1", "w4"}
    assert after_events == {s: before_events[s] for s in ("m1", "w4")}  # untouched, event for event
    assert report.conversations_deleted == 9 and report.conversations_trimmed == 0
    assert report.events_deleted == sum(len(before_events[s]) for s in old)

    after = build_report(engine, NOVEMBER)
    for figure in ("per_day", "per_channel", "per_category", "faq", "verdicts", "handoffs", "waits"):
        assert getattr(after, figure) == getattr(before, figure), figure
    assert after.sessions == before.sessions == 11
    assert after.archived == 20  # D1 and D2's questions: counted, no longer viewable
    with engine.connect() as conn:
        indexed = {r[0] for r in conn.execute(select(t.turns.c.sender_id).distinct())}
        daily = conn.execute(select(t.daily.c.day, t.daily.c.channel, t.daily.c.key)).all()
    assert indexed == {"m1", "w4"}  # the index of purged conversations is gone too
    assert all(len(row) == 3 for row in daily) and {d for d, _c, _k in daily} == {"2026-11-02", "2026-11-03"}
    assert last_purge(engine)["conversations_deleted"] == 9

    again = purge(engine, console_db, RetentionPolicy(), now=NOW)
    assert again.events_deleted == 0 and build_report(engine, NOVEMBER).per_category == before.per_category


def test_a_conversation_in_use_keeps_what_rasa_reads(store_url: str, console_db: Engine) -> None:
    """Old sessions go; the latest session, which Rasa loads and counts before saving, stays whole."""
    engine = make_engine(store_url)
    h = History(engine)
    talk = h.conversation("u1", at(D1)).faq("financement").greet()
    talk.clock = NOW - 3600  # back an hour ago: Rasa opens a new session (expired after 8 hours)
    talk.session_start().faq("collectivites").scope_check("concerne")
    h.conversation("old", at(D1)).faq("financement")
    h.flush()
    StatsIndexer(engine, PARIS).refresh(now=NOW)
    kept_by_rasa = rasa_session_events(engine, "u1")
    before_events = events_of(engine)["u1"]
    before = build_report(engine, AUTUMN)

    report = purge(engine, console_db, RetentionPolicy(), now=NOW)

    assert report.conversations_deleted == 1 and report.conversations_trimmed == 1
    remaining = events_of(engine)
    assert set(remaining) == {"u1"}
    assert rasa_session_events(engine, "u1") == kept_by_rasa  # what Rasa reads and counts is unchanged
    # Only the first session went: every event older than the period (the current one is an hour old).
    assert remaining["u1"] == [e for e in before_events if e[2] >= NOW - 30 * 86400]
    assert len(remaining["u1"]) < len(before_events) and remaining["u1"][0][1] == "action"  # action_session_start
    after = build_report(engine, AUTUMN)
    assert after.per_category == before.per_category and after.sessions == before.sessions == 3

    more = History(engine)  # Rasa goes on in the same session after the purge
    more.conversation("u1", NOW - 60, new_session=False).faq("regle_r5")
    more.flush()
    StatsIndexer(engine, PARIS).refresh(now=NOW + 600)
    assert build_report(engine, AUTUMN).faq["regle_r5"] == 1


def test_erasing_one_conversation(store_url: str, console_db: Engine) -> None:
    engine = make_engine(store_url)
    write_known_history(engine)
    StatsIndexer(engine, PARIS).refresh()
    with console_db.begin() as conn:
        conn.execute(insert(reviews).values(sender_id="h1", reviewed_by="alice", reviewed_at=time.time()))
        conn.execute(insert(tags).values(sender_id="h1", tag="rgpd", added_by="alice", added_at=time.time()))
        conn.execute(insert(tags).values(sender_id="h2", tag="rgpd", added_by="alice", added_at=time.time()))
        conn.execute(insert(takeovers).values(sender_id="h1", pause_ts=1.0, status="closed", agent="alice"))
    before_events = events_of(engine)
    before = build_report(engine, NOVEMBER)

    deleted = erase_conversation(engine, console_db, "h1", by="admin")

    assert deleted == len(before_events["h1"])
    after_events = events_of(engine)
    assert "h1" not in after_events
    assert after_events == {s: e for s, e in before_events.items() if s != "h1"}
    with engine.connect() as conn:
        for table in (t.turns, t.handoffs, t.senders):
            assert conn.execute(select(func.count()).select_from(table).where(table.c.sender_id == "h1")).scalar_one() == 0
    with console_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reviews)).scalar_one() == 0
        assert [r.sender_id for r in conn.execute(select(tags))] == ["h2"]
        assert conn.execute(select(func.count()).select_from(takeovers)).scalar_one() == 0
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "erase")).one()
    assert (entry.username, entry.target) == ("admin", "h1")
    after = build_report(engine, NOVEMBER)
    assert after.per_category == before.per_category and after.handoffs == before.handoffs  # counted, anonymously
    assert erase_conversation(engine, console_db, "h1", by="admin") == 0  # already gone: nothing to audit


def test_audit_log_and_old_counts_have_their_own_periods(store_url: str, console_db: Engine) -> None:
    engine = make_engine(store_url)
    History(engine).flush()
    with console_db.begin() as conn:
        for days, action in ((400, "old"), (300, "recent")):
            conn.execute(insert(audit_log).values(ts=NOW - days * 86400, username="alice", action=action))
        for days, text_ in ((31, "ancien message annoté"), (29, "message annoté récent")):
            conn.execute(insert(annotation_records).values(text=text_, normalized=text_, intent="faq", file="f.yml",
                                                    annotated_by="alice", annotated_at=NOW - days * 86400))
    assert t.ensure_schema(engine)
    with engine.begin() as conn:
        for day, n in (("2024-11-09", 5), ("2024-11-10", 7), ("2026-11-02", 3)):
            conn.execute(insert(t.daily).values(day=day, metric="turns", channel="rest", key="faq", count=n))

    report = purge(engine, console_db, RetentionPolicy(), now=NOW)

    with console_db.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]
    assert actions == ["recent", "purge"] and report.audit_rows_deleted == 1
    with console_db.connect() as conn:
        assert [r.text for r in conn.execute(select(annotation_records))] == ["message annoté récent"]
    with engine.connect() as conn:
        days = sorted(r.day for r in conn.execute(select(t.daily.c.day)))
    assert days == ["2024-11-10", "2026-11-02"]  # 25 months before 10/12/2026 is 10/11/2024


def test_retention_settings_and_their_bounds() -> None:
    assert RetentionPolicy.from_env({}).conversation_days == 30
    assert RetentionPolicy.from_env({"CONVERSATION_RETENTION_DAYS": "183"}).conversation_days == 183
    for name, value in (("CONVERSATION_RETENTION_DAYS", "184"), ("CONVERSATION_RETENTION_DAYS", "0"),
                        ("CONVERSATION_RETENTION_DAYS", "trente"), ("CONSOLE_AUDIT_RETENTION_DAYS", "366"),
                        ("STATS_RETENTION_MONTHS", "26"), ("RETENTION_PURGE_TIME", "25:00"),
                        ("STATS_TIMEZONE", "Mars/Olympus")):
        with pytest.raises(RetentionConfigError):
            RetentionPolicy.from_env({name: value})
    with pytest.raises(RetentionConfigError, match="au plus 6 mois"):
        RetentionPolicy.from_env({"CONVERSATION_RETENTION_DAYS": "200"})


def test_the_job_purges_at_night_and_catches_up_a_missed_night(store_url: str, console_db: Engine) -> None:
    policy = RetentionPolicy()
    evening = at(date(2026, 12, 9), 22)
    assert next_purge_at(policy, evening) == at(date(2026, 12, 10), 3, 30)
    assert next_purge_at(policy, at(date(2026, 12, 10), 3, 31)) == at(date(2026, 12, 11), 3, 30)
    engine = make_engine(store_url)
    assert purge_is_due(engine, NOW)  # never purged
    purge(engine, console_db, policy, now=NOW)
    assert not purge_is_due(engine, NOW + 3600)
    assert purge_is_due(engine, NOW + 86400 + 1)


def test_new_conversations_are_counted_after_the_newest_one_is_erased(store_url: str, console_db: Engine) -> None:
    """SQLite hands the ids of deleted rows out again (Rasa's table has no AUTOINCREMENT)."""
    engine = make_engine(store_url)
    write_known_history(engine)  # « w4 » is the last conversation written: it holds the largest ids
    StatsIndexer(engine, PARIS).refresh()
    assert erase_conversation(engine, console_db, "w4", by="admin") > 0
    h = History(engine)
    h.conversation("w5", at(D1, 20)).faq("regle_r5").faq("regle_r5")
    h.flush()
    StatsIndexer(engine, PARIS).refresh()
    report = build_report(engine, NOVEMBER)
    assert report.faq["regle_r5"] == 2 and report.total == 23 + 2


# -- the console's pages ------------------------------------------------------------------------

def test_an_admin_erases_a_conversation_from_the_console(admin: Any, settings: Any) -> None:
    client, csrf = admin
    transcript = client.get("/conversations/c-faq").text
    assert 'href="/effacement/c-faq"' in transcript
    confirm = client.get("/effacement/c-faq")
    assert confirm.status_code == 200 and "L'effacement est définitif" in confirm.text
    assert client.post("/effacement/c-faq", data={}).status_code == 403  # no CSRF token
    response = client.post("/effacement/c-faq", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert client.get("/conversations/c-faq").status_code == 404
    assert "Conversation « c-faq » effacée" in client.get(response.headers["location"]).text
    audit_page = client.get("/audit").text
    assert "erase" in audit_page and "c-faq" in audit_page
    assert client.post("/effacement/c-faq", data={"csrf_token": csrf}).status_code == 404
    engine = make_engine(settings.tracker_url)
    assert "c-faq" not in events_of(engine) and "c-scope" in events_of(engine)


def test_agents_cannot_erase_nor_see_the_personal_data_page(agent: Any) -> None:
    client, csrf = agent
    assert 'href="/effacement/' not in client.get("/conversations/c-faq").text
    assert client.get("/effacement/c-faq").status_code == 403
    assert client.post("/effacement/c-faq", data={"csrf_token": csrf}).status_code == 403
    assert client.get("/donnees-personnelles").status_code == 403
    assert client.post("/donnees-personnelles/purge", data={"csrf_token": csrf}).status_code == 403
    assert client.get("/conversations/c-faq").status_code == 200


def test_the_personal_data_page_finds_a_conversation_by_its_id_and_purges(admin: Any) -> None:
    client, csrf = admin
    page = client.get("/donnees-personnelles?q=fall").text
    assert "30 jours" in page and "Aucune purge n'a encore eu lieu." in page
    assert 'href="/effacement/c-fallback"' in page and "c-faq" not in page
    assert "Aucune conversation conservée ne correspond." in client.get("/donnees-personnelles?q=%25").text
    response = client.post("/donnees-personnelles/purge", data={"csrf_token": csrf})
    assert response.status_code == 303
    page = client.get("/donnees-personnelles").text
    assert "Purge effectuée : 0 conversation(s) supprimée(s)" in page  # the fixture's conversations are recent
    assert "Aucune purge n'a encore eu lieu." not in page
    assert "purge" in client.get("/audit").text


def test_an_invalid_retention_setting_is_shown_not_ignored(admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client, csrf = admin
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "365")
    page = client.get("/donnees-personnelles").text
    assert "la purge ne tourne pas" in page and "au plus 6 mois" in page
    response = client.post("/donnees-personnelles/purge", data={"csrf_token": csrf})
    assert response.status_code == 400 and "au plus 6 mois" in response.text
    assert "configuration de la conservation des données est invalide" in client.get("/statistiques").text


def test_old_events_written_after_recent_ones_are_purged_once_counted(store_url: str, console_db: Engine) -> None:
    """Only counted events are deleted: on PostgreSQL the count waits two minutes after a recent event,
    so old events written after it (e.g. through Rasa's API) wait for the next purge."""
    now = time.time()
    engine = make_engine(store_url)
    h = History(engine)
    h.conversation("recent", now - 30).faq("financement")
    h.conversation("back-dated", now - 40 * 86400).faq("collectivites")
    h.flush()
    first = purge(engine, console_db, RetentionPolicy(), now=now)
    second = purge(engine, console_db, RetentionPolicy(), now=now + 600)
    if store_url.startswith("sqlite"):
        assert (first.conversations_deleted, second.conversations_deleted) == (1, 0)
    else:
        assert (first.conversations_deleted, second.conversations_deleted) == (0, 1)
    assert set(events_of(engine)) == {"recent"}
    around = Filters(Period(date.fromtimestamp(now - 41 * 86400), date.fromtimestamp(now + 86400)))
    assert dict(build_report(engine, around).faq) == {"financement": 1, "collectivites": 1}  # both counted


def test_old_events_are_found_through_an_index_on_their_timestamp(store_url: str) -> None:
    """Rasa's `events` has no index on `timestamp`: the console adds one, or every purge would read the
    whole table."""
    engine = make_engine(store_url)
    assert t.ensure_schema(engine)
    indexes = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("events")}
    assert ("timestamp",) in indexes


def test_no_quote_of_a_message_outlives_the_conversations(console_db: Engine, tmp_path: Any) -> None:
    """The inbox's messages set aside, and the audit lines quoting a message, keep what a person wrote:
    past the conversations' period the text goes, the audit line (who, what, when) stays."""
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with console_db.begin() as conn:
        for days, quoted in ((31, "mon numéro est le 06 12 34 56 78"), (29, "message mis de côté récent")):
            ts = NOW - days * 86400
            conn.execute(insert(dismissals).values(normalized=quoted, text=quoted, dismissed_by="alice",
                                                   dismissed_at=ts))
            conn.execute(insert(audit_log).values(ts=ts, username="alice", action="inbox_dismiss", target=quoted))
            conn.execute(insert(audit_log).values(ts=ts, username="bob", action="annotation", target="faq/cout",
                                                  detail=f"{quoted} → data/nlu/faq.yml"))
            conn.execute(insert(audit_log).values(ts=ts, username="bob", action="review", target="w1",
                                                  detail="revue"))

    first = purge(engine, console_db, RetentionPolicy(), now=NOW)
    again = purge(engine, console_db, RetentionPolicy(), now=NOW + 60)

    with console_db.connect() as conn:
        assert [r.text for r in conn.execute(select(dismissals))] == ["message mis de côté récent"]
        lines = [(r.username, r.action, r.target, r.detail) for r in conn.execute(
            select(audit_log).where(audit_log.c.action != "purge").order_by(audit_log.c.id))]
    gone = "(texte retiré : plus ancien que la durée de conservation des conversations)"
    assert lines == [
        ("alice", "inbox_dismiss", gone, None),
        ("bob", "annotation", "faq/cout", gone + " → data/nlu/faq.yml"),
        ("bob", "review", "w1", "revue"),
        ("alice", "inbox_dismiss", "message mis de côté récent", None),
        ("bob", "annotation", "faq/cout", "message mis de côté récent → data/nlu/faq.yml"),
        ("bob", "review", "w1", "revue"),
    ]
    assert first.audit_quotes_removed == 2 and again.audit_quotes_removed == 0
    assert "2 citation(s) de message retirée(s) du journal" in first.summary()
