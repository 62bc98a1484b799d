"""Every rule block in every language pack: its `flag` sentences trigger it, its `pass` sentences do not."""

from __future__ import annotations

import pytest

from tactful.catalog import ROOT, load
from tactful.guardrails import check

CATALOG = load()
CASES = [
    (code, rule_id, kind, sentence)
    for code, lang in CATALOG.langs.items()
    for rule_id, block in lang.pack.rules.items()
    for kind, sentences in (("flag", block.flag), ("pass", block.pass_))
    for sentence in sentences
]


@pytest.mark.parametrize(("lang", "rule_id", "expect", "sentence"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_examples(lang: str, rule_id: str, expect: str, sentence: str) -> None:
    verdict = check(sentence, kind="bad_news", lang=lang)
    hits = [v for v in verdict.violations if v.rule == rule_id]
    if expect == "flag":
        assert hits, f"{lang}: {rule_id} should flag: {sentence!r}"
        for v in hits:
            assert v.span is not None
            assert sentence[v.span[0] : v.span[1]].strip(), "the span must point at text"
    else:
        assert not hits, f"{lang}: {rule_id} should not flag {sentence!r}: {[v.message for v in hits]}"


PATTERN_RULES = [r for r, spec in CATALOG.rules.items() if spec.check in {"phrases", "count"}]


@pytest.mark.parametrize("lang", sorted(CATALOG.langs))
def test_every_pattern_rule_has_examples(lang: str) -> None:
    pack = CATALOG.langs[lang].pack
    missing = [r for r in PATTERN_RULES if not (r in pack.rules and pack.rules[r].flag and pack.rules[r].pass_)]
    assert not missing, f"guardrails/lang/{lang}.yaml: no flag/pass examples for {missing}"


@pytest.mark.parametrize("lang", sorted(CATALOG.langs))
def test_every_section_has_cues(lang: str) -> None:
    pack = CATALOG.langs[lang].pack
    needed = sorted(CATALOG.section_ids - {"signature", "owner_signature", "cc"})
    missing = [s for s in needed if not pack.sections.get(s)]
    assert not missing, f"guardrails/lang/{lang}.yaml: no cues for sections {missing}"


def test_thai_dictionary_segments_exactly_as_pythainlps_trie() -> None:
    """Tactful's set-based dictionary (built in milliseconds) cuts Thai exactly where PyThaiNLP's Trie does."""
    import re as _re

    from pythainlp.tokenize import word_dict_trie, word_tokenize

    from tactful.text import thai_dictionary

    trie, ours = word_dict_trie(), thai_dictionary()
    sources = [*ROOT.glob("guardrails/teach/th.*.yaml"), ROOT / "guardrails" / "lang" / "th.yaml",
               ROOT / "prompts" / "offline" / "th.yaml"]
    runs = {r for p in sources for r in _re.findall(r"[\u0E00-\u0E7F]+", p.read_text(encoding="utf-8"))}
    assert len(runs) > 1000
    for run in runs:
        ours_cut = word_tokenize(run, engine="newmm", custom_dict=ours)  # type: ignore[arg-type]
        assert ours_cut == word_tokenize(run, engine="newmm", custom_dict=trie), run
    assert ours.prefixes("ขอโทษครับ") == trie.prefixes("ขอโทษครับ") and "ขอโทษ" in ours and len(ours) == len(list(trie))
