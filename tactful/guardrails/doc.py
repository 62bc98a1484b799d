"""The letter as the checks see it: its text, a same-length normalised view, and where each part is."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from ..catalog import Catalog, Lang, RuleSpec, StageSpec
from ..letter import Facts
from ..text import normalise
from .meaning import MeaningModel, Scores, model_of
from .verdict import Span, Violation


@dataclass
class Doc:
    """Everything a check needs; built once per letter."""

    text: str
    catalog: Catalog
    lang: Lang
    kind: str
    layout: StageSpec
    facts: Facts | None
    sections: dict[str, list[Span]] = field(default_factory=dict)
    # sections found inside a sentence the decoder gave to another section (it does both jobs)
    shared: dict[str, Span] = field(default_factory=dict)
    greeting: Span | None = None
    sign_off: Span | None = None
    norm: str = ""
    structured: bool = False
    notes: list[Span] = field(default_factory=list)  # lines addressed to the user, not the customer (ai_artifact)
    layout_key: str = ""  # "bad_news", "complaint_reply.resolution": which of the model's section softmaxes applies
    # how sure the section finder is that each found section does its job (0 to 1), and the best
    # evidence for sections it did not find (so a weak absence is "could not confirm", not "missing")
    confidence: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, float] = field(default_factory=dict)
    # the body's sentences with their meaning scores (empty when the language has no model)
    units: list[tuple[Span, Scores]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)

    @cached_property
    def model(self) -> MeaningModel | None:
        """The language's meaning model (looked up once per letter)."""
        return model_of(self.lang)

    @cached_property
    def hits(self) -> dict[str, list[Span]]:
        """Every phrase match in the letter, by owner (``rule:<id>``, ``cue:<section>``), in one pass."""
        return self.lang.index.scan(self.norm)

    @cached_property
    def owned(self) -> list[Span]:
        """Where the letter owns a fault in the first person (the pack's ``owning`` words), found once."""
        return self.matches("owning", self.lang.owning)

    def matches(self, owner: str, patterns: list[re.Pattern[str]]) -> list[Span]:
        """Non-overlapping spans of an owner's indexed phrases plus ``patterns``, in text order."""
        spans = list(self.hits.get(owner, []))
        for pattern in patterns:
            spans += [m.span() for m in pattern.finditer(self.norm) if m.end() > m.start()]
        out: list[Span] = []
        for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
            if not out or start >= out[-1][1]:
                out.append((start, end))
        return out

    def span_of(self, section_id: str) -> Span | None:
        """The span from the section's first part to its last, if present."""
        parts = self.parts_of(section_id)
        return (parts[0][0], parts[-1][1]) if parts else None

    def parts_of(self, section_id: str) -> list[Span]:
        """Where the section was found: its own sentences, or the sentence it shares with another."""
        if section_id in self.sections:
            return self.sections[section_id]
        return [self.shared[section_id]] if section_id in self.shared else []

    def present(self, section_id: str) -> bool:
        return section_id in self.sections or section_id in self.shared

    def section_at(self, pos: int) -> str | None:
        """The section containing character ``pos``."""
        starts, owners, longest = self._part_index
        i = bisect_right(starts, pos) - 1
        while i >= 0 and starts[i] + longest > pos:
            start, end, section_id = owners[i]
            if start <= pos < end:
                return section_id
            i -= 1
        return None

    @cached_property
    def _part_index(self) -> tuple[list[int], list[tuple[int, int, str]], int]:
        """Every section part sorted by start, and the longest part's length (sections are final by then)."""
        owners = sorted((s, e, sid) for sid, parts in self.sections.items() for s, e in parts)
        return [s for s, _, _ in owners], owners, max((e - s for s, e, _ in owners), default=0)

    def violation(self, rule_id: str, rule: RuleSpec, message: str, span: Span | None,
                  section: str | None = None) -> Violation:
        """A violation of ``rule`` at ``span`` (its section found from the span when not given)."""
        if section is None and span is not None:
            section = self.section_at(span[0])
        return Violation(rule=rule_id, severity=rule.severity, message=message, section=section, span=span)
