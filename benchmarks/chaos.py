"""`make chaos`: the fault drills of docs/reliability.md under load, on the production profile as
`make run-prod` runs it (benchmarks/drills.py). 50 Locust people talk through nginx; one drill after
the other (kill -9 of a Rasa instance, of the action server, of the console; PostgreSQL restarted; Redis
stopped 10 s; a model deployed), each with its own people; the table of what each drill cost is printed
and written to results/chaos.md (docs/reliability.md quotes the run it reports).

    .venv-bench/bin/python benchmarks/chaos.py [--people 50] [--before 20] [--after 40]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drills import REPO, Journal, Outcome, Profile, faults, make_fault

LOCUST = Path(sys.executable).parent / "locust"


def locust(profile: Profile, people: int, seconds: float, journal: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(LOCUST), "-f", str(REPO / "benchmarks" / "chaos_locustfile.py"), "--headless", "--only-summary",
         "-u", str(people), "-r", str(people), "--run-time", f"{int(seconds)}s", "--stop-timeout", "240",
         "--host", profile.url],
        cwd=REPO / "benchmarks", env={**os.environ, "CHAOS_JOURNAL": str(journal)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def drill(profile: Profile, name: str, people: int, before: float, after: float) -> Outcome:
    journal_file = Path(tempfile.mktemp(prefix="chaos-", suffix=".jsonl"))
    # The fault comes `before` s after the people start; they talk at least `after` s more once the part is
    # back; Locust's run time covers both, and then every person finishes the conversation it is in.
    people_run = locust(profile, people, before + after + 600, journal_file)
    time.sleep(before)
    fault = make_fault(profile, name, faults(profile)[name], lambda: time.sleep(after))
    people_run.terminate()  # Locust's SIGTERM: stop, and let each person finish its conversation
    people_run.wait(400)
    outcome = fault.finish(profile, Journal.load(journal_file))
    journal_file.unlink()
    return outcome


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| panne | tours | tours échoués (message en français) | plus longue attente | toutes les conversations "
        "répondent après | partie relancée après | perdus / doublés | vérifications sans verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.name} | {o.turns} | {o.failed_attempts} ({o.failed_attempts - o.silent_failures}) | "
            f"{seconds(o.longest_wait)} | {seconds(o.recovered_after) if o.failed_attempts else 'sans coupure'} | "
            f"{seconds(o.part_back_after)} | {o.lost} / {o.duplicated} | "
            f"{o.scope_without_verdict} sur {o.scope_checks} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--before", type=float, default=20)
    parser.add_argument("--after", type=float, default=40)
    parser.add_argument("--only", action="append", help="une panne (son nom, ou un mot de son nom)")
    args = parser.parse_args()
    profile = Profile()
    outcomes: list[Outcome] = []
    try:
        print(f"Profil de production (supervisé) dans {profile.state} : démarrage…", flush=True)
        profile.start()
        for name in faults(profile):
            if args.only and not any(word in name for word in args.only):
                continue
            print(f"Exercice : {name} ({args.people} personnes)…", flush=True)
            outcomes.append(drill(profile, name, args.people, args.before, args.after))
            print(table(outcomes[-1:]).splitlines()[-1], flush=True)
            for problem in outcomes[-1].problems:
                print(f"   {problem}")
    finally:
        profile.stop()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    report = (f"make chaos, {time.strftime('%Y-%m-%d %H:%M')}, commit {commit.strip()}, {os.cpu_count()} cœurs, "
              f"{platform.python_version()} ; {args.people} personnes, panne après {args.before:.0f} s, "
              f"{args.after:.0f} s de charge après le retour de la partie\n\n{table(outcomes)}\n")
    (REPO / "results").mkdir(exist_ok=True)
    (REPO / "results" / "chaos.md").write_text(report)
    print("\n" + report)
    print(f"Journaux du profil : {profile.state}")
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
