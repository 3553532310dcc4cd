"""Checks that every text the assistant sends stays true to the rules of the project, whoever wrote it.

The rules (length, lines, source line, allowed sources, first message, one voice) are read from
actions/data/answer_rules.yml, the file the support console's answer editor reads too. They apply to
every response of domain/*.yml, every verdict of the scope check (with every operator name of the
PLF list), every question and error message written in actions/*.py, and the first message of each
channel (domain greeting, widget, Tchap bridge, Mattermost session start).

Facts are checked where the fact file (shared/knowledge/doctrine-cloud-faits.md) asks for a complete
statement: both cumulative conditions of the data of particular sensitivity (A6), DICT spelled out, the
circulars with their dates, Osmose with how to join it, « Cloud Pi / π », R13 as worded.

Also for every key ``faq/<key>``: enough training examples, a catalog entry whose related questions
exist, held-out questions and a conversation test. Hermetic: reads the repository's files only.
"""

import ast
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml

from actions.answer_parts import answer_lines, possible_parts
from actions.explanations import explanation
from actions.operators import load_operators
from actions.scope_parsing import ENTITY_TYPES
from actions.scope_verdict import scope_verdict
from actions.traced_texts import all_texts

REPO = Path(__file__).resolve().parents[2]
RULES = yaml.safe_load((REPO / "actions" / "data" / "answer_rules.yml").read_text(encoding="utf-8"))
MAX_CHARACTERS = RULES["max_characters"]
MAX_LINES = RULES["max_lines"]
FAQ_RULES = RULES["faq_answer"]
ALLOWED_SOURCES = frozenset(RULES["official_pages"]) | frozenset(RULES["legal_texts"])
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
FAQ_RESPONSE = re.compile(r"^utter_faq/[a-z0-9_]+$")
# Named placeholders the actions fill ({organisation}); every other brace is forbidden (answer_rules.yml).
PLACEHOLDER = re.compile(r"\{(" + "|".join(RULES["placeholders"]) + r")\}")
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|<!--|&[a-z]+;|<script", re.IGNORECASE)
EXAMPLE_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
WORD = re.compile(r"[\w']+")


def comparable(text: str) -> str:
    """Lower case, no accents, no punctuation: « la R7 ? » and « la r7 » are the same question."""
    without_accents = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", without_accents).split())


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def load_response_variants() -> Dict[str, Tuple[dict, ...]]:
    """Response name → its variants (text and buttons), over every domain/*.yml file."""
    responses: Dict[str, List[dict]] = {}
    for path in sorted((REPO / "domain").glob("*.yml")):
        for name, variants in (_load_yaml(path).get("responses") or {}).items():
            responses.setdefault(name, []).extend(v for v in variants or [] if isinstance(v, dict))
    return {name: tuple(variants) for name, variants in responses.items()}


def load_responses() -> Dict[str, List[str]]:
    """Response name → its text variants, placeholders filled with their longest value (the longest operator
    name for {organisation}), as a person receives them."""
    return {name: [PLACEHOLDER.sub(lambda match: longest_value(match.group(1)), str(v.get("text", "")))
                   for v in variants] for name, variants in load_response_variants().items()}


EXPLANATION_PARTS = ("origine", "passage", "sources")


@lru_cache(maxsize=1)
def longest_explanation() -> Tuple[str, str, str]:
    """« pourquoi ? » after any answer is built from the sections that answer declares: the longest one."""
    return max((explanation(text.sections) for text in all_texts() if set(text.sections) - {"C"}),
               key=lambda parts: sum(len(part) for part in parts))


def longest_value(placeholder: str) -> str:
    """The longest text a placeholder can be replaced with."""
    if placeholder == "organisation":
        return max((operator.label for operator in load_operators()), key=len)
    if placeholder == "sheet_reference":  # actions/scope_verdict.new_reference: always 14 characters
        return "7KQ2-M9XD-PW3A"
    if placeholder == "part":
        return "100"
    if placeholder == "ministere":
        return max((operator.lead_ministry for operator in load_operators()), key=len)
    if placeholder in EXPLANATION_PARTS:
        return longest_explanation()[EXPLANATION_PARTS.index(placeholder)]
    answers = [v.get("text", "") for name, variants in load_response_variants().items()
               if name.startswith("utter_faq/") for v in variants]
    if placeholder == "extrait":
        # « Comme indiqué » gives one line of an answer, with the list it opens.
        return max((part for text in answers for part in possible_parts(text)), key=len)
    if placeholder in ("premier", "second"):
        return max((answer_lines(text)[0][0] for text in answers), key=len)
    raise AssertionError(f"valeur la plus longue inconnue pour {{{placeholder}}}")


