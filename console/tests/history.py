"""Writes conversations into a tracker store exactly as Rasa 3.6 and the action server do (event types,
order, `utter_action` metadata, pauses, advisers' messages), for the statistics and retention tests
and for the statistics benchmark (benchmarks/statistics.py). SQLite or PostgreSQL.

The event sequences were copied from conversations recorded with the real assistant (rest channel,
HANDOFF_ENABLED=true), one per path: FAQ answer, « pas sûr », off topic, scope check, handoff.
"""
from __future__ import annotations

import json
from typing import Any

from console_app.stats_tables import events as EVENTS  # Rasa's schema
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine

META = {"model_id": "93a6a3b5bd5248b294dcd4392d29168e", "assistant_id": "cloud-au-centre"}
INTENTS = ("faq", "thanks", "bot_challenge", "inform", "deny", "goodbye", "greet", "stop", "what_can_you_do",
           "affirm")
TIMEOUT_TEXT = ("Aucun conseiller n'est disponible pour le moment. Vous pouvez écrire à l'équipe de la DINUM : "
                "infonuage.dinum@modernisation.gouv.fr — elle vous répondra. L'assistant reprend la conversation "
                "en attendant.")

def make_engine(url: str) -> Engine:
    """An engine on a tracker database with Rasa's `events` table (created if missing)."""
    engine = create_engine(url, future=True)
    EVENTS.metadata.create_all(engine)
    return engine


class History:
    """Buffers events and writes them in bulk (flush)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows: list[dict[str, Any]] = []

    def conversation(self, sender: str, start: float, channel: str = "socketio",
                     new_session: bool = True) -> "Conversation":
        """A conversation starting (by default) with Rasa's session start, at `start`."""
        return Conversation(self, sender, start, channel, new_session)

    def flush(self) -> None:
        if self.rows:
            with self.engine.begin() as conn:
                conn.execute(insert(EVENTS), self.rows)
            self.rows = []


