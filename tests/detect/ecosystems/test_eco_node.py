"""NodeDetector on in-memory repositories: package.json, lock files, version files, bad input."""

from __future__ import annotations

import json
from typing import Any

from matrixhell.detect.base import DetectContext
from matrixhell.detect.node import NodeDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Severity
from matrixhell.model.facts import Detection, Ecosystem, Scope


def run(files: dict[str, Any], directory: str = "", members: tuple[str, ...] = (), cap: int | None = None) -> Detection:
    enc = {k: (json.dumps(v, indent=2) if isinstance(v, dict) else v) for k, v in files.items()}
    view = MemoryRepoView(enc, size_cap=cap) if cap else MemoryRepoView(enc)
    ctx = DetectContext(
        view,
        directory,
        frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f)),
        members=members,
    )
    det = NodeDetector()
    assert det.applies(ctx)
    return det.detect(ctx)


def pkg(d: Detection, name: str, direct: bool = True) -> Any:
    return next(p for p in d.packages if p.name == name and p.direct is direct)


def codes(d: Detection) -> list[str]:
    return [f.code for f in d.findings]


MANIFEST = {
    "name": "web",
    "engines": {"node": ">=18 <21"},
    "scripts": {"start": "next start", "build": "next build"},
    "dependencies": {"next": "^14.1.0", "react": "^18.2.0", "lib": "git+https://example.org/lib.git"},
    "devDependencies": {"typescript": "^5.3.0", "vite": "^5.0.0"},
    "optionalDependencies": {"fsevents": "^2.3.0"},
    "peerDependencies": {"react": "^18", "react-dom": "^18"},
}


def test_package_json_sections_scopes_and_lines() -> None:
    d = run({"web/package.json": MANIFEST}, "web")
    text = json.dumps(MANIFEST, indent=2).splitlines()
    next_ = pkg(d, "next")
    assert next_.ecosystem is Ecosystem.NPM and next_.specifier == "^14.1.0" and next_.scope is Scope.MAIN
    assert next_.origin.path == "web/package.json" and '"next"' in text[next_.origin.line - 1]
    assert pkg(d, "typescript").scope is Scope.DEV
    assert pkg(d, "fsevents").scope is Scope.OPTIONAL
    assert pkg(d, "react-dom").group == "peer"
    assert [p.name for p in d.packages].count("react") == 1  # the peer repeat is the dependency itself
    lib = pkg(d, "lib")
    assert lib.url == "git+https://example.org/lib.git" and lib.specifier == ""
    assert d.languages == ("javascript", "typescript")


def test_engines_become_pep440_runtime() -> None:
    d = run({"package.json": MANIFEST})
    node = [r for r in d.runtimes if r.runtime == "node"]
    assert [(r.spec, r.raw, r.source) for r in node] == [(">=18,<21", ">=18 <21", "package-json-engines")]
    assert node[0].origin.line == 4  # "{", "name", "engines", then "node"


def test_engines_disjoint_range_is_noted() -> None:
    d = run({"package.json": {"engines": {"node": "^16 || ^20"}}})
    assert d.runtimes[0].spec == ">=16.0.0,<21.0.0" and d.runtimes[0].raw == "^16 || ^20"
    f = next(f for f in d.findings if f.code == "range-widened")
    assert f.severity is Severity.INFO and f.origin is not None and f.origin.line == 3


def test_unreadable_engine_range_is_a_finding() -> None:
    d = run({"package.json": {"engines": {"node": "banana"}}})
    assert "unreadable-range" in codes(d)
    assert d.runtimes[0].spec == "" and d.runtimes[0].raw == "banana"


def test_package_manager_and_start() -> None:
    d = run({"package.json": {**MANIFEST, "packageManager": "pnpm@9.1.0+sha512.abc"}})
    pm = next(r for r in d.runtimes if r.source == "package-manager")
    assert (pm.runtime, pm.spec) == ("pnpm", "==9.1.0")
    assert d.runtimes[0].runtime == "node"  # the package manager never outranks the runtime
    start = d.start_commands[0]
    assert (start.source, start.shell) == ("package-json-start", "pnpm start")


