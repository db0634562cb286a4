"""PEP 751 lock files: pylock.toml and pylock.<name>.toml read into locked versions, runtimes, findings."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.python.pylock import choose_pylock, pylock_name, wheel_names
from matrixhell.detect.python.runtimes import PRECEDENCE
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Detection, Scope, Severity


def run(files: dict[str, str], directory: str = "svc") -> Detection:
    full = {f"{directory}/{k}" if directory else k: v for k, v in files.items()}
    names = frozenset(k for k in files if "/" not in k)
    return PythonDetector().detect(DetectContext(view=MemoryRepoView(full), directory=directory, files=names))


# The specification's example (packaging.python.org, "pylock.toml Specification"), URLs shortened.
SPEC_EXAMPLE = """\
lock-version = '1.0'
environments = ["sys_platform == 'win32'", "sys_platform == 'linux'"]
requires-python = '==3.12'
created-by = 'mousebender'

[[packages]]
name = 'attrs'
version = '25.1.0'
requires-python = '>=3.8'
wheels = [
  {name = 'attrs-25.1.0-py3-none-any.whl', upload-time = 2025-01-25T11:30:10.164985+00:00, url = 'https://files.example/fc/30/attrs-25.1.0-py3-none-any.whl', size = 63152, hashes = {sha256 = 'c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a'}},
]
[[packages.attestation-identities]]
environment = 'release-pypi'
kind = 'GitHub'
repository = 'python-attrs/attrs'
workflow = 'pypi-package.yml'

[[packages]]
name = 'cattrs'
version = '24.1.2'
requires-python = '>=3.8'
dependencies = [
    {name = 'attrs'},
]
wheels = [
  {name = 'cattrs-24.1.2-py3-none-any.whl', upload-time = 2024-09-22T14:58:34.812643+00:00, url = 'https://files.example/c8/d5/cattrs-24.1.2-py3-none-any.whl', size = 66446, hashes = {sha256 = '67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0'}},
]

[[packages]]
name = 'numpy'
version = '2.2.3'
requires-python = '>=3.10'
wheels = [
  {name = 'numpy-2.2.3-cp312-cp312-win_amd64.whl', upload-time = 2025-02-13T16:51:21.821880+00:00, url = 'https://files.example/42/6e/numpy-2.2.3-cp312-cp312-win_amd64.whl', size = 12626357, hashes = {sha256 = '83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d'}},
  {name = 'numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', upload-time = 2025-02-13T16:50:00.079662+00:00, url = 'https://files.example/39/04/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', size = 16116679, hashes = {sha256 = '3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe'}},
]

[tool.mousebender]
command = ['.', 'lock', '--platform', 'cpython3.12-windows-x64', '--platform', 'cpython3.12-manylinux2014-x64', 'cattrs', 'numpy']
run-on = 2025-03-06T12:28:57.760769
"""  # noqa: E501

# What `pip lock -r requirements.txt` writes: a single-use lock with sdists, a VCS and a local directory.
PIP_LOCK = """\
lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "markupsafe"
version = "3.0.2"

[packages.sdist]
name = "markupsafe-3.0.2.tar.gz"
url = "https://files.example/b2/97/markupsafe-3.0.2.tar.gz"

[packages.sdist.hashes]
sha256 = "ee55d3edf80167e48ea11a923c7386f4669df67d7994554387f84e7d8b0a2bf0"

[[packages]]
name = "requests"

[packages.vcs]
type = "git"
url = "https://git.example/psf/requests"
requested-revision = "main"
commit-id = "0e322af87745eff34caffe4df68456ebc20d9068"
subdirectory = "src"

[[packages]]
name = "mylib"

[packages.directory]
path = "../libs/mylib"
editable = true

[[packages]]
name = "tzdata"
version = "2024.2"
marker = "sys_platform == 'win32'"

[packages.archive]
url = "https://files.example/tzdata-2024.2-py2.py3-none-any.whl"

