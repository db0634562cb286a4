"""An exact runtime pin survives the plan's end-of-life preference: a rust-toolchain file, a FROM and a
.python-version name one version, which the plan keeps (and warns about), never trading it for a newer
line; a range still gets the newest supported line."""

from __future__ import annotations

from datetime import date
from functools import cache

from matrixhell.analyze import Analysis, analyze, load_knowledge
from matrixhell.conflicts import Knowledge
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.knowledge.catalog import load_catalog
from matrixhell.model import Target

CRATE = '[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n'


@cache
def _kn() -> Knowledge:
    return load_knowledge(today=date(2026, 12, 1))


def _plan(files: dict[str, str]) -> Analysis:
    return analyze(scan_repo(MemoryRepoView(files), detectors=load_detectors()), knowledge=_kn())


def _target(a: Analysis, name: str) -> Target:
    return dict(a.plan.targets)[name]


def _crate(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {f"{name}/Cargo.toml": CRATE.format(n=name), f"{name}/src/main.rs": "fn main() {}\n"}
    files.update({f"{name}/{k}": v for k, v in (extra or {}).items()})
    return files


def test_rust_toolchain_pin_is_kept_with_an_eol_warning() -> None:
    a = _plan(_crate("engine", {"rust-toolchain.toml": '[toolchain]\nchannel = "1.79"\n'}))
    t = _target(a, "engine")
    assert t.runtime_version == "1.79"
    assert t.base_image == "rust:1.79-slim-bookworm"  # 1.79 was never published on trixie
    (c,) = [c for c in a.conflicts if c.kind == "eol-runtime"]
    assert c.subjects == ("engine",) and "rust 1.79" in c.title
    assert any("rust 1.79" in n for n in a.plan.notes_of("engine"))


def test_an_unpinned_crate_stays_on_the_rolling_line() -> None:
    t = _target(_plan(_crate("engine")), "engine")
    assert (t.runtime_version, t.base_image) == ("1", "rust:1-slim-trixie")


def test_a_range_below_the_newest_picks_within_it() -> None:
    files = _crate("engine")
    files["engine/Cargo.toml"] += 'rust-version = "1.80"\n'
    files["engine/rust-toolchain"] = "1.85.1\n"
    t = _target(_plan(files), "engine")
    assert t.runtime_version == "1.85"
    # never a tag that was not published: 1.85 has bookworm images, no trixie ones
    assert t.base_image in {"rust:1.85-slim-bookworm", "rust:1.85-bookworm", f"debian:{t.release}-slim"}


def test_from_and_python_version_pins_are_kept() -> None:
    files = _crate("rs")
    files["rs/Dockerfile"] = 'FROM rust:1.79-slim-bookworm\nCOPY . .\nRUN cargo build\nCMD ["/app/rs"]\n'
    files.update(
        {"py/.python-version": "3.8.18\n", "py/requirements.txt": "flask\n", "py/app.py": "import flask\n"}
    )
    a = _plan(files)
    assert _target(a, "rs").runtime_version == "1.79"
    assert _target(a, "py").runtime_version == "3.8"
    kinds = {(c.kind, c.subjects) for c in a.conflicts}
    assert ("eol-runtime", ("py",)) in kinds and ("eol-runtime", ("rs",)) in kinds


def test_rust_images_of_pinned_minors_name_only_published_releases() -> None:
    cat = load_catalog()
    refs = {i.reference for i in cat.images_for("rust", "1.79")}
    assert "rust:1.79-slim-bookworm" in refs and not any("trixie" in r for r in refs)
    assert "rust:1.88-slim-trixie" in {i.reference for i in cat.images_for("rust", "1.88")}
    assert "rust:1-slim-trixie" in {i.reference for i in cat.images_for("rust", "1")}
