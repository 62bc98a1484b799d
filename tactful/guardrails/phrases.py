"""Pattern checks: phrases and regexes from the language pack (and universal ones from the rule)."""

from __future__ import annotations

from ..catalog import RuleSpec
from .doc import Doc
from .registry import check_kind
from .verdict import Violation


def _facts_text(doc: Doc) -> str:
    return " ".join(doc.facts.strings()).casefold() if doc.facts else ""


@check_kind("phrases")
def phrases(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Every match of the rule's patterns is a violation (unless the facts back it)."""
    pattern = doc.lang.patterns.get(rule_id)
    if pattern is None:
        return []
    backed = _facts_text(doc) if rule.unless_in_facts else ""
    out = []
    for match in pattern.finditer(doc.norm):
        found = doc.text[match.start() : match.end()]
        if backed and match.group().casefold() in backed:
            continue
        message = doc.lang.message(rule_id, rule.message).format(match=found.strip())
        out.append(doc.violation(rule_id, rule, message, (match.start(), match.end())))
    return out


@check_kind("count")
def count(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Over-use: more counted matches than the kind allows; plus phrases that are too much on their own."""
    out = []
    pattern = doc.lang.patterns.get(rule_id)
    if pattern is not None:
        for match in pattern.finditer(doc.norm):
            found = doc.text[match.start() : match.end()]
            message = (rule.message_phrase or rule.message).format(match=found, count="", limit="")
            out.append(doc.violation(rule_id, rule, message, (match.start(), match.end())))
    counter = doc.lang.counters.get(rule_id)
    if counter is None:
        return out
    hits = list(counter.finditer(doc.norm))
    limit = doc.layout.max_apologies
    if len(hits) > limit:
        first_extra = hits[limit]
        message = doc.lang.message(rule_id, rule.message).format(count=len(hits), limit=limit)
        out.append(doc.violation(rule_id, rule, message, (first_extra.start(), first_extra.end())))
    return out
