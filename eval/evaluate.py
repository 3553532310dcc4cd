"""Measure what the assistant understands on held-out questions, beside a TF-IDF baseline.

    python eval/evaluate.py --split test                       # report
    python eval/evaluate.py --split test --min-faq-accuracy 0.95 --min-oos-rejection 0.90   # gate
    python eval/evaluate.py --split dev --tune                 # choose the FAQ confidence thresholds

The held-out sets (eval/heldout/<split>/*.yml: label → messages) are never used for training. What is
scored is what the user would get: the trained model parses the message, then the same decision as the
running assistant is applied (data/rules: faq and nlu_fallback → actions/faq_decision.decide,
check_scope/inform → the scope check, anything else → no FAQ answer).
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import statistics
import sys
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore")  # Rasa's dependencies are noisy; this report is read by people

import yaml  # noqa: E402

from actions.faq_decision import THRESHOLDS_FILE, Thresholds, decide, load_thresholds  # noqa: E402
from actions.scope_form import read_scope_answer  # noqa: E402

NO_ANSWER = "(pas de réponse FAQ)"
CHECK_SCOPE = "check_scope"
OUT_OF_SCOPE = "out_of_scope"
# The FAQ question A3 « est-ce que mon projet est concerné ? » is also answered by starting the check,
# whose first message states the rule: both count as the right answer.
ALSO_RIGHT = {"faq/projet_concerne": {CHECK_SCOPE}}


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def load_heldout(split: str) -> List[Example]:
    examples = []
    for path in sorted((REPO / "eval" / "heldout" / split).glob("*.yml")):
        for label, texts in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            examples.extend(Example(str(text), str(label)) for text in texts or [])
    if not examples:
        raise SystemExit(f"Aucune question dans eval/heldout/{split}/")
    return examples


def assistant_outcome(parse_data: dict, thresholds: Thresholds, known_keys: set) -> str:
    """What the running assistant does with this message, as data/rules route it."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == CHECK_SCOPE:
        return CHECK_SCOPE
    if intent == "inform":
        # Outside the check, an answer is only taken up when it says something (action_inform_outside_check).
        understood = read_scope_answer(parse_data.get("text") or "", None, {}).slots
        return CHECK_SCOPE if understood else NO_ANSWER
    if intent in ("faq", "nlu_fallback", OUT_OF_SCOPE):
        decision = decide(parse_data, known_keys=known_keys, thresholds=thresholds)
        if decision.key:
            return f"faq/{decision.key}"
    return NO_ANSWER


def is_right(label: str, outcome: str) -> bool:
    if label == OUT_OF_SCOPE:
        return outcome == NO_ANSWER
    return outcome == label or outcome in ALSO_RIGHT.get(label, set())


@dataclass
class Scores:
    faq_accuracy: float
    oos_rejection: float
    check_scope_accuracy: float
    errors: Dict[str, List[Tuple[str, str]]]

    @property
    def objective(self) -> float:
        return self.faq_accuracy + self.oos_rejection


def score(examples: Sequence[Example], outcomes: Sequence[str]) -> Scores:
    right: Counter = Counter()
    total: Counter = Counter()
    errors: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for example, outcome in zip(examples, outcomes, strict=True):
        group = "faq" if example.label.startswith("faq/") else example.label
        total[group] += 1
        if is_right(example.label, outcome):
            right[group] += 1
        else:
            errors[example.label].append((example.text, outcome))

    def ratio(group: str) -> float:
        return right[group] / total[group] if total[group] else 1.0

    return Scores(ratio("faq"), ratio(OUT_OF_SCOPE), ratio(CHECK_SCOPE), dict(errors))


# --- the assistant ----------------------------------------------------------------------------------


