"""Realistic letters per language (tests/data/letters/<lang>/*.yaml): sections found, violations caught."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tactful.guardrails import check
from tactful.letter import Facts

DIR = Path(__file__).resolve().parent / "data" / "letters"
FILES = sorted(DIR.glob("*/*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_letter(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    facts = Facts.model_validate(case["facts"]) if case.get("facts") else None
    verdict = check(case["letter"], kind=case["kind"], lang=case["lang"], stage=case.get("stage"), facts=facts)
    present = {s.id for s in verdict.sections if s.present}
    for section in case.get("expect_sections", []):
        assert section in present, f"section {section} not found; found {sorted(present)}"
    for expected in case.get("expect_violations", []):
        hits = [v for v in verdict.violations if v.rule == expected["rule"]]
        assert hits, f"{expected['rule']} not flagged; got {[(v.rule, v.message) for v in verdict.violations]}"
        if "text" in expected:
            texts = [verdict.text[v.span[0] : v.span[1]] for v in hits if v.span]
            assert any(expected["text"] in t or t in expected["text"] for t in texts), texts
    unexpected_errors = {v.rule for v in verdict.errors} - {e["rule"] for e in case.get("expect_violations", [])}
    assert not unexpected_errors, [(v.rule, v.message, v.section) for v in verdict.errors]
    assert verdict.passed == case["expect_passed"], [(v.rule, v.message) for v in verdict.violations]