[packages.archive.hashes]
sha256 = "a48093786cdcde33cad18c2555e8532f34422074448fbc874186f0abd79565cd"
"""


def test_the_specification_example_gives_locked_versions_with_their_lines_and_hashes() -> None:
    d = run({"requirements.txt": "cattrs\n", "pylock.toml": SPEC_EXAMPLE})
    p = {x.name: x for x in d.packages}
    assert (p["cattrs"].direct, p["cattrs"].locked, str(p["cattrs"].origin), str(p["cattrs"].locked_origin)) == (
        True,
        "24.1.2",
        "svc/requirements.txt:1",
        "svc/pylock.toml:20",
    )
    assert (p["attrs"].direct, p["attrs"].locked, str(p["attrs"].origin)) == (False, "25.1.0", "svc/pylock.toml:7")
    assert str(p["numpy"].origin) == "svc/pylock.toml:31"
    assert p["numpy"].hashes == (
        "sha256:83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d",
        "sha256:3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe",
    )
    assert d.findings == ()
    assert "svc/pylock.toml" in d.files


def test_requires_python_is_a_runtime_source_with_its_line_and_precedence() -> None:
    d = run({"pylock.toml": SPEC_EXAMPLE, "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.11"\n'})
    rts = {r.source: r for r in d.runtimes}
    r = rts["pylock-requires-python"]
    assert (r.spec, str(r.origin), r.precedence) == (
        "==3.12",
        "svc/pylock.toml:3",
        PRECEDENCE["pylock-requires-python"],
    )
    assert PRECEDENCE["uv-lock-requires-python"] < r.precedence < PRECEDENCE["poetry-lock-python-versions"]
    assert [x.source for x in d.runtimes] == ["requires-python", "pylock-requires-python"]


def test_wheel_names_come_from_name_or_the_url() -> None:
    import tomllib

    data = tomllib.loads(SPEC_EXAMPLE)
    assert wheel_names(data["packages"][2]) == (
        "numpy-2.2.3-cp312-cp312-win_amd64.whl",
        "numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    )
    assert wheel_names({"wheels": [{"url": "https://h/x/six-1.16.0-py2.py3-none-any.whl?x=1"}]}) == (
        "six-1.16.0-py2.py3-none-any.whl",
    )


def test_vcs_directory_archive_and_sdist_sources() -> None:
    d = run({"requirements.txt": "requests\n", "pylock.toml": PIP_LOCK})
    p = {x.name: x for x in d.packages}
    assert p["markupsafe"].hashes == ("sha256:ee55d3edf80167e48ea11a923c7386f4669df67d7994554387f84e7d8b0a2bf0",)
    assert p["markupsafe"].url is None and p["markupsafe"].locked == "3.0.2"
    # a direct requirement keeps its own (absent) url; the lock entry is the one that carries the source
    assert p["requests"].locked is None
    d2 = run({"pylock.toml": PIP_LOCK})
    q = {x.name: x for x in d2.packages}
    assert q["requests"].url == (
        "git+https://git.example/psf/requests@0e322af87745eff34caffe4df68456ebc20d9068#subdirectory=src"
    )
    assert (q["mylib"].url, q["mylib"].editable, q["mylib"].locked) == ("../libs/mylib", True, None)
    assert q["tzdata"].marker == 'sys_platform == "win32"'
    assert q["tzdata"].url == "https://files.example/tzdata-2024.2-py2.py3-none-any.whl"
    assert str(q["tzdata"].origin) == "svc/pylock.toml:33"
    assert d2.findings == ()


def test_group_and_extra_markers_give_the_scope() -> None:
    text = """\
lock-version = "1.0"
created-by = "x"
default-groups = ["default"]
dependency-groups = ["dev", "docs"]
extras = ["s3"]

[[packages]]
name = "flask"
version = "3.0.0"
marker = "'default' in dependency_groups"

[[packages]]
name = "pytest"
version = "8.0.0"
marker = "'dev' in dependency_groups"

