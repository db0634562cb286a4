"""The line-tracking readers: JSON, TOML, YAML, XML, go.mod, yarn.lock, Gemfile, Gradle."""

from __future__ import annotations

import json

import pytest

from matrixhell.detect._gemfile import parse_gemfile, parse_gemfile_lock
from matrixhell.detect._gomod import parse_gomod
from matrixhell.detect._gradle import parse_gradle
from matrixhell.detect._jsonlines import parse_json
from matrixhell.detect._tomllines import parse_toml
from matrixhell.detect._xmllines import parse_xml
from matrixhell.detect._yamllines import parse_yaml
from matrixhell.detect._yarnlock import parse_yarn_lock, split_descriptor
from matrixhell.errors import InputError


def test_json_lines_of_keys_and_array_items() -> None:
    text = json.dumps({"name": "x", "deps": {"a": "1", 'we"ird': "2"}, "list": [{"n": 1}, {"n": 2}]}, indent=2)
    doc = parse_json(text, "p.json")
    lines = text.splitlines()
    assert '"a"' in lines[doc.line("deps", "a") - 1]  # type: ignore[operator]
    assert "weird" not in lines[0]
    assert 'we\\"ird' in lines[doc.line("deps", 'we"ird') - 1]  # type: ignore[operator]
    assert doc.line("list", 1, "n") == doc.line("list", 1) + 1  # type: ignore[operator]
    assert doc.line("nope") is None
    assert doc.origin("deps", "missing").line == doc.line("deps")


def test_json_error_has_line_and_column() -> None:
    with pytest.raises(InputError) as e:
        parse_json('{\n  "a": 1,\n  "b": \n}\n', "p.json")
    assert e.value.code == "bad-json"
    assert e.value.origin is not None and e.value.origin.line == 4


def test_toml_lines_tables_arrays_dotted_and_multiline() -> None:
    text = (
        '[package]\nname = "x"\ndesc = """\nfake = 1\n"""\n[dependencies]\n'
        'serde = { version = "1", features = [\n  "derive",\n] }\ntokio.workspace = true\n'
        '[[bin]]\nname = "a"\n[[bin]]\nname = "b"\n'
    )
    doc = parse_toml(text, "Cargo.toml")
    assert doc.line("package", "name") == 2
    assert doc.line("fake") is None and doc.line("package", "fake") is None
    assert doc.line("dependencies", "serde") == 7
    assert doc.line("dependencies", "tokio") == 10
    assert doc.line("bin", 1) == 13
    assert doc.line("bin", 1, "name") == 14


def test_toml_error_line() -> None:
    with pytest.raises(InputError) as e:
        parse_toml("a = 1\nb = \n", "x.toml")
    assert e.value.code == "bad-toml" and e.value.origin is not None and e.value.origin.line == 2


def test_yaml_lines_and_error() -> None:
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - x\n    - y\n", "y.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.line("a", "c", 1) == 5
    with pytest.raises(InputError) as e:
        parse_yaml("a: [\n  b\nc: d\n", "y.yaml")
    assert e.value.code == "bad-yaml" and e.value.origin is not None and e.value.origin.line == 3


