"""Property tests for the requirements parser: it never raises, and its transformations are lossless."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import PythonDetector
from matrixhell.detect.python.requirements import join_lines, parse_requirements
from matrixhell.detect.repoview import MemoryRepoView

PATH = "svc/requirements.txt"

names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?", fullmatch=True)
versions = st.lists(st.integers(0, 40), min_size=2, max_size=3).map(lambda p: ".".join(map(str, p)))
ops = st.sampled_from(["==", ">=", "<=", "!=", "~=", ">", "<"])
specifiers = st.lists(st.tuples(ops, versions), max_size=3).map(lambda xs: ",".join(o + v for o, v in xs))
extras = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), max_size=3, unique=True)
markers = st.sampled_from(
    [
        None,
        'python_version < "3.10"',
        'sys_platform == "linux"',
        'platform_machine != "aarch64" and python_version >= "3.8"',
        'extra == "web" or os_name == "nt"',
    ]
)


@st.composite
def requirement_lines(draw: st.DrawFn) -> tuple[str, str, str, tuple[str, ...], str | None]:
    name, spec, ex, marker = draw(names), draw(specifiers), draw(extras), draw(markers)
    line = name + (f"[{','.join(ex)}]" if ex else "") + spec + (f" ; {marker}" if marker else "")
    return line, name, spec, tuple(ex), marker


def parse(text: str | bytes, env: dict[str, str] | None = None):
    return parse_requirements(MemoryRepoView({PATH: text}), PATH, env=env)


def summary(result):
    return [(r.name, r.specifier, r.extras, r.marker, r.url, r.hashes) for r in result.requirements]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",))))  # lone surrogates cannot be stored as UTF-8
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse(text)
    for req in result.requirements:
        assert req.name == canonicalize_name(req.name)
        assert req.origin.path == PATH and req.origin.line is not None
        assert 1 <= req.origin.line <= len(text.splitlines())  # pip, too, splits with str.splitlines


@settings(max_examples=150, deadline=None)
@given(st.binary())
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    parse(data)


line_pieces = st.lists(
    st.sampled_from(
        [
            "-r a.txt",
            "-c b.txt",
            "-e .",
            "--hash=sha256:0",
            "#",
            " \\",
            "${X}",
            "@",
            ";",
            "git+https://h/r.git#egg=",
            "[x]",
            "==1",
            "-r",
            "--index-url",
            "'",
            '"',
            "\n",
            "pkg",
        ]
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(line_pieces, line_pieces, line_pieces)
def test_never_raises_with_includes_between_files(a: str, b: str, c: str) -> None:
    view = MemoryRepoView({PATH: a, "svc/a.txt": b, "svc/b.txt": c})
    parse_requirements(view, PATH, env={"X": "y"})


@settings(max_examples=200, deadline=None)
@given(requirement_lines())
def test_round_trip_of_valid_requirements(case) -> None:
    line, name, spec, ex, marker = case
    result = parse(line + "\n")
    assert result.findings == ()
    (req,) = result.requirements
    assert req.name == canonicalize_name(name)
    assert SpecifierSet(req.specifier) == SpecifierSet(spec)
    assert req.extras == tuple(sorted(ex))
    assert (req.marker is None) == (marker is None)


@settings(max_examples=200, deadline=None)
@given(requirement_lines(), st.lists(st.integers(1, 10_000), max_size=4))
def test_continuation_joining_is_lossless(case, cuts) -> None:
    line = case[0]
    positions = sorted({c % (len(line) + 1) for c in cuts})
    pieces, last = [], 0
    for p in positions:
        pieces.append(line[last:p])
        last = p
    pieces.append(line[last:])
    split = "\\\n".join(pieces)
    one, many = parse(line + "\n"), parse("# top\n" + split + "\n")
    assert summary(one) == summary(many)
    assert all(r.origin.line == 2 for r in many.requirements)


@settings(max_examples=200, deadline=None)
@given(
    requirement_lines(),
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
        )
    ),
)
def test_inline_comment_changes_nothing(case, comment: str) -> None:
    line = case[0]
    assert summary(parse(f"{line}  # {comment}\n")) == summary(parse(line + "\n"))


@settings(max_examples=100, deadline=None)
@given(names, versions)
def test_env_expansion_equals_literal(name: str, version: str) -> None:
    with_var = parse(f"{name}==${{PKG_VERSION}}\n", env={"PKG_VERSION": version})
    literal = parse(f"{name}=={version}\n")
    assert summary(with_var) == summary(literal)


@settings(max_examples=100, deadline=None)
@given(names, st.lists(st.sampled_from(["", "# note", "   ", "--pre"]), max_size=5), st.integers(0, 5))
def test_origin_line_points_at_the_requirement(name: str, filler: list[str], position: int) -> None:
    lines = list(filler)
    at = min(position, len(lines))
    lines.insert(at, name)
    (req,) = parse("\n".join(lines) + "\n").requirements
    assert req.origin.line == at + 1


@settings(deadline=None)  # no timing: CI machines are shared
@given(st.lists(st.tuples(st.integers(1, 100), st.text(alphabet="ab\\# ", max_size=6)), max_size=8))
def test_join_lines_never_invents_line_numbers(lines: list[tuple[int, str]]) -> None:
    numbered = [(i + 1, text) for i, (_, text) in enumerate(lines)]
    out = list(join_lines(numbered))
    got = [n for n, _ in out]
    assert got == sorted(got)
    assert set(got) <= {n for n, _ in numbered}
    assert len(out) <= len(numbered)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "requirements.txt",
                "requirements-dev.txt",
                "pyproject.toml",
                "Pipfile",
                "setup.py",
                "setup.cfg",
                "poetry.lock",
                "uv.lock",
                "Pipfile.lock",
                "runtime.txt",
                ".python-version",
                "manage.py",
            ]
        ),
        st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200), st.binary(max_size=200)),
        min_size=1,
    )
)
def test_detector_never_raises_and_reports_no_internal_errors(files) -> None:
    view = MemoryRepoView({f"svc/{k}": v for k, v in files.items()})
    d = PythonDetector().detect(DetectContext(view=view, directory="svc", files=frozenset(files)))
    assert not [f for f in d.findings if f.code == "python-detector-internal"], d.findings
    for f in d.findings:
        assert f.origin is not None and f.origin.path.startswith("svc/")
