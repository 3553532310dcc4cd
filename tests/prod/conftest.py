"""One real production-profile topology for the whole tests/prod session: PostgreSQL, Redis, the
action server, two Rasa instances (A, B) and nginx, on free ports; always stopped at the end.

Tests that need it (or Redis alone) are marked `prod`: they need the Debian packages of the profile
(deploy/prod.sh packages) and a trained model, and run in `make test` only."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from prodcluster import REPO, Cluster
from teststack import free_port

PROD_FIXTURES = {"cluster", "redis_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PROD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.prod)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not os.environ.get("PROD_MODEL") and not list((REPO / "models").glob("*.tar.gz")):
        pytest.fail("Aucun modèle dans models/ : lancez 'make train' (make test-prod le fait).")
    topology = Cluster(instances={"A": free_port(), "B": free_port()})
    try:
        topology.start_all()
        yield topology
    finally:
        topology.stop_all()
        if os.environ.get("KEEP_PROD_STATE") != "1":  # KEEP_PROD_STATE=1 keeps logs for a post-mortem
            topology.remove()


@pytest.fixture(scope="session")
def conversations() -> dict[str, int]:
    """Every conversation the tests open → its number of user turns seen so far; the restart test
    checks that none of them is lost."""
    return {}
