"""Shared widgets: the verdict with highlighted spans, and the settings panel."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..config import Settings
from ..highlight import highlighted
from ..prompts import versions
from ..providers import PROVIDERS
from .state import catalog, page_state, settings_or_stop


def verdict(report: dict[str, Any], text: str, *, provider: str = "", model: str = "", pasted: bool = False) -> None:
    """“Guardrails passed/failed”, the letter with its violations highlighted, and the list."""
    by = ""
    if provider:
        spec = PROVIDERS.get(provider)
        by = f" · drafted by the {spec.label[0].lower()}{spec.label[1:]}" if spec and not spec.remote \
            else f" · drafted by {provider} / {model}"
    if report["passed"]:
        st.success("**Guardrails passed**" + by)
    elif pasted:
        st.error("**Guardrails failed** · this letter breaks the letter guidelines: see what to fix below")
    else:
        st.error("**Guardrails failed** · this draft breaks the letter guidelines and cannot be exported" + by)
    st.html(highlighted(text, report["violations"]))
    for v in report["violations"]:
        excerpt = text[v["span"][0] : v["span"][1]] if v.get("span") else ""
        where = f" in “{v['section'].replace('_', ' ')}”" if v.get("section") else ""
        rule = catalog().rules.get(v["rule"])
        name = f"{rule.label} `{v['rule']}`" if rule and rule.label else f"`{v['rule']}`"
        quote = f" — “{excerpt[:120]}”" if excerpt and v["rule"] not in {"too_long", "wrong_language"} else ""
        # Streamlit's Material icons: they render without an emoji font (Debian's Chromium has none)
        icon = (":material/error:" if v["severity"] == "error"
                else ":material/help:" if v.get("unsure") else ":material/warning:")
        st.markdown(f"{icon} **{name}**{where}: {v['message']}{quote}")
    if any(v.get("unsure") for v in report["violations"]):
        st.caption(":material/help: marks a finding the checker is not sure of: read the sentence yourself; "
                   "it does not block the letter.")
    rows = section_map_rows(report, text)
    mark = {"yes": "✓", "no": "✗", "unsure": "?"}
    st.caption("Sections: " + " · ".join(f"{mark[r['found']]} {r['section']} {r['confidence']}".strip() for r in rows))
    if report.get("skipped"):
        st.caption("Skipped without facts: " + ", ".join(report["skipped"]))


def settings_panel() -> Settings:
    """The sidebar: provider, endpoint, model, key (session only), prompt version, repairs."""
    base = settings_or_stop()
    with st.sidebar:
        st.header("Settings")
        names = list(PROVIDERS)
        provider = st.radio("Provider", names, key="set_provider", index=names.index(base.resolved_provider),
                            format_func=lambda p: PROVIDERS[p].label)
        over: dict[str, Any] = {"provider": provider}
        if PROVIDERS[provider].remote:
            over["base_url"] = st.text_input("Base URL", value=base.base_url or "", key="set_base_url",
                                             placeholder="https://api.openai.com/v1") or None
            over["model"] = st.text_input("Model", value=base.model, key="set_model")
            typed = st.text_input("API key", type="password", key="set_api_key",
                                  help="Kept in this browser session's memory only; never saved.")
            page_state().api_key = typed
            if not typed and base.api_key:
                st.caption("Using OPENAI_API_KEY from the environment.")
        names = versions()
        over["prompt_version"] = st.selectbox("Prompt version", names, key="set_prompt",
                                              index=names.index(base.prompt_version) if base.prompt_version in names else 0)
        over["max_repairs"] = int(st.number_input("Max repair rounds", 0, 5, base.max_repairs, key="set_repairs"))
        st.session_state["settings_override"] = over
    from .state import current_settings

    return current_settings()


def section_map_rows(report: dict[str, Any], text: str) -> list[dict[str, str]]:
    """One row per section of the kind: found or not, how sure the checker is, and where it starts."""
    rows = []
    unsure = catalog().rules["missing_section"].confirm  # under it, missing_section "could not confirm" it
    for s in report.get("sections", []):
        parts = s.get("parts") or ([s["span"]] if s.get("span") else [])
        start = " ".join(text[parts[0][0] : parts[0][1]].split()) if parts else ""
        sure = s.get("confidence")
        found = "yes" if s["present"] else "no"
        if s["present"] and sure is not None and sure < unsure:
            found = "unsure"
        rows.append({"section": s["id"], "found": found,
                     "confidence": f"{sure:.0%}" if s["present"] and sure is not None else "",
                     "where": start[:90] + ("…" if len(start) > 90 else "")})
    return rows


def section_map(report: dict[str, Any], text: str) -> None:
    """Where each of the kind's sections was found, so a missing section explains itself."""
    rows = section_map_rows(report, text)
    if rows:
        st.markdown("**Where each section was found**")
        st.table(rows)
