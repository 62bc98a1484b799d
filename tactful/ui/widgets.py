"""Shared widgets: the verdict with highlighted spans, and the settings panel."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..config import Settings
from ..highlight import highlighted
from ..prompts import versions
from .state import page_state


def verdict(report: dict[str, Any], text: str, *, provider: str = "", model: str = "") -> None:
    """“Guardrails passed/failed”, the letter with its violations highlighted, and the list."""
    if report["passed"]:
        st.success("**Guardrails passed**" + (f" · drafted by {provider} / {model}" if provider else ""))
    else:
        st.error("**Guardrails failed** · this draft breaks the letter guidelines and cannot be exported"
                 + (f" · drafted by {provider} / {model}" if provider else ""))
    st.html(highlighted(text, report["violations"]))
    for v in report["violations"]:
        excerpt = text[v["span"][0] : v["span"][1]] if v.get("span") else ""
        where = f" in `{v['section']}`" if v.get("section") else ""
        quote = f" — “{excerpt[:120]}”" if excerpt and v["rule"] not in {"too_long", "wrong_language"} else ""
        icon = "🛑" if v["severity"] == "error" else "⚠️"
        st.markdown(f"{icon} **{v['rule']}**{where}: {v['message']}{quote}")
    if report.get("skipped"):
        st.caption("Skipped without facts: " + ", ".join(report["skipped"]))


def settings_panel() -> Settings:
    """The sidebar: provider, endpoint, model, key (session only), prompt version, repairs."""
    base = Settings()
    with st.sidebar:
        st.header("Settings")
        provider = st.radio("Provider", ["offline", "openai"], key="set_provider",
                            index=0 if base.resolved_provider == "offline" else 1,
                            format_func=lambda p: {"offline": "Built-in offline drafter",
                                                   "openai": "OpenAI-compatible endpoint"}[p])
        over: dict[str, Any] = {"provider": provider}
        if provider == "openai":
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
