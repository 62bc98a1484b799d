"""Draft a letter: case form -> streamed draft -> guarded letter -> tone versions -> export."""

from pathlib import Path

import streamlit as st

from tactful.cases import save_approved
from tactful.errors import TactfulError
from tactful.export import to_docx, to_md, to_txt
from tactful.letter import LANGS, TONES, CaseFile
from tactful.ui.form import CHOICES, choice_label, example_case, facts_form, fill, keep, restore, validate
from tactful.ui.run import draft_version, summary
from tactful.ui.state import catalog, current_settings, page_state
from tactful.ui.widgets import verdict
from tactful.versions import ADJUSTMENTS, diff_html, movement

state = page_state()
cat = catalog()
settings = current_settings()

st.title("Draft a letter")
c1, c2, c3 = st.columns([2, 1, 1])
choice = c1.selectbox("Letter", list(CHOICES), key="choice")
lang = c2.selectbox("Language", LANGS, key="lang", format_func=lambda c: cat.lang(c).pack.name)
kind, stage = CHOICES[choice]
layout = cat.kind(kind).stage(stage)
prefix = f"{kind}.{stage}.{lang}"
try:
    example = example_case(cat, kind, stage, lang)
except TactfulError as err:
    st.error(err.message)
    st.stop()
if state.facts is None or st.session_state.pop("load_example", False):  # a first visit, or asked for
    fill(state, example.facts, lang)
    st.session_state[f"{prefix}.tone"] = example.tone
restore(state.facts or {})
pending = st.session_state.pop("pending_tone", None)
if pending is not None and pending[0] == prefix:  # set before the selector exists in this run
    st.session_state[f"{prefix}.tone"] = pending[1]
st.session_state.setdefault(f"{prefix}.tone", example.tone)
tone = c3.selectbox("Tone", TONES, key=f"{prefix}.tone")
st.caption(f"{cat.kind(kind).aim} Fields marked * are required. Drafted by "
           f"{'the built-in offline drafter' if settings.resolved_provider == 'offline' else settings.model}.")
if st.button("Load an example", help="Replace the facts with an example case for this letter and language"):
    st.session_state["load_example"] = True
    st.rerun()
if state.facts_lang and state.facts_lang != lang and settings.resolved_provider == "offline":
    st.info(f"The offline drafter writes the facts as they are typed: write them in {cat.lang(lang).pack.name} "
            f"(they came from the {cat.lang(state.facts_lang).pack.name} example), or load an example.",
            icon=":material/translate:")

raw = facts_form(layout.facts, state.form_errors)
if state.facts is not None:
    keep(state.facts)
if state.form_errors:  # a summary next to the button; each message is also under its field
    st.error("Before drafting: " + "; ".join(state.form_errors.values()) + ".", icon=":material/error:")
submitted = st.button("Draft letter", type="primary")

if submitted:
    case, errors = validate(raw, kind=kind, stage=stage, lang=lang, tone=tone, catalog=cat)
    state.form_errors = errors
    if case is None:
        st.rerun()  # show each message under its field; every value stays in the form
    else:
        try:
            state.versions.clear()
            draft_version(case, settings, tone=tone, label="First draft")
        except TactfulError as err:
            st.error(err.message)

last = state.versions[-1] if state.versions else None
if (last is not None and settings.resolved_provider != "offline" and last.case["lang"] != lang
        and (last.case["kind"], last.case.get("stage")) == (kind, stage)):
    # With a model, the same case in another language is a redraft of the user's own facts (in any language).
    try:
        state.versions.clear()
        draft_version(CaseFile.model_validate({**last.case, "lang": lang}), settings, tone=last.tone,
                      label=f"In {cat.lang(lang).pack.name}")
    except TactfulError as err:
        st.error(err.message)

if not state.versions:
    st.stop()

current = state.versions[-1]
if (current.case["kind"], current.case.get("stage"), current.case["lang"]) != (kind, stage, lang):
    earlier = choice_label(current.case["kind"], current.case.get("stage"))
    st.info(f"Your last letter ({earlier}, {cat.lang(current.case['lang']).pack.name}) belongs to the earlier "
            "choice; it is kept in History. Draft letter makes one for this choice.", icon=":material/history:")
    st.stop()
st.subheader(f"Version {current.number}: {current.label}")
if current.movement:
    (st.warning if current.moved is False else st.info)(current.movement)
verdict(current.result.report, current.letter.text, provider=current.result.provider, model=current.result.model)

st.markdown("**Regenerate with a tone adjustment**")
st.caption("Each adjustment drafts a new version from the facts in the new tone, and says whether it moved "
           "the way you asked; the current version is kept for comparison. With a model, **Adjust this version** "
           "rewrites the current version as your instruction asks instead.")
