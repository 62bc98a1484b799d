"""App latency in a real browser (Debian's Chromium via Playwright), offline drafter.

Run by hand (``make bench``): page load to interactive (the Draft letter button usable) and
click on Draft letter to the verdict on screen, each over several rounds; medians printed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import CHROMIUM, _start_app  # noqa: E402

ROUNDS = 7


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_app({"TACTFUL_DB_PATH": str(Path(tmp) / "history.db")})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                            "--disable-background-networking"])
                loads, verdicts = [], []
                for i in range(ROUNDS + 1):  # the first round warms the server up and is not counted
                    page = browser.new_page()
                    t = time.perf_counter()
                    page.goto(url)
                    button = page.get_by_role("button", name="Draft letter")
                    expect(button).to_be_enabled(timeout=60_000)
                    load = time.perf_counter() - t
                    t = time.perf_counter()
                    button.click()
                    expect(page.get_by_text("Guardrails passed").first).to_be_visible(timeout=60_000)
                    verdict = time.perf_counter() - t
                    if i:
                        loads.append(load)
                        verdicts.append(verdict)
                    page.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"page load to interactive: median {statistics.median(loads):.2f} s (max {max(loads):.2f} s, {ROUNDS} rounds)")
    print(f"click Draft letter to verdict: median {statistics.median(verdicts):.2f} s (max {max(verdicts):.2f} s)")


if __name__ == "__main__":
    main()
