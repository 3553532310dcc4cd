"""Reading and writing the assistant's training data (data/nlu/*.yml) and answers (domain/*.yml).

Files are edited with ruamel.yaml in round-trip mode so comments, key order and the `examples: |`
block style that Rasa expects are kept; only the changed block differs.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from markupsafe import Markup
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from .. import rasa_check
from ..answer_rules import AnswerRules, RuleError
from ..markdown import render_message

OUT_OF_SCOPE = "out_of_scope"
MAX_EXAMPLE_LENGTH = 500
# Rasa reads [text](entity) and {"entity": ...} in examples as annotations: never write them raw.
_ANNOTATION_CHARS = re.compile(r"[\[\]{}]")
_SPACES = re.compile(r"\s+")


class DataError(ValueError):
    """A user-facing (French) reason why the data could not be written."""


# Indentation styles met in the project: "  - intent:" (sequence indented) and "- intent:" (flush).
_INDENT_STYLES = ((2, 4, 2), (2, 2, 0))


def _yaml(style: tuple[int, int, int] = _INDENT_STYLES[0]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    return yaml


def load_yaml(path: Path) -> Any:
    return _yaml().load(path.read_text(encoding="utf-8"))


def dump_yaml(data: Any, style: tuple[int, int, int] = _INDENT_STYLES[0]) -> str:
    buffer = io.StringIO()
    _yaml(style).dump(data, buffer)
    return buffer.getvalue()


def file_style(path: Path) -> tuple[int, int, int]:
    """The indentation style under which a load/dump round trip gives the file back unchanged."""
    if path.exists():
        original = path.read_text(encoding="utf-8")
        for style in _INDENT_STYLES:
            if dump_yaml(load_yaml_text(original), style) == original:
                return style
    return _INDENT_STYLES[0]


def _atomic_write(path: Path, content: str) -> None:
    """Write through a temporary file so a crash never leaves half a YAML file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def normalize(text: str) -> str:
    """Comparison key for deduplication: case, accents and spacing ignored."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SPACES.sub(" ", re.sub(r"[^\w%]+", " ", text)).strip()


def clean_example(text: str) -> str:
    """One line, no annotation syntax, bounded length."""
    text = _ANNOTATION_CHARS.sub(" ", text)
    text = _SPACES.sub(" ", "".join(c for c in text if c.isprintable() or c.isspace())).strip()
    if not text:
        raise DataError("Le message est vide : rien à ajouter.")
    if len(text) > MAX_EXAMPLE_LENGTH:
        raise DataError(f"Le message dépasse {MAX_EXAMPLE_LENGTH} caractères : trop long pour un exemple.")
    return text


# Invisible characters an answer must not carry: C0/C1 controls (the line break excepted), the Unicode
# line and paragraph separators (YAML and JavaScript read them as line breaks, the widget would not),
# and the bidirectional overrides that make a text read differently from how it displays.
_INVISIBLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def refuse_invisible_characters(text: str) -> None:
    found = _INVISIBLE.search(text)
    if found:
        code = f"U+{ord(found.group(0)):04X}"
        name = unicodedata.name(found.group(0), "caractère de contrôle")
        raise DataError(f"La réponse contient un caractère invisible ({code}, {name.lower()}) : retirez-le.")


def _check_rasa_reads_back(content: str, response: str, text: str) -> None:
    """Refuse to replace a domain file unless Rasa's own loader reads exactly `text` for `response`."""
    try:
        read = rasa_check.response_text(content, response)
    except rasa_check.RasaReadError as exc:
        raise DataError(str(exc)) from exc
    if read != text:
        raise DataError("Rasa relirait cette réponse autrement qu'elle a été saisie : rien n'a été écrit.")


def _nlu_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "nlu").glob("*.yml"))


def _examples_lines(block: str) -> list[str]:
    return [line[2:].strip() for line in str(block).splitlines() if line.strip().startswith("- ")]


