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
    backed = _facts_text(doc) if rule.unless_in_facts else ""
    out = []
    for start, end in doc.matches(f"rule:{rule_id}", doc.lang.regexes.get(rule_id, [])):
        found = doc.text[start:end]
        if backed and doc.norm[start:end].casefold() in backed:
            continue
        message = doc.lang.message(rule_id, rule.message).format(match=found.strip())
        out.append(doc.violation(rule_id, rule, message, (start, end)))
    return out


@check_kind("count")
def count(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Over-use: more counted matches than the kind allows; plus phrases that are too much on their own."""
    out = []
    for start, end in doc.matches(f"rule:{rule_id}", doc.lang.regexes.get(rule_id, [])):
        found = doc.text[start:end]
        message = (rule.message_phrase or rule.message).format(match=found, count="", limit="")
        out.append(doc.violation(rule_id, rule, message, (start, end)))
    counted = doc.matches(f"count:{rule_id}", doc.lang.counters.get(rule_id, []))
    limit = doc.layout.max_apologies
    if len(counted) > limit:
        message = doc.lang.message(rule_id, rule.message).format(count=len(counted), limit=limit)
        out.append(doc.violation(rule_id, rule, message, counted[limit]))
    return out
