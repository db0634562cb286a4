"""Pipfile, Pipfile.lock, setup.cfg and setup.py (read statically)."""

from __future__ import annotations

import json

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Scope, Severity


def run(files: dict[str, str | bytes], directory: str = "svc"):
    full = {f"{directory}/{k}": v for k, v in files.items()}
    names = frozenset(k for k in files if "/" not in k)
    return PythonDetector().detect(DetectContext(view=MemoryRepoView(full), directory=directory, files=names))


PIPFILE = """\
[[source]]
url = "https://pypi.example/simple"
verify_ssl = true
name = "pypi"

[packages]
Flask = "==2.3.2"
requests = {version = ">=2.28", extras = ["socks"]}
pywin32 = {version = "*", sys_platform = "== 'win32'"}
mylib = {git = "https://git.example/o/mylib.git", ref = "v1.0", editable = true}
local = {path = "./libs/local"}

[dev-packages]
pytest = "*"

[docs]
sphinx = "*"

[requires]
python_version = "3.8"
"""


def test_pipfile_packages_and_scopes():
    d = run({"Pipfile": PIPFILE})
    p = {x.name: x for x in d.packages}
    assert (p["flask"].specifier, p["flask"].origin.line, p["flask"].scope) == ("==2.3.2", 7, Scope.MAIN)
    assert p["requests"].extras == ("socks",) and p["requests"].specifier == ">=2.28"
    assert p["pywin32"].marker == 'sys_platform == "win32"'
    assert p["mylib"].url == "git+https://git.example/o/mylib.git@v1.0#egg=mylib" and p["mylib"].editable
    assert p["local"].url == "./libs/local"
    assert (p["pytest"].scope, p["pytest"].group) == (Scope.DEV, "dev")
    assert (p["sphinx"].scope, p["sphinx"].group) == (Scope.DEV, "docs")
    assert d.findings == ()


def test_pipfile_requires_python():
    d = run({"Pipfile": PIPFILE})
    (rt,) = d.runtimes
    assert (rt.spec, rt.raw, rt.source, str(rt.origin)) == (
        "==3.8.*",
        "3.8",
        "pipfile-requires",
        "svc/Pipfile:20",
    )


def test_pipfile_full_version():
    d = run({"Pipfile": '[requires]\npython_full_version = "3.8.10"\n'})
    assert [(r.spec, r.source) for r in d.runtimes] == [("==3.8.10", "pipfile-requires")]


def test_pipfile_bad_specifier():
    d = run({"Pipfile": '[packages]\nflask = "=>2"\n'})
    assert d.packages == ()
    assert [f.code for f in d.findings] == ["invalid-requirement"]


PIPFILE_LOCK = {
    "_meta": {
        "hash": {"sha256": "x"},
        "pipfile-spec": 6,
        "requires": {"python_version": "3.8"},
        "sources": [],
    },
    "default": {
        "flask": {"hashes": ["sha256:aaa", "sha256:bbb"], "index": "pypi", "version": "==2.3.2"},
        "werkzeug": {"hashes": ["sha256:ccc"], "markers": "python_version >= '3.8'", "version": "==2.3.6"},
    },
    "develop": {"pytest": {"hashes": [], "version": "==7.4.0"}},
}


def test_pipfile_lock_pins_and_transitives():
    lock = json.dumps(PIPFILE_LOCK, indent=4)
    d = run({"Pipfile": PIPFILE, "Pipfile.lock": lock})
    p = {(x.name, x.scope): x for x in d.packages}
    flask = p[("flask", Scope.MAIN)]
    assert (flask.locked, flask.hashes, flask.direct, flask.origin.path) == (
        "2.3.2",
        ("sha256:aaa", "sha256:bbb"),
        True,
        "svc/Pipfile",
    )
    werk = p[("werkzeug", Scope.MAIN)]
    assert (werk.direct, werk.locked, werk.marker) == (False, "2.3.6", 'python_version >= "3.8"')
    assert (
        werk.origin.path == "svc/Pipfile.lock"
        and werk.origin.line == lock.splitlines().index('        "werkzeug": {') + 1
    )
    assert p[("pytest", Scope.DEV)].locked == "7.4.0"
    assert "svc/Pipfile.lock" in d.files


def test_pipfile_lock_meta_requires():
    d = run({"Pipfile.lock": json.dumps(PIPFILE_LOCK, indent=2)})
    assert [(r.spec, r.source) for r in d.runtimes] == [("==3.8.*", "pipfile-lock-requires")]


