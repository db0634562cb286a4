"""The scandir walk and the indexed in-memory listing give what the straightforward versions gave.

``_reference_walk`` is the walk FsRepoView had before it was made cheaper (a pathlib stat, an open() of
.gitignore per directory, every ignore spec asked about every path); the trees below are the tricky ones:
nested .gitignore files with negations and directory-only patterns, .matrixhellignore, symlinks inside,
out of the repository, dangling and looping, a .gitignore that is a directory, always-skipped names.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pathspec
import pytest

from matrixhell.detect.repoview import ALWAYS_SKIPPED, FsRepoView, MemoryRepoView, WalkProblem


def _reference_walk(view: FsRepoView) -> Iterator[tuple[str, list[str], list[str]]]:
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        hit = False
        for base, spec in specs:
            if base and not (rel == base or rel.startswith(base + "/")):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            if sub and spec.match_file(sub + "/" if is_dir else sub):
                hit = True
        return hit

    root = view.root
    top = root / ".matrixhellignore"
    if top.is_file():
        specs.append(("", pathspec.GitIgnoreSpec.from_lines(top.read_text(errors="replace").splitlines())))
    seen: dict[tuple[int, int], str] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        full = root / rel if rel else root
        try:
            st = full.stat()
        except OSError:
            continue
        first = seen.get((st.st_dev, st.st_ino))
        if first is not None:
            if first == "" or rel.startswith(first + "/"):
                message = f"symlink loop: leads back to {first or '.'}, which contains it"
                view.problems.append(WalkProblem("symlink-loop", rel, message))
            else:
                view.problems.append(
                    WalkProblem("symlink-alias", rel, f"the same directory as {first}, walked once there")
                )
            continue
        seen[(st.st_dev, st.st_ino)] = rel
        with contextlib.suppress(OSError), open(full / ".gitignore", errors="replace") as fh:
            specs.append((rel, pathspec.GitIgnoreSpec.from_lines(fh.read().splitlines())))
        dirs: list[str] = []
        files: list[str] = []
        for entry in sorted(os.scandir(full), key=lambda e: e.name):
            child = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir()
            except OSError as e:
                if e.errno == 40:
                    view.problems.append(WalkProblem("symlink-loop", child, "symlink loop"))
                continue
            if is_link:
                try:
                    target = Path(entry.path).resolve(strict=True)
                except FileNotFoundError:
                    message = "dangling symlink: its target does not exist"
                    view.problems.append(WalkProblem("symlink-dangling", child, message))
                    continue
                except (OSError, RuntimeError):
                    message = "symlink loop: the links point at each other"
                    view.problems.append(WalkProblem("symlink-loop", child, message))
                    continue
                if target != root and root not in target.parents:
                    view.problems.append(WalkProblem("symlink-escape", child, "symlink points out of the repository"))
                    continue
            if is_dir:
                if entry.name not in ALWAYS_SKIPPED and not ignored(child, True):
                    dirs.append(entry.name)
            elif not ignored(child, False):
                files.append(entry.name)
        yield rel, dirs, files
        stack.extend(f"{rel}/{d}" if rel else d for d in reversed(dirs))


def _tricky(root: Path) -> None:
    files = {
        ".gitignore": "*.log\n/build/\n!keep.log\ncache/\n",
        ".matrixhellignore": "legacy/\n*.bak\n",
        "a.log": "",
        "keep.log": "",
        "x.bak": "",
        "build/out.txt": "",
        "sub/build/kept.txt": "",
        "legacy/requirements.txt": "flask\n",
        "svc/.gitignore": "*.tmp\n!important.tmp\ndata/\n/local-only\n",
        "svc/important.tmp": "",
        "svc/junk.tmp": "",
        "svc/data/x.csv": "",
        "svc/local-only": "",
        "svc/deep/local-only": "",
        "svc/deep/cache/c.txt": "",
        "svc/requirements.txt": "flask\n",
        "svc/node_modules/left/package.json": "{}",
        "svc/.venv/lib/x.py": "",
        "web/package.json": "{}",
        "web/.gitignore/odd.txt": "",  # a .gitignore that is a directory
        "web/deep/er/still.txt": "",
        ".hidden/inside.txt": "",
        "other/.gitignore": "\n# only comments\n",
        "other/x.log": "",
        "other/y.txt": "",
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("s")
    os.symlink(outside, root / "escape-dir")
    os.symlink(outside / "secret.txt", root / "svc" / "escape-file")
    os.symlink(root / "svc", root / "svc-link")  # a directory link inside the repository
    os.symlink(root / "web" / "package.json", root / "web" / "pkg-link.json")
    os.symlink(root / "nowhere", root / "dangling")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink(root, root / "web" / "back-to-root")


def _both(root: Path) -> tuple[tuple[object, ...], tuple[object, ...]]:
    new, old = FsRepoView(root), FsRepoView(root)
    got = [(d, list(ds), list(fs)) for d, ds, fs in new.walk()]
    want = [(d, list(ds), list(fs)) for d, ds, fs in _reference_walk(old)]
    return (got, new.problems), (want, old.problems)


def test_walk_equals_the_reference_on_a_tricky_tree(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _tricky(root)
    got, want = _both(root)
    assert got == want
    listed = {d: fs for d, _, fs in got[0]}
    assert "important.tmp" in listed["svc"] and "junk.tmp" not in listed["svc"]
    assert "keep.log" in listed[""] and "a.log" not in listed[""] and "x.bak" not in listed[""]
    assert "legacy" not in listed and "svc/data" not in listed and "build" not in listed
    assert "sub/build" in listed  # /build/ is anchored to the root's .gitignore
    assert "local-only" not in listed["svc"] and "local-only" in listed["svc/deep"]
    assert {p.code for p in got[1]} == {"symlink-escape", "symlink-loop", "symlink-dangling", "symlink-alias"}
    by_path = {p.path: p for p in got[1]}
    assert by_path["svc-link"].code == "symlink-alias" and "svc" in by_path["svc-link"].message
    assert by_path["web/back-to-root"].code == "symlink-loop"
    assert by_path["dangling"].code == "symlink-dangling"
    assert by_path["loop-a"].code == "symlink-loop"


def test_walk_safe_dirs_exclude_symlinked_directories(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _tricky(root)
    view = FsRepoView(root)
    walked = [d for d, _, _ in view.walk()]
    assert "svc-link" in walked or any(p.code == "symlink-alias" and p.path == "svc-link" for p in view.problems)
    assert "svc" in view._safe_dirs and "svc-link" not in view._safe_dirs
    assert view.read_text("svc/requirements.txt") == "flask\n"


def test_walk_pruning_in_place_and_added_dirs(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _tricky(root)
    seen = []
    for d, dirs, _ in FsRepoView(root).walk():
        seen.append(d)
        if d == "":
            dirs[:] = [x for x in dirs if x != "svc"]
    assert "svc" not in seen and not any(s.startswith("svc/") for s in seen) and "web" in seen


@pytest.mark.parametrize("seed", range(6))
def test_walk_equals_the_reference_on_random_trees(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    names = ["a", "b", "build", "node_modules", "keep", "x.log", "y.txt", ".env", "data", "deep"]
    for _ in range(60):
        depth = rng.randint(1, 4)
        rel = "/".join(rng.choice(names) for _ in range(depth))
        p = root / rel
        with contextlib.suppress(OSError):
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.is_dir():
                p.write_text("x")
    patterns = ["*.log", "!keep", "build/", "/a/b", "data", "**/deep/*.txt", "!x.log", "y.*"]
    for d in [root, *[p for p in root.rglob("*") if p.is_dir()]][:8]:
        with contextlib.suppress(OSError):
            (d / ".gitignore").write_text("\n".join(rng.sample(patterns, 3)) + "\n")
    got, want = _both(root)
    assert got == want


def _old_listdir(view: MemoryRepoView, path: str) -> list[str]:
    prefix = path + "/" if path else ""
    names = {k[len(prefix) :].split("/")[0] for k in (*view._files, *view._dirs) if k.startswith(prefix) and k != path}
    return sorted(n for n in names if n)


@pytest.mark.parametrize("seed", range(4))
def test_memory_listdir_equals_the_scanning_version(seed: int) -> None:
    rng = random.Random(seed)
    files = {
        "/".join(rng.choice(["a", "b", "c", "d.txt", ".gitignore"]) for _ in range(rng.randint(1, 4))): "x"
        for _ in range(80)
    }
    view = MemoryRepoView(files)
    for d in [*sorted(view._dirs), "nope", "a/zz"]:
        assert view.listdir(d) == _old_listdir(view, d), d
    for f in files:
        assert view.listdir(f) == _old_listdir(view, f)


def test_memory_walk_is_linear_in_the_number_of_files() -> None:
    files = {f"services/s{i:04d}/src/m{k}.py": "x" for i in range(800) for k in range(10)}
    view = MemoryRepoView(files)
    calls = 0
    real = view.listdir

    def counting(path: str) -> list[str]:
        nonlocal calls
        calls += 1
        return real(path)

    view.listdir = counting  # type: ignore[method-assign]
    walked = list(view.walk())
    assert len(walked) == 1 + 1 + 800 * 2 and calls == len(walked)
    assert len(view._children["services"]) == 800


def test_listdir_of_walked_directories_answers_as_the_filesystem_does(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _tricky(root)
    fresh = FsRepoView(root)
    expected = {d: fresh.listdir(d) for d in ["", "svc", "web", "svc/node_modules", "legacy", "svc-link"]}
    walked = FsRepoView(root)
    list(walked.walk())
    assert "svc" in walked._listings and "svc/node_modules" not in walked._listings
    for d, names in expected.items():
        assert walked.listdir(d) == names == sorted(os.listdir(root / d)), d
    assert walked.listdir("../outside") == [] and walked.listdir("escape-dir") == []


def test_the_walk_record_covers_directories_ignore_files_and_links(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _tricky(root)
    view = FsRepoView(root)
    walked = [d for d, _, _ in view.walk()]
    record = view.walk_record
    assert sorted(record.dirs) == sorted(walked)
    assert {".gitignore", ".matrixhellignore", "svc/.gitignore", "web/.gitignore"} <= set(record.ignore_files)
    assert isinstance(record.ignore_files["web/.gitignore"], tuple)  # a directory named .gitignore, stat'ed
    assert record.links["escape-dir"] == "escape" and record.links["dangling"] == "dangling"
    # svc-link reaches svc, already listed: an alias, not a second listing
    assert record.links["svc-link"] == "in" and "svc-link" not in record.dirs
    assert any(p.code == "symlink-alias" and p.path == "svc-link" for p in view.problems)
    assert record.dirs["svc"][5] is False


def test_the_python_markers_pattern_matches_as_fnmatch_does() -> None:
    import fnmatch

    from matrixhell.detect.python.detector import PythonDetector, _is_requirements, _markers_match

    rng = random.Random(3)
    pieces = ["requirements", "dev-", ".txt", ".in", "pyproject", ".toml", "Pipfile", ".lock", "setup", ".py"]
    names = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(400)]
    names += ["requirements.txt", "requirements-dev.in", "test-requirements.txt", "Requirements.txt", "uv.lock"]
    match = _markers_match(PythonDetector.markers)
    for name in names:
        assert (match(name) is not None) == any(fnmatch.fnmatchcase(name, m) for m in PythonDetector.markers), name
        want = any(
            fnmatch.fnmatchcase(name, g)
            for g in ("requirements*.txt", "*requirements*.txt", "requirements*.in", "*requirements*.in")
        )
        assert _is_requirements(name) == want, name


def test_directories_the_walk_leaves_out_are_one_skip_per_kind(tmp_path: Path) -> None:
    from matrixhell.detect.scan import scan_repo

    files = {
        ".gitignore": "# output\n*.log\n/build/\n",
        "build/old/package.json": "{}",
        "web/package.json": '{"name": "web", "scripts": {"start": "node s.js"}}',
        "web/node_modules/x/package.json": "{}",
        "api/node_modules/y/package.json": "{}",
        "node_modules/z/package.json": "{}",
        "api/.venv/lib/site.py": "",
        "api/.matrixhell-keep": "",
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for view in (FsRepoView(tmp_path), MemoryRepoView(files)):
        skipped = {k.path: k.reason for k in scan_repo(view, cache=False).skipped}
        assert skipped["build"] == "ignored by .gitignore:3, not looked at"
        assert skipped["node_modules"].startswith("always skipped, not looked at (3 directories: ")
        assert skipped[".venv"] == "always skipped, not looked at (1 directory: api/.venv)"
        assert sum(1 for reason in skipped.values() if "node_modules" in reason) == 1
