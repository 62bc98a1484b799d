"""Exceptions mean "could not do the job"; guideline violations are values, never exceptions.

    TactfulError                 every error the tool raises on purpose; ``str(err)`` is for people
    ├── UsageError               bad command-line usage (unknown kind, language, option)
    ├── InputError               a letter or case file the user gave cannot be read or is invalid
    ├── DataFileError            a file under guardrails/, prompts/ or evals/ is invalid (file, field, line)
    ├── ConfigError              a setting is invalid (names the variable)
    ├── OutputError              a place Tactful writes to is unusable: a file where a folder goes, a
    │                            read-only or full disk, a run folder in use (names the path)
    └── ModelError               the model could not produce a draft
        ├── ModelUnavailable     unreachable, timed out, rate limited, 5xx, after retries
        ├── ModelAuthError       the server rejected the API key
        ├── ModelNotFound        the model does not exist on that server
        ├── ModelRequestError    the server rejected the request (400)
        └── ModelOutputError     the reply could not be parsed into a letter after retries

None of these messages ever contains an API key: messages are built from fixed text and
server-facing facts (base URL, model, status), never from request headers.
"""

from __future__ import annotations


class TactfulError(Exception):
    """Base of every error Tactful raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TactfulError):
    """The command was used wrongly."""


class InputError(TactfulError):
    """A user-supplied letter or case file is unreadable or invalid."""


class DataFileError(TactfulError):
    """A data file (rule pack, kind, prompt version, eval case) is invalid."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, field: str | None = None) -> None:
        where = path + (f", line {line}" if line else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{problem}")
        self.path, self.line, self.field, self.problem = path, line, field, problem


class ConfigError(TactfulError):
    """A setting is invalid."""


class OutputError(TactfulError):
    """A file or folder Tactful must write to cannot be used (names the path)."""


def output_error(path: object, err: OSError, doing: str = "cannot be written") -> OutputError:
    """An ``OutputError`` for an ``OSError`` met while writing ``path``."""
    reason = "the disk is full" if err.errno == 28 else (err.strerror or type(err).__name__).lower()
    return OutputError(f"{path}: {doing} ({reason})")


class ModelError(TactfulError):
    """The model could not produce a draft."""

    def __init__(self, message: str, *, attempts: int = 1, last_output: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output


class ModelUnavailable(ModelError):
    """Unreachable, timed out, rate limited or failing with 5xx, after retries."""


class ModelAuthError(ModelError):
    """The server rejected the API key."""


class ModelNotFound(ModelError):
    """The model is not available on the server."""


class ModelRequestError(ModelError):
    """The server rejected the request as malformed."""


class ModelOutputError(ModelError):
    """The reply could not be parsed into a letter."""


class CacheMiss(TactfulError):
    """Replay mode needed a reply the eval cache does not have."""
