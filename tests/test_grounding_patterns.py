"""The grounding patterns in their fast form (first character consumed, then the look-behind) find
exactly what their plain form (look-behind first, as one would write them) finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tactful.guardrails import grounding
from tactful.text import nfc, normalise

ROOT = Path(__file__).resolve().parent.parent
PLAIN = {
    "EMAIL": r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "ISO_DATE": r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)",
    "NUM_DATE": r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/.])",
    "PHONE": r"(?<![\d+])\+?\d(?:[\d ().-]{5,}\d)(?!\d)",
    "NUMBER": r"(?<![\d.,])\d+(?:[.,]\d+)*(?![\d])",
    "DAY": r"(?<!\d)\d{1,2}(?!\d)",
    "NAME": grounding.NAME.pattern.replace(rf"[{grounding._CAP}](?<![\w'][{grounding._CAP}])",
                                           rf"(?<![\w'])[{grounding._CAP}]", 1),
}
EDGES = ("call +60 3-2345 6789 or 12+60 3-2345 6789, ref 1.234.567,89 and 2026-12-03, 12026-12-03, 3/12/2026 "
         "1/2/3/2026 a.b+c@ex-ample.co.uk x@y O'Brien McDonald-Smith 'Ana de la Cruz' ১২/১১/২০২৬ 5,00,000 "
         "RM150 12345678901 +44 (0) 20 7946 0958 1.5.26 help@bank.com.my, sales.team@x.org 2026-01-15 2025-9-1 "
         "05.11.2026 5/11/26 on 2026-12-3 (2026-12-03a) x2026-12-03")


def texts() -> list[str]:
    paths = sorted((ROOT / "tests" / "data" / "corpus").glob("*/*/*.yaml"))
    out = [normalise(nfc(yaml.safe_load(p.read_text(encoding="utf-8"))["letter"])) for p in paths]
    return [*out, normalise(EDGES)]


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_fast_pattern_finds_what_the_plain_one_finds(name: str) -> None:
    assert PLAIN[name] != getattr(grounding, name).pattern  # the fast form is a different pattern
    plain, fast = re.compile(PLAIN[name], getattr(grounding, name).flags), getattr(grounding, name)
    found = 0
    for text in texts():
        expected = [(m.span(), m.groups()) for m in plain.finditer(text)]
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == expected
        found += len(expected)
    assert found >= 5
