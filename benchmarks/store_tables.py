"""What the console's store benchmarks (console_statistics.py, console_pages.py) share: running one
measure on each tracker store asked for, and printing the figures as a Markdown table with the peak memory.

A measure is a list of (label, figure) pairs, the same labels in the same order for every store; a label
starting with « → » is a count, any other a duration in seconds.
"""
from __future__ import annotations

import resource
import shutil
import sys
from pathlib import Path
from typing import Callable

from stores import PostgresServer  # console/tests/stores.py, on the path the benchmarks set

Figures = list[tuple[str, float]]


def measure_stores(stores: str, work: Path, measure: Callable[[str, str], Figures],
                   remove_work: bool = True) -> dict[str, Figures]:
    """`measure(store, url)` on each store of the comma-separated list `stores`: « sqlite » in a file of
    `work`, any other name on a PostgreSQL server started for it and stopped at the end. `work` is removed
    at the end unless `remove_work` is false."""
    table: dict[str, Figures] = {}
    server = None
    try:
        for store in stores.split(","):
            if store == "sqlite":
                url = f"sqlite:///{work / 'tracker.db'}"
            else:
                server = PostgresServer()
                server.start()
                url = server.fresh_url()
            print(f"… {store}", file=sys.stderr, flush=True)
            table[store] = measure(store, url)
    finally:
        if server is not None:
            server.stop()
        if remove_work:
            shutil.rmtree(work, ignore_errors=True)
    return table


def print_table(table: dict[str, Figures]) -> None:
    """One row a label, one column a store, then the process's peak memory."""
    stores = list(table)
    print("| Mesure | " + " | ".join("SQLite" if s == "sqlite" else "PostgreSQL" for s in stores) + " |")
    print("|---|" + "---:|" * len(stores))
    for index, (label, _value) in enumerate(table[stores[0]]):
        cells = []
        for store in stores:
            value = table[store][index][1]
            cells.append(f"{int(value):,}".replace(",", " ") if label.startswith("→") else f"{value:.2f} s")
        print(f"| {label} | " + " | ".join(cells) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nMémoire maximale du processus (génération comprise) : {peak:.0f} Mo")
