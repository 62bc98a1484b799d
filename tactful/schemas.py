"""JSON Schemas for the files people edit by hand, so editors validate them as they type.

Case files, suite files and language packs reference their schema on their first line
(``# yaml-language-server: $schema=…``, read by the YAML extension of VS Code and others). The
stored schemas are generated from the same pydantic models that validate the files; a test keeps
them current (``tactful schema NAME --write`` rewrites one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .catalog import ROOT, LangPack
from .evals.suite import Suite
from .letter import CaseFile

SCHEMAS: dict[str, tuple[type[BaseModel], Path, str]] = {
    "case": (CaseFile, ROOT / "evals" / "schemas" / "case.schema.json", "A Tactful case file (evals/cases/<kind>/*.yaml)"),
    "suite": (Suite, ROOT / "evals" / "schemas" / "suite.schema.json", "A Tactful eval suite (evals/suites/*.yaml)"),
    "lang-pack": (LangPack, ROOT / "guardrails" / "schemas" / "lang-pack.schema.json",
                  "A Tactful language pack (guardrails/lang/<code>.yaml)"),
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file."""
    model, _, title = SCHEMAS[name]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema(by_alias=True),
            "title": title}


def text(name: str) -> str:
    """The schema as the stored file holds it."""
    return json.dumps(schema(name), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write(name: str) -> Path:
    """Rewrite the stored schema file; returns its path."""
    path = SCHEMAS[name][1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text(name), encoding="utf-8")
    return path
