"""Draft from the page: stream into a placeholder marked unchecked, then keep the checked version."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import streamlit as st

from ..config import Settings
from ..drafting import Drafter, DraftRequest, make_drafter
from ..history import HistoryError
from ..letter import CaseFile, Letter
from ..prompts import cached_version
from ..repair import Adjusting, guarded_draft
from .state import Version, catalog, history, page_state

_PAIR = re.compile(r'"(\w+)"\s*:\s*"((?:[^"\\]|\\.)*)')


def readable(streamed: str) -> str:
    """Streamed model output (JSON) shown as the letter text it is becoming."""
    if not streamed.lstrip().startswith("{"):
        return streamed
    parts = []
    for _key, value in _PAIR.findall(streamed):
        try:
            parts.append(json.loads(f'"{value}"'))
        except json.JSONDecodeError:
            parts.append(value.replace("\\n", "\n"))
    return "\n\n".join(p for p in parts if p)


def draft_version(case: CaseFile, settings: Settings, *, tone: str, label: str, instruction: str = "",
                  adjust: Letter | None = None, brief: bool = False) -> Version:
    """Draft with streaming and repairs shown as they happen; record the result in history."""
    state = page_state()
    box = st.empty()
    streamed: list[str] = []

    def on_delta(delta: str | None) -> None:
        if delta is None:
            streamed.clear()  # a retry starts: what came so far is void
        else:
            streamed.append(delta)
        text = html.escape(readable("".join(streamed))).replace("\n", "<br>")
        box.html('<div class="tactful-unchecked"><b>Unchecked draft, still arriving. '
                 f'Not yet checked against the guidelines.</b><br><br>{text}</div>')

    cached_version(settings.prompt_version)
    request = DraftRequest(case=case, catalog=catalog(), prompt_version=settings.prompt_version, tone=tone,
                           instruction=instruction, brief=brief)
    holder = st.empty()
    try:
        with holder.status("Drafting and checking…", expanded=True) as status:
            drafter: Drafter = make_drafter(settings)
            if adjust is not None:  # "Adjust this version": the model rewrites the current letter as asked
                drafter = Adjusting(drafter, adjust, instruction, catalog().kind(case.kind).stage(case.stage).section_ids)
            result = guarded_draft(drafter, request, max_repairs=settings.max_repairs,
                                   token_budget=settings.token_budget, on_delta=on_delta, on_event=status.write)
            status.update(label=f"Checked after {len(result.transcript)} attempt(s)", state="complete",
                          expanded=False)
    except BaseException:
        holder.empty()  # the error is shown alone: no "Drafting and checking…" above it
        raise
    finally:
        box.empty()  # nor an unchecked draft "still arriving"
    data = result.report()
    case_data = case.model_dump(mode="json", exclude_none=True, exclude={"expect", "notes"})
    try:
        row_id: int | None = history(settings).add(state.session_id, case=case_data, result=data, tone=tone,
                                                   instruction=instruction,
                                                   prompt_digest=cached_version(settings.prompt_version).digest)
    except HistoryError as err:  # the letter stays on screen; only the saving failed
        row_id = None
        st.warning(f"The letter is here, but it could not be saved to the history: {err.message}", icon=":material/warning:")
    version = Version(number=len(state.versions) + 1, label=label, tone=tone, instruction=instruction, brief=brief,
                      letter=result.letter, result=data, case=case_data, history_id=row_id)
    state.versions.append(version)
    return version


def summary(version: Version) -> dict[str, Any]:
    """One row of the versions table."""
    r = version.result
    return {"version": version.number, "adjustment": version.label, "tone": version.tone,
            "guardrails": "passed" if version.passed else "FAILED", "attempts": r.attempts,
            "provider / model": f"{r.provider} / {r.model}", "prompt": r.prompt_version,
            "tokens": r.usage.total_tokens, "ms": r.latency_ms}
