"""The independent corpus (tests/data/corpus/): well-formed, and the checker's figures on it do not regress.

The corpus was written by people who saw only GUIDELINES.md and a case file. Its full figures,
per language and rule, come from ``bench/corpus_quality.py`` (and are in the README); this test
only holds the overall figures above a floor, so a change that makes the checker read real
letters worse fails CI.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tactful.catalog import load
from tactful.letter import Facts

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("corpus_quality", ROOT / "bench" / "corpus_quality.py")
assert SPEC and SPEC.loader
bench = importlib.util.module_from_spec(SPEC)
sys.modules["corpus_quality"] = bench  # dataclasses look their module up
SPEC.loader.exec_module(bench)
ITEMS = bench.corpus("all", None)
FLOORS = {"good_plain": 0.90, "good_struct": 0.95, "faults": 0.85}


def test_the_corpus_has_every_language_and_kind() -> None:
    catalog = load()
    for lang in catalog.langs:
        mine = [i for i in ITEMS if i.lang == lang and i.split == "dev"]
        assert len(mine) >= 30, f"{lang}: {len(mine)} dev letters"
        assert {i.data["kind"] for i in mine} == set(catalog.kinds)
        assert {i.data.get("stage") for i in mine if i.data["kind"] == "complaint_reply"} == {"acknowledgement", "resolution"}


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i.lang}/{i.split}/{i.path.stem}" for i in ITEMS])
def test_a_corpus_letter_is_well_formed(item) -> None:
    catalog = load()
    data = item.data
    Facts.model_validate(data["facts"])
    layout = catalog.kind(data["kind"]).stage(data.get("stage"))
    labels = {x for label in data["paragraphs"] for x in ([label] if isinstance(label, str) else label)}
    assert labels <= set(layout.section_ids) | bench.NOT_SECTIONS, labels - set(layout.section_ids)
    assert len(data["paragraphs"]) == len(bench.paragraphs(data["letter"]))
    assert set(data["expect"].get("rules") or []) <= set(catalog.rules)


def test_the_checker_reads_the_independent_corpus_well() -> None:
    tally = bench.Tally()
    for item in ITEMS:
        bench.score(item, tally, show=False)
    figures = {"good_plain": tally.good_plain, "good_struct": tally.good_struct, "faults": tally.faults}
    low = {k: f"{sum(v) / len(v):.0%}" for k, v in figures.items() if sum(v) / len(v) < FLOORS[k]}
    assert not low, f"under the floor {FLOORS}: {low} (see bench/corpus_quality.py --show-failures)"
