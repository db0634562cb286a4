"""Bad input never raises: each case is a finding with file:line, and the other files are still read."""

from __future__ import annotations

import pytest

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Severity


def run(files: dict[str, str | bytes], directory: str = "svc", size_cap: int | None = None):
    full = {f"{directory}/{k}": v for k, v in files.items()}
    view = MemoryRepoView(full) if size_cap is None else MemoryRepoView(full, size_cap=size_cap)
    names = frozenset(k for k in files if "/" not in k)
    return PythonDetector().detect(DetectContext(view=view, directory=directory, files=names))


GOOD_REQS = "flask==2.0\n"


@pytest.mark.parametrize("manifest", ["pyproject.toml", "Pipfile", "poetry.lock", "uv.lock", "pdm.lock", "mise.toml"])
def test_malformed_toml_keeps_line_and_column(manifest: str) -> None:
    d = run({manifest: 'a = 1\n[x]\nb = "unterminated\n', "requirements.txt": GOOD_REQS})
    (f,) = d.findings
    assert f.code == "toml-syntax" and f.severity is Severity.ERROR
    assert f.origin is not None and f.origin.path == f"svc/{manifest}"
    assert (f.origin.line, f.origin.column) == (3, 18)  # tomllib points at the newline
    assert f.hint
    assert [p.name for p in d.packages] == ["flask"]


def test_non_utf8_file():
    d = run({"requirements.txt": b"flask\n\xe9t\xe9\n", "Pipfile": '[packages]\nclick = "*"\n'})
    (f,) = d.findings
    assert (f.code, str(f.origin)) == ("not-utf8", "svc/requirements.txt:2")
    assert [p.name for p in d.packages] == ["click"]


def test_binary_file_named_like_a_manifest():
    d = run({"pyproject.toml": b"\x00\x01\x02PK\x03\x04", "requirements.txt": GOOD_REQS})
    (f,) = d.findings
    assert f.code == "binary-file" and f.origin.path == "svc/pyproject.toml"
    assert [p.name for p in d.packages] == ["flask"]


def test_too_large_file():
    d = run(
        {"requirements.txt": "x" * 200 + "\n", "setup.cfg": "[options]\ninstall_requires = six\n"},
        size_cap=100,
    )
    assert [f.code for f in d.findings] == ["file-too-large"]
    assert [p.name for p in d.packages] == ["six"]


def test_oversized_included_file_names_the_included_file():
    d = run({"requirements.txt": "-r big.txt\nclick\n", "big.txt": "y" * 500}, size_cap=100)
    (f,) = d.findings
    assert (f.code, f.origin.path) == ("file-too-large", "svc/big.txt")
    assert [p.name for p in d.packages] == ["click"]


def test_include_cycle_across_detector_files():
    d = run(
        {
            "requirements.txt": "-r requirements-dev.txt\nflask\n",
            "requirements-dev.txt": "-r requirements.txt\npytest\n",
        }
    )
    cycles = [f for f in d.findings if f.code == "requirements-include-cycle"]
    assert cycles and all(f.origin.line == 1 for f in cycles)
    assert {p.name for p in d.packages} == {"flask", "pytest"}


def test_unknown_toml_shapes_do_not_raise():
    d = run(
        {
            "pyproject.toml": '[project]\nname = "x"\noptional-dependencies = 3\n'
            '[tool.poetry]\ndependencies = "nope"\n[dependency-groups]\ng = [1]\n',
            "Pipfile": "packages = 1\n[dev-packages]\nx = 3\n",
            "uv.lock": "package = 4\n",
            "poetry.lock": "[[package]]\nversion = 1\n",
        }
    )
    assert d.findings
    assert all(f.code != "python-detector-internal" for f in d.findings)
    assert all(f.origin is not None for f in d.findings)


def test_empty_files():
    d = run(
        {
            name: ""
            for name in (
                "requirements.txt",
                "pyproject.toml",
                "Pipfile",
                "setup.cfg",
                "setup.py",
                "poetry.lock",
                "uv.lock",
                "pdm.lock",
                ".python-version",
                "runtime.txt",
            )
        }
        | {"Pipfile.lock": ""}
    )
    assert d.packages == ()
    assert {f.code for f in d.findings} <= {"json-syntax", "setup-py-no-setup"}


def test_detector_reports_files_read():
    d = run({"requirements.txt": "-r base.txt\n", "base.txt": "six\n", "pyproject.toml": "[project]\n"})
    assert set(d.files) == {"svc/requirements.txt", "svc/base.txt", "svc/pyproject.toml"}


def test_every_finding_says_what_to_do():
    d = run(
        {
            "requirements.txt": "-r nope.txt\n-r requirements.txt\nbad>=\n--frobnicate\n${UNSET}x\n"
            "git+https://h.example/o/r.git\n-e flask\n",
            "pyproject.toml": '[project]\nname = "x"\nrequires-python = "3.8+"\ndynamic = ["dependencies"]\n'
            '[dependency-groups]\na = [{include-group = "a"}, {include-group = "zz"}]\n'
            '[tool.poetry.dependencies]\npython = "^3.8 || ^4"\nfoo = "^^1"\n',
            "Pipfile": '[packages]\nx = 3\ny = "=>1"\n',
            "setup.py": "from setuptools import setup\nsetup(install_requires=compute())\n",
            ".python-version": "system\npypy3.9\n",
            "runtime.txt": "ruby-3\n",
            "Pipfile.lock": "{",
        }
    )
    assert len({f.code for f in d.findings}) >= 15
    assert [f for f in d.findings if not f.hint] == []
    assert all(f.origin is not None and f.origin.line is not None for f in d.findings)
