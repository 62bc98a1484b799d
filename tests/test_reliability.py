"""Nothing a server, a disk or a hand-edited file does crashes, hangs or loses a run.

Real parts only: the loopback OpenAI-compatible server, real files, real (small, temporary)
filesystems mounted for the test when the tests run as root (as CI does).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful.cli import main
from tests.fakes.openai_server import Behaviour, FakeOpenAI
from tests.test_evals import add_case, letters

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "data" / "cases" / "credit-denied.yaml"


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases" / "bad_news"
    folder.mkdir(parents=True)
    for i in range(12):
        add_case(folder, f"c{i}")
    return tmp_path / "cases"


def test_an_eval_whose_every_call_is_refused_stops_early_and_says_why(cases, tmp_path, capsys):
    fake = FakeOpenAI().start()
    fake.enqueue(*[Behaviour(status=401, error="invalid api key")] * 50)
    try:
        code = main(["eval", "--cases", str(cases), "--prompt", "v2", "--base-url", fake.base_url, "--model",
                     "test-model", "--concurrency", "2", "--out", str(tmp_path / "run"),
                     "--cache", str(tmp_path / "cache.db")])
    finally:
        fake.stop()
    err = capsys.readouterr().err
    assert code == 3
    assert "stopped after the first 3 calls were all refused" in err and "rejected the API key (HTTP 401)" in err
    assert len(fake.requests) <= 4  # not twelve: the run stopped (one more may have been in flight)
    assert (tmp_path / "run" / "report.md").exists()  # the reports are still written


def test_credentials_in_the_base_url_are_masked_everywhere(cases, tmp_path, capsys):
    good, _ = letters()
    fake = FakeOpenAI(default=lambda body: good).start()
    host = fake.base_url.split("//", 1)[1]
    url = f"http://alice:pa55-w0rd-XYZ@{host}?api-key=qk-SECRET-987"
    fake.enqueue(Behaviour(status=401, error="bad key"))
    try:
        draft = main(["draft", str(CASE), "--provider", "openai", "--base-url", url, "--model", "test-model"])
        out = tmp_path / "run"
        evals = main(["eval", "--cases", str(cases), "--prompt", "v2", "--base-url", url, "--model", "test-model",
                      "--out", str(out), "--cache", str(tmp_path / "cache.db")])
    finally:
        fake.stop()
    said = capsys.readouterr()
    assert draft == 3 and evals == 0
    assert "rejected the API key" in said.err and "http://***@127.0.0.1" in said.err and "api-key=***" in said.err
    written = "".join(p.read_text(errors="replace") for p in out.iterdir()) + said.out + said.err
    written += (tmp_path / "cache.db").read_bytes().decode("latin-1")
    for secret in ("pa55-w0rd-XYZ", "qk-SECRET-987", "alice"):
        assert secret not in written
