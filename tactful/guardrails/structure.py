"""Structure checks: required sections, their order, the signature and the length budget."""

from __future__ import annotations

from ..catalog import RuleSpec
from ..letter import SIGNATURE_IDS
from ..text import nfc, normalise, word_count
from .doc import Doc
from .registry import check_kind
from .verdict import Violation


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
    """A required section that is absent (the signature is ``missing_signature``'s job)."""
    out = []
    for spec in doc.layout.sections:
        if spec.id in SIGNATURE_IDS or spec.id in doc.sections or not required(doc, spec.id):
            continue
        message = doc.lang.message(rule_id, rule.message).format(section=spec.id, purpose=spec.purpose)
        out.append(doc.violation(rule_id, rule, message, None, section=spec.id))
    return out


@check_kind("order")
def order(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """A section that appears after one the guide puts later."""
    rank = {sid: i for i, sid in enumerate(doc.layout.section_ids)}
    present = sorted((doc.sections[sid][0][0], sid) for sid in doc.sections if sid in rank and sid != "cc")
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
    sid = next((s for s in doc.layout.section_ids if s in SIGNATURE_IDS), "signature")
    span = doc.span_of(sid)
    text = doc.norm[span[0] : span[1]] if span else ""
    if not any(ch.isalpha() for ch in text):
        return [doc.violation(rule_id, rule, doc.lang.message(rule_id, rule.message), None, section=sid)]
    if doc.facts is None:
        return []
    name = doc.facts.sender.name
    if " ".join(normalise(nfc(name)).casefold().split()) in " ".join(text.casefold().split()):
        return []
    template = rule.message_owner if sid == "owner_signature" else rule.message_sender
    message = (template or rule.message).format(owner=name, sender=name)
    return [doc.violation(rule_id, rule, message, span, section=sid)]


@check_kind("length")
def length(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """More words than the kind's budget (scaled per language)."""
    words = word_count(doc.text, doc.lang.tokenizer)
    limit = round(doc.layout.max_words * doc.lang.pack.word_budget_factor)
    if words <= limit:
        return []
    message = doc.lang.message(rule_id, rule.message).format(words=words, limit=limit)
    return [doc.violation(rule_id, rule, message, (0, len(doc.text)), section=None)]
