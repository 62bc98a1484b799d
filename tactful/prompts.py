"""Prompt versions (prompts/<version>.yaml) and rendering them into chat messages.

A version is one self-contained file; once evaluated it is never edited (the next one is
a new file with ``parent:``). Rendering fills the templates from the *same* data the
checker uses (the kind's sections and the rules' instructions, with example phrases to
avoid from the language pack), so prompt and checker cannot drift apart. Case facts go
inside ``<case_facts>`` delimiters as JSON and are declared data, never instructions: no
template variable outside that block carries a fact (``sender`` is a reference to the facts),
and text quoted back from a draft in a repair prompt sits inside ``<quoted_text>``. Anything in
a fact, an adjustment or a draft that could open or close either block is defused.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateError
from pydantic import BaseModel, ConfigDict, Field

from . import yamldoc
from .catalog import ROOT, Catalog
from .errors import DataFileError, UsageError
from .guardrails import Violation
from .letter import TONES, CaseFile, Letter

ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701  (plain text, not HTML)
ENV.filters["quoted"] = lambda s: json.dumps(s, ensure_ascii=False)
template = lru_cache(maxsize=128)(ENV.from_string)  # compile each template once per process


class Params(BaseModel):
    """Sampling parameters sent with every request of this version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = 0.4
    max_tokens: int = 1800


class PromptVersion(BaseModel):
    """One prompt version file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    parent: str | None = None
    changes: str
    output: str = "sections_json"
    params: Params = Field(default_factory=Params)
    system: str
    user: str
    repair: str
    tones: dict[str, str]
    examples: dict[str, str] = Field(default_factory=dict)
    name: str = ""
    digest: str = ""


def load_version(name: str, root: Path = ROOT) -> PromptVersion:
    """A prompt version by name (``v1``), validated, with its content hash."""
    path = root / "prompts" / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in (root / "prompts").glob("v*.yaml")))
        raise UsageError(f"unknown prompt version '{name}' (choose from {known})")
    text = yamldoc.read_text(path)
    data, node = yamldoc.parse(text, str(path))
    version = yamldoc.validate(PromptVersion, data, node, str(path))
    missing = [t for t in TONES if t not in version.tones]
    if missing:
        raise DataFileError(str(path), f"no instruction for tones {missing}", field="tones")
    for field in ("system", "user", "repair"):
        try:
            ENV.from_string(getattr(version, field))
        except TemplateError as err:
            raise DataFileError(str(path), f"template error: {err}", field=field) from None
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return version.model_copy(update={"name": name, "digest": digest})


@lru_cache(maxsize=16)
def cached_version(name: str) -> PromptVersion:
    """``load_version`` once per process."""
    return load_version(name)


def versions(root: Path = ROOT) -> list[str]:
    """Names of the shipped prompt versions."""
    return sorted(p.stem for p in (root / "prompts").glob("v*.yaml"))


DATA_TAGS = ("case_facts", "quoted_text")
_TAG = re.compile(r"<\s*(/?)\s*(" + "|".join(DATA_TAGS) + r")\s*>", re.IGNORECASE)
SENDER_REF = "[sender.name from the case facts]"


def defuse(text: str) -> str:
    """``text`` with anything that could open or close a data block (any case, any spacing) broken."""
    return _TAG.sub(lambda m: f"\u2039{m.group(1)}{m.group(2)}\u203a", text)  # ‹/case_facts›: no longer a tag


def quoted(text: str) -> str:
    """Text from the model or the letter, quoted as data inside its own delimiters."""
    return f"<quoted_text>{defuse(text)}</quoted_text>"


def facts_block(case: CaseFile) -> str:
    """The case facts as indented JSON, with anything that could close the data block defused.

    JSON rather than YAML: models read both equally well, and JSON quotes every value, so a
    fact can never look like structure (and it is forty times cheaper to render).
    """
    data = case.facts.model_dump(mode="json", exclude_none=True)
    return defuse(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def context(version: PromptVersion, case: CaseFile, catalog: Catalog, *, tone: str, instruction: str = "") -> dict[str, Any]:
    """The variables every template of a version can use."""
    kind = catalog.kind(case.kind)
    layout = kind.stage(case.stage)
    lang = catalog.lang(case.lang)
    sections = []
    for spec in layout.sections:
        needed = spec.required or bool(spec.required_when and case.facts.is_set(spec.required_when))
        sections.append({"id": spec.id, "purpose": spec.purpose, "needed": needed, "optional": not needed})
    rules = []
    for rule_id, rule in catalog.rules.items():
        if rule.applies(case.kind) and rule.instruction:
            avoid = lang.pack.rules[rule_id].phrases[:6] if rule_id in lang.pack.rules else []
            rules.append({"id": rule_id, "instruction": rule.instruction, "avoid": avoid})
    return {
        "language": {"code": case.lang, "name": lang.pack.name},
        "kind": {"id": case.kind, "title": kind.title, "aim": kind.aim, "stage": case.stage},
        "sections": sections,
        "keys": ["greeting", *[s["id"] for s in sections], "sign_off"],
        "rules": rules,
        "tone": tone,
        "tone_instruction": version.tones.get(tone, ""),
        "instruction": defuse(instruction.strip()),
        "facts_block": facts_block(case),
        "max_words": round(layout.max_words * lang.pack.word_budget_factor),
        "example": version.examples.get(case.kind, ""),
        # Facts reach the model only inside the data block: a template that names the sender gets a
        # reference to it, never the value (a name holding "</case_facts> SYSTEM: ..." stays data).
        "sender": SENDER_REF,
    }


def render(version: PromptVersion, case: CaseFile, catalog: Catalog, *, tone: str | None = None,
           instruction: str = "", schema_in_prompt: bool = False) -> list[dict[str, str]]:
    """Chat messages for a first draft."""
    ctx = context(version, case, catalog, tone=tone or case.tone, instruction=instruction)
    ctx["schema_in_prompt"] = schema_in_prompt
    return [
        {"role": "system", "content": template(version.system).render(ctx).strip()},
        {"role": "user", "content": template(version.user).render(ctx).strip()},
    ]


def render_repair(version: PromptVersion, case: CaseFile, catalog: Catalog, *, letter: Letter,
                  violations: list[Violation], failing: list[str], tone: str | None = None,
                  instruction: str = "", schema_in_prompt: bool = False) -> list[dict[str, str]]:
    """Chat messages asking to rewrite only the failing sections of ``letter``."""
    ctx = context(version, case, catalog, tone=tone or case.tone, instruction=instruction)
    text = letter.text
    ctx.update(
        schema_in_prompt=schema_in_prompt,
        failing_sections=failing,
        current=json.dumps(letter.flat(), ensure_ascii=False, indent=1),
        violations=[{"rule": v.rule, "section": v.section or "whole letter", "message": defuse(v.message),
                     "text": quoted(text[v.span[0] : v.span[1]]) if v.span else ""} for v in violations],
    )
    messages = render(version, case, catalog, tone=tone, instruction=instruction, schema_in_prompt=schema_in_prompt)
    messages.append({"role": "assistant", "content": json.dumps(letter.flat(), ensure_ascii=False)})
    messages.append({"role": "user", "content": template(version.repair).render(ctx).strip()})
    return messages
