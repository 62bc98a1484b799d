"""The `tactful check` and `tactful draft` contracts: exit codes, JSON shape, bad input, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_server import Behaviour

ROOT = Path(__file__).resolve().parent.parent

DATA = Path(__file__).parent / "data"
GOOD = DATA / "letters" / "en" / "bad_news-account-error.yaml"
CASE = DATA / "cases" / "credit-denied.yaml"
KEY = "sk-cli-SECRET-987654"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TACTFUL_"))}
    return subprocess.run([sys.executable, "-m", "tactful", *args], capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=120, check=False)


@pytest.fixture
def good_letter(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "good.txt"
    path.write_text(yaml.safe_load(GOOD.read_text())["letter"], encoding="utf-8")
    return path


def test_check_good_letter_json(good_letter: Path) -> None:
    out = run("check", str(good_letter), "--kind", "bad_news", "--lang", "en", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= {"file", "passed", "kind", "lang", "sections", "violations"}
    assert report["passed"] is True and report["file"] == str(good_letter)
    assert {s["id"] for s in report["sections"] if s["present"]} >= {"opening_thanks", "bad_news", "signature"}
    assert all(set(s) == {"id", "present", "span", "parts", "confidence"} for s in report["sections"])
    assert "ungrounded_detail" in report["skipped"]


def test_check_two_files_one_json_line_each_and_exit_1(good_letter: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(good_letter.read_text().replace("We are sorry", "Due to your late payment, we are sorry"))
    out = run("check", str(good_letter), str(bad), "--kind", "bad_news", "--lang", "en", "--json")
    assert out.returncode == 1
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["passed"] for r in lines] == [True, False]
    v = next(v for v in lines[1]["violations"] if v["rule"] == "blame_shifting")
    assert set(v) == {"rule", "severity", "message", "section", "span"}
    assert bad.read_text()[v["span"][0] : v["span"][1]] == "Due to your"
    assert v["section"] == "bad_news"


def test_check_human_report_names_rule_and_text(good_letter: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(good_letter.read_text().replace("Meanwhile, we offer", "This will never happen again. We offer"))
    out = run("check", str(bad), "--kind", "bad_news", "--lang", "en", "--facts", str(CASE))
    assert out.returncode == 1
    assert "FAILED" in out.stdout and "unkeepable_promise" in out.stdout and "“will never happen again”" in out.stdout


def test_check_with_facts_catches_an_invented_phone_number(good_letter: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(good_letter.read_text().replace("please contact me directly", "please call 555-010-9999"))
    out = run("check", str(bad), "--kind", "bad_news", "--lang", "en", "--facts", str(GOOD.parent / ".." / ".." /
              "cases" / "credit-denied.yaml"), "--json")
    report = json.loads(out.stdout)
    rules = {v["rule"] for v in report["violations"]}
    assert "ungrounded_detail" in rules
    assert out.returncode == 1


@pytest.mark.parametrize(("args", "needle"), [
    (["check", "/no/such/letter.txt", "--kind", "bad_news", "--lang", "en"], "/no/such/letter.txt: file not found"),
    (["check", "x.txt", "--kind", "sales", "--lang", "en"], "invalid choice: 'sales'"),
    (["check", "x.txt", "--kind", "bad_news", "--lang", "fr"], "invalid choice: 'fr'"),
    (["check", "x.txt", "--kind", "bad_news", "--lang", "en", "--stage", "resolution"], "--stage applies only"),
])
def test_bad_usage_exits_2(args: list[str], needle: str, good_letter: Path) -> None:
    args = [str(good_letter) if a == "x.txt" else a for a in args]
    out = run(*args)
    assert out.returncode == 2
    assert needle in out.stderr


def test_not_utf8_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Estimado señor".encode("latin-1"))
    out = run("check", str(path), "--kind", "bad_news", "--lang", "es")
    assert out.returncode == 2
    assert f"{path}: not UTF-8 text" in out.stderr


def test_malformed_case_file_names_file_and_line(good_letter: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("kind: bad_news\nlang: en\nfacts:\n  company: [unclosed\n")
    out = run("check", str(good_letter), "--kind", "bad_news", "--lang", "en", "--facts", str(case))
    assert out.returncode == 2
    assert f"{case}, line" in out.stderr and "invalid YAML" in out.stderr


def test_case_file_missing_a_required_fact_names_it(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    text = CASE.read_text().replace("  referral: {name: John Beech, contact: 888-555-4848}\n", "")
    case.write_text(text)
    out = run("draft", str(case))
    assert out.returncode == 2
    assert "field 'facts.referral': required when relationship_ending is set" in out.stderr


def test_case_file_typo_names_field_and_line(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(CASE.read_text().replace("  offer:", "  ofer:"))
    out = run("draft", str(case))
    assert out.returncode == 2
    line = next(i for i, t in enumerate(case.read_text().splitlines(), 1) if "ofer:" in t)
    assert f"{case}, line {line}: field 'facts.ofer': unknown field" in out.stderr


def test_draft_offline_json_contract() -> None:
    out = run("draft", str(CASE), "--json", "--tone", "firm")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) >= {"letter", "sections", "report", "passed", "attempts", "provider", "model",
                           "prompt_version", "usage", "latency_ms"}
    assert result["provider"] == "offline" and result["passed"] is True
    assert result["report"]["passed"] is True and "John Beech" in result["letter"]


def test_draft_through_loopback_server_and_wrong_key(fake_llm) -> None:
    fake_llm.enqueue(Behaviour(status=401, error=f"Incorrect API key provided: {KEY}"))
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake_llm.base_url, "TACTFUL_MODEL": "test-model"}
    out = run("draft", str(CASE), env=env)
    assert out.returncode == 3
    assert "rejected the API key" in out.stderr
    assert KEY not in out.stderr + out.stdout


def test_draft_still_failing_after_repairs_exits_1_with_report(fake_llm) -> None:
    bad = {"greeting": "Dear Mr. Arun Lee,", "opening_thanks": "Thank you.", "bad_news": "It was your fault.",
           "solution": "", "referral": "", "remedy": "", "closing": "Thanks.", "signature": "Dana Ortiz",
           "sign_off": "Regards,"}
    fake_llm.enqueue(*[Behaviour(content=json.dumps(bad))] * 3)
    env = {"OPENAI_BASE_URL": fake_llm.base_url}
    out = run("draft", str(CASE), "--model", "test-model", "--max-repairs", "2", env=env)
    assert out.returncode == 1
    assert "Guardrails FAILED" in out.stdout and "blame_shifting" in out.stdout
    assert "repairing 1 of 2" in out.stderr


def test_version_stdin_and_a_broken_pipe(tmp_path: Path) -> None:
    from tactful.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    letter = "Dear Mr. Lee,\n\nDue to your late payments, your loan was denied.\n\nKind regards,\n\nDana Ortiz"
    done = subprocess.run([sys.executable, "-m", "tactful", "check", "-", "--kind", "bad_news", "--lang", "en"],
                          input=letter, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and done.stdout.startswith("-: FAILED") and "blame_shifting" in done.stdout
    one = tmp_path / "letter.txt"
    one.write_text(letter)
    # far more report than a pipe holds: the reader leaves after one line while the report is still written
    proc = subprocess.Popen([sys.executable, "-m", "tactful", "check", *[str(one)] * 400, "--kind", "bad_news",
                             "--lang", "en"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert first.startswith(f"{one}: FAILED") and "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize(("given", "understood"), [("0.8", 0.8), ("80", 0.8), ("80%", 0.8), ("100%", 1.0)])
def test_fail_under_takes_a_fraction_or_a_percentage(given: str, understood: float) -> None:
    from tactful.evals.cli import _score

    assert _score(given) == pytest.approx(understood)


def test_fail_under_rejects_what_is_not_a_score(capsys: pytest.CaptureFixture[str]) -> None:
    from tactful.cli import main

    with pytest.raises(SystemExit) as info:
        main(["eval", "--provider", "offline", "--fail-under", "lots"])
    assert info.value.code == 2 and "not a score: 'lots' (write 0.8, 80 or 80%)" in capsys.readouterr().err


def test_draft_shows_warnings_in_its_human_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json as json_

    from tactful.cli import main

    case = tmp_path / "case.yaml"  # the offline drafter quotes the offer, and the checker warns about it
    case.write_text(CASE.read_text().replace("offer: ", "offer: Our world-class, unbeatable savings plan. ", 1))
    assert "world-class" in case.read_text()
    main(["draft", str(case), "--json"])
    warnings = [v for v in json_.loads(capsys.readouterr().out)["report"]["violations"] if v["severity"] == "warning"]
    assert warnings
    main(["draft", str(case)])
    out = capsys.readouterr().out
    assert all(v["message"] in out for v in warnings)