def test_main_when_no_start_script() -> None:
    d = run({"package.json": {"main": "src/server.js", "dependencies": {"express": "^4.18.2"}}})
    assert d.start_commands[0].argv == ("node", "src/server.js")
    assert d.start_commands[0].source == "package-json-main"
    assert d.frameworks == ("express",) and d.ports == ()  # express has no default port


def test_framework_ports() -> None:
    d = run({"package.json": MANIFEST})
    assert set(d.frameworks) == {"next", "vite"}
    assert {(p.number, p.source) for p in d.ports} == {(3000, "next-default"), (5173, "vite-default")}


def test_package_lock_v3() -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "web"},
            "node_modules/next": {"version": "14.1.0"},
            "node_modules/react": {"version": "18.2.0"},
            "node_modules/loose-envify": {"version": "1.4.0"},
            "node_modules/typescript": {"version": "5.3.3", "dev": True},
            "node_modules/next/node_modules/react": {"version": "17.0.2"},
            "packages/ui": {"name": "ui", "version": "0.0.1"},
            "node_modules/ui": {"resolved": "packages/ui", "link": True},
        },
    }
    d = run({"package.json": MANIFEST, "package-lock.json": lock})
    assert pkg(d, "next").locked == "14.1.0"
    assert pkg(d, "react").locked == "18.2.0"
    loose = pkg(d, "loose-envify", direct=False)
    assert loose.locked == "1.4.0" and loose.origin.path == "package-lock.json" and loose.origin.line > 1
    nested = pkg(d, "react", direct=False)
    assert nested.locked == "17.0.2"
    assert all(p.name != "ui" for p in d.packages)
    # a lock file is not a dependency group: the origin names it
    assert {p.group for p in d.packages if not p.direct} == {None}
    assert "package-lock.json" in d.files


def test_package_lock_v1_tree() -> None:
    lock = {
        "lockfileVersion": 1,
        "dependencies": {
            "express": {"version": "4.18.2", "dependencies": {"debug": {"version": "2.6.9"}}},
            "ms": {"version": "2.1.3", "dev": True},
        },
    }
    d = run({"package.json": {"dependencies": {"express": "^4.17.0"}}, "package-lock.json": lock})
    assert pkg(d, "express").locked == "4.18.2"
    assert pkg(d, "debug", direct=False).locked == "2.6.9"
    ms = pkg(d, "ms", direct=False)
    assert ms.scope is Scope.DEV


def test_yarn_classic_lock_matches_by_range() -> None:
    lock = (
        "# yarn lockfile v1\n\n"
        'react@^17.0.0:\n  version "17.0.2"\n\n'
        'react@^18.2.0:\n  version "18.2.0"\n\n'
        '"js-tokens@^3.0.0 || ^4.0.0":\n  version "4.0.0"\n'
    )
    d = run({"package.json": {"dependencies": {"react": "^18.2.0"}}, "yarn.lock": lock})
    assert pkg(d, "react").locked == "18.2.0"
    tokens = pkg(d, "js-tokens", direct=False)
    assert tokens.locked == "4.0.0" and tokens.origin.line == 9
    assert pkg(d, "react", direct=False).locked == "17.0.2"


def test_yarn_berry_lock() -> None:
    lock = (
        '# This file is generated by running "yarn install" inside your project.\n\n'
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"
        '"express@npm:^4.18.2":\n  version: 4.18.2\n  resolution: "express@npm:4.18.2"\n\n'
        '"web@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "web@workspace:."\n'
    )
    d = run({"package.json": {"dependencies": {"express": "^4.18.2"}}, "yarn.lock": lock})
    assert pkg(d, "express").locked == "4.18.2"
    assert all(p.name != "web" for p in d.packages)


