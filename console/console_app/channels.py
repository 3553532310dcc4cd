"""Rasa input channels as the support team names them, and whether an agent's reply can reach them.

An agent's reply is a `bot` event appended with `output_channel=latest`: Rasa delivers it only through
channels that can send without a request from the person (socket.io for the widget, the callback used by
the Tchap bridge, Mattermost). The action server keeps the same list (actions/faq.py, LIVE_REPLY_CHANNELS)
and never promises an agent to the others.
"""
from __future__ import annotations

LIVE_REPLY_CHANNELS = frozenset({"socketio", "callback", "mattermost"})
CHANNEL_LABELS = {
    "socketio": "Widget web",
    "callback": "Tchap",
    "mattermost": "Mattermost",
    "rest": "API REST",
    "cmdline": "Ligne de commande",
}


def channel_label(name: str) -> str:
    """« Widget web », « Tchap »… ; an unknown channel keeps its technical name."""
    return CHANNEL_LABELS.get(name, name) if name else "inconnu"


def can_receive_agent_replies(name: str) -> bool:
    return name in LIVE_REPLY_CHANNELS