[[packages]]
name = "boto3"
version = "1.35.0"
marker = "'s3' in extras"

[[packages]]
name = "click"
version = "8.1.7"

[[packages]]
name = "uvloop"
version = "0.21.0"
marker = "('default' in dependency_groups or 'dev' in dependency_groups) and sys_platform != 'win32'"

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "'dev' in dependency_groups or sys_platform == 'win32'"
"""
    d = run({"pylock.toml": text})
    got = {p.name: (p.scope, p.group) for p in d.packages}
    assert got == {
        "flask": (Scope.MAIN, None),
        "pytest": (Scope.DEV, "dev"),
        "boto3": (Scope.OPTIONAL, "s3"),
        "click": (Scope.MAIN, None),
        "uvloop": (Scope.MAIN, None),
        "colorama": (Scope.MAIN, None),
    }
    # the default install decides the group and extra tests; what an image's pip sees tests the environment
    assert {p.name: p.marker for p in d.packages} == {
        "flask": None,
        "pytest": '"dev" in dependency_groups',
        "boto3": '"s3" in extras',
        "click": None,
        "uvloop": 'sys_platform != "win32"',
        "colorama": 'sys_platform == "win32"',
    }


def test_one_lock_listing_a_package_twice_by_marker_is_no_disagreement() -> None:
    text = """\
lock-version = "1.0"
created-by = "x"

[[packages]]
name = "numpy"
version = "2.0.2"
marker = "python_version < '3.10'"

