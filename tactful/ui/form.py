"""The case form: one widget per fact the chosen kind needs, prefilled from an example case.

Widget keys are per kind, stage and language, so switching back and forth loses nothing,
and a failed validation keeps every value. Errors are shown under the field they name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from pydantic import ValidationError

from ..cases import load_case, missing_facts
from ..catalog import ROOT, Catalog, FactSpec
from ..errors import TactfulError
from ..letter import CaseFile, Facts

CHOICES: dict[str, tuple[str, str | None]] = {
    "Bad news to a client": ("bad_news", None),
    "Reply to a complaint: first response": ("complaint_reply", "acknowledgement"),
    "Reply to a complaint: resolution letter": ("complaint_reply", "resolution"),
    "Win back a lost customer": ("win_back", None),
}
LONG_TEXT = {"what_happened", "impact", "offer", "remedy", "prevention", "discussion", "mission"}


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


def _widget(spec: FactSpec, facts: Facts, key: str) -> Any:
    value = getattr(facts, spec.name)
    name, help_ = spec.name, spec.help
    star = " *" if spec.required else ""
    label = spec.label + star
    head = spec.label.split(" (")[0]  # "Sender (name, title)" -> "Sender", for two-part fields
    if name in {"sender", "customer"}:
        c1, c2 = st.columns(2)
        who = c1.text_input(f"{head}: name{star}", value=value.name if value else "", key=f"{key}.name", help=help_)
        extra_field = "title" if name == "sender" else "relationship"
        extra = c2.text_input(f"{extra_field.title()}", value=getattr(value, extra_field) or "" if value else "",
                              key=f"{key}.{extra_field}")
        return {"name": who, extra_field: extra or None}
    if name == "referral":
        c1, c2 = st.columns(2)
        return {"name": c1.text_input(f"{head}: name{star}", value=value.name if value else "", key=f"{key}.name", help=help_),
                "contact": c2.text_input("Contact", value=value.contact if value else "", key=f"{key}.contact")}
    if name == "meeting":
        c1, c2 = st.columns(2)
        return {"date": c1.date_input(label, value=value.date if value else dt.date.today(), key=f"{key}.date", help=help_),
                "mode": c2.text_input("Mode", value=value.mode if value else "phone call", key=f"{key}.mode")}
    if name == "agreed_resolution":
        c1, c2 = st.columns(2)
        return {"action": c1.text_input(f"{head}: action{star}", value=value.action if value else "", key=f"{key}.action",
                                        help=help_),
                "timeframe": c2.text_input("Timeframe", value=value.timeframe if value else "", key=f"{key}.timeframe")}
    if name in {"our_fault", "relationship_ending"}:
        return st.checkbox(label, value=bool(value), key=key, help=help_)
    if name == "people_involved":
        text = st.text_input(label, value=", ".join(value or []), key=key, help=help_ + " Separate names with commas.")
        return [p.strip() for p in text.split(",") if p.strip()]
    if name in LONG_TEXT:
        return st.text_area(label, value=value or "", key=key, help=help_, height=80) or None
    return st.text_input(label, value=value or "", key=key, help=help_) or None


def facts_form(facts_specs: list[FactSpec], example: Facts, prefix: str, errors: dict[str, str]) -> dict[str, Any]:
    """Render the fact widgets (inside the caller's form) and return the raw values."""
    raw: dict[str, Any] = {}
    for spec in facts_specs:
        value = _widget(spec, example, f"{prefix}.{spec.name}")
        optional_pair = spec.name in {"referral", "agreed_resolution"}
        if optional_pair and isinstance(value, dict) and not any(value.values()):
            value = None  # an optional pair left blank is absent, not half-filled
        raw[spec.name] = value
        _error(errors, spec.name)
    return raw


def validate(raw: dict[str, Any], *, kind: str, stage: str | None, lang: str, tone: str,
             catalog: Catalog) -> tuple[CaseFile | None, dict[str, str]]:
    """A case from the form, or field name -> message for each problem."""
    data = {"kind": kind, "lang": lang, "tone": tone, "facts": raw, **({"stage": stage} if stage else {})}
    try:
        case = CaseFile.model_validate(data)
    except ValidationError as err:
        errors: dict[str, str] = {}
        for e in err.errors():
            loc = [str(p) for p in e["loc"]]
            field = loc[1] if len(loc) > 1 and loc[0] == "facts" else loc[0]
            where = ".".join(loc[2:])
            msg = "required" if e["type"] in {"missing", "string_too_short"} else e["msg"]
            errors.setdefault(field, f"{where + ': ' if where else ''}{msg}")
        return None, errors
    problems = missing_facts(case, catalog)
    if problems:
        return None, {name: reason for name, reason in problems}
    return case, {}
