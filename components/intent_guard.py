"""An NLU component that keeps two intents for the messages that really mean them.

Two intents start something heavier than an answer: ``check_scope`` starts the scope check and
``ask_human`` hands the conversation to a person. The classifier learns them from words such as
« mon projet », « application » or « conseiller », which also occur in other questions:
« vous conseillez quoi pour héberger nos données ? » is a question, not a request for an adviser, and
« mon application de congés plante » is not a request to check a project. This component, placed after
the classifiers and before the FallbackClassifier, demotes such an intent to the next one of the
ranking when the text carries none of the words that request asks with. Button payloads (« /check_scope »)
are left alone.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.text import normalize

CHECK_SCOPE = "check_scope"
ASK_HUMAN = "ask_human"

# Asking whether the doctrine applies to one's case: « suis-je concerné », « s'applique à mon projet »,
# « entre dans le champ », « vérifier mon projet », « doit-on passer au cloud ».
_SCOPE_REQUEST = re.compile(
    r"(?<!\w)(?:"
    r"concern\w*|s appliqu\w*|appliqu\w*|applicable\w*|soumis\w*|vise\w*|relev\w*|tomb\w*|rentr\w*|entr\w*"
    r"|champ|perimetre|eligib\w*|verifi\w*|check\w*|test\w*|doctrine|circulaire|cloud au centre"
    r"|oblig\w*|impos\w*|passer (?:au|par le|dans le|sur le|en) cloud|aller (?:dans|sur|vers|au) (?:le )?cloud"
    r"|migrer (?:vers|dans|sur|au) (?:le )?cloud|6282|6404"
    r")(?!\w)"
)

# Asking for a person. « conseiller » counts as a noun only (« un conseiller », « à un conseiller »),
# not as a verb (« vous me conseillez quoi ? », « pouvez-vous me conseiller ? »).
_PERSON_REQUEST = re.compile(
    r"(?<!\w)(?:"
    r"humain\w*|personne|quelqu un|interlocut\w*|agent|agents|operat(?:eur|rice) humain\w*|equipe|expert\w*"
    r"|rappel\w*|parler|discuter|echanger|joindre|robot\w*|bot|vrai\w*|reel\w*|transfer\w*|mett\w* en relation"
    r"|(?:un|une|le|la|les|des|du|au|aux|a un|a une|votre|vos|mon|ma|d un|d une|1) conseill(?:er|ere|ers|eres)"
    r"|conseill(?:er|ere) (?:humain|svp|stp|s il)"
    r"|^conseill(?:er|ere)s?$"
    r")(?!\w)"
)


def asks_for_scope_check(text: str) -> bool:
    """True when the text asks whether the doctrine applies (to a project, an entity, oneself)."""
    return _SCOPE_REQUEST.search(normalize(text)) is not None


def asks_for_person(text: str) -> bool:
    """True when the text asks to talk to a person."""
    return _PERSON_REQUEST.search(normalize(text)) is not None


_GUARDS = {CHECK_SCOPE: asks_for_scope_check, ASK_HUMAN: asks_for_person}


def guarded_intent(text: str, ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The intent to use instead of the top one, or None to keep it.

    Walks down the ranking past every guarded intent whose words are missing from the text.
    """
    if not ranking or text.startswith("/"):
        return None
    for index, candidate in enumerate(ranking):
        guard = _GUARDS.get(candidate.get(INTENT_NAME_KEY) or "")
        if guard is None or guard(text):
            return None if index == 0 else candidate
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentGuard(GraphComponent, IntentClassifier):
    """Demotes ``check_scope`` and ``ask_human`` when the text does not ask for them (see module doc)."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            replacement = guarded_intent(message.get(TEXT) or "", ranking)
            if replacement is None:
                continue
            demoted = {item.get(INTENT_NAME_KEY) for item in ranking[: ranking.index(replacement)]}
            message.set(INTENT, dict(replacement), add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [item for item in ranking if item.get(INTENT_NAME_KEY) not in demoted]
                + [item for item in ranking if item.get(INTENT_NAME_KEY) in demoted],
                add_to_output=True,
            )
        return messages
