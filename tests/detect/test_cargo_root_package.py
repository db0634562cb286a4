"""A Cargo workspace whose root is also a package, excluded crates, unreadable members, several binaries."""

from __future__ import annotations

from collections.abc import Mapping

from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.model import ScanResult

ROOT = """[package]
name = "rootapp"
version = "0.1.0"
edition = "2021"

[workspace]
members = ["crates/*"]
exclude = ["crates/ex"]
"""


def crate(name: str, extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{extra}'


REPO = {
    "Cargo.toml": ROOT,
    "src/main.rs": "fn main() {}\n",
    "crates/a/Cargo.toml": crate("a"),
    "crates/a/src/main.rs": "fn main() {}\n",
    "crates/ex/Cargo.toml": crate("ex"),
    "crates/ex/src/main.rs": "fn main() {}\n",
}


def scan(files: Mapping[str, str]) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=load_detectors())


def test_root_package_and_binary_member_are_services() -> None:
    r = scan(REPO)
    by_path = {s.path: s for s in r.services}
    assert set(by_path) == {".", "crates/a", "crates/ex"}
    assert by_path["."].start is not None and by_path["."].start.argv == ("/app/rootapp",)
    assert by_path["crates/a"].start is not None and by_path["crates/a"].start.argv == ("/app/a",)
    assert by_path["crates/a"].discovered_by == "workspace"
    # excluded from the workspace: its own project, judged on its own
    assert by_path["crates/ex"].discovered_by == "manifest"
    assert "crates/ex" not in by_path["."].members
    assert not any(s.path == "." for s in r.skipped)


def test_root_package_without_binary_stays_a_workspace_root() -> None:
    files = {k: v for k, v in REPO.items() if k != "src/main.rs"}
    files["src/lib.rs"] = ""
    r = scan(files)
    assert "." not in {s.path for s in r.services}
    assert "crates/a" in {s.path for s in r.services}


def test_unreadable_member_manifest_is_a_finding_with_its_line() -> None:
    files = dict(REPO)
    files["crates/bad/Cargo.toml"] = '[package]\nname = "bad"\nversion = \n'
    files["crates/bad/src/main.rs"] = "fn main() {}\n"
    r = scan(files)
    found = [f for s in r.services for f in s.findings] + list(r.findings)
    bad = [f for f in found if f.origin is not None and f.origin.path == "crates/bad/Cargo.toml"]
    assert len(bad) == 1, bad  # once, not again by each service that reads it
    assert bad[0].origin is not None and bad[0].origin.line == 3
    assert bad[0].code == "bad-toml"


def test_unreadable_member_of_a_virtual_workspace_is_reported() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/a/Cargo.toml": crate("a"),
        "crates/a/src/main.rs": "fn main() {}\n",
        "crates/bad/Cargo.toml": "[package\n",
    }
    r = scan(files)
    found = [f for s in r.services for f in s.findings] + list(r.findings)
    assert [(f.code, f.origin.path, f.origin.line) for f in found if f.origin and "bad" in f.origin.path] == [
        ("bad-toml", "crates/bad/Cargo.toml", 1)
    ]


def test_crate_with_two_bins_and_no_default_run_is_a_service_with_a_note() -> None:
    files = dict(REPO)
    files["crates/two/Cargo.toml"] = crate(
        "two", '\n[[bin]]\nname = "one"\npath = "src/one.rs"\n\n[[bin]]\nname = "other"\npath = "src/other.rs"\n'
    )
    files["crates/two/src/one.rs"] = "fn main() {}\n"
    files["crates/two/src/other.rs"] = "fn main() {}\n"
    r = scan(files)
    two = next(s for s in r.services if s.path == "crates/two")
    assert two.start is not None and two.start.argv == ("/app/one",)
    notes = [f for f in two.findings if f.code == "several-binaries"]
    assert len(notes) == 1 and "one, other" in notes[0].message
    assert two.binaries == ("one", "other")
