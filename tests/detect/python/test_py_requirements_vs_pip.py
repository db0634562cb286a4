"""Differential test: our requirements parser against pip's own on generated files.

pip's parser is internal API, but it is the reference: the lines it yields (requirement, hashes,
constraint or not, line number) must be the ones we yield.  Both read the same files from disk.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from matrixhell.detect.python.requirements import parse_requirements
from matrixhell.detect.repoview import FsRepoView

req_file = pytest.importorskip("pip._internal.req.req_file")
pip_session = pytest.importorskip("pip._internal.network.session")

names = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,8}[A-Za-z0-9]", fullmatch=True)
versions = st.lists(st.integers(0, 30), min_size=1, max_size=3).map(lambda p: ".".join(map(str, p)))
specs = st.lists(st.tuples(st.sampled_from(["==", ">=", "<", "!="]), versions), max_size=2).map(
    lambda xs: ",".join(o + v for o, v in xs)
)
markers = st.sampled_from(["", ' ; python_version < "3.11"', " ; sys_platform == 'linux'"])
hashes = st.lists(st.from_regex(r"[0-9a-f]{8}", fullmatch=True), max_size=2).map(
    lambda hs: "".join(f" --hash=sha256:{h}" for h in hs)
)
comments = st.sampled_from(["", "  # note", "\t# tab comment"])
options = st.sampled_from(
    [
        "--index-url https://pkgs.example/simple",
        "--extra-index-url=https://mirror.example/simple",
        "--pre",
        "--prefer-binary",
        "--trusted-host mirror.example",
        "-f ./wheels",
    ]
)


@st.composite
def requirement_line(draw: st.DrawFn) -> str:
    line = draw(names) + draw(specs) + draw(markers) + draw(hashes) + draw(comments)
    if draw(st.booleans()) and " " in line:  # split at a space with a continuation
        cut = line.index(" ")
        line = line[:cut] + " \\\n   " + line[cut:]
    return line


ENV = {"MHTEST_SPEC": ">=1.0", "MHTEST_HOST": "pkgs.example"}
env_lines = st.sampled_from(
    [
        "envpkg${MHTEST_SPEC}",
        "--index-url https://${MHTEST_HOST}/simple",
    ]
)

file_lines = st.lists(
    st.one_of(
        requirement_line(),
        options,
        env_lines,
        st.sampled_from(["", "# comment", "   "]),
    ),
    max_size=8,
)


def _ours(root: str) -> list[tuple[object, ...]]:
    r = parse_requirements(FsRepoView(root), "requirements.txt", env=ENV)
    out = []
    for req, constraint in [(x, False) for x in r.requirements] + [(x, True) for x in r.constraints]:
        out.append(
            (
                req.origin.path,
                req.origin.line,
                req.name,
                req.specifier,
                req.marker,
                tuple(sorted(req.hashes)),
                constraint,
            )
        )
    assert not [f for f in r.findings if f.severity.value == "error"], r.findings
    return sorted(out, key=repr)


def _pips(root: str) -> list[tuple[object, ...]]:
    out = []
    path = os.path.join(root, "requirements.txt")
    for p in req_file.parse_requirements(path, session=pip_session.PipSession()):
        where, _, line = p.comes_from.rpartition(" (line ")
        file = os.path.relpath(where.split(" ", 1)[1], root)
        req = Requirement(p.requirement)
        hashes = tuple(sorted(f"{alg}:{h}" for alg, hs in (p.options or {}).get("hashes", {}).items() for h in hs))
        out.append(
            (
                file,
                int(line.rstrip(")")),
                canonicalize_name(req.name),
                str(req.specifier),
                str(req.marker) if req.marker else None,
                hashes,
                p.constraint,
            )
        )
    return sorted(out, key=repr)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_lines, file_lines, file_lines, st.booleans(), st.booleans())
def test_same_lines_as_pip(main: list[str], inc: list[str], cons: list[str], with_r: bool, with_c: bool) -> None:
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)  # pip reads ${VAR} from the process environment
    try:
        _compare(main, inc, cons, with_r, with_c)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _compare(main: list[str], inc: list[str], cons: list[str], with_r: bool, with_c: bool) -> None:
    with tempfile.TemporaryDirectory() as root:
        body = list(main)
        if with_r:
            body.insert(len(body) // 2, "-r sub/included.txt")
        if with_c:
            body.append("--constraint constraints.txt")
        os.makedirs(os.path.join(root, "sub"))
        for name, lines in (("requirements.txt", body), ("sub/included.txt", inc), ("constraints.txt", cons)):
            with open(os.path.join(root, name), "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
        assert _ours(root) == _pips(root)
