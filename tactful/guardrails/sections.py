"""Find the sections of a letter: given by the drafter, or located in pasted free text.

Free text is read the way a person skims a letter: the greeting is the first line if it
opens like one, the sign-off is the last line that reads like one and the signature is
what follows it, lines starting with "cc:" are the cc. The body is cut into paragraphs and
sentences (Thai: space-separated clauses), and each sentence is matched against the
language pack's cue phrases for the kind's sections. Where a sentence matches several
sections the one that keeps the guide's order is taken; a sentence with no cue continues
the section before it (or, at the start of a paragraph, the first one found later in it).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from ..letter import SIGNATURE_IDS, Letter
from ..text import sentences
from .doc import Doc
from .verdict import Span

_LINE = re.compile(r"[^\n]*\n?")
_PARA_BREAK = re.compile(r"\n\s*\n")


def from_letter(doc: Doc, letter: Letter) -> None:
    """Record the spans of a structured letter's sections and of its greeting and sign-off."""
    text, spans = letter.render()
    doc.sections = {sid: [span] for sid, span in spans.items() if letter.sections.get(sid, "").strip()}
    if letter.greeting.strip():
        doc.greeting = (0, len(letter.greeting.strip()))
    if letter.sign_off.strip():
        start = text.find(letter.sign_off.strip())
        doc.sign_off = (start, start + len(letter.sign_off.strip())) if start >= 0 else None


def _lines(text: str) -> list[Span]:
    spans, pos = [], 0
    for match in _LINE.finditer(text):
        if match.start() == len(text) and not match.group():
            break
        line = match.group().rstrip("\n")
        spans.append((pos, pos + len(line)))
        pos = match.end()
    return spans


def locate(doc: Doc) -> None:
    """Locate greeting, sign-off, signature, cc and body sections in ``doc.text``."""
    text, lang = doc.norm, doc.lang
    lines = [s for s in _lines(text) if text[s[0] : s[1]].strip()]
    if not lines:
        return
    body_start, body_end = 0, len(text)
    if lang.greeting and lang.greeting.match(text, lines[0][0], lines[0][1]):
        doc.greeting = lines[0]
        body_start = lines[0][1]
    cc_lines = [s for s in lines if lang.cc and lang.cc.match(text, s[0], s[1])]
    if cc_lines:
        doc.sections["cc"] = [(cc_lines[0][0], cc_lines[-1][1])]
        body_end = min(body_end, cc_lines[0][0])
    sign = next((s for s in reversed(lines) if s[1] <= body_end and lang.sign_off
                 and lang.sign_off.match(text, s[0], s[1])), None)
    signature_ids = [sid for sid in doc.layout.section_ids if sid in SIGNATURE_IDS]
    if sign is not None:
        doc.sign_off = sign
        after = [s for s in lines if sign[1] <= s[0] and s[1] <= body_end]
        if after and signature_ids:
            doc.sections[signature_ids[0]] = [(after[0][0], after[-1][1])]
        body_end = sign[0]
    _assign_body(doc, body_start, body_end)


def _assign_body(doc: Doc, start: int, end: int) -> None:
    body_ids = [sid for sid in doc.layout.section_ids if sid not in SIGNATURE_IDS and sid != "cc"]
    order = {sid: i for i, sid in enumerate(body_ids)}
    units: list[tuple[Span, list[str], int]] = []  # sentence, candidate sections, paragraph number
    cue_starts = {sid: [s for s, _ in doc.hits.get(f"cue:{sid}", [])] for sid in body_ids}
    pos, para = start, 0
    for brk in [*_PARA_BREAK.finditer(doc.norm, start, end), None]:
        stop = brk.start() if brk else end
        for sent in sentences(doc.norm, pos, stop, doc.lang.tokenizer):
            hits = [sid for sid in body_ids if _any_within(cue_starts[sid], sent)]
            units.append((sent, hits, para))
        pos, para = (brk.end() if brk else end), para + 1
    current = -1
    chosen: list[str | None] = []
    seen: set[str] = set()
    for _, hits, _ in units:
        ahead = [h for h in hits if order[h] >= current]
        # Only earlier sections' cues: a section not seen yet really is out of order; one already
        # seen is a passing echo ("thank you" again), so the sentence continues where we are.
        behind = [h for h in hits if h not in seen]
        pick = min(ahead, key=order.__getitem__) if ahead else (behind[0] if behind else None)
        if pick is not None:
            current = max(current, order[pick])
            seen.add(pick)
        chosen.append(pick)
    for i, (span, _, para) in enumerate(units):
        sid = chosen[i] or _inherit(units, chosen, i, para)
        if sid is not None:
            doc.sections.setdefault(sid, []).append(span)


def _any_within(starts: list[int], span: Span) -> bool:
    """True when a sorted list of positions has one inside ``span``."""
    i = bisect_left(starts, span[0])
    return i < len(starts) and starts[i] < span[1]


def _inherit(units: list[tuple[Span, list[str], int]], chosen: list[str | None], i: int, para: int) -> str | None:
    """The section a cue-less sentence belongs to: the one before it in its paragraph, else the next."""
    for j in range(i - 1, -1, -1):
        if units[j][2] != para:
            break
        if chosen[j]:
            return chosen[j]
    for j in range(i + 1, len(units)):
        if units[j][2] != para:
            break
        if chosen[j]:
            return chosen[j]
    prev = next((chosen[j] for j in range(i - 1, -1, -1) if chosen[j]), None)
    return prev
