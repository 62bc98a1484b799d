"""Human-readable rendering of verdicts for the terminal."""

from __future__ import annotations

from .catalog import load
from .guardrails import Verdict

MARK = {True: "✓", False: "✗"}



def excerpt(text: str, span: tuple[int, int] | None, width: int = 70) -> str:
    """The spanned text on one line, shortened to ``width``."""
    if span is None:
        return ""
    piece = " ".join(text[span[0] : span[1]].split())
    return piece if len(piece) <= width else piece[: width - 1] + "…"


def render_verdict(verdict: Verdict, name: str) -> str:
    """A short report: verdict line, sections found, then each violation with its text."""
    head = "PASSED" if verdict.passed else "FAILED"
    stage = f", {verdict.stage}" if verdict.stage else ""
    errors = len(verdict.errors)
    warnings = len(verdict.violations) - errors
    lines = [f"{name}: {head} ({verdict.kind}{stage}, {verdict.lang}) - {errors} error(s), {warnings} warning(s)"]
    lines.append("  sections (where each was found, and how sure the checker is):")
    width = max((len(s.id) for s in verdict.sections), default=0)
    unsure = load().rules["missing_section"].confirm  # under it, missing_section "could not confirm" the section
    for s in verdict.sections:
        sure = "" if s.confidence is None or not s.present else f"{s.confidence:.2f}"
        mark = MARK[s.present] if not (s.present and s.confidence is not None and s.confidence < unsure) else "?"
        where = excerpt(verdict.text, s.parts[0], 50) if s.parts else ("not found" if not s.present else "")
        lines.append(f"    {mark} {s.id:<{width}}  {sure:>4}  {where}")
    for v in verdict.violations:
        where = f" [{v.section}]" if v.section else ""
        span = f" @{v.span[0]}-{v.span[1]}" if v.span else ""
        severity = "unsure" if v.unsure else v.severity
        lines.append(f"  {severity:<7} {v.rule}{where}{span}: {v.message}")
        text = excerpt(verdict.text, v.span)
        if text and v.rule not in {"too_long", "wrong_language"}:
            lines.append(f"          “{text}”")
    if verdict.skipped:
        lines.append("  skipped (no --facts given): " + ", ".join(verdict.skipped))
    return "\n".join(lines)