def faq_keys_in_domain() -> List[str]:
    return sorted(name.split("/", 1)[1] for name in load_responses() if name.startswith("utter_faq/"))


def nlu_examples() -> Dict[str, List[str]]:
    """Every intent of data/nlu/*.yml (``faq/<key>``, ``out_of_scope``, ``check_scope``…) → its examples."""
    examples: Dict[str, List[str]] = {}
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for block in _load_yaml(path).get("nlu") or []:
            intent = block.get("intent") if isinstance(block, dict) else None
            if not intent:
                continue
            lines = str(block.get("examples") or "").splitlines()
            texts = [EXAMPLE_ANNOTATION.sub(r"\1", line.strip()[2:]).strip() for line in lines if line.strip()]
            examples.setdefault(str(intent), []).extend(t for t in texts if t)
    return examples


def training_examples() -> Dict[str, List[str]]:
    """Retrieval intent ``faq/<key>`` → its training examples, over every data/nlu/*.yml file."""
    return {intent[len(FAQ_PREFIX) :]: texts for intent, texts in nlu_examples().items()
            if intent.startswith(FAQ_PREFIX)}


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
    """Label → questions of an evaluation set; an entry {text, also} (a two-part question) counts as its text."""
    folder = REPO / "eval" / ("blind" if split == "blind" else f"heldout/{split}")
    questions: Dict[str, list] = {}
    for path in sorted(p for p in folder.glob("*.yml") if not p.name.startswith("conversations")):
        for label, messages in _load_yaml(path).items():
            questions.setdefault(str(label), []).extend(
                message["text"] if isinstance(message, dict) and "text" in message else message
                for message in messages or []
            )
    return questions


def _verdict_cases() -> List[Tuple[str, object, object]]:
    """Every branch of the scope check: (entity type, new project, share rebuilt)."""
    shares = [(True, None), (False, 70.0), (False, 50.0), (False, 10.0)]
    return [(entity, new, share) for entity in ENTITY_TYPES for new, share in shares]


def _python_texts() -> Dict[str, str]:
    """Texts assembled by the actions: every verdict, with the longest operator name too."""
    longest_label = longest_value("organisation")
    texts = {}
    for entity, new, share in _verdict_cases():
        for organisation in (None, longest_label):
            texts[f"verdict {entity}/{new}/{share}/{bool(organisation)}"] = scope_verdict(entity, new, share, organisation).text
    return texts


FAQ_KEYS = faq_keys_in_domain()
ALL_TEXTS = [
    pytest.param(name, text, id=f"{name}#{index}")
    for name, texts in sorted(load_responses().items())
    for index, text in enumerate(texts)
] + [pytest.param(name, text, id=name) for name, text in sorted(_python_texts().items())]
FAQ_TEXTS = [
    pytest.param(name, text, id=f"{name}#{index}")
    for name, texts in sorted(load_responses().items())
    if FAQ_RESPONSE.match(name)
    for index, text in enumerate(texts)
]


def comparable_words(text: str) -> List[str]:
    return WORD.findall(text.lower().replace("’", "'"))


def test_domain_has_faq_answers():
    assert len(FAQ_KEYS) >= 12, f"trop peu de réponses utter_faq/* dans domain/ : {FAQ_KEYS}"


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_text_fits_a_chat_bubble(name: str, text: str):
    assert text.strip(), f"{name} : texte vide"
    assert len(text) <= MAX_CHARACTERS, f"{name} : {len(text)} caractères (max {MAX_CHARACTERS})"
    lines = text.strip().splitlines()
    assert len(lines) <= MAX_LINES, f"{name} : {len(lines)} lignes (max {MAX_LINES})"


