"""The built-in offline drafter: a competent first draft from the case facts, with no model.

It composes the letter section by section from the phrase bank of the case's language
(``prompts/offline/<lang>.yaml``): one Jinja template per kind and section, which reads the
facts and the tone. It goes through the same checker and repair loop as a model: no bypass.
Facts are quoted as given, so it never invents a name, number or date.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError, pass_context
from pydantic import BaseModel, ConfigDict, Field

from ..catalog import ROOT, Catalog, load
from ..errors import DataFileError
from ..guardrails import Violation
from ..letter import Letter
from . import DraftRequest, OnDelta, Reply

DIGITS = {"ascii": "0123456789", "thai": "๐๑๒๓๔๕๖๗๘๙", "bengali": "০১২৩৪৫৬৭৮৯"}


class Pronoun(BaseModel):
    """How the letter names a person: by the honorific their name starts with, else by tone, else a default.

    Malay addresses "Puan Lee" as "Puan", not "tuan/puan"; a Thai owner whose name starts with นาย
    writes ผม, and with no honorific that tells leaves the pronoun out, as Thai does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    default: str = ""
    formal: str | None = None
    by_honorific: dict[str, str] = Field(default_factory=dict)

    def of(self, name: str, tone: str) -> str:
        """The form for the person called ``name`` in ``tone``."""
        first = name.split()[0].casefold().rstrip(".") if name.split() else ""
        if first in self.by_honorific:
            return self.by_honorific[first]
        for honorific in sorted(self.by_honorific, key=len, reverse=True):  # Thai: glued to the name
            if not honorific.isascii() and first.startswith(honorific):
                return self.by_honorific[honorific]
        return self.formal if tone == "formal" and self.formal is not None else self.default


