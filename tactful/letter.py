"""The shapes that flow through everything: the case file and the letter.

The case file format is a contract (see README): it carries its own ``kind`` and ``lang``.
A letter is a greeting, ordered sections keyed by GUIDELINES.md's canonical section IDs,
and a sign-off; ``render`` turns it into plain text and remembers where each section is,
so the checker reports spans in the same coordinates for structured and pasted letters.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_serializer, field_validator, model_validator

from .ids import KINDS as KINDS  # re-exported: the IDs the data defines
from .ids import LANGS as LANGS
from .ids import STAGES as STAGES
from .ids import TONES as TONES
from .paths import kind_stages

Lang = str  # one of LANGS, checked by CaseFile
Kind = str  # one of KINDS
Tone = str  # one of TONES
Stage = str  # one of its kind's stages


def one_of(value: str, allowed: tuple[str, ...]) -> str:
    """``value`` when it is one of ``allowed``, else a ValueError listing them ("input should be 'a' or 'b'")."""
    if value not in allowed:
        *rest, last = (repr(v) for v in allowed)
        raise ValueError(f"input should be {', '.join(rest)} or {last}" if rest else f"input should be {last}")
    return value


# Input limits: far above any real case (the longest fact in the shipped and corpus cases is under
# 400 characters), low enough that a pasted document cannot turn into a letter of thousands of words.
SHORT, MEDIUM, LONG = 150, 300, 1200
Short = Annotated[str, Field(max_length=SHORT)]
Medium = Annotated[str, Field(max_length=MEDIUM)]
Long = Annotated[str, Field(max_length=LONG)]


class _Strict(BaseModel):
    # built on first use: `tactful check` of a plain letter without facts never needs the case-file models
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


_NAME_TITLE = re.compile(r"^\s*(?P<name>[^()]*?\S)\s*\((?P<title>[^()]*\S)\s*\)\s*$")


class Person(_Strict):
    """A named person; a plain string is accepted as the name."""

    name: str = Field(min_length=1, max_length=SHORT)
    title: Short | None = None
    relationship: Medium | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        """ "Siti Aminah" is a name; "Siti Aminah (Ketua Pasukan)" a name and a title, as the form writes them."""
        if not isinstance(value, str):
            return value
        named = _NAME_TITLE.match(value)
        return {"name": named["name"], "title": named["title"]} if named else {"name": value}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """In a schema too, a person may be written as a plain string ("Name" or "Name (title)")."""
        return {"anyOf": [handler(core_schema), {"type": "string", "description": 'a name, or "Name (title)"'}]}

    @property
    def label(self) -> str:
        """The person as a cc line names them: "Name (title)"."""
        return f"{self.name} ({self.title})" if self.title else self.name


class Contact(_Strict):
    """Someone the customer can be referred to."""

    name: str = Field(min_length=1, max_length=MEDIUM)
    contact: str = Field(min_length=1, max_length=SHORT)


class Meeting(_Strict):
    """A proposed call or meeting."""

    date: dt.date
    mode: Short = "phone call"


class Resolution(_Strict):
    """What both sides agreed, and by when."""

    action: str = Field(min_length=1, max_length=MEDIUM)
    timeframe: str = Field(min_length=1, max_length=MEDIUM)


class Facts(_Strict):
    """The case facts; which ones a kind needs is data (guardrails/kinds/*.yaml)."""

    company: str = Field(min_length=1, max_length=SHORT)
    sender: Person
    customer: Person
    what_happened: Long | None = None
    impact: Long | None = None
    our_fault: bool = False
    offer: Long | None = None
    remedy: Long | None = None
    relationship_ending: bool = False
    referral: Contact | None = None
    prevention: Long | None = None
    meeting: Meeting | None = None
    discussion: Long | None = None
    agreed_resolution: Resolution | None = None
    people_involved: list[Person] = Field(default_factory=list, max_length=20)
    mission: Long | None = None
    cause: Long | None = None  # win_back: why it went wrong, when known (the letter owns it; none is invented)

    @field_validator("people_involved", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_serializer("people_involved")
    def _as_written(self, people: list[Person]) -> list[str]:
        """Dumped as the form and case files write them ("Name (title)"), which read back the same."""
        return [p.label for p in people]

    def strings(self) -> list[str]:
        """Every text value in the facts, for grounding and data-block rendering."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, BaseModel):
                for item in value.__dict__.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
            elif isinstance(value, dt.date):
                out.append(value.isoformat())
            elif isinstance(value, str) and value:
                out.append(value)

        walk(self)
        return out

    def named_strings(self) -> list[tuple[str, str]]:
        """(fact name, text) for every text value, so a fault quoted from the facts can name its field."""
        out: list[tuple[str, str]] = []
        for name, value in self.__dict__.items():
            values = value.__dict__.values() if isinstance(value, BaseModel) else value if isinstance(value, list) else [value]
            values = [w for v in values for w in (v.__dict__.values() if isinstance(v, BaseModel) else [v])]
            out += [(name, v) for v in values if isinstance(v, str) and v]
        return out

    def is_set(self, name: str) -> bool:
        """True when a fact is given (a non-empty value, or a true flag)."""
        value = getattr(self, name, None)
        return bool(value)


class CaseFile(_Strict):
    """A case file: what to write, in which language and tone, from which facts."""

    # the data's IDs, as they were when the schema was written
    kind: Kind = Field(json_schema_extra={"enum": list(KINDS)})
    lang: Lang = Field(json_schema_extra={"enum": list(LANGS)})
    stage: Stage | None = Field(default=None, json_schema_extra={"enum": [*STAGES, None]})
    tone: Tone = Field(default="neutral", json_schema_extra={"enum": list(TONES)})
    facts: Facts
    expect: list[Any] = Field(default_factory=list)
    notes: str | None = None

    @field_validator("kind", "lang", "tone")
    @classmethod
    def _known_id(cls, value: str, info: ValidationInfo) -> str:
        return one_of(value, {"kind": KINDS, "lang": LANGS, "tone": TONES}[str(info.field_name)])

    @field_validator("stage")
    @classmethod
    def _stage_of_the_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if value is None or kind is None:
            return value
        stages, _ = kind_stages().get(kind, ((), None))
        if not stages:
            staged = [k for k, (s, _) in kind_stages().items() if s]
            raise ValueError(f"'stage' applies only to {', '.join(staged)}, not to {kind}")
        return one_of(value, stages)

    @model_validator(mode="after")
    def _default_stage(self) -> CaseFile:
        stages, default = kind_stages().get(self.kind, ((), None))
        if stages and self.stage is None:
            self.stage = default
        return self


SIGNATURE_IDS = frozenset({"signature", "owner_signature"})


class Letter(_Strict):
    """A letter as the drafting layer produces it: sections keyed by canonical IDs, in order."""

    greeting: str = ""
    sections: dict[str, str]
    sign_off: str = ""

    def render(self) -> tuple[str, dict[str, tuple[int, int]]]:
        """Plain text of the letter and the character span of each section in it."""
        parts: list[str] = []
        spans: dict[str, tuple[int, int]] = {}
        pos = 0

        def add(text: str, section_id: str | None) -> None:
            nonlocal pos
            text = text.strip()
            if not text:
                return
            if parts:
                parts.append("\n\n")
                pos += 2
            if section_id:
                spans[section_id] = (pos, pos + len(text))
            parts.append(text)
            pos += len(text)

        add(self.greeting, None)
        signed = False
        for section_id, text in self.sections.items():
            if section_id in SIGNATURE_IDS and not signed:
                add(self.sign_off, None)
                signed = True
            add(text, section_id)
        if not signed:
            add(self.sign_off, None)
        return "".join(parts), spans

    def flat(self) -> dict[str, str]:
        """The letter as the model writes it: one JSON key per part."""
        return {"greeting": self.greeting, **self.sections, "sign_off": self.sign_off}

    @classmethod
    def from_flat(cls, data: dict[str, str], section_ids: list[str]) -> Letter:
        """A letter from the model's JSON object; sections in ``section_ids`` order, empty ones dropped."""
        sections = {sid: data[sid].strip() for sid in section_ids if str(data.get(sid) or "").strip()}
        return cls(greeting=str(data.get("greeting") or ""), sections=sections, sign_off=str(data.get("sign_off") or ""))

    @property
    def text(self) -> str:
        """The letter as plain text."""
        return self.render()[0]