@pytest.mark.parametrize("entity, new_project, share", _verdict_cases())
def test_every_verdict_fits_with_every_operator_name(entity, new_project, share):
    """The organisation line is part of the verdict: the check holds for each of the 418 names."""
    too_long = []
    for organisation in [None] + [operator.label for operator in load_operators()]:
        text = scope_verdict(entity, new_project, share, organisation).text
        if len(text) > MAX_CHARACTERS or len(text.strip().splitlines()) > MAX_LINES:
            too_long.append((organisation, len(text), len(text.strip().splitlines())))
    assert not too_long, f"verdicts trop longs : {too_long[:5]}"


def test_placeholders_are_only_the_declared_ones():
    raw = [str(v.get("text", "")) for variants in load_response_variants().values() for v in variants]
    undeclared = sorted({m for text in raw for m in re.findall(r"\{([^{}]*)\}", text)} - set(RULES["placeholders"]))
    assert not undeclared, f"variables non déclarées dans answer_rules.yml (placeholders) : {undeclared}"


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_text_has_no_html_nor_braces(name: str, text: str):
    forbidden = [char for char in RULES["forbidden_characters"] if char in text]
    assert not forbidden, f"{name} : caractères interdits {forbidden} (accolades = variables de slot ; pas de HTML)"
    assert not HTML_TAG.search(text), f"{name} : HTML interdit"


def _button_titles() -> List[Tuple[str, str]]:
    titles = [
        (name, str(button.get("title", "")))
        for name, variants in load_response_variants().items()
        for variant in variants
        for button in variant.get("buttons") or []
    ]
    titles += [(f"catalog/{key}", str(entry.get("title", ""))) for key, entry in catalog().items()]
    for entity, new, share in _verdict_cases():
        titles += [("verdict", button["title"]) for button in scope_verdict(entity, new, share).buttons]
    return titles


@pytest.mark.parametrize("name,text", ALL_TEXTS + [pytest.param(n, t, id=f"bouton {t}") for n, t in _button_titles()])
def test_one_voice_vous_and_equipe_d_assistance(name: str, text: str):
    words = set(comparable_words(text))
    used = sorted(words & set(RULES["forbidden_words"]))
    assert not used, f"{name} : mots interdits {used} (« vous » partout, « l'équipe d'assistance » plutôt que « support »)"


@pytest.mark.parametrize("name,text", FAQ_TEXTS)
def test_faq_answer_ends_with_allowed_sources(name: str, text: str):
    lines = text.strip().splitlines()
    assert len(lines) >= FAQ_RULES["min_lines"], f"{name} : une réponse et sa source tiennent sur au moins deux lignes"
    last_line = lines[-1].strip()
    prefix = next((p for p in FAQ_RULES["source_prefixes"] if last_line.startswith(p)), None)
    assert prefix, f"{name} : la dernière ligne doit être « Source : … », pas « {last_line} »"
    sources = last_line[len(prefix) :].split(FAQ_RULES["source_separator"])
    assert (len(sources) > 1) == (prefix.strip().startswith("Sources")), f"{name} : « Source » pour une, « Sources » pour plusieurs"
    unknown = [source for source in sources if source not in ALLOWED_SOURCES]
    assert not unknown, f"{name} : sources hors de la liste de actions/data/answer_rules.yml : {unknown}"


@pytest.mark.parametrize("name,text", FAQ_TEXTS)
def test_faq_answer_has_no_yes_no_opening(name: str, text: str):
    """Several questions reach one answer: « Non : » would answer some of them and contradict others."""
    opening = re.match(r"^[\W_]*(\w+)\s*[.,:;!]", text)
    word = opening.group(1).lower() if opening else ""
    assert word not in FAQ_RULES["forbidden_openings"], f"{name} : commence par « {opening.group(0) if opening else ''} »"


# --- complete facts (fact file, entries in brackets) ---------------------------------------------

CONDITION_MARKERS = ("par nature", "usage", "violation")
DICT_SPELLED_OUT = "disponibilité, intégrité, confidentialité, traçabilité"


