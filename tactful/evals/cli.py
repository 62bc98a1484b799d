"""``tactful eval``: run the matrix, write results and reports, and gate on a baseline or a score.

Exit codes: 0 done (and the gate held), 1 the gate failed (a regression against
``--baseline`` or a score under ``--fail-under``), 2 bad usage or a case file that could not
be read (the other cases still ran), 3 replay had no cached reply for some cells, or the server refused every call (the run stops
after the first few refusals),
130 interrupted (finished cells are kept; rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..ids import TONES
from ..paths import ROOT
from ..providers import PROVIDERS

if TYPE_CHECKING:
    from .results import CellResult
    from .run import RunConfig, RunResult

EPILOG = """exit codes: 0 done (the gate held), 1 the gate failed (a regression against --baseline, a score under
  --fail-under), 2 bad usage or an unreadable case or suite file (the other cases still run), 3 replay misses or the
  server refused every call, 130 interrupted (rerun with the same --out to resume)

examples:
  tactful eval --suite offline-gate                                     (every version, offline; the CI gate)
  tactful eval --suite prompts --model gpt-4o-mini --junit eval.xml --csv eval.csv
  tactful eval --prompt v2 --prompt v3 --tone warm --cases evals/cases/bad_news --json | jq .summary"""


def add_eval_parser(sub: Any, formatter: type[argparse.HelpFormatter] = argparse.RawDescriptionHelpFormatter) -> None:
    """Register ``eval`` on the CLI's subparsers."""
    p = sub.add_parser("eval", help="compare prompt versions and models over the sample cases",
                       formatter_class=formatter, epilog=EPILOG)
    p.add_argument("--suite", metavar="NAME", help="run evals/suites/NAME.yaml (or a suite file); flags override it")
    p.add_argument("--cases", default=str(ROOT / "evals" / "cases"), metavar="DIR", help="default: evals/cases")
    p.add_argument("--prompt", action="append", metavar="VERSION", help="prompt version (repeat to compare)")
    p.add_argument("--provider", choices=list(PROVIDERS), help="default: as for `tactful draft`")
    p.add_argument("--model", action="append", metavar="M", help="model (repeat to compare); default TACTFUL_MODEL")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL)")
    p.add_argument("--tone", action="append", choices=TONES, help="tone (repeat); default: each case's own tone")
    p.add_argument("--concurrency", type=int, metavar="N", help="cells in flight at once (default 8)")
    p.add_argument("--repeat", type=int, metavar="N", help="run each cell N times (stable/flaky; default 1)")
    p.add_argument("--replay", action="store_true", help="use only cached replies; fail on a miss (no network)")
    p.add_argument("--cache", metavar="FILE", help="reply cache (default: eval-cache.db in the data folder, "
                   "~/.local/share/tactful on Linux; TACTFUL_DATA_DIR)")
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/<time> in the data folder); reuse it to resume")
    p.add_argument("--only-failing", metavar="RUN", help="rerun only the cells that failed or errored in RUN")
    p.add_argument("--baseline", metavar="RUN", help="exit 1 when a cell that scored in RUN no longer does")
    p.add_argument("--fail-under", type=_score, metavar="SCORE",
                   help="exit 1 when a version's score is below SCORE: a fraction (0.8) or a percentage (80 or 80%%)")
    p.add_argument("--max-repairs", type=int, metavar="N", help="repair rounds per draft (default 2)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (a test case per cell) for CI systems")
    p.add_argument("--csv", metavar="FILE", help="also write one CSV row per cell")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout (progress stays on stderr)")
    p.add_argument("--judge-model", metavar="M", help="grade each letter's clarity, empathy and honesty with this "
                   "model on the same endpoint (evals/rubric.yaml)")


def _score(text: str) -> float:
    """A score as a fraction: ``0.8``, ``80`` and ``80%`` all mean 80 %."""
    raw = text.strip().removesuffix("%")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a score: {text!r} (write 0.8, 80 or 80%)") from None
    if text.strip().endswith("%") or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a score is between 0 and 1 (or 0% and 100%), not {text!r}")
    return value


