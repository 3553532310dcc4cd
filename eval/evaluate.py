"""Measure what the assistant understands on questions it never saw, beside a TF-IDF baseline.

    python eval/evaluate.py                                   # dev, test and blind side by side
    python eval/evaluate.py --gate blind --min-faq-accuracy 0.93 --min-oos-rejection 0.93
    python eval/evaluate.py --tune                            # choose the FAQ thresholds on dev only
    python eval/evaluate.py --rasa-url http://127.0.0.1:5005 --token …   # parse with a running Rasa

Three sets, never used for training (eval/README.md):
- ``dev``   (eval/heldout/dev): the only set thresholds and settings may be tuned on;
- ``test``  (eval/heldout/test): held out, written by the same hands as the training data;
- ``blind`` (eval/blind): written by someone who never read data/ or eval/ (eval/blind/README.md).
  Its questions are not printed unless --show-blind-texts is given: a question looked at closely must
  then be replaced (see that README).

What is scored is what the user would get: the trained model parses the message, then the same
decision as the running assistant is applied (actions/faq_decision.route).
"""

import argparse
import asyncio
import hashlib
import itertools
import json
import logging
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore")  # Rasa's dependencies are noisy; this report is read by people

import conversations  # noqa: E402  (eval/conversations.py)
import yaml  # noqa: E402

from actions.faq_decision import (  # noqa: E402
    ASK_HUMAN,
    CHECK_SCOPE,
    THRESHOLDS_FILE,
    Route,
    Thresholds,
    load_thresholds,
    route,
)

NO_ANSWER = "(pas de réponse)"
OUT_OF_SCOPE = "out_of_scope"
SPLITS = ("dev", "test", "blind")
SPLIT_DIRS = {"dev": REPO / "eval" / "heldout" / "dev", "test": REPO / "eval" / "heldout" / "test",
              "blind": REPO / "eval" / "blind"}
# The FAQ question A3 « est-ce que mon projet est concerné ? » is also answered by starting the check,
# whose first message states the rule: both count as the right answer.
ALSO_RIGHT = {"faq/projet_concerne": (CHECK_SCOPE,)}


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    also: Tuple[str, ...] = ()

    @property
    def right_outcomes(self) -> Tuple[str, ...]:
        return (self.label,) + self.also + ALSO_RIGHT.get(self.label, ())


def question_files(split: str) -> List[Path]:
    """The question files of a split: every YAML file but the conversation sets (and their reserve)."""
    return [path for path in sorted(SPLIT_DIRS[split].glob("*.yml")) if not path.name.startswith("conversations")]


def load_split(split: str) -> List[Example]:
    """Label → list of entries; an entry is a text, or {text, also: [other right labels]}."""
    examples = []
    for path in question_files(split):
        for label, entries in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            for entry in entries or []:
                if isinstance(entry, dict):
                    examples.append(Example(str(entry["text"]), str(label), tuple(entry.get("also") or ())))
                else:
                    examples.append(Example(str(entry), str(label)))
    if not examples:
        raise SystemExit(f"Aucune question dans {SPLIT_DIRS[split].relative_to(REPO)}/")
    return examples


@dataclass(frozen=True)
class Outcome:
    """What the user gets: an FAQ answer (faq/<key>), the scope check, or no answer with suggestions."""

    shown: str
    suggestions: Tuple[str, ...] = ()


def assistant_outcome(parse_data: dict, thresholds: Thresholds, known_keys: set) -> Outcome:
    decided: Route = route(parse_data, known_keys=known_keys, thresholds=thresholds)
    if decided.kind == "faq":
        return Outcome(f"faq/{decided.key}")
    if decided.kind in (CHECK_SCOPE, ASK_HUMAN):
        return Outcome(decided.kind)
    return Outcome(NO_ANSWER, tuple(f"faq/{key}" for key in decided.suggestions))


