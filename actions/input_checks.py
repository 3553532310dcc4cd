"""Messages the assistant cannot read as a question: empty, without any word, or very long."""

import unicodedata
from typing import Optional

# Longer messages are still answered, but the person is told that only the gist was used.
LONG_MESSAGE_CHARACTERS = 1000


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


def input_problem(text: Optional[str]) -> Optional[str]:
    """``empty_message``, ``no_text``, ``message_too_long`` or None when the text is a usable question."""
    stripped = (text or "").strip()
    if not stripped:
        return "empty_message"
    if not _has_letters(stripped):
        return "no_text"
    if len(stripped) > LONG_MESSAGE_CHARACTERS:
        return "message_too_long"
    return None
