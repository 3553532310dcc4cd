"""What the pages read from the training data (intents and FAQ keys, known examples), read again only
when a file of data/ or domain/ changed: parsing the YAML takes most of a second, the pages are read
every few seconds."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from . import training_data

_Stamp = tuple[tuple[str, int, int], ...]
_cache: dict[tuple[str, str], tuple[_Stamp, Any]] = {}


def _stamp(*folders: Path) -> _Stamp:
    files = sorted(p for folder in folders for p in folder.rglob("*.yml"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def _cached(name: str, folders: tuple[Path, ...], read: Callable[[], Any]) -> Any:
    key = (name, "|".join(str(f) for f in folders))
    stamp = _stamp(*folders)
    found = _cache.get(key)
    if found is None or found[0] != stamp:
        found = (stamp, read())
        _cache[key] = found
    return found[1]


def known_intents(data_dir: Path, domain_dir: Path) -> list[str]:
    """training_data.known_intents, kept until a file changes."""
    return list(_cached("intents", (data_dir, domain_dir), lambda: training_data.known_intents(data_dir, domain_dir)))


def example_keys(data_dir: Path) -> set[str]:
    """The normalized training examples (training_data.existing_examples), kept until a file changes."""
    return set(_cached("examples", (data_dir,), lambda: set(training_data.existing_examples(data_dir))))
