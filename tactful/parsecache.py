"""Parsed and prepared copies of the product's own files, kept in the user's cache folder.

Building Python objects from YAML is most of what reading the data costs; JSON reads back several times
faster and needs no YAML parser in the process. The meaning models and the Thai word list are kept
too, in the form checking reads them (``derived``). A copy is keyed by its source's SHA-256, so an edited
file is read afresh. Only the product's own files (packs, kinds, prompts, tones, models) come here, never
a user's case file, which holds customer details. No imports from the package: ``paths`` uses it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

FORMAT = 1
KEEP = 512  # parsed files kept; past this the oldest go (a miss, and so a write, is rare)
MISSING = object()  # ``get``'s answer when nothing is kept (a file may parse to None)


def folder() -> Path | None:
    """Where parsed data files are kept: ``TACTFUL_CACHE_DIR``, else the user's cache folder (none: "off")."""
    given = os.environ.get("TACTFUL_CACHE_DIR")
    if given:
        return None if given == "off" else Path(given).expanduser()
    if sys.platform.startswith("linux"):  # platformdirs' answer on Linux, without its import
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tactful"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tactful", appauthor=False))


def _file(text: str) -> Path | None:
    return derived("yaml", f"{FORMAT}\0{text}".encode("utf-8", "surrogatepass"), "json")


def derived(kind: str, source: bytes, suffix: str) -> Path | None:
    """Where a copy made from ``source`` (a file's bytes) is kept: ``<cache>/<kind>/<its SHA-256>.<suffix>``."""
    where = folder()
    return None if where is None else where / kind / f"{hashlib.sha256(source).hexdigest()}.{suffix}"


def write(path: Path, data: bytes, keep: int) -> None:
    """Write a copy whole or not at all, then keep only the newest ``keep`` of its kind; best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
        kept = sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime)
        for old in kept[: max(0, len(kept) - keep)]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written costs time, never a result


def get(text: str) -> Any:
    """The data kept for a file with this text, else ``MISSING``."""
    path = _file(text)
    if path is not None:
        try:
            with path.open(encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            pass
    return MISSING


def put(text: str, data: Any) -> None:
    """Keep ``data`` as JSON when JSON gives it back unchanged (not dates, not numeric keys); best effort."""
    path = _file(text)
    if path is None:
        return
    try:
        dumped = json.dumps(data, ensure_ascii=False)
        if json.loads(dumped) != data:
            return
    except (TypeError, ValueError):
        return
    write(path, dumped.encode("utf-8"), KEEP)
