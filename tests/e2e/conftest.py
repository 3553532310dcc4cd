"""The running assistant shared by the end-to-end tests: the run's Rasa test stack (tests/conftest.py)."""

import pytest
from rasa_client import RasaClient


@pytest.fixture(scope="session")
def stack(rasa_stack) -> RasaClient:
    return RasaClient(rasa_stack)
