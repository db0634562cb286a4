"""Every Python version source, its normalization and its precedence."""

from __future__ import annotations

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.python.runtimes import PRECEDENCE, normalize_version
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Severity


def run(files: dict[str, str | bytes], env: dict[str, str] | None = None, directory: str = "svc"):
    full = {f"{directory}/{k}": v for k, v in files.items()}
    names = frozenset(k for k in files if "/" not in k)
    ctx = DetectContext(view=MemoryRepoView(full), directory=directory, files=names, env=env or {})
    return PythonDetector().detect(ctx)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("3.8", "==3.8.*"),
        ("3.8.10", "==3.8.10"),
        ("3", "==3.*"),
        ("python-3.11.4", "==3.11.4"),
        ("3.13.0rc2", "==3.13.0rc2"),
        ("3.13t", "==3.13.*"),
        (">=3.10", ">=3.10"),
        ("pypy3.9-7.3.9", "==3.9.*"),
    ],
)
def test_normalize_version(text: str, spec: str) -> None:
    assert normalize_version(text)[0] == spec


@pytest.mark.parametrize("bad", ["three", "3.x", ">=>3", ""])
def test_normalize_version_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_version(bad)


def test_runtime_txt():
    d = run({"runtime.txt": "python-3.8.10\n"})
    (r,) = d.runtimes
    assert (r.runtime, r.spec, r.raw, r.source, str(r.origin), r.precedence) == (
        "python",
        "==3.8.10",
        "python-3.8.10",
        "runtime-txt",
        "svc/runtime.txt:1",
        PRECEDENCE["runtime-txt"],
    )


def test_runtime_txt_wrong_content():
    d = run({"runtime.txt": "ruby-3.2\n"})
    assert d.runtimes == ()
    assert [f.code for f in d.findings] == ["python-version-invalid"]


def test_python_version_file_forms():
    d = run({"requirements.txt": "", ".python-version": "# pinned\n3.8\n3.11.4\n"})
    assert [(r.spec, r.origin.line, r.precedence) for r in d.runtimes] == [
        ("==3.8.*", 2, PRECEDENCE["python-version-file"]),
        ("==3.11.4", 3, PRECEDENCE["python-version-file"] + 1),
    ]


def test_python_version_pypy_and_system():
    d = run({".python-version": "pypy3.10\nsystem\n"})
    (r,) = d.runtimes
    assert (r.spec, r.raw) == ("==3.10.*", "pypy3.10")
    assert {f.code for f in d.findings} == {"python-implementation", "python-version-system"}


def test_bare_pypy_has_any_spec():
    d = run({".python-version": "pypy\n"})
    assert [(r.spec, r.raw) for r in d.runtimes] == [("", "pypy")]


def test_tool_versions():
    d = run({".tool-versions": "nodejs 20.1.0\npython 3.11.4 3.10.2  # two\n"})
    assert [(r.spec, r.source, r.origin.line) for r in d.runtimes] == [
        ("==3.11.4", "tool-versions", 2),
        ("==3.10.2", "tool-versions", 2),
    ]


def test_mise_toml_forms():
    d = run(
        {
            "mise.toml": '[tools]\nnode = "20"\npython = "3.11"\n',
            ".mise.toml": '[tools]\npython = ["3.12", "3.11"]\n',
        }
    )
    assert sorted((r.spec, r.origin.path, r.origin.line) for r in d.runtimes) == [
        ("==3.11.*", "svc/.mise.toml", 2),
        ("==3.11.*", "svc/mise.toml", 3),
        ("==3.12.*", "svc/.mise.toml", 2),
    ]


def test_mise_table_form():
    d = run({"mise.toml": '[tools]\npython = { version = "3.10.4" }\n'})
    assert [r.spec for r in d.runtimes] == ["==3.10.4"]


def test_env_pin_with_line():
    d = run({"requirements.txt": "", ".env": "DEBUG=1\nPYTHON_VERSION=3.12\n"}, env={"PYTHON_VERSION": "3.12"})
    (r,) = d.runtimes
    assert (r.spec, r.source, str(r.origin), r.precedence) == (
        "==3.12.*",
        "env",
        "svc/.env:2",
        PRECEDENCE["env"],
    )


def test_all_sources_returned_in_precedence_order():
    files = {
        ".python-version": "3.8\n",
        "runtime.txt": "python-3.9.1\n",
        "Pipfile": '[requires]\npython_version = "3.10"\n',
        ".tool-versions": "python 3.11.0\n",
        "mise.toml": '[tools]\npython = "3.11"\n',
        "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.8"\n'
        '[tool.poetry.dependencies]\npython = "^3.8"\n',
        "uv.lock": 'version = 1\nrequires-python = ">=3.8"\n',
    }
    d = run(files, env={"NIXPACKS_PYTHON_VERSION": "3.12"})
    assert [r.source for r in d.runtimes] == [
        "env",
        "python-version-file",
        "runtime-txt",
        "pipfile-requires",
        "tool-versions",
        "mise-toml",
        "requires-python",
        "poetry-python",
        "uv-lock-requires-python",
    ]
    assert [r.precedence for r in d.runtimes] == sorted(r.precedence for r in d.runtimes)
    assert len({r.spec for r in d.runtimes}) > 1  # disagreement is kept for the merge step to report


def test_invalid_requires_python():
    d = run({"pyproject.toml": '[project]\nname = "x"\nrequires-python = "3.8+"\n'})
    assert d.runtimes == ()
    (f,) = d.findings
    assert f.code == "python-version-invalid" and str(f.origin) == "svc/pyproject.toml:3"


def test_python_version_virtualenv_name_is_a_warning():
    d = run({".python-version": "my-project-env\n3.11\n"})
    assert [r.spec for r in d.runtimes] == ["==3.11.*"]
    (f,) = d.findings
    assert (f.code, f.severity, str(f.origin)) == (
        "python-version-invalid",
        Severity.WARNING,
        "svc/.python-version:1",
    )
    assert f.hint and "virtualenv" in f.hint