def known_intents(data_dir: Path, domain_dir: Path) -> list[str]:
    """Intents and FAQ keys (faq/<key>) the agent can choose from, from data/ and domain/."""
    names: set[str] = set()
    for path in _nlu_files(data_dir):
        for item in (load_yaml(path) or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent"):
                names.add(str(item["intent"]))
    for path in sorted(domain_dir.glob("*.yml")):
        doc = load_yaml(path) or {}
        for intent in doc.get("intents") or []:
            name = next(iter(intent)) if isinstance(intent, dict) else intent
            if name != "faq":
                names.add(str(name))
        for response in doc.get("responses") or {}:
            if str(response).startswith("utter_faq/"):
                names.add("faq/" + str(response).split("/", 1)[1])
    names.discard("nlu_fallback")
    return sorted(names, key=lambda n: (not n.startswith("faq/"), n))


def _find_intent_block(data_dir: Path, intent: str) -> tuple[Path, Any, Any] | None:
    for path in _nlu_files(data_dir):
        doc = load_yaml(path)
        for item in (doc or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") == intent and "examples" in item:
                return path, doc, item
    return None


def existing_examples(data_dir: Path) -> dict[str, str]:
    """normalized example → intent, over every NLU file (for deduplication across intents)."""
    seen: dict[str, str] = {}
    for path in _nlu_files(data_dir):
        for item in (load_yaml(path) or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") and item.get("examples"):
                for example in _examples_lines(item["examples"]):
                    seen.setdefault(normalize(example), str(item["intent"]))
    return seen


def add_example(data_dir: Path, domain_dir: Path, intent: str, text: str) -> tuple[Path, bool]:
    """Append `text` as a training example of `intent`; returns (file, added). Idempotent."""
    if intent not in known_intents(data_dir, domain_dir):
        raise DataError(f"Intention inconnue : « {intent} ».")
    example = clean_example(text)
    already = existing_examples(data_dir).get(normalize(example))
    if already == intent:
        found = _find_intent_block(data_dir, intent)
        return (found[0] if found else data_dir / "nlu"), False
    if already:
        raise DataError(f"Cet exemple figure déjà dans les données sous « {already} » : "
                        "corrigez-le directement dans les fichiers si besoin.")
    found = _find_intent_block(data_dir, intent)
    if found is None:
        path = data_dir / "nlu" / "console.yml"
        doc = load_yaml(path) if path.exists() else None
        if doc is None:
            doc = load_yaml_text('version: "3.1"\n\nnlu: []\n')
        doc["nlu"].append({"intent": intent, "examples": LiteralScalarString(f"- {example}\n")})
    else:
        path, doc, item = found
        block = str(item["examples"])
        if not block.endswith("\n"):
            block += "\n"
        item["examples"] = LiteralScalarString(block + f"- {example}\n")
    _atomic_write(path, dump_yaml(doc, file_style(path)))
    return path, True


def load_yaml_text(content: str) -> Any:
    return _yaml().load(content)


# --- answers (domain) -------------------------------------------------------------------------

def faq_answers(domain_dir: Path) -> dict[str, tuple[Path, str]]:
    """utter_faq/<key> → (domain file, text of its first variation)."""
    answers: dict[str, tuple[Path, str]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        for name, variations in ((load_yaml(path) or {}).get("responses") or {}).items():
            if str(name).startswith("utter_faq/") and variations and isinstance(variations[0], dict):
                answers[str(name)] = (path, str(variations[0].get("text") or ""))
    return dict(sorted(answers.items()))


def check_answer(text: str, rules: AnswerRules) -> str:
    """Validate an answer text against the assistant's answer rules; returns it normalised
    (Unix newlines, no trailing blanks)."""
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    refuse_invisible_characters(text)
    if not text:
        raise DataError("La réponse est vide.")
    try:
        rules.check(text)
    except RuleError as exc:
        raise DataError(str(exc)) from exc
    return text


def save_answer(domain_dir: Path, response: str, text: str, rules: AnswerRules) -> Path:
    text = check_answer(text, rules)
    answers = faq_answers(domain_dir)
    if response not in answers:
        raise DataError(f"Réponse inconnue : « {response} ».")
    path = answers[response][0]
    style = file_style(path)
    doc = load_yaml(path)
    doc["responses"][response][0]["text"] = LiteralScalarString(text)
    content = dump_yaml(doc, style)
    _check_rasa_reads_back(content, response, text)
    _atomic_write(path, content)
    return path


def render_markdown(text: str) -> Markup:
    """An answer as the widget will show it (bold, lists, links), as safe HTML: for previews."""
    return render_message(text)
