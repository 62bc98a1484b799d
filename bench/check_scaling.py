"""Checking grows linearly with the letter: time per 1,000 characters for growing and hostile inputs.

Run by hand (``make bench``). Each input is checked with facts, all rules on, in a warm process:
a real letter's body repeated 1 to 64 times; one 20,000-character token; 10,000 short sentences
with no cue phrase; a 50,000-character run of Thai. If a step were quadratic, the time per 1,000
characters would grow with the size; it stays flat.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from tactful.catalog import load
from tactful.guardrails import check
from tactful.letter import Facts

ROOT = Path(__file__).resolve().parent.parent


def timed(text: str, case: dict, lang: str) -> float:
    facts = Facts.model_validate(case["facts"])
    start = time.perf_counter()
    check(text, kind=case["kind"], lang=lang, stage=case.get("stage"), facts=facts)
    return time.perf_counter() - start


def main() -> None:
    load()
    en = yaml.safe_load((ROOT / "tests/data/letters/en/bad_news-account-error.yaml").read_text(encoding="utf-8"))
    th = yaml.safe_load((ROOT / "tests/data/letters/th/bad_news-bank-account-error.yaml").read_text(encoding="utf-8"))
    head, *body, tail = en["letter"].strip().split("\n\n")
    inputs: list[tuple[str, str, dict, str]] = []
    for times in (1, 4, 16, 64, 256):
        inputs.append((f"en letter x{times}", "\n\n".join([head, *(body * times), tail]), en, "en"))
    inputs.append(("en one 20,000-character token", f"{head}\n\n{'A' * 20000}\n\n{tail}", en, "en"))
    inputs.append(("en 10,000 sentences, no cues", head + "\n\n" + " ".join(["It is so."] * 10000) + "\n\n" + tail, en, "en"))
    inputs.append(("th 5,000 characters of Thai", "เรียน คุณ\n\n" + "ก" * 5000 + "\n\nขอแสดงความนับถือ", th, "th"))
    inputs.append(("th 50,000 characters of Thai", "เรียน คุณ\n\n" + "ก" * 50000 + "\n\nขอแสดงความนับถือ", th, "th"))
    timed(inputs[0][1], en, "en")  # warm-up: detector models, the Thai dictionary
    timed(th["letter"], th, "th")
    print(f"{'input':<34}{'chars':>9}{'seconds':>9}{'ms per 1k chars':>17}")
    for name, text, case, lang in inputs:
        seconds = timed(text, case, lang)
        print(f"{name:<34}{len(text):>9}{seconds:>9.3f}{1000 * seconds / len(text) * 1000:>17.2f}")


if __name__ == "__main__":
    main()