def latest_model() -> Path:
    models = sorted((REPO / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        raise SystemExit("Aucun modèle dans models/ : lancez d'abord 'make train'.")
    return models[-1]


def parse_with_model(model: Path, texts: Sequence[str]) -> Tuple[List[dict], float]:
    """Parse every text with the model; also return the median NLU time per message (ms, in process,
    after two warm-up parses), so that the ablation can weigh each component's cost."""
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)

    agent = Agent.load(str(model))

    async def parse_all() -> Tuple[List[dict], float]:
        for text in texts[:2]:
            await agent.parse_message(text)
        parsed, durations_ms = [], []
        for text in texts:
            started = time.perf_counter()
            parsed.append(await agent.parse_message(text))
            durations_ms.append((time.perf_counter() - started) * 1000)
        return parsed, statistics.median(durations_ms)

    return asyncio.run(parse_all())


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
        texts = [text for text, _ in pairs]
        self.matrix = self._features(texts, fit=True)

    def _features(self, texts: Sequence[str], fit: bool = False):
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
    def outcome(label: str, similarity: float, min_similarity: float) -> str:
        if label == CHECK_SCOPE or label == "inform":
            return CHECK_SCOPE
        if label.startswith("faq/") and similarity >= min_similarity:
            return label
        return NO_ANSWER


def baseline_outcomes(nearest: Sequence[Tuple[str, float]], min_similarity: float) -> List[str]:
    return [TfidfNearestQuestion.outcome(label, similarity, min_similarity) for label, similarity in nearest]


def tune_baseline(examples: Sequence[Example], nearest: Sequence[Tuple[str, float]]) -> float:
    grid = [step / 100 for step in range(0, 80, 2)]
    return max(grid, key=lambda value: score(examples, baseline_outcomes(nearest, value)).objective)


# --- thresholds -------------------------------------------------------------------------------------


# Out-of-scope rejection the tuning keeps on the dev set, a margin above make test's 90 % floor.
TUNING_MIN_OOS_REJECTION = 0.93


def tune_thresholds(examples: Sequence[Example], parsed: Sequence[dict], keys: set) -> Tuple[Thresholds, Scores]:
    """Most FAQ questions answered right while rejecting at least 93 % of off-topic ones (dev set).

    Ties go to the stricter thresholds; if no setting reaches the rejection target, the best sum wins.
    """
    best: Optional[Tuple[Tuple[float, ...], Thresholds, Scores]] = None
    for intent, selector, margin, against_oos in itertools.product(
        [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        [0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6],
        [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
        [0.9, 0.95, 0.98, 1.01],
    ):
        thresholds = Thresholds(intent, selector, margin, against_oos)
        scores = score(examples, [assistant_outcome(data, thresholds, keys) for data in parsed])
        meets_target = scores.oos_rejection >= TUNING_MIN_OOS_REJECTION
        rank = (float(meets_target), round(scores.faq_accuracy if meets_target else scores.objective, 6),
                intent + selector + margin + against_oos)
        if best is None or rank > best[0]:
            best = (rank, thresholds, scores)
    assert best is not None
    return best[1], best[2]


def write_thresholds(thresholds: Thresholds) -> None:
    THRESHOLDS_FILE.write_text(
        "# Below these values the assistant does not guess an FAQ answer (see actions/faq_decision.py).\n"
        "# Chosen on the held-out dev set with `make tune` (eval/evaluate.py --split dev --tune).\n"
        f"min_intent_confidence: {thresholds.min_intent_confidence}\n"
        f"min_selector_confidence: {thresholds.min_selector_confidence}\n"
        f"min_margin: {thresholds.min_margin}\n"
        f"min_selector_against_out_of_scope: {thresholds.min_selector_against_out_of_scope}\n",
        encoding="utf-8",
    )


# --- report -----------------------------------------------------------------------------------------


def explain(parse_data: dict) -> str:
    """Intent and FAQ selector confidences behind a decision, for --details."""
    intent = parse_data.get("intent") or {}
    ranking = ((parse_data.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    top = ", ".join(f"{item['intent_response_key']} {item['confidence']:.2f}" for item in ranking[:2])
    return f"[{intent.get('name')} {float(intent.get('confidence') or 0):.2f} | {top}]"


def print_report(
    split: str,
    count: int,
    assistant: Scores,
    baseline: Scores,
    thresholds: Thresholds,
    details: Optional[Dict[str, str]] = None,
) -> None:
    print(f"\nÉvaluation sur eval/heldout/{split} ({count} questions jamais vues à l'entraînement)")
    print(
        f"Seuils : intention ≥ {thresholds.min_intent_confidence}, sélecteur ≥ "
        f"{thresholds.min_selector_confidence}, écart ≥ {thresholds.min_margin}, sélecteur contre « hors sujet » ≥ "
        f"{thresholds.min_selector_against_out_of_scope}\n"
    )
    print(f"{'':32}{'assistant':>12}{'TF-IDF':>12}")
    for name, attribute in [
        ("Exactitude FAQ", "faq_accuracy"),
        ("Rejet hors sujet", "oos_rejection"),
        ("Lancement de la vérification", "check_scope_accuracy"),
    ]:
        print(f"{name:32}{getattr(assistant, attribute):>11.1%}{getattr(baseline, attribute):>12.1%}")
    print("\nErreurs de l'assistant par clé :")
    if not assistant.errors:
        print("  aucune")
    for label in sorted(assistant.errors):
        print(f"  {label} ({len(assistant.errors[label])})")
        for text, outcome in assistant.errors[label]:
            print(f"    - « {text} » → {outcome}" + (f" {details.get(text, '')}" if details else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--model", type=Path, default=None, help="modèle (défaut : le plus récent de models/)")
    parser.add_argument("--tune", action="store_true", help="choisir les seuils sur ce jeu et les enregistrer")
    parser.add_argument("--min-faq-accuracy", type=float, default=None)
    parser.add_argument("--min-oos-rejection", type=float, default=None)
    parser.add_argument("--details", action="store_true", help="montrer les confiances derrière chaque erreur")
    parser.add_argument("--json", type=Path, default=None, help="écrire les résultats dans ce fichier JSON")
    args = parser.parse_args()

    examples = load_heldout(args.split)
    keys = known_faq_keys()
    parsed, parse_ms = parse_with_model(args.model or latest_model(), [example.text for example in examples])

    thresholds = load_thresholds()
    if args.tune:
        thresholds, _ = tune_thresholds(examples, parsed, keys)
        write_thresholds(thresholds)
        print(f"Seuils choisis sur {args.split} et écrits dans {THRESHOLDS_FILE.relative_to(REPO)}")

    assistant = score(examples, [assistant_outcome(data, thresholds, keys) for data in parsed])
    baseline_model = TfidfNearestQuestion()
    dev_examples = load_heldout("dev")
    min_similarity = tune_baseline(dev_examples, baseline_model.nearest([e.text for e in dev_examples]))
    baseline = score(examples, baseline_outcomes(baseline_model.nearest([e.text for e in examples]), min_similarity))
    details = {e.text: explain(data) for e, data in zip(examples, parsed, strict=True)} if args.details else None
    print_report(args.split, len(examples), assistant, baseline, thresholds, details)
    print(f"Temps d'analyse NLU par message (médiane, dans le processus) : {parse_ms:.1f} ms")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"split": args.split, "assistant": assistant.__dict__, "baseline": baseline.__dict__,
                 "parse_ms_median": parse_ms},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )

    failed = []
    if args.min_faq_accuracy is not None and assistant.faq_accuracy < args.min_faq_accuracy:
        failed.append(f"exactitude FAQ {assistant.faq_accuracy:.1%} < {args.min_faq_accuracy:.0%}")
    if args.min_oos_rejection is not None and assistant.oos_rejection < args.min_oos_rejection:
        failed.append(f"rejet hors sujet {assistant.oos_rejection:.1%} < {args.min_oos_rejection:.0%}")
    if failed:
        print("\nÉCHEC : " + " ; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
