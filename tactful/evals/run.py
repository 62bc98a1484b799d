"""Run the eval matrix: prompt versions × models × tones × cases × repeats, concurrently, resumable.

Every cell goes through the same drafting, checking and repair path as the app and CLI
(``guarded_draft``). Rows are appended to ``results.jsonl`` and flushed as each cell
finishes, so an interrupted run loses nothing; rerunning with the same ``--out`` skips
finished cells. Model replies go through the reply cache (``cache.py``). Workers are
threads over the synchronous client: the bound on requests in flight is exactly
``concurrency``, and the code path is the one the app uses.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..catalog import ROOT, Catalog
from ..config import Settings
from ..drafting import Drafter, DraftRequest
from ..drafting.offline import OfflineDrafter
from ..errors import TactfulError
from ..prompts import cached_version
from ..repair import guarded_draft
from ..text import word_count
from .asserts import coverage, evaluate
from .cache import CacheMiss, ReplyCache
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


@dataclass
class RunResult:
    """What a run did."""

    rows: list[dict[str, Any]]
    case_errors: list[str]
    planned: int
    ran: int
    skipped: int
    interrupted: bool = False
    misses: int = 0
    calls: dict[str, int] = field(default_factory=dict)


def read_rows(run_dir: Path) -> list[dict[str, Any]]:
    """The rows of a run folder (an empty list when there are none)."""
    path = run_dir / "results.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cell_ok(row: dict[str, Any]) -> bool:
    """A cell scores when it passed the guardrails and met every expectation."""
    return not row.get("error") and bool(row.get("passed")) and bool(row.get("expectations_met"))


def prices(root: Path = ROOT) -> dict[str, dict[str, float]]:
    """Model prices per million tokens (evals/prices.yaml)."""
    path = root / "evals" / "prices.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return dict((data or {}).get("models", {}))


def plan(cfg: RunConfig, cases: list[Case]) -> list[Cell]:
    """Every cell of the matrix (filtered to the failing cells of ``--only-failing``)."""
    cells = [Cell(case, prompt, cfg.provider, model, tone or case.case.tone, r)
             for prompt in cfg.prompts for model in cfg.models for tone in (cfg.tones or [""])
             for case in cases for r in range(cfg.repeat)]
    if cfg.only_failing:
        failing = {row["cell"] for row in read_rows(cfg.only_failing) if not cell_ok(row)}
        cells = [c for c in cells if c.id in failing]
    return cells


def _drafter(cfg: RunConfig, cell: Cell, cache: ReplyCache | None) -> Drafter:
    if cfg.provider == "offline":
        return OfflineDrafter()
    from ..drafting.remote import RemoteDrafter

    settings = cfg.settings.model_copy(update={"model": cell.model})
    return RemoteDrafter(settings, cache=cache, cache_salt=str(cell.repeat), replay_only=cfg.replay)


def run_cell(cfg: RunConfig, cell: Cell, catalog: Catalog, cache: ReplyCache | None,
             price: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Draft, check, repair and score one cell; errors become a row, never an exception."""
    case = cell.case.case.model_copy(update={"tone": cell.tone})
    base: dict[str, Any] = {"cell": cell.id, "case": cell.case.id, "kind": case.kind, "lang": case.lang,
                            "stage": case.stage, "prompt_version": cell.prompt,
                            "prompt_digest": cached_version(cell.prompt).digest, "provider": cell.provider,
                            "model": cell.model, "tone": cell.tone, "repeat": cell.repeat}
    try:
        request = DraftRequest(case=case, catalog=catalog, prompt_version=cell.prompt, tone=cell.tone)
        result = guarded_draft(_drafter(cfg, cell, cache), request, max_repairs=cfg.settings.max_repairs,
                               token_budget=cfg.settings.token_budget)
    except TactfulError as err:
        return {**base, "error": err.message, "error_type": type(err).__name__, "passed": False}
    verdict = result.verdict
    outcomes = evaluate(case.expect, case, verdict, catalog)
    facts = [f for f in ("what_happened", "offer", "remedy", "discussion") if case.facts.is_set(f)]
    covered = [coverage(case, f, verdict.text, catalog) for f in facts]
    rate = price.get(cell.model)
    usage = result.usage
    cost = (usage.prompt_tokens * rate["input_per_million"] + usage.completion_tokens * rate["output_per_million"]) \
        / 1e6 if rate else (0.0 if cell.provider == "offline" else None)
    by_rule: dict[str, int] = {}
    for v in verdict.violations:
        by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
    return {**base, "error": None, "passed": verdict.passed, "violations": by_rule,
            "errors": len(verdict.errors), "warnings": len(verdict.violations) - len(verdict.errors),
            "sections_present": [s.id for s in verdict.sections if s.present],
            "expectations": [o.__dict__ for o in outcomes], "expectations_met": all(o.ok for o in outcomes),
            "facts_covered": round(sum(covered) / len(covered), 3) if covered else 1.0,
            "words": word_count(verdict.text, catalog.lang(case.lang).tokenizer),
            "attempts": len(result.transcript), "model_calls": result.calls, "stop_reason": result.stop_reason,
            "latency_ms": round(result.latency_ms, 1), "usage": usage.as_dict(), "cost_usd": cost,
            "letter": verdict.text, "report": verdict.to_json()}


