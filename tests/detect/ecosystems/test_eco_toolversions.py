"""asdf's .tool-versions and mise.toml, read by every ecosystem detector for its own tool names."""

from __future__ import annotations

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.dotnet import DotnetDetector
from matrixhell.detect.golang import GoDetector
from matrixhell.detect.java import JavaDetector
from matrixhell.detect.node import NodeDetector
from matrixhell.detect.php import PhpDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.ruby import RubyDetector
from matrixhell.detect.rust import RustDetector
from matrixhell.model import Severity

TOOL_VERSIONS = """# pinned for the whole team
nodejs 20.11.0 18.19.0
golang 1.22.1
ruby 3.3.0
java temurin-21.0.2+13.0.LTS
php 8.3.2
rust 1.76.0
dotnet 8.0.101
"""

CASES = [
    (NodeDetector, "package.json", "{}", "node", "==20.11.0", 2),
    (GoDetector, "go.mod", "module x\n", "go", "==1.22.1", 3),
    (RubyDetector, "Gemfile", "gem 'rack'\n", "ruby", "==3.3.0", 4),
    (JavaDetector, "pom.xml", "<project/>", "java", "==21.0.2", 5),
    (PhpDetector, "composer.json", "{}", "php", "==8.3.2", 6),
    (RustDetector, "Cargo.toml", '[package]\nname = "x"\n', "rust", "==1.76.0", 7),
    (DotnetDetector, "a.csproj", "<Project/>", "dotnet", "==8.0.101", 8),
]


@pytest.mark.parametrize(("cls", "manifest", "body", "runtime", "spec", "line"), CASES)
def test_tool_versions(cls: type, manifest: str, body: str, runtime: str, spec: str, line: int) -> None:
    view = MemoryRepoView({manifest: body, ".tool-versions": TOOL_VERSIONS})
    d = cls().detect(DetectContext(view, "", frozenset(view.listdir(""))))
    r = next(r for r in d.runtimes if r.runtime == runtime)
    assert (r.spec, r.source, r.origin.path, r.origin.line) == (spec, "tool-versions", ".tool-versions", line)


def test_mise_toml_forms() -> None:
    view = MemoryRepoView(
        {
            "package.json": "{}",
            "mise.toml": '[tools]\nnode = ["20", "18"]\n',
            "go.mod": "module x\n",
            ".mise.toml": "",
        }
    )
    d = NodeDetector().detect(DetectContext(view, "", frozenset(view.listdir(""))))
    r = next(r for r in d.runtimes if r.source == "mise-toml")
    assert (r.spec, r.origin.line) == ("==20.*", 2)
    view2 = MemoryRepoView({"go.mod": "module x\n", "mise.toml": '[tools]\ngo = { version = "1.22" }\n'})
    d2 = GoDetector().detect(DetectContext(view2, "", frozenset(view2.listdir(""))))
    assert next(r for r in d2.runtimes if r.source == "mise-toml").spec == "==1.22.*"


def test_aliases_and_garbage() -> None:
    view = MemoryRepoView({"package.json": "{}", ".tool-versions": "nodejs lts\n"})
    d = NodeDetector().detect(DetectContext(view, "", frozenset(view.listdir(""))))
    r = next(r for r in d.runtimes if r.source == "tool-versions")
    assert r.spec == "" and r.raw == "lts"
    assert any(f.code == "runtime-alias" and f.severity is Severity.INFO for f in d.findings)
    view2 = MemoryRepoView({"package.json": "{}", "mise.toml": "[tools\n"})
    d2 = NodeDetector().detect(DetectContext(view2, "", frozenset(view2.listdir(""))))
    assert d2.findings[0].code == "bad-toml"


def test_version_files_are_found_walking_up_and_the_nearest_naming_the_tool_wins() -> None:
    view = MemoryRepoView(
        {
            ".tool-versions": "nodejs 20.11.0\nruby 3.3.0\n",
            "services/.tool-versions": "python 3.12.1\n",  # nearer, but names no node
            "services/web/package.json": "{}",
            "services/shop/Gemfile": "gem 'rack'\n",
            "services/.ruby-version": "3.2.2\n",
        }
    )
    web = NodeDetector().detect(DetectContext(view, "services/web", frozenset(view.listdir("services/web"))))
    node = next(r for r in web.runtimes if r.source == "tool-versions")
    assert (node.spec, node.origin.path) == ("==20.11.0", ".tool-versions")
    shop = RubyDetector().detect(DetectContext(view, "services/shop", frozenset(view.listdir("services/shop"))))
    assert [(r.source, r.spec, r.origin.path) for r in shop.runtimes] == [
        ("ruby-version-file", "==3.2.2", "services/.ruby-version"),
        ("tool-versions", "==3.3.0", ".tool-versions"),
    ]
