from __future__ import annotations

import os
from pathlib import Path

import pytest

from tactful.catalog import Catalog, load

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _scrub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a real key, endpoint or setting from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "TACTFUL_")):
            monkeypatch.delenv(name)
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
