"""End to end in a real browser: Playwright driving Debian's Chromium against the app on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from tests.fakes.openai_server import Behaviour, FakeOpenAI

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_app(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TACTFUL_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**clean, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the app did not start within 60 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture
def offline_app(tmp_path: Path) -> Iterator[str]:
    proc, url = _start_app({"TACTFUL_DB_PATH": str(tmp_path / "history.db")})
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_offline_draft_shorter_and_docx_export(browser, offline_app: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 2200})
    page.goto(offline_app)
    page.get_by_role("button", name="Draft letter").click()
    expect(page.get_by_text("Guardrails passed").first).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "1-offline-draft.png"), full_page=True)

    page.get_by_role("button", name="Shorter").click()
    expect(page.get_by_text("Version 2: Shorter")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Compare version")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "2-shorter-version.png"), full_page=True)

    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.get_by_role("button", name="Download .docx").click()
    saved = ARTIFACTS / "exported-letter.docx"
    info.value.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert "Harbour Community Bank" in text
    assert "Michelle Okoro" in text
    page.close()


def test_model_draft_recovers_from_rate_limit(browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from tactful.cases import load_case
    from tactful.catalog import load
    from tactful.drafting import DraftRequest
    from tactful.drafting.offline import OfflineDrafter

    case = load_case(ROOT / "evals" / "cases" / "bad_news" / "en-account-closed-error.yaml")  # the form's example
    good = json.dumps(OfflineDrafter().draft(DraftRequest(case=case, catalog=load(), prompt_version="v2",
                                                          tone=case.tone)).letter.flat())
    fake = FakeOpenAI().start()
    fake.enqueue(Behaviour(status=429, error="slow down", headers={"Retry-After": "1"}), Behaviour(content=good))
    proc, url = _start_app({"TACTFUL_DB_PATH": str(tmp_path / "history.db"), "OPENAI_BASE_URL": fake.base_url,
                            "TACTFUL_MODEL": "test-model"})
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 2200})
        page.goto(url)
        page.get_by_role("button", name="Draft letter").click()
        expect(page.get_by_text("Guardrails passed").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("openai / test-model").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "3-model-draft-after-429.png"), full_page=True)
        assert len(fake.requests) == 2
        assert fake.requests[0].body["stream"] is True
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        fake.stop()


def test_switching_kind_keeps_the_facts_typed_and_hides_the_earlier_letter(browser, offline_app: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 2200})
    page.goto(offline_app)
    company = page.get_by_role("textbox", name="Company *")
    expect(company).to_have_value("Harbour Community Bank", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Draft letter").click()
    expect(page.get_by_text("Guardrails passed").first).to_be_visible(timeout=TIMEOUT_MS)
    company.fill("Harbour Lane Bank")  # typed, and the kind switched before anything else
    company.press("Tab")
    page.get_by_role("combobox", name="Letter").click()
    page.get_by_role("option", name="Win back a lost customer").click()
    expect(page.get_by_text("belongs to the earlier choice")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("textbox", name="Company *")).to_have_value("Harbour Lane Bank")
    expect(page.get_by_text("Guardrails passed")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "4-switched-kind-facts-kept.png"), full_page=True)
    page.close()
