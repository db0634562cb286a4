"""The layering rule of docs/architecture.md, enforced by parsing every module's imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "matrixhell"

PURE = ("matrixhell.model", "matrixhell.graph", "matrixhell.conflicts", "matrixhell.plan", "matrixhell.render",
        "matrixhell.resolution")
IO_MODULES = {"os", "subprocess", "ctypes", "socket", "shutil", "tempfile", "urllib.request", "http.client",
              "io", "glob", "pathlib", "sqlite3", "multiprocessing", "threading", "signal", "fcntl"}
UI_MODULES = {"typer", "click", "rich"}
# Reading the templates shipped inside the package is not repository or host I/O.
PURE_EXCEPTIONS = {"matrixhell.render._templates"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    """Absolute module names imported at run time (imports under `if TYPE_CHECKING:` do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for inner in ast.walk(sub):
                    skip.add(id(inner))
    pkg = _module_name(path)
    if path.name != "__init__.py":
        pkg = pkg.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            names.append(mod)
            names.extend(f"{mod}.{alias.name}" for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _hits(imported: list[str], banned: set[str]) -> list[str]:
    return sorted({m for m in imported for b in banned if m == b or m.startswith(b + ".")})


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _module_name(p))
def test_layering(path: Path) -> None:
    name = _module_name(path)
    imported = _imports(path)
    if name.startswith(PURE) and name not in PURE_EXCEPTIONS:
        bad = _hits(imported, IO_MODULES | UI_MODULES | {
            "matrixhell.detect", "matrixhell.cli", "matrixhell.runtime", "matrixhell.image",
            "matrixhell.orchestrate",
        })
        # The resolver reads metadata only through the provider protocol of knowledge.index.base.
        # Knowledge reaches the pure core as parameters, never by loading it.
        io_side = [m for m in imported if m.startswith("matrixhell.knowledge")
                   and not m.startswith("matrixhell.knowledge.index.base")]
        assert not io_side, f"{name} is pure but imports the knowledge loaders {io_side}"
        assert not bad, f"{name} is pure but imports {bad}"
    if name.startswith("matrixhell.runtime"):
        foreign = sorted(
            {m for m in imported if m.startswith("matrixhell") and not m.startswith("matrixhell.runtime")}
        )
        assert not foreign, f"the runtime must stand alone, but {name} imports {foreign}"
        third = sorted({m.split(".")[0] for m in imported if m.split(".")[0] not in sys.stdlib_module_names
                        and not m.startswith("matrixhell")})
        assert not third, f"the runtime is stdlib only, but {name} imports {third}"
    if name.startswith("matrixhell.detect"):
        bad = _hits(imported, {"subprocess", "ctypes", "socket", "shutil", "tempfile", "urllib.request",
                               "matrixhell.cli", "matrixhell.runtime", "matrixhell.image", "matrixhell.render"})
        assert not bad, f"detectors only read, but {name} imports {bad}"
    if not name.startswith("matrixhell.cli"):
        bad = _hits(imported, UI_MODULES)
        assert not bad, f"only the CLI talks to the terminal, but {name} imports {bad}"


def test_version_is_fast_path() -> None:
    """`matrixhell --version` must not pay for typer, networkx, jinja2, yaml or rich."""
    code = (
        "import sys; from matrixhell.cli import main; main(['--version']);"
        "heavy = [m for m in ('typer', 'click', 'rich', 'networkx', 'jinja2', 'yaml', 'resolvelib')"
        " if m in sys.modules];"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0].startswith("matrixhell ")
    assert out.splitlines()[-1] == "HEAVY []"


def test_runtime_cli_imports_nothing_heavy() -> None:
    code = (
        "import sys, matrixhell.runtime.cli;"
        "bad = [m for m in sys.modules if m.startswith('matrixhell') and not m.startswith('matrixhell.runtime')"
        " and m != 'matrixhell'];"
        "heavy = [m for m in ('typer', 'networkx', 'jinja2', 'yaml', 'packaging') if m in sys.modules];"
        "print(bad, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"
