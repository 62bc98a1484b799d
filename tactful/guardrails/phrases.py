"""Pattern and meaning checks: phrases and regexes from the language pack, and the meaning model.

A rule is recognised two ways. The pack's phrases and regexes (and universal ones from the rule
file) are exact evidence. The meaning model (``meaning.py``), taught by each language's labelled
``flag``/``pass`` sentences, scores every sentence of the body for the rule, so paraphrases no
list holds are caught ("the courier company we use delivered on the wrong round"). A sentence
whose probability reaches the rule's ``threshold`` is a violation; one between ``unsure_at`` and
the threshold is a warning that says the checker is not sure. A phrase hit inside a sentence
the model is sure does not commit the fault (under the rule's ``veto``) is a look-alike and
is dropped ("our driver left it in the rain, and that was our failure" owns the fault). For
rules with ``owned_by_admission``, an unsure finding in a sentence holding the pack's
``owning`` words ("the delay was because we did not order the part in time") is dropped too.
"""

from __future__ import annotations

from ..catalog import RuleSpec
from .doc import Doc
from .registry import check_kind
from .verdict import Span, Violation

EXCERPT = 90


def _facts_text(doc: Doc) -> str:
    return " ".join(doc.facts.strings()).casefold() if doc.facts else ""


def _learned(doc: Doc, rule_id: str, rule: RuleSpec) -> list[tuple[Span, float]]:
    """Every body sentence with the model's probability that it commits ``rule_id``.

    Only the sections the rule names in ``learned_sections`` are read by the model (an excuse
    is made where a letter explains, not where it proposes a meeting); elsewhere a sentence
    is not scored and only the phrase lists apply.
    """
    where = rule.learned_sections
    return [(span, scores.rules[rule_id]) for span, scores in doc.units
            if rule_id in scores.rules and (where is None or doc.section_at(span[0]) in where)]


def _threshold(doc: Doc, rule_id: str, rule: RuleSpec) -> float:
    if rule.threshold is not None:
        return rule.threshold
    model = doc.model
    return model.thresholds.get(rule_id, 0.5) if model is not None else 1.01


def _excerpt(text: str) -> str:
    piece = " ".join(text.split())
    return piece if len(piece) <= EXCERPT else piece[: EXCERPT - 1] + "…"


def _inside(span: Span, units: list[tuple[Span, float]]) -> float | None:
    for (start, end), prob in units:
        if start <= span[0] < end:
            return prob
    return None


def _in_facts(doc: Doc, span: Span, backed: str) -> bool:
    """A sentence the facts themselves say (the guarantee is the company's own, in writing)."""
    return bool(backed) and " ".join(doc.norm[span[0] : span[1]].casefold().split()) in backed


@check_kind("phrases")
def phrases(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Every match of the rule's patterns, and every sentence the model flags, is a violation.

    A sentence shorter than ``min_chars`` is left to the phrase lists: a few words give the model
    too little to judge ("The fault was mine." is not blame), and stock short faults ("It was
    not our fault.") are in the lists.
    """
    backed = _facts_text(doc) if rule.unless_in_facts else ""
    learned = _learned(doc, rule_id, rule)
    judged = [u for u in learned if u[0][1] - u[0][0] >= rule.min_chars]  # long enough for the model
    out = []
    for start, end in doc.matches(f"rule:{rule_id}", doc.lang.regexes.get(rule_id, [])):
        found = doc.text[start:end]
        if backed and doc.norm[start:end].casefold() in backed:
            continue
        prob = _inside((start, end), judged)
        if prob is not None and prob < rule.veto:
            continue  # a look-alike: the model is sure this (long enough) sentence does not commit the fault
        message = doc.lang.message(rule_id, rule.message).format(match=found.strip())
        out.append(doc.violation(rule_id, rule, message, (start, end)))
    hit = [v.span for v in out if v.span]
    owned = doc.owned if rule.owned_by_admission else []
    threshold = _threshold(doc, rule_id, rule)
    # an unsure band only for blocking rules: a warning rule's warning is already "check this"
    unsure_at = min(rule.unsure_at, threshold) if rule.severity == "error" else threshold
    for span, prob in judged:
        if prob < unsure_at or any(span[0] <= s < span[1] for s, _ in hit) or _in_facts(doc, span, backed):
            continue
        found = _excerpt(doc.text[span[0] : span[1]])
        if prob >= threshold:
            message = doc.lang.message(rule_id, rule.message).format(match=found)
            out.append(doc.violation(rule_id, rule, message, span))
        elif any(span[0] <= s < span[1] for s, _ in owned):
            continue  # unsure, and the sentence owns the fault in the first person ("we did not order it in time")
        else:  # the evidence is real but not conclusive: say so, and let the writer judge
            message = (rule.message_unsure or rule.message).format(match=found)
            out.append(doc.violation(rule_id, rule, message, span).as_unsure())
    return sorted(out, key=lambda v: v.span or (0, 0))


@check_kind("count")
def count(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Over-use: more counted sentences than the kind allows; plus phrases that are too much on their own.

    An apology is counted by meaning: each body sentence the model reads as an apology counts
    once (or once per counted pattern in it, when it holds several), as does each counted
    pattern outside the body's sentences (a sign-off "With apologies,").
    """
    out = []
    for start, end in doc.matches(f"rule:{rule_id}", doc.lang.regexes.get(rule_id, [])):
        found = doc.text[start:end]
        message = (rule.message_phrase or rule.message).format(match=found, count="", limit="")
        out.append(doc.violation(rule_id, rule, message, (start, end)))
    patterns = doc.matches(f"count:{rule_id}", doc.lang.counters.get(rule_id, []))
    learned = _learned(doc, rule_id, rule)
    counted: list[Span] = []
    threshold = _threshold(doc, rule_id, rule)
    for span, prob in learned:
        inside = [p for p in patterns if span[0] <= p[0] < span[1]]
        if len(inside) > 1:  # "Sorry again, and please forgive us": each counted pattern is one apology
            counted += inside
        elif prob >= threshold or inside:
            counted.append(inside[0] if inside else span)
    counted += [s for s in patterns if _inside(s, learned) is None]
    counted.sort()
    limit = doc.layout.max_apologies
    if len(counted) > limit:
        message = doc.lang.message(rule_id, rule.message).format(count=len(counted), limit=limit)
        out.append(doc.violation(rule_id, rule, message, counted[limit]))
    return out


@check_kind("artifact")
def artifact(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """The rule's phrases, plus lines the section finder read as notes to the user, not the letter:
    a sentence ending in a colon before the greeting, a parenthesised note after the signature."""
    out = phrases(doc, rule_id, rule)
    for span in doc.notes:
        if not any(v.span and v.span[0] < span[1] and span[0] < v.span[1] for v in out):
            found = _excerpt(doc.text[span[0] : span[1]])
            out.append(doc.violation(rule_id, rule, doc.lang.message(rule_id, rule.message).format(match=found), span))
    return sorted(out, key=lambda v: v.span or (0, 0))
