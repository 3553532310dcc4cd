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
        )

    def problems(self, text: str) -> list[str]:
        """Every rule the (normalised) answer text breaks, in French; empty when it may be saved."""
        found: list[str] = []
        lines = text.splitlines()
        if len(text) > self.max_characters:
            found.append(f"La réponse fait {len(text)} caractères : {self.max_characters} au plus, pour tenir "
                         "dans une bulle de discussion.")
        if len(lines) > self.max_lines:
            found.append(f"La réponse fait {len(lines)} lignes : {self.max_lines} au plus, ligne de source comprise.")
        if len(lines) < self.min_lines:
            found.append("Il faut au moins une ligne de réponse, puis la ligne « Source : … ».")
        if "{" in text or "}" in text:
            found.append("Les accolades { } sont interprétées par Rasa comme des variables : retirez-les.")
        other = [char for char in self.forbidden_characters if char not in "{}" and char in text]
        if other:
            found.append(f"Caractères interdits ({' '.join(other)}) : les réponses sont du texte, pas du HTML.")
        opening = re.match(r"^[\W_]*(\w+)\s*[.,:;!]", text)
        if opening and opening.group(1).lower() in self.forbidden_openings:
            found.append(f"Ne commencez pas par « {opening.group(0).strip('* ')} » : plusieurs questions mènent à "
                         "cette réponse, un oui ou un non ne convient pas à toutes.")
        words = sorted(set(_WORD.findall(text.lower().replace("’", "'"))) & set(self.forbidden_words))
        if words:
            found.append(f"Mots à éviter : {', '.join(words)} (« vous » partout, « l'équipe d'assistance » plutôt "
                         "que « support »).")
        found.extend(self._source_problems(lines[-1].strip() if lines else ""))
        return found

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