# [B6] The SREN law takes up the protection of the data of particular sensitivity, but the fact file says not
# to lend the law the doctrine's two criteria: its texts name the notion without them.
LAW_WITHOUT_THE_CRITERIA = ("utter_faq/loi_sren",)


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_particular_sensitivity_always_comes_with_both_conditions(name: str, text: str):
    """[A6] Two cumulative conditions: never one without the other."""
    if "sensibilité particulière" not in text or name.split("#")[0] in LAW_WITHOUT_THE_CRITERIA:
        return
    missing = [marker for marker in CONDITION_MARKERS if marker not in text]
    assert not missing, f"{name} : parle des données d'une sensibilité particulière sans les deux conditions {missing}"


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_dict_is_spelled_out(name: str, text: str):
    if re.search(r"\bDICT\b", text):
        assert DICT_SPELLED_OUT in text, f"{name} : DICT sans son sens ({DICT_SPELLED_OUT})"


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_circulars_come_with_their_dates(name: str, text: str):
    if "6282" in text or "6404" in text:
        for fact in ("6282/SG du 5 juillet 2021", "6404/SG du 31 mai 2023"):
            assert fact in text, f"{name} : « {fact} » attendu avec l'autre circulaire"


@pytest.mark.parametrize("name", ["utter_what_can_you_do", "utter_faq/regles", "utter_faq/champ_application"])
def test_doctrine_presented_with_both_circulars(name: str):
    """Where the doctrine itself is presented: both circulars, and that 6404/SG updates 6282/SG."""
    text = load_responses()[name][0]
    assert "6282/SG du 5 juillet 2021" in text and "6404/SG du 31 mai 2023" in text and "mise à jour" in text


# The community's page, linked from the official FAQ (shared/seed/faq-doctrine-cloud.md, « Par où commencer »).
OSMOSE_COMMUNITY = "https://osmose.numerique.gouv.fr/jcms/p_3503877/fr/l-adoption-du-cloud"


def test_osmose_link_is_the_one_of_the_official_faq():
    seed = REPO.parent / "shared" / "seed" / "faq-doctrine-cloud.md"
    if not seed.exists():
        pytest.skip("la page de la FAQ fournie (shared/seed) n'est pas à côté du dépôt")
    assert OSMOSE_COMMUNITY.replace("/", "%2F").replace(":", "%3A") in seed.read_text(encoding="utf-8")


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_osmose_says_how_to_join(name: str, text: str):
    """[A5, A11] Osmose with the way to join it: the link of the official FAQ page to the community
    (« Je m'inscris » there), or an e-mail to the DINUM without an Osmose account."""
    if "osmose" in text.lower():
        assert "infonuage.dinum@modernisation.gouv.fr" in text and f"]({OSMOSE_COMMUNITY})" in text, name


@pytest.mark.parametrize("name,text", ALL_TEXTS)
def test_cloud_pi_is_written_as_in_the_fact_file(name: str, text: str):
    if "Cloud Pi" in text:
        assert "Cloud Pi / π" in text, f"{name} : « Cloud Pi / π » [B4]"


def test_r13_is_worded_as_the_fact_file_in_answer_and_button():
    assert "ne pas développer sur mesure ce qui existe déjà" in load_responses()["utter_faq/regle_r13"][0]
    assert "ne pas développer ce qui existe" in catalog()["regle_r13"]["title"]
    assert "redévelopp" not in " ".join(load_responses()["utter_faq/regles"])


def test_sren_answer_cites_the_vade_mecum_page_and_keeps_to_what_it_says():
    """[B6] The source of these points is the DINUM's vade-mecum page, not the law; the law is not lent the
    doctrine's two criteria (issue 26)."""
    text = load_responses()["utter_faq/loi_sren"][0]
    vade_mecum = "https://numerique.gouv.fr/offre-accompagnement/reference-vade-mecum-sensibilite-donnees"
    assert text.strip().splitlines()[-1] == f"Source : {vade_mecum}"
    assert "loi n° 2024-449 du 21 mai 2024, article 31" in text
    assert "par nature ou par usage" not in text
    for point in ("cloud commercial", "pas systématique", "au cas par cas", "administrateur des données"):
        assert point in text, point


def test_control_answer_has_the_global_plan_and_what_the_study_covers():
    """[A8] Besides the thresholds: the global transformation plan, and what the comparative study covers."""
    text = load_responses()["utter_faq/controle"][0]
    assert "plan global de transformation" in text
    assert "économiques, juridiques, métiers, sécurité" in text


