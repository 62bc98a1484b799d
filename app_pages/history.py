"""History: every draft of this session (or all sessions), reopened with its report, or deleted."""

import streamlit as st

from tactful.history import HistoryError
from tactful.ui.form import history_title, reopen_into_form
from tactful.ui.state import Version, catalog, current_settings, history, page_state
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
    with st.expander(history_title(row, catalog())):
        st.caption(f"{row.tone} tone · {row.provider}/{row.model} · prompt {row.prompt_version} · "
                   f"{row.attempts} attempt(s) · {row.prompt_tokens + row.completion_tokens} tokens · "
                   f"{row.latency_ms:.0f} ms")
        verdict(row.report, row.stored_letter().text, provider=row.provider, model=row.model)
        c1, c2 = st.columns(2)
        if c1.button("Reopen in Draft a letter", key=f"reopen.{row.id}"):
            state.versions = [Version.from_history(row)]
            reopen_into_form(row.case, state)
            st.switch_page("app_pages/draft.py")
        confirm = f"confirm_delete.{row.id}"
        if st.session_state.get(confirm):
            st.warning(f"Delete draft #{row.id} for good?", icon=":material/delete:")
            y, n = st.columns(2)
            if y.button("Yes, delete it", key=f"delete_yes.{row.id}"):
                store.delete(row.id)
                st.session_state.pop(confirm)
                st.rerun()
            if n.button("Keep it", key=f"delete_no.{row.id}"):
                st.session_state.pop(confirm)
                st.rerun()
        elif c2.button("Delete", key=f"delete.{row.id}"):
            st.session_state[confirm] = True
            st.rerun()
