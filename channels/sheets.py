"""The orientation sheet, for the channels that deliver it as a file (Mattermost here; the Tchap bridge does
the same on its side): the action server's offer (actions/orientation_sheet.py) names the verdict's
reference, and the channel fetches the PDF from the sheet's door (sheets/) for its own conversation.

The door is asked with Rasa's API token, which reads any conversation anyway (docs/security.md); its address
is SHEETS_URL (the internal one), else SHEETS_PUBLIC_URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

OFFER_KEY = "orientation_sheet"
_REFERENCE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
TIMEOUT_SECONDS = 30
# Waits before asking again while the verdict's turn is not saved yet (about 45 s in all: on a loaded machine
# a Tchap turn was still unsaved after the 15 s of the first version, and the sheet was reported as failed).
NOT_SAVED_YET_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0)


def sheet_offer(json_message: Any) -> dict[str, Any] | None:
    """The sheet's offer in a custom payload, when it is one with a well-formed reference."""
    offer = json_message.get(OFFER_KEY) if isinstance(json_message, dict) else None
    if isinstance(offer, dict) and isinstance(offer.get("reference"), str) and _REFERENCE.fullmatch(offer["reference"]):
        return offer
    return None


def sheet_filename(offer: dict[str, Any]) -> str:
    return f"fiche-orientation-{offer['reference']}.pdf"


async def fetch_sheet(conversation_id: str, offer: dict[str, Any]) -> bytes | None:
    """The PDF of the offered sheet for this conversation; None (logged) when the door cannot give it.

    The offer is sent during its turn, and Rasa saves the turn's events (the verdict among them) once the turn
    ends: a 404 is asked again a few times, until the verdict is in the conversation."""
    base = (os.environ.get("SHEETS_URL") or os.environ.get("SHEETS_PUBLIC_URL") or "").rstrip("/")
    if not base:
        logger.error("Fiche %s : aucune adresse du service des fiches (SHEETS_URL)", offer["reference"])
        return None
    headers = {"Authorization": f"Bearer {os.environ.get('RASA_AUTH_TOKEN', '')}"}
    status = None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as session:
            for delay in (*NOT_SAVED_YET_DELAYS, None):
                async with session.post(f"{base}/fiches/{offer['reference']}", headers=headers,
                                        json={"conversation_id": conversation_id}) as response:
                    status = response.status
                    if status == 200 and response.content_type == "application/pdf":
                        return await response.read()
                if status != 404 or delay is None:
                    break
                await asyncio.sleep(delay)
        logger.error("Fiche %s : le service des fiches a répondu %s", offer["reference"], status)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.error("Fiche %s : service des fiches injoignable (%s)", offer["reference"], error)
    return None
