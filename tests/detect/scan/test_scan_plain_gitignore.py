"""Plain .gitignore lines are matched without pathspec, with pathspec's answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from matrixhell.detect.repoview import FsRepoView, _deciding_line, _matcher, _pathspec_matcher, _plain_union

_SEG = st.sampled_from(["build", "a", "b", "x.log", "*.log", "*", "?", "a*", "*~", ".env", ".*", "doc?", "[ab]", "**"])
_LINE = st.builds(
    lambda lead, segs, trail, neg, pad: (
        ("!" if neg else "") + ("/" if lead else "") + "/".join(segs) + ("/" if trail else "") + pad
    ),
    st.booleans(),
    st.lists(_SEG, min_size=1, max_size=3),
    st.booleans(),
    st.integers(0, 12).map(lambda n: n == 0),
    st.sampled_from(["", "", " ", "\\ "]),
)
_LINES = st.lists(st.one_of(_LINE, st.sampled_from(["", "# note", "/", "*", "*/"])), min_size=1, max_size=5)
_NAME = st.sampled_from(["build", "a", "b", "x.log", "y.log", "z~", ".env", "doc1", "main.py", "c"])
_PATH = st.builds(
    lambda parts, is_dir: "/".join(parts) + ("/" if is_dir else ""),
    st.lists(_NAME, min_size=1, max_size=4),
    st.booleans(),
)


@settings(max_examples=3000, deadline=None)
@given(_LINES, st.lists(_PATH, min_size=1, max_size=6))
def test_a_plain_ignore_file_matches_as_pathspec_does(lines: list[str], paths: list[str]) -> None:
    plain = _plain_union(lines)
    reference = _pathspec_matcher(lines)
    for path in paths:
        if plain is not None:
            assert bool(plain(path)) == bool(reference(path)), (lines, path)
        assert bool(_matcher(lines)(path)) == bool(reference(path)), (lines, path)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["*.log", "/build/", "build", "a/b/", ".env", "doc?", "", "# x"]), min_size=1))
def test_the_deciding_line_is_pathspecs(lines: list[str]) -> None:
    import pathspec

    for path in ("build/", "a/b/", "x/build/", "doc1/", "q.log"):
        want = 0
        for number, line in enumerate(lines, 1):
            patterns = pathspec.GitIgnoreSpec.from_lines([line]).patterns
            if patterns and patterns[0].include is not None and patterns[0].match_file(path):
                want = number
        assert _deciding_line(lines, path) == want


def test_a_walk_with_a_plain_gitignore_does_not_import_pathspec(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n/build/\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.txt").write_text("x")
    (tmp_path / "app.log").write_text("x")
    (tmp_path / "keep.txt").write_text("x")
    code = (
        "import sys\n"
        "from matrixhell.detect.repoview import FsRepoView\n"
        "v = FsRepoView(sys.argv[1])\n"
        "print([f for _, _, files in v.walk() for f in files], v.pruned, 'pathspec' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "['.gitignore', 'keep.txt'] [('build', '.gitignore:2')] False"
    view = FsRepoView(tmp_path)
    assert [f for _, _, files in view.walk() for f in files] == [".gitignore", "keep.txt"]
