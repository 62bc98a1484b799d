"""The Streamlit page logic with AppTest: form defaults, inline validation, verdict, versions, check page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def field(at: AppTest, label: str):
    return next(w for w in [*at.text_input, *at.text_area] if w.label.startswith(label))


def goto(at: AppTest, page: str) -> AppTest:
    """Open another page of the same session."""
    at.switch_page(page)
    at.run()
    assert not at.exception
    return at


def draft(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Draft letter").click()
    at.run()
    assert not at.exception


def test_form_starts_with_the_kinds_example(app: AppTest) -> None:
    assert field(app, "Company").value == "Harbour Community Bank"
    assert field(app, "The bad news").value.startswith("Your current account was closed by mistake")
    assert "offline drafter" in " ".join(c.value for c in app.caption)


def test_draft_letter_shows_guardrails_passed(app: AppTest) -> None:
    draft(app)
    assert any("Guardrails passed" in s.value for s in app.success)
    assert "offline" in " ".join(s.value for s in app.success)
    assert any("Version 1" in h.value for h in app.subheader)


def test_missing_required_fact_is_shown_under_the_field_and_nothing_is_lost(app: AppTest) -> None:
    field(app, "The bad news").set_value("")
    field(app, "Company").set_value("Fake Financial Ltd")
    draft(app)
    assert any("required" in m.value for m in app.markdown if m.value.startswith(":red["))
    assert field(app, "Company").value == "Fake Financial Ltd"
    assert not app.success


def test_shorter_makes_a_second_version_and_says_whether_it_moved(app: AppTest) -> None:
    draft(app)
    next(b for b in app.button if b.label == "Shorter").click()
    app.run()
    assert not app.exception
    assert any("Version 2: Shorter" in h.value for h in app.subheader)
    moved = [i.value for i in app.info] + [w.value for w in app.warning]
    assert any("words" in m for m in moved), moved
    assert len(app.dataframe[0].value) == 2


def test_warmer_after_shorter_stays_short(app: AppTest) -> None:
    draft(app)
    for label in ("Shorter", "Warmer"):
        next(b for b in app.button if b.label == label).click()
        app.run()
        assert not app.exception
    versions = app.session_state["tactful"].versions
    full, short, warm_short = (len(v.letter.text.split()) for v in versions)
    assert [v.label for v in versions] == ["First draft", "Shorter", "Warmer"]
    assert warm_short < full and warm_short <= short + 15, (full, short, warm_short)
    assert versions[2].tone == "warm" and versions[2].brief
    assert versions[2].letter.sign_off == "Warm regards,"
    # the comparison follows the new versions, and the tone selector shows the current version's tone
    assert [sb.value for sb in app.selectbox if sb.label in {"Compare version", "with version"}] == [2, 3]
    assert next(sb for sb in app.selectbox if sb.label == "Tone").value == "warm"
    movement = [i.value for i in app.info] + [w.value for w in app.warning]
    assert any("wording" in m and "markers" not in m for m in movement), movement


def test_check_page_reports_a_blaming_letter(app: AppTest) -> None:
    at = goto(app, "app_pages/check.py")
    at.text_area(key="check_text").set_value(
        "Dear Mr. Lee,\n\nThank you for banking with us.\n\nDue to your late payments, your loan was denied.\n\n"
        "Yours sincerely,\n\nDana Ortiz")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert not at.exception
    assert any("Guardrails failed" in e.value for e in at.error)
    assert any("blame_shifting" in m.value for m in at.markdown)


def test_check_page_shows_where_each_section_was_found(app: AppTest) -> None:
    at = goto(app, "app_pages/check.py")
    at.text_area(key="check_text").set_value(
        "Dear Mr. Lee,\n\nThank you for banking with Fake Financial for the past six years.\n\n"
        "We have decided not to approve your application for a personal loan.\n\n"
        "One option is to reapply in six months.\n\nKind regards,\n\nDana Ortiz\nBranch Manager")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert not at.exception
    rows = {r["section"]: r for r in at.table[0].value.to_dict("records")}
    assert rows["solution"]["found"] == "yes" and rows["solution"]["where"].startswith("One option")
    assert rows["referral"]["found"] == "no"
    assert any(c.value.startswith("Sections: ✓ opening_thanks") for c in at.caption)


def test_evals_page_compares_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tactful.cli import main

    cases = str(Path(APP).parent / "evals" / "cases" / "win_back")
    other = tmp_path / "other"  # a folder with a run of its own, shown first (as a developer's runs would be)
    assert main(["eval", "--provider", "offline", "--prompt", "v2", "--cases", cases, "--out", str(other / "r0")]) == 0
    runs = tmp_path / "runs"
    assert main(["eval", "--provider", "offline", "--prompt", "v1", "--prompt", "v2",
                 "--cases", cases, "--out", str(runs / "r1")]) == 0
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    goto(at, "app_pages/evals.py")
    at.text_input(key="runs_dir").set_value(str(other))
    at.run()
    assert list(at.dataframe[0].value["prompt"]) == ["v2"]
    at.text_input(key="runs_dir").set_value(str(runs))
    at.run()
    assert not at.exception
    summary = at.dataframe[0].value
    assert list(summary["prompt"]) == ["v1", "v2"]
    assert any("Letters side by side" in h.value for h in at.subheader)


def test_two_sessions_do_not_mix_their_drafts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "shared.db"))
    first, second = AppTest.from_file(APP, default_timeout=60), AppTest.from_file(APP, default_timeout=60)
    for at in (first, second):
        at.run()
    draft(first)
    goto(first, "app_pages/history.py")
    goto(second, "app_pages/history.py")
    assert len(first.expander) == 1
    assert len(second.expander) == 0  # the other session's draft is not in this session's history
    second.radio(key="history_scope").set_value("All sessions")
    second.run()
    assert len(second.expander) == 1


def test_history_reopens_a_draft(app: AppTest) -> None:
    draft(app)
    goto(app, "app_pages/history.py")
    next(b for b in app.button if b.label == "Reopen in Draft a letter").click()
    app.run()
    assert not app.exception
    assert any("Reopened #" in h.value for h in app.subheader)
    assert any("Guardrails passed" in s.value for s in app.success)


def test_reopening_a_draft_restores_its_kind_language_and_facts(app: AppTest) -> None:
    app.selectbox(key="lang").set_value("ms")
    app.selectbox(key="choice").set_value("Win back a lost customer")
    app.run()
    next(b for b in app.button if b.label == "Load an example").click()
    app.run()
    company = field(app, "Company").value
    draft(app)
    app.selectbox(key="lang").set_value("en")
    app.selectbox(key="choice").set_value("Bad news to a client")
    app.run()
    field(app, "Company").set_value("Somewhere Else Ltd")
    app.run()
    goto(app, "app_pages/history.py")
    next(b for b in app.button if b.label == "Reopen in Draft a letter").click()
    app.run()
    assert not app.exception
    assert app.selectbox(key="choice").value == "Win back a lost customer" and app.selectbox(key="lang").value == "ms"
    assert field(app, "Company").value == company
    assert any("Reopened #" in h.value for h in app.subheader)


def test_no_telemetry_and_no_external_ip_lookup() -> None:
    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["browser"]["serverAddress"] == "localhost"  # else Streamlit asks the internet for our IP
    assert config["server"]["address"] == "127.0.0.1"


def test_check_page_reports_malformed_facts_with_the_line(app: AppTest) -> None:
    at = goto(app, "app_pages/check.py")
    at.text_area(key="check_text").set_value("Dear Mr. Lee,\n\nThank you.\n\nYours sincerely,\n\nDana Ortiz")
    at.text_area(key="check_facts").set_value("kind: bad_news\nlang: en\nfacts:\n  company: [oops\n")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert not at.exception
    assert any("case facts, line" in e.value and "invalid YAML" in e.value for e in at.error)
    assert (at.text_area(key="check_text").value or "").startswith("Dear Mr. Lee")  # nothing lost


@pytest.mark.parametrize("lang", ["en", "es", "ms", "th", "bn"])
def test_every_letter_and_language_drafts_from_its_example(lang: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from tactful.ui.form import CHOICES

    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lang").set_value(lang)
    for choice in CHOICES:
        at.selectbox(key="choice").set_value(choice)
        at.run()
        next(b for b in at.button if b.label == "Load an example").click()
        at.run()
        draft(at)
        assert not at.error, [e.value for e in at.error]
        assert any("Guardrails passed" in s.value for s in at.success), (lang, choice)


def test_an_unwritable_history_keeps_the_letter_on_screen_and_says_so(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TACTFUL_DB_PATH", str(blocker / "history.db"))  # its folder cannot be made
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    draft(at)
    assert any("Guardrails passed" in s.value for s in at.success)  # the letter is shown
    assert any("could not be saved to the history" in w.value and str(blocker) in w.value for w in at.warning)
    at = goto(at, "app_pages/history.py")
    assert any("cannot be used" in e.value for e in at.error)


def test_check_page_reports_an_impossible_date_in_the_facts(app: AppTest) -> None:
    at = goto(app, "app_pages/check.py")
    at.text_area(key="check_text").set_value("Dear Mr. Lee,\n\nThank you.\n\nYours sincerely,\n\nDana Ortiz")
    at.text_area(key="check_facts").set_value("kind: bad_news\nlang: en\nfacts:\n  company: Fake\n"
                                              "  impact: 2026-02-30\n")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert not at.exception
    assert any("case facts, line 5: field 'facts.impact': invalid value '2026-02-30'" in e.value for e in at.error)


def test_a_bad_setting_is_named_on_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    monkeypatch.setenv("TACTFUL_MAX_REPAIRS", "lots")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("TACTFUL_MAX_REPAIRS" in e.value for e in at.error)


def test_switching_kind_and_language_keeps_every_fact_typed(app: AppTest) -> None:
    field(app, "Company").set_value("Harbour Lane Bank")
    field(app, "The bad news").set_value("We cannot extend your overdraft.")
    app.run()
    app.selectbox(key="choice").set_value("Win back a lost customer")
    app.run()
    assert field(app, "Company").value == "Harbour Lane Bank"  # a fact both kinds share carries over
    app.selectbox(key="lang").set_value("es")
    app.run()
    assert any("write them in Español" in i.value for i in app.info)  # the offline drafter needs them in Spanish
    app.selectbox(key="choice").set_value("Bad news to a client")
    app.run()
    assert field(app, "Company").value == "Harbour Lane Bank"
    assert field(app, "The bad news").value == "We cannot extend your overdraft."  # kept while it was not shown
    next(b for b in app.button if b.label == "Load an example").click()
    app.run()
    assert field(app, "Company").value != "Harbour Lane Bank"  # only when asked


def test_after_a_switch_the_earlier_letter_is_not_shown_as_current(app: AppTest) -> None:
    draft(app)
    assert any("Guardrails passed" in s.value for s in app.success)
    app.selectbox(key="choice").set_value("Win back a lost customer")
    app.run()
    assert not app.success and not [b for b in app.button if b.label == "Shorter"]
    assert any("belongs to the earlier choice" in i.value and "Bad news to a client" in i.value for i in app.info)


def test_check_page_never_shows_a_stale_report(app: AppTest) -> None:
    at = goto(app, "app_pages/check.py")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert any("Paste a letter first" in w.value for w in at.warning)
    at.text_area(key="check_text").set_value(
        "Dear Mr. Lee,\n\nThank you for banking with us.\n\nDue to your late payments, your loan was denied.\n\n"
        "Yours sincerely,\n\nDana Ortiz")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert any("Guardrails failed" in e.value for e in at.error)
    at.text_area(key="check_text").set_value("Dear Mr. Lee,\n\nA different letter.\n\nDana Ortiz")
    at.run()
    assert not any("Guardrails" in e.value for e in at.error)  # the old report is gone
    assert any("changed since the last check" in c.value for c in at.caption)
    at.text_area(key="check_facts").set_value("kind: bad_news\nfacts: [oops\n")
    next(b for b in at.button if b.label == "Check letter").click()
    at.run()
    assert [e.value for e in at.error] and all("case facts, line" in e.value for e in at.error)  # alone


def test_an_unreachable_model_leaves_the_error_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    monkeypatch.setenv("TACTFUL_MAX_ATTEMPTS", "1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    draft(at)
    assert any("cannot reach http://127.0.0.1:9/v1" in e.value for e in at.error)
    shown = " ".join(m.value for m in at.markdown) + " ".join(str(s) for s in at.get("status"))
    assert "still arriving" not in shown and "Drafting and checking" not in shown


def test_a_fact_over_its_limit_is_named_at_the_field_and_nothing_is_drafted(app: AppTest) -> None:
    field(app, "The bad news").set_value("We cannot approve it. " * 1000)  # 22,000 characters
    draft(app)
    under = [m.value for m in app.markdown if m.value.startswith(":red[")]
    assert any("The bad news is too long: 22,000 characters, at most 1,200" in m for m in under)
    assert not app.success
    assert field(app, "The bad news").value.startswith("We cannot approve it.")  # kept, to shorten


def test_form_errors_name_the_field_in_plain_words_with_a_summary(app: AppTest) -> None:
    field(app, "Company").set_value("")
    next(w for w in app.checkbox if w.label.startswith("Was it our fault")).check()
    field(app, "How it is being fixed").set_value("")
    draft(app)
    under = [m.value for m in app.markdown if m.value.startswith(":red[")]
    assert any("Company is required" in m for m in under)
    field(app, "Company").set_value("Fake Financial")  # the shape error first; fixed, the conditional one is next
    draft(app)
    under = [m.value for m in app.markdown if m.value.startswith(":red[")]
    assert any("How it is being fixed is required when “Was it our fault?” is ticked" in m for m in under)
    assert any(e.value.startswith("Before drafting: How it is being fixed is required") for e in app.error)


def model_app(fake_llm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reply_case: str) -> AppTest:
    """The app with a model: the loopback server answers every call with the offline letter of a sample case."""
    import json

    from tactful.cases import load_case
    from tactful.catalog import load
    from tactful.drafting import DraftRequest
    from tactful.drafting.offline import OfflineDrafter

    case = load_case(Path(APP).parent / "evals" / "cases" / "bad_news" / reply_case)
    reply = json.dumps(OfflineDrafter().draft(DraftRequest(case=case, catalog=load(), prompt_version="v2",
                                                           tone=case.tone)).letter.flat())
    fake_llm.default = lambda body: reply
    monkeypatch.setenv("TACTFUL_DB_PATH", str(tmp_path / "history.db"))
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("TACTFUL_MODEL", "test-model")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_with_a_model_switching_language_redrafts_the_users_own_case(fake_llm, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    at = model_app(fake_llm, tmp_path, monkeypatch, "es-prestamo-denegado.yaml")
    field(at, "Company").set_value("Harbour Lane Bank")
    draft(at)
    before = len(fake_llm.requests)
    at.selectbox(key="lang").set_value("es")
    at.run()
    assert not at.exception
    asked = fake_llm.requests[before].body["messages"]
    assert "Español" in asked[0]["content"] and "Harbour Lane Bank" in asked[1]["content"]  # the user's own facts
    assert any("In Español" in h.value for h in at.subheader)
    assert field(at, "Company").value == "Harbour Lane Bank"


def test_history_names_each_draft_and_asks_before_deleting(app: AppTest) -> None:
    draft(app)
    at = goto(app, "app_pages/history.py")
    title = at.expander[0].label
    assert "Mrs. Patricia Doyle, Harbour Community Bank · Bad news to a client · English · empathetic · passed" in title
    next(b for b in at.button if b.label == "Delete").click()
    at.run()
    assert any("for good?" in w.value for w in at.warning) and len(at.expander) == 1  # not yet deleted
    next(b for b in at.button if b.label == "Keep it").click()
    at.run()
    assert len(at.expander) == 1
    next(b for b in at.button if b.label == "Delete").click()
    at.run()
    next(b for b in at.button if b.label == "Yes, delete it").click()
    at.run()
    assert len(at.expander) == 0


def test_an_approved_case_is_saved_to_the_folder_the_user_chooses(app: AppTest, tmp_path: Path) -> None:
    draft(app)
    for box in app.checkbox:
        if box.key == "ack":  # warnings must be acknowledged before export
            box.check()
            app.run()
    app.text_input(key="cases_folder").set_value(str(tmp_path / "my-cases"))
    next(b for b in app.button if b.label.startswith("Add this approved")).click()
    app.run()
    saved = list((tmp_path / "my-cases" / "bad_news").glob("en-approved-*.yaml"))
    assert len(saved) == 1 and any(str(saved[0]) in s.value for s in app.success)
    from tactful.cases import load_case

    assert load_case(saved[0]).facts.company == "Harbour Community Bank"  # a valid case file


def test_with_a_model_adjust_this_version_rewrites_the_current_letter(fake_llm, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    at = model_app(fake_llm, tmp_path, monkeypatch, "en-account-closed-error.yaml")
    draft(at)
    at.text_input(key="instruction").set_value("Mention the branch's new opening hours")
    at.run()
    next(b for b in at.button if b.label == "Adjust this version").click()
    at.run()
    assert not at.exception
    sent = fake_llm.requests[-1].body["messages"]
    assert sent[-2]["role"] == "assistant" and "Dear Mrs. Patricia Doyle" in sent[-2]["content"]  # the current letter
    assert "Mention the branch's new opening hours" in sent[-1]["content"]
    assert any("Version 2: Adjusted" in h.value for h in at.subheader)
