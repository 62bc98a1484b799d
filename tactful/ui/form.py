"""The case form: one widget per fact the chosen kind needs.

Widget keys are per fact (``fact.<name>``, ``fact.<name>.<part>``), not per kind or language,
and every value is kept in the page state (``PageState.facts``), so switching the kind, the
language or the page keeps what was typed, and facts the kinds share carry over. An example
fills the form on a first visit and when the user asks ("Load an example"), never otherwise.
There is no ``st.form``: a value counts as soon as it is typed, so a switch cannot drop it.
Errors are shown under the field they name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from pydantic import ValidationError

from ..cases import load_case, missing_facts
from ..catalog import ROOT, Catalog, FactSpec, load
from ..errors import TactfulError
from ..letter import CaseFile, Facts

# The letters the app offers, by label (from the kinds' data: ``choice:`` of each kind or stage)
CHOICES: dict[str, tuple[str, str | None]] = load().choices


def example_case(catalog: Catalog, kind: str, stage: str | None, lang: str) -> CaseFile:
    """An example case from evals/cases: in the chosen language if there is one, else the kind's example."""
    folder = ROOT / "evals" / "cases" / kind
    preferred = catalog.kind(kind).example
    own = sorted(folder.glob(f"{lang}-*.yaml"))
    if preferred and (ROOT / preferred) in own:  # the kind's own example first
        own.insert(0, own.pop(own.index(ROOT / preferred)))
    paths = [*own, *([ROOT / preferred] if preferred else []), *sorted(folder.glob("en-*.yaml"))]
    for path in paths:
        try:
            case = load_case(path, catalog)
        except TactfulError:
            continue  # a broken example must not break the page
        if stage is None or case.stage == stage:
            return case
    raise TactfulError(f"no example case for {kind} under evals/cases/{kind}/")


def _error(errors: dict[str, str], name: str) -> None:
    if name in errors:
        st.markdown(f":red[{errors[name]}]")


def widget_values(facts: Facts) -> dict[str, Any]:
    """The form's widget keys and values for ``facts`` (an example, or a reopened draft), by each fact's type."""
    out: dict[str, Any] = {}
    specs = load().fact_specs
    for name in Facts.model_fields:
        value = getattr(facts, name)
        spec = specs.get(name)
        pair = spec.pair if spec else None
        if pair:
            for part in pair:
                got = getattr(value, part, None) if value is not None else None
                out[f"fact.{name}.{part}"] = got if got is not None else ("" if part != "date" else dt.date.today())
        elif spec and spec.type == "bool":
            out[f"fact.{name}"] = bool(value)
        elif spec and spec.type == "names":
            out[f"fact.{name}"] = ", ".join(p.label for p in value or [])
        else:
            out[f"fact.{name}"] = value or ""
    return out


def fill(state: Any, facts: Facts, facts_lang: str = "") -> None:
    """Fill the form with ``facts`` (an example, or a reopened draft), replacing what it held."""
    state.facts = widget_values(facts)
    state.facts_lang = facts_lang
    for key, value in state.facts.items():
        st.session_state[key] = value


def restore(saved: dict[str, Any]) -> None:
    """Put the kept values back into widgets Streamlit dropped (a widget not shown in a run loses its state)."""
    for key, value in saved.items():
        if key not in st.session_state:
            st.session_state[key] = value


