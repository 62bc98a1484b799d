"""``ungrounded_detail``: numbers, amounts, dates, phones, e-mails, URLs and names must come from the facts.

Both sides are reduced to comparable keys before comparing: phone numbers to their digits
("888-555-4848" = "888 555 4848"), dates to (year, month, day) whatever the spelling
("3 December 2026" = "2026-12-03" = "3 ธันวาคม 2569" in the Buddhist era), numbers to a
canonical decimal ("1,200.00" = "1200"), Thai and Bengali digits to ASCII (``normalise``
already did that). Names are checked in Latin script only, word by word: every capitalised
word of a name inside a sentence must be a word of the facts (or a pack's ``not_names``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..catalog import Lang, RuleSpec
from ..letter import Facts
from ..text import SCRIPT_RANGES, nfc, normalise
from .doc import Doc
from .registry import check_kind
from .verdict import Span, Violation

# Each pattern starts with what it consumes and looks behind after its first character ("\d(?<!\d\d)" is a digit
# with no digit before it): Python's re then skips ahead to a possible first character instead of trying the
# look-behind at every position, which made each of these cost about 60 µs on a 300-word letter.
EMAIL = re.compile(r"[\w.+-](?<![\w.+-][\w.+-])[\w.+-]*@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]")
ISO_DATE = re.compile(r"(\d(?<!\d\d)\d{3})-(\d{1,2})-(\d{1,2})(?!\d)")
NUM_DATE = re.compile(r"(\d(?<![\d/.]\d)\d?)[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/.])")
PHONE = re.compile(r"(?:\+(?<![\d+]\+)\d|\d(?<![\d+]\d))(?:[\d ().-]{5,}\d)(?!\d)")
LIST_MARKER = re.compile(r"[.)।]\s")
YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
NUMBER = re.compile(r"\d(?<![\d.,]\d)\d*(?:[.,]\d+)*(?![\d])")  # "RM150": the number is 150
# Capitalised words on one line ("RM150": "RM" is a currency, not a name).
_CAP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿA-ZÀ-ÖØ-Þ"
# Lower-case particles inside a name ("Ana de la Cruz", "Siti binti Ahmad"); a word of the name, not a detail.
_CONNECTORS = frozenset({"de", "del", "la", "van", "von", "bin", "binti", "da", "di"})
NAME = re.compile(rf"[{_CAP}](?<![\w'][{_CAP}])[{_LOW}'-]*[{_LOW}](?![\d'-])"
                  rf"(?:[ \t]+(?:(?:{'|'.join(sorted(_CONNECTORS))})[ \t]+)?[{_CAP}][{_LOW}'-]*[{_LOW}](?![\d'-]))*")
WORD_BEFORE_DOT = re.compile(r"(\w+)\.\s*$")  # "Mr. Smith": a title's dot is not a sentence end
AFTER_SENTENCE_END = re.compile(r"[.!?।:;\n\"“(]\s*$")


@dataclass(frozen=True)
class Detail:
    """A checkable detail found in text."""

    what: str
    key: str
    span: Span


class FactKeys:
    """The comparable keys of every detail in the case facts."""

    def __init__(self, facts: Facts, lang: Lang) -> None:
        text = normalise(nfc("\n".join(facts.strings())))
        self.keys: set[str] = set()
        for detail in details(text, lang, names=False):
            for key in detail.key.split("|"):
                self.keys.add(key)
                if detail.what == "date":  # "2026" (or 2569 in the Buddhist era) alone is grounded by 2026-12-03
                    year, month, day = key.split("-")
                    self.keys.update(p for p in (month, day) if p != "0")
                    if year != "0":
                        self.keys.update(str(int(year) + off) for off in lang.pack.year_offsets)
                elif detail.what == "number" and YEAR_LIKE.fullmatch(key):
                    # a year the facts state alone or in "2026-09" is the year in any calendar (2569 in Thai)
                    self.keys.update(str(int(key) + off) for off in lang.pack.year_offsets)
        self.keys.update(str(n) for n in _number_words(text, lang))
        self.words = {w.casefold().removesuffix("'s") for w in re.findall(r"[\w'-]+", text)}
        digits = re.sub(r"\D", "", text)
        self.digit_runs = {re.sub(r"\D", "", m.group()) for m in PHONE.finditer(text)}
        self.digits = digits

    def grounded(self, detail: Detail, lang: Lang) -> bool:
        """True when the facts contain the detail."""
        if detail.what == "name":
            months = _MONTHS.get(lang.code) or _MONTHS.setdefault(lang.code, _month_names(lang))
            return all(w in self.words or w in lang.not_names or w in months or w in _CONNECTORS
                       or w.rstrip(".") in lang.honorifics for w in detail.key.split())
        if detail.what == "phone number":
            return detail.key in self.digit_runs or detail.key in self.digits
        return detail.key in self.keys


def _number_words(text: str, lang: Lang) -> list[int]:
    """The numbers the facts write as words ("seis meses", "dua belas", "สิบสอง")."""
    low = text.casefold()
    return [value for word, pattern, value in lang.number_words
            if word in low and (pattern is None or (pattern.compiled or pattern.compile()).search(low) is not None)]


def _month_names(lang: Lang) -> dict[str, int]:
    table: dict[str, int] = {}
    for names in (lang.pack.months, lang.pack.month_abbreviations):
        for i, name in enumerate(names):
            table[nfc(name).casefold()] = i + 1
    return table


_LETTERS = rf"(?:[^\W\d_]|[{SCRIPT_RANGES}])"  # letters, and the packs' scripts' vowel signs
_WORD = rf"({_LETTERS}(?:{_LETTERS}|\.(?={_LETTERS}))*\.?)"
_YEAR = r"(?:,?\s*(?:de\s+|del\s+|พ\.ศ\.\s*|ค\.ศ\.\s*)?(\d{4}|\d{2})(?!\d))?"
# Both shapes start from something cheap to find (a digit, a word) and the month is looked
# up in a dict, instead of a 24-way alternation tried at every position.
DAY = re.compile(r"\d(?<!\d\d)\d?(?!\d)")
DAY_FIRST = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th|লা|রা|ঠা|ই|শে)?\s*(?:de\s+)?{_WORD}{_YEAR}", re.IGNORECASE)
MONTH_FIRST = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?!\d){_YEAR}", re.IGNORECASE)


def _month(word: str, months: dict[str, int]) -> int | None:
    key = word.casefold()
    return months.get(key) or months.get(key.rstrip("."))


_MONTHS: dict[str, dict[str, int]] = {}


def _dates(text: str, lang: Lang) -> Iterator[Detail]:
    months = _MONTHS.get(lang.code) or _MONTHS.setdefault(lang.code, _month_names(lang))


    def detail(day: str, month: int, year: str | None, span: Span) -> Detail:
        return Detail("date", "|".join(f"{y}-{month}-{int(day)}" for y in _years(year, lang)), span)

    for day in DAY.finditer(text):  # dates always have a day: start from the few digits
        m = DAY_FIRST.match(text, day.start())
        if m and (month := _month(m.group(2), months)):
            yield detail(m.group(1), month, m.group(3), m.span())
            continue
        # "December 3": the word just before the day (a plain split: a regex searched backwards
        # over Thai text backtracks badly).
        window = text[max(0, day.start() - 24) : day.start()]
        tokens = window.split()
        if not tokens or not window[-1].isspace():
            continue
        m = MONTH_FIRST.match(text, day.start())
        if m and (month := _month(tokens[-1], months)):
            start = day.start() - len(window) + window.rfind(tokens[-1])
            yield detail(m.group(1), month, m.group(2), (start, m.end()))
    for m in ISO_DATE.finditer(text):
        yield Detail("date", f"{int(m.group(1))}-{int(m.group(2))}-{int(m.group(3))}", m.span())
    for m in NUM_DATE.finditer(text):
        keys = [f"{y}-{int(m.group(2))}-{int(m.group(1))}" for y in _years(m.group(3), lang)]
        yield Detail("date", "|".join(keys), m.span())


def _years(year: str | None, lang: Lang) -> list[int]:
    """The Common-era years a written year may mean (Buddhist era in Thai; 2-digit years)."""
    if not year:
        return [0]
    if len(year) == 2:
        return sorted({2000 + int(year)} | {2500 + int(year) - off for off in lang.pack.year_offsets if off})
    return [int(year) - off for off in lang.pack.year_offsets]


def _number_key(raw: str) -> str:
    raw = raw.strip(".,")
    lakh = re.fullmatch(r"\d{1,2}(?:,\d{2})*,\d{3}(?:\.\d+)?", raw)  # 5,00,000
    if lakh or re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", ".")
    whole, _, frac = raw.partition(".")
    frac = frac.rstrip("0")
    return (whole.lstrip("0") or "0") + (f".{frac}" if frac else "")


def details(text: str, lang: Lang, *, names: bool = True) -> list[Detail]:
    """Every checkable detail in ``text`` (already normalised), each span claimed once."""
    found: list[Detail] = []
    claimed = bytearray(len(text) + 1)  # 1 where an earlier (higher-priority) detail sits
    for detail in _candidates(text, lang, names):
        start, end = detail.span
        if claimed.find(1, start, max(end, start + 1)) == -1:
            found.append(detail)
            claimed[start:end] = b"\x01" * (end - start)
    return found


def _candidates(text: str, lang: Lang, names: bool) -> Iterator[Detail]:
    """Details in priority order: e-mails and URLs, dates, phones, numbers, then names."""
    for m in EMAIL.finditer(text) if "@" in text else ():
        yield Detail("e-mail", m.group().casefold(), m.span())
    for m in URL.finditer(text) if "://" in text or "www." in text else ():
        yield Detail("URL", m.group().casefold().removeprefix("https://").removeprefix("http://"), m.span())
    yield from _dates(text, lang)
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 7:
            yield Detail("phone number", digits, m.span())
    for m in NUMBER.finditer(text):
        if m.group() == "100" and text[m.end() : m.end() + 2].lstrip().startswith("%"):
            continue  # "100 %" is a guarantee's figure of speech (unkeepable_promise), not a detail
        if LIST_MARKER.match(text, m.end()) and not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip():
            continue  # "1." / "১।" / "2)" opening a line: a numbered list, not a detail
        yield Detail("number", _number_key(m.group()), m.span())
    if names:
        yield from _names(text, lang)


def _names(text: str, lang: Lang) -> Iterator[Detail]:
    """Capitalised Latin-script names, skipping sentence-initial single words and all-caps lines."""
    for m in NAME.finditer(text):
        if m.group().isupper():
            continue  # an all-caps subject line or an acronym, not a person's or company's name
        before = text[max(0, m.start() - 6) : m.start()]
        titled = WORD_BEFORE_DOT.search(text, max(0, m.start() - 8), m.start())
        after_title = titled is not None and titled.group(1).casefold() in lang.titles
        at_start = (AFTER_SENTENCE_END.search(before) is not None and not after_title) or not text[: m.start()].strip()
        words = m.group().split()
        start = m.start()
        if lang.tokenizer == "latin" and at_start:
            # a sentence's first word is capitalised anyway: "At Fernwood Print Studio", "Between August"
            if len(words) == 1:
                continue
            start = m.start() + m.group().index(words[1], len(words[0]))
            words = words[1:]
            if words[0].casefold() in _CONNECTORS:
                continue
        yield Detail("name", " ".join(w.casefold().removesuffix("'s") for w in words), (start, m.end()))



def date_keys(detail: Detail) -> list[str]:
    """A date detail's alternative keys (one per year offset)."""
    return detail.key.split("|")


@check_kind("grounding")
def grounding(doc: Doc, rule_id: str, rule: RuleSpec) -> list[Violation]:
    """Every detail in the letter body must be found in the case facts."""
    if doc.facts is None:
        return []
    facts = FactKeys(doc.facts, doc.lang)
    fact_dates = {k for k in facts.keys if k.count("-") == 2}
    out = []
    for detail in details(doc.norm, doc.lang):
        if detail.what == "date":
            ok = any(_date_matches(k, fact_dates) for k in date_keys(detail))
        else:
            ok = facts.grounded(detail, doc.lang)
        if not ok:
            found = doc.text[detail.span[0] : detail.span[1]]
            message = doc.lang.message(rule_id, rule.message).format(match=found, what=detail.what)
            out.append(doc.violation(rule_id, rule, message, detail.span))
    return out


def _date_matches(key: str, fact_dates: set[str]) -> bool:
    year, month, day = key.split("-")
    if year != "0":
        return key in fact_dates
    return any(k.split("-")[1:] == [month, day] for k in fact_dates)