[[packages]]
name = "numpy"
version = "2.2.3"
marker = "python_version >= '3.10'"
"""
    d = run({"requirements.txt": "numpy\n", "pylock.toml": text})
    (numpy,) = d.packages
    assert (numpy.locked, str(numpy.locked_origin)) == ("2.0.2", "svc/pylock.toml:5")
    assert d.findings == ()


# ------------------------------------------------------------------------------------------- which file


def test_the_unnamed_lock_comes_first_and_the_others_are_named() -> None:
    assert choose_pylock(["pylock.api.toml", "pylock.toml", "pyproject.toml"], "api") == (
        "pylock.toml",
        ["pylock.api.toml"],
    )
    assert choose_pylock(["pylock.web.toml", "pylock.api.toml"], "api") == ("pylock.api.toml", ["pylock.web.toml"])
    assert choose_pylock(["pylock.web.toml", "pylock.cli.toml"], "api") == ("pylock.cli.toml", ["pylock.web.toml"])
    assert choose_pylock(["pylock.a.b.toml", "pylock.toml.bak", "Pylock.toml"], "api") == (None, [])
    assert (pylock_name("pylock.toml"), pylock_name("pylock.spam.toml"), pylock_name("pylock..toml")) == (
        "",
        "spam",
        None,
    )


def test_a_service_reads_one_lock_and_says_which_it_left() -> None:
    one = 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "attrs"\nversion = "23.1.0"\n'
    two = 'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "attrs"\nversion = "25.1.0"\n'
    d = run({"pylock.toml": one, "pylock.other.toml": two, "requirements.txt": "attrs\n"})
    assert [p.locked for p in d.packages] == ["23.1.0"]
    (f,) = d.findings
    assert (f.code, f.severity, str(f.origin)) == ("pylock-not-read", Severity.INFO, "svc/pylock.other.toml")
    assert "pylock.toml" in f.message
    d = run({"pylock.web.toml": one, "pylock.svc.toml": two, "requirements.txt": "attrs\n"})
    assert [p.locked for p in d.packages] == ["25.1.0"]  # the lock named after the service directory


def test_a_workspace_member_reads_the_root_pylock_unless_it_has_its_own() -> None:
    root_lock = (
        'lock-version = "1.0"\ncreated-by = "uv"\nrequires-python = ">=3.12"\n\n'
        '[[packages]]\nname = "httpx"\nversion = "0.27.0"\n'
    )
    files = {
        "pyproject.toml": '[project]\nname = "root"\n[tool.uv.workspace]\nmembers = ["services/*"]\n',
        "pylock.toml": root_lock,
        "services/api/pyproject.toml": '[project]\nname = "api"\ndependencies = ["httpx>=0.27"]\n',
    }
    ctx = DetectContext(view=MemoryRepoView(files), directory="services/api", files=frozenset({"pyproject.toml"}))
    d = PythonDetector().detect(ctx)
    (httpx,) = d.packages
    assert (httpx.locked, str(httpx.locked_origin)) == ("0.27.0", "pylock.toml:6")
    assert ("pylock-requires-python", "pylock.toml:3") in {(r.source, str(r.origin)) for r in d.runtimes}
    own = root_lock.replace("0.27.0", "0.28.1")
    files["services/api/pylock.toml"] = own
    names = frozenset({"pyproject.toml", "pylock.toml"})
    d = PythonDetector().detect(DetectContext(view=MemoryRepoView(files), directory="services/api", files=names))
    assert [p.locked for p in d.packages] == ["0.28.1"]


# ------------------------------------------------------------------------------------------- bad input


def codes(d: Detection) -> list[tuple[str, str]]:
    return [(f.code, str(f.origin)) for f in d.findings]


def test_an_unknown_major_version_is_refused_at_its_line() -> None:
    d = run(
        {
            "pylock.toml": '# written by a future tool\nlock-version = "2.0"\ncreated-by = "x"\n'
            '[[packages]]\nname = "attrs"\nversion = "1"\n',
            "requirements.txt": "",
        }
    )
    assert codes(d) == [("pylock-unsupported-version", "svc/pylock.toml:2")]
    assert d.packages == () and d.runtimes == ()
    assert d.findings[0].severity is Severity.ERROR and d.findings[0].hint


def test_lock_version_forms() -> None:
    body = 'created-by = "x"\n[[packages]]\nname = "attrs"\nversion = "1.0"\n'
    d = run({"pylock.toml": 'lock-version = "1.3"\n' + body})
    assert codes(d) == [("pylock-newer-minor", "svc/pylock.toml:1")] and len(d.packages) == 1
    d = run({"pylock.toml": "lock-version = 1.0\n" + body})
    assert codes(d) == [("pylock-bad-lock-version", "svc/pylock.toml:1")] and d.packages == ()
    d = run({"pylock.toml": body})
    assert codes(d) == [("pylock-no-lock-version", "svc/pylock.toml:1")] and len(d.packages) == 1


def test_malformed_toml_is_a_finding_with_the_line() -> None:
    d = run({"pylock.toml": 'lock-version = "1.0"\n[[packages]\nname = "x"\n', "requirements.txt": "flask\n"})
    assert [p.name for p in d.packages] == ["flask"]
    assert codes(d) == [("toml-syntax", "svc/pylock.toml:2:11")]


def test_wrong_shapes_are_findings_at_the_entry_and_the_rest_is_read() -> None:
    text = """\
lock-version = "1.0"
created-by = "x"
requires-python = 3.12
environments = "linux"

[[packages]]
version = "1.0"

[[packages]]
name = "good"
version = "1.0"

[[packages]]
name = "badmarker"
version = "1.0"
marker = "python_version >>> '3'"

[[packages]]
name = "both"
version = "1.0"
vcs = { type = "git", url = "https://git.example/both", commit-id = "abc" }
wheels = [{ name = "both-1.0-py3-none-any.whl", hashes = { sha256 = "00" } }]

[[packages]]
name = "wrongwheel"
version = "2.0"
wheels = [
  { name = "other-2.0-py3-none-any.whl", hashes = { sha256 = "00" } },
  { name = "not-a-wheel.zip", hashes = { sha256 = "00" } },
]

[[packages]]
name = "novcs"
vcs = { type = "cvs", url = "x", commit-id = "1" }

[[packages]]
name = "noarchivehash"
archive = { url = "https://files.example/a.tar.gz" }

