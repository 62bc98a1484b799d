"""Settings, read once at start-up and passed down (never ``os.environ`` deep in the code).

Order of sources, highest first: explicit argument (a CLI flag or a field in the app's
settings panel) > environment variable (which includes Streamlit's root-level secrets) >
default. With no key and no base URL the provider is the built-in offline drafter: never
an error. The API key is a ``SecretStr``: it is never logged, stored, exported or echoed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .providers import registered

Provider = str  # a name in the provider registry (tactful.providers.PROVIDERS)


def _data_dir() -> Path:
    """The user's data folder for Tactful (history, eval runs and the reply cache), as the platform names it:
    ``$XDG_DATA_HOME/tactful`` or ``~/.local/share/tactful`` on Linux, ``~/Library/Application Support/tactful``
    on macOS, ``%LOCALAPPDATA%\\tactful`` on Windows."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("tactful", appauthor=False))


class Settings(BaseSettings):
    """Everything configurable, from flags, the environment and defaults."""

    # `.env` in the working folder is read too (below real environment variables), as OpenAI tooling does
    model_config = SettingsConfigDict(env_prefix="TACTFUL_", extra="ignore", populate_by_name=True,
                                      env_file=".env", env_file_encoding="utf-8")

    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_key", "OPENAI_API_KEY"))
    base_url: str | None = Field(default=None, validation_alias=AliasChoices("base_url", "OPENAI_BASE_URL"))
    provider: Provider | None = None
    model: str = "gpt-4o-mini"
    prompt_version: str = "v2"
    timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10)
    max_retry_wait_s: float = Field(default=60.0, gt=0)
    max_repairs: int = Field(default=2, ge=0, le=10)
    token_budget: int = Field(default=16000, ge=500)
    data_dir: Path = Field(default_factory=_data_dir)
    db_path: Path | None = None

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str | None) -> str | None:
        return registered(value)

    @property
    def resolved_provider(self) -> Provider:
        """The provider to use: as set, else ``openai`` when a key or base URL is set, else ``offline``."""
        if self.provider:
            return self.provider
        return "openai" if (self.api_key or self.base_url) else "offline"

    @property
    def endpoint(self) -> str:
        """The base URL the model client talks to, for messages: its credentials masked."""
        return mask_url(self.base_url or "https://api.openai.com/v1")

    def url_secrets(self) -> list[str]:
        """Credentials written into the base URL (a user's password, query values), to scrub from text."""
        if not self.base_url:
            return []
        parts = urlsplit(self.base_url)
        found = [parts.password or "", parts.username or ""] if parts.password or parts.username else []
        found += [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
        return [s for s in found if len(s) >= 3]


SECRET_FIELDS = {"api_key"}


def load_settings(**given: object) -> Settings:
    """``Settings`` from ``given`` (flags, the app's panel) and the environment, or a ``ConfigError``.

    The error names the variable (``TACTFUL_TIMEOUT_S``) or, for a value given here, the field, and
    says what it must be; a secret's value is never repeated.
    """
    from pydantic import ValidationError

    from .errors import ConfigError

    try:
        return Settings(**given)  # type: ignore[arg-type]  # validated right here
    except ValidationError as err:
        first = err.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        where = f"the {name.replace('_', ' ')} setting" if name in given else _variable(name)
        shown = "" if name in SECRET_FIELDS else f" (got {str(first.get('input'))[:60]!r})"
        msg = str(first["msg"]).removeprefix("Value error, ")  # a validator's own message says what is wrong
        raise ConfigError(f"{where}: {msg[0].lower()}{msg[1:]}{shown}") from None


def _variable(name: str) -> str:
    """The environment variable a field is read from."""
    aliases = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}
    return aliases.get(name, f"TACTFUL_{name.upper()}")


def mask_url(url: str) -> str:
    """``url`` with any user, password and query values replaced by ``***`` (safe for messages and reports)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "&".join(f"{name}=***" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
