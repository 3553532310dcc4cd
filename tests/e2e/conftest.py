"""The running assistant shared by the end-to-end tests."""

import pytest
from rasa_stack import Stack, free_port, start_stack, stop_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    running = start_stack(tmp_path_factory.mktemp("stack"), free_port(), free_port())
    yield running
    stop_stack(running)
