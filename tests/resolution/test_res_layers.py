"""The resolver is pure logic: no filesystem, network or process I/O; providers do the I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RESOLUTION = Path(__file__).parents[2] / "matrixhell" / "resolution"
IO = {
    "os",
    "io",
    "pathlib",
    "subprocess",
    "socket",
    "urllib",
    "http",
    "shutil",
    "tempfile",
    "zipfile",
    "tarfile",
    "typer",
    "click",
}
ALLOWED_INDEX = {"matrixhell.knowledge.index.base"}


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted(RESOLUTION.glob("*.py")), ids=lambda p: p.stem)
def test_res_resolution_modules_do_no_io(path: Path) -> None:
    imported = _imports(path)
    assert not {m for m in imported if m.split(".")[0] in IO}, imported
    index = {m for m in imported if m.startswith("matrixhell.knowledge.index")}
    assert index <= ALLOWED_INDEX, index


def test_res_public_surface() -> None:
    import matrixhell.knowledge.index as index
    import matrixhell.resolution as resolution

    assert {"ResolveTarget", "resolve", "Resolution", "ResolutionImpossible", "Resolver", "wheel_for"} <= set(
        resolution.__all__
    )
    assert {"SnapshotIndex", "SimpleIndex", "FindLinks", "default_snapshot", "MetadataProvider"} <= set(index.__all__)
    for name in resolution.__all__:
        assert hasattr(resolution, name)
    for name in index.__all__:
        assert hasattr(index, name)
