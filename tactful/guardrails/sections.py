"""Find the sections of a letter: given by the drafter (and verified), or located in pasted free text.

Free text is read the way a person skims a letter. The greeting is the first line if it opens
like one; the cc is the lines that start with a cc marker; the sign-off is the last line that
reads like one, from the pack's list or by its shape (a short line ending in a comma, followed
only by a few short name lines: "With my sincere apologies," then a name), and the signature is
what follows it; with no sign-off, a trailing block of short name lines is the signature.

The body is cut into paragraphs and sentences (Thai: space-separated clauses), and the whole
sequence is decoded at once (Viterbi) over the kind's sections in the guide's order. Each
sentence's evidence is the meaning model's probability for each section (``meaning.py``, taught by
example sentences), with the pack's cue phrases as strong extra evidence. Moving forward through
the guide's order is cheap, changing section inside a paragraph costs a little, and going back
costs a lot, so a letter is split into sections the way a reader would split it, and
``section_order`` fires only when the evidence for going back is strong.

A sentence can do two jobs ("We cannot approve the loan; you are welcome to reapply in June"): a
section the path skipped counts as present where one of its sentences gives it strong evidence.
Every found section gets a confidence, the best probability among its sentences; the best evidence
for a section that was not found is kept too, so a weak case is reported as "could not confirm".
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left

import numpy as np

from ..letter import Letter
from ..text import WORD_CLASS, sentences
from .doc import Doc
from .meaning import MeaningModel, Scores
from .verdict import Span

_LINE = re.compile(r"[^\n]*\n?")
_PARA_BREAK = re.compile(r"\n\s*\n")
_WORDS = re.compile(rf"[{WORD_CLASS}]+")

CUE_BONUS = 2.0        # log-odds added to a section whose cue phrase the sentence holds
NO_MODEL_MISS = -6.0   # without a model: log-evidence for a section whose cue is absent
CHANGE_IN_PARA = -1.0  # changing section inside a paragraph
SKIP = -0.4            # per section of the guide skipped over
BACK = -6.0            # going back to an earlier section of the guide
NOT_CALLED_FOR = -1.5  # log-prior of a section the facts do not call for
SHARED = 0.3           # a sentence gives a skipped section this much probability: it does that job too
PREAMBLE_LINES = 3     # a greeting is looked for this many lines down (a date or subject line may come first)
LETTERHEAD_LINES = 14  # or this many, when every line before it is a letterhead's (names, addresses, a date, a subject)
LETTERHEAD_WORDS = 14  # a letterhead line has at most this many words
NOTE_LINES = 3         # parenthesised notes are looked for among the last lines
SIGN_OFF_WORDS = 7     # a sign-off shaped line has at most this many words
NAME_LINE_WORDS = 9    # a signature line has at most this many words


def from_letter(doc: Doc, letter: Letter) -> None:
    """Record the spans of a structured letter's sections, and how well each does its job."""
    text, spans = letter.render()
    doc.sections = {sid: [span] for sid, span in spans.items() if letter.sections.get(sid, "").strip()}
    if letter.greeting.strip():
        doc.greeting = (0, len(letter.greeting.strip()))
    if letter.sign_off.strip():
        start = text.find(letter.sign_off.strip())
        doc.sign_off = (start, start + len(letter.sign_off.strip())) if start >= 0 else None
    model = doc.model
    body = _body_ids(doc)
    if model is None or doc.layout_key not in model.layouts:
        return
    cues = _cue_starts(doc, body)
    for sid, parts in doc.sections.items():
        if sid not in body:
            continue
        units = sentences(doc.norm, parts[0][0], parts[0][1], doc.lang.tokenizer, doc.lang.abbreviations)
        scored = list(zip(units, model.score_all([doc.norm[a:b] for a, b in units]), strict=True))
        doc.units += scored
        probs = [_masked(doc, scores, body, span, cues) for span, scores in scored]
        for k, other in enumerate(body):
            best = max((p[k] for p in probs), default=0.0)
            if other == sid:
                doc.confidence[sid] = best
            else:
                doc.evidence[other] = max(doc.evidence.get(other, 0.0), best)


