"""One eval cell's result: a line of ``results.jsonl`` (a contract), typed.

A row is written with only the fields that were set, so a cell that ended in an error carries
its cell, case and error fields and nothing made up; read back, the rest take their defaults.
Rows of an older run with fields this version no longer writes still read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..repair import TokenUsage


class Expectation(BaseModel):
    """One expectation of the case file, met or not."""

    name: str
    ok: bool
    detail: str = ""


class CellResult(BaseModel):
    """A cell: which case, prompt, model and tone, and how its guarded draft scored."""

    model_config = ConfigDict(extra="ignore")

    cell: str
    case: str
    kind: str = ""
    lang: str = ""
    stage: str | None = None
    prompt_version: str = ""
    prompt_digest: str = ""
    provider: str = ""
    model: str = ""
    tone: str = ""
    repeat: int = 0
    error: str | None = None  # why the cell has no score (the model could not be reached, a bad case...)
    error_type: str | None = None
    passed: bool = False
    violations: dict[str, int] = Field(default_factory=dict)  # rule -> how many
    errors: int = 0
    warnings: int = 0
    sections_present: list[str] = Field(default_factory=list)
    expectations: list[Expectation] = Field(default_factory=list)
    expectations_met: bool = False
    facts_covered: float = 1.0
    words: int = 0
    attempts: int = 0
    model_calls: int = 0
    stop_reason: str = ""
    latency_ms: float | None = None
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None
    letter: str = ""
    report: dict[str, Any] | None = None  # the verdict (``Verdict.to_json``)
    rubric: dict[str, Any] | None = None  # the judge model's grades, or {"error": ...}

    @property
    def ok(self) -> bool:
        """A cell scores when it passed the guardrails and met every expectation."""
        return not self.error and self.passed and self.expectations_met

    def line(self) -> str:
        """The ``results.jsonl`` line (the fields that were set)."""
        return self.model_dump_json(exclude_unset=True)
