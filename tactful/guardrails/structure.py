"""Structure checks: required sections, their order, the signature and the length budget."""

from __future__ import annotations

import re

from ..catalog import RuleSpec
from ..text import WORD_CLASS, nfc, normalise, word_count
from .doc import Doc
from .registry import check_kind
from .verdict import Violation

SHARED_ORDER = 0.5


def required(doc: Doc, section_id: str) -> bool | None:
    """Whether the kind requires the section for these facts (None: cannot tell without facts)."""
    spec = next(s for s in doc.layout.sections if s.id == section_id)
    if spec.required:
        return True
    if spec.required_when is None:
        return False
    if doc.facts is None:
        return None
    return doc.facts.is_set(spec.required_when)


@check_kind("sections")
def missing(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """A required section that is absent, or whose text does not do its job.

    The section finder's confidence decides how sure the report is: a section found with
    confidence under ``confirm`` is a warning ("could not confirm"), as is an absent section
    for which some sentence gives at least ``weak`` evidence; only a section with no real
    evidence at all is an error. A structured section whose text gives its own job less than
    ``wrong_job`` evidence is an error too: the key is there, the section is not.
    """
    out = []
    for spec in doc.layout.sections:
        if spec.role == "signature" or not required(doc, spec.id):
            continue
        fmt = {"section": spec.id, "purpose": spec.purpose}
        if doc.present(spec.id):
            confidence = doc.confidence.get(spec.id)
            if confidence is None or confidence >= rule.confirm:
                continue
            span = doc.span_of(spec.id)
            if doc.structured and confidence < rule.wrong_job:
                message = (rule.message_wrong_job or rule.message).format(**fmt)
                out.append(doc.violation(rule_id, rule, message, span, section=spec.id))
            else:
                unsure = (rule.message_unsure or rule.message).format(**fmt)
                out.append(doc.violation(rule_id, rule, unsure, span, section=spec.id).as_unsure())
            continue
        hint = f" {spec.hint}" if spec.hint else ""
        violation = doc.violation(rule_id, rule, doc.lang.message(rule_id, rule.message).format(**fmt) + hint, None,
                                  section=spec.id)
        if doc.evidence.get(spec.id, 0.0) >= rule.weak and not doc.structured:
            violation = violation.as_unsure((rule.message_unsure or rule.message).format(**fmt) + hint)
        out.append(violation)
    return out


@check_kind("order")
def order(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """A section that appears after one the guide puts later."""
    rank = {sid: i for i, sid in enumerate(doc.layout.section_ids)}
    # a section found only inside another section's sentence counts when the evidence for it is clear
    shared = {sid for sid in doc.shared if doc.confidence.get(sid, 0.0) >= SHARED_ORDER}
    present = sorted((doc.parts_of(sid)[0][0], sid) for sid in {*doc.sections, *shared} if sid in rank
                     and sid not in doc.layout.with_role("cc"))
    out = []
    latest: str | None = None
    for _, sid in present:
        if latest is not None and rank[sid] < rank[latest]:
            message = doc.lang.message(rule_id, rule.message).format(section=sid, after=latest)
            out.append(doc.violation(rule_id, rule, message, doc.span_of(sid), section=sid))
        elif latest is None or rank[sid] > rank[latest]:
            latest = sid
    return out


@check_kind("signature")
def signature(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """The letter ends with a named sender; for win_back, the owner's own name."""
    sid = next(iter(doc.layout.with_role("signature")), "signature")
    span = doc.span_of(sid)
    text = doc.norm[span[0] : span[1]] if span else ""
    if not any(ch.isalpha() for ch in text):
        return [doc.violation(rule_id, rule, doc.lang.message(rule_id, rule.message), None, section=sid)]
    if doc.facts is None:  # no name to look for: a signature that names a group ("The team at ...") is no named sender
        team = _team_line(text, doc.lang.team_words, doc.lang.tokenizer == "thai")
        if team is None:
            return []
        message = (rule.message_team or rule.message).format(line=team)
        return [doc.violation(rule_id, rule, message, span, section=sid)]
    name = doc.facts.sender.name
    if signs_as(text, name, doc.lang.honorifics | doc.lang.titles):
        return []
    template = rule.message_owner if sid == "owner_signature" else rule.message_sender
    message = (template or rule.message).format(owner=name, sender=name)
    return [doc.violation(rule_id, rule, message, span, section=sid)]


def _team_line(signature: str, team_words: frozenset[str], unspaced: bool) -> str | None:
    """The signature's name line when it begins or ends with a group's name ("The Cask & Vine Team",
    "El equipo de Lavandería Burbujas", "Pasukan Bakeri Roti Wangi", "ทีมงานร้าน…"), else None."""
    line = next((ln.strip() for ln in signature.splitlines() if ln.strip()), "")
    # before a comma: the name ("Dana Ortiz, Director of Customer Service" is signed by Dana Ortiz)
    plain = " ".join(re.sub(rf"[^{WORD_CLASS}\s&'’-]", " ", nfc(line.split(",")[0]).casefold()).split())
    for word in team_words:
        if plain == word or plain.startswith(word + " ") or plain.endswith(" " + word) \
                or (unspaced and (plain.startswith(word) or plain.endswith(word))):
            return line
    return None


def signs_as(signature: str, name: str, honorifics: frozenset[str]) -> bool:
    """True when the signature carries the sender's name, with or without their own honorific.

    People do not sign with their own "Mr", "Encik" or "คุณ", and may or may not keep a "Dr":
    the name's words that are not honorifics or titles must all be in the signature ("Encik
    Faizal Rahman" signs "Faizal Rahman"; "Dr. Rachel Osei" signs "Dr Rachel Osei").
    """
    sig = " " + " ".join(normalise(nfc(signature)).casefold().replace(",", " ").split()) + " "
    words = [w for w in normalise(nfc(name)).casefold().replace(",", " ").split() if w.rstrip(".") not in honorifics]
    if not words:
        return False
    # Thai writes คุณ/นาย glued to the name: strip a leading honorific from the first word too
    first = words[0]
    for title in sorted(honorifics, key=len, reverse=True):
        if first.startswith(title) and len(first) > len(title) and not title.isascii():
            words[0] = first[len(title):]
            break
    return all(f" {w} " in sig or (not w.isascii() and w in sig) for w in words)


@check_kind("length")
def length(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """More words than the kind's budget (scaled per language); past twice the budget, an error."""
    words = word_count(doc.text, doc.lang.tokenizer)
    limit = round(doc.layout.max_words * doc.lang.pack.word_budget_factor)
    if words <= limit:
        return []
    message = doc.lang.message(rule_id, rule.message).format(words=words, limit=limit)
    violation = doc.violation(rule_id, rule, message, (0, len(doc.text)), section=None)
    if words > 2 * limit:
        violation = violation.model_copy(update={"severity": "error", "message": (
            rule.message_far or rule.message).format(words=words, limit=limit)})
    return [violation]