@dataclass
class Scores:
    faq_accuracy: float
    oos_rejection: float
    check_scope_accuracy: float
    ask_human_accuracy: float
    confidently_wrong: int
    total: int
    declined_faq: int
    suggestion_hits: int
    errors: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return self.faq_accuracy + self.oos_rejection

    @property
    def confidently_wrong_rate(self) -> float:
        return self.confidently_wrong / self.total if self.total else 0.0

    @property
    def suggestion_hit_rate(self) -> float:
        return self.suggestion_hits / self.declined_faq if self.declined_faq else 1.0


def is_right(example: Example, outcome: Outcome) -> bool:
    if example.label == OUT_OF_SCOPE:
        return outcome.shown == NO_ANSWER
    return outcome.shown in example.right_outcomes


def score(examples: Sequence[Example], outcomes: Sequence[Outcome]) -> Scores:
    right: Counter = Counter()
    total: Counter = Counter()
    errors: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    confidently_wrong = declined_faq = suggestion_hits = 0
    for example, outcome in zip(examples, outcomes, strict=True):
        group = "faq" if example.label.startswith("faq/") else example.label
        total[group] += 1
        if is_right(example, outcome):
            right[group] += 1
            continue
        errors[example.label].append((example.text, outcome.shown))
        if outcome.shown != NO_ANSWER:
            confidently_wrong += 1  # an answer, the check or a handoff given to a question that needed another
        elif group == "faq":
            declined_faq += 1
            suggestion_hits += any(key in outcome.suggestions for key in example.right_outcomes)

    def ratio(group: str) -> float:
        return right[group] / total[group] if total[group] else 1.0

    return Scores(ratio("faq"), ratio(OUT_OF_SCOPE), ratio(CHECK_SCOPE), ratio(ASK_HUMAN), confidently_wrong,
                  sum(total.values()), declined_faq, suggestion_hits, dict(errors))


# --- the assistant ----------------------------------------------------------------------------------


def latest_model() -> Path:
    models = sorted((REPO / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise SystemExit("Aucun modèle dans models/ : lancez d'abord 'make train'.")
    return models[-1]


def _timed_parses(texts: Sequence[str], parse: Any) -> Tuple[List[dict], float]:
    async def parse_all() -> Tuple[List[dict], float]:
        for text in texts[:2]:  # warm-up
            await parse(text)
        parsed, durations_ms = [], []
        for text in texts:
            started = time.perf_counter()
            parsed.append(await parse(text))
            durations_ms.append((time.perf_counter() - started) * 1000)
        return parsed, statistics.median(durations_ms)

    return asyncio.run(parse_all())


def parse_with_model(model: Path, texts: Sequence[str]) -> Tuple[List[dict], float]:
    """Parse every text with the model in this process; also return the median NLU time (ms)."""
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    agent = Agent.load(str(model))
    return _timed_parses(texts, agent.parse_message)


def parse_with_server(url: str, token: str, texts: Sequence[str]) -> Tuple[List[dict], float]:
    """Parse through a running Rasa's /model/parse (no second model load); the time includes HTTP."""

    async def parse(text: str) -> dict:
        # Rasa 3.6 reads its API token from the query string (a Bearer header is taken for a JWT).
        query = "?" + urllib.parse.urlencode({"token": token}) if token else ""
        request = urllib.request.Request(
            f"{url.rstrip('/')}/model/parse{query}", data=json.dumps({"text": text}).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    return _timed_parses(texts, parse)


def known_faq_keys() -> set:
    keys = set()
    for path in (REPO / "domain").glob("*.yml"):
        for name in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}:
            if name.startswith("utter_faq/"):
                keys.add(name.split("/", 1)[1])
    return keys


# --- the baseline -----------------------------------------------------------------------------------


def training_questions() -> List[Tuple[str, str]]:
    """(text, label) of the NLU training data; labels faq/<key>, check_scope, out_of_scope, …"""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(REPO / "data" / "nlu"))
    pairs = []
    for message in data.intent_examples:
        label = message.get("intent_response_key") or message.get("intent")
        pairs.append((message.get("text"), label))
    return pairs


class TfidfNearestQuestion:
    """Baseline: the label of the most similar training question (TF-IDF, words + character n-grams)."""

    def __init__(self) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._hstack = hstack
        pairs = training_questions()
        self.labels = [label for _, label in pairs]
        self.words = TfidfVectorizer(strip_accents="unicode", lowercase=True, ngram_range=(1, 2))
        self.chars = TfidfVectorizer(strip_accents="unicode", lowercase=True, analyzer="char_wb", ngram_range=(2, 5))
        self.matrix = self._features([text for text, _ in pairs], fit=True)

    def _features(self, texts: Sequence[str], fit: bool = False) -> Any:
        from sklearn.preprocessing import normalize

        if fit:
            combined = self._hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)])
        else:
            combined = self._hstack([self.words.transform(texts), self.chars.transform(texts)])
        return normalize(combined.tocsr())

    def nearest(self, texts: Sequence[str]) -> List[Tuple[str, float]]:
        similarities = (self._features(texts) @ self.matrix.T).toarray()
        return [(self.labels[row.argmax()], float(row.max())) for row in similarities]

    @staticmethod
    def outcome(label: str, similarity: float, min_similarity: float) -> Outcome:
        if label in (CHECK_SCOPE, "inform"):
            return Outcome(CHECK_SCOPE)
        if label == ASK_HUMAN:
            return Outcome(ASK_HUMAN)
        if label.startswith("faq/") and similarity >= min_similarity:
            return Outcome(label)
        return Outcome(NO_ANSWER)