def _lines(text: str) -> list[Span]:
    spans, pos = [], 0
    for match in _LINE.finditer(text):
        if match.start() == len(text) and not match.group():
            break
        line = match.group().rstrip("\n")
        spans.append((pos, pos + len(line)))
        pos = match.end()
    return spans


def _words(text: str) -> int:
    return len(_WORDS.findall(text))


def _name_line(text: str, abbreviations: frozenset[str] = frozenset()) -> bool:
    """A line that can be part of a signature: short, no sentence inside it ("Crumb & Co. Bakery" has none)."""
    line = text.strip()
    return _no_sentence(line, abbreviations, NAME_LINE_WORDS) and any(ch.isalpha() for ch in line) \
        and not line.endswith(":")


def _letterhead_line(text: str, abbreviations: frozenset[str]) -> bool:
    """A line of a letterhead or address block: short, no sentence in it ("C/ Julián Ceballos, 22, 3.º B",
    "14 March 2026", "Re: your claim 4471")."""
    return _no_sentence(text.strip(), abbreviations, LETTERHEAD_WORDS)


def _no_sentence(line: str, abbreviations: frozenset[str], most_words: int) -> bool:
    """A stripped line of 1 to ``most_words`` words in which no sentence ends (an abbreviation's full stop
    ends none), not a question or an exclamation."""
    line = _without(line, abbreviations)
    return 0 < _words(line) <= most_words and not re.search(r"[.!?।](\s|$)", line.rstrip(".")) \
        and not line.endswith(("?", "!"))


def _without(line: str, abbreviations: frozenset[str]) -> str:
    """The line without the pack's abbreviations (their full stops end no sentence)."""
    if not abbreviations or "." not in line:
        return line
    return " ".join(w for w in line.split() if w.casefold().lstrip("(\"'") not in abbreviations)


def _sign_off_shaped(text: str) -> bool:
    """'With my sincere apologies,': a short line that ends in a comma."""
    line = text.strip()
    return line.endswith((",", "،")) and 0 < _words(line) <= SIGN_OFF_WORDS


def locate(doc: Doc) -> None:
    """Locate greeting, sign-off, signature, cc and body sections in ``doc.text``."""
    text, lang = doc.norm, doc.lang
    lines = [s for s in _lines(text) if text[s[0] : s[1]].strip()]
    if not lines:
        return
    body_start, body_end = 0, len(text)
    opening = _opening(doc, lines)
    if opening:  # lines before the greeting: a letterhead, a date or subject line, or a note to the user
        doc.notes += [s for s in lines[:opening] if _note_to_user(text[s[0] : s[1]])]
        lines = lines[opening:]
    doc.notes += [s for s in lines[-NOTE_LINES:] if _postscript(text[s[0] : s[1]])]
    if lang.greeting and lang.greeting.match(text, lines[0][0], lines[0][1]):
        doc.greeting = lines[0]
        body_start = lines[0][1]
    elif len(lines) > 1 and _sign_off_shaped(text[lines[0][0]:lines[0][1]]) and _words(text[lines[0][0]:lines[0][1]]) <= 5:
        doc.greeting = lines[0]  # "Sam," / "Estimada Sra. Ruiz," opens the letter
        body_start = lines[0][1]
    cc_lines = [s for s in lines if lang.cc and lang.cc.match(text, s[0], s[1])]
    if cc_lines:
        doc.sections[next(iter(doc.layout.with_role("cc")), "cc")] = [(cc_lines[0][0], cc_lines[-1][1])]
        body_end = min(body_end, cc_lines[0][0])
    signature_ids = doc.layout.with_role("signature")
    tail = [s for s in lines if s[1] <= body_end and s[0] >= body_start]
    sign = _find_sign_off(doc, tail)
    if sign is not None:
        doc.sign_off = sign
        after = [s for s in tail if sign[1] <= s[0]]
        if after and signature_ids:
            doc.sections[signature_ids[0]] = [(after[0][0], after[-1][1])]
        body_end = sign[0]
    elif signature_ids:
        block = _trailing_name_block(doc, tail)
        if block:
            doc.sections[signature_ids[0]] = [(block[0][0], block[-1][1])]
            body_end = block[0][0]
    _assign_body(doc, body_start, body_end)


