"""The scripted conversations of the benchmarks: ours (FAQ and scope checks) and the reference bot's.

Shared by the load test (locustfile.py) and the side-by-side measure (sidebyside.py), so that both
replay the same turns. A turn is (text, word its reply must contain, or None for any non-empty reply).
"""

from __future__ import annotations

import random
from typing import Any

Turn = tuple[str, "str | None"]

FAQ_QUESTIONS = [
    "Quel est le champ d'application de la doctrine cloud au centre ?",
    "Les collectivités territoriales sont-elles concernées par la doctrine ?",
    "Qu'est-ce qu'une solution cloud au sens de la doctrine ?",
    "Par où commencer pour passer au cloud ?",
    "Comment héberger des données sensibles dans le cloud ?",
    "Comment évaluer la sensibilité de mes données ?",
    "Qui contrôle l'application de la doctrine ?",
    "Peut-on obtenir une dérogation à la règle R9 ?",
    "Existe-t-il un financement pour migrer vers le cloud ?",
    "Qui peut m'accompagner dans mon projet cloud ?",
]
# (entity answer, new-project answer, share rebuilt or None, word expected in the verdict)
SCOPE_SCRIPTS = [
    ("administration centrale", "oui, nouveau projet", None, "concern"),
    ("opérateur de l'État", "non, refonte de l'existant", "70 %", "concern"),
    ("opérateur de l'État", "non, refonte de l'existant", "moins de 50 %", "concern"),
    ("collectivité territoriale", None, None, "champ"),
]
# The default bot of `rasa init` (Rasa 3.6): its stories and rules, one turn per intent it knows.
REFERENCE_CONVERSATIONS: list[list[Turn]] = [
    [("hello", None), ("I am sad", None), ("yes", None), ("bye", None)],
    [("hi", None), ("great", None), ("are you a bot?", None), ("goodbye", None)],
]


def faq_conversation(rng: random.Random | Any = random) -> list[Turn]:
    """Greeting, three FAQ questions (each answer cites its source), thanks."""
    return [("Bonjour", None)] + [(q, "source") for q in rng.sample(FAQ_QUESTIONS, 3)] + [("merci", None)]


def scope_conversation(script: tuple[str, str | None, str | None, str]) -> list[Turn]:
    """A full scope check, from the question to the verdict."""
    entity, new_project, share, verdict = script
    turns: list[Turn] = [("mon projet est-il concerné ?", None)]
    if new_project is None:  # collectivité: the verdict comes right after the entity type
        turns.append((entity, verdict))
    elif share is None:
        turns += [(entity, None), (new_project, verdict)]
    else:
        turns += [(entity, None), (new_project, None), (share, verdict)]
    return turns


def conversations(rng: random.Random | Any = random) -> list[tuple[str, list[Turn]]]:
    """One FAQ conversation and one scope check (a random script): a kind and its turns."""
    return [("faq", faq_conversation(rng)), ("scope", scope_conversation(rng.choice(SCOPE_SCRIPTS)))]


def reply_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages).lower()


def check(messages: list[dict[str, Any]], expected: str | None) -> str | None:
    """None when the turn's reply is right, else why it is not."""
    if not messages:
        return "réponse vide"
    if expected and expected not in reply_text(messages):
        return f"« {expected} » absent de la réponse"
    return None
