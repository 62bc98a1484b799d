"""The layers hold: cli -> ui -> evals -> repair -> drafting -> prompts -> guardrails -> catalog -> letter,
openai imported only by the transport and the remote drafter, streamlit only by the app layer (pyproject's
import-linter contracts, checked here so CI enforces them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tactful.catalog import ROOT


def test_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Contracts: 3 kept, 0 broken." in done.stdout
