"""A bridge for promptfoo: a Python provider that drafts through Tactful's guarded loop, and an assertion.

promptfoo loads this file by path (``file://…/tactful/evals/promptfoo.py``), not as part of the
package, so every import here is absolute and the Python promptfoo runs must have Tactful installed
(``PROMPTFOO_PYTHON=.venv/bin/python``). See ``evals/promptfoo/promptfooconfig.yaml``.

- ``call_api(prompt, options, context)``: the test's ``vars.case`` names a case file; the letter is
  drafted, checked and repaired exactly as ``tactful draft`` does it, with the provider's ``config``
  choosing ``prompt_version``, ``tone``, ``provider`` (offline or openai), ``model`` and ``max_repairs``
  (a key comes from the environment, as for the CLI). promptfoo's own prompt text is not sent: the
  prompt is Tactful's versioned template, so the comparison stays about prompt versions.
- ``get_assert(output, context)``: runs the checker on the letter for the same case and returns
  promptfoo's grading result (pass, score = share of the case's expectations met, reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tactful.cases import load_case
from tactful.catalog import ROOT, load
from tactful.config import load_settings
from tactful.drafting import DraftRequest, make_drafter
from tactful.errors import TactfulError
from tactful.evals.asserts import evaluate
from tactful.guardrails import check
from tactful.letter import CaseFile
from tactful.prompts import cached_version
from tactful.repair import guarded_draft


def _case(context: dict[str, Any]) -> tuple[Path, CaseFile]:
    """The case file the test's ``vars.case`` names (relative to the working folder or to evals/cases)."""
    name = str((context.get("vars") or {}).get("case") or "").strip()
    if not name:
        raise TactfulError("the test has no 'case' variable: set vars.case to a case file")
    path = Path(name)
    for candidate in (path, ROOT / "evals" / "cases" / path, ROOT / "evals" / "cases" / f"{name}.yaml"):
        if candidate.is_file():
            return candidate, load_case(candidate, load())
    raise TactfulError(f"vars.case {name!r}: no such case file (looked here and under evals/cases)")


def call_api(prompt: str, options: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Draft the test's case through the guarded loop; promptfoo's ProviderResponse shape."""
    config = (options or {}).get("config") or {}
    try:
        _, case = _case(context)
        given = {"provider": config.get("provider"), "model": config.get("model"),
                 "prompt_version": config.get("prompt_version"), "max_repairs": config.get("max_repairs")}
        settings = load_settings(**{k: v for k, v in given.items() if v is not None})
        cached_version(settings.prompt_version)
        request = DraftRequest(case=case, catalog=load(), prompt_version=settings.prompt_version,
                               tone=str(config.get("tone") or case.tone))
        result = guarded_draft(make_drafter(settings), request, max_repairs=settings.max_repairs,
                               token_budget=settings.token_budget)
    except TactfulError as err:
        return {"error": err.message}
    usage = result.usage.as_dict()
    return {
        "output": result.letter.text,
        "tokenUsage": {"total": usage["total_tokens"], "prompt": usage["prompt_tokens"],
                       "completion": usage["completion_tokens"]},
        "metadata": {"passed": result.passed, "attempts": len(result.transcript), "stop_reason": result.stop_reason,
                     "failing_rules": result.verdict.failing_rules(), "prompt_version": result.prompt_version,
                     "provider": result.provider, "model": result.model},
    }


def get_assert(output: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Tactful's checker and the case's expectations on ``output``; promptfoo's GradingResult shape."""
    try:
        _, case = _case(context)
    except TactfulError as err:
        return {"pass": False, "score": 0.0, "reason": err.message}
    catalog = load()
    verdict = check(str(output), kind=case.kind, lang=case.lang, stage=case.stage, facts=case.facts, catalog=catalog)
    outcomes = evaluate(case.expect, case, verdict, catalog)
    met = [o for o in outcomes if o.ok]
    failed = [f"{o.name}: {o.detail}" if o.detail else o.name for o in outcomes if not o.ok]
    errors = [f"[{v.rule}] {v.message}" for v in verdict.errors]
    reason = "passes the guidelines and every expectation" if not failed else "; ".join(failed + errors)
    return {"pass": not failed, "score": round(len(met) / len(outcomes), 3), "reason": reason}
