"""Tactful: draft difficult customer letters with a model, and refuse drafts that break the guidelines.

The small public API; the CLI (``tactful``) and the app are built on these. Each name is imported
when first used (PEP 562), so ``tactful check`` pays only for what checking needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cases import load_case as load_case
    from .cases import parse_case as parse_case
    from .catalog import Catalog as Catalog
    from .catalog import load as load
    from .errors import TactfulError as TactfulError
    from .guardrails import Verdict as Verdict
    from .guardrails import Violation as Violation
    from .guardrails import check as check
    from .letter import CaseFile as CaseFile
    from .letter import Facts as Facts
    from .letter import Letter as Letter

_WHERE = {"load_case": "cases", "parse_case": "cases", "Catalog": "catalog", "load": "catalog",
          "TactfulError": "errors", "Verdict": "guardrails", "Violation": "guardrails", "check": "guardrails",
          "CaseFile": "letter", "Facts": "letter", "Letter": "letter"}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tactful' has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