def keep(saved: dict[str, Any]) -> None:
    """Copy this run's widget values into the kept values."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith("fact."):
            saved[key] = st.session_state[key]


def _widget(spec: FactSpec) -> Any:
    name, help_ = spec.name, spec.help
    star = " *" if spec.required else ""
    label = spec.label + star
    head = spec.label.split(" (")[0]  # "Sender (name, title)" -> "Sender", for two-part fields
    key = f"fact.{name}"
    if spec.pair:
        first, second = spec.pair
        c1, c2 = st.columns(2)
        a: Any
        if first == "date":
            if st.session_state.get(f"{key}.date") is None:
                st.session_state[f"{key}.date"] = dt.date.today()
            a = c1.date_input(label, key=f"{key}.date", help=help_)
        else:
            a = c1.text_input(f"{head}: {first}{star}", key=f"{key}.{first}", help=help_)
        b = c2.text_input(second.title(), key=f"{key}.{second}")
        return {first: a, second: (b or None) if spec.type == "person" else b}  # a person's second part is optional
    if spec.type == "bool":
        return st.checkbox(label, key=key, help=help_)
    if spec.type == "names":
        text = st.text_input(label, key=key,
                             help=help_ + " Separate people with commas; a title goes in brackets: Siti Aminah (Team Lead).")
        return [p.strip() for p in text.split(",") if p.strip()]
    if spec.type == "long_text":
        return st.text_area(label, key=key, help=help_, height=80) or None
    return st.text_input(label, key=key, help=help_) or None


def facts_form(facts_specs: list[FactSpec], errors: dict[str, str]) -> dict[str, Any]:
    """Render the fact widgets and return the raw values."""
    raw: dict[str, Any] = {}
    for spec in facts_specs:
        value = _widget(spec)
        optional_pair = spec.type in {"contact", "resolution"}
        if optional_pair and isinstance(value, dict) and not any(value.values()):
            value = None  # an optional pair left blank is absent, not half-filled
        raw[spec.name] = value
        _error(errors, spec.name)
    return raw


def _head(label: str) -> str:
    """"Sender (name, title)" -> "Sender": the field's name in a sentence."""
    return label.split(" (")[0]


def validate(raw: dict[str, Any], *, kind: str, stage: str | None, lang: str, tone: str,
             catalog: Catalog) -> tuple[CaseFile | None, dict[str, str]]:
    """A case from the form, or field name -> a plain message naming the field, for each problem."""
    labels = {spec.name: spec.label for spec in catalog.kind(kind).stage(stage).facts}
    data = {"kind": kind, "lang": lang, "tone": tone, "facts": raw, **({"stage": stage} if stage else {})}
    try:
        case = CaseFile.model_validate(data)
    except ValidationError as err:
        errors: dict[str, str] = {}
        for e in err.errors():
            loc = [str(p) for p in e["loc"]]
            field = loc[1] if len(loc) > 1 and loc[0] == "facts" else loc[0]
            name = _head(labels.get(field, field)) + "".join(f": {part}" for part in loc[2:] if not part.isdigit())
            if e["type"] in {"missing", "string_too_short"} or e.get("input") is None:
                msg = f"{name} is required"
            elif e["type"] == "string_too_long":
                limit = (e.get("ctx") or {}).get("max_length")
                msg = f"{name} is too long: {len(str(e.get('input', ''))):,} characters, at most {limit:,}"
            else:
                msg = f"{name}: {e['msg'][0].lower()}{e['msg'][1:]}"
            errors.setdefault(field, msg)
        return None, errors
    problems = missing_facts(case, catalog)
    if problems:
        return None, {name: _missing(name, labels, catalog.kind(kind).stage(stage).facts) for name, _ in problems}
    return case, {}


def _missing(name: str, labels: dict[str, str], specs: list[FactSpec]) -> str:
    spec = next(s for s in specs if s.name == name)
    if spec.required_when:
        return f"{_head(spec.label)} is required when “{labels.get(spec.required_when, spec.required_when)}” is ticked"
    return f"{_head(spec.label)} is required"


def reopen_into_form(case: dict[str, Any], state: Any) -> None:
    """Put a stored case (a reopened draft) into the form: its kind, stage, language, tone and facts."""
    st.session_state["choice"] = choice_label(case["kind"], case.get("stage"))
    st.session_state["lang"] = case["lang"]
    st.session_state[f"{case['kind']}.{case.get('stage')}.{case['lang']}.tone"] = case.get("tone", "neutral")
    fill(state, Facts.model_validate(case["facts"]))


def choice_label(kind: str, stage: str | None) -> str:
    """The page's name for a kind and stage ("Reply to a complaint: first response")."""
    return next(label for label, pair in CHOICES.items() if pair == (kind, stage))


def history_title(row: Any, catalog: Catalog) -> str:
    """One History entry's heading: who, which company, what letter, which language, the verdict, when."""
    facts = row.case["facts"]  # a stored case: a validated CaseFile, dumped
    when = dt.datetime.fromtimestamp(row.created).strftime("%Y-%m-%d %H:%M")
    verdict = "passed" if row.passed else "FAILED"
    adjusted = f" · {row.instruction}" if row.instruction else ""
    return (f"#{row.id} · {facts['customer']['name']}, {facts['company']} · {choice_label(row.kind, row.stage)} · "
            f"{catalog.lang(row.lang).pack.name} · {row.tone}{adjusted} · {verdict} · {when}")
