"""The linear classifier gives the probabilities of its logistic regression, before and after a save and
a load (the model that Rasa loads at start is the one that was trained)."""

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.linear_classifier import LinearClassifier, _tfidf

EXAMPLES = {
    "greet": ["bonjour", "salut", "bonjour à vous", "hello", "bonsoir"],
    "faq/financement": ["existe-t-il un financement ?", "qui finance la migration", "aide financière pour migrer",
                        "subvention cloud", "budget pour passer au cloud"],
    "faq/donnees_sensibles": ["héberger des données sensibles", "données sensibles dans le cloud",
                              "où mettre des données sensibles", "cloud et données sensibles", "sensibilité des données"],
    "out_of_scope": ["quel temps fait-il", "recette de la tarte", "horaires de la piscine", "météo demain",
                     "résultat du match"],
}
QUESTIONS = ["bonjour !", "un financement pour le cloud ?", "mes données sensibles", "la météo"]


def message(text: str, label: str = "") -> Message:
    data = {TEXT: text}
    if label:
        data[INTENT] = label.split("/")[0]
        if "/" in label:
            data[INTENT_RESPONSE_KEY] = label
    return Message(data=data)


@pytest.fixture
def trained(tmp_path: Path) -> tuple[LinearClassifier, LocalModelStorage, Resource, ExecutionContext]:
    storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = LinearClassifier.create({}, storage, resource, context)
    classifier.train(TrainingData([message(text, label) for label, texts in EXAMPLES.items() for text in texts]))
    return classifier, storage, resource, context


def expected_probabilities(classifier: LinearClassifier, texts: list[str]) -> np.ndarray:
    """Softmax of the linear scores, computed the plain way."""
    assert classifier.weights is not None and classifier.bias is not None
    features = classifier._features([message(text) for text in texts]).toarray()
    scores = features @ classifier.weights.T.astype(np.float64) + classifier.bias
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def test_probabilities_are_the_softmax_of_the_linear_scores(trained) -> None:
    classifier = trained[0]
    probabilities = classifier.probabilities([message(text) for text in QUESTIONS])
    np.testing.assert_allclose(probabilities, expected_probabilities(classifier, QUESTIONS), rtol=1e-9, atol=1e-12)


def test_the_loaded_model_answers_as_the_trained_one(trained) -> None:
    classifier, storage, resource, context = trained
    loaded = LinearClassifier.load({}, storage, resource, context)
    messages = [message(text) for text in QUESTIONS]
    # The IDF weights are saved as float32: the same probabilities to about 1e-7.
    np.testing.assert_allclose(loaded.probabilities(messages), classifier.probabilities(messages), rtol=1e-5)
    loaded.process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == ["greet", "faq", "faq", "out_of_scope"]
    assert messages[1].get("response_selector")["faq"]["response"][INTENT_RESPONSE_KEY] == "faq/financement"


def test_the_features_are_those_of_scikit_learn(trained) -> None:
    """The classifier's own TF-IDF path (components.linear_classifier._tfidf) gives exactly the matrix of
    TfidfVectorizer.transform, for the trained vectorizers and for the loaded ones."""
    classifier, storage, resource, context = trained
    loaded = LinearClassifier.load({}, storage, resource, context)
    texts = [*QUESTIONS, "", "aucun mot connu zzz"]
    for model in (classifier, loaded):
        for view, vectorizer in model.vectorizers.items():
            ours, theirs = _tfidf(vectorizer, texts), vectorizer.transform(texts)
            assert ours.dtype == theirs.dtype, view
            np.testing.assert_array_equal(ours.toarray(), theirs.toarray())
