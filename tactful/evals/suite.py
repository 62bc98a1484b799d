"""Load eval cases (evals/cases/<kind>/<lang>-<slug>.yaml); a bad file is reported, the others still run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..cases import load_case
from ..catalog import Catalog
from ..errors import DataFileError
from ..letter import CaseFile


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
            cases.append(Case(str(path.relative_to(folder).with_suffix("")), load_case(path, catalog)))
        except DataFileError as err:
            errors.append(err.message)
    return cases, errors
