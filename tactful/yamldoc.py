"""Read YAML so that every error names the file, the field and the line.

PyYAML's marks give the line of a syntax error; for a value that fails pydantic
validation we walk the composed node tree along the error's ``loc`` to find the line
of the offending field, so "facts.referral.contact: Field required" becomes
"case.yaml, line 12: field 'facts.referral.contact': field required".
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import DataFileError

M = TypeVar("M", bound=BaseModel)
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: 10x faster
CACHE_FORMAT = 1
CACHE_KEEP = 512  # parsed files kept; past this the oldest go (a miss, and so a write, is rare)


def read_text(path: Path) -> str:
    """File contents as UTF-8, or a DataFileError saying why not."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(str(path), "file not found") from None
    except UnicodeDecodeError as err:
        raise DataFileError(str(path), f"not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise DataFileError(str(path), f"cannot be read ({err.strerror})") from None


class Nodes:
    """A file's YAML node tree, composed only when a line number is wanted (an error to report)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._node: yaml.Node | None = None
        self._done = False

    def node(self) -> yaml.Node | None:
        if not self._done:
            loader = Loader(self.text)
            try:
                self._node = loader.get_single_node()
            finally:
                loader.dispose()
            self._done = True
        return self._node


def parse(text: str, source: str, *, cache: bool = False) -> tuple[Any, yaml.Node | Nodes | None]:
    """Parsed YAML and its node tree, or a DataFileError with the line of the syntax error.

    With ``cache`` (the product's own data files, never a user's case file, which holds customer
    details): a file read before is not parsed again. Its data is kept as JSON under the user's cache
    folder, keyed by the text's SHA-256 (building Python objects from YAML is most of what loading the
    catalog costs), and the node tree is then composed only if an error needs a line number.
    """
    cached = _cache_file(text) if cache else None
    if cached is not None:
        try:
            with cached.open(encoding="utf-8") as fh:
                return json.load(fh), Nodes(text)
        except (OSError, ValueError):
            pass
    data, node = _parse(text, source)
    if cached is not None:
        _remember(cached, data)
    return data, node


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark else None
        raise DataFileError(source, f"invalid YAML: {err.problem}", line=line) from None
    except yaml.YAMLError as err:
        raise DataFileError(source, f"invalid YAML: {err}") from None
    except (ValueError, TypeError, OverflowError) as err:  # a value YAML parsed but cannot build (2026-02-30)
        raise _bad_value(text, source, err) from None
    finally:
        loader.dispose()
    return data, node


def cache_dir() -> Path | None:
    """Where parsed data files are kept: ``TACTFUL_CACHE_DIR``, else the user's cache folder (none: "off")."""
    given = os.environ.get("TACTFUL_CACHE_DIR")
    if given:
        return None if given == "off" else Path(given).expanduser()
    if sys.platform.startswith("linux"):  # platformdirs' answer on Linux, without its import
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tactful"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tactful", appauthor=False))


def _cache_file(text: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
    return folder / "yaml" / f"{digest}.json"


def _remember(path: Path, data: Any) -> None:
    """Keep ``data`` as JSON when JSON gives it back unchanged (not dates, not numeric keys); best effort."""
    try:
        text = json.dumps(data, ensure_ascii=False)
        if json.loads(text) != data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[: max(0, len(kept) - CACHE_KEEP)]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written costs time, never a result


def _bad_value(text: str, source: str, err: Exception) -> DataFileError:
    """The field and line of the first scalar that cannot be built, e.g. ``!!int abc`` or ``2026-02-30``."""
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        for path, node in _scalars(root, ()):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError) as inner:
                field = ".".join(str(p) for p in path) or None
                return DataFileError(source, f"invalid value {node.value!r} for its type {node.tag.rsplit(':', 1)[-1]}"
                                     f" ({inner})", line=node.start_mark.line + 1, field=field)
    finally:
        loader.dispose()
    return DataFileError(source, f"invalid value ({err})")


def _scalars(node: yaml.Node | None, path: tuple[int | str, ...]) -> Any:
    """Every scalar node with its path of keys and indexes."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _scalars(value, (*path, i))
    elif isinstance(node, yaml.ScalarNode):
        yield path, node


def line_of(tree: yaml.Node | Nodes | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest node found along ``loc``."""
    node = tree.node() if isinstance(tree, Nodes) else tree
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                match = next((k for k, _ in node.value if k.value == key), None)
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def validate(model: type[M], data: Any, node: yaml.Node | Nodes | None, source: str, context: Any = None) -> M:
    """``model`` built from ``data``, or a DataFileError naming the first bad field and its line."""
    if not isinstance(data, dict):
        raise DataFileError(source, "expected a mapping of fields at the top level", line=1)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or None
        message = first["msg"].removeprefix("Value error, ")  # a validator's own message says what is wrong
        if first["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif first["type"] == "missing":
            message = "field required"
        raise DataFileError(source, message[0].lower() + message[1:], line=line_of(node, loc), field=field) from None


def load(path: Path, model: type[M], context: Any = None, *, cache: bool = False) -> M:
    """Read, parse and validate one YAML file into ``model`` (``cache``: as for ``parse``)."""
    data, node = parse(read_text(path), str(path), cache=cache)
    return validate(model, data, node, str(path), context)
