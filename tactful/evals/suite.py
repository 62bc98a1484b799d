"""Load eval cases (evals/cases/<kind>/<lang>-<slug>.yaml); a bad file is reported, the others still run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import yamldoc
from ..cases import load_case
from ..catalog import Catalog
from ..errors import DataFileError
from ..letter import CaseFile
from .asserts import problem


@dataclass(frozen=True)
class Case:
    """A case and its ID (its path under the cases folder, without .yaml)."""

    id: str
    case: CaseFile


def load_cases(folder: Path, catalog: Catalog) -> tuple[list[Case], list[str]]:
    """Every case under ``folder``, and one message (file, line, field) per file that failed to load."""
    cases, errors = [], []
    for path in sorted(folder.glob("**/*.yaml")):
        try:
            case = load_case(path, catalog)
            _check_expect(path, case)
        except DataFileError as err:
            errors.append(err.message)
            continue
        cases.append(Case(str(path.relative_to(folder).with_suffix("")), case))
    return cases, errors


def _check_expect(path: Path, case: CaseFile) -> None:
    """A DataFileError (file, line, field) for the first malformed ``expect:`` item."""
    for i, item in enumerate(case.expect):
        wrong = problem(item)
        if wrong:
            _, node = yamldoc.parse(yamldoc.read_text(path), str(path))
            raise DataFileError(str(path), wrong, line=yamldoc.line_of(node, ("expect", i)), field=f"expect[{i}]")
