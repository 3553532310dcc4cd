"""What a console change is, as written in its commit, and how a list of them reads in French.

Each commit of the working copy carries one trailer line ``Console-Change: <kind> <target>`` (target: an
intent, ``faq/<key>`` or a response name); the pending-changes page groups them back into sentences such as
« 3 exemples ajoutés à Financement » or « réponse modifiée : Qui contrôle… ».
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

TRAILER = "Console-Change:"

# kind → (singular, plural) phrase; the target's French name follows.
_PHRASES = {
    "example_added": ("exemple ajouté à", "exemples ajoutés à"),
    "example_edited": ("exemple modifié dans", "exemples modifiés dans"),
    "example_moved": ("exemple déplacé vers", "exemples déplacés vers"),
    "example_deleted": ("exemple supprimé de", "exemples supprimés de"),
    "answer_edited": ("réponse modifiée :", "réponses modifiées :"),
    "text_edited": ("texte modifié :", "textes modifiés :"),
    "question_created": ("question créée :", "questions créées :"),
    "revert": ("modification annulée :", "modifications annulées :"),
}
KINDS = tuple(_PHRASES)


@dataclass(frozen=True)
class Change:
    """One change made from the console: its kind (see KINDS), what it is about, and the commit's first line."""

    kind: str
    target: str
    summary: str

    def message(self) -> str:
        return f"{self.summary}\n\n{TRAILER} {self.kind} {self.target}\n"


def parse_trailer(message: str) -> tuple[str, str] | None:
    """(kind, target) of a commit message written by Change.message, None for any other commit."""
    for line in reversed(message.strip().splitlines()):
        if line.startswith(TRAILER):
            parts = line[len(TRAILER):].split(maxsplit=1)
            if parts and parts[0] in _PHRASES:
                return parts[0], parts[1] if len(parts) > 1 else ""
    return None


def phrase(kind: str, target_label: str, count: int = 1) -> str:
    """« 3 exemples ajoutés à Financement », « réponse modifiée : Qui contrôle… »."""
    singular, plural = _PHRASES.get(kind, ("modification :", "modifications :"))
    words = singular if count == 1 else plural
    text = f"{words} {target_label}" if count == 1 else f"{count} {words} {target_label}"
    return text[0].upper() + text[1:]


def summarize(changes: Iterable[tuple[str, str]], label: Callable[[str], str]) -> list[str]:
    """Sentences for a list of (kind, target), one per kind and target, in the order first met."""
    counts = Counter(changes)
    return [phrase(kind, label(target), count) for (kind, target), count in counts.items()]


def readable_lines(diff: str, most: int = 12) -> list[tuple[str, str]]:
    """The lines a commit removed and added (« Retiré », « Ajouté »), without the file headers nor YAML's
    list dashes: what a support agent reads as « what changed »."""
    lines: list[tuple[str, str]] = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")) or line[:1] not in ("+", "-"):
            continue
        text = line[1:].strip()
        text = text[2:] if text.startswith("- ") else text
        if text:
            lines.append(("Ajouté" if line[0] == "+" else "Retiré", text))
    return lines[:most]
