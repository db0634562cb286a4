"""RustDetector: Cargo.toml, workspace inheritance, Cargo.lock, toolchain files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.rust import RustDetector
from matrixhell.model import Severity
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: Mapping[str, str | bytes], directory: str = "", members: tuple[str, ...] = ()) -> Detection:
    view = MemoryRepoView(files)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names, members=members)
    assert RustDetector().applies(ctx)
    return RustDetector().detect(ctx)


CARGO = """[package]
name = "edge"
version = "0.1.0"
edition = "2021"
rust-version = "1.70"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
tokio = "1.35"
rocket = "0.5"
local = { path = "../local" }
gitdep = { git = "https://example.org/g.git", tag = "v1" }
renamed = { package = "real-name", version = "2" }
maybe = { version = "1", optional = true }

[dev-dependencies]
insta = "1"

[build-dependencies]
cc = "1.0"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[[bin]]
name = "edge-server"
path = "src/main.rs"
"""


def test_cargo_runtime_from_rust_version_and_edition() -> None:
    d = run({"Cargo.toml": CARGO})
    assert [(r.spec, r.source, r.origin.line) for r in d.runtimes] == [
        (">=1.70", "cargo-rust-version", 5),
        (">=1.56", "cargo-edition", 4),
    ]


@pytest.mark.parametrize(("edition", "spec"), [("2018", ">=1.31"), ("2021", ">=1.56"), ("2024", ">=1.85")])
def test_edition_minimum(edition: str, spec: str) -> None:
    d = run({"Cargo.toml": f'[package]\nname = "x"\nedition = "{edition}"\n'})
    assert d.runtimes[0].spec == spec and d.runtimes[0].source == "cargo-edition"


def test_cargo_dependencies() -> None:
    d = run({"Cargo.toml": CARGO})
    by = {p.name: p for p in d.packages}
    assert by["serde"].ecosystem is Ecosystem.CARGO and by["serde"].extras == ("derive",)
    assert by["serde"].origin.line == 8
    assert by["local"].url == "../local" and by["local"].editable
    assert by["gitdep"].url == "git+https://example.org/g.git@v1"
    assert by["real-name"].group == "renamed"
    assert by["maybe"].scope is Scope.OPTIONAL
    assert by["insta"].scope is Scope.DEV and by["cc"].scope is Scope.BUILD
    assert by["libc"].marker == "cfg(unix)"
    assert d.frameworks == ("rocket",) and d.ports[0].number == 8000
    assert d.start_commands[0].argv == ("/app/edge-server",)


def test_cargo_lock_pins_and_transitives() -> None:
    lock = (
        'version = 3\n\n[[package]]\nname = "edge"\nversion = "0.1.0"\n\n'
        '[[package]]\nname = "tokio"\nversion = "1.35.1"\nsource = "registry+https://x"\n\n'
        '[[package]]\nname = "mio"\nversion = "0.8.10"\nsource = "registry+https://x"\n'
    )
    d = run({"Cargo.toml": CARGO, "Cargo.lock": lock})
    by = {(p.name, p.direct): p for p in d.packages}
    assert by[("tokio", True)].locked == "1.35.1"
    mio = by[("mio", False)]
    assert mio.locked == "0.8.10" and mio.origin.path == "Cargo.lock" and mio.origin.line == 12
    assert mio.group is None  # a lock file is not a dependency group
    assert ("edge", False) not in by


def test_workspace_inheritance_and_members() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n[workspace.package]\nedition = "2021"\n'
        'rust-version = "1.74"\n[workspace.dependencies]\n'
        'serde = { version = "1.0", features = ["derive"] }\n',
        "crates/api/Cargo.toml": '[package]\nname = "api"\nedition.workspace = true\n'
        "rust-version.workspace = true\n"
        '[dependencies]\nserde = { workspace = true, features = ["rc"] }\ncore = { path = "../core" }\n',
        "crates/api/src/main.rs": "fn main() {}\n",
        "crates/core/Cargo.toml": '[package]\nname = "core"\nedition = "2021"\n',
    }
    d = run(files, "", members=("crates/api", "crates/core"))
    rv = next(r for r in d.runtimes if r.source == "cargo-rust-version")
    assert rv.spec == ">=1.74" and rv.origin.path == "Cargo.toml" and rv.origin.line == 5
    serde = next(p for p in d.packages if p.name == "serde")
    assert serde.specifier == "1.0" and serde.extras == ("rc",)
    assert all(p.name != "core" for p in d.packages)  # a crate of the workspace is not a dependency
    assert d.start_commands[0].argv == ("/app/api",)


def test_toolchain_files() -> None:
    d = run({"Cargo.toml": CARGO, "rust-toolchain.toml": '[toolchain]\nchannel = "1.75"\n'})
    assert (d.runtimes[0].spec, d.runtimes[0].source, d.runtimes[0].origin.line) == (
        "==1.75.*",
        "rust-toolchain-toml",
        2,
    )
    d2 = run({"Cargo.toml": CARGO, "rust-toolchain": "1.76.0\n"})
    assert (d2.runtimes[0].spec, d2.runtimes[0].source) == ("==1.76.0", "rust-toolchain-file")
    d3 = run({"Cargo.toml": CARGO, "rust-toolchain": "stable\n"})
    assert d3.runtimes[0].spec == "" and d3.runtimes[0].raw == "stable"
    assert any(f.code == "runtime-alias" and f.severity is Severity.INFO for f in d3.findings)
    d4 = run({"Cargo.toml": CARGO, "rust-toolchain": '[toolchain]\nchannel = "nightly-2024-01-01"\n'})
    assert d4.runtimes[0].raw == "nightly-2024-01-01" and d4.runtimes[0].spec == ""


def test_bad_cargo_toml_and_lock() -> None:
    d = run({"Cargo.toml": '[package]\nname = "x"\nedition = \n', "rust-toolchain": "1.75\n"})
    f = next(f for f in d.findings if f.code == "bad-toml")
    assert f.origin is not None and f.origin.line == 3
    assert d.runtimes[0].spec == "==1.75.*"
    d2 = run({"Cargo.toml": CARGO, "Cargo.lock": "[[package]\n"})
    assert any(f.code == "bad-toml" and f.origin is not None and f.origin.path == "Cargo.lock" for f in d2.findings)


def test_unknown_edition_and_bad_dependency_value() -> None:
    d = run({"Cargo.toml": '[package]\nname = "x"\nedition = "2030"\n[dependencies]\nweird = 3\n'})
    assert {f.code for f in d.findings} == {"unknown-edition", "bad-manifest"}


def test_member_crate_as_its_own_service_uses_the_workspace_root() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n[workspace.package]\nrust-version = "1.74"\n'
        '[workspace.dependencies]\nserde = "1.0"\n',
        "Cargo.lock": 'version = 3\n\n[[package]]\nname = "serde"\nversion = "1.0.190"\nsource = "registry+x"\n\n'
        '[[package]]\nname = "other-crate-dep"\nversion = "0.1.0"\nsource = "registry+x"\n',
        "rust-toolchain.toml": '[toolchain]\nchannel = "1.77"\n',
        "crates/api/Cargo.toml": '[package]\nname = "api"\nrust-version.workspace = true\n'
        "[dependencies]\nserde.workspace = true\n",
    }
    d = run(files, "crates/api")
    assert [(r.source, r.spec, r.origin.path) for r in d.runtimes] == [
        ("rust-toolchain-toml", "==1.77.*", "rust-toolchain.toml"),
        ("cargo-rust-version", ">=1.74", "Cargo.toml"),
    ]
    assert [(p.name, p.specifier, p.locked, p.direct) for p in d.packages] == [("serde", "1.0", "1.0.190", True)]


def test_lock_with_two_versions_of_a_crate_picks_the_one_the_requirement_admits() -> None:
    lock = (
        '[[package]]\nname = "rand"\nversion = "0.7.3"\nsource = "registry+x"\n\n'
        '[[package]]\nname = "rand"\nversion = "0.8.5"\nsource = "registry+x"\n'
    )
    d = run({"Cargo.toml": '[package]\nname = "x"\n[dependencies]\nrand = "0.8"\n', "Cargo.lock": lock})
    by = {(p.name, p.direct): p for p in d.packages}
    assert by[("rand", True)].locked == "0.8.5"
    assert by[("rand", False)].locked == "0.7.3"  # the other copy, pulled in by some dependency


def test_members_with_the_same_edition_give_one_runtime_fact() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/api/Cargo.toml": '[package]\nname = "api"\nedition = "2021"\n'
        '[dependencies]\ncore = { path = "../core" }\n',
        "crates/api/src/main.rs": "fn main() {}\n",
        "crates/core/Cargo.toml": '[package]\nname = "core"\nedition = "2021"\n',
        "crates/old/Cargo.toml": '[package]\nname = "old"\nedition = "2018"\n',
    }
    d = run(files, "crates/api", members=("crates/core", "crates/old"))
    editions = [(r.spec, r.origin.path) for r in d.runtimes if r.source == "cargo-edition"]
    # the service's own crate first; an equal fact of a member is dropped, a different one kept
    assert editions == [(">=1.56", "crates/api/Cargo.toml"), (">=1.31", "crates/old/Cargo.toml")]


def test_a_workspace_toolchain_file_is_noted_once_not_per_member_service() -> None:
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "rust-toolchain": "stable\n",
        "crates/api/Cargo.toml": '[package]\nname = "api"\n',
        "crates/api/src/main.rs": "fn main() {}\n",
        "crates/cli/Cargo.toml": '[package]\nname = "cli"\n',
        "crates/cli/src/main.rs": "fn main() {}\n",
    }
    api, cli = run(files, "crates/api"), run(files, "crates/cli")
    assert [f.code for f in api.findings] == ["runtime-alias"]
    assert cli.findings == ()
    # both still take the runtime from it
    assert api.runtimes[0].raw == cli.runtimes[0].raw == "stable"
    # a service that folds the whole workspace notes it
    whole = run(files, "", members=("crates/api", "crates/cli"))
    assert [f.code for f in whole.findings if f.code == "runtime-alias"] == ["runtime-alias"]
