"""Versions of one letter: tone adjustments, a word-level diff, and whether a version moved as asked.

"Shorter" is measured in words; "more formal", "warmer", "firmer" and "more empathetic" by the
language pack's ``tone_markers`` (phrases typical of that register) minus contractions for
formality. When a language has no markers for an adjustment, we say we cannot tell.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from .catalog import Catalog
from .paths import tones_data
from .text import SCRIPT_RANGES, word_count

# button label -> the tone it drafts in (and the register it is measured by): prompts/tones.yaml
ADJUSTMENTS: dict[str, str] = dict(tones_data().get("adjustments") or {})
_CONTRACTION = re.compile(r"\b\w+'(?:t|s|re|ve|ll|d|m)\b", re.IGNORECASE)


@dataclass
class Movement:
    """Did a new version move the way the writer asked?"""

    moved: bool | None  # None: cannot tell for this language
    message: str


def _markers(text: str, catalog: Catalog, lang: str, register: str) -> int | None:
    phrases = catalog.lang(lang).pack.tone_markers.get(register)
    if not phrases:
        return None
    low = text.casefold()
    return sum(low.count(p.casefold()) for p in phrases)


def movement(asked: str, before: str, after: str, *, catalog: Catalog, lang: str) -> Movement:
    """Compare two letter texts along the dimension of the adjustment ``asked`` (a button label)."""
    tk = catalog.lang(lang).tokenizer
    if asked == "Shorter":
        a, b = word_count(before, tk), word_count(after, tk)
        if b < a:
            return Movement(True, f"Shorter: {a} → {b} words.")
        return Movement(False, f"Not shorter: {a} → {b} words.")
    register = ADJUSTMENTS.get(asked)
    if register is None:
        return Movement(None, "Free-text instruction: compare the versions yourself.")
    ma, mb = _markers(before, catalog, lang, register), _markers(after, catalog, lang, register)
    if ma is None or mb is None:
        return Movement(None, f"Cannot measure “{asked.lower()}” for this language yet.")
    a, b = ma, mb
    if register == "formal":
        a -= len(_CONTRACTION.findall(before))
        b -= len(_CONTRACTION.findall(after))
    wording = f"{register} wording: {a} → {b} phrase{'s' if b != 1 else ''} typical of a {register} letter"
    if b > a:
        return Movement(True, f"{asked}: more {wording}.")
    return Movement(False, f"Did not become {asked.lower().removeprefix('more ')}: {wording}.")


_TOKEN = re.compile(rf"\s+|[\w{SCRIPT_RANGES}]+|[^\s\w]")


def diff_html(before: str, after: str) -> str:
    """Word-level diff as HTML: removed words in <del>, added words in <ins>, everything escaped."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            if i2 > i1 and not a[i2 - 1].isspace() and not b[j1].isspace():
                out.append(" ")  # "old new", not "oldnew": a replaced word and its replacement stay apart
            out.append(f"<ins>{html.escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out).replace("\n", "<br>")
