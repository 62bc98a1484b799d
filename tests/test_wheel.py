"""The built wheel carries its data: installed into a clean virtual environment, `tactful` checks and
drafts from any folder (no checkout beside it)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tactful.catalog import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout installed (its dependencies,
    which pip would fetch, are made visible from the test environment instead of downloaded again)."""
    tmp = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(ROOT)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp / "dist").glob("tactful-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # after the venv's own packages
    return venv


def test_the_wheel_ships_the_data_and_the_type_marker(installed: Path) -> None:
    wheel = next((installed.parent / "dist").glob("tactful-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("tactful/py.typed", "tactful/data/guardrails/kinds/bad_news.yaml", "tactful/data/guardrails/lang/th.yaml",
                   "tactful/data/guardrails/model/th.npz", "tactful/data/prompts/v3.yaml", "tactful/data/prompts/offline/bn.yaml",
                   "tactful/data/evals/cases/bad_news/en-credit-denied.yaml", "tactful/data/evals/rubric.yaml"):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "tactful/data/tests"))]


def test_installed_tactful_reads_its_own_data_from_any_folder(installed: Path, tmp_path: Path) -> None:
    python, tactful = installed / "bin" / "python", installed / "bin" / "tactful"
    root = subprocess.run([str(python), "-c", "import tactful.catalog as c; print(c.ROOT)"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout.strip()
    assert root.startswith(str(installed)) and root.endswith("tactful/data")
    case = Path(root) / "evals" / "cases" / "complaint_reply" / "th-hospital-billing.yaml"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    drafted = subprocess.run([str(tactful), "draft", str(case)], cwd=tmp_path, env=env, capture_output=True, text=True,
                             check=False)
    assert drafted.returncode == 0 and "Guardrails passed · offline" in drafted.stdout, drafted.stderr
    letter = tmp_path / "letter.txt"
    letter.write_text(drafted.stdout.split("\n\nGuardrails passed")[0], encoding="utf-8")
    checked = subprocess.run([str(tactful), "check", str(letter), "--kind", "complaint_reply", "--stage", "acknowledgement",
                              "--facts", str(case)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "language detected: ไทย (th)" in checked.stdout and "PASSED" in checked.stdout
    assert not (tmp_path / ".tactful").exists() and not (Path(root).parent / ".tactful").exists()