def _config(args: argparse.Namespace) -> RunConfig:
    from ..config import load_settings
    from .run import RunConfig
    from .suite import Suite, load_suite

    suite = load_suite(args.suite)[1] if args.suite else Suite()
    given = {"provider": args.provider or suite.provider, "base_url": args.base_url, "max_repairs": args.max_repairs}
    settings = load_settings(**{k: v for k, v in given.items() if v is not None})
    args.concurrency = suite.concurrency if args.concurrency is None else args.concurrency
    args.repeat = suite.repeat if args.repeat is None else args.repeat
    args.fail_under = suite.fail_under if args.fail_under is None else args.fail_under
    if args.concurrency < 1 or args.repeat < 1:
        raise UsageError("--concurrency and --repeat must be at least 1")
    cases = Path(args.cases)
    if not cases.is_dir():
        raise UsageError(f"--cases {cases}: not a folder")
    for flag in ("baseline", "only_failing"):
        value = getattr(args, flag)
        if value and not (Path(value) / "results.jsonl").exists():
            raise UsageError(f"--{flag.replace('_', '-')} {value}: no results.jsonl there")
    provider = settings.resolved_provider
    out = Path(args.out) if args.out else settings.data_dir / "runs" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return RunConfig(
        cases_dir=cases, prompts=args.prompt or suite.prompts or [settings.prompt_version], provider=provider,
        models=(args.model or suite.models or [settings.model]) if PROVIDERS[provider].remote else ["tactful-offline"],
        tones=args.tone or list(suite.tones), case_globs=list(suite.cases), expect=list(suite.expect), out=out,
        settings=settings, concurrency=args.concurrency, repeat=args.repeat,
        replay=args.replay, cache_path=Path(args.cache) if args.cache else settings.data_dir / "eval-cache.db",
        only_failing=Path(args.only_failing) if args.only_failing else None, judge_model=args.judge_model)


def run_eval(args: argparse.Namespace) -> int:
    """Run, write results and reports, print the summary, apply the gate."""
    from ..catalog import load
    from . import report
    from .run import progress_bar, read_rows, run, write_file

    cfg = _config(args)
    result = run(cfg, load(), progress=progress_bar())
    for problem in result.case_errors:
        print(f"tactful: case file skipped: {problem}", file=sys.stderr)
    notes = list(result.notes)
    baseline = read_rows(Path(args.baseline), notes) if args.baseline else None
    for note in notes:
        print(f"tactful: {note}", file=sys.stderr)
    summary = report.summarise(result.rows)
    data = {
        "summary": summary, "by_rule": {f"{p} {m}": v for (p, m), v in report.by_rule(result.rows).items()},
        "stability": {f"{p} {m}": v for (p, m), v in report.stability(result.rows).items()},
        "case_errors": result.case_errors, "planned": result.planned, "ran": result.ran, "resumed": result.skipped,
        **result.calls}
    write_file(cfg.out / "summary.json", json.dumps(data, indent=1, ensure_ascii=False))
    write_file(cfg.out / "report.md", report.markdown(result.rows, baseline))
    write_file(cfg.out / "report.html", report.html_report(result.rows, baseline))
    if args.junit:
        write_file(Path(args.junit), report.junit(result.rows))
    if args.csv:
        write_file(Path(args.csv), report.csv_text(result.rows))
    done = (f"{result.ran} cell(s) run, {result.skipped} already done, {result.calls.get('cache_hits', 0)} cached "
            f"replies used · results and reports in {cfg.out}")
    if args.json:
        print(json.dumps({**data, "out": str(cfg.out)}, ensure_ascii=False))
        print(f"tactful: {done}", file=sys.stderr)
    else:
        if baseline is not None:
            print(f"Regressions against the baseline: {len(report.regressions(result.rows, baseline))}\n")
        print(report.summary_table(summary))
        if report.rubric_table(summary):
            print("\nRubric (judge model, mean 1-5):\n" + report.rubric_table(summary))
        print(f"\n{done}")
    return _exit_code(args, cfg, result, summary, baseline)


def _exit_code(args: argparse.Namespace, cfg: RunConfig, result: RunResult, summary: list[dict[str, Any]],
               baseline: list[CellResult] | None) -> int:
    """The exit code of a finished run (see the module docstring)."""
    from . import report

    if result.interrupted:
        print("tactful: interrupted; finished cells are kept. Rerun with --out "
              f"{cfg.out} to resume.", file=sys.stderr)
        return 130
    if result.stopped:
        print(f"tactful: error: {result.stopped}", file=sys.stderr)
        return 3
    if result.misses:
        print(f"tactful: error: replay: {result.misses} cell(s) had no cached reply (see {cfg.out}/results.jsonl); "
              "run once without --replay to record them", file=sys.stderr)
        return 3
    failed = False
    if baseline is not None:
        regs = report.regressions(result.rows, baseline)
        for r in regs:
            print(f"tactful: regression: {r.cell}", file=sys.stderr)
        failed |= bool(regs)
    if args.fail_under is not None:
        low = [s for s in summary if s["score"] < args.fail_under]
        for s in low:
            print(f"tactful: {s['prompt']} on {s['model']} scored {s['score']:.0%}, under {args.fail_under:.0%}",
                  file=sys.stderr)
        failed |= bool(low)
    if failed:
        return 1
    return 2 if result.case_errors else 0
