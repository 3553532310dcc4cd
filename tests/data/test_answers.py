"""Checks that every FAQ answer stays true to the rules of the project, whoever wrote it.

Hermetic: reads the YAML files of the repository only (domain/, data/nlu/, actions/data/catalog/,
tests/stories/, eval/heldout/). For every key ``faq/<key>`` found in ``domain/*.yml``:
the answer ends with ``Source : <official page>``, is short enough for a chat, contains no HTML
and no curly braces (Rasa would read them as slot templates), has enough training examples,
a catalog entry whose related questions exist, held-out questions and a conversation test.
"""

import re
import unicodedata
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

# The official pages listed in the fact file (shared/knowledge/doctrine-cloud-faits.md, « Sources
# officielles »). Copied here so that the test does not depend on files outside the repository.
OFFICIAL_SOURCES = frozenset(
    {
        "https://www.numerique.gouv.fr/services/cloud/",
        "https://www.numerique.gouv.fr/services/cloud/regles-doctrine/",
        "https://www.numerique.gouv.fr/services/cloud/demarrer/",
        "https://www.numerique.gouv.fr/services/cloud/cloud-interne/",
        "https://www.numerique.gouv.fr/services/cloud/cloud-commercial/",
    }
)
MAX_CHARACTERS = 650
MAX_LINES = 8
MIN_TRAINING_EXAMPLES = 15
MIN_HELDOUT_PER_SPLIT = 5
MAX_TITLE_CHARACTERS = 60
CATALOG_TOPICS = frozenset(
    {
        "perimetre",
        "premiers_pas",
        "donnees_sensibles",
        "controle",
        "accompagnement",
        "contact",
        "regles",
        "offres",
        "juridique",
    }
)
FAQ_PREFIX = "faq/"
# utter_faq/<key> (retrieval answers) and utter_regle_* (rule answers sent by an action, if any).
CHECKED_RESPONSE = re.compile(r"^utter_(?:faq/[a-z0-9_]+|regle_[a-z0-9_]+)$")
SOURCE_LINE = re.compile(r"^Source : (\S+)$")
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|<!--|&[a-z]+;|<script", re.IGNORECASE)
EXAMPLE_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def comparable(text: str) -> str:
    """Lower case, no accents, no punctuation: « la R7 ? » and « la r7 » are the same question."""
    without_accents = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", without_accents).split())


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_responses() -> Dict[str, List[str]]:
    """Response name → its text variants, over every domain/*.yml file."""
    responses: Dict[str, List[str]] = {}
    for path in sorted((REPO / "domain").glob("*.yml")):
        for name, variants in (_load_yaml(path).get("responses") or {}).items():
            texts = [str(variant.get("text", "")) for variant in variants or [] if isinstance(variant, dict)]
            responses.setdefault(name, []).extend(texts)
    return responses


def faq_keys_in_domain() -> List[str]:
    return sorted(name.split("/", 1)[1] for name in load_responses() if name.startswith("utter_faq/"))


def training_examples() -> Dict[str, List[str]]:
    """Retrieval intent ``faq/<key>`` → its training examples, over every data/nlu/*.yml file."""
    examples: Dict[str, List[str]] = {}
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for block in _load_yaml(path).get("nlu") or []:
            intent = block.get("intent") if isinstance(block, dict) else None
            if not intent or not str(intent).startswith(FAQ_PREFIX):
                continue
            lines = str(block.get("examples") or "").splitlines()
            texts = [EXAMPLE_ANNOTATION.sub(r"\1", line.strip()[2:]).strip() for line in lines if line.strip()]
            examples.setdefault(intent[len(FAQ_PREFIX) :], []).extend(t for t in texts if t)
    return examples


def catalog() -> Dict[str, dict]:
    entries: Dict[str, dict] = {}
    for path in sorted((REPO / "actions" / "data" / "catalog").glob("*.yml")):
        for key, entry in (_load_yaml(path).get("faq") or {}).items():
            assert key not in entries, f"clé {key} définie deux fois dans le catalogue ({path.name})"
            entries[key] = entry
    return entries


def keys_with_conversation_test() -> Set[str]:
    """FAQ keys asserted as ``intent: faq/<key>`` in at least one tests/stories/*.yml story."""
    keys: Set[str] = set()
    for path in sorted((REPO / "tests" / "stories").glob("*.yml")):
        for story in _load_yaml(path).get("stories") or []:
            for step in story.get("steps") or []:
                intent = str(step.get("intent") or "") if isinstance(step, dict) else ""
                if intent.startswith(FAQ_PREFIX) and step.get("user"):
                    keys.add(intent[len(FAQ_PREFIX) :])
    return keys


def heldout(split: str) -> Dict[str, list]:
    questions: Dict[str, list] = {}
    for path in sorted((REPO / "eval" / "heldout" / split).glob("*.yml")):
        for label, messages in _load_yaml(path).items():
            questions.setdefault(str(label), []).extend(messages or [])
    return questions


FAQ_KEYS = faq_keys_in_domain()
CHECKED_TEXTS = [
    pytest.param(name, text, id=f"{name}#{index}")
    for name, texts in sorted(load_responses().items())
    if CHECKED_RESPONSE.match(name)
    for index, text in enumerate(texts)
]


def test_domain_has_faq_answers():
    assert len(FAQ_KEYS) >= 12, f"trop peu de réponses utter_faq/* dans domain/ : {FAQ_KEYS}"


