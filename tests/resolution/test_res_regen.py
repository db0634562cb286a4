"""The snapshot regeneration script's offline parts: which files it keeps, which pins it collects from
the example repos, and that what it writes loads as a snapshot."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from matrixhell.knowledge.index import SnapshotIndex

SCRIPT = Path(__file__).parents[2] / "scripts" / "regen_index_snapshot.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regen_index_snapshot", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["regen_index_snapshot"] = module
    spec.loader.exec_module(module)
    return module


def test_res_regen_keeps_linux_and_pure_files_only() -> None:
    regen = _script()
    assert regen._linux_file("x-1.0-py3-none-any.whl")
    assert regen._linux_file("x-1.0.tar.gz")
    assert regen._linux_file("x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    assert regen._linux_file("x-1.0-cp312-cp312-musllinux_1_2_aarch64.whl")
    assert not regen._linux_file("x-1.0-cp311-cp311-win_amd64.whl")
    assert not regen._linux_file("x-1.0-cp311-cp311-macosx_11_0_arm64.whl")
    assert not regen._linux_file("x-1.0-cp311-cp311-manylinux_2_17_i686.whl")
    assert not regen._linux_file("x-1.0-cp311-cp311-manylinux_2_17_s390x.whl")


def test_res_regen_collects_pins_from_every_manifest_kind(tmp_path: Path) -> None:
    regen = _script()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "requirements.txt").write_text("Django==4.2.1  # web\n-r other.txt\nflask>=2\n")
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname="a"\ndependencies=["requests==2.31.0"]\n')
    (tmp_path / "a" / "uv.lock").write_text(
        '[[package]]\nname = "a"\nversion = "0.1.0"\nsource = { editable = "." }\n'
        '[[package]]\nname = "idna"\nversion = "3.7"\nsource = { registry = "x" }\n'
    )
    (tmp_path / "a" / "Pipfile.lock").write_text(json.dumps({"default": {"lxml": {"version": "==5.2.2"}}}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pyproject.toml").write_text("[project\n")
    pins = regen.repo_pins(tmp_path)
    assert pins == {"django": {"4.2.1"}, "requests": {"2.31.0"}, "idna": {"3.7"}, "lxml": {"5.2.2"}}


def test_res_regen_output_loads_as_a_snapshot(tmp_path: Path) -> None:
    regen = _script()
    data = {
        "_provenance": {"source": "test", "generated": "2026-01-01T00:00:00Z"},
        "format": 1,
        "projects": {
            "a": {"1.0": {"files": ["a-1.0-py3-none-any.whl"], "requires_dist": ["b<2"]}},
            "b": {"1.5": {"files": [{"filename": "b-1.5.tar.gz", "yanked": True}], "requires_dist": []}},
        },
    }
    path = tmp_path / "snap.json"
    path.write_text(regen._dump(data))
    snap = SnapshotIndex.load(path)
    assert snap.provenance["source"] == "test"
    assert snap.project_versions("b")[0].yanked
    assert list(snap.dependencies("a", snap.project_versions("a")[0].version)) == ["b<2"]
