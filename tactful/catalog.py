"""THE loader for the reviewer-editable data: guardrails/kinds, guardrails/rules, guardrails/lang.

It reads every file once, validates it with pydantic (``extra="forbid"``: a typo is an error
naming the file, field and line), cross-checks IDs between files, and compiles every
pattern, so checking a letter does no I/O and no regex compilation. Nothing else in the
package opens these files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from . import yamldoc
from .errors import DataFileError, UsageError
from .paths import ROOT as ROOT  # re-exported: the data root
from .paths import scripts
from .text import WORD_CLASS, LazyPattern, PhraseIndex, Tokenizer, alternation, line_pattern, nfc

Severity = Literal["error", "warning"]
M = TypeVar("M", bound=BaseModel)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionSpec(_Data):
    """One section of a kind: its canonical ID, when it is required, and its role if it has one.

    ``role: signature`` is the sender's name and title (the sign-off stands before it, and the
    checker reads it by its shape); ``role: cc`` is a copy line after it.
    """

    id: str
    required: bool = False
    required_when: str | None = None
    purpose: str = ""
    hint: str = ""  # added to "no such section" reports: what a writer who thinks they wrote it has missed
    role: Literal["signature", "cc"] | None = None


FactType = Literal["text", "long_text", "bool", "person", "contact", "meeting", "resolution", "names"]
PARTS: dict[str, tuple[str, str]] = {  # the two parts the form asks for, by fact type
    "person": ("name", "title"), "contact": ("name", "contact"), "meeting": ("date", "mode"),
    "resolution": ("action", "timeframe"),
}


class FactSpec(_Data):
    """One case fact a kind uses, as the form and the validation see it."""

    name: str
    label: str
    help: str = ""
    required: bool = False
    required_when: str | None = None
    type: FactType = "text"  # how the form asks for it (a line, a box, a tick, two parts, a list of people)
    parts: tuple[str, str] | None = None  # the two parts, when not the type's own (a client: name, relationship)
    scored: bool = False  # evals: the share of its words a letter carries counts in "facts covered"

    @property
    def pair(self) -> tuple[str, str] | None:
        """The two parts a two-part fact is asked for in, else None."""
        return self.parts or PARTS.get(self.type)


class StageSpec(_Data):
    """The layout of one letter: its sections in order, its facts and its budgets."""

    title: str = ""
    choice: str = ""  # how the app's letter selector names this letter
    max_words: int = 300
    max_apologies: int = 2
    sections: list[SectionSpec]
    facts: list[FactSpec] = Field(default_factory=list)

    @property
    def section_ids(self) -> list[str]:
        """Section IDs in the guide's order."""
        return [s.id for s in self.sections]

    def with_role(self, role: str) -> list[str]:
        """The IDs of the sections with ``role`` (``signature``, ``cc``), in order."""
        return [s.id for s in self.sections if s.role == role]


class KindSpec(_Data):
    """A letter kind (guardrails/kinds/<kind>.yaml)."""

    title: str
    choice: str = ""  # how the app's letter selector names this kind (stages name themselves)
    guide: str = ""
    aim: str = ""
    max_words: int = 300
    max_apologies: int = 2
    sections: list[SectionSpec] = Field(default_factory=list)
    facts: list[FactSpec] = Field(default_factory=list)
    default_stage: str | None = None
    stages: dict[str, StageSpec] = Field(default_factory=dict)
    example: str | None = None

    def stage(self, stage: str | None) -> StageSpec:
        """The layout for ``stage`` (kinds without stages have one layout)."""
        if not self.stages:
            return StageSpec(
                title=self.title, choice=self.choice or self.title, max_words=self.max_words,
                max_apologies=self.max_apologies, sections=self.sections, facts=self.facts,
            )
        name = stage or self.default_stage or next(iter(self.stages))
        if name not in self.stages:
            raise UsageError(f"unknown stage '{name}' (choose from {', '.join(self.stages)})")
        return self.stages[name]