@pytest.mark.parametrize("name,text", CHECKED_TEXTS)
def test_answer_ends_with_official_source(name: str, text: str):
    last_line = text.rstrip().splitlines()[-1].strip() if text.strip() else ""
    match = SOURCE_LINE.match(last_line)
    assert match, f"{name} : la dernière ligne doit être « Source : <url> », pas « {last_line} »"
    assert match.group(1) in OFFICIAL_SOURCES, f"{name} : {match.group(1)} n'est pas une page officielle listée"


@pytest.mark.parametrize("name,text", CHECKED_TEXTS)
def test_answer_is_short_enough_for_chat(name: str, text: str):
    assert len(text) <= MAX_CHARACTERS, f"{name} : {len(text)} caractères (max {MAX_CHARACTERS})"
    lines = text.strip().splitlines()
    assert len(lines) <= MAX_LINES, f"{name} : {len(lines)} lignes (max {MAX_LINES})"
    assert len(lines) >= 2, f"{name} : une réponse et sa source tiennent sur au moins deux lignes"


@pytest.mark.parametrize("name,text", CHECKED_TEXTS)
def test_answer_has_no_html_nor_braces(name: str, text: str):
    assert "{" not in text and "}" not in text, f"{name} : accolades interdites (lues comme variables de slot)"
    assert not HTML_TAG.search(text), f"{name} : HTML interdit ({HTML_TAG.search(text).group(0)})"


@pytest.mark.parametrize("key", FAQ_KEYS)
def test_key_has_enough_training_examples(key: str):
    examples = training_examples().get(key, [])
    assert len(examples) >= MIN_TRAINING_EXAMPLES, (
        f"faq/{key} : {len(examples)} exemples dans data/nlu (min {MIN_TRAINING_EXAMPLES})"
    )


def test_every_trained_key_has_an_answer():
    missing = sorted(set(training_examples()) - set(FAQ_KEYS))
    assert not missing, f"intentions faq/<clé> entraînées sans réponse utter_faq/<clé> : {missing}"


def test_no_training_example_under_two_keys():
    seen: Dict[str, str] = {}
    clashes = []
    for key, examples in training_examples().items():
        for example in examples:
            normalized = comparable(example)
            if seen.get(normalized, key) != key:
                clashes.append(f"« {example} » : {seen[normalized]} et {key}")
            seen.setdefault(normalized, key)
    assert not clashes, "exemples présents sous deux clés :\n" + "\n".join(clashes)


@pytest.mark.parametrize("key", FAQ_KEYS)
def test_key_has_catalog_entry_with_existing_related_keys(key: str):
    entries = catalog()
    assert key in entries, f"faq/{key} : pas d'entrée dans actions/data/catalog/"
    entry = entries[key]
    title = str(entry.get("title") or "")
    assert 0 < len(title) <= MAX_TITLE_CHARACTERS, f"faq/{key} : titre vide ou trop long ({len(title)})"
    assert "{" not in title and "}" not in title, f"faq/{key} : accolades interdites dans le titre"
    assert entry.get("topic") in CATALOG_TOPICS, f"faq/{key} : thème inconnu {entry.get('topic')!r}"
    related = list(entry.get("related") or [])
    assert 2 <= len(related) <= 3, f"faq/{key} : il faut 2 ou 3 questions liées, pas {len(related)}"
    assert key not in related, f"faq/{key} : une question ne se propose pas elle-même"
    unknown = [other for other in related if other not in FAQ_KEYS or other not in entries]
    assert not unknown, f"faq/{key} : questions liées sans réponse ou sans entrée de catalogue : {unknown}"


def test_catalog_has_no_orphan_entry():
    orphans = sorted(set(catalog()) - set(FAQ_KEYS))
    assert not orphans, f"entrées de catalogue sans réponse utter_faq/<clé> : {orphans}"


@pytest.mark.parametrize("key", FAQ_KEYS)
def test_key_has_a_conversation_test(key: str):
    assert key in keys_with_conversation_test(), f"faq/{key} : aucune story de tests/stories/ avec intent faq/{key}"


@pytest.mark.parametrize("split", ["dev", "test"])
def test_heldout_questions_cover_every_key(split: str):
    questions = heldout(split)
    too_few = {
        key: len(questions.get(FAQ_PREFIX + key, []))
        for key in FAQ_KEYS
        if len(questions.get(FAQ_PREFIX + key, [])) < MIN_HELDOUT_PER_SPLIT
    }
    assert not too_few, f"eval/heldout/{split} : moins de {MIN_HELDOUT_PER_SPLIT} questions pour {too_few}"
    unknown = sorted(label for label in questions if label.startswith(FAQ_PREFIX) and label[4:] not in FAQ_KEYS)
    assert not unknown, f"eval/heldout/{split} : étiquettes sans réponse : {unknown}"
    not_text = [(label, m) for label, msgs in questions.items() for m in msgs if not isinstance(m, str)]
    assert not not_text, f"eval/heldout/{split} : éléments qui ne sont pas du texte (guillemets oubliés ?) {not_text}"


@pytest.mark.parametrize("split", ["dev", "test"])
def test_heldout_questions_are_not_training_examples(split: str):
    """Same text once accents, case and punctuation are ignored counts as a leak."""
    trained = {comparable(e) for examples in training_examples().values() for e in examples}
    leaked = [
        m
        for label, msgs in heldout(split).items()
        if label.startswith(FAQ_PREFIX)
        for m in msgs
        if isinstance(m, str) and comparable(m) in trained
    ]
    assert not leaked, f"eval/heldout/{split} : questions aussi présentes dans data/nlu : {leaked}"
