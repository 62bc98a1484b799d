from __future__ import annotations

import os
from pathlib import Path

import pytest

from tactful.catalog import Catalog, load

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _scrub_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees a real key, endpoint or setting from the developer's shell, nor writes into their data folder."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "TACTFUL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
    from tactful.config import Settings

    monkeypatch.setitem(Settings.model_config, "env_file", None)  # nor from a developer's .env


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load()


@pytest.fixture
def fake_llm():
    """A real OpenAI-compatible server on 127.0.0.1, scripted by the test."""
    from tests.fakes.openai_server import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def request_():
    """A draft request for the credit-denied test case (the model-path tests)."""
    from tactful.cases import load_case
    from tactful.drafting import DraftRequest

    return DraftRequest(case=load_case(DATA / "cases" / "credit-denied.yaml"), catalog=load(), prompt_version="v2",
                        tone="neutral")


@pytest.fixture
def good(request_) -> str:
    """A good letter for ``request_``, as the JSON a model replies with."""
    import json

    from tactful.drafting.offline import OfflineDrafter

    return json.dumps(OfflineDrafter().draft(request_).letter.flat())
