"""The TOML/JSON line scanner that gives tomllib's values their lines; and the detector's markers."""

from __future__ import annotations

import json
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.python._locate import json_lines, toml_lines
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Scope

DOC = '''\
# comment with "quotes" and [brackets]
title = """multi
line = "not a key"
"""

[project]
name = 'x'
dependencies = [
  "a",  # trailing
  'b', "c",
  """d""",
]

[tool."odd.name".deps]
k = {x = 1, y = [1,
  2]}

[[package]]
name = "p0"

[package.source]
registry = "r"

[[package]]
name = "p1"
wheels = [
    {url = "u0"},
    {url = "u1"},
]
'''


def test_toml_lines_for_keys_items_tables_and_arrays_of_tables():
    tomllib.loads(DOC)  # the scanner runs only on documents tomllib accepts
    lines = toml_lines(DOC)
    assert lines.exact("title") == 2
    assert lines.exact("line") is None  # inside a multi-line string
    assert lines.exact("project", "name") == 7
    assert [lines.exact("project", "dependencies", i) for i in range(4)] == [9, 10, 10, 11]
    assert lines.exact("tool", "odd.name", "deps", "k", "y", 1) == 16
    assert lines.exact("package", 0, "name") == 19
    assert lines.exact("package", 0, "source", "registry") == 22
    assert lines.exact("package", 1, "name") == 25
    assert lines.exact("package", 1, "wheels", 1, "url") == 28


def test_missing_path_falls_back_to_ancestor():
    lines = toml_lines("[project]\nname = 'x'\n")
    assert lines.line("project", "dependencies", 3) == 1
    assert lines.line("nothing") is None


def test_json_lines():
    text = json.dumps({"default": {"a": {"version": "==1", "hashes": ["x", "y"]}}, "develop": {}}, indent=2)
    lines = json_lines(text)
    assert lines.exact("default", "a") == 3
    assert lines.exact("default", "a", "hashes", 1) == 7
    assert lines.exact("develop") == 11


keys = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        keys,
        st.lists(
            st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x7f"), max_size=10),
            max_size=4,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_every_array_item_gets_its_own_line(table: dict[str, list[str]]) -> None:
    out = ["[deps]"]
    where: dict[tuple[str, int], int] = {}
    for key, items in table.items():
        out.append(f"{key} = [")
        for i, item in enumerate(items):
            out.append("  " + json.dumps(item, ensure_ascii=False) + ",")
            where[(key, i)] = len(out)
        out.append("]")
    text = "\n".join(out) + "\n"
    assert tomllib.loads(text)["deps"] == table
    lines = toml_lines(text)
    for (key, i), line in where.items():
        assert lines.exact("deps", key, i) == line


@settings(deadline=None)  # no timing: CI machines are shared
@given(st.text(max_size=300))
def test_scanner_never_raises(text: str) -> None:
    toml_lines(text)
    json_lines(text)


def ctx_for(names: set[str]) -> DetectContext:
    return DetectContext(view=MemoryRepoView({f"svc/{n}": "" for n in names}), directory="svc", files=frozenset(names))


def test_markers_and_applies():
    det = PythonDetector()
    assert "pyproject.toml" in det.markers and "requirements*.txt" in det.markers
    for name in (
        "requirements.txt",
        "requirements-prod.txt",
        "dev-requirements.txt",
        "pyproject.toml",
        "Pipfile",
        "setup.py",
        "setup.cfg",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
    ):
        assert det.applies(ctx_for({name})), name
    assert not det.applies(ctx_for({"package.json", "README.md", "requirements.md"}))


def test_requirements_directory_and_scope_by_file():
    files = {
        "svc/requirements/base.txt": "django\n",
        "svc/requirements/production.txt": "-r base.txt\ngunicorn\n",
        "svc/requirements/dev.txt": "-r base.txt\n-r tools.txt\npytest\n",
        "svc/requirements/tools.txt": "ruff\n",
    }
    d = PythonDetector().detect(DetectContext(view=MemoryRepoView(files), directory="svc", files=frozenset()))
    got = {(p.name, p.scope, p.group) for p in d.packages}
    assert got == {
        ("django", Scope.MAIN, None),
        ("gunicorn", Scope.MAIN, None),
        ("pytest", Scope.DEV, "dev"),
        ("ruff", Scope.DEV, "dev"),  # reached only from the dev file
    }
    assert len([p for p in d.packages if p.name == "django"]) == 1


def test_repo_root_directory():
    view = MemoryRepoView({"requirements.txt": "six\n", "pyproject.toml": "[project]\nname='x'\n"})
    d = PythonDetector().detect(
        DetectContext(view=view, directory="", files=frozenset({"requirements.txt", "pyproject.toml"}))
    )
    assert [(p.name, str(p.origin)) for p in d.packages] == [("six", "requirements.txt:1")]


def test_registry_entry_loads():
    from matrixhell.detect.registry import load

    assert isinstance(load("python"), PythonDetector)


def test_file_included_as_constraints_is_not_also_a_requirements_root():
    files = {
        "svc/requirements.txt": "-c requirements-constraints.txt\ndjango\n",
        "svc/requirements-constraints.txt": "django<5\nurllib3<2\n",
    }
    names = frozenset({"requirements.txt", "requirements-constraints.txt"})
    d = PythonDetector().detect(DetectContext(view=MemoryRepoView(files), directory="svc", files=names))
    assert [p.name for p in d.packages] == ["django"]
    assert {c.name for c in d.constraints} == {"django", "urllib3"}


def test_lock_fast_path_agrees_with_full_scanner_and_falls_back():
    from matrixhell.detect.python._locate import array_table_lines

    text = (
        'version = 1\n\n[[package]]\nname = "a"\nversion = "1"\n\n[package.source]\nregistry = "r"\n\n'
        '[[package]]\n# comment\nname = "b"\nwheels = [\n  { url = "u" },\n]\n'
    )
    full = toml_lines(text)
    assert array_table_lines(text, "package", "name", 2) == [full.exact("package", i, "name") for i in (0, 1)]
    assert array_table_lines(text, "package", "name", 3) is None  # count mismatch: caller falls back
    tricky = 'doc = """\n[[package]]\n"""\n[[package]]\nname = "x"\n'
    assert array_table_lines(tricky, "package", "name", 1) is None
    assert toml_lines(tricky).exact("package", 0, "name") == 5
