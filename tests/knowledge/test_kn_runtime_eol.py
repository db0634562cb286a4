"""Runtime end-of-life data (runtimes.json), the frozen images of EOL lines, and their one script."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from matrixhell.knowledge.catalog import load_catalog
from matrixhell.knowledge.runtime_eol import load_runtime_eol

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "matrixhell" / "knowledge" / "data"


def _script() -> ModuleType:
    name = "regen_curated"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("runtime", "version", "end"),
    [
        ("python", "3.8", date(2024, 10, 7)),
        ("python", "3.8.18", date(2024, 10, 7)),  # the longest known line answers
        ("python", "3.10", date(2026, 10, 31)),
        ("python", "3.1", None),  # not 3.10: lines match whole components
        ("node", "14.21.3", date(2023, 4, 30)),
        ("node", "v16", date(2023, 9, 11)),
        ("golang", "1.22.5", date(2025, 2, 11)),
        ("php", "7.4", date(2022, 11, 28)),
        ("ruby", "2.7.8", date(2023, 3, 31)),
        ("java", "21", date(2029, 12, 31)),
        ("dotnet", "8.0", date(2026, 11, 10)),
        ("rust", "1.70", date(2023, 7, 13)),  # superseded the day 1.71 shipped
        ("rust", "1.91.1", date(2025, 12, 11)),
        ("rust", "1", None),  # "whatever stable is newest" never ends
        ("elixir", "1.15", None),
    ],
)
def test_end_of_a_line(runtime: str, version: str, end: date | None) -> None:
    assert load_runtime_eol().end_of(runtime, version) == end


def test_every_runtime_of_the_image_table_is_dated() -> None:
    images = json.loads((DATA / "images.json").read_text(encoding="utf-8"))
    eol = load_runtime_eol()
    for family, spec in images["families"].items():
        for version in spec["versions"]:
            if spec["runtime"] == "rust":
                continue
            assert eol.end_of(spec["runtime"], version) is not None, (family, version)


def test_the_image_eol_flags_follow_the_dates() -> None:
    script = _script()
    as_of = date.fromisoformat(script.IMAGES_AS_OF)
    images = json.loads((DATA / "images.json").read_text(encoding="utf-8"))
    eol = load_runtime_eol()
    for spec in images["families"].values():
        for version, row in spec["versions"].items():
            end = eol.end_of(spec["runtime"], version)
            assert bool(row.get("eol")) is (end is not None and end <= as_of), (spec["runtime"], version)


def test_a_flag_that_disagrees_stops_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    row = dict(script.IMAGES["php"]["versions"]["8.2"], eol=True)  # 8.2 is supported until 2026-12-31
    versions = dict(script.IMAGES["php"]["versions"], **{"8.2": row})
    monkeypatch.setitem(script.IMAGES, "php", dict(script.IMAGES["php"], versions=versions))
    with pytest.raises(SystemExit, match=r"php 8\.2"):
        script._check_image_eol()


def test_the_script_writes_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    script = _script()
    retrieved = json.loads((DATA / "images.json").read_text(encoding="utf-8"))["_provenance"]["retrieved"]
    assert script.main(["--out", str(tmp_path), "--retrieved", retrieved]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"images.json", "runtimes.json"} <= set(written)
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_runtimes_json_cites_its_sources() -> None:
    doc = json.loads((DATA / "runtimes.json").read_text(encoding="utf-8"))
    source = doc["_provenance"]["source"]
    for cited in ("PEP 596", "nodejs/Release", "php.net", "go.dev", "adoptium.net", "dotnet/core", "ruby-lang.org"):
        assert cited in source, cited
    assert doc["_provenance"]["command"] == "python scripts/regen_curated.py"


@pytest.mark.parametrize(
    ("reference", "runtime", "line", "release"),
    [
        ("php:7.4-fpm-bullseye", "php", "7.4", "bullseye"),
        ("node:14-bullseye", "node", "14", "bullseye"),
        ("node:16-bookworm-slim", "node", "16", "bookworm"),
        ("python:3.7-slim-bookworm", "python", "3.7", "bookworm"),
        ("python:3.8-slim-bookworm", "python", "3.8", "bookworm"),
        ("ruby:2.7-slim-bullseye", "ruby", "2.7", "bullseye"),
    ],
)
def test_frozen_tags_of_eol_lines_are_known_and_marked(reference: str, runtime: str, line: str, release: str) -> None:
    info = load_catalog().image(reference)
    assert info is not None
    assert (info.runtime, info.runtime_version, info.release, info.eol) == (runtime, line, release, True)


def test_a_maintained_line_is_not_marked_and_eol_lines_are_candidates() -> None:
    cat = load_catalog()
    info = cat.image("python:3.12-slim-bookworm")
    assert info is not None and info.eol is False
    refs = {i.reference for i in cat.images_for("node", "14")}
    assert "node:14-bullseye-slim" in refs
    assert {i.release for i in cat.images_for("php", "7.4")} >= {"bullseye"}
