"""Read a case file (the contract format in the README) and check the facts its kind needs.

Pydantic checks the shape; the kind file (guardrails/kinds/<kind>.yaml) says which facts
are required, always or when another fact is set ("remedy when our_fault"). Every error
names the file, the field and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import yamldoc
from .catalog import Catalog, load
from .errors import DataFileError
from .letter import CaseFile


def missing_facts(case: CaseFile, catalog: Catalog) -> list[tuple[str, str]]:
    """(fact name, reason) for every fact the case's kind and stage need but lack."""
    layout = catalog.kind(case.kind).stage(case.stage)
    out = []
    for spec in layout.facts:
        if case.facts.is_set(spec.name):
            continue
        if spec.required:
            out.append((spec.name, f"required for {case.kind} letters ({spec.label})"))
        elif spec.required_when and case.facts.is_set(spec.required_when):
            out.append((spec.name, f"required when {spec.required_when} is set ({spec.label})"))
    return out


def parse_case(text: str, source: str, catalog: Catalog | None = None) -> CaseFile:
    """A validated case from YAML text, or a DataFileError naming the field and line."""
    catalog = catalog or load()
    data, node = yamldoc.parse(text, source)
    case = yamldoc.validate(CaseFile, data, node, source)
    problems = missing_facts(case, catalog)
    if problems:
        name, reason = problems[0]
        loc: tuple[Any, ...] = ("facts", name)
        raise DataFileError(source, reason, line=yamldoc.line_of(node, loc), field=f"facts.{name}")
    return case


def load_case(path: Path, catalog: Catalog | None = None) -> CaseFile:
    """Read and validate one case file."""
    return parse_case(yamldoc.read_text(path), str(path), catalog)


def save_approved(case: dict[str, Any], folder: Path) -> Path:
    """Write an approved letter's case as an eval case under ``folder/<kind>/`` (an ``OutputError`` if it cannot)."""
    import datetime as dt

    import yaml

    from .errors import output_error

    target = folder / str(case["kind"])
    path = target / f"{case['lang']}-approved-{dt.datetime.now():%Y%m%d-%H%M%S}.yaml"
    data = {**case, "expect": ["passes_guardrails"], "notes": "Approved in the app."}
    try:
        target.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    except OSError as err:
        raise output_error(path, err) from None
    return path
