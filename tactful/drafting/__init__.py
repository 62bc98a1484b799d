"""Drafters: something that turns a case into a structured letter, and can rewrite failing sections.

Two implementations behind one ``Drafter`` protocol: ``remote.RemoteDrafter`` talks to any
OpenAI-compatible server; ``offline.OfflineDrafter`` composes the letter from per-language
phrase banks with no network. Both go through the same checker and repair loop
(``tactful.repair``): there is no bypass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..catalog import Catalog
from ..config import Settings
from ..guardrails import Violation
from ..letter import CaseFile, Letter

OnDelta = Callable[[str | None], None]  # None: discard the text so far, a retry starts


@dataclass
class Usage:
    """Token usage of one or more model calls."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        """Accumulate another call's usage."""
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    def as_dict(self) -> dict[str, int]:
        """JSON-ready usage."""
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


@dataclass
class Reply:
    """One drafting call's result: the letter and what it cost."""

    letter: Letter
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    latency_ms: float = 0.0


@dataclass
class DraftRequest:
    """What to draft: the case, with the tone and free-text adjustment in force."""

    case: CaseFile
    catalog: Catalog
    prompt_version: str
    tone: str
    instruction: str = ""
    brief: bool = False  # keep it short whatever the tone ("Shorter", kept through later adjustments)
    repeat: int = 0  # eval repeats: part of the reply cache key, so repeats are separate samples


class Drafter(Protocol):
    """Drafts letters and rewrites their failing sections."""

    provider: str
    model: str

    def draft(self, request: DraftRequest, on_delta: OnDelta | None = None) -> Reply:
        """A first draft."""
        ...

    def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
               failing: list[str]) -> Reply:
        """A new version of ``failing`` sections; the others are pinned by the caller."""
        ...


class AsyncDrafter(Protocol):
    """A drafter for asyncio callers (the eval runner)."""

    provider: str
    model: str

    async def draft(self, request: DraftRequest) -> Reply:
        """A first draft."""
        ...

    async def repair(self, request: DraftRequest, letter: Letter, violations: list[Violation],
                     failing: list[str]) -> Reply:
        """A new version of ``failing`` sections."""
        ...


def make_drafter(settings: Settings) -> Drafter:
    """The drafter the settings ask for (offline when no model is configured), from the provider registry."""
    from ..providers import PROVIDERS, resolve

    drafter: Drafter = resolve(PROVIDERS[settings.resolved_provider].drafter)(settings)
    return drafter
