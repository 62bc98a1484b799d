"""``wrong_language``: the letter (and each longer section) must be in the requested language.

Detection uses Lingua, restricted to the languages that have a pack (plus the pack's ``rivals``,
close languages without a pack, such as Catalan for Spanish), so it tells English, Spanish and
Malay apart (all Latin script) as well as Thai and Bengali. The detector is
built once, on first use; its models load as they are needed. It is asked only when it has to be: a text in
a pack's own script (``script:``, from guardrails/scripts.yaml: Thai, Bengali) is in that language (no other
pack or rival writes it), and a text most of
whose words the language's meaning model was taught is in that language, unless a close language
without a pack could pass for it: the whole of such a Spanish letter is weighed against Spanish and
its rivals only (Catalan, Portuguese, Italian), not against every pack, and only when fewer than
``KNOWN_SURE`` of its words are known (a Spanish letter of the corpus knows 0.74 and up; Portuguese,
Catalan, Italian and Galician letters checked as Spanish know at most 0.6, tests/data/rivals/).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..catalog import RuleSpec
from ..paths import scripts
from ..text import has_words
from .doc import Doc
from .registry import check_kind
from .verdict import Violation

SAMPLE = 240
KNOWN_ENOUGH = 0.5  # a section with this share of words its language's model knows is in that language
KNOWN_SURE = 0.7  # a whole letter with this share is in that language, not in a close language without a pack


def script_share(text: str, ranges: tuple[tuple[int, int], ...]) -> float:
    """The share of the letters of ``text`` in the Unicode ``ranges`` (0 when it has none)."""
    letters = "".join(filter(str.isalpha, text))
    return len(_in(ranges).findall(letters)) / len(letters) if letters else 0.0


@lru_cache(maxsize=16)
def _in(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"\\u{a:04X}-\\u{b:04X}" for a, b in ranges) + "]")


def _script(pack: Any) -> tuple[tuple[int, int], ...] | None:
    """The Unicode ranges of the pack's script (None: Latin, which several packs share)."""
    return scripts().get(pack.script) if pack.script else None


QUICK_SURE = 0.9  # the quick (trigram) detector's verdict stands only when it is at least this sure


@lru_cache(maxsize=16)
def _detector(names: tuple[str, ...], quick: bool) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(*[getattr(Language, n) for n in names])
    # Models load on first need, not all at build. The quick detector reads trigrams only: its models load
    # in 0.03 s where the full ones (1- to 5-grams) take 0.3 s for Malay and 0.8 s for Spanish and its rivals.
    return (builder.with_low_accuracy_mode() if quick else builder).build()


def _top(text: str, names: tuple[str, ...], quick: bool) -> tuple[str, float]:
    values = _detector(names, quick).compute_language_confidence_values(text)
    return (values[0].language.name, float(values[0].value)) if values else ("", 0.0)


def detect(text: str, names: tuple[str, ...], expected: str | None = None) -> tuple[str, float]:
    """The most likely language (Lingua name) of ``text`` among ``names``, with its confidence.

    The quick detector answers first; its answer stands when it is sure (and, given ``expected``, when it
    is ``expected``), so the full models load only for a text that may be in another language.
    """
    found, confidence = _top(text, names, quick=True)
    if confidence >= QUICK_SURE and (expected is None or found == expected):
        return found, confidence
    return _top(text, names, quick=False)


def letter_language(text: str, catalog: Any) -> tuple[str, float]:
    """The pack (code) a letter is written in, and how sure: its script first (Thai, Bengali), else Lingua
    among the packs' languages ("" when nothing is confident)."""
    for pack_code, pack in catalog.packs.items():
        script = _script(pack)
        if script and script_share(text, script) > 0.5:
            return pack_code, 1.0
    latin = {pack.detector: pack_code for pack_code, pack in catalog.packs.items() if not pack.script}
    found, confidence = detect(text[:1000], tuple(sorted(latin)))
    return (latin[found], confidence) if found in latin and confidence >= 0.5 else ("", confidence)


def _body(doc: Doc) -> tuple[int, int]:
    """The letter without its greeting line (names in a greeting say little about the language)."""
    start = doc.greeting[1] if doc.greeting else doc.text.find("\n") + 1
    return (start, len(doc.text)) if doc.text[start:].strip() else (0, len(doc.text))


@check_kind("language")
def language(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """The whole letter, then each section long enough to judge, must read as the requested language."""
    packs = doc.catalog.packs.values()
    names = tuple(sorted({pack.detector for pack in packs}))
    # the letter as a whole is also weighed against close languages without a pack (Catalan for Spanish);
    # a section only against the packs' languages (each extra language costs time on every section)
    whole_names = tuple(sorted({*names, *doc.lang.pack.rivals}))
    by_detector = {pack.detector: pack.name for pack in packs}
    expected = doc.lang.pack.detector
    spans: list[tuple[str | None, tuple[int, int]]] = [(sid, span) for sid in doc.sections if (span := doc.span_of(sid))]
    spans = [(sid, sp) for sid, sp in spans if has_words(doc.text[sp[0] : sp[1]], doc.lang.tokenizer, rule.min_words)]
    # the letter as a whole first: a letter in another language is one problem, not one per section
    spans.insert(0, (None, _body(doc)))
    model = doc.model if doc.lang.tokenizer != "thai" else None  # a Thai run is one "word" to it
    script = _script(doc.lang.pack)
    for section, span in spans:
        # Lingua's cost grows with the text; a section's first SAMPLE characters tell its language.
        text = doc.text[span[0] : span[1]][:SAMPLE]
        if script is not None and script_share(text, script) > 0.5:
            continue  # the pack's own script (Thai, Bengali): no other pack, and no rival, writes it
        known = model.known_share(text) if model is not None else None
        candidates = whole_names if section is None else names
        if known is not None and known >= KNOWN_ENOUGH:
            if section is not None or not doc.lang.pack.rivals or known >= KNOWN_SURE:
                continue  # most of its words are words the language's model was taught: no need to ask Lingua
            # the whole letter reads as this language or a close one without a pack (Catalan for Spanish):
            # only Lingua, which knows the rivals, can tell those apart, and only those need weighing
            candidates = tuple(sorted({expected, *doc.lang.pack.rivals}))
        found, confidence = detect(text, candidates, expected)
        if found and found != expected and confidence >= rule.min_confidence:
            message = doc.lang.message(rule_id, rule.message).format(
                found=by_detector.get(found, found.title()), expected=doc.lang.pack.name)
            return [doc.violation(rule_id, rule, message, span, section=section)]
    return []
