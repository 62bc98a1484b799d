"""Providers as a registry: who drafts a letter (the built-in offline drafter, any OpenAI-compatible server).

Each provider registers its name, a label for the app, and where its drafters are (``module:callable``,
imported only when that provider is used: the offline path never imports the ``openai`` SDK). The
settings, the command line's ``--provider`` choices, the app's settings panel, ``make_drafter`` and
the eval runner all read this registry; adding a provider is one ``register`` call and its module.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class ProviderSpec:
    """One provider."""

    name: str
    label: str
    drafter: str  # "module:callable": called with the Settings, returns a drafter with the sync interface
    async_drafter: str  # the same with the async interface (the eval runner)
    remote: bool  # calls an endpoint: it takes a model name and a key, and its replies can be cached


PROVIDERS: dict[str, ProviderSpec] = {}


def register(spec: ProviderSpec) -> None:
    """Make a provider available under its name."""
    PROVIDERS[spec.name] = spec


def registered(name: str | None) -> str | None:
    """``name`` when it is a registered provider (or None), else a ValueError listing them (for validators)."""
    if name is not None and name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r} (choose from {', '.join(PROVIDERS)})")
    return name


def resolve(target: str) -> Any:
    """The callable a ``module:callable`` target names."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


register(ProviderSpec("offline", "Built-in offline drafter", "tactful.drafting.offline:from_settings",
                      "tactful.drafting.offline:async_from_settings", remote=False))
register(ProviderSpec("openai", "OpenAI-compatible endpoint", "tactful.drafting.remote:RemoteDrafter",
                      "tactful.drafting.remote:AsyncRemoteDrafter", remote=True))
