"""The conversation lock shared by the Rasa instances (stores/redis_lock.py), against a real Redis.

Several processes play several Rasa instances. Rasa 3.6's own Redis lock store fails the first
two tests (same ticket given twice, two turns at once) and the last two (a long turn loses its
lock; a message queued behind a dead instance's ticket waits forever)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from prodcluster import Cluster
from rasa.utils.endpoints import EndpointConfig

from stores.redis_lock import AtomicRedisLockStore

PROCESSES = 6
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def redis_server() -> Iterator[dict]:
    """Redis alone, started as the production profile starts it (deploy/prod.sh redis-start)."""
    stores = Cluster(instances={})
    try:
        stores.run("redis-start")
        yield {"port": stores.redis_port, "password": stores.setting("REDIS_PASSWORD")}
    finally:
        stores.run("redis-stop")
        stores.remove()


def new_store(server: dict) -> AtomicRedisLockStore:
    """Built the way Rasa builds it from deploy/endpoints.prod.yml."""
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", db=0, key_prefix="test", **server))


def probe(server: dict) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", **server)


def new_conversation() -> str:
    return f"conversation-{uuid.uuid4().hex[:8]}"


def issue_tickets(server: dict, conversation: str, count: int, results, start) -> None:
    store = new_store(server)
    start.wait()
    results.put([store.issue_ticket(conversation, 60) for _ in range(count)])


def run_turns(server: dict, conversation: str, count: int, start) -> None:
    """Each turn marks itself inside the conversation in Redis, as a Rasa turn would write its events."""
    store = new_store(server)
    counters = probe(server)

    async def turns() -> None:
        for _ in range(count):
            async with store.lock(conversation):
                if counters.incr(f"{conversation}:inside") != 1:
                    counters.incr(f"{conversation}:overlaps")
                await asyncio.sleep(0.01)
                counters.decr(f"{conversation}:inside")
                counters.incr(f"{conversation}:done")

    start.wait()
    asyncio.run(turns())


def run_in_processes(target, *args) -> None:
    """Runs `target(*args, start)` in PROCESSES processes that all begin at the same moment."""
    start = FORK.Event()
    workers = [FORK.Process(target=target, args=(*args, start)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0


def test_instances_asking_at_the_same_moment_never_get_the_same_ticket(redis_server: dict) -> None:
    conversation, per_process = new_conversation(), 40
    results = FORK.Queue()
    run_in_processes(issue_tickets, redis_server, conversation, per_process, results)
    tickets = [number for _ in range(PROCESSES) for number in results.get(timeout=10)]
    assert len(tickets) == len(set(tickets)) == PROCESSES * per_process
    # Every ticket is still queued: none was overwritten by another instance's write.
    assert len(new_store(redis_server).get_lock(conversation).tickets) == PROCESSES * per_process


def test_one_conversation_runs_one_turn_at_a_time_across_instances(redis_server: dict) -> None:
    conversation, turns = new_conversation(), 5
    run_in_processes(run_turns, redis_server, conversation, turns)
    counters = probe(redis_server)
    assert int(counters.get(f"{conversation}:done")) == PROCESSES * turns
    assert counters.get(f"{conversation}:overlaps") is None, "two turns of one conversation ran at once"
    # The last turn removed the lock: nothing is left behind in Redis.
    assert new_store(redis_server).get_lock(conversation) is None


async def test_a_turn_longer_than_the_lock_lifetime_keeps_the_conversation(redis_server: dict) -> None:
    conversation = new_conversation()
    first_instance, second_instance = new_store(redis_server), new_store(redis_server)
    timeline: list[str] = []

    async def slow_turn() -> None:
        async with first_instance.lock(conversation, lock_lifetime=1):
            timeline.append("slow turn starts")
            await asyncio.sleep(2.5)  # 2.5 × the lifetime
            timeline.append("slow turn ends")

    async def next_message() -> None:
        await asyncio.sleep(0.2)
        async with second_instance.lock(conversation, lock_lifetime=1):
            timeline.append("next message")

    await asyncio.wait_for(asyncio.gather(slow_turn(), next_message()), 20)
    assert timeline == ["slow turn starts", "slow turn ends", "next message"]


async def test_a_dead_instance_blocks_its_conversation_only_for_the_lock_lifetime(redis_server: dict) -> None:
    conversation = new_conversation()
    dead_instance, living_instance = new_store(redis_server), new_store(redis_server)
    # The dead instance took the conversation's ticket, then was killed: no refresh, no clean-up.
    dead_instance.issue_ticket(conversation, lock_lifetime=1)
    await asyncio.sleep(0.2)  # the next message arrives right after (the case that hung in Rasa 3.6)
    started = time.monotonic()

    async def next_message() -> None:
        async with living_instance.lock(conversation, lock_lifetime=1):
            pass

    await asyncio.wait_for(next_message(), 10)
    waited = time.monotonic() - started
    assert 0.5 < waited < 3, f"waited {waited:.1f} s behind a dead ticket with a 1 s lifetime"
    assert living_instance.get_lock(conversation) is None
