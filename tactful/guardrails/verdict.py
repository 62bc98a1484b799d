"""Result values of a check: violations are values, and severity decides whether a letter passes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Span = tuple[int, int]


class Violation(BaseModel):
    """One broken rule: its canonical ID, severity, a message for the writer, where it is."""

    model_config = ConfigDict(frozen=True)
    rule: str
    severity: Literal["error", "warning"]
    message: str
    section: str | None = None
    span: Span | None = None
    fact: str | None = None  # the case fact the faulty text was quoted from: rephrase it there
    unsure: bool = False     # the checker's evidence is real but not conclusive ("this may ...")

    def as_unsure(self, message: str | None = None) -> Violation:
        """This violation as a non-blocking "could not confirm" / "this may ..." warning."""
        update: dict[str, object] = {"severity": "warning", "unsure": True}
        if message is not None:
            update["message"] = message
        return self.model_copy(update=update)


class SectionHit(BaseModel):
    """Whether a section of the kind was found, where (each part), and how sure the checker is (0 to 1)."""

    model_config = ConfigDict(frozen=True)
    id: str
    present: bool
    span: Span | None = None
    parts: list[Span] = []
    confidence: float | None = None


class Verdict(BaseModel):
    """The checker's report on one letter."""

    kind: str
    lang: str
    stage: str | None = None
    text: str
    sections: list[SectionHit]
    violations: list[Violation]
    skipped: list[str] = []

    @property
    def passed(self) -> bool:
        """A letter passes when it has no error-severity violation."""
        return not any(v.severity == "error" for v in self.violations)

    @property
    def errors(self) -> list[Violation]:
        """The violations that block the letter."""
        return [v for v in self.violations if v.severity == "error"]

    def failing_rules(self) -> list[str]:
        """Rule IDs of the error-severity violations, sorted, without repeats."""
        return sorted({v.rule for v in self.errors})

    def to_json(self, file: str | None = None) -> dict[str, object]:
        """The `tactful check --json` shape (a contract)."""
        out: dict[str, object] = {"file": file} if file is not None else {}
        out.update(
            passed=self.passed,
            kind=self.kind,
            lang=self.lang,
            sections=[{"id": s.id, "present": s.present, "span": list(s.span) if s.span else None,
                       "parts": [list(p) for p in s.parts], "confidence": s.confidence} for s in self.sections],
            violations=[
                {"rule": v.rule, "severity": v.severity, "message": v.message, "section": v.section,
                 "span": list(v.span) if v.span else None, **({"fact": v.fact} if v.fact else {}),
                 **({"unsure": True} if v.unsure else {})}
                for v in self.violations
            ],
        )
        if self.stage:
            out["stage"] = self.stage
        if self.skipped:
            out["skipped"] = self.skipped
        return out
