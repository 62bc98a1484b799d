"""The optional model-graded rubric (clarity, empathy, honesty): criteria and prompt in evals/rubric.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict

from .. import yamldoc
from ..catalog import ROOT, Catalog
from ..letter import CaseFile
from ..prompts import facts_block


class Rubric(BaseModel):
    """evals/rubric.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    criteria: dict[str, str]
    system: str
    user: str


@lru_cache(maxsize=2)
def load_rubric(root: Path = ROOT) -> Rubric:
    """The rubric file, validated."""
    return yamldoc.load(root / "evals" / "rubric.yaml", Rubric)


def messages(rubric: Rubric, case: CaseFile, letter: str, catalog: Catalog) -> list[dict[str, str]]:
    """The judge's chat messages for one letter."""
    env = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701  (plain text)
    ctx: dict[str, Any] = {"kind": catalog.kind(case.kind).title.lower(), "language": catalog.lang(case.lang).pack.name,
                           "criteria": rubric.criteria, "keys": list(rubric.criteria), "letter": letter,
                           "facts": facts_block(case)}
    return [{"role": "system", "content": env.from_string(rubric.system).render(ctx).strip()},
            {"role": "user", "content": env.from_string(rubric.user).render(ctx).strip()}]
