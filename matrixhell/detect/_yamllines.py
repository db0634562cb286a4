"""YAML with line numbers: one compose pass gives the node tree (with marks) and the values.

Used for pnpm-lock.yaml, pnpm-workspace.yaml and yarn berry's lock file.  ``line(*keys)`` maps a key
path to the 1-based line of the mapping key (or sequence item).  Aliases are followed at most once per
node, so an alias bomb cannot make the line walk explode.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["YamlDoc", "load_yaml", "parse_yaml"]

Path = tuple[str | int, ...]


class YamlDoc:
    def __init__(self, node: Any, data: Any, path: str, max_depth: int) -> None:
        self._node = node
        self.data = data
        self.path = path
        self.max_depth = max_depth
        self._lines: dict[Path, int] | None = None

    def line(self, *keys: str | int) -> int | None:
        if self._lines is None:
            self._lines = {}
            if self._node is not None:
                self._walk(self._node, (), set())
        return self._lines.get(tuple(keys))

    def origin(self, *keys: str | int) -> Origin:
        for n in range(len(keys), 0, -1):
            line = self.line(*keys[:n])
            if line is not None:
                return Origin(self.path, line)
        return Origin(self.path, 1)

    def _walk(self, node: Any, path: Path, seen: set[int]) -> None:
        import yaml

        if id(node) in seen or len(path) >= self.max_depth:
            return
        seen.add(id(node))
        assert self._lines is not None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    p = (*path, str(k.value))
                    self._lines.setdefault(p, k.start_mark.line + 1)
                    self._walk(v, p, seen)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                p = (*path, i)
                self._lines.setdefault(p, v.start_mark.line + 1)
                self._walk(v, p, seen)


_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _lite(node: Any, depth: int, skip: frozenset[str]) -> Any:
    """A node's value built directly from the composed tree, ``depth`` levels deep at most, the top-level
    keys in ``skip`` left out.  The scalars are typed by the tag the composer resolved; this is many
    times faster than PyYAML's constructor on a multi-megabyte lock file, of which only a part is read."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        tag, value = node.tag.rsplit(":", 1)[-1], node.value
        if tag == "null":
            return None
        if tag == "bool":
            return _BOOL.get(value.lower(), value)
        if tag == "int":
            try:
                return int(value.replace("_", ""), 0)
            except ValueError:
                return value
        if tag == "float":
            try:
                return float(value)
            except ValueError:
                return value
        return value
    if depth <= 0:
        return None
    if isinstance(node, yaml.SequenceNode):
        return [_lite(v, depth - 1, frozenset()) for v in node.value]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for k, v in node.value:
            key = _lite(k, 1, frozenset())
            if isinstance(key, list | dict) or key in skip:
                continue
            out[key] = _lite(v, depth - 1, frozenset())
        return out
    return None


_TOP_KEY = re.compile(r"^(?![#\s-])(\"[^\"\n]*\"|'[^'\n]*'|[^\s:#][^:\n]*?):(?=\s|$)", re.MULTILINE)


def _blank_sections(text: str, skip: frozenset[str]) -> str:
    """``text`` with the block-style top-level entries named in ``skip`` replaced by as many empty lines,
    so the composer never builds them and every other line keeps its number."""
    keys = list(_TOP_KEY.finditer(text))
    if not keys:
        return text  # flow style or no mapping: compose it all
    out: list[str] = []
    last = 0
    for i, m in enumerate(keys):
        name = m.group(1).strip("\"'")
        if name not in skip:
            continue
        end = keys[i + 1].start() if i + 1 < len(keys) else len(text)
        out.append(text[last : m.start()])
        out.append("\n" * text.count("\n", m.start(), end))
        last = end
    out.append(text[last:])
    return "".join(out)


@functools.lru_cache(maxsize=4)
def _fast_loader(base: Any) -> Any:
    """``base`` whose scalar resolution is left to _lite (the resolver is Python, called per scalar)."""
    import yaml

    class _Fast(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode and implicit[0]:
                return (
                    str(super().resolve(kind, value, implicit))
                    if value[:1] in _TYPED_START
                    else "tag:yaml.org,2002:str"
                )
            return str(super().resolve(kind, value, implicit))

    return _Fast


# a plain scalar can be other than a string only if it starts like a number, bool, null or merge key
_TYPED_START = frozenset("0123456789+-.~<nNtTfFyYoO")


def parse_yaml(
    text: str, path: str, *, max_depth: int = 4, lite_depth: int | None = None, skip: frozenset[str] = frozenset()
) -> YamlDoc:
    """Parse ``text``.  With ``lite_depth`` the values are built only that deep (and without the
    top-level keys in ``skip``), for large machine-written files read in part."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if lite_depth is not None:
        loader_cls = _fast_loader(loader_cls)
    loader = loader_cls(_blank_sections(text, skip) if skip else text)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        elif lite_depth is not None:
            data = _lite(node, lite_depth, skip)
        else:
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise InputError(
            f"is not valid YAML: {e.problem or e.context}",
            origin=Origin(path, line, col),
            code="bad-yaml",
            hint="fix the YAML syntax at that line",
        ) from e
    except (yaml.YAMLError, RecursionError) as e:
        raise InputError(
            f"is not valid YAML: {e}", origin=Origin(path), code="bad-yaml", hint="fix the YAML syntax"
        ) from e
    finally:
        loader.dispose()
    return YamlDoc(node, data, path, max_depth)


def load_yaml(
    view: RepoView, path: str, *, max_depth: int = 4, lite_depth: int | None = None, skip: frozenset[str] = frozenset()
) -> YamlDoc:
    return parse_yaml(view.read_text(path), path, max_depth=max_depth, lite_depth=lite_depth, skip=skip)
