"""One linear classifier for every question: intents and FAQ keys, over word, lemma and character n-grams.

Why not DIET + ResponseSelector: measured on questions written independently of the training data
(eval/blind, docs/ablation.md), a multinomial logistic regression on TF-IDF n-grams answers more FAQ
questions right and rejects more off-topic ones, its probabilities rank right answers above wrong ones
more reliably (so the thresholds of actions/faq_decision.py work), it trains in seconds instead of
minutes and needs no TensorFlow at run time. Off-topic questions compete directly with every FAQ key
because all labels share one softmax: the ResponseSelector only ever saw FAQ questions.

Labels: ``faq/<key>`` for the retrieval intent ``faq``, the intent name otherwise. The output keeps the
shapes the rest of the assistant reads: ``intent`` and ``intent_ranking`` over base intents (``faq`` is
the sum of its keys), and ``response_selector.faq.ranking`` with each key's probability (joint, so that
an FAQ key and « off topic » are compared on one scale).

The model is persisted as plain arrays (``.npz`` without pickle) and JSON, never as pickled objects.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

logger = logging.getLogger(__name__)

RETRIEVAL_INTENT = "faq"
RESPONSE_SELECTOR = "response_selector"
# The three views of a message the classifier reads (see _views).
VIEWS = ("words", "lemmas", "chars")


def _vectorizer(view: str, config: Dict[str, Any]) -> TfidfVectorizer:
    common = {"strip_accents": "unicode", "lowercase": True, "sublinear_tf": True, "dtype": np.float32}
    if view == "chars":
        low, high = config["char_ngram_range"]
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), **common)
    low, high = config["word_ngram_range"]
    return TfidfVectorizer(ngram_range=(low, high), token_pattern=r"(?u)\b\w+\b", **common)


def _tfidf(vectorizer: TfidfVectorizer, texts: List[str]) -> scipy.sparse.csr_matrix:
    """`vectorizer.transform(texts)`, the same operations on the same arrays, without its checks that the
    vectorizer is fitted: one of them sums the whole IDF matrix again on every call (≈ 0.4 ms a view)."""
    tfidf = vectorizer._tfidf
    if not (tfidf.use_idf and tfidf.norm):
        return vectorizer.transform(texts)
    counts = CountVectorizer.transform(vectorizer, texts)
    if tfidf.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1
    return normalize(counts * tfidf._idf_diag, norm=tfidf.norm, copy=False)


def _views(message: Message) -> Dict[str, str]:
    """The raw text (words and characters) and its lemmas from the pipeline's tokenizer."""
    text = message.get(TEXT) or ""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    lemmas = " ".join((token.lemma or token.text) for token in tokens) if tokens else text
    return {"words": text, "lemmas": lemmas, "chars": text}


