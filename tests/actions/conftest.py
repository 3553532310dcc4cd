"""Fixtures for the custom actions: the merged domain and a collecting dispatcher."""

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """All domain files merged the simple way the action server receives them (responses, slots, forms)."""
    merged: Dict[str, Any] = {"responses": {}, "slots": {}, "forms": {}}
    for path in sorted((REPO / "domain").glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in merged:
            merged[section].update(content.get(section) or {})
    return merged


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
