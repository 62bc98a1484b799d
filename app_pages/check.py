"""Check my own letter: paste a letter, choose kind and language (and optionally facts), get the report."""

import streamlit as st

from tactful.cases import parse_case
from tactful.errors import TactfulError
from tactful.guardrails import check
from tactful.letter import LANGS
from tactful.ui.form import CHOICES
from tactful.ui.state import catalog
from tactful.ui.widgets import section_map, verdict

cat = catalog()
st.title("Check my letter")
c1, c2 = st.columns([2, 1])
choice = c1.selectbox("Letter", list(CHOICES), key="check_choice")
lang = c2.selectbox("Language", LANGS, key="check_lang", format_func=lambda c: cat.lang(c).pack.name)
kind, stage = CHOICES[choice]
text = st.text_area("Your letter", height=300, key="check_text",
                    placeholder="Paste the whole letter, from the greeting to the signature.")
facts_yaml = st.text_area("Case facts (optional, a case file in YAML) to check names, numbers and dates",
                          height=150, key="check_facts")
inputs = (kind, stage, lang, text, facts_yaml)
if st.button("Check letter", type="primary"):
    st.session_state.pop("check_report", None)
    if not text.strip():
        st.warning("Paste a letter first.", icon=":material/content_paste:")
    else:
        try:
            facts = parse_case(facts_yaml, "case facts", cat).facts if facts_yaml.strip() else None
            report = check(text, kind=kind, lang=lang, stage=stage, facts=facts, catalog=cat)
            st.session_state["check_report"] = (report.to_json(), report.text, inputs)
        except TactfulError as err:  # shown alone: no earlier report under it
            st.error(err.message)
if "check_report" in st.session_state:
    report, checked, judged = st.session_state["check_report"]
    if judged != inputs:  # the letter, the facts or the choice changed since: the report is stale
        del st.session_state["check_report"]
        st.caption("The letter or the facts changed since the last check: press Check letter again.")
    else:
        verdict(report, checked, pasted=True)
        section_map(report, checked)
