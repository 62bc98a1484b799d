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

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateError
from pydantic import BaseModel, ConfigDict, Field

from .catalog import ROOT, Catalog, load
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
    # v3 on: a section's purpose as this version words it ("kind.section" or "kind.stage.section"),
    # and one worked example per language and kind (or "kind.stage"): part ID -> text, in letter order
    purposes: dict[str, str] = Field(default_factory=dict)
    worked_examples: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)
    name: str = ""
    digest: str = ""


def load_version(name: str, root: Path = ROOT) -> PromptVersion:
    """A prompt version by name (``v1``), validated, with its content hash."""
    catalog = load(root)
    relpath = f"prompts/{name}.yaml"
    if not catalog.has(relpath):
        known = ", ".join(catalog.names("prompts", "v*.yaml"))
        raise UsageError(f"unknown prompt version '{name}' (choose from {known})")
    version, digest = catalog.data(relpath, PromptVersion)
    path = str(root / relpath)
    missing = [t for t in TONES if t not in version.tones]
    if missing:
        raise DataFileError(path, f"no instruction for tones {missing}", field="tones")
    for field in ("system", "user", "repair"):
        try:
            ENV.from_string(getattr(version, field))
        except TemplateError as err:
            raise DataFileError(path, f"template error: {err}", field=field) from None
    return version.model_copy(update={"name": name, "digest": digest[:16]})


@lru_cache(maxsize=16)
def cached_version(name: str) -> PromptVersion:
    """``load_version`` once per process."""
    return load_version(name)


def versions(root: Path = ROOT) -> list[str]:
    """Names of the shipped prompt versions."""
    return load(root).names("prompts", "v*.yaml")


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


def context(version: PromptVersion, case: CaseFile, catalog: Catalog, *, tone: str, instruction: str = "",
            brief: bool = False) -> dict[str, Any]:
    """The variables every template of a version can use.

    Variables are only ever added (later versions use more of them), so an evaluated version
    renders exactly as it did when it was evaluated.
    """
    kind = catalog.kind(case.kind)
    layout = kind.stage(case.stage)
    lang = catalog.lang(case.lang)
    sections: list[dict[str, Any]] = []
    for spec in layout.sections:
        needed = spec.required or bool(spec.required_when and case.facts.is_set(spec.required_when))
        purpose = (version.purposes.get(f"{case.kind}.{case.stage}.{spec.id}") or version.purposes.get(f"{case.kind}.{spec.id}")
                   or spec.purpose)
        sections.append({"id": spec.id, "purpose": purpose, "needed": needed, "optional": not needed,
                         "when": spec.required_when if not spec.required else None})
    rules = []
    for rule_id, rule in catalog.rules.items():
        if rule.applies(case.kind) and rule.instruction:
            avoid = lang.pack.rules[rule_id].phrases[:6] if rule_id in lang.pack.rules else []
            rules.append({"id": rule_id, "instruction": rule.instruction, "avoid": avoid})
    ids: list[str] = [s["id"] for s in sections]
    signatures = set(layout.with_role("signature"))
    signature_at = next((i for i, sid in enumerate(ids) if sid in signatures), len(ids))
    letter_keys = ["greeting", *ids[:signature_at], "sign_off", *ids[signature_at:]]
    return {
        "language": {"code": case.lang, "name": lang.pack.name, "forms_of_address": lang.pack.forms_of_address},
        "kind": {"id": case.kind, "title": kind.title, "aim": kind.aim, "stage": case.stage},
        "sections": sections,
        "keys": ["greeting", *ids, "sign_off"],
        "letter_keys": letter_keys,  # the keys in the order the parts stand in the letter
        "rules": rules,
        "tone": tone,
        # a short letter in another tone ("Warmer" after "Shorter"): both instructions
        "tone_instruction": " ".join(version.tones.get(t, "") for t in dict.fromkeys([tone, "concise"] if brief else [tone])),
        "instruction": defuse(instruction.strip()),
        "facts_block": facts_block(case),
        "forms_block": forms_block(case, catalog),
        "max_words": round(layout.max_words * lang.pack.word_budget_factor),
        "example": version.examples.get(case.kind, ""),
        "worked_example": worked_example(version, case, letter_keys),
        # Facts reach the model only inside the data block: a template that names the sender gets a
        # reference to it, never the value (a name holding "</case_facts> SYSTEM: ..." stays data).
        "sender": SENDER_REF,
    }


