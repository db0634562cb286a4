"""The ecosystem detectors on a real directory tree through FsRepoView (paths, ancestors, symlinks)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from matrixhell.detect.base import DetectContext
from matrixhell.detect.golang import GoDetector
from matrixhell.detect.node import NodeDetector
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.rust import RustDetector
from matrixhell.detect.workspaces import workspace_members


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _ctx(view: FsRepoView, directory: str, members: tuple[str, ...] = ()) -> DetectContext:
    names = frozenset(n for n in view.listdir(directory) if view.is_file(f"{directory}/{n}" if directory else n))
    return DetectContext(view, directory, names, members=members)


def test_polyglot_tree_on_disk(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _write(
        repo,
        {
            "package.json": json.dumps({"name": "root", "workspaces": ["apps/*"], "packageManager": "yarn@4.1.0"}),
            "yarn.lock": '__metadata:\n  version: 8\n\n"left-pad@npm:^1.3.0":\n  version: 1.3.0\n',
            ".nvmrc": "20\n",
            "apps/web/package.json": json.dumps({"name": "web", "dependencies": {"left-pad": "^1.3.0"}}),
            "go.work": "go 1.22\nuse ./svc/go-api\n",
            "svc/go-api/go.mod": "module example.com/go-api\n\ngo 1.21\n",
            "svc/go-api/main.go": "package main\n\nfunc main() {}\n",
            "rs/Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n[workspace.package]\nedition = "2021"\n',
            "rs/crates/edge/Cargo.toml": '[package]\nname = "edge"\nedition.workspace = true\n',
            "rs/crates/edge/src/main.rs": "fn main() {}\n",
        },
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "package.json").write_text("{}")
    os.symlink(outside, repo / "apps" / "escape")  # never followed out of the repository
    view = FsRepoView(repo)

    ws = workspace_members(view, "")
    assert ws is not None and ws.kind == "yarn" and ws.members == ("apps/web", "svc/go-api")  # go.work too
    assert [f.code for f in ws.findings] == ["several-workspaces"]

    web = NodeDetector().detect(_ctx(view, "apps/web"))
    assert next(p for p in web.packages if p.name == "left-pad").locked == "1.3.0"
    assert [(r.source, r.origin.path) for r in web.runtimes if r.runtime == "node"] == [("nvmrc", ".nvmrc")]

    go = GoDetector().detect(_ctx(view, "svc/go-api"))
    assert [r.source for r in go.runtimes] == ["go-work-go", "go-mod-go"]
    assert go.start_commands[0].argv == ("/app/go-api",)

    edge = RustDetector().detect(_ctx(view, "rs/crates/edge"))
    assert [(r.source, r.origin.path) for r in edge.runtimes] == [("cargo-edition", "rs/Cargo.toml")]
    assert edge.start_commands[0].argv == ("/app/edge",)