def _opening(doc: Doc, lines: list[Span]) -> int | None:
    """The index of the greeting line: among the first lines, or below a letterhead (never below sentences)."""
    text, lang = doc.norm, doc.lang
    if lang.greeting is None:
        return None
    opening = next((i for i, s in enumerate(lines[:LETTERHEAD_LINES + 1]) if lang.greeting.match(text, s[0], s[1])), None)
    if opening and opening > PREAMBLE_LINES and not all(_letterhead_line(text[a:b], lang.abbreviations)
                                                        for a, b in lines[:opening]):
        return None  # a "Dear ..." well into the text, after sentences: not the opening of the letter
    return opening


def _note_to_user(line: str) -> bool:
    """'Here is the letter, written to the guide:': a sentence to the user that introduces the letter."""
    line = line.strip()
    return (line.endswith(":") and (_words(line) >= 4 or len(line) >= 20)) or line.endswith("!")


def _postscript(line: str) -> bool:
    """'(Note: adjust the date before sending.)': a parenthesised note after the letter."""
    line = line.strip()
    return line.startswith("(") and line.endswith(")") and ":" in line and _words(line) >= 5


def _find_sign_off(doc: Doc, lines: list[Span]) -> Span | None:
    """The sign-off line: the last listed one, else a comma-ended short line followed by name lines."""
    text, lang = doc.norm, doc.lang
    listed = next((s for s in reversed(lines) if lang.sign_off and lang.sign_off.match(text, s[0], s[1])), None)
    if listed is not None:
        return listed
    for i in range(len(lines) - 1, max(-1, len(lines) - 6), -1):
        line = text[lines[i][0] : lines[i][1]]
        rest = lines[i + 1 :]
        if _sign_off_shaped(line) and 0 < len(rest) <= 4 and all(_name_line(text[a:b], lang.abbreviations) for a, b in rest):
            return lines[i]
    return None


def _trailing_name_block(doc: Doc, lines: list[Span]) -> list[Span]:
    """With no sign-off: the last paragraph when it is 1 to 4 short name lines (a name, a title)."""
    text = doc.norm
    if len(lines) < 2:
        return []
    block: list[Span] = []
    for span in reversed(lines):
        if block and "\n\n" not in text[span[1] : block[0][0]].replace(" ", "") and len(block) < 4:
            if not _name_line(text[span[0] : span[1]], doc.lang.abbreviations):
                return []
            block.insert(0, span)
            continue
        if block:
            break
        if not _name_line(text[span[0] : span[1]], doc.lang.abbreviations):
            return []
        block.insert(0, span)
    return block if len(block) < len(lines) else []


def _body_ids(doc: Doc) -> list[str]:
    return [s.id for s in doc.layout.sections if s.role is None]


def _cue_starts(doc: Doc, body: list[str]) -> dict[str, list[int]]:
    return {sid: [s for s, _ in doc.hits.get(f"cue:{sid}", [])] for sid in body}


def _softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exp = [math.exp(v - top) for v in logits]
    total = sum(exp)
    return [v / total for v in exp]


def _masked(doc: Doc, scores: Scores, body: list[str], span: Span, cues: dict[str, list[int]]) -> list[float]:
    """Probabilities over the layout's body sections only, with cue phrases as extra evidence."""
    probs = scores.sections(doc.layout_key)
    return _softmax([math.log(max(probs.get(sid, 0.0), 1e-9)) + (CUE_BONUS if _any_within(cues[sid], span) else 0.0)
                     for sid in body])


def _units(doc: Doc, start: int, end: int) -> list[tuple[Span, int]]:
    """The body's sentences with their paragraph number."""
    units: list[tuple[Span, int]] = []
    pos, para = start, 0
    for brk in [*_PARA_BREAK.finditer(doc.norm, start, end), None]:
        stop = brk.start() if brk else end
        units += [(sent, para) for sent in sentences(doc.norm, pos, stop, doc.lang.tokenizer, doc.lang.abbreviations)]
        pos, para = (brk.end() if brk else end), para + 1
    return units


