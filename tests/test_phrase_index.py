"""The one-pass phrase index finds exactly what each phrase's own regex finds.

The index files phrases by their first words or characters and checks word ends itself; the
reference here is the plain way: every phrase's full pattern (``phrase_pattern``, with its
look-arounds, case-insensitive) tried at every position of the letter. Both keep an owner's
leftmost-longest spans, and Thai matches must start and end on word boundaries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tactful.catalog import Catalog
from tactful.text import PhraseIndex, ThaiEdges, _leftmost_longest, nfc, normalise, phrase_pattern

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["bn", "en", "es", "ms", "th"]


def entries(catalog: Catalog, code: str) -> list[tuple[str, str]]:
    pack = catalog.lang(code).pack
    out = [(p, f"cue:{sid}") for sid, cues in pack.sections.items() for p in cues]
    out += [(p, f"rule:{rid}") for rid, rule in pack.rules.items() for p in rule.phrases]
    return out + [(p, "owning") for p in pack.owning]


def reference(text: str, pairs: list[tuple[str, str]], tokenizer: str) -> dict[str, list[tuple[int, int]]]:
    edges = ThaiEdges(text) if tokenizer == "thai" else None
    found: dict[str, list[tuple[int, int]]] = {}
    for phrase, owner in pairs:
        if not normalise(nfc(phrase)).strip().rstrip("*"):
            continue
        pattern = re.compile(f"(?=({phrase_pattern(phrase, tokenizer)}))", re.IGNORECASE)  # type: ignore[arg-type]
        for m in pattern.finditer(text):
            start, end = m.span(1)
            if end > start and (edges is None or (start in edges and end in edges)):
                found.setdefault(owner, []).append((start, end))
    return {owner: _leftmost_longest(spans) for owner, spans in found.items()}


def letters(code: str) -> list[str]:
    paths = sorted((ROOT / "tests" / "data" / "letters" / code).glob("*.yaml"))[:6]
    paths += sorted((ROOT / "tests" / "data" / "corpus" / code / "dev").glob("*.yaml"))[:6]
    return [normalise(nfc(yaml.safe_load(p.read_text(encoding="utf-8"))["letter"])) for p in paths]


@pytest.mark.parametrize("code", LANGS)
def test_index_finds_what_each_phrase_finds(catalog: Catalog, code: str) -> None:
    pairs = entries(catalog, code)
    tokenizer = catalog.lang(code).tokenizer
    index = PhraseIndex(pairs, tokenizer)
    texts = letters(code)
    assert len(texts) >= 6
    compared = 0
    for text in texts:
        expected = reference(text, pairs, tokenizer)
        assert index.scan(text) == expected
        compared += sum(map(len, expected.values()))
    assert compared > 20  # the letters do hold phrases: the comparison is not of two empty results


@pytest.mark.parametrize(("tokenizer", "phrase", "text", "spans"), [
    ("latin", "we are sorry", "We  are\nsorry, truly.", [(0, 13)]),
    ("latin", "sorry", "unsorry sorryness sorry", [(18, 23)]),
    ("latin", "we are so sorry", "we are so sorryful", []),
    ("latin", "apologi*", "our apologies", [(4, 13)]),
    ("latin", "we're sorry", "we're sorry", [(0, 11)]),
    ("bengali", "আপনার অর্ডার", "আপনার অর্ডারটি", [(0, 12)]),  # a case ending may follow
    ("bengali", "দুঃখিত", "আমরা দুঃখিত", [(5, 11)]),
])
def test_index_on_word_edges(tokenizer: str, phrase: str, text: str, spans: list[tuple[int, int]]) -> None:
    index = PhraseIndex([(phrase, "x")], tokenizer)  # type: ignore[arg-type]
    assert index.scan(text).get("x", []) == spans
    assert reference(text, [(phrase, "x")], tokenizer) == ({"x": spans} if spans else {})


def pack_regexes(catalog: Catalog, code: str) -> list[tuple[str, str, int]]:
    """(pattern, owner, flags) of every regex a language runs: its rules', the rule files' own, its counters and
    its owning patterns (as the catalog compiles them)."""
    pack, flags = catalog.lang(code).pack, int(re.IGNORECASE | re.MULTILINE)
    out: list[tuple[str, str, int]] = [(nfc(r), f"rule:{rid}", flags) for rid, rule in pack.rules.items() for r in rule.regex]
    out += [(r, f"rule:{rid}", flags) for rid, spec in catalog.rules.items() for r in spec.regex]
    out += [(nfc(r), f"count:{rid}", flags) for rid, rule in pack.rules.items() for r in rule.count]
    return out + [(nfc(r), "owning", int(re.IGNORECASE)) for r in pack.owning_regex]


@pytest.mark.parametrize("code", LANGS)
def test_indexed_regexes_find_what_they_find_alone(catalog: Catalog, code: str) -> None:
    tokenizer = catalog.lang(code).tokenizer
    indexed = 0
    for pattern, owner, flags in pack_regexes(catalog, code):
        index = PhraseIndex([], tokenizer)
        if not index.add_regex(pattern, owner, flags):
            continue
        indexed += 1
        compiled = re.compile(pattern, flags)
        for text in [*letters(code), normalise(nfc(EDGES[code]))]:
            alone = _leftmost_longest([m.span() for m in compiled.finditer(text) if m.end() > m.start()])
            assert index.scan(text).get(owner, []) == alone, pattern
    assert indexed > 0


EDGES = {
    "en": "It was the courier's fault. Because you did not sign, our partner failed. We didn't check. XXX ____",
    "es": "No fue culpa suya. Fue culpa suya. Sentimos informarle. Lo sentimos, por su culpa no llegó.",
    "ms": "Bukan kesalahan tuan. Kesalahan tuan sendiri. Kami memohon maaf, maafkan kami, kemaafan.",
    "th": "ขอโทษ ขอโทรศัพท์ คุณไม่ได้ส่งเอกสาร ผมใช้ChatGPT เขียน ChatGPTช่วย as an AI, lorem ipsum XXXX จดหมาย",
    "bn": "আপনার কারণে দেরি হয়েছে। কুরিয়ারের ভুল।",
}


def test_normalise_folds_exactly_what_the_table_says() -> None:
    """``normalise`` finds the characters to fold with a regex; the result is the table's, character for character."""
    from tactful.text import _FOLD, normalise

    every = "".join(chr(c) for c in _FOLD)
    samples = [every, every[::-1] + "plain ascii 12", "", "Señora Núñez — “¿por qué?” ’95 ১২ ๑๒ 12\u00a0€",
               *(text for code in LANGS for text in letters(code))]
    for text in samples:
        assert normalise(text) == text.translate(_FOLD) and len(normalise(text)) == len(text)
