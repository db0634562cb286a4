"""Every shipped data file says where it came from and which script regenerates it."""

from __future__ import annotations

import datetime as dt
import json
import lzma
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "matrixhell" / "knowledge" / "data"
FILES = sorted(p for p in DATA.iterdir() if p.is_file())


def _load(path: Path) -> dict[str, object]:
    blob = path.read_bytes()
    if path.suffix == ".xz":
        blob = lzma.decompress(blob)
    doc: dict[str, object] = json.loads(blob)
    return doc


def test_data_directory_holds_the_expected_files() -> None:
    names = {p.name for p in FILES}
    assert {
        "debian.json",
        "debian-names.json.xz",
        "ubuntu.json",
        "alpine.json",
        "images.json",
        "libraries.json",
        "syslibs.json",
        "runtimes.json",
    } <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_provenance_present(path: Path) -> None:
    prov = _load(path)["_provenance"]
    assert isinstance(prov, dict)
    assert len(str(prov["source"])) > 30
    dt.date.fromisoformat(str(prov["retrieved"]))
    command = str(prov["command"])
    script = command.split()[1]
    assert script.startswith("scripts/regen_") and (ROOT / script).is_file(), command


def test_data_stays_compact() -> None:
    assert sum(p.stat().st_size for p in FILES) < 2 * 1024 * 1024


def test_debian_provenance_names_the_archive_release_dates() -> None:
    prov = _load(DATA / "debian.json")["_provenance"]
    assert isinstance(prov, dict)
    for suite in ("bullseye", "bookworm", "trixie"):
        assert suite in str(prov["source"])
    assert "Packages" in str(prov["source"])
