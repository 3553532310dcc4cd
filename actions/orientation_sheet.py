"""The orientation sheet's offer, said after every verdict of the scope check (issue 24).

The sheet itself is built by sheets/ when asked for, from the verdict the conversation keeps (slot
`last_check`): this message only tells each channel that there is one, and how to ask for it. Its custom
payload `{"orientation_sheet": {...}}` becomes a download button in the widget, a file in Tchap and in
Mattermost (their channel fetches it), and a link in the REST answer (docs/design.md, « Fiche d'orientation »).
"""

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.fact_base import FACT_BASE

SHEET_TEXTS = Path(__file__).parent / "data" / "sheet.yml"
OFFER_KEY = "orientation_sheet"
DEFAULT_PUBLIC_URL = "http://localhost:5057"


@lru_cache(maxsize=1)
def knowledge_version() -> str:
    """The fact base's fingerprint, printed on the sheet as the version of the assistant's knowledge."""
    return hashlib.sha256(FACT_BASE.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def button_title() -> str:
    texts = yaml.safe_load(SHEET_TEXTS.read_text(encoding="utf-8"))
    return str(texts["offer"]["button"]["text"])


def sheet_offer(record: Dict[str, Any]) -> Dict[str, Any]:
    """What a channel needs to fetch the sheet of this verdict (the conversation's own secret is not in it)."""
    reference = str(record["reference"])
    public_url = (os.environ.get("SHEETS_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
    return {
        "reference": reference,
        "issued": record["timestamp"],
        "version": knowledge_version(),
        "url": f"{public_url}/fiches/{reference}",
        "title": button_title(),
        "filename": f"fiche-orientation-{reference}.pdf",
    }


def offer_orientation_sheet(dispatcher: CollectingDispatcher, record: Dict[str, Any]) -> None:
    dispatcher.utter_message(response="utter_orientation_sheet", sheet_reference=record["reference"],
                             json_message={OFFER_KEY: sheet_offer(record)})