# --- the first message of every channel (AI Act, art. 50) ---------------------------------------

def _python_constant(path: Path, name: str) -> str:
    """A string constant of another part, read without importing it (parts do not import each other)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return str(ast.literal_eval(node.value))
    raise AssertionError(f"{name} absent de {path}")


def _widget_welcome() -> str:
    source = (REPO / "webchat" / "src" / "widget.js").read_text(encoding="utf-8")
    match = re.search(r"^  welcome: ((?:'[^']*'(?: \+\s*)?)+),$", source, re.MULTILINE)
    assert match, "option « welcome » introuvable dans webchat/src/widget.js"
    return "".join(re.findall(r"'([^']*)'", match.group(1)))


FIRST_MESSAGES = {
    "domaine utter_greet": lambda: load_responses()["utter_greet"][0],
    "domaine utter_first_message (Mattermost)": lambda: load_responses()["utter_first_message"][0],
    "widget": _widget_welcome,
    "Tchap, salon direct": lambda: _python_constant(REPO / "tchap" / "matrix_bridge" / "bridge.py", "WELCOME_DIRECT"),
    "Tchap, salon de groupe": lambda: _python_constant(REPO / "tchap" / "matrix_bridge" / "bridge.py", "WELCOME_GROUP"),
}


@pytest.mark.parametrize("channel", sorted(FIRST_MESSAGES))
def test_first_message_says_what_the_assistant_is(channel: str):
    text = FIRST_MESSAGES[channel]().replace("’", "'")
    missing = [phrase for phrase in RULES["first_message_must_say"] if phrase not in text]
    assert not missing, f"{channel} : le premier message doit dire {missing}"
    assert len(text) <= MAX_CHARACTERS


def test_webchat_page_links_only_to_official_pages():
    # The page and the header and footer it includes (webchat/build.js puts them in at build time).
    sources = [REPO / "webchat" / "src" / "index.html", *sorted((REPO / "webchat" / "src" / "partials").glob("*.html"))]
    page = "".join(source.read_text(encoding="utf-8") for source in sources)
    links = set(re.findall(r'href="(https?://[^"]+)"', page))
    assert links and links <= set(RULES["official_pages"]), f"liens hors des pages officielles : {links - set(RULES['official_pages'])}"


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


@pytest.mark.parametrize("split", ["dev", "test", "blind"])
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


def conversation_turns(split: str) -> List[str]:
    folder = REPO / "eval" / ("blind" if split == "blind" else f"heldout/{split}")
    turns = []
    for path in sorted(folder.glob("conversations*.yml")):
        for conversation in _load_yaml(path).get("conversations") or []:
            turns.extend(str(turn["user"]) for turn in conversation["turns"])
    return turns


# Short generic follow-ups (« pourquoi ? », « et après ? ») are the words of everyone: only longer
# messages count, as in the before-stop hook.
MIN_LEAK_CHARACTERS = 13


@pytest.mark.parametrize("split", ["dev", "test", "blind"])
def test_conversation_turns_are_not_training_examples(split: str):
    trained = {comparable(e) for examples in nlu_examples().values() for e in examples} - {""}
    leaked = [turn for turn in conversation_turns(split)
              if len(comparable(turn)) >= MIN_LEAK_CHARACTERS and comparable(turn) in trained]
    # The blind texts are never printed: a text read must be replaced (eval/blind/README.md).
    shown = f"{len(leaked)} tour(s)" if split == "blind" else leaked
    assert not leaked, f"{split} : tours de conversation aussi présents dans data/nlu : {shown}"


@pytest.mark.parametrize("split", ["dev", "test", "blind"])
def test_heldout_questions_are_not_training_examples(split: str):
    """Same text once accents, case and punctuation are ignored counts as a leak, whatever its label
    (off-topic and scope-check questions included)."""
    trained = {comparable(e) for examples in nlu_examples().values() for e in examples} - {""}
    leaked = [m for msgs in heldout(split).values() for m in msgs if isinstance(m, str) and comparable(m) in trained]
    assert not leaked, f"eval/heldout/{split} : questions aussi présentes dans data/nlu : {leaked}"
