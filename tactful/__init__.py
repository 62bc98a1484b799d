"""Tactful: draft difficult customer letters with a model, and refuse drafts that break the guidelines.

The small public API; the CLI (``tactful``) and the app are built on these.
"""

from .cases import load_case, parse_case
from .catalog import Catalog, load
from .errors import TactfulError
from .guardrails import Verdict, Violation, check
from .letter import CaseFile, Facts, Letter

__all__ = ["CaseFile", "Catalog", "Facts", "Letter", "TactfulError", "Verdict", "Violation", "check", "load",
           "load_case", "parse_case"]
