"""The short fault drill of `make test` (the full one is `make chaos`, docs/reliability.md): the production
profile as `make run-prod` runs it (supervised, with the console), a few people talking through nginx,
and two faults: `kill -9` of a Rasa instance, then PostgreSQL restarted (`pg_ctl restart -m fast`).
After each, checked in PostgreSQL: no answered message lost or duplicated, every scope check ended
with its verdict; every failed turn showed the person « Le service redémarre, réessayez dans un
instant »; the killed instance is running again. Then a backup of the profile (pg_dump) and its restore."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from drills import REPO, Journal, Outcome, Profile, faults, run_drill  # noqa: E402

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


@pytest.mark.prod
def test_backup_of_the_production_profile_then_restore_on_the_stopped_profile(profile: Profile, tmp_path: Path) -> None:
    """Last of this module (it stops the profile): `make backup` with pg_dump while the profile runs and
    people's conversations are in PostgreSQL; a restore is refused while it runs; once stopped, a
    conversation deleted after the backup comes back with the restore."""
    senders = [row.split("|")[0] for row in profile.psql(
        "SELECT DISTINCT sender_id, 1 FROM events WHERE sender_id LIKE 'exercice-scope-%' LIMIT 1")]
    assert senders, "the drills left conversations"
    kept = profile.psql("SELECT count(*) FROM events WHERE sender_id = :'s'", s=senders[0])
    env = {**profile.env, "BACKUP_DIR": str(tmp_path)}
    saved = subprocess.run(["bash", "ops/backup.sh", "save"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300)
    assert saved.returncode == 0, saved.stderr
    assert "conversations (PostgreSQL du profil de production, pg_dump)" in saved.stdout
    archive = next(tmp_path.glob("cloud-au-centre-*.tar.gz"))
    refused = subprocess.run(["bash", "ops/backup.sh", "restore", str(archive)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and "l'assistant tourne" in refused.stderr

    profile.stop()
    profile.prod("pg-start")
    try:
        profile.psql("DELETE FROM events WHERE sender_id = :'s'", s=senders[0])
        assert profile.psql("SELECT count(*) FROM events WHERE sender_id = :'s'", s=senders[0]) == ["0"]
        restored = subprocess.run(["bash", "ops/backup.sh", "restore", str(archive)], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr
        assert profile.psql("SELECT count(*) FROM events WHERE sender_id = :'s'", s=senders[0]) == kept
    finally:
        profile.prod("pg-stop")
