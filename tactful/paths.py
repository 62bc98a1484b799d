"""Where the data lives, and the IDs it defines (the lowest layer: no imports from the package but errors).

``TACTFUL_DATA`` when set; the checkout when run from one (its top-level ``guardrails/ prompts/
evals/``); else the copy shipped inside the installed package (``tactful/data``, put there by
``setup.py`` when the wheel is built). Read once, at import.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any


def data_root() -> Path:
    """The folder holding ``guardrails/``, ``prompts/`` and ``evals/``."""
    given = os.environ.get("TACTFUL_DATA")
    if given:
        return Path(given).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "guardrails" / "kinds").is_dir():
        return checkout
    shipped = Path(__file__).resolve().parent / "data"
    if shipped.is_dir():  # an installed package on disk (importlib.resources costs 0.01 s to import)
        return shipped
    from importlib.resources import files

    return Path(str(files("tactful") / "data"))


ROOT = data_root()


def language_codes(root: Path = ROOT) -> tuple[str, ...]:
    """The languages the data has a pack for (``guardrails/lang/<code>.yaml``), English first."""
    codes = sorted(p.stem for p in (root / "guardrails" / "lang").glob("*.yaml"))
    return tuple(sorted(codes, key=lambda code: code != "en"))


def kind_ids(root: Path = ROOT) -> tuple[str, ...]:
    """The letter kinds the data defines (``guardrails/kinds/<kind>.yaml``)."""
    return tuple(sorted(p.stem for p in (root / "guardrails" / "kinds").glob("*.yaml")))


@lru_cache(maxsize=4)
def kind_stages(root: Path = ROOT) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Each kind's stages and its default stage, from its file (the catalog validates the rest)."""
    out: dict[str, tuple[tuple[str, ...], str | None]] = {}
    for kind in kind_ids(root):
        data: Any = _read_yaml(root / "guardrails" / "kinds" / f"{kind}.yaml") or {}
        stages = tuple(data.get("stages") or ()) if isinstance(data, dict) else ()
        default = data.get("default_stage") if isinstance(data, dict) else None
        out[kind] = (stages, default if isinstance(default, str) else (stages[-1] if stages else None))
    return out


@lru_cache(maxsize=4)
def tones_data(root: Path = ROOT) -> dict[str, Any]:
    """``prompts/tones.yaml``: the tones, and the app's adjustment buttons."""
    data: Any = _read_yaml(root / "prompts" / "tones.yaml") or {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=4)
def scripts(root: Path = ROOT) -> dict[str, tuple[tuple[int, int], ...]]:
    """``guardrails/scripts.yaml``: each non-Latin script the packs may name, with its Unicode ranges."""
    data: Any = _read_yaml(root / "guardrails" / "scripts.yaml") if (root / "guardrails" / "scripts.yaml").is_file() else {}
    out: dict[str, tuple[tuple[int, int], ...]] = {}
    for name, spec in (data or {}).items():
        ranges = []
        for text in (spec or {}).get("ranges", []) if isinstance(spec, dict) else []:
            first, _, last = str(text).partition("-")
            try:
                ranges.append((int(first, 16), int(last or first, 16)))
            except ValueError:
                from .errors import DataFileError

                raise DataFileError(str(root / "guardrails" / "scripts.yaml"), f"range {text!r} is not two hex code "
                                    "points (0980-09FF)", field=f"{name}.ranges") from None
        out[str(name)] = tuple(ranges)
    return out


def _read_yaml(path: Path) -> Any:
    """A data file's contents: kept from an earlier read (``parsecache``), else parsed with PyYAML's safe
    loader, in C when the wheel has it (ten times faster)."""
    from . import parsecache

    text = path.read_text(encoding="utf-8")
    data = parsecache.get(text)
    if data is parsecache.MISSING:
        import yaml

        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        parsecache.put(text, data)
    return data
