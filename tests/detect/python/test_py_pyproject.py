"""pyproject.toml: PEP 621, PEP 735, build-system, poetry, uv; and poetry's constraint language."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.python.poetry_constraints import translate, translate_one
from matrixhell.detect.python.pyproject import poetry_python_marker, resolve_dependency_groups
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Scope, Severity


def run(files: dict[str, str | bytes], directory: str = "svc"):
    prefix = f"{directory}/" if directory else ""
    full = {prefix + k: v for k, v in files.items()}
    names = frozenset(k for k in files if "/" not in k)
    return PythonDetector().detect(DetectContext(view=MemoryRepoView(full), directory=directory, files=names))


def pkgs(d, **where):
    return [p for p in d.packages if all(getattr(p, k) == v for k, v in where.items())]


PEP621 = """\
[build-system]
requires = ["hatchling>=1.21", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "api"
requires-python = ">=3.10,<3.13"
dependencies = [
    "Flask>=2.3",  # the app
    "SQLAlchemy[asyncio]~=2.0",
    'psycopg2-binary ; sys_platform == "linux"',
]

[project.optional-dependencies]
Redis = ["redis>=5"]
docs = [
  "sphinx",
]
"""


def test_pep621_dependencies_with_lines():
    d = run({"pyproject.toml": PEP621})
    main = pkgs(d, scope=Scope.MAIN)
    assert [(p.name, p.specifier, p.origin.line) for p in main] == [
        ("flask", ">=2.3", 9),
        ("sqlalchemy", "~=2.0", 10),
        ("psycopg2-binary", "", 11),
    ]
    assert main[1].extras == ("asyncio",)
    assert main[2].marker == 'sys_platform == "linux"'
    assert all(p.origin.path == "svc/pyproject.toml" for p in d.packages)


def test_optional_dependencies_are_optional_with_group():
    d = run({"pyproject.toml": PEP621})
    opt = pkgs(d, scope=Scope.OPTIONAL)
    assert [(p.name, p.group, p.origin.line) for p in opt] == [("redis", "redis", 15), ("sphinx", "docs", 17)]


def test_build_system_requires_is_build_scope():
    d = run({"pyproject.toml": PEP621})
    assert [(p.name, p.origin.line) for p in pkgs(d, scope=Scope.BUILD)] == [
        ("hatchling", 2),
        ("hatch-vcs", 2),
    ]


def test_requires_python_is_a_runtime_source():
    d = run({"pyproject.toml": PEP621})
    (rt,) = d.runtimes
    assert (rt.runtime, rt.spec, rt.raw, rt.source, str(rt.origin)) == (
        "python",
        "<3.13,>=3.10",
        ">=3.10,<3.13",
        "requires-python",
        "svc/pyproject.toml:7",
    )


def test_dotted_keys_at_root_are_located():
    d = run({"pyproject.toml": 'project.name = "x"\nproject.dependencies = [\n  "six",\n]\n'})
    assert [(p.name, p.origin.line) for p in d.packages] == [("six", 3)]


def test_invalid_requirement_in_pyproject_is_a_finding():
    d = run({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["ok", "not ok>="]\n'})
    assert [p.name for p in d.packages] == ["ok"]
    (f,) = d.findings
    assert f.code == "invalid-requirement" and str(f.origin) == "svc/pyproject.toml:3"


def test_wrong_type_is_a_finding():
    d = run({"pyproject.toml": '[project]\nname = "x"\ndependencies = "flask"\n'})
    assert d.packages == ()
    assert [f.code for f in d.findings] == ["pyproject-bad-value"]


def test_dynamic_dependencies_reported_as_info():
    d = run({"pyproject.toml": '[project]\nname = "x"\ndynamic = ["dependencies", "version"]\n'})
    (f,) = d.findings
    assert f.code == "pyproject-dynamic" and f.severity is Severity.INFO


GROUPS = """\
[dependency-groups]
test = ["pytest>=8", {include-group = "coverage"}]
coverage = ["coverage[toml]"]
Docs = ["sphinx"]
typing = ["mypy", {include-group = "test"}]
"""


def test_dependency_groups_with_includes():
    d = run({"pyproject.toml": GROUPS})
    got = [(p.group, p.name, p.origin.line, p.scope) for p in d.packages]
    # one entry per written requirement and scope, listing every group that reaches it
    assert sorted(got) == [
        ("docs", "sphinx", 4, Scope.DEV),
        ("test, coverage, typing", "coverage", 3, Scope.DEV),
        ("test, typing", "pytest", 2, Scope.DEV),
        ("typing", "mypy", 5, Scope.DEV),
    ]
    assert d.findings == ()


def test_an_included_group_of_another_scope_stays_a_separate_entry():
    d = run({"pyproject.toml": '[dependency-groups]\ntest = ["pytest"]\nserver = [{include-group = "test"}]\n'})
    got = sorted((p.group, p.name, p.scope.value) for p in d.packages)
    assert got == [("server", "pytest", "optional"), ("test", "pytest", "dev")]


def test_non_dev_group_is_optional():
    d = run({"pyproject.toml": '[dependency-groups]\nserver = ["gunicorn"]\n'})
    (p,) = d.packages
    assert (p.scope, p.group) == (Scope.OPTIONAL, "server")


def test_dependency_group_cycle_and_missing():
    text = (
        '[dependency-groups]\na = ["x", {include-group = "b"}]\nb = [{include-group = "a"}]\n'
        'c = [{include-group = "nope"}]\n'
    )
    d = run({"pyproject.toml": text})
    by_code = {f.code: f for f in d.findings}
    assert "a -> b -> a" in by_code["dependency-group-cycle"].message
    assert by_code["dependency-group-cycle"].origin is not None
    assert str(by_code["dependency-group-missing"].origin) == "svc/pyproject.toml:4"
    assert [(p.group, p.name) for p in d.packages] == [("a, b", "x")]


def test_resolve_dependency_groups_normalizes_names():
    expanded, problems = resolve_dependency_groups({"Dev_Tools": ["a"], "x": [{"include-group": "dev-tools"}]})
    assert problems == []
    assert [r for r, _, _ in expanded["x"]] == ["a"]


POETRY = """\
[tool.poetry]
name = "worker"

[tool.poetry.dependencies]
python = "^3.8"
requests = "^2.28"
Celery = { version = "~5.3", extras = ["redis"] }
legacy = { version = "^1.0", python = "<3.10" }
internal = { git = "https://git.example/o/internal.git", tag = "v1.2" }
locallib = { path = "../libs/local", develop = true }
fast = { version = "*", optional = true }
multi = [
    { version = "<2", python = "<3.9" },
    { version = ">=2", python = ">=3.9" },
]

[tool.poetry.extras]
speed = ["fast"]

[tool.poetry.group.test.dependencies]
pytest = "^7.0"

[tool.poetry.group.ops.dependencies]
fabric = "3.*"

[tool.poetry.dev-dependencies]
black = "^23"
"""


def test_poetry_dependencies():
    d = run({"pyproject.toml": POETRY})
    p = {(x.name, x.scope): x for x in d.packages}
    assert p[("requests", Scope.MAIN)].specifier == ">=2.28,<3.0"
    assert p[("requests", Scope.MAIN)].origin.line == 6
    assert p[("celery", Scope.MAIN)].specifier == ">=5.3,<5.4"
    assert p[("celery", Scope.MAIN)].extras == ("redis",)
    assert p[("legacy", Scope.MAIN)].marker == 'python_version < "3.10"'
    assert p[("internal", Scope.MAIN)].url == "git+https://git.example/o/internal.git@v1.2"
    assert p[("locallib", Scope.MAIN)].editable
    assert (p[("fast", Scope.OPTIONAL)].group, p[("fast", Scope.OPTIONAL)].specifier) == ("speed", "")
    assert (p[("pytest", Scope.DEV)].group, p[("pytest", Scope.DEV)].specifier) == ("test", ">=7.0,<8.0")
    assert (p[("fabric", Scope.OPTIONAL)].group, p[("fabric", Scope.OPTIONAL)].specifier) == ("ops", "==3.*")
    assert p[("black", Scope.DEV)].specifier == ">=23,<24"
    multi = [x for x in d.packages if x.name == "multi"]
    assert [(m.specifier, m.marker, m.origin.line) for m in multi] == [
        ("<2", 'python_version < "3.9"', 13),
        (">=2", 'python_version >= "3.9"', 14),
    ]


def test_poetry_python_constraint_is_runtime():
    d = run({"pyproject.toml": POETRY})
    (rt,) = d.runtimes
    assert (rt.spec, rt.raw, rt.source, rt.origin.line) == (">=3.8,<4.0", "^3.8", "poetry-python", 5)


def test_poetry_or_constraint_is_widened_to_its_hull():
    d = run({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.8 || ^4.1"\n'})
    (rt,) = d.runtimes
    assert (rt.spec, rt.raw) == (">=3.8,<5.0", "^3.8 || ^4.1")
    (f,) = d.findings
    assert (f.code, f.severity, str(f.origin)) == ("range-widened", Severity.INFO, "svc/pyproject.toml:2")


def test_poetry_or_constraint_without_hull_warns():
    d = run({"pyproject.toml": '[tool.poetry.dependencies]\nflask = "!=2.0 || >=3"\n'})
    (p,) = d.packages
    assert p.specifier == ""
    assert [f.code for f in d.findings] == ["poetry-or-constraint"]


def test_poetry_bad_constraint():
    d = run({"pyproject.toml": '[tool.poetry.dependencies]\nflask = "^^2"\n'})
    assert d.packages == ()
    assert [f.code for f in d.findings] == ["poetry-bad-constraint"]


def test_uv_dev_dependencies():
    d = run({"pyproject.toml": '[project]\nname = "x"\n[tool.uv]\ndev-dependencies = ["ruff", "pytest>=8"]\n'})
    assert [(p.name, p.scope, p.group, p.origin.line) for p in d.packages] == [
        ("ruff", Scope.DEV, "dev", 4),
        ("pytest", Scope.DEV, "dev", 4),
    ]


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^1.2", ">=1.2,<2.0"),
        ("^1", ">=1,<2"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0.0", ">=0.0,<0.1"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2", "~=1.2"),
        ("*", ""),
        ("1.2.*", "==1.2.*"),
        ("1.2.3", "==1.2.3"),
        ("=1.2.3", "==1.2.3"),
        (">=1.2,<2", ">=1.2,<2"),
        (">= 1.2 < 2", ">=1.2,<2"),
        ("!=1.5", "!=1.5"),
    ],
)
def test_poetry_translation_table(poetry: str, pep440: str) -> None:
    assert translate_one(poetry) == pep440


def test_poetry_or_keeps_alternatives():
    assert translate(">=2.7,<2.8 || >=3.5") == (">=2.7,<2.8", ">=3.5")


@pytest.mark.parametrize("bad", ["^", "^x.y", ">>1", "^1.*"])
def test_poetry_translation_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        translate_one(bad)


@settings(deadline=None)  # no timing: CI machines are shared
@given(st.lists(st.integers(0, 30), min_size=1, max_size=3))
def test_caret_contains_its_base_and_excludes_the_next_breaking_release(parts: list[int]) -> None:
    base = ".".join(map(str, parts))
    spec = SpecifierSet(translate_one("^" + base))
    assert Version(base) in spec
    index = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    bumped = list(parts)
    bumped[index] += 1
    bumped[index + 1 :] = [0] * (len(parts) - index - 1)
    assert Version(".".join(map(str, bumped))) not in spec
    if index + 1 < len(parts):  # a change to the right of the kept component is allowed
        inside = list(parts)
        inside[-1] += 1
        assert Version(".".join(map(str, inside))) in spec


@settings(deadline=None)  # no timing: CI machines are shared
@given(st.lists(st.integers(0, 30), min_size=2, max_size=3))
def test_tilde_allows_patch_changes_only(parts: list[int]) -> None:
    base = ".".join(map(str, parts))
    spec = SpecifierSet(translate_one("~" + base))
    assert Version(base) in spec
    assert Version(f"{parts[0]}.{parts[1] + 1}") not in spec


def test_poetry_python_marker():
    assert poetry_python_marker("^3.8") == 'python_version < "4.0" and python_version >= "3.8"'
    assert poetry_python_marker(">=3.8.1") == 'python_full_version >= "3.8.1"'


UV_PROJECT = """\
[project]
name = "api"
dependencies = ["shared", "tool", "grpcio"]

[tool.uv]
constraint-dependencies = ["grpcio<1.65"]
override-dependencies = ["protobuf==4.25.3"]

[tool.uv.sources]
shared = { workspace = true }
tool = { git = "https://git.example/o/tool", tag = "v2" }
"""


def test_uv_sources_and_constraints():
    d = run({"pyproject.toml": UV_PROJECT})
    p = {x.name: x for x in d.packages}
    assert (p["shared"].url, p["shared"].editable) == ("workspace", True)
    assert p["tool"].url == "git+https://git.example/o/tool@v2"
    assert p["grpcio"].url is None
    assert [(c.name, c.specifier, c.group, c.origin.line) for c in d.constraints] == [
        ("grpcio", "<1.65", None, 6),
        ("protobuf", "==4.25.3", "override", 7),
    ]
    assert "protobuf" not in p


def test_poetry_main_group_is_main():
    d = run({"pyproject.toml": '[tool.poetry.group.main.dependencies]\nrequests = "^2"\n'})
    assert [(p.name, p.scope, p.group) for p in d.packages] == [("requests", Scope.MAIN, None)]