[[packages]]
name = "dangling"
version = "1.0"
dependencies = [{ name = "ghost" }]
"""
    d = run({"pylock.toml": text})
    assert {p.name for p in d.packages} == {
        "good",
        "badmarker",
        "both",
        "wrongwheel",
        "novcs",
        "noarchivehash",
        "dangling",
    }
    got = codes(d)
    assert ("pylock-bad-value", "svc/pylock.toml:3") in got  # requires-python not a string
    assert ("pylock-bad-value", "svc/pylock.toml:4") in got  # environments not an array
    assert ("pylock-bad-value", "svc/pylock.toml:6") in got  # an entry with no name
    assert ("pylock-bad-value", "svc/pylock.toml:16") in got  # the marker
    assert ("pylock-conflicting-sources", "svc/pylock.toml:22") in got
    assert ("pylock-bad-value", "svc/pylock.toml:28") in got  # wheel of another project
    assert ("pylock-bad-value", "svc/pylock.toml:29") in got  # not a wheel name
    assert ("pylock-bad-value", "svc/pylock.toml:34") in got  # vcs type
    assert ("pylock-bad-value", "svc/pylock.toml:38") in got  # archive without hashes
    assert ("pylock-dangling-dependency", "svc/pylock.toml:43") in got
    assert all(f.hint for f in d.findings)
    assert {p.name: p.marker for p in d.packages}["badmarker"] is None


def test_a_lock_for_windows_and_macos_only_warns() -> None:
    text = (
        'lock-version = "1.0"\ncreated-by = "x"\n'
        'environments = ["sys_platform == \'win32\'", "sys_platform == \'darwin\'"]\n[[packages]]\nname = "a"\n'
    )
    d = run({"pylock.toml": text})
    assert codes(d) == [("pylock-no-linux-environment", "svc/pylock.toml:3")]
    d = run({"pylock.toml": text.replace("'darwin'", "'linux' and platform_machine == 'aarch64'")})
    assert codes(d) == []


def test_no_packages_is_a_finding() -> None:
    d = run({"pylock.toml": 'lock-version = "1.0"\ncreated-by = "x"\n'})
    assert codes(d) == [("pylock-bad-value", "svc/pylock.toml:1")]


# ------------------------------------------------------------------------------------------- round trip

_names = st.text(string.ascii_lowercase, min_size=1, max_size=8)
_versions = st.lists(st.integers(0, 30), min_size=1, max_size=3).map(lambda xs: ".".join(map(str, xs)))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, _versions, min_size=1, max_size=8), st.booleans())
def test_written_locks_read_back(entries: dict[str, str], inline: bool) -> None:
    """Any lock written as lockers write it reads back to the same names, versions and entry lines."""
    lines = ['lock-version = "1.0"', 'created-by = "hypothesis"', ""]
    where: dict[str, int] = {}
    for name, version in entries.items():
        lines.append("[[packages]]")
        where[name] = len(lines) + 1
        lines += [f'name = "{name}"', f'version = "{version}"']
        if inline:
            lines.append(f'wheels = [{{ name = "{name}-{version}-py3-none-any.whl", hashes = {{ sha256 = "ab" }} }}]')
        else:
            lines += [
                "",
                "[packages.sdist]",
                f'name = "{name}-{version}.tar.gz"',
                "",
                "[packages.sdist.hashes]",
                'sha256 = "ab"',
            ]
        lines.append("")
    d = run({"pylock.toml": "\n".join(lines)})
    assert d.findings == ()
    assert {p.name: (p.locked, p.origin.line, p.hashes) for p in d.packages} == {
        n: (v, where[n], ("sha256:ab",)) for n, v in entries.items()
    }


# ------------------------------------------------------------------------------------------- any shape

_scalars = st.one_of(
    st.text(string.ascii_letters + string.digits + " .-_=<>'@:/", max_size=12),
    st.integers(-5, 5),
    st.booleans(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["name", "url", "path", "type", "commit-id", "hashes", "editable"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
_tables = st.dictionaries(
    st.sampled_from(["name", "url", "path", "type", "commit-id", "hashes", "editable", "subdirectory"]),
    st.one_of(_scalars, st.dictionaries(st.sampled_from(["sha256", "md5"]), _scalars, max_size=2)),
    max_size=5,
)
_entry = {
    "name": st.one_of(st.sampled_from(["attrs", "Attrs_X", "numpy"]), _values),
    "version": st.one_of(st.sampled_from(["1.0", "2.2.3"]), _values),
    "marker": st.one_of(st.sampled_from(["sys_platform == 'linux'", "'dev' in dependency_groups"]), _values),
    "requires-python": _values,
    "index": _values,
    "vcs": st.one_of(_tables, _values),
    "directory": st.one_of(_tables, _values),
    "archive": st.one_of(_tables, _values),
    "sdist": st.one_of(_tables, _values),
    "wheels": st.one_of(st.lists(_tables, max_size=3), _values),
    "dependencies": st.one_of(st.lists(_tables, max_size=2), _values),
}
_packages = st.fixed_dictionaries({}, optional=_entry)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.just("1.0"), st.just("1.0"), st.none(), _values),
    st.one_of(st.none(), st.just(["sys_platform == 'linux'"]), _values),
    st.lists(_packages, max_size=4),
)
def test_any_shape_gives_findings_never_an_internal_error(
    version: object, envs: object, packages: list[dict[str, object]]
) -> None:
    lines = [] if version is None else [f"lock-version = {_toml(version)}"]
    if envs is not None:
        lines.append(f"environments = {_toml(envs)}")
    for pkg in packages:
        lines.append("[[packages]]")
        lines += [f'"{k}" = {_toml(v)}' for k, v in pkg.items()]
    d = run({"pylock.toml": "\n".join(lines) + "\n"})
    assert not [f for f in d.findings if f.code == "python-detector-internal"], d.findings
    assert all(f.origin is not None and f.origin.path == "svc/pylock.toml" for f in d.findings)


_atoms = st.sampled_from(
    [
        "'default' in dependency_groups",
        "'dev' in dependency_groups",
        "'dev' not in dependency_groups",
        "'s3' in extras",
        "'s3' not in extras",
        "sys_platform == 'linux'",
        "sys_platform == 'win32'",
        "python_version < '3.10'",
    ]
)
_markers = st.recursive(
    _atoms,
    lambda inner: st.tuples(inner, st.sampled_from([" and ", " or "]), inner, st.booleans()).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})" if t[3] else f"{t[0]}{t[1]}{t[2]}"
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(_markers)
def test_the_default_install_marker_agrees_with_packaging_in_lock_file_context(marker: str) -> None:
    """What is left of a marker after the default install's groups and extras are decided holds exactly
    where packaging's own lock-file evaluation (extras: none, dependency_groups: default-groups) holds."""
    from packaging.markers import Marker

    from matrixhell.detect.python.pylock import _default_install

    left = _default_install(marker, frozenset({"default"}))
    for platform in ("linux", "win32"):
        for version in ("3.9", "3.12"):
            env = {
                "implementation_name": "cpython",
                "implementation_version": f"{version}.0",
                "os_name": "posix",
                "platform_machine": "x86_64",
                "platform_python_implementation": "CPython",
                "platform_release": "",
                "platform_system": "Linux",
                "platform_version": "",
                "python_full_version": f"{version}.0",
                "python_version": version,
                "sys_platform": platform,
            }
            full = dict(env, extras=frozenset(), dependency_groups=frozenset({"default"}))
            expected = Marker(marker).evaluate(full, "lock_file")  # type: ignore[arg-type]
            got = left if isinstance(left, bool) else Marker(left).evaluate(env)
            assert got == expected, (marker, left, platform, version)
            if isinstance(left, str):
                assert "extras" not in left and "dependency_groups" not in left
