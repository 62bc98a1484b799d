"""The eval suite against the loopback OpenAI-compatible server: versions compared, cache, replay, resume, gate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tactful.cases import load_case
from tactful.catalog import load
from tactful.cli import main
from tactful.drafting import DraftRequest
from tactful.drafting.offline import OfflineDrafter
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "data" / "cases" / "credit-denied.yaml"


def letters() -> tuple[str, str]:
    case = load_case(CASE)
    good = OfflineDrafter().draft(DraftRequest(case=case, catalog=load(), prompt_version="v2", tone="neutral")).letter
    bad = good.flat()
    bad["bad_news"] = "Due to your late payments, your application for a personal loan has been denied."
    return json.dumps(good.flat()), json.dumps(bad)


def add_case(folder: Path, slug: str) -> None:
    """A copy of the case that differs in one fact, so its requests (and cache keys) differ."""
    text = CASE.read_text().replace("card balances.", f"card balances ({slug}).")
    (folder / f"en-{slug}.yaml").write_text(text)


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases" / "bad_news"
    folder.mkdir(parents=True)
    for slug in ("one", "two", "three"):
        add_case(folder, slug)
    return tmp_path / "cases"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    good, bad = letters()

    def reply(body: dict[str, Any]) -> str:  # v2's prompt carries a worked example; v1's does not
        return good if "worked example" in body["messages"][1]["content"] else bad

    fake = FakeOpenAI(default=reply).start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    yield fake
    fake.stop()


def run_eval(*args: str) -> int:
    return main(["eval", "--model", "test-model", *args])


def test_two_versions_differ_and_the_report_shows_it(server, cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = run_eval("--cases", str(cases), "--prompt", "v1", "--prompt", "v2", "--out", str(out),
                    "--cache", str(tmp_path / "cache.db"), "--max-repairs", "1")
    assert code == 0
    summary = {s["prompt"]: s for s in json.loads((out / "summary.json").read_text())["summary"]}
    assert summary["v1"]["pass_rate"] == 0.0 and summary["v2"]["pass_rate"] == 1.0
    by_rule = json.loads((out / "summary.json").read_text())["by_rule"]
    assert by_rule["v1 openai:test-model"]["blame_shifting"] == 3
    md = (out / "report.md").read_text()
    assert "Cases whose outcome differs between versions: 3" in md
    page = (out / "report.html").read_text()
    assert page.count("class='case differs'") == 3 and "<del>" in page and "<mark" in page
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all("sk-" not in line for line in (out / "results.jsonl").read_text().splitlines())


def test_second_run_makes_no_calls_and_replay_needs_a_warm_cache(server, cases: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cache = str(tmp_path / "cache.db")
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "a"), "--cache", cache) == 0
    calls = len(server.requests)
    assert calls == 3
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "b"), "--cache", cache) == 0
    assert len(server.requests) == calls  # zero calls: every reply came from the cache
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "c"), "--cache", cache,
                    "--replay") == 0
    capsys.readouterr()
    code = run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "d"),
                    "--cache", str(tmp_path / "cold.db"), "--replay")
    assert code == 3
    assert "replay: 3 cell(s) had no cached reply" in capsys.readouterr().err
    assert len(server.requests) == calls


def test_malformed_case_is_reported_and_the_others_run(server, cases: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    broken = cases / "bad_news" / "en-broken.yaml"
    broken.write_text("kind: bad_news\nlang: en\nfacts:\n  company: Fake\n  sender: [oops\n")
    code = run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "run"),
                    "--cache", str(tmp_path / "cache.db"))
    assert code == 2
    err = capsys.readouterr().err
    assert f"{broken}, line" in err and "invalid YAML" in err
    assert len((tmp_path / "run" / "results.jsonl").read_text().splitlines()) == 3


def test_concurrency_is_honoured(server, cases: Path, tmp_path: Path) -> None:
    for slug in ("four", "five", "six"):
        add_case(cases / "bad_news", slug)
    server.delay = 0.3
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "run"),
                    "--cache", str(tmp_path / "cache.db"), "--concurrency", "2") == 0
    assert server.max_in_flight == 2


def test_baseline_gate_fails_on_a_regression(server, cases: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache.db")
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "base"), "--cache", cache) == 0
    (tmp_path / "now").mkdir()
    rows = [json.loads(x) for x in (tmp_path / "base" / "results.jsonl").read_text().splitlines()]
    rows[0]["passed"] = False  # the same cells, one of which no longer passes
    (tmp_path / "now" / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "now"), "--cache", cache,
                    "--baseline", str(tmp_path / "base"))
    assert code == 1  # resumed (nothing reran); the stored failing row is a regression against the baseline
    assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(tmp_path / "again"), "--cache", cache,
                    "--baseline", str(tmp_path / "now"), "--fail-under", "1.0") == 0


def test_interrupted_run_resumes(cases: Path, tmp_path: Path) -> None:
    for i in range(5):
        add_case(cases / "bad_news", f"more-{i}")
    good, _ = letters()
    fake = FakeOpenAI(default=lambda body: good).start()
    fake.delay = 0.4
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TACTFUL_"))}
    env.update(OPENAI_BASE_URL=fake.base_url, TACTFUL_MODEL="test-model")
    args = [sys.executable, "-m", "tactful", "eval", "--cases", str(cases), "--prompt", "v2", "--concurrency", "1",
            "--out", str(tmp_path / "run"), "--cache", str(tmp_path / "cache.db")]
    try:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        results = tmp_path / "run" / "results.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not results.exists() or len(results.read_text().splitlines()) < 2):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "Rerun with --out" in err
        kept = len(results.read_text().splitlines())
        assert 2 <= kept < 8
        before = len(fake.requests)
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert len(results.read_text().splitlines()) == 8
        # Only unfinished cells were asked for again; the one in flight at the interrupt (concurrency 1)
        # is the only request that may have been made twice.
        assert len(fake.requests) - before == 8 - kept
        # (a client interrupted before it sent its body leaves a request without one: not a prompt)
        assert len({json.dumps(r.body["messages"]) for r in fake.requests if r.body}) == 8
        assert len(fake.requests) <= 8 + 1
    finally:
        fake.stop()


def test_offline_suite_gate_over_all_sample_cases(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The CI gate: every sample case, drafted offline, passes its guardrails and expectations."""
    code = main(["eval", "--suite", "offline-gate", "--out", str(tmp_path / "run")])  # every version, fail under 100 %
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["planned"] >= 3 * 49 and not summary["case_errors"]
    assert {s["prompt"] for s in summary["summary"]} == {"v1", "v2", "v3"}
    assert all(s["score"] == 1.0 for s in summary["summary"])


def test_judge_model_grades_each_letter(cases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good, _ = letters()
    grades = json.dumps({"clarity": 4, "empathy": 5, "honesty": 3, "reason": "Plain and kind."})

    def reply(body: dict[str, Any]) -> str:
        return grades if "quality review" in body["messages"][0]["content"] else good

    fake = FakeOpenAI(default=reply).start()
    fake.known_models.add("judge-model")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    try:
        out = tmp_path / "run"
        assert run_eval("--cases", str(cases), "--prompt", "v2", "--out", str(out), "--cache",
                        str(tmp_path / "cache.db"), "--judge-model", "judge-model") == 0
    finally:
        fake.stop()
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert all(r["rubric"]["clarity"] == 4 and r["rubric"]["reason"] == "Plain and kind." for r in rows)
    judged = [r for r in fake.requests if r.body["model"] == "judge-model"]
    assert len(judged) == 3
    assert "<letter>" in judged[0].body["messages"][1]["content"]
    summary = json.loads((out / "summary.json").read_text())["summary"][0]
    assert summary["rubric_empathy"] == 5.0
    assert "## Rubric (judge model, mean 1-5)" in (out / "report.md").read_text()
