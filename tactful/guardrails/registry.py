"""The closed set of check kinds a rule file may name in ``check:``.

A rule is data (guardrails/rules/<rule_id>.yaml); how it is checked is one of these
functions, registered with ``@check_kind("name")``. Adding a rule that uses an existing
kind needs no Python; a new kind is one function here or in a sibling module.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import RuleSpec
from .doc import Doc
from .verdict import Violation

Check = Callable[[Doc, str, RuleSpec], list[Violation]]
CHECKS: dict[str, Check] = {}


def check_kind(name: str) -> Callable[[Check], Check]:
    """Register a check kind under ``name``."""

    def register(func: Check) -> Check:
        CHECKS[name] = func
        return func

    return register
