"""The built-in offline drafter: every case in evals/cases × every tone passes the checker, and quotes its facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful.cases import load_case
from tactful.catalog import load
from tactful.drafting import DraftRequest
from tactful.drafting.offline import OfflineDrafter
from tactful.guardrails import check
from tactful.letter import TONES
from tactful.repair import guarded_draft
from tactful.text import word_count

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "evals" / "cases").glob("*/*.yaml")) + sorted((ROOT / "tests" / "data" / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_every_tone_passes(path: Path) -> None:
    case = load_case(path)
    catalog = load()
    for tone in TONES:
        request = DraftRequest(case=case, catalog=catalog, prompt_version="v2", tone=tone)
        result = guarded_draft(OfflineDrafter(), request, max_repairs=0, token_budget=1000)
        problems = [(v.rule, v.section, v.message) for v in result.verdict.errors]
        assert result.passed, f"{path.name} tone={tone}: {problems}\n{result.letter.text}"
        text = result.letter.text
        signer = catalog.lang(case.lang).own_name(case.facts.sender.name)  # signed without their own honorific
        assert signer in text and case.facts.customer.name in text
        assert case.facts.company in text
        # Exported and pasted back into "Check my letter", the same letter must pass as plain text.
        pasted = check(text, kind=case.kind, lang=case.lang, stage=case.stage, facts=case.facts, catalog=catalog)
        assert pasted.passed, f"{path.name} tone={tone} as plain text: {[(v.rule, v.section) for v in pasted.errors]}"


def test_concise_is_shorter_than_warm() -> None:
    case = load_case(ROOT / "tests" / "data" / "cases" / "credit-denied.yaml")
    counts = {}
    for tone in ("concise", "warm"):
        req = DraftRequest(case=case, catalog=load(), prompt_version="v2", tone=tone)
        counts[tone] = word_count(OfflineDrafter().draft(req).letter.text, "latin")
    assert counts["concise"] < counts["warm"]


@pytest.mark.parametrize("lang", sorted(load().langs))
def test_every_language_has_a_bank_for_every_section(lang: str) -> None:
    from tactful.drafting.offline import load_bank

    bank = load_bank(lang)
    catalog = load()
    for kind_id, kind in catalog.kinds.items():
        for stage in kind.stages or [None]:
            for spec in kind.stage(stage).sections:
                if spec.id in {"signature", "owner_signature"}:
                    continue
                assert spec.id in bank.sections.get(kind_id, {}), f"prompts/offline/{lang}.yaml: no {kind_id}.{spec.id}"
    assert set(TONES) <= set(bank.sign_off), f"prompts/offline/{lang}.yaml: sign_off needs every tone"
