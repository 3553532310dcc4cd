"""What each part of the NLU pipeline adds: train variants of config.yml and score them on held-out data.

    python eval/ablation.py            # trains 4 NLU models (several minutes each), writes docs/ablation.md

Variants are derived from config.yml at run time, so they never drift from it:
full pipeline; without SpacyFeaturizer (spaCy's tok2vec context vectors); without character n-grams;
no spaCy at all (WhitespaceTokenizer). Each is scored with eval/evaluate.py on the test split.
"""

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List

import yaml

REPO = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))

Pipeline = List[Dict]


def without(name: str, condition: Callable[[Dict], bool] = lambda component: True) -> Callable[[Pipeline], Pipeline]:
    return lambda pipeline: [c for c in pipeline if not (c["name"] == name and condition(c))]


def whitespace_only(pipeline: Pipeline) -> Pipeline:
    result = []
    for component in pipeline:
        if component["name"] in ("SpacyNLP", "SpacyFeaturizer"):
            continue
        if component["name"] == "SpacyTokenizer":
            component = {"name": "WhitespaceTokenizer"}
        if component["name"] == "CountVectorsFeaturizer":
            component = {key: value for key, value in component.items() if key != "use_lemma"}
        result.append(component)
    return result


VARIANTS: Dict[str, Callable[[Pipeline], Pipeline]] = {
    "pipeline complet (config.yml)": lambda pipeline: pipeline,
    "sans SpacyFeaturizer": without("SpacyFeaturizer"),
    "sans n-grammes de caractères": without("CountVectorsFeaturizer", lambda c: c.get("analyzer") == "char_wb"),
    "sans spaCy (WhitespaceTokenizer)": whitespace_only,
}


def run_variant(label: str, transform: Callable[[Pipeline], Pipeline], workdir: Path) -> Dict:
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = transform(config["pipeline"])
    slug = "".join(char if char.isalnum() else "-" for char in label)[:40]
    config_path = workdir / f"{slug}.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = workdir / slug
    subprocess.run(
        [RASA, "train", "nlu", "--config", str(config_path), "--nlu", "data/nlu", "--domain", "domain",
         "--out", str(out), "--fixed-model-name", "model"],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )
    result = workdir / f"{slug}.json"
    subprocess.run(
        [sys.executable, "eval/evaluate.py", "--split", "test", "--model", str(out / "model.tar.gz"),
         "--json", str(result)],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )
    return json.loads(result.read_text(encoding="utf-8"))


def main() -> None:
    started_load = os.getloadavg()
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, transform in VARIANTS.items():
            print(f"… {label}", flush=True)
            result = run_variant(label, transform, Path(tmp))
            scores = result["assistant"]
            rows.append((label, scores["faq_accuracy"], scores["oos_rejection"], scores["check_scope_accuracy"],
                         result["parse_ms_median"]))
    lines = [
        "# Ablation du pipeline NLU",
        "",
        "Produit par `python eval/ablation.py` (jeu de test tenu à l'écart, mêmes seuils que l'assistant).",
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()} ; "
        f"charge moyenne au départ {started_load[0]:.2f} ; {started} (UTC).",
        "",
        "Temps NLU : médiane par message, dans le processus, modèle NLU seul (sans le serveur ni les politiques) ;",
        "il dépend de la charge de la machine pendant la mesure.",
        "",
        "| variante | exactitude FAQ | rejet hors sujet | lancement de la vérification | temps NLU (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {label} | {faq:.1%} | {oos:.1%} | {scope:.1%} | {parse_ms:.1f} |"
        for label, faq, oos, scope, parse_ms in rows
    ]
    (REPO / "docs" / "ablation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
