"""spaCy is loaded once per start, without the parts nobody reads, and a missing model is a clear error."""

import pytest
from rasa.nlu.model import InvalidModelError

from components.spacy_nlp import EXCLUDED, LeanSpacyNLP


def test_the_model_is_loaded_once_without_parser_and_ner() -> None:
    first = LeanSpacyNLP.load_model("fr_core_news_sm")
    assert LeanSpacyNLP.load_model("fr_core_news_sm") is first
    assert not set(EXCLUDED) & set(first.model.pipe_names)
    assert [token.lemma_ for token in first.model("les données sensibles")] == ["le", "donnée", "sensible"]


@pytest.mark.parametrize("name", ["", "fr_modele_absent"])
def test_a_missing_model_is_a_clear_error(name: str) -> None:
    with pytest.raises(InvalidModelError, match="spaCy"):
        LeanSpacyNLP.load_model(name)
