"""Parsed data files are kept as JSON keyed by their text, and nothing about errors changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from tactful import parsecache, yamldoc
from tactful.errors import DataFileError


class Thing(BaseModel):
    name: str
    size: int


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TACTFUL_CACHE_DIR", str(folder))
    return folder


def test_second_read_comes_from_the_cache(cache: Path) -> None:
    text = "name: box\nsize: 3\n"
    first, _ = yamldoc.parse(text, "thing.yaml", cache=True)
    kept = list((cache / "yaml").glob("*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_text(encoding="utf-8")) == {"name": "box", "size": 3}
    kept[0].write_text(json.dumps({"name": "from the cache", "size": 3}), encoding="utf-8")  # prove which is read
    second, nodes = yamldoc.parse(text, "thing.yaml", cache=True)
    assert first == {"name": "box", "size": 3} and second == {"name": "from the cache", "size": 3}
    assert isinstance(nodes, yamldoc.Nodes)


def test_a_cached_file_with_a_bad_field_still_names_its_line(cache: Path) -> None:
    text = "name: box\n\nsize: three\n"
    yamldoc.parse(text, "thing.yaml", cache=True)
    data, nodes = yamldoc.parse(text, "thing.yaml", cache=True)  # from the cache: the node tree is composed for the error
    assert isinstance(nodes, yamldoc.Nodes)
    with pytest.raises(DataFileError) as err:
        yamldoc.validate(Thing, data, nodes, "thing.yaml")
    assert err.value.line == 3 and "size" in str(err.value)


def test_what_json_would_change_is_not_cached(cache: Path) -> None:
    for text in ("when: 2026-12-03\n", "1: one\n2: two\n"):  # a date; numeric keys
        data, _ = yamldoc.parse(text, "x.yaml", cache=True)
        assert yamldoc.parse(text, "x.yaml", cache=True)[0] == data
    assert not list((cache / "yaml").glob("*.json"))


def test_invalid_yaml_is_never_cached(cache: Path) -> None:
    for _ in range(2):
        with pytest.raises(DataFileError) as err:
            yamldoc.parse("name: [unclosed\n", "bad.yaml", cache=True)
        assert "invalid YAML" in str(err.value)
    assert not (cache / "yaml").exists() or not list((cache / "yaml").glob("*.json"))


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert yamldoc.parse("a: 1\n", "a.yaml", cache=True)[0] == {"a": 1}
    assert not (tmp_path / "xdg").exists()


def test_a_file_where_the_cache_folder_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TACTFUL_CACHE_DIR", str(blocker))
    assert yamldoc.parse("a: 1\n", "a.yaml", cache=True)[0] == {"a": 1}
    assert yamldoc.parse("a: 1\n", "a.yaml", cache=True)[0] == {"a": 1}


def test_old_entries_go_past_the_limit(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsecache, "KEEP", 3)
    for i in range(6):
        yamldoc.parse(f"n: {i}\n", "n.yaml", cache=True)
    assert len(list((cache / "yaml").glob("*.json"))) == 3


def test_a_case_file_is_never_kept(cache: Path, tmp_path: Path) -> None:
    """Case files hold customer details: reading one writes nothing to the cache; the catalog's own files are kept."""
    from tactful.cases import load_case
    from tactful.catalog import ROOT, Catalog

    catalog = Catalog(ROOT)
    kept = set((cache / "yaml").glob("*.json"))
    assert len(kept) >= 10  # kinds, rules, packs
    case = tmp_path / "case.yaml"
    case.write_text((ROOT / "evals" / "cases" / "bad_news" / "en-credit-denied.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    assert load_case(case, catalog).facts.customer.name
    assert set((cache / "yaml").glob("*.json")) == kept


def test_a_meaning_model_is_read_unpacked_from_the_cache_with_the_same_scores(cache: Path) -> None:
    """The compressed float16 artefact is unpacked once into the cache folder; the copy scores the same."""
    import numpy as np

    from tactful.catalog import ROOT
    from tactful.guardrails.meaning import read

    artefact = ROOT / "guardrails" / "model" / "es.npz"
    sentences = ["Lamentamos comunicarle que no podemos aprobar su solicitud.", "Puede volver a solicitarlo en seis meses."]
    first = read(artefact)
    copies = list((cache / "model").glob("*.npz"))
    assert len(copies) == 1 and copies[0].stat().st_size > artefact.stat().st_size  # unpacked, float32
    second = read(artefact)
    assert second.w_sec.dtype == np.float32 and first.w_sec.dtype == np.float16
    for a, b in zip(first.score_all(sentences), second.score_all(sentences), strict=True):
        assert np.array_equal(a.logits, b.logits) and a.rules == b.rules


def test_a_damaged_model_copy_is_passed_over_for_the_artefact(cache: Path) -> None:
    from tactful.catalog import ROOT
    from tactful.guardrails.meaning import read

    artefact = ROOT / "guardrails" / "model" / "en.npz"
    sentence = "We are unable to approve your application."
    expected = read(artefact).score(sentence).rules
    copy = next((cache / "model").glob("*.npz"))
    copy.write_bytes(copy.read_bytes()[:1000])  # torn by a full disk, say
    assert read(artefact).score(sentence).rules == expected