def test_pnpm_lock_v9() -> None:
    lock = (
        "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      express:\n"
        "        specifier: ^4.18.2\n        version: 4.18.2\n\npackages:\n\n"
        "  express@4.18.2:\n    resolution: {integrity: sha512-x}\n\n"
        "  '@types/node@20.10.0':\n    resolution: {integrity: sha512-y}\n"
    )
    d = run({"package.json": {"dependencies": {"express": "^4.18.2"}}, "pnpm-lock.yaml": lock})
    assert pkg(d, "express").locked == "4.18.2"
    types = pkg(d, "@types/node", direct=False)
    assert types.locked == "20.10.0" and types.origin.line == 15


def test_pnpm_lock_v6_peer_suffix() -> None:
    lock = (
        "lockfileVersion: '6.0'\n\ndependencies:\n  react-dom:\n    specifier: ^18.2.0\n"
        "    version: 18.2.0(react@18.2.0)\n\npackages:\n\n"
        "  /react-dom@18.2.0(react@18.2.0):\n    dev: false\n\n  /scheduler@0.23.0:\n    dev: true\n"
    )
    d = run({"package.json": {"dependencies": {"react-dom": "^18.2.0"}}, "pnpm-lock.yaml": lock})
    assert pkg(d, "react-dom").locked == "18.2.0"
    assert pkg(d, "scheduler", direct=False).scope is Scope.DEV


def test_pnpm_lock_v5() -> None:
    lock = (
        "lockfileVersion: 5.4\n\nspecifiers:\n  '@scope/pkg': ^1.0.0\n\ndependencies:\n"
        "  '@scope/pkg': 1.2.0_react@18.2.0\n\npackages:\n\n"
        "  /@scope/pkg/1.2.0_react@18.2.0:\n    dev: false\n"
        "\n  /left-pad/1.3.0:\n    dev: false\n"
    )
    d = run({"package.json": {"dependencies": {"@scope/pkg": "^1.0.0"}}, "pnpm-lock.yaml": lock})
    assert pkg(d, "@scope/pkg").locked == "1.2.0"
    assert pkg(d, "left-pad", direct=False).locked == "1.3.0"


def test_nvmrc_and_node_version() -> None:
    d = run({"package.json": {}, ".nvmrc": "v18.17.0\n", ".node-version": "20\n"})
    got = [(r.spec, r.source, r.precedence) for r in d.runtimes]
    assert got == [("==18.17.0", "nvmrc", 20), ("==20.*", "node-version-file", 21)]


def test_nvmrc_lts_alias() -> None:
    d = run({"package.json": {}, ".nvmrc": "# pinned\nlts/*\n"})
    r = d.runtimes[0]
    assert (r.spec, r.raw, r.origin.line) == ("", "lts/*", 2)
    f = next(f for f in d.findings if f.code == "runtime-alias")
    assert f.severity is Severity.INFO
    d2 = run({"package.json": {}, ".nvmrc": "lts/hydrogen\n"})
    assert d2.runtimes[0].spec == "==18.*"


def test_malformed_package_json_is_a_finding_with_line() -> None:
    d = run({"package.json": '{\n  "name": "x",\n  "dependencies": {\n    "a": "1",\n  }\n}\n', ".nvmrc": "20"})
    f = next(f for f in d.findings if f.code == "bad-json")
    assert f.origin is not None and f.origin.path == "package.json" and f.origin.line == 5
    assert f.severity is Severity.ERROR
    assert d.runtimes[0].spec == "==20.*"  # the other files were still read


def test_non_utf8_and_binary_and_huge() -> None:
    d = run({"package.json": b'{"name": "caf\xe9"}'})
    assert "not-utf8" in codes(d)
    d2 = run({"package.json": b"\x00\x01\x02binary"})
    assert "binary-file" in codes(d2)
    d3 = run({"package.json": {"name": "x", "description": "y" * 500}}, cap=100)
    assert "file-too-large" in codes(d3)


def test_broken_lock_keeps_manifest_packages() -> None:
    d = run({"package.json": {"dependencies": {"a": "^1"}}, "package-lock.json": '{\n  "packages": [\n'})
    assert "bad-json" in codes(d)
    assert pkg(d, "a").locked is None