class RuleSpec(_Data):
    """A guardrail rule (guardrails/rules/<rule_id>.yaml)."""

    severity: Severity
    label: str = ""  # the rule's name for a letter writer ("Blame shifted"); the ID stays the canonical name
    check: str
    applies_to: Literal["all"] | list[str] = "all"
    needs_facts: bool = False
    unless_in_facts: bool = False
    instruction: str = ""
    message: str
    message_phrase: str | None = None
    message_owner: str | None = None
    message_sender: str | None = None
    message_team: str | None = None        # missing_signature without facts: signed by a team, not a person
    message_unsure: str | None = None      # missing_section: weak evidence either way
    message_wrong_job: str | None = None   # missing_section: a structured section that does not do its job
    message_far: str | None = None         # too_long: past twice the budget
    confirm: float = 0.2                   # missing_section: confidence under this is "could not confirm"
    weak: float = 0.15                     # missing_section: evidence under this is "absent"
    wrong_job: float = 0.05                # missing_section: a structured section this unlike its job is missing
    threshold: float | None = None         # learned rules: the probability that fires the rule (default: the model's
                                           #   own, where its cross-validated precision reaches 90 %)
    learned_sections: list[str] | None = None  # learned rules: the sections the model reads (None: all)
    unsure_at: float = 0.6                 # learned rules: from this probability up to the threshold, a warning
    min_chars: int = 30                    # learned rules: shorter sentences are judged by the phrase lists only
    veto: float = 0.1                      # learned rules: a phrase hit in a sentence under this is a look-alike
    owned_by_admission: bool = False       # learned rules: no unsure finding in a sentence that owns the fault
    regex: list[str] = Field(default_factory=list)
    min_confidence: float = 0.8
    min_words: int = 8
    guide: str = ""

    def applies(self, kind: str) -> bool:
        """True when the rule is checked for letters of ``kind``."""
        return self.applies_to == "all" or kind in self.applies_to


