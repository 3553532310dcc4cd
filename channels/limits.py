"""Size limits of the public doors: a question fits in far less than 2 000 characters.

Longer messages never reach the NLU (its cost grows with the length): REST answers 413 with the French
message below, socket.io and Mattermost answer with it as the assistant's reply, and the Tchap bridge
has the same limit on its side (TCHAP_MAX_MESSAGE_CHARS).
"""

MAX_MESSAGE_CHARACTERS = 2000


def french_number(value: int) -> str:
    """2000 → « 2 000 » (thousands separated by a no-break space, as French typography wants)."""
    return f"{value:,}".replace(",", "\u00a0")


def message_too_long(length: int) -> str:
    """What the person reads when a message is over the limit."""
    return (
        f"Votre message est trop long ({french_number(length)} caractères ; "
        f"{french_number(MAX_MESSAGE_CHARACTERS)} au maximum). "
        "Pouvez-vous poser votre question en quelques phrases ?"
    )
