"""Guarded drafting: draft, check, and repair only the failing sections, within a budget.

The repair loop is deliberately separate from the network retry policy (which only handles
transient faults). Each round lists the error-severity violations (rule, message, offending
text) and asks for new text for the failing sections only; sections that passed are pinned.
It stops when the letter passes, after ``max_repairs`` rounds, when the token budget is
spent, or early when a round fails the same rules as the round before (re-asking would
repeat the same mistake and burn money), or when every error lies in text quoted from a fact
(only the user can rephrase it; the verdict names the field). The best attempt is kept; a failing draft is
returned as failing with its report, never as passing, and every attempt is in the transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .drafting import AsyncDrafter, Drafter, DraftRequest, OnDelta, Reply, Usage
from .guardrails import Verdict, Violation, check
from .letter import Letter

OnEvent = Callable[[str], None]


class Attempt(BaseModel):
    """One draft or repair round, for the transcript."""

    model_config = ConfigDict(frozen=True)

    round: int
    action: str  # "draft" or "repair"
    failing_rules: list[str]
    violations: list[dict[str, Any]]  # rule, severity, section, message
    changed_sections: list[str]
    tokens: int


class TokenUsage(BaseModel):
    """Tokens used by a draft's model calls."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class DraftReport(BaseModel):
    """A guarded draft as JSON: the ``tactful draft --json`` contract, and what the app's versions and the
    history keep (a draft reopened from the history has no transcript: it is not stored)."""

    model_config = ConfigDict(frozen=True)

    letter: str
    sections: dict[str, str]
    report: dict[str, Any]  # the verdict (``Verdict.to_json``)
    passed: bool
    attempts: int
    provider: str
    model: str
    prompt_version: str
    usage: TokenUsage
    latency_ms: float
    model_calls: int = 0
    stop_reason: str = ""
    transcript: list[Attempt] = Field(default_factory=list)


class DraftResult(BaseModel):
    """A guarded draft: the best letter, its verdict, the transcript and what it cost."""

    model_config = ConfigDict(arbitrary_types_allowed=True)  # ``Usage`` is the drafters' running total

    letter: Letter
    verdict: Verdict
    provider: str
    model: str
    prompt_version: str
    usage: Usage
    latency_ms: float
    calls: int
    transcript: list[Attempt] = Field(default_factory=list)
    stop_reason: str = ""

    @property
    def passed(self) -> bool:
        """True only when the kept letter has no error-severity violation."""
        return self.verdict.passed

    def report(self) -> DraftReport:
        """This draft as its JSON contract."""
        return DraftReport(
            letter=self.letter.text, sections=self.letter.flat(), report=self.verdict.to_json(), passed=self.passed,
            attempts=len(self.transcript), provider=self.provider, model=self.model,
            prompt_version=self.prompt_version, usage=TokenUsage(**self.usage.as_dict()),
            latency_ms=round(self.latency_ms, 1), model_calls=self.calls, stop_reason=self.stop_reason,
            transcript=self.transcript)

    def to_json(self) -> dict[str, Any]:
        """The ``tactful draft --json`` shape (a contract): ``report()`` dumped."""
        return self.report().model_dump(mode="json")


def failing_parts(verdict: Verdict, letter: Letter, section_ids: list[str],
                  errors: list[Violation] | None = None) -> list[str]:
    """The parts to rewrite: sections holding an error; all of them for whole-letter errors."""
    parts: list[str] = []
    for v in verdict.errors if errors is None else errors:
        if v.section is None:
            return ["greeting", *section_ids, "sign_off"]
        if v.section not in parts:
            parts.append(v.section)
    return [p for p in ["greeting", *section_ids, "sign_off"] if p in parts]


def pin(old: Letter, new: Letter, failing: list[str], section_ids: list[str]) -> Letter:
    """``old`` with only the ``failing`` parts taken from ``new``."""
    old_flat, new_flat = old.flat(), new.flat()
    merged = {key: (new_flat.get(key, "") if key in failing else old_flat.get(key, ""))
              for key in ["greeting", *section_ids, "sign_off"]}
    return Letter.from_flat(merged, section_ids)


def _score(verdict: Verdict) -> tuple[int, int]:
    return (len(verdict.errors), len(verdict.violations))


def _record(round_: int, action: str, verdict: Verdict, changed: list[str], tokens: int) -> Attempt:
    violations = [{"rule": v.rule, "severity": v.severity, "section": v.section, "message": v.message}
                  for v in verdict.violations]
    return Attempt(round=round_, action=action, failing_rules=verdict.failing_rules(), violations=violations,
                   changed_sections=changed, tokens=tokens)


Step = tuple[Letter, list[Violation], list[str]] | None  # None: first draft; else (letter, errors, failing)


def _rounds(drafter: Drafter | AsyncDrafter, request: DraftRequest, *, max_repairs: int, token_budget: int,
            on_event: OnEvent | None) -> Generator[Step, Reply, DraftResult]:
    """The loop itself, as a generator: it yields each model call it needs and receives the reply.

    The sync and async drivers below only make the calls, so the repair policy exists once.
    """
    case, catalog = request.case, request.catalog
    section_ids = catalog.kind(case.kind).stage(case.stage).section_ids

    def judge(letter: Letter) -> Verdict:
        return check(letter, kind=case.kind, lang=case.lang, stage=case.stage, facts=case.facts, catalog=catalog)

    reply = yield None
    usage, calls, latency = reply.usage, reply.attempts, reply.latency_ms
    letter, verdict = reply.letter, judge(reply.letter)
    transcript = [_record(0, "draft", verdict, list(letter.flat()), reply.usage.total_tokens)]
    best_letter, best = letter, verdict
    stop = "passed"
    for round_ in range(1, max_repairs + 2):
        if verdict.passed:
            stop = "passed"
            break
        if round_ > max_repairs:
            stop = "max_repairs"
            break
        if usage.total_tokens >= token_budget:
            stop = "token_budget"
            break
        fixable = [v for v in verdict.errors if not v.fact]  # a fault quoted from a fact only the user can change
        if not fixable:
            stop = "from_facts"
            break
        failing = failing_parts(verdict, letter, section_ids, fixable)
        if on_event:
            on_event(f"repairing {round_} of {max_repairs}: {', '.join(sorted({v.rule for v in fixable}))}")
        reply = yield (letter, fixable, failing)
        usage.add(reply.usage)
        calls += reply.attempts
        latency += reply.latency_ms
        merged = pin(letter, reply.letter, failing, section_ids)
        changed = [k for k in failing if merged.flat().get(k, "") != letter.flat().get(k, "")]
        previous_rules = verdict.failing_rules()
        letter, verdict = merged, judge(merged)
        transcript.append(_record(round_, "repair", verdict, changed, reply.usage.total_tokens))
        if _score(verdict) < _score(best):
            best_letter, best = letter, verdict
        if not verdict.passed and (verdict.failing_rules() == previous_rules or not changed):
            stop = "repeated"
            break
    return DraftResult(letter=best_letter, verdict=best, provider=drafter.provider, model=drafter.model,
                       prompt_version=request.prompt_version, usage=usage, latency_ms=latency, calls=calls,
                       transcript=transcript, stop_reason=stop)


def guarded_draft(drafter: Drafter, request: DraftRequest, *, max_repairs: int, token_budget: int,
                  on_delta: OnDelta | None = None, on_event: OnEvent | None = None) -> DraftResult:
    """Draft, check, repair failing sections until it passes or a stop condition holds."""
    loop = _rounds(drafter, request, max_repairs=max_repairs, token_budget=token_budget, on_event=on_event)
    step = next(loop)
    while True:
        reply = drafter.draft(request, on_delta) if step is None else drafter.repair(request, *step)
        try:
            step = loop.send(reply)
        except StopIteration as done:
            result: DraftResult = done.value
            return result


async def guarded_draft_async(drafter: AsyncDrafter, request: DraftRequest, *, max_repairs: int,
                              token_budget: int) -> DraftResult:
    """``guarded_draft`` with an async drafter (the eval runner's many concurrent cells)."""
    loop = _rounds(drafter, request, max_repairs=max_repairs, token_budget=token_budget, on_event=None)
    step = next(loop)
    while True:
        reply = await (drafter.draft(request) if step is None else drafter.repair(request, *step))
        # The check runs on a worker thread: one long letter cannot stall the other cells.
        step, result = await asyncio.to_thread(_advance, loop, reply)
        if result is not None:
            return result


def _advance(loop: Generator[Step, Reply, DraftResult], reply: Reply) -> tuple[Step, DraftResult | None]:
    """The loop's next step for ``reply``, or its result (StopIteration cannot cross a thread's future)."""
    try:
        return loop.send(reply), None
    except StopIteration as done:
        return None, done.value


class Adjusting:
    """A drafter whose first draft is an adjustment of an existing letter (the app's "Adjust this version").

    The model is asked to rewrite every part of ``letter`` as the writer asks (through the repair
    prompt, so the letter travels as the assistant's earlier reply, the instruction as data); the
    result then goes through the same check and repair loop as any draft.
    """

    def __init__(self, inner: Drafter, letter: Letter, instruction: str, section_ids: list[str]) -> None:
        self.inner, self.letter, self.instruction, self.section_ids = inner, letter, instruction, section_ids
        self.provider, self.model = inner.provider, inner.model

    def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:
        ask = Violation(rule="adjustment", severity="error",
                        message=f"The writer asks you to adjust this letter: {self.instruction}")
        reply = self.inner.repair(request, self.letter, [ask], ["greeting", *self.section_ids, "sign_off"])
        return Reply(letter=reply.letter, usage=reply.usage, attempts=reply.attempts, latency_ms=reply.latency_ms)

    def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
               failing: list[str]) -> Reply:
        return self.inner.repair(request, letter, violations, failing)
