"""Read YAML so that every error names the file, the field and the line.

PyYAML's marks give the line of a syntax error; for a value that fails pydantic
validation we walk the composed node tree along the error's ``loc`` to find the line
of the offending field, so "facts.referral.contact: Field required" becomes
"case.yaml, line 12: field 'facts.referral.contact': field required".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import parsecache
from .errors import DataFileError

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=BaseModel)


def _loader(text: str) -> Any:
    """PyYAML's safe loader, in C when the wheel has it (ten times faster); imported only to parse."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)


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
            loader = _loader(self.text)
            try:
                self._node = loader.get_single_node()
            finally:
                loader.dispose()
            self._done = True
        return self._node


def parse(text: str, source: str, *, cache: bool = False) -> tuple[Any, yaml.Node | Nodes | None]:
    """Parsed YAML and its node tree, or a DataFileError with the line of the syntax error.

    With ``cache`` (the product's own data files, never a user's case file, which holds customer
    details): a file read before is not parsed again but read from ``parsecache``, and its node tree is
    then composed only if an error needs a line number.
    """
    if cache:
        kept = parsecache.get(text)
        if kept is not parsecache.MISSING:
            return kept, Nodes(text)
    data, node = _parse(text, source)
    if cache:
        parsecache.put(text, data)
    return data, node


def _parse(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    import yaml

    loader = _loader(text)
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


def _bad_value(text: str, source: str, err: Exception) -> DataFileError:
    """The field and line of the first scalar that cannot be built, e.g. ``!!int abc`` or ``2026-02-30``."""
    import yaml

    loader = _loader(text)
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
    import yaml

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
    import yaml

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
