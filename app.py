"""Tactful in the browser: ``streamlit run app.py`` (the README's ``make run``)."""

import streamlit as st

from tactful.ui.widgets import settings_panel

st.set_page_config(page_title="Tactful", page_icon=":material/mail:", layout="wide")
settings_panel()
pages = [
    st.Page("app_pages/draft.py", title="Draft a letter", icon=":material/edit_note:", default=True),
    st.Page("app_pages/check.py", title="Check my letter", icon=":material/fact_check:"),
    st.Page("app_pages/history.py", title="History", icon=":material/history:"),
    st.Page("app_pages/evals.py", title="Evals", icon=":material/analytics:"),
]
st.navigation(pages).run()