Progress = Callable[[int, int, int], None]


def run(cfg: RunConfig, catalog: Catalog, progress: Progress | None = None) -> RunResult:
    """Run (or resume) the matrix into ``cfg.out``."""
    for name in cfg.prompts:
        cached_version(name)  # an unknown version is bad usage before anything runs
    cases, case_errors = load_cases(cfg.cases_dir, catalog)
    cells = plan(cfg, cases)
    cfg.out.mkdir(parents=True, exist_ok=True)
    done = {row["cell"] for row in read_rows(cfg.out) if not row.get("error")}
    todo = [c for c in cells if c.id not in done]
    meta = {"prompts": cfg.prompts, "provider": cfg.provider, "models": cfg.models, "tones": cfg.tones,
            "repeat": cfg.repeat, "cases_dir": str(cfg.cases_dir), "started": time.time(), "replay": cfg.replay}
    (cfg.out / "run.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    cache = None if cfg.provider == "offline" else ReplyCache(cfg.cache_path or ROOT / ".tactful" / "eval-cache.db")
    price, lock = prices(), threading.Lock()
    finished, failing, interrupted = 0, 0, False
    with (cfg.out / "results.jsonl").open("a", encoding="utf-8") as sink, \
            ThreadPoolExecutor(max_workers=cfg.concurrency) as pool:
        pending: set[Future[dict[str, Any]]] = {pool.submit(run_cell, cfg, c, catalog, cache, price) for c in todo}
        try:
            while pending:
                complete, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in complete:
                    row = fut.result()
                    with lock:
                        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                        sink.flush()
                    finished += 1
                    failing += not cell_ok(row)
                    if progress:
                        progress(finished, len(todo), failing)
        except KeyboardInterrupt:
            interrupted = True
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
    rows = read_rows(cfg.out)
    latest = {row["cell"]: row for row in rows}  # a resumed cell's newest row wins
    misses = sum(1 for r in latest.values() if r.get("error_type") == CacheMiss.__name__)
    calls = {"cache_hits": cache.hits if cache else 0, "cache_misses": cache.misses if cache else 0}
    return RunResult(rows=list(latest.values()), case_errors=case_errors, planned=len(cells), ran=finished,
                     skipped=len(cells) - len(todo), interrupted=interrupted, misses=misses, calls=calls)


def progress_bar(stream: Any = sys.stderr) -> Progress:
    """A one-line progress bar on stderr (a line per tenth of the run when not a terminal)."""
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
