"""YAML with line numbers: one compose pass gives the node tree (with marks) and the values.

Used for pnpm-lock.yaml, pnpm-workspace.yaml and yarn berry's lock file.  ``line(*keys)`` maps a key
path to the 1-based line of the mapping key (or sequence item).  Aliases are followed at most once per
node, so an alias bomb cannot make the line walk explode.
"""

from __future__ import annotations

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


def parse_yaml(text: str, path: str, *, max_depth: int = 4) -> YamlDoc:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
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
        raise InputError(f"is not valid YAML: {e}", origin=Origin(path), code="bad-yaml") from e
    finally:
        loader.dispose()
    return YamlDoc(node, data, path, max_depth)


def load_yaml(view: RepoView, path: str, *, max_depth: int = 4) -> YamlDoc:
    return parse_yaml(view.read_text(path), path, max_depth=max_depth)
