"""spaCy loaded once, with only what the pipeline uses.

Rasa's SpacyNLP loads the French model twice (once for the node that provides the model, once for the
node that parses messages) with its dependency parser disabled but still loaded, and runs the
named-entity recogniser on every message. The assistant needs tokens and lemmas only (the lemmatizer
needs tok2vec, morphologizer and attribute_ruler), so the parser and the NER are excluded at load time
and the loaded model is shared: a faster start, less memory and a faster parse. Rasa's own checks of
the model (installed, compatible with the installed spaCy) are kept, without loading it a second time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

EXCLUDED = ("parser", "ner", "senter")


@lru_cache(maxsize=2)
def _load_once(spacy_model_name: Text) -> SpacyModel:
    """The model without EXCLUDED, with the checks of Rasa's SpacyNLP.load_model (which would load
    the whole model a second time just to run them: several seconds of every start)."""
    import spacy

    if not spacy_model_name:
        raise InvalidModelError("LeanSpacyNLP demande un modèle spaCy (option `model` dans config.yml).")
    try:
        language = spacy.load(spacy_model_name, exclude=list(EXCLUDED))
    except OSError as error:
        raise InvalidModelError(
            f"Le modèle spaCy {spacy_model_name} n'est pas installé (python -m spacy download {spacy_model_name})."
        ) from error
    required = language.meta.get("spacy_version", "")
    if required and not spacy.util.is_compatible_version(spacy.about.__version__, required):
        raise InvalidModelError(
            f"Le modèle spaCy {spacy_model_name} demande spaCy {required}, incompatible avec "
            f"spaCy {spacy.about.__version__}."
        )
    return SpacyModel(model=language, model_name=spacy_model_name)


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