def test_pipfile_lock_bad_json_has_line_and_column():
    d = run({"Pipfile.lock": '{\n  "default": {,}\n}\n'})
    (f,) = d.findings
    assert f.code == "json-syntax" and (f.origin.line, f.origin.column) == (2, 15)  # the ","


SETUP_CFG = """\
[metadata]
name = svc

[options]
python_requires = >=3.9
install_requires =
    flask>=2
    # a comment line
    requests ; python_version < "3.12"
setup_requires = setuptools_scm

[options.extras_require]
Redis =
    redis>=5
test = pytest; coverage
"""


def test_setup_cfg():
    d = run({"setup.cfg": SETUP_CFG})
    got = [(p.name, p.scope, p.group, p.origin.line) for p in d.packages]
    assert got == [
        ("flask", Scope.MAIN, None, 7),
        ("requests", Scope.MAIN, None, 9),
        ("setuptools-scm", Scope.BUILD, None, 10),
        ("redis", Scope.OPTIONAL, "redis", 14),
        ("pytest", Scope.OPTIONAL, "test", 15),
        ("coverage", Scope.OPTIONAL, "test", 15),
    ]
    (rt,) = d.runtimes
    assert (rt.spec, rt.source, rt.origin.line) == (">=3.9", "setup-cfg-python-requires", 5)


def test_setup_cfg_file_directive():
    cfg = "[options]\ninstall_requires = file: requirements.in\n"
    d = run({"setup.cfg": cfg, "requirements.in": "click>=8\n"})
    assert {(p.name, p.origin.path) for p in d.packages} == {("click", "svc/requirements.in")}


def test_setup_cfg_syntax_error():
    d = run({"setup.cfg": "[options\ninstall_requires = x\n"})
    assert [f.code for f in d.findings] == ["setup-cfg-syntax"]


SETUP_PY = """\
from setuptools import setup, find_packages

BASE = [
    "flask>=2",
    "requests",
]
EXTRA_DOCS = ["sphinx"]

setup(
    name="svc",
    packages=find_packages(),
    python_requires=">=3.8",
    install_requires=BASE + ["click"],
    extras_require={
        "docs": EXTRA_DOCS,
        "win:sys_platform == 'win32'": ["pywin32"],
    },
    tests_require=["pytest"],
)
"""


def test_setup_py_literals_and_module_variables():
    d = run({"setup.py": SETUP_PY})
    got = [(p.name, p.scope, p.group, p.origin.line) for p in d.packages]
    assert got == [
        ("flask", Scope.MAIN, None, 4),
        ("requests", Scope.MAIN, None, 5),
        ("click", Scope.MAIN, None, 13),
        ("sphinx", Scope.OPTIONAL, "docs", 7),
        ("pywin32", Scope.OPTIONAL, "win", 16),
        ("pytest", Scope.DEV, "test", 18),
    ]
    assert [p.marker for p in d.packages if p.name == "pywin32"] == ["sys_platform == 'win32'"]
    (rt,) = d.runtimes
    assert (rt.spec, rt.source, rt.origin.line) == (">=3.8", "setup-py-python-requires", 12)
    assert d.findings == ()


def test_setup_py_dynamic_values_become_info_findings():
    src = (
        "import setuptools\n"
        "def reqs():\n    return open('requirements.txt').read().splitlines()\n"
        "setuptools.setup(install_requires=reqs(), **extra)\n"
    )
    d = run({"setup.py": src})
    assert d.packages == ()
    assert {f.code for f in d.findings} == {"setup-py-dynamic"}
    assert all(f.severity is Severity.INFO and f.origin.line == 4 for f in d.findings)


def test_setup_py_is_never_executed():
    # if it ran, it would raise; the scan only parses it
    src = "raise SystemExit('executed!')\nfrom setuptools import setup\nsetup(install_requires=['six'])\n"
    d = run({"setup.py": src})
    assert [p.name for p in d.packages] == ["six"]


def test_setup_py_syntax_error_has_position():
    d = run({"setup.py": "from setuptools import setup\nsetup(install_requires=[\n"})
    (f,) = d.findings
    assert f.code == "setup-py-syntax" and f.origin.line is not None


def test_setup_py_without_setup_call():
    d = run({"setup.py": "print('hi')\n"})
    assert [f.code for f in d.findings] == ["setup-py-no-setup"]
