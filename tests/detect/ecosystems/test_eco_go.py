"""GoDetector: go.mod directives, go.work, main-package evidence, bad input."""

from __future__ import annotations

from collections.abc import Mapping

from matrixhell.detect.base import DetectContext
from matrixhell.detect.golang import GoDetector, go_package_clause
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model.facts import Detection, Ecosystem


def run(files: Mapping[str, str | bytes], directory: str = "", members: tuple[str, ...] = ()) -> Detection:
    view = MemoryRepoView(files)
    names = frozenset(f for f in view.listdir(directory) if view.is_file(f"{directory}/{f}" if directory else f))
    ctx = DetectContext(view, directory, names, members=members)
    assert GoDetector().applies(ctx)
    return GoDetector().detect(ctx)


GOMOD = """module example.com/shop/api/v2

go 1.21

toolchain go1.21.5

require (
\tgithub.com/gin-gonic/gin v1.9.1
\tgolang.org/x/net v0.17.0 // indirect
)

require github.com/lib/pq v1.10.9

replace github.com/lib/pq => ../pq

replace golang.org/x/net v0.17.0 => golang.org/x/net v0.18.0

exclude golang.org/x/net v0.10.0
"""


def test_go_mod_runtime_and_toolchain() -> None:
    d = run({"api/go.mod": GOMOD}, "api")
    assert [(r.spec, r.raw, r.source, r.origin.line) for r in d.runtimes] == [
        ("==1.21.5", "go1.21.5", "go-mod-toolchain", 5),
        (">=1.21", "1.21", "go-mod-go", 3),
    ]
    assert d.languages == ("go",)


def test_go_mod_requires_indirect_and_replace() -> None:
    d = run({"api/go.mod": GOMOD}, "api")
    by = {p.name: p for p in d.packages}
    gin = by["github.com/gin-gonic/gin"]
    assert gin.ecosystem is Ecosystem.GO and gin.specifier == "v1.9.1" and gin.direct and gin.origin.line == 8
    net = by["golang.org/x/net"]
    assert not net.direct and net.url == "golang.org/x/net@v0.18.0" and net.locked == "v0.18.0"
    pq = by["github.com/lib/pq"]
    assert pq.url == "../pq" and pq.editable and pq.locked is None
    assert d.frameworks == ("gin",) and d.ports[0].number == 8080


def test_start_only_with_main_package() -> None:
    d = run({"api/go.mod": GOMOD, "api/main.go": "// Copyright\n/* c */\npackage main\n\nfunc main() {}\n"}, "api")
    assert d.start_commands[0].argv == ("/app/api",)  # the /v2 major suffix is not the binary name
    d2 = run({"lib/go.mod": "module example.com/lib\n", "lib/main.go": "package lib\n"}, "lib")
    assert d2.start_commands == ()
    d3 = run({"go.mod": "module example.com/tool\n", "cmd/worker/main.go": "package main\n"})
    assert d3.start_commands[0].argv == ("/app/worker",)


def test_several_cmd_binaries_give_one_start_each() -> None:
    files = {
        "go.mod": "module example.com/gosvc\n",
        "cmd/worker/main.go": "package main\n",
        "cmd/api/main.go": "package main\n",
        "cmd/migrate/main.go": "package main\n",
        "cmd/tools/main.go": "package tools\n",  # not a main package
    }
    d = run(files)
    starts = [(c.argv, c.source, c.origin.path) for c in d.start_commands]
    assert starts == [
        (("/app/api",), "go-main-package", "cmd/api/main.go"),  # the first by name is the default
        (("/app/migrate",), "go-main-package", "cmd/migrate/main.go"),
        (("/app/worker",), "go-main-package", "cmd/worker/main.go"),
    ]
    assert d.start_commands[0].precedence < d.start_commands[1].precedence
    (note,) = [f for f in d.findings if f.code == "several-main-packages"]
    assert "cmd/worker/main.go" in note.message and "/app/api is taken" in note.message


def test_the_binary_named_like_the_service_directory_is_the_default() -> None:
    files = {
        "worker/go.mod": "module example.com/shop\n",
        "worker/cmd/api/main.go": "package main\n",
        "worker/cmd/worker/main.go": "package main\n",
    }
    d = run(files, "worker")
    assert [c.argv for c in d.start_commands] == [("/app/worker",), ("/app/api",)]
    files = {
        "go.mod": "module example.com/tools/migrate\n",
        "cmd/api/main.go": "package main\n",
        "cmd/migrate/main.go": "package main\n",
    }
    assert run(files).start_commands[0].argv == ("/app/migrate",)  # named like the module


def test_package_clause() -> None:
    assert go_package_clause("// package fake\n/* package x */\npackage  main // c\n") == "main"
    assert go_package_clause("/* unterminated") is None


def test_go_work_outranks_go_mod() -> None:
    files = {
        "go.work": "go 1.22\n\ntoolchain go1.22.1\n\nuse (\n\t./svc\n)\n",
        "svc/go.mod": "module example.com/svc\n\ngo 1.21\n\nrequire github.com/google/uuid v1.5.0\n",
    }
    d = run(files, "", members=("svc",))
    assert [(r.source, r.spec) for r in d.runtimes] == [
        ("go-work-toolchain", "==1.22.1"),
        ("go-work-go", ">=1.22"),
        ("go-mod-go", ">=1.21"),
    ]
    assert d.packages[0].name == "github.com/google/uuid" and d.packages[0].origin.path == "svc/go.mod"


def test_bad_go_mod_is_a_finding() -> None:
    d = run({"go.mod": "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n"})
    f = d.findings[0]
    assert f.code == "bad-go-mod" and f.origin is not None and f.origin.line == 3
    d2 = run({"go.mod": b"module x\n\xff\n"})
    assert d2.findings[0].code == "not-utf8"


def test_member_module_takes_the_go_work_that_uses_it() -> None:
    files = {
        "go.work": "go 1.22\n\nuse (\n\t./svc\n)\n",
        "svc/go.mod": "module example.com/svc\n\ngo 1.21\n",
        "other/go.mod": "module example.com/other\n\ngo 1.20\n",
    }
    d = run(files, "svc")
    assert [(r.source, r.origin.path) for r in d.runtimes] == [("go-work-go", "go.work"), ("go-mod-go", "svc/go.mod")]
    d2 = run(files, "other")
    assert [r.source for r in d2.runtimes] == ["go-mod-go"]


def test_scan_json_lists_every_binary() -> None:
    from matrixhell.detect.scan import scan_repo
    from matrixhell.render.scan_report import scan_to_data

    view = MemoryRepoView({
        "go.mod": "module example.com/gosvc\n\ngo 1.22\n",
        "cmd/api/main.go": "package main\n",
        "cmd/worker/main.go": "package main\n",
    })
    (svc,) = scan_to_data(scan_repo(view, cache=False))["services"]
    assert svc["start"]["argv"] == ["/app/api"]
    assert [c["argv"] for c in svc["start_commands"]] == [["/app/api"], ["/app/worker"]]
    assert {c["source"] for c in svc["start_commands"]} == {"go-main-package"}