class LangRule(_Data):
    """A language's patterns for one rule, with the example sentences the tests run."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    count: list[str] = Field(default_factory=list)
    flag: list[str] = Field(default_factory=list)
    pass_: list[str] = Field(default_factory=list, alias="pass")


class LangPack(_Data):
    """A language pack (guardrails/lang/<code>.yaml)."""

    name: str
    tokenizer: Tokenizer
    script: str | None = None  # its letters' script when not Latin, as guardrails/scripts.yaml names it
    detector: str
    rivals: list[str] = Field(default_factory=list)  # close languages with no pack (Lingua names): "reads as Catalan"
    word_budget_factor: float = 1.0
    greetings: list[str]
    sign_offs: list[str]
    cc_markers: list[str] = Field(default_factory=lambda: ["cc"])
    months: list[str] = Field(min_length=12, max_length=12)
    month_abbreviations: list[str] = Field(default_factory=list)
    year_offsets: list[int] = Field(default_factory=lambda: [0])
    # how a letter in this language writes a date ({day}, {month}, {Month} capitalised, {year}), with
    # the calendar's year offset (Thai Buddhist era: 543) and the language's own digits, if it uses them
    date_format: str = "{day} {month} {year}"
    date_year_offset: int = 0
    digits: str = Field(default="", pattern=r"^(.{10})?$")
    # how a careful writer of this language addresses a customer (pronouns, forms of address), for the
    # prompts from v3 on: each language carries its own guidance instead of every prompt naming all of them
    forms_of_address: str = ""
    docx_font: str = "Calibri"  # a font with the script's glyphs, for exported .docx letters
    not_names: list[str] = Field(default_factory=list)
    titles: list[str] = Field(default_factory=list)  # abbreviations whose dot does not end a sentence
    honorifics: list[str] = Field(default_factory=list)  # Mr, Encik, คุณ: people do not sign with their own
    abbreviations: list[str] = Field(default_factory=list)  # co, ltd, jln: besides titles, words whose full stop ends no sentence
    number_words: dict[str, int] = Field(default_factory=dict)  # "twelve": 12, "dua belas": 12, "สิบสอง": 12
    # words that own a fault in the first person ("our mistake", "we did not"): the meaning model's
    # unsure finding of blame or an excuse in such a sentence is dropped (see rules' owned_by_admission)
    owning: list[str] = Field(default_factory=list)
    # a signature whose name line begins or ends with one of these is signed by a group, not a person
    team_words: list[str] = Field(default_factory=list)
    owning_regex: list[str] = Field(default_factory=list)
    sections: dict[str, list[str]]
    rules: dict[str, LangRule]
    messages: dict[str, str] = Field(default_factory=dict)
    tone_markers: dict[str, list[str]] = Field(default_factory=dict)


class Lang:
    """A language pack with every pattern compiled once."""

    def __init__(self, code: str, pack: LangPack, rules: dict[str, RuleSpec], source: str, node: Any,
                 model: Path | None = None) -> None:
        self.code, self.pack, self.tokenizer = code, pack, pack.tokenizer
        self.model_path = model
        self.honorifics = frozenset(nfc(w).casefold().rstrip(".") for w in pack.honorifics)
        # with their full stop ("co."), as the sentence splitter and the signature finder meet them
        self.team_words = frozenset(" ".join(nfc(w).casefold().split()) for w in pack.team_words)
        self.abbreviations = frozenset(nfc(w).casefold().rstrip(".") + "." for w in [*pack.titles, *pack.abbreviations])
        tk = pack.tokenizer
        entries = [(p, f"cue:{sid}") for sid, cues in pack.sections.items() for p in cues]
        self.greeting = line_pattern(pack.greetings, tk)
        self.sign_off = line_pattern(pack.sign_offs, tk, rest=r"\s*[,.!]?\s*$")
        # "cc: Siti", "cc Siti", "s.k. Siti": the marker, then a colon or a space, at a line start;
        # "c.c." also as "c. c.": a space may follow each dot
        self.cc = alternation([r"^\s*" + re.escape(nfc(p)).replace(r"\.", r"\.\s*") + rf"(?![{WORD_CLASS}])\s*:?"
                               for p in pack.cc_markers])
        self.not_names = frozenset(nfc(w).casefold() for w in pack.not_names)
        self.titles = frozenset(nfc(w).casefold().rstrip(".") for w in pack.titles)
        self.regexes: dict[str, list[re.Pattern[str]]] = {}
        self.counters: dict[str, list[re.Pattern[str]]] = {}
        flags = re.IGNORECASE | re.MULTILINE
        for rule_id in rules:
            entries += [(p, f"rule:{rule_id}") for p in pack.rules.get(rule_id, LangRule()).phrases]
        entries += [(p, "owning") for p in pack.owning]
        self.index = PhraseIndex(entries, tk)
        owning = [self._checked(nfc(r), source, node, ("owning_regex", i)) for i, r in enumerate(pack.owning_regex)]
        self.owning = [re.compile(r, re.IGNORECASE) for r in owning if not self.index.add_regex(r, "owning", re.IGNORECASE)]
        for rule_id, spec in rules.items():
            own = pack.rules.get(rule_id, LangRule())
            regexes = [self._checked(nfc(r), source, node, ("rules", rule_id, "regex", i)) for i, r in enumerate(own.regex)]
            regexes += [self._checked(r, source, None, ("rules", rule_id)) for r in spec.regex]
            # Regexes with a literal head join the one-pass index; the rest run on their own.
            self.regexes[rule_id] = [re.compile(r, flags) for r in regexes
                                     if not self.index.add_regex(r, f"rule:{rule_id}", flags)]
            counted = [self._checked(nfc(r), source, node, ("rules", rule_id, "count", i)) for i, r in enumerate(own.count)]
            self.counters[rule_id] = [re.compile(r, flags) for r in counted
                                      if not self.index.add_regex(r, f"count:{rule_id}", flags)]

    def format_date(self, date: dt.date) -> str:
        """``date`` as a letter in this language writes it ("1 December 2026", "1 ธันวาคม 2569", "১ ডিসেম্বর ২০২৬")."""
        month = self.pack.months[date.month - 1]
        text = self.pack.date_format.format(day=date.day, month=month, Month=month[:1].upper() + month[1:],
                                            year=date.year + self.pack.date_year_offset)
        return text.translate(str.maketrans("0123456789", self.pack.digits)) if self.pack.digits else text

    def own_name(self, name: str) -> str:
        """``name`` as its owner signs it: without their own honorific ("Encik Ravi Kumar" → "Ravi Kumar",
        "คุณวรรณา ศรีสุข" → "วรรณา ศรีสุข"); professional titles (Dr, ดร.) are not honorifics and stay."""
        words = nfc(name).split()
        while len(words) > 1 and words[0].casefold().rstrip(".") in self.honorifics:
            words.pop(0)
        if words and self.tokenizer == "thai":  # Thai writes the honorific glued to the name
            for title in sorted(self.honorifics, key=len, reverse=True):
                if words[0].startswith(title) and len(words[0]) > len(title):
                    words[0] = words[0][len(title):]
                    break
        return " ".join(words)

    @staticmethod
    def _checked(pattern: str, source: str, node: Any, loc: tuple[Any, ...]) -> str:
        try:
            re.compile(pattern)
        except re.error as err:
            line = yamldoc.line_of(node, loc) if node is not None else None
            raise DataFileError(source, f"invalid regex {pattern!r}: {err}", line=line,
                                field=".".join(map(str, loc))) from None
        return pattern

    @cached_property
    def number_words(self) -> list[tuple[str, LazyPattern | None, int]]:
        """The pack's number words: (the word, a pattern on its word boundaries or None for Thai, which
        matches it as a plain substring, the value). The pattern compiles when the word is in a text."""
        out: list[tuple[str, LazyPattern | None, int]] = []
        for word, value in self.pack.number_words.items():
            word = nfc(word).casefold()
            if self.tokenizer == "thai":
                out.append((word, None, value))
            else:  # Bengali adds case endings: a left boundary only
                right = "" if self.tokenizer == "bengali" else rf"(?![{WORD_CLASS}])"
                out.append((word, LazyPattern(rf"(?<![{WORD_CLASS}]){re.escape(word)}{right}", 0), value))
        return out

    def message(self, rule_id: str, default: str) -> str:
        """The rule's message in this language, if the pack translates it."""
        return self.pack.messages.get(rule_id, default)


