"""Eval results in the formats other tools read (JUnit, CSV, JSON), suite files, and the CLI's conventions."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tactful.catalog import ROOT
from tactful.cli import main

CASES = ROOT / "evals" / "cases"


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """Three shipped cases, one given an expectation no letter meets (a failing cell)."""
    folder = tmp_path / "cases"
    for name in ("bad_news/en-credit-denied", "complaint_reply/th-hospital-billing", "win_back/ms-kedai-cetak"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CASES / f"{name}.yaml", folder / f"{name}.yaml")
    path = folder / "bad_news" / "en-credit-denied.yaml"
    path.write_text(path.read_text().replace("expect:\n", 'expect:\n  - must_include: ["zebra crossing"]\n', 1))
    return folder


def test_junit_csv_and_json_describe_every_cell(cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit, table = tmp_path / "eval.xml", tmp_path / "eval.csv"
    code = main(["eval", "--provider", "offline", "--cases", str(cases), "--prompt", "v2", "--prompt", "v3",
                 "--out", str(tmp_path / "run"), "--junit", str(junit), "--csv", str(table), "--json"])
    out = capsys.readouterr()
    assert code == 0
    data = json.loads(out.out)  # stdout is only the JSON; progress and the closing line are on stderr
    assert [s["prompt"] for s in data["summary"]] == ["v2", "v3"] and data["summary"][0]["score"] == round(2 / 3, 3)
    assert data["out"] == str(tmp_path / "run") and "cell(s) run" in out.err
    suites = ET.parse(junit).getroot().findall("testsuite")  # noqa: S314  (our own file, just written)
    assert [s.get("name") for s in suites] == ["v2 offline:tactful-offline", "v3 offline:tactful-offline"]
    assert [s.get("tests") for s in suites] == ["3", "3"] and [s.get("failures") for s in suites] == ["1", "1"]
    failure = suites[0].find("testcase[@name='bad_news/en-credit-denied [neutral]']/failure")
    assert failure is not None and "must_include" in failure.get("message", "") and "Dear" in (failure.text or "")
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert len(rows) == 6 and {r["scored"] for r in rows if r["case"] == "bad_news/en-credit-denied"} == {"False"}
    assert {r["lang"] for r in rows} == {"en", "th", "ms"}


def test_the_terminal_summary_comes_from_the_summary_data(cases: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--provider", "offline", "--cases", str(cases), "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())["summary"][0]
    row = next(line for line in printed.splitlines() if line.startswith(f"| {summary['prompt']} "))
    assert f"| {summary['cells']} | {summary['pass_rate']:.0%} | {summary['score']:.0%} |" in row


def test_a_suite_file_runs_and_flags_override_it(cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "mine.yaml"
    suite.write_text("description: two versions, Thai and Malay only\nprovider: offline\nprompts: [v1, v3]\n"
                     "cases: ['*/th-*', '*/ms-*']\nexpect:\n  - words: {min: 10}\nfail_under: 1.0\n")
    assert main(["eval", "--suite", str(suite), "--cases", str(cases), "--out", str(tmp_path / "a")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "a" / "results.jsonl").read_text().splitlines()]
    assert {r["case"] for r in rows} == {"complaint_reply/th-hospital-billing", "win_back/ms-kedai-cetak"}
    assert {r["prompt_version"] for r in rows} == {"v1", "v3"}
    assert all(any(e["name"] == "words" for e in r["expectations"]) for r in rows)  # the suite's expectation added
    capsys.readouterr()
    assert main(["eval", "--suite", str(suite), "--cases", str(cases), "--prompt", "v2", "--tone", "warm",
                 "--out", str(tmp_path / "b")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "b" / "results.jsonl").read_text().splitlines()]
    assert {(r["prompt_version"], r["tone"]) for r in rows} == {("v2", "warm")}


def test_a_suite_gate_fails_the_run(cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "gate.yaml"
    suite.write_text("provider: offline\nprompts: [v2]\nfail_under: 1.0\n")
    assert main(["eval", "--suite", str(suite), "--cases", str(cases), "--out", str(tmp_path / "run")]) == 1
    assert "under 100%" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "message"), [
    ("prompts: [v2]\nmodel: gpt\n", "line 2: field 'model': unknown field"),
    ("prompts: [v2]\nexpect:\n  - {words: {min: abc}}\n", "line 3"),
    ("fail_under: 80\n", "line 1: field 'fail_under'"),
])
def test_a_malformed_suite_names_its_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                   message: str) -> None:
    suite = tmp_path / "bad.yaml"
    suite.write_text(text)
    assert main(["eval", "--suite", str(suite), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert str(suite) in err and message.lower() in err.lower(), err
    assert not (tmp_path / "run").exists()  # nothing ran


def test_an_unknown_suite_lists_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--suite", "nope"]) == 2
    assert "choose from offline-gate, prompts" in capsys.readouterr().err


def test_check_detects_the_language_when_none_is_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thai = tmp_path / "th.txt"
    thai.write_text("เรียน คุณกัญญา\n\nขอขอบคุณที่ท่านเลือกใช้บริการของเรา เราต้องขอแจ้งให้ท่านทราบว่าคำขอของท่านไม่ได้รับการอนุมัติ\n")
    spanish = tmp_path / "es.txt"
    spanish.write_text("Estimada Sra. Gil:\n\nLe agradecemos la confianza que ha depositado en nosotros durante estos "
                       "años. Lamentamos comunicarle que su solicitud de préstamo no ha sido aprobada.\n\nAtentamente,\n")
    assert main(["check", str(thai), str(spanish), "--kind", "bad_news"]) == 1
    out = capsys.readouterr().out
    assert f"{thai}: language detected: ไทย (th)" in out and f"{spanish}: language detected: Español (es)" in out
    main(["check", str(spanish), "--kind", "bad_news", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["lang"] == "es" and data["lang_detected"] is True
    main(["check", str(spanish), "--kind", "bad_news", "--lang", "es", "--json"])
    assert json.loads(capsys.readouterr().out)["lang_detected"] is False


def test_a_letter_whose_language_cannot_be_told_asks_for_lang(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = tmp_path / "n.txt"
    numbers.write_text("12345 67890\n")
    assert main(["check", str(numbers), "--kind", "bad_news"]) == 2
    assert "could not tell the letter's language; give --lang" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["draft", "--help"], ["eval", "--help"]])
def test_help_lists_exit_codes_and_examples(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "exit codes: 0" in text and "examples:" in text and "tactful " in text.split("examples:")[1]
    if argv == ["--help"]:
        assert "OPENAI_API_KEY" in text and "TACTFUL_TIMEOUT_S" in text and ".env" in text


def test_result_rows_are_typed_and_hold_only_what_happened(tmp_path: Path) -> None:
    """A cell that ended in an error is written with its identity and error only; read back, it is a CellResult;
    a row from an older run with a field this version no longer writes still reads; a torn line does not."""
    from tactful.evals.results import CellResult
    from tactful.evals.run import read_rows

    error = CellResult(cell="c1", case="bad_news/x", provider="openai", model="m", tone="warm",
                       error="the model could not be reached", error_type="ModelUnavailable")
    assert json.loads(error.line()) == {"cell": "c1", "case": "bad_news/x", "provider": "openai", "model": "m",
                                        "tone": "warm", "error": "the model could not be reached",
                                        "error_type": "ModelUnavailable"}
    old = {"cell": "c2", "case": "bad_news/y", "passed": True, "expectations_met": True, "retired_field": 1,
           "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}
    (tmp_path / "results.jsonl").write_text(error.line() + "\n" + json.dumps(old) + "\n" + '{"cell": "c3", "pas')
    notes: list[str] = []
    rows = read_rows(tmp_path, notes)
    assert [r.cell for r in rows] == ["c1", "c2"] and not rows[0].ok and rows[1].ok
    assert rows[1].usage.total_tokens == 7 and rows[0].latency_ms is None
    assert len(notes) == 1 and "line 3: not a whole result row" in notes[0]
