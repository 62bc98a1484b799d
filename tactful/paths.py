"""Where the data lives (the lowest layer: no imports from the package).

``TACTFUL_DATA`` when set; the checkout when run from one (its top-level ``guardrails/ prompts/
evals/``); else the copy shipped inside the installed package (``tactful/data``, put there by
``setup.py`` when the wheel is built). Read once, at import.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def data_root() -> Path:
    """The folder holding ``guardrails/``, ``prompts/`` and ``evals/``."""
    given = os.environ.get("TACTFUL_DATA")
    if given:
        return Path(given).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "guardrails" / "kinds").is_dir():
        return checkout
    return Path(str(files("tactful") / "data"))


ROOT = data_root()


def language_codes(root: Path = ROOT) -> tuple[str, ...]:
    """The languages the data has a pack for (``guardrails/lang/<code>.yaml``), English first."""
    codes = sorted(p.stem for p in (root / "guardrails" / "lang").glob("*.yaml"))
    return tuple(sorted(codes, key=lambda code: code != "en"))