class PhraseBank(BaseModel):
    """One language's phrase bank for the offline drafter."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sentence_end: str = "."
    date_format: str = "{day} {month} {year}"
    digits: str = "ascii"
    year_offset: int = 0
    capitalise_months: bool = False
    address: Pronoun = Field(default_factory=lambda: Pronoun(default="you"), description="the customer: {{ you }}")
    first_person: Pronoun = Field(default_factory=Pronoun, description="the sender: {{ me }}")
    greeting: str
    sign_off: dict[str, str]
    signature: str
    sections: dict[str, dict[str, str]] = Field(description="kind -> section ID -> template")


@lru_cache(maxsize=8)
def load_bank(lang: str, root: Path = ROOT) -> PhraseBank:
    """The phrase bank for ``lang``, validated."""
    return load(root).data(f"prompts/offline/{lang}.yaml", PhraseBank)[0]


class OfflineDrafter:
    """Composes letters from phrase banks; deterministic and instant."""

    provider = "offline"
    model = "tactful-offline"

    def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:
        """A letter composed from the facts, streamed section by section when asked."""
        started = time.perf_counter()
        letter = compose(request.case.kind, request.case.lang, request.catalog, request,
                         tone=request.tone or request.case.tone)
        if on_delta is not None:
            for part in letter.text.split("\n\n"):
                on_delta(part + "\n\n")
        return Reply(letter=letter, latency_ms=(time.perf_counter() - started) * 1000)

    def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
               failing: list[str]) -> Reply:
        """The phrase bank has one wording per tone: a repair recomposes the failing parts."""
        return self.draft(request)


@lru_cache(maxsize=8)
def _env_for(lang: str, catalog: Catalog) -> Environment:
    return _env(load_bank(lang), catalog, lang)


def _env(bank: PhraseBank, catalog: Catalog, lang: str) -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701  (plain text)
    months = catalog.lang(lang).pack.months
    digits = DIGITS[bank.digits]

    def localise(value: object) -> str:
        return str(value).translate(str.maketrans("0123456789", digits))

    def date(value: dt.date) -> str:
        month = months[value.month - 1]
        month = month[:1].upper() + month[1:] if bank.capitalise_months else month
        return bank.date_format.format(day=localise(value.day), month=month,
                                       year=localise(value.year + bank.year_offset))

    def sentence(value: str) -> str:
        text = " ".join(str(value).split())
        if not text:
            return ""
        if bank.sentence_end and text[-1] not in ".!?।" + bank.sentence_end:
            text += bank.sentence_end
        return text[0].upper() + text[1:]

    @pass_context
    def lower_first(context: Any, value: str) -> str:
        """A fact sentence continued mid-sentence: lower-case its first word unless it is a name or acronym."""
        text = " ".join(str(value).split()).rstrip(".।")
        first = text.split(" ", 1)[0] if text else ""
        keep = first.casefold() in context.get("_names", set()) or (len(first) > 1 and first.isupper())
        return text if keep or not first else text[:1].lower() + text[1:]

    env.filters.update(date=date, sentence=sentence, lower_first=lower_first, digits=localise)
    return env


def _name_words(case: Any) -> set[str]:
    """Words of the people and companies in the facts: never lower-cased."""
    f = case.facts
    names = [f.company, f.sender.name, f.customer.name, *(p.name for p in f.people_involved)]
    if f.referral:
        names.append(f.referral.name)
    return {w.casefold() for n in names for w in n.split()}


@lru_cache(maxsize=1024)
def _compiled(env: Environment, template: str) -> Any:
    return env.from_string(template)


def compose(kind: str, lang: str, catalog: Catalog, request: DraftRequest, *, tone: str) -> Letter:
    """The letter for ``request.case`` in ``tone`` from the bank of ``lang``."""
    bank = load_bank(lang)
    case = request.case
    layout = catalog.kind(kind).stage(case.stage)
    env = _env_for(lang, catalog)
    lang_ = catalog.lang(lang)
    ctx: dict[str, Any] = {**case.facts.__dict__, "tone": tone, "stage": case.stage, "kind": kind,
                           "_names": _name_words(case), "brief": tone == "concise" or request.brief,
                           "you": bank.address.of(case.facts.customer.name, tone),
                           "me": bank.first_person.of(case.facts.sender.name, tone),
                           "signer": lang_.own_name(case.facts.sender.name)}
    templates = bank.sections.get(kind, {})
    source = f"prompts/offline/{lang}.yaml"

    def fill(template: str, field: str, lines: bool = False) -> str:
        """The template filled; its lines kept only for a signature or a cc list (prose is one paragraph)."""
        try:
            text = _compiled(env, template).render(ctx).strip()
            return text if lines else " ".join(text.split())
        except (TemplateError, UndefinedError) as err:
            raise DataFileError(source, f"template error: {err}", field=field) from None

    sections: dict[str, str] = {}
    for spec in layout.sections:
        needed = spec.required or bool(spec.required_when and case.facts.is_set(spec.required_when))
        if spec.role == "signature":
            sections[spec.id] = fill(bank.signature, spec.id, lines=True)
            continue
        if not needed and spec.id != "keep_in_touch":
            continue
        if spec.id not in templates:
            raise DataFileError(source, f"no template for {kind}.{spec.id}", field=f"sections.{kind}.{spec.id}")
        text = fill(templates[spec.id], f"sections.{kind}.{spec.id}", lines=spec.role == "cc")
        if text:
            sections[spec.id] = text
    sign_off = bank.sign_off.get(tone) or bank.sign_off["neutral"]
    return Letter(greeting=fill(bank.greeting, "greeting"), sections=sections, sign_off=sign_off)


class AsyncOfflineDrafter:
    """The offline drafter behind the async interface (the eval runner; it is instant, nothing to await)."""

    provider, model = OfflineDrafter.provider, OfflineDrafter.model

    def __init__(self) -> None:
        self.sync = OfflineDrafter()

    async def draft(self, request: DraftRequest) -> Reply:
        """A letter composed from the facts."""
        return self.sync.draft(request)

    async def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
                     failing: list[str]) -> Reply:
        """The letter composed again."""
        return self.sync.repair(request, letter, violations, failing)


def from_settings(settings: object) -> OfflineDrafter:
    """The provider registry's factory (the offline drafter needs no settings)."""
    return OfflineDrafter()


def async_from_settings(settings: object, **_: object) -> AsyncOfflineDrafter:
    """The registry's factory for the eval runner."""
    return AsyncOfflineDrafter()