def _label(message: Message) -> Optional[str]:
    return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearClassifier(GraphComponent, IntentClassifier):
    """Intents and FAQ keys from one multinomial logistic regression (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngram_range": [1, 2],
            "char_ngram_range": [2, 5],
            "use_lemmas": True,
            # Inverse regularisation strength; chosen on the dev set (docs/ablation.md).
            "C": 30.0,
            "class_weight": "balanced",
            "max_iter": 3000,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizers: Optional[Dict[str, TfidfVectorizer]] = None,
        weights: Optional[np.ndarray] = None,
        bias: Optional[np.ndarray] = None,
        labels: Sequence[str] = (),
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers = vectorizers or {}
        self.weights = weights
        self.bias = bias
        self.labels = list(labels)
        self._columns: Optional[np.ndarray] = None  # weights.T as scipy needs it (see probabilities)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearClassifier":
        return cls(config, model_storage, resource)

    def _active_views(self) -> Tuple[str, ...]:
        return tuple(view for view in VIEWS if view != "lemmas" or self.config["use_lemmas"])

    def _features(self, messages: Sequence[Message], fit: bool = False) -> scipy.sparse.csr_matrix:
        views = [_views(message) for message in messages]
        blocks = []
        for view in self._active_views():
            texts = [item[view] for item in views]
            if fit:
                self.vectorizers[view] = _vectorizer(view, self.config)
                blocks.append(self.vectorizers[view].fit_transform(texts))
            else:
                blocks.append(_tfidf(self.vectorizers[view], texts))
        return scipy.sparse.hstack(blocks).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [message for message in training_data.intent_examples if message.get(TEXT) and _label(message)]
        if len({_label(message) for message in examples}) < 2:
            logger.warning("LinearClassifier: fewer than two labels in the training data, nothing learnt.")
            return self._resource
        features = self._features(examples, fit=True)
        model = LogisticRegression(
            C=self.config["C"], class_weight=self.config["class_weight"], max_iter=self.config["max_iter"]
        )
        model.fit(features, [_label(message) for message in examples])
        self.weights = model.coef_.astype(np.float32)
        self.bias = model.intercept_.astype(np.float32)
        self.labels = [str(label) for label in model.classes_]
        self.persist()
        return self._resource

    def probabilities(self, messages: Sequence[Message]) -> np.ndarray:
        """One row per message: the probability of each label (softmax of the linear scores)."""
        assert self.weights is not None and self.bias is not None
        if self._columns is None or self._columns.shape[::-1] != self.weights.shape:
            # The TF-IDF features are float64: scipy multiplies them by a float64, C-contiguous copy of
            # the weights, made again for every message (≈ 3 ms, more than the rest of the classifier)
            # unless it is given one. Same product, same figures.
            self._columns = np.ascontiguousarray(self.weights.T, dtype=np.float64)
        scores = self._features(messages) @ self._columns + self.bias
        scores = np.asarray(scores, dtype=np.float64)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.weights is None or not messages:
            return messages
        for message, row in zip(messages, self.probabilities(messages), strict=True):
            self._annotate(message, row)
        return messages

    def _annotate(self, message: Message, row: np.ndarray) -> None:
        intents: Dict[str, float] = {}
        keys: List[Tuple[str, float]] = []
        for label, probability in zip(self.labels, row, strict=True):
            base = label.split("/", 1)[0]
            intents[base] = intents.get(base, 0.0) + float(probability)
            if base == RETRIEVAL_INTENT and "/" in label:
                keys.append((label, float(probability)))
        ranking = [
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
            for name, confidence in sorted(intents.items(), key=lambda item: -item[1])
        ][: self.config["ranking_length"]]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if not keys:
            return
        keys.sort(key=lambda item: -item[1])
        top_key, top_confidence = keys[0]
        selector = message.get(RESPONSE_SELECTOR) or {}
        selector["all_retrieval_intents"] = [RETRIEVAL_INTENT]
        selector[RETRIEVAL_INTENT] = {
            "response": {
                "responses": [],
                PREDICTED_CONFIDENCE_KEY: top_confidence,
                INTENT_RESPONSE_KEY: top_key,
                "utter_action": f"utter_{top_key}",
            },
            "ranking": [
                {INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: confidence}
                for key, confidence in keys[: self.config["ranking_length"]]
            ],
        }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)

    def persist(self) -> None:
        assert self.weights is not None and self.bias is not None
        with self._model_storage.write_to(self._resource) as directory:
            arrays = {"weights": self.weights, "bias": self.bias}
            vocabularies = {}
            for view, vectorizer in self.vectorizers.items():
                arrays[f"idf_{view}"] = vectorizer.idf_.astype(np.float32)
                vocabularies[view] = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
            np.savez_compressed(directory / "model.npz", **arrays)
            (directory / "model.json").write_text(
                json.dumps({"labels": self.labels, "vocabularies": vocabularies}, ensure_ascii=False), encoding="utf-8"
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / "model.npz", allow_pickle=False)
                meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
                component.weights, component.bias = arrays["weights"], arrays["bias"]
                component.labels = list(meta["labels"])
                for view, vocabulary in meta["vocabularies"].items():
                    vectorizer = _vectorizer(view, component.config)
                    vectorizer.vocabulary_ = vocabulary
                    vectorizer.idf_ = arrays[f"idf_{view}"]
                    component.vectorizers[view] = vectorizer
        except (ValueError, FileNotFoundError):
            logger.warning("LinearClassifier: no trained model found; every message stays unclassified.")
        return component
