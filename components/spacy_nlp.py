"""spaCy loaded once, with only what the pipeline uses.

Rasa's SpacyNLP loads the French model twice (once for the node that provides the model, once for the
node that parses messages) with its dependency parser disabled but still loaded, and runs the
named-entity recogniser on every message. The assistant needs tokens and lemmas only (the lemmatizer
needs tok2vec, morphologizer and attribute_ruler), so the parser and the NER are excluded at load time
and the loaded model is shared: a faster start, less memory and a faster parse.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

EXCLUDED = ("parser", "ner", "senter")


@lru_cache(maxsize=2)
def _load_once(spacy_model_name: Text) -> SpacyModel:
    import spacy

    SpacyNLP.load_model(spacy_model_name)  # Rasa's checks and error messages; the full model is let go
    return SpacyModel(model=spacy.load(spacy_model_name, exclude=list(EXCLUDED)), model_name=spacy_model_name)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="LeanSpacyNLP",
)
class LeanSpacyNLP(SpacyNLP):
    """SpacyNLP loaded once, without the components nobody reads (see the module docstring)."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        return _load_once(spacy_model_name)