def baseline_outcomes(nearest: Sequence[Tuple[str, float]], min_similarity: float) -> List[Outcome]:
    return [TfidfNearestQuestion.outcome(label, similarity, min_similarity) for label, similarity in nearest]


def tune_baseline(examples: Sequence[Example], nearest: Sequence[Tuple[str, float]]) -> float:
    grid = [step / 100 for step in range(0, 80, 2)]
    return max(grid, key=lambda value: score(examples, baseline_outcomes(nearest, value)).objective)


# --- thresholds (dev only) --------------------------------------------------------------------------


# What the tuning keeps on the dev set, a margin above make test's floors: off-topic rejection, and the
# share of questions given a wrong answer (a wrong answer costs the user more than a « not sure »).
TUNING_MIN_OOS_REJECTION = 0.95
TUNING_MAX_CONFIDENTLY_WRONG = 0.02


def tune_thresholds(examples: Sequence[Example], parsed: Sequence[dict], keys: set) -> Tuple[Thresholds, Scores]:
    """Most FAQ questions answered right while rejecting at least 95 % of off-topic questions and giving
    at most 2 % wrong answers (dev set). Ties go to fewer wrong answers, then to the stricter thresholds.
    The selector may overrule an « off topic » intent only when nearly certain (0.98), or never."""
    best: Optional[Tuple[Tuple[float, ...], Thresholds, Scores]] = None
    for intent, selector, margin, against_oos in itertools.product(
        [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6],
        [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
        [0.98, 1.01],
    ):
        thresholds = Thresholds(intent, selector, margin, against_oos)
        scores = score(examples, [assistant_outcome(data, thresholds, keys) for data in parsed])
        meets = (float(scores.oos_rejection >= TUNING_MIN_OOS_REJECTION),
                 float(scores.confidently_wrong_rate <= TUNING_MAX_CONFIDENTLY_WRONG))
        rank = meets + (round(scores.faq_accuracy if all(meets) else scores.objective, 6),
                        -scores.confidently_wrong, intent + selector + margin + against_oos)
        if best is None or rank > best[0]:
            best = (rank, thresholds, scores)
    assert best is not None
    return best[1], best[2]


def write_thresholds(thresholds: Thresholds) -> None:
    THRESHOLDS_FILE.write_text(
        "# Below these values the assistant does not guess an FAQ answer (see actions/faq_decision.py).\n"
        "# Chosen on the held-out dev set only, with `make tune` (eval/evaluate.py --tune).\n"
        f"min_intent_confidence: {thresholds.min_intent_confidence}\n"
        f"min_selector_confidence: {thresholds.min_selector_confidence}\n"
        f"min_margin: {thresholds.min_margin}\n"
        f"min_selector_against_out_of_scope: {thresholds.min_selector_against_out_of_scope}\n",
        encoding="utf-8",
    )


# --- conversations ----------------------------------------------------------------------------------


def conversation_sets(splits: Sequence[str]) -> Dict[str, List[conversations.Conversation]]:
    sets = {}
    for split in splits:
        path = SPLIT_DIRS[split] / conversations.CONVERSATION_FILE
        if path.exists():
            sets[split] = conversations.load_conversations(path)
    return sets


def evaluate_conversations(splits: Sequence[str], rasa_url: Optional[str],
                           token: str) -> Dict[str, conversations.ConversationScores]:
    """Play each split's conversations through the running assistant at rasa_url, or through a test stack
    started for this evaluation (ops/teststack.py: Rasa and the action server, as `make run` starts them)."""
    sets = conversation_sets(splits)
    if not sets:
        return {}
    if rasa_url:
        client = conversations.RestConversations(rasa_url, token)
        return {split: conversations.evaluate(client, items) for split, items in sets.items()}
    sys.path.insert(0, str(REPO / "ops"))
    import tempfile

    from teststack import Stack

    with tempfile.TemporaryDirectory(prefix="cac-eval-") as state, Stack.running(Path(state)) as stack:
        client = conversations.RestConversations(stack.url, stack.token)
        return {split: conversations.evaluate(client, items) for split, items in sets.items()}


# --- report -----------------------------------------------------------------------------------------


def explain(parse_data: dict) -> str:
    """Intent and FAQ selector confidences behind a decision, for --details."""
    intent = parse_data.get("intent") or {}
    ranking = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    top = ", ".join(f"{item['intent_response_key']} {item['confidence']:.2f}" for item in ranking[:2])
    return f"[{intent.get('name')} {float(intent.get('confidence') or 0):.2f} | {top}]"


ROWS = [
    ("Exactitude FAQ", "faq_accuracy", "{:.1%}"),
    ("Rejet hors sujet", "oos_rejection", "{:.1%}"),
    ("Lancement de la vérification", "check_scope_accuracy", "{:.1%}"),
    ("Demande d'un conseiller", "ask_human_accuracy", "{:.1%}"),
    ("Réponses fausses données (nb)", "confidently_wrong", "{}"),
    ("Réponses fausses données (%)", "confidently_wrong_rate", "{:.1%}"),
    ("Suggestions utiles si refus", "suggestion_hit_rate", "{:.1%}"),
]


def print_table(results: Dict[str, Tuple[int, Scores, Scores]]) -> None:
    splits = list(results)
    print(f"{'':34}" + "".join(f"{split + ' (' + str(results[split][0]) + ')':>16}" for split in splits)
          + "   | TF-IDF " + " ".join(f"{split:>7}" for split in splits))
    for name, attribute, form in ROWS:
        cells = "".join(f"{form.format(getattr(results[split][1], attribute)):>16}" for split in splits)
        base = " ".join(f"{form.format(getattr(results[split][2], attribute)):>7}" for split in splits)
        print(f"{name:34}{cells}   |        {base}")


def print_errors(split: str, scores: Scores, show_texts: bool, details: Dict[str, str]) -> None:
    print(f"\nErreurs de l'assistant par clé ({split}) :")
    if not scores.errors:
        print("  aucune")
    for label in sorted(scores.errors):
        errors = scores.errors[label]
        outcomes = Counter(outcome for _, outcome in errors)
        print(f"  {label} ({len(errors)}) → " + ", ".join(f"{o} ×{n}" for o, n in outcomes.most_common()))
        if show_texts:
            for text, outcome in errors:
                print(f"    - « {text} » → {outcome} {details.get(text, '')}")


def answer_record(split: str, example: Example, outcome: Outcome) -> dict:
    """One question's answer for --answers-json: a blind question is named by a fingerprint of its text only
    (eval/blind/README.md: its text is never shown)."""
    name = hashlib.sha256(example.text.encode("utf-8")).hexdigest()[:16] if split == "blind" else example.text
    return {"id": name, "label": example.label, "shown": outcome.shown, "right": is_right(example, outcome)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", default=",".join(SPLITS), help="jeux à évaluer (défaut : dev,test,blind)")
    parser.add_argument("--model", type=Path, default=None, help="modèle (défaut : le plus récent de models/)")
    parser.add_argument("--rasa-url", default=None,
                        help="analyser avec ce Rasa en marche (/model/parse) au lieu de charger le modèle "
                             "(défaut : EVAL_RASA_URL, sauf quand --model nomme le modèle à mesurer)")
    parser.add_argument("--token", default=os.environ.get("EVAL_RASA_TOKEN", ""), help="jeton de l'API Rasa")
    parser.add_argument("--tune", action="store_true", help="choisir les seuils sur dev et les enregistrer")
    parser.add_argument("--tune-dry", action="store_true",
                        help="choisir les seuils sur dev pour ce rapport seulement (ablation), sans les enregistrer")
    parser.add_argument("--gate", choices=SPLITS, default=None, help="jeu sur lequel appliquer les seuils minimaux")
    parser.add_argument("--min-faq-accuracy", type=float, default=None)
    parser.add_argument("--min-oos-rejection", type=float, default=None)
    parser.add_argument("--min-conversations", type=float, default=None,
                        help="part minimale de conversations justes sur le jeu --gate")
    parser.add_argument("--no-conversations", action="store_true",
                        help="questions seulement (sans jouer les conversations, qui demandent l'assistant en marche)")
    parser.add_argument("--details", action="store_true", help="montrer les questions de dev et test en erreur")
    parser.add_argument("--show-blind-texts", action="store_true",
                        help="montrer aussi les questions aveugles en erreur (à remplacer ensuite)")
    parser.add_argument("--json", type=Path, default=None, help="écrire les résultats dans ce fichier JSON")
    parser.add_argument("--answers-json", type=Path, default=None,
                        help="écrire ce que l'assistant donne à chaque question (la console compare deux modèles ; "
                             "les questions aveugles n'y figurent que par une empreinte)")
    args = parser.parse_args()
    if args.rasa_url is None and args.model is None:
        # make test exports the stack's address to every test; a model named with --model (the console's
        # candidate) is measured itself, never the model the stack happens to serve.
        args.rasa_url = os.environ.get("EVAL_RASA_URL")

    splits = [split.strip() for split in args.splits.split(",") if split.strip()]
    if (args.tune or args.tune_dry) and "dev" not in splits:
        splits.insert(0, "dev")
    if args.gate and args.gate not in splits:
        splits.append(args.gate)
    examples = {split: load_split(split) for split in splits}
    texts = [example.text for split in splits for example in examples[split]]
    if args.rasa_url:
        parsed_all, parse_ms = parse_with_server(args.rasa_url, args.token, texts)
    else:
        parsed_all, parse_ms = parse_with_model(args.model or latest_model(), texts)
    parsed: Dict[str, List[dict]] = {}
    offset = 0
    for split in splits:
        parsed[split] = parsed_all[offset: offset + len(examples[split])]
        offset += len(examples[split])

    keys = known_faq_keys()
    thresholds = load_thresholds()
    if args.tune or args.tune_dry:
        thresholds, _ = tune_thresholds(examples["dev"], parsed["dev"], keys)
    if args.tune:
        write_thresholds(thresholds)
        print(f"Seuils choisis sur dev et écrits dans {THRESHOLDS_FILE.relative_to(REPO)}")

    baseline_model = TfidfNearestQuestion()
    dev_examples = examples.get("dev") or load_split("dev")
    min_similarity = tune_baseline(dev_examples, baseline_model.nearest([e.text for e in dev_examples]))
    results: Dict[str, Tuple[int, Scores, Scores]] = {}
    answers: Dict[str, List[dict]] = {}
    for split in splits:
        outcomes = [assistant_outcome(data, thresholds, keys) for data in parsed[split]]
        answers[split] = [answer_record(split, example, outcome) for example, outcome
                          in zip(examples[split], outcomes, strict=True)]
        assistant = score(examples[split], outcomes)
        nearest = baseline_model.nearest([e.text for e in examples[split]])
        baseline = score(examples[split], baseline_outcomes(nearest, min_similarity))
        results[split] = (len(examples[split]), assistant, baseline)

    print(f"\nCompréhension sur des questions jamais vues à l'entraînement ({', '.join(splits)})")
    print(f"Seuils : intention ≥ {thresholds.min_intent_confidence}, sélecteur ≥ {thresholds.min_selector_confidence}, "
          f"écart ≥ {thresholds.min_margin}, sélecteur contre « hors sujet » ≥ "
          f"{thresholds.min_selector_against_out_of_scope}\n")
    print_table(results)
    print("« Réponses fausses données » : une réponse (ou la vérification) donnée pour une autre question,"
          " ou à une question hors sujet.\n« Suggestions utiles » : part des questions FAQ refusées dont"
          " une des questions proposées est la bonne.")
    for split in splits:
        show = args.show_blind_texts if split == "blind" else args.details
        details = {e.text: explain(d) for e, d in zip(examples[split], parsed[split], strict=True)}
        print_errors(split, results[split][1], show, details)
    print(f"\nTemps d'analyse NLU par message (médiane) : {parse_ms:.1f} ms"
          + (" (via HTTP)" if args.rasa_url else " (dans le processus)"))

    dialogues: Dict[str, conversations.ConversationScores] = {}
    if not (args.no_conversations or args.tune or args.tune_dry):
        dialogues = evaluate_conversations(splits, args.rasa_url, args.token)
        print(f"\nConversations jamais vues à l'entraînement ({', '.join(dialogues)})\n")
        conversations.print_table(dialogues)
        print("Une conversation est juste quand chacun de ses tours l'est ; « réponse répétée » : la même réponse"
              " que le tour d'avant à un autre message.")
        for split, scores in dialogues.items():
            show = args.show_blind_texts if split == "blind" else args.details
            conversations.print_failures(split, scores, show)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "parse_ms_median": parse_ms,
            "thresholds": vars(thresholds),
            "splits": {split: {"count": count, "assistant": {**vars(a), "errors": None} if split == "blind"
                               else vars(a), "baseline": {**vars(b), "errors": None}}
                       for split, (count, a, b) in results.items()},
            "conversations": {split: scores.as_json() for split, scores in dialogues.items()},
        }, ensure_ascii=False, indent=2), encoding="utf-8")

    if args.answers_json:
        args.answers_json.parent.mkdir(parents=True, exist_ok=True)
        args.answers_json.write_text(json.dumps(answers, ensure_ascii=False, indent=1), encoding="utf-8")

    if args.gate:
        gated = results[args.gate][1]
        failed = []
        if args.min_faq_accuracy is not None and gated.faq_accuracy < args.min_faq_accuracy:
            failed.append(f"exactitude FAQ {gated.faq_accuracy:.1%} < {args.min_faq_accuracy:.0%}")
        if args.min_oos_rejection is not None and gated.oos_rejection < args.min_oos_rejection:
            failed.append(f"rejet hors sujet {gated.oos_rejection:.1%} < {args.min_oos_rejection:.0%}")
        gated_dialogues = dialogues.get(args.gate)
        if args.min_conversations is not None and gated_dialogues is not None \
                and gated_dialogues.accuracy < args.min_conversations:
            failed.append(f"conversations justes {gated_dialogues.accuracy:.1%} < {args.min_conversations:.0%}")
        if failed:
            print(f"\nÉCHEC sur {args.gate} : " + " ; ".join(failed))
            return 1
        print(f"\nSeuils minimaux tenus sur {args.gate}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
