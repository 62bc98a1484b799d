"""History in SQLite (real file), exports (real .docx), tone movement and diffs."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from docx import Document

from tactful.cases import load_case
from tactful.catalog import load
from tactful.drafting import DraftRequest
from tactful.drafting.offline import OfflineDrafter
from tactful.export import NotExportable, to_docx, to_md, to_txt
from tactful.history import History, migrate
from tactful.repair import guarded_draft
from tactful.versions import diff_html, movement

CASE = Path(__file__).parent / "data" / "cases" / "credit-denied.yaml"


@pytest.fixture
def result():
    case = load_case(CASE)
    req = DraftRequest(case=case, catalog=load(), prompt_version="v2", tone="neutral")
    return case, guarded_draft(OfflineDrafter(), req, max_repairs=0, token_budget=100)


def test_sessions_do_not_mix_and_rows_round_trip(tmp_path: Path, result) -> None:
    case, res = result
    store = History(tmp_path / "h.db")
    data = case.model_dump(mode="json", exclude_none=True)
    a = store.add("session-a", case=data, result=res.report(), tone="neutral")
    store.add("session-b", case=data, result=res.report(), tone="warm")
    assert [r.id for r in store.list("session-a")] == [a]
    assert len(store.list(None)) == 2
    row = store.get(a)
    assert row is not None and row.passed and row.provider == "offline" and row.prompt_version == "v2"
    assert row.case["facts"]["customer"]["name"] == "Mr. Arun Lee"
    # reopened, it is the report that was stored, but for what the history does not keep (the transcript)
    unkept = {"transcript", "model_calls", "stop_reason"}
    assert row.report_result().model_dump(exclude=unkept) == res.report().model_dump(exclude=unkept)
    assert not store.delete(a, "session-b")  # another session cannot delete it
    assert store.delete(a, "session-a")
    assert store.get(a) is None


def test_migrations_apply_once(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "m.db")
    migrate(db)
    migrate(db)
    names = [r[0] for r in db.execute("SELECT name FROM _migrations")]
    assert names == ["m001_drafts"]


def test_api_key_never_reaches_the_database(tmp_path: Path, fake_llm, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real path: a key typed into the app's settings, a model draft over loopback, the draft saved to the
    history; neither the database nor its journal holds the key, though the server received it."""
    from streamlit.testing.v1 import AppTest

    from tests.test_app import draft, model_app

    secret = "sk-history-SECRET-42"
    at: AppTest = model_app(fake_llm, tmp_path, monkeypatch, "en-account-closed-error.yaml")
    at.text_input(key="set_api_key").set_value(secret)
    at.run()
    draft(at)
    assert not at.exception and any("Guardrails passed" in s.value for s in at.success)
    assert fake_llm.requests and all(r.headers["authorization"] == f"Bearer {secret}" for r in fake_llm.requests)
    files = [p for p in tmp_path.glob("history.db*") if p.is_file()]
    assert files and (tmp_path / "history.db").stat().st_size > 0
    assert History(tmp_path / "history.db").list()  # the draft was saved
    for path in files:
        assert secret.encode() not in path.read_bytes(), path.name


def test_docx_is_a_block_letter_and_failing_letters_do_not_export(result) -> None:
    _, res = result
    doc = Document(io.BytesIO(to_docx(res.letter, passed=True, company="Fake Financial")))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Fake Financial"
    assert paragraphs[2] == "Dear Mr. Arun Lee,"
    assert paragraphs[-1].startswith("Dana Ortiz")
    assert all(p.paragraph_format.left_indent in (None, 0) for p in doc.paragraphs)
    assert to_txt(res.letter, passed=True).startswith("Dear Mr. Arun Lee,")
    assert "  \n" in to_md(res.letter, passed=True)  # signature lines kept as line breaks
    with pytest.raises(NotExportable):
        to_docx(res.letter, passed=False)


def test_movement_is_measured_not_assumed() -> None:
    catalog = load()
    assert movement("Shorter", "one two three four", "one two", catalog=catalog, lang="en").moved is True
    assert movement("Shorter", "one two", "one two three", catalog=catalog, lang="en").moved is False
    formal = movement("More formal", "We can't help. Thanks!", "Should you wish, please accept our reply. "
                      "Yours faithfully", catalog=catalog, lang="en")
    assert formal.moved is True
    assert movement("More formal", "Yours faithfully", "Thanks, we can't", catalog=catalog, lang="en").moved is False


def test_diff_marks_changed_words_and_escapes_html() -> None:
    out = diff_html("We are sorry.", "We apologise <b>.")
    assert "<del>are</del>" in out and "<ins>apologise</ins>" in out and "&lt;b&gt;" in out


def test_diff_keeps_a_replaced_word_apart_from_its_replacement() -> None:
    out = diff_html("Thank you kindly.", "Thank you warmly.")
    assert "<del>kindly</del> <ins>warmly</ins>" in out


@pytest.mark.parametrize(("lang", "written", "font"), [
    ("th", "1 ธันวาคม 2569", "Leelawadee UI"),  # the Buddhist era
    ("bn", "১ ডিসেম্বর ২০২৬", "Nirmala UI"),    # Bengali digits
    ("es", "1 de diciembre de 2026", "Calibri"),
    ("en", "1 December 2026", "Calibri"),
])
def test_docx_dates_in_the_letters_language_with_a_font_for_its_script(result, catalog, lang, written, font) -> None:
    import datetime as dt

    from docx.oxml.ns import qn

    _, res = result
    data = to_docx(res.letter, passed=True, company="Fake Financial", date=dt.date(2026, 12, 1),
                   lang=catalog.lang(lang), author="Dana Ortiz", title="Bad news: Mr. Arun Lee")
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[1].text == written
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:cs")) == font and fonts.get(qn("w:ascii")) == font
    assert doc.core_properties.author == "Dana Ortiz" and doc.core_properties.title == "Bad news: Mr. Arun Lee"
