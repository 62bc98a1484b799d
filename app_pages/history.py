"""History: every draft of this session (or all sessions), reopened with its report, or deleted."""

import datetime as dt

import streamlit as st

from tactful.history import HistoryError
from tactful.letter import Letter
from tactful.ui.form import reopen_into_form
from tactful.ui.state import Version, current_settings, history, page_state
from tactful.ui.widgets import verdict

state = page_state()
st.title("History")
try:
    store = history(current_settings())
except HistoryError as err:
    st.error(f"{err.message}. Drafts are still made and shown; set TACTFUL_DB_PATH to a writable file to keep them.",
             icon=":material/error:")
    st.stop()
scope = st.radio("Show", ["This session", "All sessions"], horizontal=True, key="history_scope")
rows = store.list(state.session_id if scope == "This session" else None)
st.caption(f"{len(rows)} draft(s) in {store.path}")
for row in rows:
    when = dt.datetime.fromtimestamp(row.created).strftime("%Y-%m-%d %H:%M")
    mark = "passed" if row.passed else "FAILED"
    with st.expander(f"#{row.id} · {when} · {row.kind} ({row.lang}) · {row.tone} · {mark} · "
                     f"{row.provider}/{row.model} · prompt {row.prompt_version}"):
        st.caption(f"{row.attempts} attempt(s) · {row.prompt_tokens + row.completion_tokens} tokens · "
                   f"{row.latency_ms:.0f} ms · customer: {row.case['facts']['customer']['name']}")
        letter = Letter.from_flat(row.letter, [k for k in row.letter if k not in {"greeting", "sign_off"}])
        verdict(row.report, letter.text, provider=row.provider, model=row.model)
        c1, c2 = st.columns(2)
        if c1.button("Reopen in Draft a letter", key=f"reopen.{row.id}"):
            state.versions = [Version(number=1, label=f"Reopened #{row.id}", tone=row.tone, instruction=row.instruction,
                                      letter=letter, result={**row.report_result(), "sections": row.letter},
                                      case=row.case, history_id=row.id)]
            reopen_into_form(row.case, state)
            st.switch_page("app_pages/draft.py")
        if c2.button("Delete", key=f"delete.{row.id}"):
            store.delete(row.id)
            st.rerun()
