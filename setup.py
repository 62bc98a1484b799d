"""The wheel ships the data: the checkout's top-level guardrails/, prompts/ and evals/ are copied into
the package as tactful/data/, where ``tactful.catalog.data_root`` finds them once installed."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = ("guardrails", "prompts", "evals")


class BuildWithData(build_py):
    """``build_py`` that also copies the data folders into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tactful" / "data"
        for name in DATA:
            shutil.copytree(name, target / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
