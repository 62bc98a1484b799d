"""The optional model-graded rubric (clarity, empathy, honesty): criteria and prompt in evals/rubric.yaml."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel, ConfigDict

from ..catalog import ROOT, Catalog, load
from ..drafting import Usage
from ..drafting.schema import MalformedReply
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
    return load(root).data("evals/rubric.yaml", Rubric)[0]


def messages(rubric: Rubric, case: CaseFile, letter: str, catalog: Catalog) -> list[dict[str, str]]:
    """The judge's chat messages for one letter."""
    env = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701  (plain text)
    ctx: dict[str, Any] = {"kind": catalog.kind(case.kind).title.lower(), "language": catalog.lang(case.lang).pack.name,
                           "criteria": rubric.criteria, "keys": list(rubric.criteria), "letter": letter,
                           "facts": facts_block(case)}
    return [{"role": "system", "content": env.from_string(rubric.system).render(ctx).strip()},
            {"role": "user", "content": env.from_string(rubric.user).render(ctx).strip()}]


async def grade(judge: Any, messages: list[dict[str, str]], keys: list[str], *, repeat: int = 0) -> tuple[dict[str, Any], Usage]:
    """The judge model's JSON object with ``keys`` (integers, and a "reason"), retried and cached like a draft."""
    schema = {"type": "object", "properties": {k: {"type": "integer" if k != "reason" else "string"} for k in keys},
              "required": keys, "additionalProperties": False}
    body = {"model": judge.model, "messages": messages, "temperature": 0, "max_tokens": 300,
            "response_format": {"type": "json_schema", "json_schema": {"name": "rubric", "strict": True, "schema": schema}}}
    data, usage = await judge.call(body, {"prompt_digest": "rubric", "repeat": repeat}, lambda text: _json_object(text, keys))
    return data, usage


def _json_object(text: str, keys: list[str]) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedReply(f"invalid JSON at character {err.pos}", text) from None
    if not isinstance(data, dict) or any(k not in data for k in keys):
        raise MalformedReply(f"expected the keys {keys}", text)
    return data
