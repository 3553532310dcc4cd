"""spaCy is loaded once per start, without the parts nobody reads, its long regular expressions are
compiled once per machine, and a missing model is a clear error."""

import sre_compile
import sre_parse

import pytest
from rasa.nlu.model import InvalidModelError

from components import spacy_nlp
from components.spacy_nlp import EXCLUDED, LeanSpacyNLP


def test_the_model_is_loaded_once_without_parser_and_ner() -> None:
    first = LeanSpacyNLP.load_model("fr_core_news_sm")
    assert LeanSpacyNLP.load_model("fr_core_news_sm") is first
    assert not set(EXCLUDED) & set(first.model.pipe_names)
    assert [token.lemma_ for token in first.model("les données sensibles")] == ["le", "donnée", "sensible"]


@pytest.mark.parametrize("name", ["", "fr_modele_absent"])
def test_a_missing_model_is_a_clear_error(name: str) -> None:
    with pytest.raises(InvalidModelError, match="spaCy"):
        LeanSpacyNLP.load_model(name)


def french_token_match():
    from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH

    return TOKEN_MATCH.__self__  # the compiled pattern of the French tokenizer's exceptions


WORDS = ["porte-monnaie", "aujourd'hui", "Cloud", "saut-de-ski", "entr'abat", "anti-cloud", "R9", "vice-président",
         "rendez-vous", "garde-fou", "SecNumCloud", "c'est-à-dire", "l'État", ""]


def test_a_long_pattern_compiled_from_the_cache_is_the_same_pattern(tmp_path, monkeypatch) -> None:
    reference = french_token_match()
    assert len(reference.pattern) >= spacy_nlp.CACHED_PATTERN_LENGTH
    with spacy_nlp._cached_regex_compilation(tmp_path):
        first = sre_compile.compile(reference.pattern, 0)  # as re.compile(pattern) compiled it
    assert len(list(tmp_path.glob("*.marshal"))) == 1
    monkeypatch.setattr(sre_parse, "parse", lambda *args: pytest.fail("compiled again instead of read from the cache"))
    with spacy_nlp._cached_regex_compilation(tmp_path):
        cached = sre_compile.compile(reference.pattern, 0)
    for compiled in (first, cached):
        assert (compiled.pattern, compiled.flags, compiled.groups) == (reference.pattern, reference.flags, reference.groups)
        assert [bool(compiled.match(w)) for w in WORDS] == [bool(reference.match(w)) for w in WORDS]
    assert any(reference.match(w) for w in WORDS)


def test_an_unreadable_cache_only_means_compiling(tmp_path) -> None:
    pattern = "(?iu)" + "|".join(f"(?:^mot{n}[-]?x+$)" for n in range(2000))
    with spacy_nlp._cached_regex_compilation(tmp_path):
        sre_compile.compile(pattern, 0)
    for cached in tmp_path.glob("*.marshal"):
        cached.write_bytes(b"abime")
    with spacy_nlp._cached_regex_compilation(tmp_path):
        compiled = sre_compile.compile(pattern, 0)
    assert compiled.match("MOT1999-xx") and not compiled.match("mot2000x")
    assert sre_compile.compile.__module__ == "sre_compile"  # given back after the block