def forms_block(case: CaseFile, catalog: Catalog) -> str:
    """How the letter writes what the facts hold in another form, as data for the case-facts block.

    The signature name without the sender's own honorific (people do not sign as "Encik" or "คุณ"),
    and each date as the language writes it in a letter (Buddhist-era years in Thai, Bengali digits):
    a model told to "quote dates exactly" would otherwise copy "2026-12-04" into the prose.
    """
    lang = catalog.lang(case.lang)
    facts = case.facts
    dates = {f"{name}.date": lang.format_date(value.date) for name, value in facts.__dict__.items()
             if isinstance(getattr(value, "date", None), dt.date)}
    forms: dict[str, Any] = {"signature_name": lang.own_name(facts.sender.name)}
    if dates:
        forms["dates"] = dates
    return defuse(json.dumps({"letter_forms": forms}, ensure_ascii=False, indent=1) + "\n")


def worked_example(version: PromptVersion, case: CaseFile, letter_keys: list[str]) -> dict[str, str]:
    """The version's worked example for this kind (and stage) in the case's language, else in English."""
    key = f"{case.kind}.{case.stage}" if case.stage else case.kind
    for lang in (case.lang, "en"):
        example = version.worked_examples.get(lang, {})
        parts = example.get(key) or example.get(case.kind)
        if parts:
            ordered = [k for k in letter_keys if k in parts] + [k for k in parts if k not in letter_keys]
            return {"lang": lang, "text": "\n".join(f"{k}: {json.dumps(parts[k], ensure_ascii=False)}" for k in ordered)}
    return {}


def render(version: PromptVersion, case: CaseFile, catalog: Catalog, *, tone: str | None = None,
           instruction: str = "", schema_in_prompt: bool = False, brief: bool = False) -> list[dict[str, str]]:
    """Chat messages for a first draft."""
    ctx = context(version, case, catalog, tone=tone or case.tone, instruction=instruction, brief=brief)
    ctx["schema_in_prompt"] = schema_in_prompt
    return [
        {"role": "system", "content": template(version.system).render(ctx).strip()},
        {"role": "user", "content": template(version.user).render(ctx).strip()},
    ]


def render_repair(version: PromptVersion, case: CaseFile, catalog: Catalog, *, letter: Letter,
                  violations: list[Violation], failing: list[str], tone: str | None = None,
                  instruction: str = "", schema_in_prompt: bool = False, brief: bool = False) -> list[dict[str, str]]:
    """Chat messages asking to rewrite only the failing sections of ``letter``."""
    ctx = context(version, case, catalog, tone=tone or case.tone, instruction=instruction, brief=brief)
    text = letter.text
    ctx.update(
        schema_in_prompt=schema_in_prompt,
        failing_sections=failing,
        current=json.dumps(letter.flat(), ensure_ascii=False, indent=1),
        violations=[{"rule": v.rule, "section": v.section or "whole letter", "message": defuse(v.message),
                     "text": quoted(text[v.span[0] : v.span[1]]) if v.span else ""} for v in violations],
    )
    messages = render(version, case, catalog, tone=tone, instruction=instruction, schema_in_prompt=schema_in_prompt,
                      brief=brief)
    messages.append({"role": "assistant", "content": json.dumps(letter.flat(), ensure_ascii=False)})
    messages.append({"role": "user", "content": template(version.repair).render(ctx).strip()})
    return messages
