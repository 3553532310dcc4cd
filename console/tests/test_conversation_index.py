"""The index the list, the inbox and the queue read (stats_messages, stats_conversations), the new answer
families' categories, and the French names of every response of the domain."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO_ROOT, Tracker
from console_app import stats_tables as t
from console_app.db import make_engine as make_console_engine
from console_app.labels import Labels
from console_app.retention import erase_conversation
from console_app.stats_indexer import StatsIndexer
from console_app.tracker import make_tracker_engine
from sqlalchemy import select
from sqlalchemy.engine import Engine


def _indexed(tracker: Tracker) -> Engine:
    engine = make_tracker_engine(f"sqlite:///{tracker.path}")
    StatsIndexer(engine, settle_seconds=0).refresh()
    return engine


def _categories(engine: Engine, sender: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.turns.c.category).where(t.turns.c.sender_id == sender)
                                 .order_by(t.turns.c.event_id)).scalars())


def test_follow_up_answers_perimeter_and_sheet_are_counted_as_such(tracker: Tracker) -> None:
    tracker.user("c-suivi", "et pour le financement, combien ?", "faq", 0.6, "faq/financement", 0.4)
    tracker.bot("c-suivi", "Le montant…", utter_action="utter_suivi_financement_montant")
    tracker.user("c-suivi", "pourquoi ?", "faq", 0.5)
    tracker.bot("c-suivi", "Parce que…", utter_action="utter_pourquoi_reponse")
    tracker.user("c-suivi", "et l'ign ?", "inform", 0.7)
    tracker.bot("c-suivi", "L'IGN est un opérateur…", utter_action="utter_perimetre_operateur")
    tracker.user("c-suivi", "la fiche ?", "affirm", 0.9)
    tracker.bot("c-suivi", "", utter_action="utter_orientation_sheet")
    tracker.user("c-suivi", "comme indiqué ?", "faq", 0.5)
    tracker.bot("c-suivi", "Comme indiqué…", utter_action="utter_comme_indique")
    engine = _indexed(tracker)
    assert _categories(engine, "c-suivi") == ["followup", "followup", "scope", "scope", "followup"]


def test_conversation_rows_follow_their_turns(tracker: Tracker) -> None:
    engine = _indexed(tracker)
    with engine.connect() as conn:
        rows = {r.sender_id: r for r in conn.execute(select(t.conversations))}
    assert set(rows) == {"c-faq", "c-fallback", "c-scope", "c-faqfail", "c-other"}
    fallback = rows["c-fallback"]
    assert fallback.turns == 3 and fallback.declined == 1 and fallback.handoff
    assert fallback.first_text == "ma licorne administrative veut du cloud"
    assert fallback.last_text == "je veux parler à un humain"
    assert rows["c-faq"].channels == ",rest," and rows["c-scope"].verdict == "concerne"
    # A new message updates its conversation's row at the next pass, without rebuilding anything else.
    tracker.user("c-faq", "et pour une mairie ?", "faq", 0.9, "faq/collectivites", 0.9, channel="tchap")
    StatsIndexer(engine, settle_seconds=0).refresh()
    with engine.connect() as conn:
        faq = conn.execute(select(t.conversations).where(t.conversations.c.sender_id == "c-faq")).one()
        message = conn.execute(select(t.messages).order_by(t.messages.c.event_id.desc())).first()
    assert faq.turns == 2 and faq.channels == ",rest,tchap," and faq.last_text == "et pour une mairie ?"
    assert message is not None
    assert (message.label, message.confidence, message.normalized) == ("faq/collectivites", 0.9,
                                                                      "et pour une mairie")


def test_erasure_takes_the_persons_words_out_of_the_index(tracker: Tracker, tmp_path: Path) -> None:
    engine = _indexed(tracker)
    console = make_console_engine(f"sqlite:///{tmp_path / 'console.db'}")
    assert erase_conversation(engine, console, "c-fallback", "alice") > 0
    with engine.connect() as conn:
        texts = list(conn.execute(select(t.messages.c.text)).scalars())
        senders = set(conn.execute(select(t.conversations.c.sender_id)).scalars())
    assert "ma licorne administrative veut du cloud" in texts  # c-other said it too: kept
    assert not any("sekurité" in x or "humain" in x for x in texts)
    assert "c-fallback" not in senders and "c-other" in senders
    with engine.connect() as conn:
        assert conn.execute(select(t.messages).where(t.messages.c.sender_id == "c-fallback")).first() is None


def test_an_index_from_an_older_console_is_rebuilt_once(tracker: Tracker) -> None:
    engine = _indexed(tracker)
    with engine.begin() as conn:  # as an older console left it: no messages, no version
        conn.execute(t.messages.delete())
        conn.execute(t.conversations.delete())
        conn.execute(t.state.delete().where(t.state.c.name == "index_version"))
    t._READY.discard(engine)
    StatsIndexer(engine, settle_seconds=0).refresh()
    with engine.connect() as conn:
        assert len(conn.execute(select(t.messages)).all()) == 7
        assert len(conn.execute(select(t.conversations)).all()) == 5
        assert len(conn.execute(select(t.turns)).all()) == 7  # rebuilt, not doubled


def test_every_response_of_the_domain_has_a_french_name() -> None:
    labels = Labels(REPO_ROOT / "actions" / "data" / "catalog")
    names = set()
    for path in (REPO_ROOT / "domain").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        responses = text.split("\nresponses:\n", 1)[1] if "\nresponses:\n" in text else ""
        names |= set(re.findall(r"^  (utter_[\w/]+):", responses, re.M))
    assert len(names) > 150
    unnamed = sorted(n for n in names if labels.response(n) == n or "utter_" in labels.response(n))
    assert unnamed == []
    assert labels.response("utter_faq/financement") == "Réponse : Existe-t-il un financement pour le cloud ?"
    assert labels.response("utter_suivi_derogation_r9") == "Réponse de suivi : derogation R9"
    assert labels.action("action_session_start") == "Début de session"