cols = st.columns(len(ADJUSTMENTS))
asked = None
for col, label in zip(cols, ADJUSTMENTS, strict=True):
    if col.button(label, key=f"adjust.{label}"):
        asked = label
instruction = st.text_input("Or your own instruction (the offline drafter applies tones only)", key="instruction")
if st.button("Apply instruction", disabled=not instruction.strip()):
    asked = "Instruction"
with_model = settings.resolved_provider != "offline"
if with_model and st.button("Adjust this version", disabled=not instruction.strip(),
                            help="The model rewrites the current version as your instruction asks, instead of "
                                 "drafting again from the facts; the result is checked like any draft."):
    asked = "Adjusted"
if asked:
    case = CaseFile.model_validate(current.case)
    # "Shorter" keeps the register (a warm letter stays warm) and later adjustments keep it short:
    # "Warmer" after "Shorter" is a short warm letter, not the full one again
    if asked == "Shorter":
        new_tone = "concise" if current.tone == "neutral" else current.tone
    else:
        new_tone = ADJUSTMENTS.get(asked, current.tone)
    brief = asked == "Shorter" or current.short
    try:
        new = draft_version(case, settings, tone=new_tone, label=asked,
                            instruction=instruction if asked in {"Instruction", "Adjusted"} else "",
                            adjust=current.letter if asked == "Adjusted" else None, brief=brief)
        moved = movement(asked, current.letter.text, new.letter.text, catalog=cat, lang=case.lang)
        new.movement, new.moved = moved.message, moved.moved
        st.session_state["pending_tone"] = (prefix, new_tone)  # the selector shows the new version's tone
        st.rerun()
    except TactfulError as err:
        st.error(err.message)

st.markdown("**Versions**")
st.dataframe([summary(v) for v in state.versions], hide_index=True)
if len(state.versions) > 1:
    numbers = [v.number for v in state.versions]
    a_col, b_col = st.columns(2)
    # keyed by the number of versions: a new version resets the comparison to the latest two
    a = a_col.selectbox("Compare version", numbers, index=len(numbers) - 2, key=f"cmp_a.{len(numbers)}")
    b = b_col.selectbox("with version", numbers, index=len(numbers) - 1, key=f"cmp_b.{len(numbers)}")
    va, vb = state.versions[a - 1], state.versions[b - 1]
    st.html(f'<div class="tactful-diff" style="line-height:1.6">{diff_html(va.letter.text, vb.letter.text)}</div>'
            "<style>.tactful-diff del{background:#ffd6d6}.tactful-diff ins{background:#d6f5d6;text-decoration:none}</style>")
    left, right = st.columns(2)
    with left:
        verdict(va.result.report, va.letter.text, provider=va.result.provider, model=va.result.model)
    with right:
        verdict(vb.result.report, vb.letter.text, provider=vb.result.provider, model=vb.result.model)

st.markdown("**Export**")
if not current.passed:
    st.warning("This version failed the guardrails: fix it (regenerate or adjust the facts) before exporting.")
    st.stop()
warnings = [v for v in current.result.report["violations"] if v["severity"] == "warning"]
if warnings and not st.checkbox(f"I have read the {len(warnings)} warning(s) above and accept them", key="ack"):
    st.stop()
name = f"tactful-{current.case['kind']}-{current.case['lang']}-v{current.number}"
e1, e2, e3 = st.columns(3)
e1.download_button("Download .txt", to_txt(current.letter, passed=True), f"{name}.txt", "text/plain")
facts = current.case["facts"]  # a dumped CaseFile: sender and customer are people with a name
docx = to_docx(current.letter, passed=True, company=facts["company"], lang=cat.lang(current.case["lang"]),
               author=facts["sender"]["name"], title=f"{cat.kind(current.case['kind']).title}: {facts['customer']['name']}")
e2.download_button("Download .docx", docx,
                   f"{name}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
e3.download_button("Download .md", to_md(current.letter, passed=True), f"{name}.md", "text/markdown")
st.code(current.letter.text, language=None, wrap_lines=True)
folder = st.text_input("Folder for eval cases", value=str(settings.data_dir / "cases"), key="cases_folder",
                       help="Where 'Add to the eval cases' saves (run them with tactful eval --cases FOLDER).")
if st.button("Add this approved letter's case to the eval cases"):
    try:
        saved = save_approved(current.case, Path(folder).expanduser())
        st.success(f"Saved {saved}")
    except TactfulError as err:
        st.error(err.message)
