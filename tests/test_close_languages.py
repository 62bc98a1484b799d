"""A letter in a language close to Spanish, checked as Spanish, is in the wrong language.

The letters in tests/data/rivals/ were written for this test in Portuguese, Italian, Catalan and Galician.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful.catalog import Catalog
from tactful.guardrails import check
from tactful.guardrails.language import KNOWN_SURE
from tactful.guardrails.meaning import model_of

RIVALS = sorted((Path(__file__).parent / "data" / "rivals").glob("*.txt"))
NAMES = {"pt": "Portuguese", "it": "Italian", "ca": "Catalan"}


def test_there_are_letters_in_each_close_language() -> None:
    assert {p.name.split("-")[0] for p in RIVALS} == {"pt", "it", "ca", "gl"} and len(RIVALS) >= 20


@pytest.mark.parametrize("path", [p for p in RIVALS if not p.name.startswith("gl")], ids=lambda p: p.stem)
def test_a_close_language_checked_as_spanish_is_the_wrong_language(path: Path, catalog: Catalog) -> None:
    verdict = check(path.read_text(encoding="utf-8"), kind="bad_news", lang="es", catalog=catalog)
    found = [v for v in verdict.violations if v.rule == "wrong_language"]
    assert not verdict.passed and found, f"{path.name} passed as Spanish"
    assert NAMES[path.name.split("-")[0]] in found[0].message


@pytest.mark.parametrize("path", RIVALS, ids=lambda p: p.stem)
def test_no_close_language_knows_enough_spanish_words_to_skip_the_detector(path: Path, catalog: Catalog) -> None:
    """A whole letter that knows KNOWN_SURE of the Spanish model's words is taken as Spanish without asking Lingua;
    no letter in a close language comes near it (Spanish letters of the corpus know 0.74 and up)."""
    text = path.read_text(encoding="utf-8")
    model = model_of(catalog.lang("es"))
    assert model is not None
    known = model.known_share(text[text.index("\n") + 1 :][:240])
    assert known is not None and known < KNOWN_SURE - 0.05, f"{path.name} knows {known:.2f} of the Spanish words"