def test_yaml_alias_bomb_does_not_explode_line_walk() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x]"]
    prev = "a"
    for k in "bcdefghij":
        lines.append(f"{k}: &{k} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
        prev = k
    doc = parse_yaml("\n".join(lines), "bomb.yaml", max_depth=12)
    assert doc.line("j") == 10


def test_xml_lines_namespaces_and_errors() -> None:
    root = parse_xml('<?xml version="1.0"?>\n<project xmlns="urn:x">\n  <a k="v">t</a>\n</project>\n', "pom.xml")
    assert root.tag == "project"
    a = root.find("a")
    assert a is not None and a.line == 3 and a.attrib == {"k": "v"} and a.text == "t"
    with pytest.raises(InputError) as e:
        parse_xml("<a>\n<b></a>\n", "p.xml")
    assert e.value.code == "bad-xml" and e.value.origin is not None and e.value.origin.line == 2


def test_xml_entities_refused() -> None:
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<x>&b;</x>'
    with pytest.raises(InputError) as e:
        parse_xml(bomb, "p.xml")
    assert "entities" in e.value.message


def test_gomod_blocks_comments_and_errors() -> None:
    f = parse_gomod('module "example.com/x"\n\nrequire (\n\ta v1 // indirect\n\t`b` v2\n)\n', "go.mod")
    assert f.first("module") is not None and f.first("module").args == ("example.com/x",)  # type: ignore[union-attr]
    reqs = f.all("require")
    assert [(r.args, r.comment, r.line) for r in reqs] == [(("a", "v1"), "indirect", 4), (("b", "v2"), "", 5)]
    with pytest.raises(InputError) as e:
        parse_gomod("module x\nrequire (\n a v1\n", "go.mod")
    assert e.value.origin is not None and e.value.origin.line == 2
    with pytest.raises(InputError) as e2:
        parse_gomod("module x\nfrobnicate y\n", "go.mod")
    assert e2.value.origin is not None and e2.value.origin.line == 2


def test_yarn_classic_parser() -> None:
    text = (
        "# yarn lockfile v1\n\n\n"
        '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":\n'
        '  version "7.12.13"\n'
        "  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJg==\n"
        "  dependencies:\n"
        '    "@babel/highlight" "^7.12.13"\n\n'
        "express@^4.17.1:\n"
        '  version "4.18.2"\n'
    )
    lock = parse_yarn_lock(text, "yarn.lock")
    assert lock.flavour == "classic"
    assert [(e.descriptors, e.version, e.line) for e in lock.entries] == [
        ((("@babel/code-frame", "^7.0.0"), ("@babel/code-frame", "^7.10.4")), "7.12.13", 4),
        ((("express", "^4.17.1"),), "4.18.2", 10),
    ]


def test_yarn_classic_syntax_error_has_line() -> None:
    with pytest.raises(InputError) as e:
        parse_yarn_lock('# yarn lockfile v1\nexpress@^4:\n  version "4\n', "yarn.lock")
    assert e.value.code == "bad-yarn-lock" and e.value.origin is not None and e.value.origin.line == 3


def test_split_descriptor() -> None:
    assert split_descriptor("@scope/name@npm:^1.2") == ("@scope/name", "npm", "^1.2")
    assert split_descriptor("left-pad@^1.0") == ("left-pad", "", "^1.0")
    assert split_descriptor("app@workspace:.") == ("app", "workspace", ".")


def test_gemfile_tokenizer() -> None:
    gf = parse_gemfile(
        "source 'https://rubygems.org'\nruby '~> 3.2'\ngem 'rails', '~> 7.1', '>= 7.1.2'\n"
        "gem \"bootsnap\", require: false\ngem 'x', :git => 'https://g/x'\n"
        "group :development, :test do\n  gem 'rspec',\n    '~> 3'\nend\n",
        "Gemfile",
    )
    assert gf.ruby == ("~> 3.2", 2)
    names = [(g.name, g.requirements, g.line, g.groups) for g in gf.gems]
    assert names == [
        ("rails", ("~> 7.1", ">= 7.1.2"), 3, ()),
        ("bootsnap", (), 4, ()),
        ("x", (), 5, ()),
        ("rspec", ("~> 3",), 7, ("development", "test")),
    ]
    assert gf.gems[1].option("require") == "false"
    assert gf.gems[2].option("git") == "https://g/x"


def test_gemfile_errors() -> None:
    with pytest.raises(InputError) as e:
        parse_gemfile("gem 'a'\ngem 'b\n", "Gemfile")
    assert e.value.code == "bad-gemfile"
    with pytest.raises(InputError) as e2:
        parse_gemfile_lock("GEM\n  specs:\n    rails 7.1\n", "Gemfile.lock")
    assert e2.value.origin is not None and e2.value.origin.line == 3


def test_gradle_tokenizer_ignores_comments_and_strings() -> None:
    build = parse_gradle(
        "// implementation 'fake:fake:1'\n/* jvmToolchain(8) */\n"
        "def s = \"implementation 'not:a:dep'\"\n"
        "dependencies {\n  implementation 'g:a:1'\n"
        "  testImplementation group: 'j', name: 'u', version: '4'\n}\n"
        "kotlin { jvmToolchain(17) }\n",
        "build.gradle",
    )
    assert [(d.configuration, d.notation, d.line) for d in build.deps] == [
        ("implementation", "g:a:1", 5),
        ("testImplementation", "j:u:4", 6),
    ]
    assert build.toolchain == ("17", 8)


def test_gradle_buildscript_classpath_is_not_a_dependency() -> None:
    build = parse_gradle(
        "buildscript {\n  dependencies {\n    classpath 'com.android.tools.build:gradle:8.0.0'\n  }\n}\n",
        "build.gradle",
    )
    assert build.deps == []


def test_yaml_lite_reading_skips_sections_keeps_lines_and_types_scalars() -> None:
    text = (
        "lockfileVersion: 5.4\nimporters:\n  .:\n    x: {a: 1}\nsnapshots:\n  big: [1, 2, 3]\n  more: yes\n"
        "packages:\n  '/a/1.0.0':\n    dev: true\n    deep: {b: {c: {d: 1}}}\n  /b/2.0.0: {optional: false}\n"
        "'quoted': ~\n"
    )
    doc = parse_yaml(text, "pnpm-lock.yaml", max_depth=3, lite_depth=3, skip=frozenset({"snapshots"}))
    assert "snapshots" not in doc.data
    assert doc.data["lockfileVersion"] == 5.4 and doc.data["quoted"] is None
    assert doc.data["packages"]["/a/1.0.0"]["dev"] is True
    assert doc.data["packages"]["/a/1.0.0"]["deep"] is None  # a fourth level of mapping: cut
    assert doc.data["packages"]["/b/2.0.0"] == {"optional": False}
    assert doc.line("packages", "/b/2.0.0") == 12  # lines after a skipped section are unchanged
    full = parse_yaml(text, "pnpm-lock.yaml")
    assert full.data["snapshots"]["more"] is True


def test_gemfile_expressions_are_not_requirements() -> None:
    gf = parse_gemfile(
        'gem "rails", ENV.fetch("RAILS_VERSION", "7.1")\n'
        'gem("pg", "~> 1.5", require: false)\n'
        'gem "x", "1.0" if ENV["CI"]\n'
        "gem 'y', git: 'https://g/y', branch: 'main', platforms: [:mri, :windows]\n",
        "Gemfile",
    )
    assert [(g.name, g.requirements) for g in gf.gems] == [
        ("rails", ()),
        ("pg", ("~> 1.5",)),
        ("x", ("1.0",)),
        ("y", ()),
    ]
    assert gf.gems[3].option("platforms") == "mri,windows" and gf.gems[3].option("branch") == "main"


def test_gradle_compatibility_forms() -> None:
    build = parse_gradle(
        "java.sourceCompatibility = JavaVersion.VERSION_11\n"
        "kotlin {\n    compilerOptions {\n        jvmTarget.set(JvmTarget.JVM_17)\n    }\n}\n"
        'java {\n    toolchain {\n        languageVersion.set(JavaLanguageVersion.of("21"))\n    }\n}\n',
        "build.gradle.kts",
    )
    assert build.compatibility == [("sourceCompatibility", "11", 1), ("jvmTarget", "17", 4)]
    assert build.toolchain == ("21", 9)
