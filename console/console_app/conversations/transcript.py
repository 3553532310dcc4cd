"""A conversation's events turned into what the transcript shows: the people's messages (with what the
assistant read in them, in French), the replies (with the response's French name), and the system events
(variables, actions, sessions) folded into groups the page shows closed by default."""
from __future__ import annotations

from typing import Any

from ..labels import Labels
from ..tracker import TrackerReader, fmt_ts, message_from_event

# Events a support agent reads as part of the story (always shown): a pause for an adviser and its end.
VISIBLE_STATES = {"pause": "Conversation mise en pause : une personne attend un conseiller",
                  "resume": "L'assistant reprend la conversation"}
SYSTEM_STATES = {"restart": "Redémarrage de la conversation", "session_started": "Nouvelle session"}


def transcript_lines(reader: TrackerReader, sender_id: str, threshold: float, labels: Labels) -> list[dict[str, Any]]:
    """Events turned into display lines (user / bot / state / system)."""
    lines: list[dict[str, Any]] = []
    for event in reader.events(sender_id):
        kind, ts = event["_type"], fmt_ts(float(event.get("timestamp") or 0))
        if kind == "user":
            msg = message_from_event(event["_id"], sender_id, event)
            lines.append({"kind": "user", "id": event["_id"], "time": ts, "text": msg.text, "label": msg.label,
                          "confidence": msg.label_confidence, "intent": msg.intent,
                          "intent_confidence": msg.confidence, "channel": msg.channel,
                          "low": msg.is_low_confidence(threshold), "payload": msg.text.startswith("/")})
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            agent = metadata.get("agent") or "" if isinstance(metadata, dict) else ""
            utter = str(metadata.get("utter_action") or "") if isinstance(metadata, dict) else ""
            buttons = [b.get("title", "") for b in ((event.get("data") or {}).get("buttons") or [])]
            lines.append({"kind": "bot", "time": ts, "text": event.get("text") or "", "agent": agent,
                          "buttons": buttons, "response": labels.response(utter) if utter else ""})
        elif kind == "slot":
            lines.append({"kind": "system", "time": ts, "what": "slot", "name": event.get("name"),
                          "value": event.get("value")})
        elif kind == "action" and event.get("name") not in ("action_listen", None):
            lines.append({"kind": "system", "time": ts, "what": "action", "name": event.get("name"),
                          "label": labels.action(str(event.get("name")))})
        elif kind in VISIBLE_STATES:
            lines.append({"kind": "state", "time": ts, "name": kind, "label": VISIBLE_STATES[kind]})
        elif kind in SYSTEM_STATES:
            lines.append({"kind": "system", "time": ts, "what": "state", "name": kind, "label": SYSTEM_STATES[kind]})
    return lines


def fold_system_events(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive system lines become one « group » line (shown folded, « 3 événements techniques »)."""
    out: list[dict[str, Any]] = []
    for line in lines:
        if line["kind"] != "system":
            out.append(line)
        elif out and out[-1]["kind"] == "group":
            out[-1]["events"].append(line)
        else:
            out.append({"kind": "group", "events": [line]})
    return out


def final_slots(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The variables as the conversation left them (a restart clears them)."""
    slots: dict[str, Any] = {}
    for line in lines:
        if line["kind"] == "system" and line["what"] == "slot":
            slots[line["name"]] = line["value"]
        elif line["kind"] == "system" and line["name"] == "restart":
            slots = {}
    return dict(sorted(slots.items()))