class Conversation:
    """One conversation; each method is one turn of the person and what the assistant does."""

    def __init__(self, history: History, sender: str, start: float, channel: str, new_session: bool) -> None:
        self.history, self.sender, self.clock, self.channel = history, sender, start, channel
        if new_session:
            self.session_start()

    def _add(self, event: dict[str, Any], step: float = 0.01, metadata: dict[str, Any] | None = None) -> None:
        self.clock += step
        event = {"event": event.pop("event"), "timestamp": self.clock, "metadata": {**(metadata or {}), **META},
                 **event}
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        self.history.rows.append({
            "sender_id": self.sender, "type_name": event["event"], "timestamp": self.clock,
            "intent_name": intent, "action_name": event.get("name") if event["event"] in ("action", "slot",
                                                                                          "active_loop") else None,
            "data": json.dumps(event, ensure_ascii=False),
        })

    def wait(self, seconds: float) -> "Conversation":
        self.clock += seconds
        return self

    def action(self, name: str) -> None:
        self._add({"event": "action", "name": name, "policy": "RulePolicy", "confidence": 1.0})

    def slot(self, name: str, value: Any) -> None:
        self._add({"event": "slot", "name": name, "value": value})

    def bot(self, text: str, response: str | None = None, agent: str | None = None) -> None:
        metadata: dict[str, Any] = {}
        if response:
            metadata = {"utter_action": response, "template": response}
        if agent:
            metadata = {"agent": agent}
        self._add({"event": "bot", "text": text, "data": {"buttons": None}}, metadata=metadata)

    def user(self, text: str, intent: str, confidence: float = 0.95, faq_key: str | None = None) -> None:
        parse: dict[str, Any] = {
            "intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
            "intent_ranking": [{"name": name, "confidence": confidence if name == intent else 1e-3}
                               for name in INTENTS],
        }
        if faq_key:
            parse["response_selector"] = {"all_retrieval_intents": ["faq"], "faq": {
                "response": {"confidence": confidence, "intent_response_key": f"faq/{faq_key}",
                             "utter_action": f"utter_faq/{faq_key}"},
                "ranking": [{"confidence": confidence, "intent_response_key": f"faq/{faq_key}"}]}}
        self._add({"event": "user", "text": text, "parse_data": parse, "input_channel": self.channel}, step=5.0)
        self._add({"event": "user_featurization", "use_text_for_featurization": False})

    def listen(self) -> None:
        self.action("action_listen")

    # -- turns ------------------------------------------------------------------------------

    def session_start(self) -> "Conversation":
        self.action("action_session_start")
        self._add({"event": "session_started"})
        self.listen()
        return self

    def faq(self, key: str, text: str = "Qui finance la migration vers le cloud ?") -> "Conversation":
        self.user(text, "faq", 0.99, key)
        self.action("action_answer_faq")
        self.bot(f"Réponse à {key}. Source : https://www.numerique.gouv.fr/services/cloud/", f"utter_faq/{key}")
        self.slot("fallback_count", 0)
        self.listen()
        return self

    def not_sure(self, failures: int = 1, text: str = "cloud truc machin") -> "Conversation":
        """« Pas sûr » with suggestions; the second failure in a row hands over to an adviser (paused)."""
        self.user(text, "faq", 0.41, "financement")
        self.action("action_answer_faq")
        self.bot("Je ne suis pas sûr d'avoir bien compris votre question.", "utter_low_confidence")
        self.bot("Si votre question est différente, écrivez à infonuage.dinum@modernisation.gouv.fr.",
                 "utter_contact_hint")
        if failures >= 2:
            self._handoff_events()
        else:
            self.slot("fallback_count", failures)
            self.listen()
        return self

    def off_topic(self, text: str = "Quelle est la recette de la tarte aux pommes ?") -> "Conversation":
        self.user(text, "out_of_scope", 0.97)
        self.action("action_answer_faq")
        self.bot("Je ne peux répondre qu'aux questions sur la doctrine « Cloud au centre ».", "utter_out_of_scope")
        self.bot("Si votre question est différente, écrivez à infonuage.dinum@modernisation.gouv.fr.",
                 "utter_contact_hint")
        self.listen()
        return self

    def greet(self) -> "Conversation":
        self.user("Bonjour", "greet", 0.99)
        self.action("utter_greet")
        self.bot("Bonjour ! Je suis l'assistant de la doctrine « Cloud au centre » de l'État.", "utter_greet")
        self.listen()
        return self

    def scope_check(self, verdict: str = "concerne") -> "Conversation":
        """Three turns: /check_scope, the entity type, « new project? » — then the verdict."""
        self.user("/check_scope", "check_scope", 1.0)
        self.action("utter_scope_intro")
        self.bot("Vérifions ensemble si votre projet est concerné par la doctrine.", "utter_scope_intro")
        self.action("scope_form")
        self._add({"event": "active_loop", "name": "scope_form"})
        self.slot("requested_slot", "entity_type")
        self.bot("Dans quel type d'entité travaillez-vous ?", "utter_ask_entity_type")
        self.listen()
        self.user("administration centrale", "inform", 0.9)
        self.action("scope_form")
        self.slot("entity_type", "administration_centrale")
        self.slot("requested_slot", "new_project")
        self.bot("S'agit-il d'un nouveau projet ?", "utter_ask_new_project")
        self.listen()
        self.user("oui", "affirm", 0.99)
        self.action("scope_form")
        self.slot("new_project", True)
        self.slot("requested_slot", None)
        self._add({"event": "active_loop", "name": None})
        self.action("action_scope_verdict")
        self.bot(f"Verdict : {verdict}.")  # a text from the action server: no response name
        self.slot("scope_verdict", verdict)
        self.slot("fallback_count", 0)
        for name in ("entity_type", "new_project", "refactor_percentage", "organisation"):
            self.slot(name, None)
        self.listen()
        return self

    def _handoff_events(self) -> None:
        self.bot("Je vous mets en relation avec un membre de l'équipe support.", "utter_handoff_started")
        self.slot("handoff_requested", True)
        self.slot("fallback_count", 0)
        self._add({"event": "pause"})

    def handoff(self, taken_after: float | None = None, person_writes: int = 1) -> "Conversation":
        """« Je veux parler à un humain »; an adviser takes it after `taken_after` seconds, or nobody does
        (the console's timeout answer). The person's messages to the adviser are not questions."""
        self.user("je veux parler à un humain", "ask_human", 0.99)
        self.action("action_handoff")
        self._handoff_events()
        return self.answer_handoff(taken_after, person_writes)

    def answer_handoff(self, taken_after: float | None, person_writes: int = 1) -> "Conversation":
        if taken_after is None:
            self.wait(120)
            self.bot(TIMEOUT_TEXT, agent="console")
        else:
            self.wait(taken_after - 0.01)
            self.bot("Un conseiller, alice, a rejoint la conversation.", agent="alice")
            for _ in range(person_writes):
                self.user("ma question porte sur SecNumCloud", "faq", 0.8, "secnumcloud")
            self.bot("L'assistant reprend la conversation.", agent="alice")
        self.slot("handoff_requested", False)
        self._add({"event": "resume"})
        return self
