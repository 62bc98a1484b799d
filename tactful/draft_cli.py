"""``tactful draft CASE_FILE``: a guarded draft from the command line (a contract; keep it stable)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ids import LANGS, TONES
from .providers import PROVIDERS

if TYPE_CHECKING:
    from .config import Settings

EPILOG = """exit codes: 0 the draft passes, 1 it still fails after repairs, 2 bad usage or case file,
  3 model unreachable or refused

examples:
  tactful draft evals/cases/bad_news/en-credit-denied.yaml                 (offline unless a model is set)
  OPENAI_API_KEY=sk-... tactful draft case.yaml --prompt v3 --tone warm --json
  tactful draft case.yaml --show-prompt --prompt v3                          (what a model would be sent)"""


def add_draft_parser(sub: Any, formatter: type[argparse.HelpFormatter] = argparse.RawDescriptionHelpFormatter) -> None:
    """Register ``draft`` on the CLI's subparsers."""
    p = sub.add_parser("draft", help="draft a letter from a case file, checked and repaired",
                       formatter_class=formatter, epilog=EPILOG)
    p.add_argument("case_file", metavar="CASE_FILE")
    p.add_argument("--lang", choices=LANGS, help="override the case file's language")
    p.add_argument("--tone", choices=TONES, help="override the case file's tone")
    p.add_argument("--prompt", metavar="VERSION", help="prompt version (default: TACTFUL_PROMPT_VERSION or v2)")
    p.add_argument("--provider", choices=list(PROVIDERS),
                   help="default: openai when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline")
    p.add_argument("--model", help="model name (default: TACTFUL_MODEL or gpt-4o-mini)")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL)")
    p.add_argument("--max-repairs", type=int, metavar="N", help="repair rounds after the first draft (default 2)")
    p.add_argument("--json", action="store_true", help="one JSON object with the letter, report and usage")
    p.add_argument("--show-prompt", action="store_true",
                   help="print the chat messages the model would be sent, as JSON, and call no model")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with the flags given on the command line taking precedence."""
    from .config import load_settings

    given = {"provider": args.provider, "model": args.model, "base_url": args.base_url,
             "max_repairs": args.max_repairs, "prompt_version": args.prompt}
    return load_settings(**{k: v for k, v in given.items() if v is not None})


def run_draft(args: argparse.Namespace) -> int:
    """Draft, check, repair; print the letter and verdict. Exit 0 passed, 1 failing, 2 bad input, 3 model.

    With ``--show-prompt``, print the messages a model would be sent for the first draft and stop (exit 0).
    """
    from .cases import load_case
    from .catalog import load
    from .console import render_verdict
    from .drafting import DraftRequest, make_drafter
    from .prompts import cached_version, render
    from .repair import guarded_draft

    settings = settings_from(args)
    catalog = load()
    case = load_case(Path(args.case_file), catalog)
    if args.lang:
        case = case.model_copy(update={"lang": args.lang})
    cached_version(settings.prompt_version)  # an unknown version is bad usage, before any call
    request = DraftRequest(case=case, catalog=catalog, prompt_version=settings.prompt_version,
                           tone=args.tone or case.tone)
    if args.show_prompt:
        version = cached_version(settings.prompt_version)
        messages = render(version, case, catalog, tone=request.tone)
        print(json.dumps({"prompt_version": version.name, "prompt_digest": version.digest, "tone": request.tone,
                          "messages": messages}, ensure_ascii=False, indent=1))
        return 0
    drafter = make_drafter(settings)

    def progress(message: str) -> None:
        print(f"tactful: {message}", file=sys.stderr)

    result = guarded_draft(drafter, request, max_repairs=settings.max_repairs, token_budget=settings.token_budget,
                           on_event=None if args.json else progress)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(result.letter.text)
        print()
        if not result.passed or result.verdict.violations:  # warnings too: the writer should see them
            print(render_verdict(result.verdict, "draft"))
        verdict = "Guardrails passed" if result.passed else f"Guardrails FAILED ({', '.join(result.verdict.failing_rules())})"
        print(f"{verdict} · {result.provider}/{result.model} · prompt {result.prompt_version} · "
              f"{len(result.transcript)} attempt(s) · {result.usage.total_tokens} tokens · {result.latency_ms:.0f} ms")
    return 0 if result.passed else 1
