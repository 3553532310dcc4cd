"""The rules an FAQ answer must follow, read from the assistant's data file actions/data/answer_rules.yml.

The same file drives tests/data/test_answers.py: an answer saved here obeys exactly the limits the tests
enforce (length, lines, source line and allowed sources, no yes/no opening, one voice). The console reads
it as data from the project it edits; it never imports the assistant's Python code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

RULES_PATH = Path("actions") / "data" / "answer_rules.yml"
_WORD = re.compile(r"[\w']+")


class RuleError(ValueError):
    """A user-facing (French) reason why an answer breaks the rules."""


@dataclass(frozen=True)
class AnswerRules:
    max_characters: int
    max_lines: int
    min_lines: int
    source_prefixes: tuple[str, ...]
    source_separator: str
    allowed_sources: tuple[str, ...]
    forbidden_openings: tuple[str, ...]
    forbidden_characters: tuple[str, ...]
    forbidden_words: tuple[str, ...]
    placeholders: tuple[str, ...] = ()
    first_message_must_say: tuple[str, ...] = ()

    @classmethod
    def load(cls, project_dir: Path) -> "AnswerRules":
        path = project_dir / RULES_PATH
        if not path.is_file():
            raise RuleError(f"Règles des réponses introuvables ({RULES_PATH}) : impossible de vérifier la réponse.")
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        faq = data["faq_answer"]
        return cls(
            max_characters=int(data["max_characters"]),
            max_lines=int(data["max_lines"]),
            min_lines=int(faq["min_lines"]),
            source_prefixes=tuple(faq["source_prefixes"]),
            source_separator=str(faq["source_separator"]),
            allowed_sources=tuple(data["official_pages"]) + tuple(data["legal_texts"]),
            forbidden_openings=tuple(faq["forbidden_openings"]),
            forbidden_characters=tuple(data["forbidden_characters"]),
            forbidden_words=tuple(data["forbidden_words"]),
            placeholders=tuple(data.get("placeholders") or ()),
            first_message_must_say=tuple(data.get("first_message_must_say") or ()),
        )

    def problems(self, text: str) -> list[str]:
        """Every rule the (normalised) answer text breaks, in French; empty when it may be saved."""
        lines = text.splitlines()
        found = self._bubble_problems(text, "La réponse", ", ligne de source comprise")
        if len(lines) < self.min_lines:
            found.append("Il faut au moins une ligne de réponse, puis la ligne « Source : … ».")
        if "{" in text or "}" in text:
            found.append("Les accolades { } sont interprétées par Rasa comme des variables : retirez-les.")
        found.extend(self._html_problems(text, "les réponses"))
        opening = re.match(r"^[\W_]*(\w+)\s*[.,:;!]", text)
        if opening and opening.group(1).lower() in self.forbidden_openings:
            found.append(f"Ne commencez pas par « {opening.group(0).strip('* ')} » : plusieurs questions mènent à "
                         "cette réponse, un oui ou un non ne convient pas à toutes.")
        found.extend(self._voice_problems(text))
        found.extend(self._source_problems(lines[-1].strip() if lines else ""))
        return found

    def _bubble_problems(self, text: str, subject: str, lines_note: str = "") -> list[str]:
        """A chat bubble: at most max_characters and max_lines."""
        found = []
        if len(text) > self.max_characters:
            found.append(f"{subject} fait {len(text)} caractères : {self.max_characters} au plus, pour tenir "
                         "dans une bulle de discussion.")
        count = len(text.splitlines())
        if count > self.max_lines:
            found.append(f"{subject} fait {count} lignes : {self.max_lines} au plus{lines_note}.")
        return found

    def _html_problems(self, text: str, what: str) -> list[str]:
        other = [char for char in self.forbidden_characters if char not in "{}" and char in text]
        return [f"Caractères interdits ({' '.join(other)}) : {what} sont du texte, pas du HTML."] if other else []

    def _voice_problems(self, text: str) -> list[str]:
        words = sorted(set(_WORD.findall(text.lower().replace("’", "'"))) & set(self.forbidden_words))
        if not words:
            return []
        return [f"Mots à éviter : {', '.join(words)} (« vous » partout, « l'équipe d'assistance » plutôt que "
                "« support »)."]

    def _source_problems(self, last_line: str) -> list[str]:
        prefix = next((p for p in self.source_prefixes if last_line.startswith(p)), None)
        if prefix is None:
            return ["La réponse doit se terminer par une ligne « Source : … » (ou « Sources : … ; … »)."]
        sources = last_line[len(prefix):].split(self.source_separator)
        unknown = [source for source in sources if source not in self.allowed_sources]
        if unknown:
            return [f"Source non reconnue : {', '.join(unknown)}. Sources possibles : "
                    f"{' ; '.join(self.allowed_sources)}."]
        return []

    def check(self, text: str) -> None:
        problems = self.problems(text)
        if problems:
            raise RuleError(" ".join(problems))

    def text_problems(self, text: str, original: str) -> list[str]:
        """The rules every other text the assistant sends follows (welcome, fallback, handoff, the check's
        questions): a chat bubble, no HTML, one voice; the placeholders the original had ({organisation}…,
        filled by the actions) kept and no other; a welcome keeps what the first message must say."""
        found = self._bubble_problems(text, "Le texte")
        had, has = _placeholders(original), _placeholders(text)
        if has - had or "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
            found.append("Les accolades { } sont interprétées par Rasa comme des variables : seules celles du texte "
                         f"d'origine sont permises ({', '.join('{' + p + '}' for p in sorted(had)) or 'aucune'}).")
        elif had - has:
            found.append("Gardez les variables du texte d'origine, remplies par l'assistant : "
                         f"{', '.join('{' + p + '}' for p in sorted(had - has))}.")
        found.extend(self._html_problems(text, "les textes"))
        found.extend(self._voice_problems(text))
        if all(phrase in original for phrase in self.first_message_must_say) and self.first_message_must_say:
            missing = [phrase for phrase in self.first_message_must_say if phrase not in text]
            if missing:
                found.append("Un premier message doit dire qu'il s'agit d'un assistant automatique, qu'il donne une "
                             f"orientation et de ne pas écrire de données personnelles ; il manque : "
                             f"{', '.join('« ' + m + ' »' for m in missing)}.")
        return found


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
