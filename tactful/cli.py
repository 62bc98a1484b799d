"""The ``tactful`` command: ``check`` (and ``draft``, ``eval``), a second UI over the same functions.

Exit codes are a contract: 0 every letter passes, 1 a letter has an error-severity
violation (or a draft still fails after repairs), 2 bad usage or unreadable input,
3 the model could not be reached or refused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, TactfulError, UsageError
from .ids import KINDS, LANGS, STAGES

if TYPE_CHECKING:
    from .letter import Letter

# A command-line process has no use for third-party pydantic plugins, and finding them scans the entry points
# of every installed package (about 0.05 s of a one-letter check); set PYDANTIC_DISABLE_PLUGINS to choose.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# Only what parsing the command line needs is imported here: each command imports its own modules
# when it runs, so `tactful check` never loads the drafting, prompt or eval code (and their libraries).

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3



def environment() -> str:
    """The environment variables the settings read (for the help text; imports the settings only then)."""
    from .config import Settings

    return ("environment (also read from a .env file in the working folder):\n"
            "  OPENAI_API_KEY, OPENAI_BASE_URL   a model (any OpenAI-compatible server); with neither, the offline drafter\n"
            "  " + ", ".join(f"TACTFUL_{name.upper()}" for name in Settings.model_fields
                             if name not in {"api_key", "base_url"}))


MAIN_EPILOG = """exit codes: 0 passed, 1 a letter fails (or an eval gate), 2 bad usage or input, 3 model unreachable or refused

{environment}

examples:
  tactful check letter.txt --kind bad_news
  tactful draft evals/cases/bad_news/en-credit-denied.yaml --tone warm
  tactful eval --suite prompts --junit report.xml"""
CHECK_EPILOG = """exit codes: 0 every letter passes, 1 a letter has an error-severity violation, 2 bad usage or unreadable input

examples:
  tactful check letter.txt --kind bad_news                      (language detected)
  tactful check reply.txt --kind complaint_reply --stage acknowledgement --lang th --facts case.yaml
  pbpaste | tactful check - --kind win_back --json"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # argparse's signature is NoReturn
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    def format_help(self) -> str:
        if self.epilog and "{environment}" in self.epilog:  # filled in only when help is asked for
            self.epilog = self.epilog.replace("{environment}", environment())
        return super().format_help()


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """The help layout, with the terminal's width asked once (argparse asks for every argument it adds)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_width())


@lru_cache(maxsize=1)
def _width() -> int:
    import shutil

    return shutil.get_terminal_size().columns - 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="tactful", description="Draft and check difficult customer letters.",
                     formatter_class=_Formatter, epilog=MAIN_EPILOG)
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    chk = sub.add_parser("check", help="check letters against the guidelines of their kind",
                         formatter_class=_Formatter, epilog=CHECK_EPILOG)
    chk.add_argument("files", nargs="+", metavar="LETTER_FILE",
                     help="plain-text letter, or a JSON structured letter; - reads a plain-text letter from stdin")
    chk.add_argument("--kind", required=True, choices=KINDS)
    chk.add_argument("--lang", choices=LANGS, help="the letter's language (default: detected, and the report says so)")
    chk.add_argument("--stage", choices=STAGES, help="complaint_reply only")
    chk.add_argument("--facts", metavar="CASE_FILE", help="case file whose facts ground names, numbers and dates")
    chk.add_argument("--json", action="store_true", help="one JSON object per letter, one per line")
    from .draft_cli import add_draft_parser
    from .evals.cli import add_eval_parser

    add_draft_parser(sub, _Formatter)
    add_eval_parser(sub, _Formatter)
    sch = sub.add_parser("schema", help="print the JSON Schema of case files, suite files or language packs")
    sch.add_argument("name", choices=["case", "suite", "lang-pack"])
    sch.add_argument("--write", action="store_true", help="rewrite the stored schema file the files reference")
    return parser


class _Version(argparse.Action):
    """``--version``, with the installed version looked up only when asked for (it reads package metadata)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"tactful {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tactful")
    except PackageNotFoundError:
        return "unknown"


def read_letter(path: str) -> Letter | str:
    """A letter file: JSON with sections is a structured letter, anything else is plain text; ``-`` is stdin."""
    from pydantic import ValidationError

    from .letter import Letter

    if path == "-":
        try:
            return sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"stdin: not UTF-8 text (byte {err.start})") from None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None
    if path.endswith(".json"):
        try:
            return Letter.model_validate_json(text)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InputError(f"{path}: not a structured letter: {field or 'document'}: {first['msg']}") from None
    return text


def run_check(args: argparse.Namespace) -> int:
    """``tactful check``: judge each letter; exit 1 if any fails."""
    from .cases import load_case
    from .catalog import load
    from .console import render_verdict
    from .guardrails import check
    from .letter import Letter

    if args.stage and args.kind != "complaint_reply":
        raise UsageError("--stage applies only to --kind complaint_reply")
    catalog = load()
    facts = load_case(Path(args.facts), catalog).facts if args.facts else None
    letters = [(path, read_letter(path)) for path in args.files]  # read all first: bad input exits 2
    failed = False
    for path, letter in letters:
        lang, detected = args.lang, False
        if lang is None:
            from .guardrails.language import letter_language

            lang, _ = letter_language(letter.text if isinstance(letter, Letter) else letter, catalog)
            if not lang:
                raise UsageError(f"{path}: could not tell the letter's language; give --lang ({', '.join(LANGS)})")
            detected = True
        verdict = check(letter, kind=args.kind, lang=lang, stage=args.stage, facts=facts, catalog=catalog)
        failed |= not verdict.passed
        if args.json:
            print(json.dumps({**verdict.to_json(path), "lang_detected": detected}, ensure_ascii=False))
        else:
            if detected:
                print(f"{path}: language detected: {catalog.lang(lang).pack.name} ({lang}); give --lang to set it")
            print(render_verdict(verdict, path))
    return EXIT_FAILED if failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tactful`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # `tactful check … | head`: the reader left; end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "schema":
            from . import schemas

            if args.write:
                print(f"wrote {schemas.write(args.name)}")
            else:
                print(schemas.text(args.name), end="")
            return EXIT_OK
        if args.command == "eval":
            from .evals.cli import run_eval

            return run_eval(args)
        from .draft_cli import run_draft

        return run_draft(args)
    except TactfulError as err:
        from .errors import ModelError

        print(f"tactful: error: {err.message}", file=sys.stderr)
        return EXIT_MODEL if isinstance(err, ModelError) else EXIT_USAGE
