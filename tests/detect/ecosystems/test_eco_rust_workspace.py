"""Cargo virtual workspaces with several crates: binary crates are services, libraries are their parts."""

from __future__ import annotations

from collections.abc import Mapping

from matrixhell.detect._workspace_root import workspace_root
from matrixhell.detect.base import DetectContext, join
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.rust import RustDetector, cargo_crate
from matrixhell.detect.scan import load_detectors, scan_repo
from matrixhell.model import ScanResult

ROOT = """[workspace]
members = ["crates/*"]
resolver = "2"

[workspace.package]
edition = "2021"
rust-version = "1.75"

[workspace.dependencies]
serde = { version = "1.0", features = ["derive"] }
model = { path = "crates/model" }
"""

WORKSPACE = {
    "Cargo.toml": ROOT,
    "Cargo.lock": 'version = 3\n\n[[package]]\nname = "serde"\nversion = "1.0.200"\n'
    'source = "registry+https://github.com/rust-lang/crates.io-index"\n',
    "crates/gateway/Cargo.toml": '[package]\nname = "gateway"\nversion = "0.1.0"\nedition.workspace = true\n\n'
    '[dependencies]\nmodel = { workspace = true }\naxum = "0.7"\n',
    "crates/gateway/src/main.rs": "fn main() {}\n",
    "crates/indexer/Cargo.toml": '[package]\nname = "indexer"\nversion = "0.1.0"\nedition.workspace = true\n'
    'default-run = "index-worker"\n\n[[bin]]\nname = "index-worker"\npath = "src/worker.rs"\n\n'
    '[dependencies]\nmodel = { path = "../model" }\n',
    "crates/indexer/src/worker.rs": "fn main() {}\n",
    "crates/indexer/src/bin/reindex.rs": "fn main() {}\n",
    "crates/model/Cargo.toml": '[package]\nname = "model"\nversion = "0.1.0"\nedition.workspace = true\n\n'
    '[dependencies]\nserde = { workspace = true }\nutil = { path = "../util" }\n',
    "crates/model/src/lib.rs": "",
    "crates/util/Cargo.toml": '[package]\nname = "util"\nversion = "0.1.0"\nedition = "2021"\n\n'
    '[dependencies]\nitoa = "1"\n',
    "crates/util/src/lib.rs": "",
}


def scan(files: Mapping[str, str]) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=load_detectors())


def test_binary_crates_are_services_and_libraries_their_parts() -> None:
    r = scan(WORKSPACE)
    assert [(s.name, s.path) for s in r.services] == [("gateway", "crates/gateway"), ("indexer", "crates/indexer")]
    gateway, indexer = r.service("gateway"), r.service("indexer")
    # model is used by both, util only through model: each is part of both services
    assert gateway.members == indexer.members == ("crates/model", "crates/util")
    for svc in (gateway, indexer):
        names = {p.name for p in svc.packages}
        assert {"serde", "itoa"} <= names, svc.name
    assert {k.path for k in r.skipped} == {"."}  # only the virtual root: no library is "not taken"


def test_services_know_their_workspace_package_and_binaries() -> None:
    r = scan(WORKSPACE)
    gateway, indexer = r.service("gateway"), r.service("indexer")
    assert (gateway.workspace, gateway.package, gateway.binaries) == (".", "gateway", ("gateway",))
    # default-run picks the binary; src/bin/ adds another one
    assert (indexer.workspace, indexer.package, indexer.binaries) == (".", "indexer", ("index-worker", "reindex"))
    assert indexer.start is not None and indexer.start.argv == ("/app/index-worker",)
    assert str(indexer.start.origin) == "crates/indexer/Cargo.toml:8"


def test_a_workspace_path_dependency_is_relative_to_the_root() -> None:
    r = scan(WORKSPACE)
    (model,) = [p for p in r.service("gateway").packages if p.name == "model"]
    assert model.url == "../model" and model.editable


def test_a_crate_of_its_own_has_no_workspace() -> None:
    r = scan({"svc/Cargo.toml": '[package]\nname = "svc"\nversion = "0.1.0"\n', "svc/src/main.rs": ""})
    (svc,) = r.services
    assert (svc.workspace, svc.package, svc.binaries) == (None, "svc", ("svc",))


def test_several_binaries_without_a_choice_are_a_note() -> None:
    files = {
        "tool/Cargo.toml": '[package]\nname = "tool"\nversion = "0.1.0"\n\n'
        '[[bin]]\nname = "a"\npath = "src/a.rs"\n\n[[bin]]\nname = "b"\npath = "src/b.rs"\n',
    }
    view = MemoryRepoView(files)
    det = RustDetector().detect(DetectContext(view, "tool", frozenset({"Cargo.toml"})))
    # still one deployable: it runs the first declared binary, a weak guess the note names
    assert [(s.argv, s.precedence) for s in det.start_commands] == [(("/app/a",), 47)]
    (note,) = [f for f in det.findings if f.code == "several-binaries"]
    assert "a, b" in note.message and "runs a" in note.message and "default-run" in (note.hint or "")
    assert cargo_crate(view, "tool") == ("tool", ("a", "b"))


def test_the_binary_named_after_the_package_runs_and_autobins_off_hides_src_bin() -> None:
    files = {
        "t/Cargo.toml": '[package]\nname = "t"\nversion = "0.1.0"\n',
        "t/src/main.rs": "",
        "t/src/bin/extra.rs": "",
        "t/src/bin/multi/main.rs": "",
        "u/Cargo.toml": '[package]\nname = "u"\nversion = "0.1.0"\nautobins = false\n',
        "u/src/main.rs": "",
        "u/src/bin/extra.rs": "",
    }
    view = MemoryRepoView(files)
    assert cargo_crate(view, "t") == ("t", ("t", "extra", "multi"))
    det = RustDetector().detect(DetectContext(view, "t", frozenset({"Cargo.toml"})))
    assert [s.argv for s in det.start_commands] == [("/app/t",)]
    assert cargo_crate(view, "u") is None  # no binary Cargo would build
    assert cargo_crate(view, "missing") is None


def test_workspace_root_filters_by_kind() -> None:
    files = {
        "package.json": '{"name": "root", "workspaces": ["apps/*"]}',
        "apps/web/package.json": '{"name": "web"}',
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/a/Cargo.toml": '[package]\nname = "a"\n',
    }
    view = MemoryRepoView(files)

    def ctx(d: str) -> DetectContext:
        return DetectContext(view, d, frozenset(n for n in view.listdir(d) if view.is_file(join(d, n))))

    assert workspace_root(ctx("apps/web"), ("package.json",), ("npm", "yarn", "pnpm")) == ""
    assert workspace_root(ctx("crates/a"), ("Cargo.toml",)) == ""
    assert workspace_root(ctx("crates/a"), ("Cargo.toml",), ("go",)) is None
    assert workspace_root(ctx(""), ("Cargo.toml",)) is None  # the root is no member of itself
