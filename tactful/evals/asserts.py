"""Case expectations beyond the guardrails (the ``expect:`` list of a case file), one function per word.

- ``passes_guardrails``
- ``{no_violation: [rule IDs]}``: none of these rules is violated (the checker's unsure warnings,
  "this may ...", are reported in the results but do not count as a violation)
- ``{mentions_facts: [fact names]}``: most of each fact's words appear in the letter
- ``{must_include: [phrases]}`` / ``{must_not_include: [phrases]}`` (case-insensitive)
- ``{words: {min: N, max: N}}``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog
from ..guardrails import Verdict
from ..letter import CaseFile
from ..text import normalise, word_count, words


@dataclass
class Outcome:
    """One expectation's result."""

    name: str
    ok: bool
    detail: str = ""


Check = Callable[[Any, CaseFile, Verdict, Catalog], Outcome]
ASSERTS: dict[str, Check] = {}


def expectation(name: str) -> Callable[[Check], Check]:
    """Register an expectation word."""

    def register(func: Check) -> Check:
        ASSERTS[name] = func
        return func

    return register


@expectation("passes_guardrails")
def _passes(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    return Outcome("passes_guardrails", verdict.passed, ", ".join(verdict.failing_rules()))


@expectation("no_violation")
def _no_violation(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    found = sorted({v.rule for v in verdict.violations if not v.unsure} & set(arg))
    return Outcome("no_violation", not found, ", ".join(found))


def fact_text(case: CaseFile, name: str) -> str:
    """A fact's words as one string (nested facts joined)."""
    value = getattr(case.facts, name, None)
    if value is None:
        return ""
    if hasattr(value, "model_dump"):
        return " ".join(str(v) for v in value.model_dump(mode="json").values() if v)
    if isinstance(value, list):
        return " ".join(getattr(v, "label", str(v)) for v in value)  # people as "Name (title)"
    return str(value)


def coverage(case: CaseFile, name: str, letter: str, catalog: Catalog) -> float:
    """Share of a fact's content words (3+ characters) that appear in the letter."""
    tk = catalog.lang(case.lang).tokenizer
    wanted = {w for w in words(fact_text(case, name), tk) if len(w) >= 3 or tk == "thai"}
    if not wanted:
        return 1.0
    present = set(words(letter, tk))
    return len(wanted & present) / len(wanted)


@expectation("mentions_facts")
def _mentions(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    missing = [f for f in arg if coverage(case, f, verdict.text, catalog) < 0.5]
    return Outcome("mentions_facts", not missing, ", ".join(missing))


@expectation("must_include")
def _include(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    low = normalise(verdict.text).casefold()
    missing = [p for p in arg if normalise(p).casefold() not in low]
    return Outcome("must_include", not missing, ", ".join(missing))


@expectation("must_not_include")
def _exclude(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    low = normalise(verdict.text).casefold()
    found = [p for p in arg if normalise(p).casefold() in low]
    return Outcome("must_not_include", not found, ", ".join(found))


@expectation("words")
def _words(arg: Any, case: CaseFile, verdict: Verdict, catalog: Catalog) -> Outcome:
    n = word_count(verdict.text, catalog.lang(case.lang).tokenizer)
    lo, hi = int(arg.get("min", 0)), int(arg.get("max", 10**9))
    return Outcome("words", lo <= n <= hi, f"{n} words (expected {lo}-{hi})")


LISTS = {"no_violation": "rule IDs", "mentions_facts": "fact names", "must_include": "phrases",
         "must_not_include": "phrases"}


def problem(item: Any) -> str | None:
    """What is wrong with one ``expect:`` item, or None when it is well formed."""
    names = ", ".join(sorted(ASSERTS))
    if isinstance(item, str):
        if item not in ASSERTS:
            return f"unknown expectation '{item}' (choose from {names})"
        return None if item == "passes_guardrails" else f"'{item}' needs a value: {{{item}: ...}}"
    if not isinstance(item, dict) or len(item) != 1:
        return "an expectation is a name (passes_guardrails) or one {name: value} pair"
    name, arg = next(iter(item.items()))
    if name not in ASSERTS or name == "passes_guardrails":
        return f"unknown expectation '{name}' (choose from {names})"
    if name in LISTS:
        if not isinstance(arg, list) or not arg or not all(isinstance(x, str) and x.strip() for x in arg):
            return f"'{name}' takes a list of {LISTS[name]}, e.g. {{{name}: [...]}}"
        return None
    return _words_problem(arg)


def _words_problem(arg: Any) -> str | None:
    if not isinstance(arg, dict) or not arg or set(arg) - {"min", "max"}:
        return "'words' takes {min: N, max: N}"
    for bound, value in arg.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"'words' {bound} must be a whole number of words, not {value!r}"
    if arg.get("min", 0) > arg.get("max", 10**9):
        return "'words' min is above max"
    return None


def evaluate(expect: list[Any], case: CaseFile, verdict: Verdict, catalog: Catalog) -> list[Outcome]:
    """Every expectation of the case (``passes_guardrails`` always included)."""
    items = list(expect) if expect else []
    if "passes_guardrails" not in items:
        items.insert(0, "passes_guardrails")
    out = []
    for item in items:
        name, arg = (item, None) if isinstance(item, str) else next(iter(item.items()))
        if name not in ASSERTS:
            out.append(Outcome(str(name), False, f"unknown expectation '{name}'"))
            continue
        out.append(ASSERTS[name](arg, case, verdict, catalog))
    return out
