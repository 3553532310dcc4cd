"""An NLU component that keeps six intents for the messages that really mean them.

Two intents start something heavier than an answer: ``check_scope`` starts the scope check and
``ask_human`` hands the conversation to a person; a third, ``bot_challenge``, answers « I am a program »,
which is the wrong reply to « vous êtes sûrs qu'on est un opérateur ? » (a doubt about the last answer), and a
fourth, ``what_can_you_do``, lists the assistant's subjects, the wrong reply to « tu peux m'aider à remplir ma
note de frais ? » (a request for help with something else); ``thanks`` and ``greet`` are kept for courtesies,
not for a question that opens with one (« ok merci, si j'ai un doute je vois avec qui ? »). The classifier
learns them from words such as « mon projet », « application » or « conseiller », which also occur in other questions:
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
BOT_CHALLENGE = "bot_challenge"
WHAT_CAN_YOU_DO = "what_can_you_do"
THANKS = "thanks"
GREET = "greet"

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


# Asking what the assistant is: « tu es un robot ? », « c'est une IA ? », « qui êtes-vous ? ». « Vous êtes
# sûrs qu'on est un opérateur ? » is a doubt about an answer, not about the assistant.
_NATURE_QUESTION = re.compile(
    r"(?<!\w)(?:"
    r"robot\w*|bots?|chatbot\w*|machine\w*|humain\w*|personne|programme\w*|ia|intelligence artificielle"
    r"|chatgpt|gpt|automatique\w*|logiciel|algorithme|qui (?:etes vous|es tu|est ce)|t es qui|vous etes qui"
    r"|vrai\w* (?:humain\w*|personne\w*|gens)"
    r")(?!\w)"
)


# Asking what the assistant can do: « que savez-vous faire ? », « aide », « sur quoi pouvez-vous m'aider ? ».
# « tu peux m'aider à remplir ma note de frais ? » asks for help with something else (off topic).
_ABILITIES_QUESTION = re.compile(
    r"(?<!\w)(?:"
    r"(?:que|qu est ce que) (?:sais|savez|peux|pouvez|sait) (?:tu |vous |il |elle )?faire|a quoi (?:tu |vous )?ser\w*"
    r"|fonctionnalit\w*|comment (?:ca marche|ca fonctionne|fonctionne)|quels? sujets|quelles? questions"
    r"|sur quoi (?:peux|pouvez|tu peux|vous pouvez)|menu|help|que (?:puis|peux) je (?:te |vous )?demander"
    r"|je ne sais pas quoi (?:te |vous )?demander|qu est ce que (?:tu |vous |je |on )?(?:peux|pouvez|sais|savez|peut)"
    r"|ce que (?:tu |vous )?(?:sais|savez|pouvez|peux) faire|(?:quels?|quelles?) (?:themes?|domaines?|questions?)"
    r")(?!\w)"
)
MAX_WORDS_OF_A_PLAIN_REQUEST_FOR_HELP = 4


def asks_what_the_assistant_can_do(text: str) -> bool:
    """True for a question about the assistant's abilities, or a short plain request for help (« aide moi »)."""
    normalized = normalize(text)
    return _ABILITIES_QUESTION.search(normalized) is not None \
        or len(normalized.split()) <= MAX_WORDS_OF_A_PLAIN_REQUEST_FOR_HELP


MAX_WORDS_OF_A_COURTESY = 5


def only_a_courtesy(text: str) -> bool:
    """« merci ! », « bonjour » — not « ok merci, si j'ai un doute je vois avec qui ? », which asks something."""
    normalized = normalize(text)
    return "?" not in text or len(normalized.split()) <= MAX_WORDS_OF_A_COURTESY


def asks_what_the_assistant_is(text: str) -> bool:
    """True when the text asks whether a machine or a person answers."""
    return _NATURE_QUESTION.search(normalize(text)) is not None


def asks_for_scope_check(text: str) -> bool:
    """True when the text asks whether the doctrine applies (to a project, an entity, oneself)."""
    return _SCOPE_REQUEST.search(normalize(text)) is not None


def asks_for_person(text: str) -> bool:
    """True when the text asks to talk to a person."""
    return _PERSON_REQUEST.search(normalize(text)) is not None


_GUARDS = {CHECK_SCOPE: asks_for_scope_check, ASK_HUMAN: asks_for_person, BOT_CHALLENGE: asks_what_the_assistant_is,
           WHAT_CAN_YOU_DO: asks_what_the_assistant_can_do, THANKS: only_a_courtesy, GREET: only_a_courtesy}


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
