"""JSON Schemas for hand-edited files: current, referenced from the files, and true to the files."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
import yaml

from tactful import schemas
from tactful.catalog import ROOT
from tactful.cli import main

FILES = {
    "case": sorted((ROOT / "evals" / "cases").glob("*/*.yaml")),
    "suite": sorted((ROOT / "evals" / "suites").glob("*.yaml")),
    "lang-pack": sorted((ROOT / "guardrails" / "lang").glob("*.yaml")),
}


def as_json(value):
    """YAML values as an editor's YAML extension sees them (dates are strings to JSON Schema)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.mark.parametrize("name", list(schemas.SCHEMAS))
def test_stored_schema_is_current(name: str) -> None:
    assert schemas.SCHEMAS[name][1].read_text(encoding="utf-8") == schemas.text(name), "run: tactful schema NAME --write"


@pytest.mark.parametrize("name", list(FILES))
def test_every_file_references_its_schema_and_validates_against_it(name: str) -> None:
    stored = schemas.SCHEMAS[name][1]
    validator = jsonschema.Draft202012Validator(json.loads(stored.read_text(encoding="utf-8")))
    assert len(FILES[name]) >= {"case": 49, "suite": 2, "lang-pack": 5}[name]
    for path in FILES[name]:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == stored.resolve(), path
        errors = [e.message for e in validator.iter_errors(as_json(yaml.safe_load(path.read_text(encoding="utf-8"))))]
        assert not errors, (path.name, errors[:3])


def test_the_schema_catches_what_the_loader_refuses() -> None:
    validator = jsonschema.Draft202012Validator(schemas.schema("case"))
    good = as_json(yaml.safe_load((ROOT / "evals" / "cases" / "bad_news" / "en-credit-denied.yaml").read_text()))
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({**good, "tone": "cheerful"}))
    assert list(validator.iter_errors({**good, "facts": {**good["facts"], "unknown_fact": 1}}))


def test_schema_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "suite"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("A Tactful eval suite")

