"""setup.cfg (configparser) and setup.py, read statically with ast: setup.py is never executed.

From setup.py only literal values count: strings, lists, tuples and dicts written in the ``setup()``
call, module-level variables holding such literals, and ``+`` of those.  Anything computed (a call that
reads requirements.txt, a comprehension, ``**kwargs``) becomes an info finding that names the line.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re

from matrixhell.detect.python._common import Facts, normalize, parse_pep508, read_text
from matrixhell.detect.python.runtimes import python_req
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Origin, Scope, Severity

__all__ = ["read_setup_cfg", "read_setup_py"]

_KEY = re.compile(r"^([^\s=:][^=:]*?)\s*[=:]\s*(.*)$")


def _cfg_lines(text: str) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(section, key) -> the (line, stripped text) of each non-empty, non-comment line of its value."""
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    section = ""
    current: list[tuple[int, str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if line[0] in " \t":
            if current is not None:
                current.append((number, stripped))
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            current = None
            continue
        m = _KEY.match(stripped)
        if m:
            current = out.setdefault((section, m.group(1).strip().lower()), [])
            current.append((number, m.group(2).strip()))
    return out


def _split_list(value: str) -> list[str]:
    """setuptools' list-semi: one item per line, or ``;``-separated on a single line."""
    if "\n" in value.strip():
        return [v.strip() for v in value.splitlines() if v.strip()]
    return [v.strip() for v in value.split(";") if v.strip()]


def read_setup_cfg(view: RepoView, path: str, facts: Facts) -> None:
    text = read_text(view, path, facts.sink)
    facts.read(path)
    if text is None:
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as e:
        line = getattr(e, "lineno", None)
        facts.sink.add(
            "setup-cfg-syntax",
            Severity.ERROR,
            f"is not a valid setup.cfg: {e.message}".splitlines()[0],
            Origin(path, line if isinstance(line, int) else None),
            "fix the INI syntax",
        )
        return
    where = _cfg_lines(text)

    def items(section: str, key: str, scope: Scope, group: str | None) -> None:
        value = parser.get(section, key, fallback=None)
        if value is None:
            return
        located = list(where.get((section, key), []))
        first = located[0][0] if located else None
        if value.strip().startswith("file:"):
            _file_directive(view, path, value.strip()[5:], Origin(path, first), facts, scope, group)
            return
        for item in _split_list(value):
            line = next((n for n, t in located if t == item or t.endswith(item)), first)
            req = parse_pep508(item, Origin(path, line), facts.sink, scope=scope, group=group)
            if req is not None:
                facts.packages.append(req)

    items("options", "install_requires", Scope.MAIN, None)
    items("options", "setup_requires", Scope.BUILD, None)
    items("options", "tests_require", Scope.DEV, "test")
    if parser.has_section("options.extras_require"):
        for extra in parser.options("options.extras_require"):
            items("options.extras_require", extra, Scope.OPTIONAL, normalize(extra))
    rp = parser.get("options", "python_requires", fallback=None)
    if rp is not None:
        located = where.get(("options", "python_requires"), [])
        req = python_req(
            rp.strip(),
            "setup-cfg-python-requires",
            Origin(path, located[0][0] if located else None),
            facts.sink,
            specifier=True,
        )
        if req is not None:
            facts.runtimes.append(req)


def _file_directive(
    view: RepoView, path: str, names: str, origin: Origin, facts: Facts, scope: Scope, group: str | None
) -> None:
    from dataclasses import replace

    from matrixhell.detect.python.requirements import parse_requirements

    for name in names.replace(",", " ").split():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
        if not view.is_file(target):
            facts.sink.add(
                "requirements-include-missing",
                Severity.ERROR,
                f"file: {name}: {target} does not exist",
                origin,
                "fix the path (relative to setup.cfg)",
            )
            continue
        result = parse_requirements(view, target)
        facts.sink.items.extend(result.findings)
        for f in result.files:
            facts.read(f)
        facts.packages.extend(replace(r, scope=scope, group=group) for r in result.requirements)
        facts.constraints.extend(result.constraints)


# --- setup.py ------------------------------------------------------------------------------------------


class _Dynamic(Exception):
    def __init__(self, node: ast.AST) -> None:
        super().__init__()
        self.node = node


def _module_values(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = value`` bindings (the last one wins; an augmented one makes it dynamic)."""
    out: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            out[stmt.target.id] = stmt.value
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            out[stmt.target.id] = ast.BinOp(
                left=out.get(stmt.target.id, stmt.value),
                op=stmt.op,
                right=stmt.value,
                lineno=stmt.lineno,
                col_offset=stmt.col_offset,
            )
    return out


def _strings(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> list[tuple[str, int]]:
    """A literal list/tuple of strings (or one multi-line string) as (text, line) items."""
    if depth > 20:
        raise _Dynamic(node)
    if isinstance(node, ast.Name) and node.id in names:
        return _strings(names[node.id], names, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [
            (ln.strip(), node.lineno + i)
            for i, ln in enumerate(node.value.splitlines())
            if ln.strip() and not ln.strip().startswith("#")
        ]
    if isinstance(node, (ast.List, ast.Tuple)):
        out: list[tuple[str, int]] = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append((elt.value, elt.lineno))
            elif isinstance(elt, ast.Starred):
                out.extend(_strings(elt.value, names, depth + 1))
            else:
                raise _Dynamic(elt)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    raise _Dynamic(node)


def _find_setup(tree: ast.Module) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "setup") or (isinstance(f, ast.Attribute) and f.attr == "setup"):
                return node
    return None


def read_setup_py(view: RepoView, path: str, facts: Facts) -> None:
    text = read_text(view, path, facts.sink)
    facts.read(path)
    if text is None:
        return
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as e:
        facts.sink.add(
            "setup-py-syntax",
            Severity.ERROR,
            f"is not valid Python: {e.msg}",
            Origin(path, e.lineno, e.offset),
            "fix the syntax (setup.py is parsed, never run)",
        )
        return
    call = _find_setup(tree)
    if call is None:
        facts.sink.add("setup-py-no-setup", Severity.INFO, "has no setup() call the scan can read", Origin(path, 1))
        return
    names = _module_values(tree)

    def dynamic(what: str, node: ast.AST) -> None:
        facts.sink.add(
            "setup-py-dynamic",
            Severity.INFO,
            f"{what} is computed at run time; the scan reads only literal values",
            Origin(path, getattr(node, "lineno", call.lineno)),
            "move the list into setup.cfg or pyproject.toml [project]",
        )

    def reqs(node: ast.expr, what: str, scope: Scope, group: str | None) -> None:
        try:
            items = _strings(node, names)
        except _Dynamic as d:
            dynamic(what, d.node)
            return
        for text_, line in items:
            req = parse_pep508(text_, Origin(path, line), facts.sink, scope=scope, group=group)
            if req is not None:
                facts.packages.append(req)

    for kw in call.keywords:
        if kw.arg is None:
            dynamic("**" + (ast.unparse(kw.value) if hasattr(ast, "unparse") else "kwargs"), kw.value)
        elif kw.arg == "install_requires":
            reqs(kw.value, "install_requires", Scope.MAIN, None)
        elif kw.arg == "setup_requires":
            reqs(kw.value, "setup_requires", Scope.BUILD, None)
        elif kw.arg == "tests_require":
            reqs(kw.value, "tests_require", Scope.DEV, "test")
        elif kw.arg == "extras_require":
            value = kw.value
            if isinstance(value, ast.Name) and value.id in names:
                value = names[value.id]
            if not isinstance(value, ast.Dict):
                dynamic("extras_require", value)
                continue
            for k, v in zip(value.keys, value.values, strict=True):
                if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                    dynamic("an extras_require key", k or value)
                    continue
                extra, _, marker = k.value.partition(":")
                group = normalize(extra)
                scope = Scope.OPTIONAL
                before = len(facts.packages)
                reqs(v, f"extras_require[{k.value!r}]", scope, group)
                if marker:  # setuptools' "extra:marker" keys
                    from dataclasses import replace

                    for i in range(before, len(facts.packages)):
                        r = facts.packages[i]
                        m = f"({r.marker}) and ({marker})" if r.marker else marker
                        facts.packages[i] = replace(r, marker=m)
        elif kw.arg == "python_requires":
            value = kw.value
            if isinstance(value, ast.Name) and value.id in names:
                value = names[value.id]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                req = python_req(
                    value.value,
                    "setup-py-python-requires",
                    Origin(path, value.lineno),
                    facts.sink,
                    specifier=True,
                )
                if req is not None:
                    facts.runtimes.append(req)
            else:
                dynamic("python_requires", value)
