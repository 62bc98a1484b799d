"""Eval cases (evals/cases/<kind>/<lang>-<slug>.yaml) and suites (evals/suites/<name>.yaml).

A bad case file is reported and the others still run. A suite is a comparison as a reviewable
file: prompt versions x provider/models x tones x case globs, with default expectations and a gate;
``tactful eval --suite NAME`` runs it and flags given on the command line override it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import yamldoc
from ..cases import load_case
from ..catalog import ROOT, Catalog
from ..errors import DataFileError, UsageError
from ..letter import TONES, CaseFile, Tone, one_of
from ..providers import registered
from .asserts import problem


class Suite(BaseModel):
    """One suite file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    prompts: list[str] = Field(default_factory=list, description="prompt versions to compare (default: the setting)")
    provider: str | None = Field(default=None, description="a provider name (offline, openai)")
    models: list[str] = Field(default_factory=list, description="models to compare (openai)")
    tones: list[Tone] = Field(default_factory=list, description="tones (default: each case's own)")

    @field_validator("tones")
    @classmethod
    def _known_tones(cls, value: list[str]) -> list[str]:
        return [one_of(tone, TONES) for tone in value]
    cases: list[str] = Field(default_factory=lambda: ["*"], description="globs on case IDs: bad_news/*, */th-*")
    expect: list[Any] = Field(default_factory=list, description="expectations added to every case's own")
    repeat: int = Field(default=1, ge=1)
    concurrency: int = Field(default=8, ge=1)
    fail_under: float | None = Field(default=None, ge=0, le=1, description="the gate: a score as a fraction")

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str | None) -> str | None:
        return registered(value)


def suites(root: Path = ROOT) -> list[str]:
    """Names of the suites in evals/suites/."""
    return sorted(p.stem for p in (root / "evals" / "suites").glob("*.yaml"))


def load_suite(name: str, root: Path = ROOT) -> tuple[Path, Suite]:
    """A suite by name (``evals/suites/<name>.yaml``) or by path, validated (errors name file, field and line)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else root / "evals" / "suites" / f"{name}.yaml"
    if not path.is_file():
        raise UsageError(f"unknown suite '{name}' (choose from {', '.join(suites(root)) or 'none'}, or give a file)")
    text = yamldoc.read_text(path)
    data, node = yamldoc.parse(text, str(path))
    suite = yamldoc.validate(Suite, data, node, str(path))
    for i, item in enumerate(suite.expect):
        wrong = problem(item)
        if wrong:
            raise DataFileError(str(path), wrong, line=yamldoc.line_of(node, ("expect", i)), field=f"expect[{i}]")
    return path, suite


@dataclass(frozen=True)
class Case:
    """A case and its ID (its path under the cases folder, without .yaml)."""

    id: str
    case: CaseFile


def load_cases(folder: Path, catalog: Catalog, globs: list[str] | None = None,
               expect: list[Any] | None = None) -> tuple[list[Case], list[str]]:
    """Every case under ``folder`` whose ID matches one of ``globs`` (all when none), with ``expect`` added
    to its own expectations, and one message (file, line, field) per file that failed to load."""
    cases, errors = [], []
    for path in sorted(folder.glob("**/*.yaml")):
        case_id = str(path.relative_to(folder).with_suffix(""))
        if globs and not any(fnmatch(case_id, g) for g in globs):
            continue
        try:
            case = load_case(path, catalog)
            _check_expect(path, case)
        except DataFileError as err:
            errors.append(err.message)
            continue
        if expect:
            case = case.model_copy(update={"expect": [*case.expect, *(e for e in expect if e not in case.expect)]})
        cases.append(Case(case_id, case))
    return cases, errors


def _check_expect(path: Path, case: CaseFile) -> None:
    """A DataFileError (file, line, field) for the first malformed ``expect:`` item."""
    for i, item in enumerate(case.expect):
        wrong = problem(item)
        if wrong:
            _, node = yamldoc.parse(yamldoc.read_text(path), str(path))
            raise DataFileError(str(path), wrong, line=yamldoc.line_of(node, ("expect", i)), field=f"expect[{i}]")
