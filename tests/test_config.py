"""Settings: explicit value > environment > default; the provider follows the key or base URL."""

from __future__ import annotations

import pytest

from tactful.config import Settings


def test_defaults_mean_offline() -> None:
    s = Settings()
    assert s.resolved_provider == "offline"
    assert s.timeout_s == 30.0 and s.max_attempts == 3 and s.max_repairs == 2


@pytest.mark.parametrize("var", ["OPENAI_API_KEY", "OPENAI_BASE_URL"])
def test_a_key_or_base_url_selects_the_model(monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "http://127.0.0.1:9/v1" if var == "OPENAI_BASE_URL" else "sk-x")
    assert Settings().resolved_provider == "openai"
    assert Settings(provider="offline").resolved_provider == "offline"  # an explicit choice wins


def test_explicit_beats_environment_beats_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_MODEL", "env-model")
    monkeypatch.setenv("TACTFUL_MAX_REPAIRS", "4")
    assert Settings().model == "env-model" and Settings().max_repairs == 4
    assert Settings(model="flag-model").model == "flag-model"


def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("TACTFUL_MAX_REPAIRS", "many")
    with pytest.raises(ValidationError, match="max_repairs"):
        Settings()


def test_the_key_is_never_in_repr_or_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-1")
    s = Settings()
    assert "sk-very-secret-1" not in repr(s) and "sk-very-secret-1" not in s.model_dump_json()


def test_a_dotenv_file_in_the_working_folder_is_read_below_the_environment(tmp_path, monkeypatch) -> None:
    from tactful.config import Settings

    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TACTFUL_MODEL=from-dotenv\nOPENAI_BASE_URL=http://127.0.0.1:9/v1\n")
    settings = Settings()
    assert settings.model == "from-dotenv" and settings.base_url == "http://127.0.0.1:9/v1"
    monkeypatch.setenv("TACTFUL_MODEL", "from-environment")
    assert Settings().model == "from-environment"