class _LazyLangs(Mapping[str, "Lang"]):
    """Languages by code, each compiled the first time it is looked up."""

    def __init__(self, makers: dict[str, Callable[[], Lang]]) -> None:
        self._makers = makers
        self._built: dict[str, Lang] = {}

    def __getitem__(self, code: str) -> Lang:
        if code not in self._built:
            self._built[code] = self._makers[code]()
        return self._built[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)

    def __contains__(self, code: object) -> bool:
        return code in self._makers


class Catalog:
    """Every kind, rule and language, validated (each language compiled on first use)."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        gr = root / "guardrails"
        self.kinds = {p.stem: yamldoc.load(p, KindSpec, cache=True) for p in sorted((gr / "kinds").glob("*.yaml"))}
        self.rules = {p.stem: yamldoc.load(p, RuleSpec, cache=True) for p in sorted((gr / "rules").glob("*.yaml"))}
        self.packs: dict[str, LangPack] = {}
        sources: dict[str, tuple[str, Any]] = {}
        for path in sorted((gr / "lang").glob("*.yaml")):
            data, node = yamldoc.parse(yamldoc.read_text(path), str(path), cache=True)
            pack = yamldoc.validate(LangPack, data, node, str(path))
            self._cross_check(path, pack, node)
            self.packs[path.stem] = pack
            sources[path.stem] = (str(path), node)
        # Compiling a pack's patterns is most of the cost of loading it: done on first use of the language.
        def maker(code: str) -> Callable[[], Lang]:
            return lambda: Lang(code, self.packs[code], self.rules, sources[code][0], sources[code][1],
                                model=gr / "model" / f"{code}.npz")

        self.langs: Mapping[str, Lang] = _LazyLangs({code: maker(code) for code in self.packs})
        self._files: dict[tuple[str, type[BaseModel]], tuple[Any, str]] = {}  # (file, model) -> (value, sha256)

    def data(self, relpath: str, model: type[M]) -> tuple[M, str]:
        """A data file under the root (``prompts/v3.yaml``), validated by ``model``, with its text's SHA-256:
        read once per catalog. Every file the product reads from its data goes through here (or ``__init__``),
        so a data root (``TACTFUL_DATA``, a copy in a test) is one setting, and every error names file and line."""
        key = (relpath, model)
        if key not in self._files:
            path = self.root / relpath
            text = yamldoc.read_text(path)
            data, node = yamldoc.parse(text, str(path), cache=True)
            self._files[key] = (yamldoc.validate(model, data, node, str(path)), hashlib.sha256(text.encode()).hexdigest())
        return self._files[key]

    def has(self, relpath: str) -> bool:
        """True when the data has this file."""
        return (self.root / relpath).is_file()

    def names(self, folder: str, pattern: str = "*.yaml") -> list[str]:
        """The stems of the data files in ``folder`` matching ``pattern``, sorted."""
        return sorted(p.stem for p in (self.root / folder).glob(pattern))

    @cached_property
    def choices(self) -> dict[str, tuple[str, str | None]]:
        """Every letter the app offers, by its label: label -> (kind, stage), kinds by ID, stages as listed."""
        out: dict[str, tuple[str, str | None]] = {}
        for kind_id, kind in self.kinds.items():
            for stage in kind.stages or [None]:
                layout = kind.stage(stage)
                out[layout.choice or f"{kind.title}: {layout.title}"] = (kind_id, stage)
        return out

    @cached_property
    def fact_specs(self) -> dict[str, FactSpec]:
        """Each fact any kind asks for, by name (the first kind's wording of it)."""
        out: dict[str, FactSpec] = {}
        for kind in self.kinds.values():
            for layout in [kind.stage(s) for s in (kind.stages or [None])]:
                for spec in layout.facts:
                    out.setdefault(spec.name, spec)
        return out

    @cached_property
    def section_ids(self) -> frozenset[str]:
        """Every section ID any kind defines."""
        ids: set[str] = set()
        for kind in self.kinds.values():
            for layout in [kind.stage(s) for s in (kind.stages or [None])]:
                ids.update(layout.section_ids)
        return frozenset(ids)

    def _cross_check(self, path: Path, pack: LangPack, node: Any) -> None:
        if pack.script is not None and pack.script not in scripts(self.root):
            raise DataFileError(str(path), f"unknown script '{pack.script}' (guardrails/scripts.yaml names "
                                f"{', '.join(scripts(self.root)) or 'none'})", line=yamldoc.line_of(node, ("script",)),
                                field="script")
        for rule_id in pack.rules:
            if rule_id not in self.rules:
                line = yamldoc.line_of(node, ("rules", rule_id))
                raise DataFileError(str(path), f"unknown rule ID '{rule_id}'", line=line, field=f"rules.{rule_id}")
        for section_id in pack.sections:
            if section_id not in self.section_ids:
                line = yamldoc.line_of(node, ("sections", section_id))
                raise DataFileError(str(path), f"unknown section ID '{section_id}'", line=line)

    def kind(self, kind: str) -> KindSpec:
        """A kind by ID, or a UsageError listing the known ones."""
        if kind not in self.kinds:
            raise UsageError(f"unknown kind '{kind}' (choose from {', '.join(self.kinds)})")
        return self.kinds[kind]

    def lang(self, code: str) -> Lang:
        """A language by code, or a UsageError listing the known ones."""
        if code not in self.langs:
            raise UsageError(f"unknown language '{code}' (choose from {', '.join(self.langs)})")
        return self.langs[code]


@lru_cache(maxsize=4)
def load(root: Path = ROOT) -> Catalog:
    """The catalog for ``root``, loaded once per process."""
    return Catalog(root)
