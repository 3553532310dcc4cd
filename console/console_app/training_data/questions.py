"""Create a new FAQ question: its answer (with its source link and the fact-base sections it rests on) in
domain/faq.yml, its title in the FAQ catalog (actions/data/catalog/faq.yml), its first examples in
data/nlu. Everything is checked before anything is written."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from ..answer_rules import AnswerRules
from . import (
    DataError,
    _atomic_write,
    _check_rasa_reads_back,
    add_example,
    check_answer,
    dump_yaml,
    existing_examples,
    faq_answers,
    file_style,
    load_yaml,
    normalize,
)
from .examples import _check_new
from .facts import unknown_sections
from .leaks import EvalQuestions

MIN_FIRST_EXAMPLES = 3
MAX_TITLE_CHARACTERS = 60
TOPICS = {"perimetre": "Périmètre", "premiers_pas": "Premiers pas", "donnees_sensibles": "Données sensibles",
          "controle": "Contrôle", "accompagnement": "Accompagnement", "contact": "Contact", "regles": "Règles",
          "offres": "Offres de cloud", "juridique": "Textes juridiques"}
_KEY = re.compile(r"^[a-z0-9_]{3,40}$")


@dataclass
class NewQuestion:
    title: str
    topic: str
    answer: str  # the answer's lines, without the source line
    source: str
    sections: list[str]
    examples: list[str]
    key: str = ""

    def full_answer(self) -> str:
        return f"{self.answer.strip()}\nSource : {self.source.strip()}"


def key_from_title(title: str) -> str:
    """« Qui paie l'hébergement ? » → qui_paie_l_hebergement (at most 40 characters)."""
    ascii_title = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode("ascii")
    return "_".join(re.findall(r"[a-z0-9]+", ascii_title))[:40].strip("_")


def check(question: NewQuestion, domain_dir: Path, data_dir: Path, rules: AnswerRules,
          section_titles: dict[str, str], leaks: EvalQuestions) -> tuple[str, str, list[str]]:
    """(key, answer text, examples) once every rule holds; DataError listing what is wrong otherwise."""
    problems: list[str] = []
    key = question.key or key_from_title(question.title)
    title = " ".join(question.title.split())
    if not _KEY.match(key):
        problems.append("La clé doit faire 3 à 40 caractères : minuscules sans accent, chiffres, « _ ».")
    elif f"utter_faq/{key}" in faq_answers(domain_dir):
        problems.append(f"La question « faq/{key} » existe déjà : modifiez-la plutôt.")
    if not title or len(title) > MAX_TITLE_CHARACTERS:
        problems.append(f"Le titre (texte du bouton) est obligatoire et tient en {MAX_TITLE_CHARACTERS} caractères.")
    if question.topic not in TOPICS:
        problems.append("Choisissez le thème de la question.")
    if not question.sections:
        problems.append("Indiquez les sections de la base de faits sur lesquelles la réponse s'appuie.")
    unknown = unknown_sections(question.sections, section_titles)
    if unknown:
        problems.append(f"Sections inexistantes dans la base de faits : {', '.join(unknown)}.")
    answer = ""
    try:
        answer = check_answer(question.full_answer(), rules)
    except DataError as exc:
        problems.append(str(exc))
    examples: list[str] = []
    seen: set[str] = set()
    for text in question.examples:
        if not text.strip() or normalize(text) in seen:
            continue
        seen.add(normalize(text))
        try:
            examples.append(_check_new(data_dir, f"faq/{key}", text, leaks))
        except DataError as exc:
            problems.append(f"Exemple « {text.strip()[:80]} » : {exc}")
    if len(examples) < MIN_FIRST_EXAMPLES:
        problems.append(f"Donnez au moins {MIN_FIRST_EXAMPLES} exemples de la question, formulés différemment "
                        "(15 ou plus sont conseillés pour qu'elle soit bien reconnue).")
    if problems:
        raise DataError(" ".join(problems))
    return key, answer, examples


def create(question: NewQuestion, content_dir: Path, rules: AnswerRules, section_titles: dict[str, str],
           leaks: EvalQuestions) -> str:
    """Write the new question; returns its key."""
    domain_dir, data_dir = content_dir / "domain", content_dir / "data"
    key, answer, examples = check(question, domain_dir, data_dir, rules, section_titles, leaks)
    domain_file = domain_dir / "faq.yml"
    style = file_style(domain_file)
    doc = load_yaml(domain_file)
    variation = CommentedMap()
    sections = CommentedSeq(question.sections)
    sections.fa.set_flow_style()
    metadata = CommentedMap({"sections": sections})
    metadata.fa.set_flow_style()
    variation["metadata"] = metadata
    variation["text"] = LiteralScalarString(answer)
    doc["responses"][f"utter_faq/{key}"] = CommentedSeq([variation])
    content = dump_yaml(doc, style)
    _check_rasa_reads_back(content, f"utter_faq/{key}", answer)
    _add_to_catalog(content_dir, key, " ".join(question.title.split()), question.topic)
    _atomic_write(domain_file, content)
    for example in examples:
        if normalize(example) not in existing_examples(data_dir):
            add_example(data_dir, domain_dir, f"faq/{key}", example)
    return key


def _add_to_catalog(content_dir: Path, key: str, title: str, topic: str) -> None:
    path = content_dir / "actions" / "data" / "catalog" / "faq.yml"
    if not path.is_file():
        return
    style = file_style(path)
    doc = load_yaml(path)
    related = [other for other, entry in doc["faq"].items() if (entry or {}).get("topic") == topic][:2]
    entry = CommentedMap({"title": title, "topic": topic})
    seq = CommentedSeq(related)
    seq.fa.set_flow_style()
    entry["related"] = seq
    doc["faq"][key] = entry
    _atomic_write(path, dump_yaml(doc, style))
