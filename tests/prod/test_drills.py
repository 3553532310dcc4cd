"""The short fault drill of `make test` (the full one is `make chaos`, docs/reliability.md): the production
profile as `make run-prod` runs it (supervised, with the console), a few people talking through nginx,
and two faults: `kill -9` of a Rasa instance, then PostgreSQL restarted (`pg_ctl restart -m fast`).
After each, checked in PostgreSQL: no answered message lost or duplicated, every scope check ended
with its verdict; every failed turn showed the person « Le service redémarre, réessayez dans un
instant »; the killed instance is running again."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from drills import Journal, Outcome, Profile, faults, run_drill  # noqa: E402

PEOPLE = 6


@pytest.fixture(scope="module")
def profile() -> Iterator[Profile]:
    running = Profile()
    try:
        running.start()
        yield running
    finally:
        running.stop()


def drill(profile: Profile, name: str) -> Outcome:
    outcome = run_drill(profile, name, faults(profile)[name], PEOPLE, before=6, after=8, journal=Journal())
    print(f"\n{name} : {outcome.turns} tours, {outcome.failed_attempts} échoués, plus longue attente "
          f"{outcome.longest_wait:.1f} s, rétabli après {outcome.recovered_after:.1f} s, partie relancée après "
          f"{outcome.part_back_after} s ; {outcome.scope_checks} vérifications")
    for problem in outcome.problems:
        print("  ", problem)
    assert outcome.turns > PEOPLE * 3, "the people kept talking"
    assert outcome.silent_failures == 0, outcome.problems
    assert (outcome.lost, outcome.duplicated) == (0, 0), outcome.problems
    assert outcome.scope_checks > 0 and outcome.scope_without_verdict == 0
    return outcome


@pytest.mark.prod
def test_kill_9_of_a_rasa_instance_under_load(profile: Profile) -> None:
    outcome = drill(profile, "kill -9 d'une instance Rasa")
    assert outcome.part_back_after is not None, "the supervision did not start the instance again"
    assert "rasa-1 s'est arrêté ; redémarrage dans 0 s" in profile.terminal.read_text()


@pytest.mark.prod
def test_postgresql_restarted_under_load(profile: Profile) -> None:
    drill(profile, "PostgreSQL redémarré (pg_ctl restart -m fast)")
