"""What the sheet reads besides the conversation: data files of the assistant, never its code.

- actions/data/sheet.yml: the sheet's fixed texts, each with the fact-base sections it rests on;
- actions/data/verdicts.yml: the verdict sentences, reasons, next steps and readings the chat gave;
- actions/data/doctrine-cloud-faits.md: the fact base copy the texts were reviewed against, for the title
  and official link of each section a verdict rests on, and its fingerprint (the knowledge's version);
- the operators' list (actions/data/operateurs-etat-plf<year>.csv): its year.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "actions" / "data"
FACT_BASE = DATA_DIR / "doctrine-cloud-faits.md"
# Sections that name no rule or FAQ question: the preamble and the assistant's own conduct.
NOT_A_RULE = ("P", "C")
_HEADING = re.compile(r"^### ([AB]\d+)\. (.+?)\s*$")
_PAGE = re.compile(r"^- ([^:]+) : (https://\S+)")
_RULE = re.compile(r"^- (R\d+) : ")
_PAGE_PATH = re.compile(r"(/services/cloud/[^)\s]*/)\)")
_URL = re.compile(r"https://[^\s)>»,]+[^\s)>»,.;:]")
_OPERATORS_LIST = re.compile(r"operateurs-etat-plf(\d{4})\.csv")


@dataclass(frozen=True)
class Basis:
    """A rule or FAQ question a verdict rests on, as the sheet lists it."""

    id: str
    title: str
    url: str


@lru_cache(maxsize=1)
def sheet_texts() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "sheet.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def verdict_texts() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "verdicts.yml").read_text(encoding="utf-8"))


def text(name: str, group: str = "texts") -> str:
    return str(sheet_texts()[group][name]["text"])


@lru_cache(maxsize=1)
def knowledge_version() -> str:
    """The fact base's fingerprint (the same the action server writes in the sheet's offer)."""
    return hashlib.sha256(FACT_BASE.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def operators_list_name() -> str:
    """« PLF 2025 », from the name of the operators' list the assistant recognises organisations in."""
    years = sorted(match.group(1) for path in DATA_DIR.glob("operateurs-etat-plf*.csv")
                   if (match := _OPERATORS_LIST.fullmatch(path.name)))
    return f"PLF {years[-1]}" if years else "PLF"


@lru_cache(maxsize=1)
def fact_base_index() -> dict[str, Basis]:
    """Title and official link of every FAQ question (A…), linked page (B…) and rule (B1-R…)."""
    lines = FACT_BASE.read_text(encoding="utf-8").splitlines()
    matches = [_PAGE.match(line) for line in lines]
    pages = {match.group(1).strip(): match.group(2) for match in matches if match}
    faq = pages.get("FAQ", "")
    titles: dict[str, str] = {}
    bodies: dict[str, list[str]] = {}
    rules: list[str] = []
    current = ""
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(1)
            titles[current], bodies[current] = heading.group(2), []
        elif line.startswith("## "):
            current = ""
        elif current:
            bodies[current].append(line)
            rule = _RULE.match(line)
            if rule and current == "B1":
                rules.append(rule.group(1))
    index = {section: Basis(section, _clean_title(title),
                            faq if section.startswith("A") else _page(title, bodies[section], pages, faq))
             for section, title in titles.items()}
    for rule in rules:
        index[f"B1-{rule}"] = Basis(f"B1-{rule}", f"Règle {rule} de la doctrine", index["B1"].url)
    return index


def _page(title: str, body: list[str], pages: dict[str, str], default: str) -> str:
    """A Part B section's link: the official page its heading names by its path (« /services/cloud/demarrer/ »),
    else the first page its text cites, else the FAQ."""
    path = _PAGE_PATH.search(title)
    for url in pages.values():
        if path and url.endswith(path.group(1)):
            return url
    cited = _URL.search("\n".join(body))
    return cited.group(0) if cited else default


def _clean_title(title: str) -> str:
    """« Les 15 règles (version 2023, /services/cloud/regles-doctrine/) » → « Les 15 règles (version 2023) »."""
    return re.sub(r",? ?/services/cloud/[^)]*/", "", title).replace(" ()", "").strip()


def basis_of(sections: list[str]) -> list[Basis]:
    """The rules and FAQ questions among a verdict's sections, in its order."""
    index = fact_base_index()
    return [index[section] for section in dict.fromkeys(sections) if section not in NOT_A_RULE and section in index]
