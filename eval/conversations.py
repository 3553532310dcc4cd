"""Conversations measured like single questions: what a person gets at each turn, judged from the tracker.

A conversation set (``conversations.yml`` in eval/heldout/dev, eval/heldout/test and eval/blind) lists short
conversations of one *kind* (elliptical follow-up, « pourquoi ? », « et après ? », what-if, a situation told
in one message, comparison). Every user turn says what a right reply is, in terms that do not depend on how
the assistant is built (eval/blind/README.md):

- ``sections: [A8, …]`` (+ ``says``): an answer resting on at least one of these fact-base sections, as the
  texts of the turn declare them (``metadata.sections`` of each bot message), containing one alternative of
  each ``says`` group (case, accents and punctuation ignored); a turn that declines (« pas sûr », off topic,
  « pas compris ») or asks a question of the check instead is not an answer;
- ``asks: entity | new_project | share``: the turn ends with that question of the scope check;
- ``verdict: concerne | non_concerne | collectivite | a_confirmer | hors_champ`` (or a list): the check's
  verdict given in this turn (slot ``scope_verdict``);
- ``out_of_scope: true``: the assistant says the question is outside its subject.

A conversation is right when every turn is. A turn whose reply repeats the previous turn's reply word for
word, to a different message, is a **repeated answer** (counted, and wrong).

Conversations go through a running assistant (REST channel, then the HTTP API's tracker), so what is
measured is what the person gets: NLU, rules, actions and the slots that carry the context.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

CONVERSATION_FILE = "conversations.yml"
KINDS = {
    "suivi": "suite elliptique",
    "pourquoi": "« pourquoi ? »",
    "et_apres": "« et après ? »",
    "et_si": "« et si… ? »",
    "situation": "situation en un message",
    "comparaison": "comparaison",
}
# The verdicts as the sets name them → the codes the assistant keeps in its `scope_verdict` slot.
VERDICT_CODES = {
    "concerne": "concerne",
    "non_concerne": "non_concerne",
    "collectivite": "hors_circulaire_collectivite",
    "a_confirmer": "service_deconcentre_a_confirmer",
    "hors_champ": "hors_circulaire_autre",
}
QUESTIONS_OF_THE_CHECK = {
    "utter_ask_entity_type": "entity",
    "utter_ask_new_project": "new_project",
    "utter_ask_refactor_percentage": "share",
}
# Replies that are not an answer: the assistant declines, does not understand, or (re)starts the check.
NOT_AN_ANSWER = {"utter_low_confidence", "utter_out_of_scope", "utter_default", "utter_scope_intro",
                 *QUESTIONS_OF_THE_CHECK}
# Messages around an answer that say nothing of the question (not compared for repeats).
FRAME_MESSAGES = {"utter_first_message", "utter_contact_hint"}


@dataclass(frozen=True)
class Expectation:
    sections: Tuple[str, ...] = ()
    says: Tuple[Tuple[str, ...], ...] = ()
    asks: Optional[str] = None
    verdicts: Tuple[str, ...] = ()
    out_of_scope: bool = False

    @classmethod
    def from_data(cls, data: Dict[str, Any]) -> "Expectation":
        verdict = data.get("verdict")
        verdicts = tuple(verdict) if isinstance(verdict, list) else ((verdict,) if verdict else ())
        unknown = [v for v in verdicts if v not in VERDICT_CODES]
        if unknown:
            raise ValueError(f"verdict inconnu : {unknown}")
        return cls(
            sections=tuple(data.get("sections") or ()),
            says=tuple(tuple(str(alt) for alt in group) for group in data.get("says") or ()),
            asks=data.get("asks"),
            verdicts=verdicts,
            out_of_scope=bool(data.get("out_of_scope")),
        )


@dataclass(frozen=True)
class Turn:
    user: str
    expect: Expectation


@dataclass(frozen=True)
class Conversation:
    id: str
    kind: str
    turns: Tuple[Turn, ...]


def load_conversations(path: Path) -> List[Conversation]:
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    conversations = []
    for entry in content.get("conversations") or []:
        if entry["kind"] not in KINDS:
            raise ValueError(f"{path}: {entry['id']}: genre inconnu {entry['kind']!r}")
        turns = tuple(Turn(str(t["user"]), Expectation.from_data(t["expect"])) for t in entry["turns"])
        conversations.append(Conversation(str(entry["id"]), str(entry["kind"]), turns))
    return conversations


# --- what the assistant did in one turn ----------------------------------------------------------------


@dataclass
class Reply:
    """The events of one turn: bot messages (text, response name, declared sections) and slots set."""

    texts: List[str] = field(default_factory=list)
    responses: List[str] = field(default_factory=list)
    sections: List[str] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    answer_texts: List[str] = field(default_factory=list)

    def add_bot(self, event: Dict[str, Any]) -> None:
        metadata = event.get("metadata") or {}
        response = str(metadata.get("utter_action") or "")
        text = str(event.get("text") or "")
        self.texts.append(text)
        self.responses.append(response)
        self.sections.extend(declared_sections(metadata))
        if response not in FRAME_MESSAGES:
            self.answer_texts.append(text)

    @property
    def main_text(self) -> str:
        return "\n".join(self.answer_texts)


def declared_sections(metadata: Dict[str, Any]) -> List[str]:
    """Sections a bot message declares: a domain response's `metadata.sections`, or an action's message
    given `metadata={"sections": …}` (both end up under the bot event's metadata)."""
    inner = metadata.get("metadata")
    if isinstance(inner, dict) and isinstance(inner.get("sections"), list):
        return [str(s) for s in inner["sections"]]
    if isinstance(metadata.get("sections"), list):
        return [str(s) for s in metadata["sections"]]
    return []


def replies_per_turn(events: Sequence[Dict[str, Any]]) -> List[Reply]:
    """Split a tracker's events at each user message: one Reply per user turn."""
    replies: List[Reply] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            replies.append(Reply())
        elif not replies:
            continue
        elif kind == "bot":
            replies[-1].add_bot(event)
        elif kind == "slot":
            replies[-1].slots[str(event.get("name"))] = event.get("value")
    return replies


# --- judging a turn ----------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: « 1 M€ » → « 1 m »."""
    without_accents = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", without_accents).split())


def says_everything(groups: Iterable[Sequence[str]], texts: Sequence[str]) -> Optional[str]:
    """None when every group has an alternative in the texts; else the first group missing."""
    said = f" {fold(' '.join(texts))} "
    for group in groups:
        if not any(f" {fold(alternative)}" in said for alternative in group if fold(alternative)):
            return " | ".join(group)
    return None


def judge(expect: Expectation, reply: Reply) -> Optional[str]:
    """None if the reply is right, else why it is not (in French, for the report)."""
    responses = set(reply.responses)
    if expect.asks:
        asked = [QUESTIONS_OF_THE_CHECK[r] for r in reply.responses if r in QUESTIONS_OF_THE_CHECK]
        if not asked:
            return f"devait demander {expect.asks}, n'a posé aucune question de la vérification"
        if asked[-1] != expect.asks:
            return f"devait demander {expect.asks}, a demandé {asked[-1]}"
        return None
    if expect.verdicts:
        given = reply.slots.get("scope_verdict")
        if not given:
            return "aucun verdict donné"
        if given not in {VERDICT_CODES[v] for v in expect.verdicts}:
            return f"verdict {given}, attendu {'/'.join(expect.verdicts)}"
        missing = says_everything(expect.says, reply.texts)
        return f"ne dit pas : {missing}" if missing else None
    if expect.out_of_scope:
        return None if "utter_out_of_scope" in responses else "pas déclaré hors sujet"
    declined = responses & NOT_AN_ANSWER
    if declined:
        return f"pas de réponse ({', '.join(sorted(declined))})"
    if not reply.texts:
        return "aucune réponse"
    if expect.sections and not set(expect.sections) & set(reply.sections):
        return f"sections {sorted(set(reply.sections)) or '—'}, attendu l'une de {list(expect.sections)}"
    missing = says_everything(expect.says, reply.texts)
    return f"ne dit pas : {missing}" if missing else None


@dataclass
class TurnOutcome:
    user: str
    why_wrong: Optional[str]
    repeated: bool
    reply: str

    @property
    def right(self) -> bool:
        return self.why_wrong is None and not self.repeated


def judge_conversation(conversation: Conversation, replies: Sequence[Reply]) -> List[TurnOutcome]:
    outcomes = []
    previous: Optional[Tuple[str, str]] = None  # (user message, reply) of the turn before
    for index, turn in enumerate(conversation.turns):
        reply = replies[index] if index < len(replies) else Reply()
        why = judge(turn.expect, reply)
        repeated = (previous is not None and bool(reply.main_text) and reply.main_text == previous[1]
                    and fold(turn.user) != fold(previous[0]))
        outcomes.append(TurnOutcome(turn.user, why, repeated, reply.main_text))
        previous = (turn.user, reply.main_text)
    return outcomes


# --- talking to the assistant ------------------------------------------------------------------------


class RestConversations:
    """Plays conversations through a running Rasa's REST channel and reads them back from its HTTP API."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def _post(self, path: str, body: Dict[str, Any]) -> Any:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def tracker_events(self, sender: str) -> List[Dict[str, Any]]:
        query = urllib.parse.urlencode({"token": self.token}) if self.token else ""
        with urllib.request.urlopen(f"{self.url}/conversations/{sender}/tracker?{query}", timeout=60) as response:
            return list(json.loads(response.read()).get("events") or [])

    def play(self, conversation: Conversation) -> List[Reply]:
        sender = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
        for turn in conversation.turns:
            self._post("/webhooks/rest/webhook", {"sender": sender, "message": turn.user})
        return replies_per_turn(self.tracker_events(sender))


# --- scores ------------------------------------------------------------------------------------------


@dataclass
class ConversationScores:
    right: Counter = field(default_factory=Counter)  # kind → conversations right
    total: Counter = field(default_factory=Counter)  # kind → conversations
    turns_right: int = 0
    turns: int = 0
    repeated: int = 0
    failures: List[Tuple[Conversation, List[TurnOutcome]]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.right.values()) / total if total else 1.0

    def kind_accuracy(self, kind: str) -> float:
        return self.right[kind] / self.total[kind] if self.total[kind] else 1.0

    def as_json(self) -> Dict[str, Any]:
        return {
            "count": sum(self.total.values()),
            "accuracy": self.accuracy,
            "per_kind": {kind: {"right": self.right[kind], "total": self.total[kind]} for kind in KINDS},
            "turns_right": self.turns_right,
            "turns": self.turns,
            "repeated_answers": self.repeated,
        }


def score(played: Sequence[Tuple[Conversation, List[TurnOutcome]]]) -> ConversationScores:
    scores = ConversationScores()
    for conversation, outcomes in played:
        scores.total[conversation.kind] += 1
        scores.turns += len(outcomes)
        scores.turns_right += sum(o.right for o in outcomes)
        scores.repeated += sum(o.repeated for o in outcomes)
        if all(o.right for o in outcomes):
            scores.right[conversation.kind] += 1
        else:
            scores.failures.append((conversation, outcomes))
    return scores


def evaluate(client: RestConversations, conversations: Sequence[Conversation]) -> ConversationScores:
    return score([(c, judge_conversation(c, client.play(c))) for c in conversations])


def print_table(results: Dict[str, ConversationScores]) -> None:
    splits = list(results)
    header = "".join(f"{split + ' (' + str(sum(results[split].total.values())) + ')':>16}" for split in splits)
    print(f"{'Conversations justes, par genre':34}{header}")
    for kind, label in KINDS.items():
        cells = "".join(f"{f'{results[s].right[kind]}/{results[s].total[kind]}':>16}" for s in splits)
        print(f"  {label:32}{cells}")
    rows = [("Toutes les conversations", lambda r: f"{r.accuracy:.1%}"),
            ("Tours justes", lambda r: f"{r.turns_right}/{r.turns}"),
            ("Réponses répétées", lambda r: str(r.repeated))]
    for name, cell in rows:
        print(f"{name:34}" + "".join(f"{cell(results[s]):>16}" for s in splits))


def print_failures(split: str, scores: ConversationScores, show_texts: bool) -> None:
    print(f"\nConversations en erreur ({split}) : {len(scores.failures)}")
    for conversation, outcomes in scores.failures:
        wrong = [i + 1 for i, o in enumerate(outcomes) if not o.right]
        print(f"  {conversation.id} ({KINDS[conversation.kind]}) : tour(s) {wrong}")
        if not show_texts:
            continue
        for index, outcome in enumerate(outcomes, 1):
            mark = "ok " if outcome.right else "KO "
            reason = "réponse répétée" if outcome.repeated else (outcome.why_wrong or "")
            print(f"    {mark}{index}. « {outcome.user} » {reason}")
            if not outcome.right:
                print("       → " + outcome.reply.replace("\n", " ")[:300])