def test_broken_yarn_lock_and_pnpm_lock() -> None:
    d = run(
        {
            "package.json": {"dependencies": {"a": "^1"}},
            "yarn.lock": '# yarn lockfile v1\na@^1:\n  version "1\n',
        }
    )
    assert "bad-yarn-lock" in codes(d)
    d2 = run({"package.json": {}, "pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters: [\n"})
    assert "bad-yaml" in codes(d2)


def test_manifest_not_an_object_and_bad_section() -> None:
    d = run({"package.json": "[1, 2]"})
    assert "bad-manifest" in codes(d)
    d2 = run({"package.json": {"dependencies": ["a"], "devDependencies": {"b": 3}}})
    assert codes(d2).count("bad-manifest") == 2


def test_several_lock_files_warned() -> None:
    d = run(
        {
            "package.json": {},
            "package-lock.json": {"lockfileVersion": 3, "packages": {}},
            "yarn.lock": "# yarn lockfile v1\n",
        }
    )
    assert "several-lock-files" in codes(d)


def test_workspace_members_add_dependencies() -> None:
    files = {
        "package.json": {"name": "root", "workspaces": ["packages/*"], "devDependencies": {"turbo": "^1"}},
        "packages/api/package.json": {"name": "api", "dependencies": {"express": "^4", "ui": "workspace:*"}},
        "packages/ui/package.json": {"name": "ui", "dependencies": {"react": "^18"}},
    }
    d = run(files, "", members=("packages/api", "packages/ui"))
    names = {p.name: p.origin.path for p in d.packages}
    assert names == {
        "turbo": "package.json",
        "express": "packages/api/package.json",
        "react": "packages/ui/package.json",
    }


def test_member_service_uses_its_workspace_roots_lock_pm_and_nvmrc() -> None:
    lock = (
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    devDependencies:\n      turbo:\n"
        "        specifier: 2.0.3\n        version: 2.0.3\n\n  apps/web:\n    dependencies:\n"
        "      next:\n        specifier: ^14.2.0\n        version: 14.2.3(react@18.3.1)\n\n"
        "packages:\n\n  next@14.2.3:\n    resolution: {integrity: sha512-x}\n\n"
        "  turbo@2.0.3:\n    resolution: {integrity: sha512-y}\n"
    )
    files = {
        "package.json": {"name": "root", "packageManager": "pnpm@9.1.0"},
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
        "pnpm-lock.yaml": lock,
        ".nvmrc": "20.11\n",
        "apps/web/package.json": {
            "name": "web",
            "scripts": {"start": "next start"},
            "dependencies": {"next": "^14.2.0"},
        },
    }
    d = run(files, "apps/web")
    assert pkg(d, "next").locked == "14.2.3"
    assert all(p.direct for p in d.packages)  # the root lock's other entries belong to the whole monorepo
    assert d.start_commands[0].shell == "pnpm start"
    node = next(r for r in d.runtimes if r.runtime == "node")
    assert (node.spec, node.origin.path) == ("==20.11.*", ".nvmrc")


