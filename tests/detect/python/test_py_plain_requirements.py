"""Plain requirements are parsed without packaging.requirements, exactly as it parses them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from matrixhell.detect.python._common import _parse_plain, normalize


def _by_packaging(text: str) -> object:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return "invalid"
    return (
        str(canonicalize_name(req.name)),
        str(req.specifier),
        tuple(sorted(str(canonicalize_name(e)) for e in req.extras)),
        str(req.marker) if req.marker is not None else None,
        req.url,
    )


_WS = st.sampled_from(["", " ", "\t", "  "])
_NAME = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?", fullmatch=True)
_OP = st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=>", "~"])
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2}){0,3}(\.\*)?(a1|rc2|\.post1|\.dev0)?", fullmatch=True)


@st.composite
def _requirement(draw: st.DrawFn) -> str:
    parts = [draw(_WS), draw(_NAME), draw(_WS)]
    if draw(st.booleans()):
        sep = draw(_WS) + "," + draw(_WS)
        parts += ["[", draw(_WS), sep.join(draw(st.lists(_NAME, min_size=1, max_size=3))), draw(_WS), "]", draw(_WS)]
    clauses = draw(st.lists(st.tuples(_OP, _WS, _VERSION).map("".join), max_size=3))
    parts += [(draw(_WS) + "," + draw(_WS)).join(clauses), draw(_WS)]
    if draw(st.integers(0, 9)) == 0:
        parts.append(draw(st.sampled_from([" ; python_version < '3.12'", "@ https://x.example/a.whl", "]", ";"])))
    return "".join(parts)


@settings(max_examples=3000, deadline=None)
@given(_requirement())
def test_the_plain_parse_equals_packagings(text: str) -> None:
    plain = _parse_plain(text)
    if plain is not None:  # None hands the text to packaging.requirements
        assert plain == _by_packaging(text)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("flask", True),
        ("Flask_SQLAlchemy[Async, a_b,a-b] >= 2.0 , <4", True),
        ("x==1.0.*", True),
        ("x===1.0", True),
        ("x~=1", False),  # invalid: packaging says why
        ("x>=1.0a1", False),
        ("x (>=1)", False),
        ("x ; python_version < '3'", False),
        ("x @ https://x.example/x.whl", False),
    ],
)
def test_what_takes_the_plain_path(text: str, plain: bool) -> None:
    got = _parse_plain(text)
    assert (got is not None) == plain
    if got is not None:
        assert got == _by_packaging(text)


@given(st.from_regex(r"[A-Za-z0-9._\-]{1,20}", fullmatch=True))
def test_normalize_is_canonicalize_name(name: str) -> None:
    assert normalize(name) == str(canonicalize_name(name))


def test_a_scan_of_plain_python_manifests_does_not_import_packaging_requirements() -> None:
    code = (
        "import sys\n"
        "from matrixhell.detect.repoview import MemoryRepoView\n"
        "from matrixhell.detect.scan import scan_repo\n"
        "r = scan_repo(MemoryRepoView({'api/requirements.txt': 'flask>=3.0\\nredis[hiredis]==5.0\\n',\n"
        "    'w/pyproject.toml': '[project]\\nname = \"w\"\\ndependencies = [\"httpx>=0.27,<1\"]\\n'}))\n"
        "assert sorted(p.name for s in r.services for p in s.packages) == ['flask', 'httpx', 'redis']\n"
        "print(sorted(m for m in sys.modules if m.startswith('packaging.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "packaging.requirements" not in out and "packaging.markers" not in out
