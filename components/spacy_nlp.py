"""spaCy loaded once, with only what the pipeline uses.

Rasa's SpacyNLP loads the French model twice (once for the node that provides the model, once for the
node that parses messages) with its dependency parser disabled but still loaded, and runs the
named-entity recogniser on every message. The assistant needs tokens and lemmas only (the lemmatizer
needs tok2vec, morphologizer and attribute_ruler), so the parser and the NER are excluded at load time
and the loaded model is shared: a faster start, less memory and a faster parse. Rasa's own checks of
the model (installed, compatible with the installed spaCy) are kept, without loading it a second time.

spaCy's French tokenizer compiles, when it is imported, one regular expression of 80 000 characters
(its exceptions like « porte-monnaie »): 2 to 10 s of every start on the 2 busy cores (py-spy,
docs/benchmarks.md). While the model loads, `_cached_regex_compilation` keeps what Python's regex
compiler makes of such a pattern (its parse, the code it hands to `_sre.compile`) in a private cache
folder, keyed by the pattern, its flags and the Python version, and hands the same code to
`_sre.compile` on the next starts: the same compiled pattern, without the compiling.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # CPython's regex engine, no stubs
import hashlib
import marshal
import os
import re
import sre_compile
import sre_parse
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

EXCLUDED = ("parser", "ner", "senter")
# Patterns shorter than this compile fast enough: only spaCy's long ones are cached.
CACHED_PATTERN_LENGTH = 10_000


def regex_cache_dir() -> Path:
    """SPACY_REGEX_CACHE, else the user's cache folder."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cloud-au-centre" / "regex"
    return Path(os.environ.get("SPACY_REGEX_CACHE") or default)


def _compile_from_parts(pattern: str, parts: Any) -> re.Pattern:
    final_flags, code, groups, groupindex, indexgroup = parts
    return _sre.compile(pattern, final_flags, code, groups, groupindex, tuple(indexgroup))


def _compiled_parts(pattern: str, flags: int) -> tuple:
    """What sre_compile.compile hands to _sre.compile (Python 3.10), as plain data."""
    parsed = sre_parse.parse(pattern, flags)
    code = sre_compile._code(parsed, flags)  # type: ignore[attr-defined]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return int(flags | parsed.state.flags), [int(c) for c in code], parsed.state.groups - 1, groupindex, indexgroup


@contextmanager
def _cached_regex_compilation(directory: Path) -> Iterator[None]:
    """Long patterns compiled inside the block come from (or go to) the cache in `directory`."""
    original = sre_compile.compile

    def compile(pattern: Any, flags: int = 0) -> re.Pattern:
        if not isinstance(pattern, str) or len(pattern) < CACHED_PATTERN_LENGTH or flags & sre_compile.SRE_FLAG_DEBUG:
            return original(pattern, flags)
        key = hashlib.sha256(f"{sys.version}\0{sre_compile.MAGIC}\0{flags}\0{pattern}".encode()).hexdigest()
        path = directory / f"{key}.marshal"
        try:
            return _compile_from_parts(pattern, marshal.loads(path.read_bytes()))
        except (OSError, ValueError, EOFError, TypeError, RuntimeError):
            pass  # not cached yet, or unreadable: compiled as usual
        parts = _compiled_parts(pattern, flags)
        compiled = _compile_from_parts(pattern, parts)
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(parts))
            partial.replace(path)
        except OSError:
            pass  # a read-only home: no cache, same result
        return compiled

    sre_compile.compile = compile  # type: ignore[assignment]
    try:
        yield
    finally:
        sre_compile.compile = original


@lru_cache(maxsize=2)
def _load_once(spacy_model_name: Text) -> SpacyModel:
    """The model without EXCLUDED, with the checks of Rasa's SpacyNLP.load_model (which would load
    the whole model a second time just to run them: several seconds of every start)."""
    import spacy

    if not spacy_model_name:
        raise InvalidModelError("LeanSpacyNLP demande un modèle spaCy (option `model` dans config.yml).")
    try:
        with _cached_regex_compilation(regex_cache_dir()):
            language = spacy.load(spacy_model_name, exclude=list(EXCLUDED))
    except OSError as error:
        raise InvalidModelError(
            f"Le modèle spaCy {spacy_model_name} n'est pas installé (python -m spacy download {spacy_model_name})."
        ) from error
    required = language.meta.get("spacy_version", "")
    if required and not spacy.util.is_compatible_version(spacy.about.__version__, required):
        raise InvalidModelError(
            f"Le modèle spaCy {spacy_model_name} demande spaCy {required}, incompatible avec "
            f"spaCy {spacy.about.__version__}."
        )
    return SpacyModel(model=language, model_name=spacy_model_name)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="LeanSpacyNLP",
)
class LeanSpacyNLP(SpacyNLP):
    """SpacyNLP loaded once, without the components nobody reads (see the module docstring)."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        return _load_once(spacy_model_name)
