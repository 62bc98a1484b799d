"""The one rule engine: ``check(letter, kind=..., lang=...) -> Verdict``.

Violations are values; severity decides pass. The checker is a pure function of the
letter, kind, stage, language, facts and the catalog (no I/O), so the drafting layer, the
repair loop, the eval suite, the app and ``tactful check`` all judge letters the same way.
A structured ``Letter`` brings its own sections; a plain string is located first (see
``sections.py``). Rules that need facts are skipped, and listed in ``Verdict.skipped``,
when no facts are given.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import Catalog, load
from ..letter import Facts, Letter
from ..text import aligned, nfc, no_surrogates
from . import grounding, language, phrases, structure  # noqa: F401  (register the check kinds)
from .doc import Doc
from .registry import CHECKS
from .sections import from_letter, locate
from .verdict import SectionHit, Span, Verdict, Violation

__all__ = ["SectionHit", "Verdict", "Violation", "check"]


def check(
    letter: Letter | str,
    *,
    kind: str,
    lang: str,
    stage: str | None = None,
    facts: Facts | None = None,
    catalog: Catalog | None = None,
) -> Verdict:
    """Judge one letter against its kind's guide and every rule for its language."""
    catalog = catalog or load()
    kind_spec = catalog.kind(kind)
    layout = kind_spec.stage(stage)
    stage_name = (stage or kind_spec.default_stage) if kind_spec.stages else None
    raw = no_surrogates(letter.text if isinstance(letter, Letter) else letter)
    text, offsets = aligned(raw)
    if isinstance(letter, Letter) and offsets is not None:  # spans come from the rendered letter: render it clean
        letter = Letter.model_validate({k: _clean(v) for k, v in letter.model_dump().items()})
        raw = text = letter.text
        offsets = None
    doc = Doc(text=text, catalog=catalog, lang=catalog.lang(lang), kind=kind, layout=layout, facts=facts,
              layout_key=f"{kind}.{stage_name}" if stage_name else kind)
    if isinstance(letter, Letter):
        doc.structured = True
        from_letter(doc, letter)
    else:
        locate(doc)
    violations: list[Violation] = []
    skipped: list[str] = []
    for rule_id, rule in catalog.rules.items():
        if not rule.applies(kind):
            continue
        if rule.needs_facts and facts is None:
            skipped.append(rule_id)
            continue
        violations.extend(CHECKS[rule.check](doc, rule_id, rule))
    if facts is None and any(s.required_when for s in layout.sections):
        skipped.append("missing_section (sections required only by facts)")
    violations = _without_knock_on(violations, skipped)
    if facts is not None:
        violations = _traced_to_facts(doc, violations, facts)
    violations.sort(key=lambda v: (v.span[0] if v.span else -1, v.rule))
    back = _mapper(offsets)
    hits = [SectionHit(id=s.id, present=doc.present(s.id), span=back(doc.span_of(s.id)),
                       parts=[p for part in doc.parts_of(s.id) if (p := back(part))],
                       confidence=_rounded(doc.confidence.get(s.id, doc.evidence.get(s.id))))
            for s in layout.sections]
    if offsets is not None:
        violations = [v.model_copy(update={"span": back(v.span)}) for v in violations]
    return Verdict(kind=kind, lang=lang, stage=stage_name, text=raw, sections=hits,
                   violations=violations, skipped=skipped)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return aligned(value)[0]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _mapper(offsets: list[int] | None) -> Callable[[Span | None], Span | None]:
    """Spans in the checked text -> spans in the user's own text."""

    def back(span: Span | None) -> Span | None:
        if span is None or offsets is None:
            return span
        return (offsets[span[0]], offsets[span[1]])

    return back


WORDING_RULES = frozenset({"blame_shifting", "excuse_making", "false_hope", "unkeepable_promise", "euphemism",
                           "exaggeration", "over_apology"})
FACT_MIN_CHARS = 12


def _traced_to_facts(doc: Doc, violations: list[Violation], facts: Facts) -> list[Violation]:
    """A wording fault inside text the letter quotes from a fact names that fact: only the user can rephrase it."""
    low = doc.norm.casefold()
    quoted: list[tuple[int, int, str]] = []
    for name, value in facts.named_strings():
        needle = " ".join(nfc(value).casefold().split()).rstrip(".")
        if len(needle) < FACT_MIN_CHARS:
            continue
        start = low.find(needle)
        while start >= 0:
            quoted.append((start, start + len(needle), name))
            start = low.find(needle, start + 1)
    if not quoted:
        return violations
    out = []
    for v in violations:
        if v.rule in WORDING_RULES and v.span:
            field = next((n for s, e, n in quoted if s <= v.span[0] < e or v.span[0] <= s < v.span[1]), None)
            if field:
                v = v.model_copy(update={"fact": field, "message": f"{v.message} It comes from the case facts "
                                         f"(“{field}”): rephrase it there."})
        out.append(v)
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# What can still be judged in a letter written in another language than the one asked for.
LANGUAGE_NEUTRAL = frozenset({"wrong_language", "placeholder", "ai_artifact", "too_long"})


def _without_knock_on(violations: list[Violation], skipped: list[str]) -> list[Violation]:
    """Drop violations that only follow from another one, so the report names the real problem.

    A letter in the wrong language cannot have its sections, names or wording judged; a template
    leftover ("[Customer Name]") is a placeholder, not also an invented name.
    """
    if any(v.rule == "wrong_language" and v.section is None for v in violations):
        skipped.append("structure, grounding and wording (the letter is in another language)")
        return [v for v in violations if v.rule in LANGUAGE_NEUTRAL]
    holes = [v.span for v in violations if v.rule == "placeholder" and v.span]
    return [v for v in violations if not (v.rule == "ungrounded_detail" and v.span and
                                          any(s < v.span[1] and v.span[0] < e for s, e in holes))]