def test_directory_outside_any_workspace_reads_no_ancestor_lock() -> None:
    files = {
        "package.json": {"name": "root", "workspaces": ["apps/*"]},
        "package-lock.json": {"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}},
        "tools/x/package.json": {"dependencies": {"a": "^1"}},
    }
    d = run(files, "tools/x")
    assert pkg(d, "a").locked is None and "package-lock.json" not in d.files


class _CountingView(MemoryRepoView):
    def __init__(self, files: dict[str, str | bytes]) -> None:
        super().__init__(files)
        self.reads: dict[str, int] = {}

    def read_text(self, path: str) -> str:
        self.reads[path] = self.reads.get(path, 0) + 1
        return super().read_text(path)


def test_a_workspace_roots_lock_is_parsed_once_for_all_members() -> None:
    members = [f"apps/a{i}" for i in range(5)]
    importers = "".join(
        f"  {m}:\n    dependencies:\n      left-pad:\n        specifier: ^1.3.0\n        version: 1.3.0\n"
        for m in members
    )
    files: dict[str, str | bytes] = {
        "package.json": json.dumps({"name": "root"}),
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
        "pnpm-lock.yaml": f"lockfileVersion: '9.0'\n\nimporters:\n{importers}\npackages:\n\n  left-pad@1.3.0: {{}}\n",
    }
    for m in members:
        files[f"{m}/package.json"] = json.dumps({"name": m, "dependencies": {"left-pad": "^1.3.0"}})
    view = _CountingView(files)
    for m in members:
        ctx = DetectContext(view, m, frozenset(view.listdir(m)))
        d = NodeDetector().detect(ctx)
        assert pkg(d, "left-pad").locked == "1.3.0"
    assert view.reads["pnpm-lock.yaml"] == 1
    assert view.reads["pnpm-workspace.yaml"] == 1


def test_a_services_own_version_file_beats_the_repositorys() -> None:
    files = {
        ".nvmrc": "20.14.0\n",
        "legacy/mailer/package.json": {"engines": {"node": "14.x"}},
        "legacy/mailer/.node-version": "14.21.3\n",
        "apps/new/package.json": {},
    }
    d = run(files, "legacy/mailer")
    assert [(r.source, r.spec) for r in d.runtimes] == [
        ("node-version-file", "==14.21.3"),
        ("package-json-engines", "==14.*"),
    ]
    d2 = run(files, "apps/new")
    assert [(r.source, r.spec, r.origin.path) for r in d2.runtimes] == [("nvmrc", "==20.14.0", ".nvmrc")]


def test_bun_lock() -> None:
    lock = (
        "{\n"
        '  "lockfileVersion": 1,\n'
        '  "workspaces": {\n'
        '    "": {\n'
        '      "name": "app",\n'
        '      "dependencies": {\n'
        '        "express": "^4.18.2",\n'
        "      },\n"
        "    },\n"
        "  },\n"
        '  "packages": {\n'
        '    "express": ["express@4.18.2", "", { "dependencies": { "debug": "2.6.9" } }, "sha512-x"],\n'
        '    "debug": ["debug@2.6.9", "", {}, "sha512-y"],\n'
        '    "express/debug": ["debug@2.6.8", "", {}, "sha512-z"],\n'
        '    "app": ["app@workspace:."],\n'
        "  },\n"
        "}\n"
    )
    d = run({"package.json": {"name": "app", "dependencies": {"express": "^4.18.2"}}, "bun.lock": lock})
    assert pkg(d, "express").locked == "4.18.2"
    debug = sorted((p.locked, p.origin.line) for p in d.packages if p.name == "debug")
    assert debug == [("2.6.8", 14), ("2.6.9", 13)]
    assert all(p.name != "app" for p in d.packages)


def test_pnpm_catalog_ranges() -> None:
    files = {
        "package.json": {"name": "root"},
        "pnpm-workspace.yaml": "packages:\n  - apps/*\ncatalog:\n  react: ^18.3.1\n"
        "catalogs:\n  legacy:\n    react: ^17.0.2\n",
        "apps/web/package.json": {"dependencies": {"react": "catalog:", "react-dom": "catalog:"}},
        "apps/old/package.json": {"dependencies": {"react": "catalog:legacy"}},
    }
    web = run(files, "apps/web")
    assert (pkg(web, "react").specifier, pkg(web, "react").group) == ("^18.3.1", "catalog:default")
    assert any(f.code == "unresolved-catalog" for f in web.findings)  # react-dom is in no catalog
    old = run(files, "apps/old")
    assert pkg(old, "react").specifier == "^17.0.2"


def test_start_script_port_outranks_the_framework_default() -> None:
    from matrixhell.detect.node import script_port

    assert script_port("next start -p 4000") == 4000
    assert script_port("PORT=8081 node server.js") == 8081
    assert script_port("NODE_ENV=production PORT=8082 node server.js") == 8082
    assert script_port("vite preview --port=4173 --host") == 4173
    assert script_port("node build.js && serve -p 9000") is None  # not the first command
    assert script_port("node 'unbalanced") is None
    d = run({"package.json": {"scripts": {"start": "next start -p 4000"}, "dependencies": {"next": "^14"}}})
    assert [(p.number, p.source) for p in d.ports] == [(4000, None)]
