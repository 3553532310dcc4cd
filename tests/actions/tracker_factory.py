"""Trackers for hermetic action tests, built with Tracker.from_dict as the action server receives them."""

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker

SCOPE_SLOT_DEFAULTS = {
    "entity_type": None,
    "new_project": None,
    "refactor_percentage": None,
    "organisation": None,
    "scope_failures": 0,
    "scope_verdict": None,
    "check_answers": None,
    "last_check": None,
    "topic": None,
    "check_to_continue": False,
    "fallback_count": 0,
    "handoff_requested": False,
    "requested_slot": None,
}


def parse_data(
    text: str,
    intent: str = "faq",
    confidence: float = 0.95,
    faq_ranking: Optional[List[Tuple[str, float]]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    """A `latest_message` as Rasa 3.6 builds it, with the FAQ ResponseSelector output."""
    ranking = [{"intent_response_key": f"faq/{key}", "confidence": conf} for key, conf in (faq_ranking or [])]
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "intent_response_key": ranking[0]["intent_response_key"] if ranking else None,
                    "confidence": ranking[0]["confidence"] if ranking else 0.0,
                },
                "ranking": ranking,
            },
        },
    }


def earlier_turn(user_text: str, response: str, sections: List[str]) -> List[Dict[str, Any]]:
    """The events of a turn before the latest message: the person's question and the bot's answer, as Rasa
    stores them (the response's name and its sections in the bot event's metadata)."""
    return [
        {"event": "user", "text": user_text, "parse_data": parse_data(user_text)},
        {"event": "bot", "text": "…", "metadata": {"utter_action": response, "metadata": {"sections": sections}}},
    ]


def make_tracker(
    latest_message: Dict[str, Any],
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = None,
    input_channel: Optional[str] = "socketio",
    before: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    all_slots = dict(SCOPE_SLOT_DEFAULTS)
    all_slots.update(slots or {})
    return Tracker.from_dict(
        {
            "sender_id": "test-agent",
            "slots": all_slots,
            "latest_message": latest_message,
            "events": list(before or []) + [
                {
                    "event": "user",
                    "text": latest_message["text"],
                    "parse_data": latest_message,
                    "input_channel": input_channel,
                }
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )
