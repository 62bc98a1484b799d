"""Run the eval matrix: prompt versions × models × tones × cases × repeats, concurrently, resumable.

Every cell goes through the same drafting, checking and repair policy as the app and CLI
(``repair._rounds``, driven here by ``guarded_draft_async`` over the async OpenAI client).
At most ``concurrency`` cells are in flight (an asyncio semaphore). Rows are appended to
``results.jsonl`` and flushed as each cell finishes, so an interrupted run loses nothing;
rerunning with the same ``--out`` skips finished cells. Model replies go through the reply
cache (``cache.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..catalog import ROOT, Catalog, load
from ..config import Settings
from ..drafting import AsyncDrafter, DraftRequest
from ..errors import CacheMiss, OutputError, TactfulError, output_error
from ..letter import CaseFile
from ..prompts import cached_version
from ..providers import PROVIDERS, resolve
from ..repair import DraftResult, TokenUsage, guarded_draft_async
from ..text import word_count
from .asserts import coverage, evaluate
from .cache import CachedExchange, ReplyCache
from .results import CellResult, Expectation
from .rubric import grade, load_rubric
from .rubric import messages as rubric_messages
from .suite import Case, load_cases


@dataclass(frozen=True)
class Cell:
    """One draft to make and score."""

    case: Case
    prompt: str
    provider: str
    model: str
    tone: str
    repeat: int

    @property
    def id(self) -> str:
        """Stable identity across runs (used to resume and to compare with a baseline)."""
        return f"{self.prompt}|{self.provider}:{self.model}|{self.tone}|{self.case.id}|{self.repeat}"


@dataclass
class RunConfig:
    """What to run (from ``tactful eval``'s flags)."""

    cases_dir: Path
    prompts: list[str]
    provider: str
    models: list[str]
    tones: list[str]
    out: Path
    settings: Settings
    concurrency: int = 8
    repeat: int = 1
    replay: bool = False
    cache_path: Path | None = None
    only_failing: Path | None = None
    judge_model: str | None = None
    case_globs: list[str] = field(default_factory=list)  # from a suite: which cases (all when empty)
    expect: list[Any] = field(default_factory=list)  # from a suite: expectations added to every case


@dataclass
class RunResult:
    """What a run did."""

    rows: list[CellResult]
    case_errors: list[str]
    planned: int
    ran: int
    skipped: int
    interrupted: bool = False
    misses: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    stopped: str = ""  # why the run stopped early (every call refused), else empty
    notes: list[str] = field(default_factory=list)  # rows skipped or dropped while reading the run folder


def read_rows(run_dir: Path, notes: list[str] | None = None) -> list[CellResult]:
    """The rows of a run folder (an empty list when there are none).

    A line that is not a whole JSON row (a crash or a full disk mid-write) is skipped and,
    when ``notes`` is given, reported there.
    """
    path = run_dir / "results.jsonl"
    if not path.exists():
        return []
    rows = []
    for n, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(CellResult.model_validate_json(line))
        except ValidationError:
            if notes is not None:
                notes.append(f"{path}, line {n}: not a whole result row (a crash or a full disk mid-write); skipped")
    return rows


class RowSink:
    """``results.jsonl``, appended one whole row per ``write`` call, so a crash cannot tear a row.

    Opening it drops a torn last line left by an earlier crash (its cell runs again). A short
    write (a full disk) is cut back to the last whole row and reported as an ``OutputError``.
    """

    def __init__(self, path: Path) -> None:
        self.path, self.dropped = path, 0
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            size = os.fstat(self.fd).st_size
            if size:
                with path.open("rb") as f:
                    f.seek(max(0, size - 65536))
                    tail = f.read()
                if not tail.endswith(b"\n"):
                    keep = size - len(tail) + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
                    os.ftruncate(self.fd, keep)
                    self.dropped = size - keep
        except OSError as err:
            raise output_error(path, err) from None

    def write(self, row: CellResult) -> None:
        data = (row.line() + "\n").encode("utf-8")
        size = os.fstat(self.fd).st_size
        try:
            written = os.write(self.fd, data)
            if written != len(data):
                raise OSError(28, "No space left on device")
        except OSError as err:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, size)  # back to the last whole row
            raise output_error(self.path, err, "cannot be written; the rows before this one are kept") from None

    def close(self) -> None:
        os.close(self.fd)


class RunLock:
    """``<out>/.lock``, held (flock) for the whole run: a second eval into the same folder is refused."""

    def __init__(self, out: Path) -> None:
        self.path = out / ".lock"
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise output_error(self.path, err, "cannot be created") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(self.fd, 32).decode(errors="replace").strip()
            os.close(self.fd)
            raise OutputError(f"{out} is in use by another eval (process {other or 'unknown'}); wait for it "
                              "to finish or choose another --out") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def prepare_out(out: Path) -> None:
    """The run folder, created; a file in its place or an unwritable disk is an ``OutputError``."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: a file is there, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise output_error(f"--out {out}", err, "cannot be created") from None


class Price(BaseModel):
    """One model's price, in US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)


class Prices(BaseModel):
    """evals/prices.yaml."""

    model_config = ConfigDict(extra="forbid")
    models: dict[str, Price] = Field(default_factory=dict)


def prices(root: Path = ROOT) -> dict[str, dict[str, float]]:
    """Model prices per million tokens (evals/prices.yaml; none when the file is absent)."""
    catalog = load(root)
    if not catalog.has("evals/prices.yaml"):
        return {}
    return {name: price.model_dump() for name, price in catalog.data("evals/prices.yaml", Prices)[0].models.items()}


def plan(cfg: RunConfig, cases: list[Case]) -> list[Cell]:
    """Every cell of the matrix (filtered to the failing cells of ``--only-failing``)."""
    cells = [Cell(case, prompt, cfg.provider, model, tone or case.case.tone, r)
             for prompt in cfg.prompts for model in cfg.models for tone in (cfg.tones or [""])
             for case in cases for r in range(cfg.repeat)]
    if cfg.only_failing:
        failing = {row.cell for row in read_rows(cfg.only_failing) if not row.ok}
        cells = [c for c in cells if c.id in failing]
    return cells


async def run_cell(cfg: RunConfig, cell: Cell, catalog: Catalog, drafter: AsyncDrafter,
                   price: dict[str, dict[str, float]], judge: Any = None) -> CellResult:
    """Draft, check, repair and score one cell; errors become a row, never an exception."""
    case = cell.case.case.model_copy(update={"tone": cell.tone})
    base: dict[str, Any] = {"cell": cell.id, "case": cell.case.id, "kind": case.kind, "lang": case.lang,
                            "stage": case.stage, "prompt_version": cell.prompt,
                            "prompt_digest": cached_version(cell.prompt).digest, "provider": cell.provider,
                            "model": cell.model, "tone": cell.tone, "repeat": cell.repeat}
    try:
        request = DraftRequest(case=case, catalog=catalog, prompt_version=cell.prompt, tone=cell.tone,
                               repeat=cell.repeat)
        result = await guarded_draft_async(drafter, request, max_repairs=cfg.settings.max_repairs,
                                           token_budget=cfg.settings.token_budget)
    except TactfulError as err:
        return CellResult(**base, error=err.message, error_type=type(err).__name__, passed=False)
    row = {**base, **score(case, result, catalog, price.get(cell.model), cell.provider)}
    if judge is not None:
        row["rubric"] = await _grade(judge, case, result.verdict.text, catalog, cell.repeat)
    return CellResult(**row)


async def _grade(judge: Any, case: CaseFile, letter: str, catalog: Catalog, repeat: int) -> dict[str, Any]:
    """The judge's scores for one letter (an error is recorded, the cell still counts)."""
    rubric = load_rubric()
    keys = [*rubric.criteria, "reason"]
    try:
        data, usage = await grade(judge, rubric_messages(rubric, case, letter, catalog), keys, repeat=repeat)
    except TactfulError as err:
        return {"error": err.message}
    return {**{k: data[k] for k in keys}, "judge_tokens": usage.total_tokens}


def score(case: CaseFile, result: DraftResult, catalog: Catalog, rate: dict[str, float] | None,
          provider: str) -> dict[str, Any]:
    """A finished draft's scores: guardrails, expectations, facts covered, length, cost."""
    verdict, usage = result.verdict, result.usage
    outcomes = evaluate(case.expect, case, verdict, catalog)
    layout = catalog.kind(case.kind).stage(case.stage)
    facts = [s.name for s in layout.facts if s.scored and case.facts.is_set(s.name)]  # the kind's scored facts
    covered = [coverage(case, f, verdict.text, catalog) for f in facts]
    cost = (usage.prompt_tokens * rate["input_per_million"] + usage.completion_tokens * rate["output_per_million"]) \
        / 1e6 if rate else (None if PROVIDERS[provider].remote else 0.0)
    by_rule: dict[str, int] = {}
    for v in verdict.violations:
        by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
    return {"error": None, "passed": verdict.passed, "violations": by_rule,
            "errors": len(verdict.errors), "warnings": len(verdict.violations) - len(verdict.errors),
            "sections_present": [s.id for s in verdict.sections if s.present],
            "expectations": [Expectation(name=o.name, ok=o.ok, detail=o.detail) for o in outcomes],
            "expectations_met": all(o.ok for o in outcomes),
            "facts_covered": round(sum(covered) / len(covered), 3) if covered else 1.0,
            "words": word_count(verdict.text, catalog.lang(case.lang).tokenizer),
            "attempts": len(result.transcript), "model_calls": result.calls, "stop_reason": result.stop_reason,
            "latency_ms": round(result.latency_ms, 1), "usage": TokenUsage(**usage.as_dict()), "cost_usd": cost,
            "letter": verdict.text, "report": verdict.to_json()}


AUTH_STOP = 3  # refused calls, with none accepted, after which the run stops


class _Refusals:
    """Counts cells the server refused (bad key): after ``AUTH_STOP`` with none accepted, the run stops."""

    def __init__(self) -> None:
        self.refused, self.accepted, self.message = 0, 0, ""
        self.stop = asyncio.Event()

    def saw(self, row: CellResult) -> None:
        if row.error_type == "ModelAuthError":
            self.refused += 1
            self.message = self.message or str(row.error or "")
        elif not row.error:
            self.accepted += 1
        if self.refused >= AUTH_STOP and not self.accepted:
            self.stop.set()


async def _run_cells(cfg: RunConfig, cells: list[Cell], catalog: Catalog, cache: ReplyCache | None,
                     on_row: Callable[[CellResult], None]) -> str:
    """Every cell, at most ``cfg.concurrency`` in flight, each row handed over as it finishes.

    Returns why the run stopped early ("" when every cell ran).
    """
    price = prices()
    exchange = CachedExchange(cache, replay_only=cfg.replay) if cache is not None else None
    spec = PROVIDERS[cfg.provider]
    make = resolve(spec.async_drafter)
    drafters: dict[str, AsyncDrafter] = {m: make(cfg.settings.model_copy(update={"model": m}), exchange=exchange)
                                         for m in cfg.models}
    judge = None
    if cfg.judge_model:  # a model on the same endpoint (the configured provider's, or an OpenAI-compatible one)
        judge_make = make if spec.remote else resolve(PROVIDERS["openai"].async_drafter)
        judge = judge_make(cfg.settings.model_copy(update={"model": cfg.judge_model}), exchange=exchange)
    gate = asyncio.Semaphore(cfg.concurrency)
    refusals = _Refusals()

    async def one(cell: Cell) -> None:
        async with gate:
            if refusals.stop.is_set():
                return
            row = await run_cell(cfg, cell, catalog, drafters[cell.model], price, judge)
        if refusals.stop.is_set() and row.error_type == "ModelAuthError":
            return  # in flight when the run stopped: not a finished cell
        refusals.saw(row)
        on_row(row)

    try:
        await asyncio.gather(*(one(c) for c in cells))
        if refusals.stop.is_set():
            return (f"stopped after the first {refusals.refused} calls were all refused "
                    f"({refusals.message}); check the API key")
        return ""
    finally:  # close the connection pools (the offline drafter has none)
        for d in [*drafters.values(), judge]:
            close = getattr(d, "aclose", None)
            if close is not None:
                await close()


Progress = Callable[[int, int, int], None]


def run(cfg: RunConfig, catalog: Catalog, progress: Progress | None = None) -> RunResult:
    """Run (or resume) the matrix into ``cfg.out``."""
    for name in cfg.prompts:
        cached_version(name)  # an unknown version is bad usage before anything runs
    cases, case_errors = load_cases(cfg.cases_dir, catalog, cfg.case_globs, cfg.expect)
    cells = plan(cfg, cases)
    prepare_out(cfg.out)
    lock = RunLock(cfg.out)
    try:
        return _run_locked(cfg, catalog, cells, case_errors, progress)
    finally:
        lock.release()


def _run_locked(cfg: RunConfig, catalog: Catalog, cells: list[Cell], case_errors: list[str],
                progress: Progress | None) -> RunResult:
    sink = RowSink(cfg.out / "results.jsonl")
    notes = [f"{sink.path}: a torn last row ({sink.dropped} bytes, from a crash mid-write) was dropped; "
             "its cell runs again"] if sink.dropped else []
    done = {row.cell for row in read_rows(cfg.out, notes) if not row.error}
    todo = [c for c in cells if c.id not in done]
    meta = {"prompts": cfg.prompts, "provider": cfg.provider, "models": cfg.models, "tones": cfg.tones,
            "repeat": cfg.repeat, "cases_dir": str(cfg.cases_dir), "started": time.time(), "replay": cfg.replay}
    write_file(cfg.out / "run.json", json.dumps(meta, indent=1))
    remote = PROVIDERS[cfg.provider].remote or cfg.judge_model
    cache = ReplyCache(cfg.cache_path or cfg.settings.data_dir / "eval-cache.db") if remote else None
    finished, failing, interrupted, stopped = 0, 0, False, ""

    def on_row(row: CellResult) -> None:  # rows are written as cells finish: nothing is lost
        nonlocal finished, failing
        sink.write(row)
        finished += 1
        failing += not row.ok
        if progress:
            progress(finished, len(todo), failing)

    try:
        stopped = asyncio.run(_run_cells(cfg, todo, catalog, cache, on_row))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        sink.close()
    rows = read_rows(cfg.out)
    latest = {row.cell: row for row in rows}  # a resumed cell's newest row wins
    misses = sum(1 for r in latest.values() if r.error_type == CacheMiss.__name__)
    calls = {"cache_hits": cache.hits if cache else 0, "cache_misses": cache.misses if cache else 0}
    return RunResult(rows=list(latest.values()), case_errors=case_errors, planned=len(cells), ran=finished,
                     skipped=len(cells) - len(todo), interrupted=interrupted, misses=misses, calls=calls,
                     stopped=stopped, notes=notes)


def write_file(path: Path, text: str) -> None:
    """Write a whole file through a temporary file and a rename (a crash leaves the old one or the new one)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise output_error(path, err) from None


def progress_bar(stream: Any = None) -> Progress:
    """A one-line progress bar on stderr (a line per tenth of the run when not a terminal)."""
    stream = stream or sys.stderr
    started = time.monotonic()
    tty = bool(getattr(stream, "isatty", lambda: False)())

    def show(done: int, total: int, failing: int) -> None:
        if not tty:
            step = max(1, total // 10)
            if done % step == 0 or done == total:
                stream.write(f"{done}/{total} cells · {failing} not passing · {time.monotonic() - started:.1f} s\n")
                stream.flush()
            return
        width = 30
        filled = int(width * done / total) if total else width
        elapsed = time.monotonic() - started
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cells · {failing} not passing"
                     f" · {elapsed:.1f} s")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