def _cue_only(cues: dict[str, list[int]], body: list[str], span: Span) -> list[float]:
    """Without a meaning model: a section's cue phrase is the only evidence."""
    return _softmax([0.0 if _any_within(cues[sid], span) else NO_MODEL_MISS for sid in body])


def _assign_body(doc: Doc, start: int, end: int) -> None:
    body = _body_ids(doc)
    units = _units(doc, start, end)
    if not body or not units:
        return
    cues = _cue_starts(doc, body)
    model: MeaningModel | None = doc.model
    if model is not None and doc.layout_key not in model.layouts:
        model = None
    if model is None:
        probs = [_cue_only(cues, body, span) for span, _ in units]
    else:
        scored = list(zip([span for span, _ in units],
                          model.score_all([doc.norm[a:b] for (a, b), _ in units]), strict=True))
        doc.units += scored
        probs = [_masked(doc, scores, body, span, cues) for span, scores in scored]
    prior = _priors(doc, body)
    path = _viterbi(np.log(np.maximum(np.array(probs), 1e-9)) + prior, [p for _, p in units])
    for (span, _), k in zip(units, path, strict=True):
        doc.sections.setdefault(body[k], []).append(span)
    if model is not None:  # cues alone give no confidence to report
        _confidence(doc, body, units, probs, path, prior)


def _priors(doc: Doc, body: list[str]) -> np.ndarray:
    """Log-prior per section: one the facts say is not called for (a ``remedy`` when it was not the
    company's fault, a ``referral`` when the relationship goes on) is less likely to be there."""
    prior = np.zeros(len(body))
    if doc.facts is None:
        return prior
    for k, sid in enumerate(body):
        spec = next(s for s in doc.layout.sections if s.id == sid)
        if spec.required_when and not doc.facts.is_set(spec.required_when):
            prior[k] = NOT_CALLED_FOR
    return prior


def _confidence(doc: Doc, body: list[str], units: list[tuple[Span, int]], probs: list[list[float]],
                path: list[int], prior: np.ndarray) -> None:
    """Each found section's confidence; for the others, the best evidence (a shared sentence may do the job)."""
    for k, sid in enumerate(body):
        mine = [probs[t][k] for t, j in enumerate(path) if j == k]
        if mine:
            doc.confidence[sid] = max(mine)
            continue
        best_t = max(range(len(units)), key=lambda t: probs[t][k])
        best = probs[best_t][k]
        doc.evidence[sid] = best
        if best >= SHARED and prior[k] == 0:
            doc.shared[sid] = units[best_t][0]  # that sentence does this job too
            doc.confidence[sid] = best


def _viterbi(emit: np.ndarray, paras: list[int]) -> list[int]:
    """The best section for each sentence under the guide's order (``emit``: sentences x sections)."""
    n, k = emit.shape
    idx = np.arange(k)
    diff = idx[None, :] - idx[:, None]  # from i (rows) to j (columns)
    forward = np.where(diff > 0, SKIP * (diff - 1), 0.0)
    back = np.where(diff < 0, BACK, 0.0)
    change = (diff != 0).astype(float)
    trans_break = forward + back
    trans_para = forward + back + CHANGE_IN_PARA * change
    score = emit[0] + SKIP * idx
    pointers = np.zeros((n, k), dtype=int)
    for t in range(1, n):
        trans = trans_break if paras[t] != paras[t - 1] else trans_para
        total = score[:, None] + trans
        pointers[t] = total.argmax(axis=0)
        score = total.max(axis=0) + emit[t]
    path = [int(score.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(pointers[t][path[-1]]))
    return path[::-1]


def _any_within(starts: list[int], span: Span) -> bool:
    """True when a sorted list of positions has one inside ``span``."""
    i = bisect_left(starts, span[0])
    return i < len(starts) and starts[i] < span[1]
