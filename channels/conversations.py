"""Which channel owns which conversation ids.

Rasa keeps one tracker per conversation id, whatever the channel a message came through: without
namespaces, a public REST or socket.io caller could write into a Tchap or Mattermost conversation just
by naming it, and while a support agent has taken it over (`output_channel=latest`) receive the agent's
replies. So every channel keeps its own namespace, that no other channel can reach:

- `tchap:<room>:<person>`: the Tchap bridge only, through the `callback` channel, which requires the
  shared callback secret (channels/callback.py);
- `mattermost_<channel>_<person>`: built by channels/mattermost.py from a payload that carried the
  webhook token (a client never names it);
- `socketio-<32 hex>`: the web widget; issued by the server or checked to be 128 random bits, and bound
  to the socket that asked for it (channels/socketio.py);
- anything else: the REST channel, which refuses the three prefixes above.

Prefixes are compared exactly: the tracker stores compare conversation ids byte for byte.
"""

import re
import secrets
from typing import Optional

TCHAP_PREFIX = "tchap:"
MATTERMOST_PREFIX = "mattermost_"
SOCKETIO_PREFIX = "socketio-"

# Prefix → the channel that owns the conversations starting with it.
OWNERS = {TCHAP_PREFIX: "callback", MATTERMOST_PREFIX: "mattermost", SOCKETIO_PREFIX: "socketio"}

# tchap:<room id>:<person>, as the bridge builds it: the room id is `!opaque:server`, or `!opaque` alone
# since room version 12; the person is `@localpart:server`.
TCHAP_CONVERSATION = re.compile(r"tchap:![^\s@]+:@[^\s:]+:\S+")
# The widget's session: 128 random bits in lower-case hex (what it and the server generate).
SESSION_TOKEN = re.compile(r"[0-9a-f]{32}")
SOCKETIO_CONVERSATION = re.compile(re.escape(SOCKETIO_PREFIX) + SESSION_TOKEN.pattern)


def owner_of(conversation_id: str) -> Optional[str]:
    """The channel whose namespace holds this id, or None for the REST channel's (unprefixed) ids."""
    for prefix, channel in OWNERS.items():
        if conversation_id.startswith(prefix):
            return channel
    return None


def socketio_conversation(requested: object) -> str:
    """The widget conversation for a requested session id: kept when it is one of ours, else a new one.

    Accepted: `socketio-<32 hex>` (what the server confirmed earlier) or the bare 32 hex the widget
    generates on its first visit. Anything else (another channel's id, a short or chosen name) gets a
    fresh unguessable id, so a client can never land in a conversation it was not given.
    """
    if isinstance(requested, str):
        if SOCKETIO_CONVERSATION.fullmatch(requested):
            return requested
        if SESSION_TOKEN.fullmatch(requested):
            return SOCKETIO_PREFIX + requested
    return SOCKETIO_PREFIX + secrets.token_hex(16)
