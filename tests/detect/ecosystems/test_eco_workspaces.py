"""workspace_members: each workspace kind, glob expansion, excludes, members without manifests."""

from __future__ import annotations

import json

from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.workspaces import expand_member_globs, workspace_members


def view(files: dict[str, object]) -> MemoryRepoView:
    return MemoryRepoView({k: (json.dumps(v, indent=2) if isinstance(v, dict) else str(v)) for k, v in files.items()})


def test_npm_workspaces_array_with_negation() -> None:
    v = view(
        {
            "package.json": {"name": "root", "workspaces": ["packages/*", "apps/web", "!packages/skip"]},
            "packages/a/package.json": {},
            "packages/b/package.json": {},
            "packages/skip/package.json": {},
            "packages/notes/README.md": "no manifest",
            "apps/web/package.json": {},
        }
    )
    ws = workspace_members(v, "")
    assert ws is not None
    assert (ws.kind, ws.members) == ("npm", ("apps/web", "packages/a", "packages/b"))
    assert ws.origin.path == "package.json" and ws.origin.line == 3 and ws.findings == ()


def test_yarn_workspaces_object_form() -> None:
    v = view(
        {
            "mono/package.json": {"workspaces": {"packages": ["libs/*"]}, "packageManager": "yarn@4.1.0"},
            "mono/libs/x/package.json": {},
        }
    )
    ws = workspace_members(v, "mono")
    assert ws is not None and (ws.kind, ws.members) == ("yarn", ("mono/libs/x",))


def test_pnpm_workspace_with_double_star() -> None:
    v = view(
        {
            "pnpm-workspace.yaml": "packages:\n  - 'apps/**'\n  - '!**/fixtures/**'\n",
            "package.json": {"name": "root"},
            "apps/a/package.json": {},
            "apps/group/b/package.json": {},
            "apps/a/fixtures/f/package.json": {},
        }
    )
    ws = workspace_members(v, "")
    assert ws is not None and ws.kind == "pnpm"
    assert ws.members == ("apps/a", "apps/group/b")


def test_go_work() -> None:
    v = view(
        {
            "go.work": "go 1.22\n\nuse (\n\t./svc\n\t./lib\n)\nuse ./tools\n",
            "svc/go.mod": "module a",
            "lib/go.mod": "module b",
            "tools/go.mod": "module c",
        }
    )
    ws = workspace_members(v, "")
    assert ws is not None and (ws.kind, ws.members) == ("go", ("lib", "svc", "tools"))
    assert ws.origin.line == 4


def test_cargo_members_and_exclude() -> None:
    v = view(
        {
            "rs/Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\n',
            "rs/crates/a/Cargo.toml": "",
            "rs/crates/old/Cargo.toml": "",
            "rs/crates/empty/x.rs": "",
        }
    )
    ws = workspace_members(v, "rs")
    assert ws is not None and (ws.kind, ws.members) == ("cargo", ("rs/crates/a",))
    assert ws.origin.line == 2


def test_uv_workspace() -> None:
    v = view(
        {
            "pyproject.toml": '[project]\nname = "r"\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
            'exclude = ["packages/legacy"]\n',
            "packages/core/pyproject.toml": "",
            "packages/legacy/pyproject.toml": "",
        }
    )
    ws = workspace_members(v, "")
    assert ws is not None and (ws.kind, ws.members) == ("uv", ("packages/core",))


def test_poetry_develop_path_dependencies() -> None:
    v = view(
        {
            "app/pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n'
            'lib = {path = "../lib", develop = true}\nother = {path = "../other"}\n'
            '[tool.poetry.group.dev.dependencies]\ntools = {path = "../tools", develop = true}\n',
            "lib/pyproject.toml": "",
            "other/pyproject.toml": "",
            "tools/pyproject.toml": "",
        }
    )
    ws = workspace_members(v, "app")
    assert ws is not None and (ws.kind, ws.members) == ("poetry", ("lib", "tools"))
    assert ws.origin.line == 3


def test_not_a_workspace_root() -> None:
    v = view({"package.json": {"name": "x"}, "Cargo.toml": '[package]\nname = "x"\n'})
    assert workspace_members(v, "") is None
    assert workspace_members(v, "nowhere") is None


def test_members_missing_outside_or_without_manifest_are_findings() -> None:
    v = view({"package.json": {"workspaces": ["packages/gone", "tools", "../outside"]}, "tools/README": "x"})
    ws = workspace_members(v, "")
    assert ws is not None and ws.members == ()
    assert sorted(f.code for f in ws.findings) == [
        "workspace-member-missing",
        "workspace-member-outside",
        "workspace-member-without-manifest",
    ]


def test_broken_pnpm_workspace_is_a_finding() -> None:
    v = view({"pnpm-workspace.yaml": "packages: [\n"})
    ws = workspace_members(v, "")
    assert ws is not None and ws.members == () and ws.findings[0].code == "bad-yaml"


def test_two_kinds_at_one_root_merge() -> None:
    v = view(
        {
            "package.json": {"workspaces": ["web/*"]},
            "web/a/package.json": {},
            "Cargo.toml": '[workspace]\nmembers = ["crates/b"]\n',
            "crates/b/Cargo.toml": "",
        }
    )
    ws = workspace_members(v, "")
    assert ws is not None and ws.kind == "npm" and ws.members == ("crates/b", "web/a")
    assert [f.code for f in ws.findings] == ["several-workspaces"]


def test_expand_skips_node_modules() -> None:
    v = view({"packages/a/package.json": {}, "node_modules/x/package.json": {}})
    members, findings = expand_member_globs(v, "", ["**"], manifest="package.json")
    assert members == ("packages/a",) and findings == []
