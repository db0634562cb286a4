"""RepoView: the one read-only window onto a repository.

Paths are POSIX and relative to the repository root.  Reads are size-capped and decoded strictly, so a
binary file named like a manifest, a huge file or a non-UTF-8 file becomes an InputError that names the
file; detectors turn it into a finding and go on.  Walking honours .gitignore files (at every level),
.matrixhellignore at the root and the always-skipped directories, and never follows a symlink out of the
repository (or into a loop).  MemoryRepoView is the fake that tests and --dry-run use.
"""

from __future__ import annotations

import contextlib
import operator
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = [
    "ALWAYS_SKIPPED",
    "DEFAULT_SIZE_CAP",
    "FsRepoView",
    "MemoryRepoView",
    "RepoView",
    "WalkProblem",
    "WalkRecord",
    "file_signature",
    "link_verdict",
    "stat_signature_of",
]

#: how read_signed opens: never through a symlink (the slow path resolves those), never blocking on a FIFO
_FAST_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DEFAULT_SIZE_CAP = 4 * 1024 * 1024  # the largest lock files of big monorepos stay below this
ALWAYS_SKIPPED = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "vendor", "target", "dist",
     "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "bower_components"}
)


@dataclass(frozen=True, slots=True)
class WalkProblem:
    """Something the walk stepped around: a symlink out of the repo, a loop, an unreadable directory."""

    code: str
    path: str
    message: str


DirSignature = tuple[int, int, int, int, int, bool]
FileSignature = tuple[int, int, int, int, int] | str


def file_signature(full: str) -> FileSignature:
    """(size, mtime_ns, ctime_ns, mode, inode) of a file, following links; the errno when it cannot be
    stat'ed.  The ctime catches a rewrite that put the old mtime back (utime cannot set it)."""
    try:
        st = os.stat(full)
    except OSError as e:
        return f"errno-{e.errno}"
    return stat_signature_of(st)


def stat_signature_of(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, st.st_ino)


class WalkRecord:
    """What the last walk of an FsRepoView rested on, so a later walk can be shown unnecessary: a
    directory's listing changes only with its mtime and ctime (git's untracked cache leans on the same
    fact), the ignore rules only with the ignore files, a symlink's verdict only with its target.

    A plain slotted class, not a dataclass: it is built on every walk and read back from every cached
    scan, and the start-up of a cached scan is counted in milliseconds.
    """

    __slots__ = ("dirs", "ignore_files", "links")

    def __init__(self) -> None:
        #: directory -> (dev, inode, mode, mtime_ns, ctime_ns, listed as a symlink), stat taken before listing
        self.dirs: dict[str, DirSignature] = {}
        #: ignore files read (.matrixhellignore, every .gitignore), repo-relative -> file_signature() before
        self.ignore_files: dict[str, FileSignature] = {}
        #: symlink entries met -> link_verdict()
        self.links: dict[str, str] = {}

    def __getstate__(self) -> tuple[object, ...]:
        return (self.dirs, self.ignore_files, self.links)

    def __setstate__(self, state: tuple[dict[str, DirSignature], dict[str, FileSignature], dict[str, str]]) -> None:
        self.dirs, self.ignore_files, self.links = state


def link_verdict(path: str, root: Path) -> str:
    """What the walk makes of a symlink: ``dangling``, ``loop`` (links that resolve through each
    other), ``escape``, or ``in``."""
    try:
        target = Path(path).resolve(strict=True)
    except FileNotFoundError:
        return "dangling"
    except (OSError, RuntimeError):
        return "loop"
    if target != root and root not in target.parents:
        return "escape"
    return "in"


class RepoView(Protocol):
    def read_text(self, path: str) -> str: ...
    def read_bytes(self, path: str) -> bytes: ...
    def is_file(self, path: str) -> bool: ...
    def is_dir(self, path: str) -> bool: ...
    def listdir(self, path: str) -> list[str]: ...
    def walk(self) -> Iterator[tuple[str, list[str], list[str]]]: ...
    @property
    def problems(self) -> list[WalkProblem]: ...
    @property
    def files_read(self) -> int: ...


def _norm(path: str) -> str:
    # Fast path for the common, already-clean relative path (the scan reads thousands of them).
    if path and not path.startswith("/") and "//" not in path and not path.endswith("/") and all(
        part not in ("", ".", "..") for part in path.split("/")
    ):
        return path
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise InputError(f"path {path!r} leaves the repository", code="path-escape")
    s = str(p)
    return "" if s == "." else s


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(
            "is a binary file, not a text manifest",
            origin=Origin(path),
            code="binary-file",
            hint="remove it or add it to .matrixhellignore",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"is not valid UTF-8 (byte 0x{data[e.start]:02x})",
            origin=Origin(path, line),
            code="not-utf8",
            hint="save the file as UTF-8",
        ) from e
    return text[1:] if text.startswith("\ufeff") else text


#: path -> a true value when the path is ignored
_Matcher = Callable[[str], object]


#: a plain gitignore line: literal characters, ``*`` and ``?`` in its segments, an optional leading
#: and trailing slash; no negation, ``**``, bracket, escape or trailing blank
_PLAIN_LINE = re.compile(r"/?[^!#\\\[\]/\s*?][^\\\[\]\s]*|/?[*?][^\\\[\]\s]*")


def _plain_regex(line: str) -> str | bool | None:
    """The regex pathspec's GitIgnoreSpec compiles for a plain ``line`` (one that includes paths);
    None for a line that is a no-op (blank, comment); False for a line left to pathspec."""
    if line.endswith("\\ "):
        return False
    line = line.rstrip()
    if not line or line.startswith("#") or line == "/":
        return None
    if not _PLAIN_LINE.fullmatch(line) or "**" in line:
        return False
    segs = line.split("/")
    is_dir = not segs[-1]
    if not segs[0]:
        del segs[0]
    elif len(segs) == 1 or (len(segs) == 2 and not segs[1]):
        segs.insert(0, "**")
    if not segs or "" in segs[:-1]:
        return False
    if not segs[-1]:
        segs[-1] = "**"
    if (segs[-1] == "**" and len(segs) < 2) or segs[:2] == ["**", "*"]:
        return False  # pathspec's special cases ("*", "*/"...): left to it
    out: list[str] = []
    end = len(segs) - 1
    need_slash = False
    for i, seg in enumerate(segs):
        if seg == "**":
            out.append("^(?:.+/)?" if i == 0 else ("(?P<ps_d>/)" if is_dir else "/"))
            continue
        if i == 0:
            out.append("^")
        if need_slash:
            out.append("/")
        if seg == "*":
            out.append("[^/]+")
        else:
            out.append("".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in seg))
        if i == end:
            out.append("(?:(?P<ps_d>/)|$)")
        need_slash = True
    return "".join(out)


def _plain_union(lines: list[str]) -> _Matcher | None:
    """``match(path)`` for an ignore file of plain lines only, without pathspec: with no negation, a
    path is ignored exactly when one line's pattern matches it.  None when a line is not plain."""
    sources = []
    for line in lines:
        rx = _plain_regex(line)
        if rx is False:
            return None
        if isinstance(rx, str):
            sources.append(rx.replace("(?P<ps_d>", "(?:"))
    if not sources:
        return _never
    # the bound search itself: a match object is true, None false (one C call per path)
    return re.compile("|".join(f"(?:{src})" for src in sources)).search


def _matcher(lines: list[str]) -> _Matcher:
    # pathspec (with typing_extensions) costs a cold scan about as much as its walk's ignore checks:
    # an ignore file of plain lines (*.log, /build/, .env) is matched without it
    plain = _plain_union(lines)
    if plain is not None:
        return plain
    return _pathspec_matcher(lines)


def _pathspec_matcher(lines: list[str]) -> _Matcher:
    import pathspec

    # GitIgnoreSpec follows git's own rules (a later negation re-includes, dir-only patterns).
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    backend = getattr(getattr(spec, "_backend", None), "match_file", None)
    if backend is None:  # another pathspec release: the public (normalizing) entry point
        return spec.match_file
    # Only an including pattern can make a path ignored, and most paths match none: one search of
    # their union rules those out before the pattern-by-pattern pass that settles precedence.
    sources = [str(rx.pattern) for p in spec.patterns if p.include and (rx := getattr(p, "regex", None)) is not None]
    if not sources:
        return _never
    try:
        union = re.compile("|".join(f"(?:{src.replace('(?P<ps_d>', '(?:')})" for src in sources)).search
    except (re.error, AttributeError, TypeError):
        union = None

    # The walk's paths are already clean and relative, which is all normalize_file would ensure.
    def match(path: str) -> bool:
        if union is not None and union(path) is None:
            return False
        return bool(backend(path)[0])

    return match


def _never(path: str) -> bool:
    return False


class _Ignore:
    """Stacked gitignore specs: one per directory that has a .gitignore, plus .matrixhellignore."""

    def __init__(self) -> None:
        self._specs: list[tuple[str, _Matcher]] = []
        # id(matcher) -> the ignore file it was read from and its lines
        self.sources: dict[int, tuple[str, list[str]]] = {}

    def add(self, base: str, text: str, source: str = "") -> None:
        lines = text.splitlines()
        match = _matcher(lines)
        self._specs.append((base, match))
        self.sources[id(match)] = (source or (f"{base}/.gitignore" if base else ".gitignore"), lines)

    def source_of(self, specs: tuple[tuple[str, _Matcher], ...], rel: str, is_dir: bool) -> str:
        """``file:line`` of the ignore rule that leaves ``rel`` out (the first file that does, as
        ``_ignored`` asks; in it the last matching line, as git decides)."""
        for base, match in specs:
            sub = rel[len(base) + 1 :] if base else rel
            path = sub + "/" if is_dir else sub
            if match(path):
                source, lines = self.sources.get(id(match), (".gitignore", []))
                return f"{source}:{_deciding_line(lines, path)}" if lines else source
        return ".gitignore"

    def specs_for(self, directory: str) -> tuple[tuple[str, _Matcher], ...]:
        """The specs that can match below ``directory``: its own and its ancestors', in added order."""
        return tuple(
            (base, spec)
            for base, spec in self._specs
            if not base or directory == base or directory.startswith(base + "/")
        )

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for base, match in self._specs:
            if base and not (rel == base or rel.startswith(base + "/")):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            if sub and match(sub + "/" if is_dir else sub):
                return True
        return False


def _deciding_line(lines: list[str], path: str) -> int:
    """The number of the last line whose pattern matches ``path`` (only met for ignored directories)."""
    if _plain_union(lines) is not None:
        found = 0
        for number, line in enumerate(lines, 1):
            rx = _plain_regex(line)
            if isinstance(rx, str) and re.search(rx, path) is not None:
                found = number
        return found
    import pathspec

    found = 0
    for number, line in enumerate(lines, 1):
        patterns = pathspec.GitIgnoreSpec.from_lines([line]).patterns
        if patterns and patterns[0].include is not None and patterns[0].match_file(path):
            found = number
    return found


class FsRepoView:
    """The real filesystem, confined to ``root``."""

    def __init__(self, root: str | os.PathLike[str], *, size_cap: int = DEFAULT_SIZE_CAP) -> None:
        path = Path(root)
        if not path.is_dir():
            what = "not a directory" if path.exists() else "no such directory"
            raise InputError(f"{root}: {what}", code="not-a-directory", hint="give the path of a repository")
        self.root = path.resolve()
        self._root_str = str(self.root)
        self._root_prefix = self._root_str.rstrip("/") + "/"
        self._safe_dirs: set[str] = set()  # real (non-symlink) directories the walk entered
        self._pruned: list[tuple[str, str]] = []  # directories the walk did not enter: (path, ignore file or "")
        self.size_cap = size_cap
        self._problems: list[WalkProblem] = []
        self._record = WalkRecord()
        # every name the walk listed per directory (before ignore rules): detectors ask listdir of
        # directories the walk has just listed
        self._listings: dict[str, tuple[str, ...]] = {}
        self._files_read = 0

    @property
    def problems(self) -> list[WalkProblem]:
        return self._problems

    @property
    def files_read(self) -> int:
        return self._files_read

    @property
    def walk_record(self) -> WalkRecord:
        """What the last walk rested on (empty before the first walk)."""
        return self._record

    def adopt_walk(self, record: WalkRecord, safe_dirs: set[str], problems: list[WalkProblem]) -> None:
        """Take over a walk shown to be still valid: its record, its vouched-for directories and its
        problems, as if this view had walked."""
        self._record = record
        self._safe_dirs = set(safe_dirs)
        self._problems[:] = problems

    @property
    def pruned(self) -> list[tuple[str, str]]:
        """Directories the last walk did not enter, with the ignore file that left each out ("" for an
        always-skipped name such as node_modules)."""
        return self._pruned

    @property
    def safe_dirs(self) -> frozenset[str]:
        return frozenset(self._safe_dirs)

    def abs_path(self, path: str) -> str:
        """The absolute path of ``path``; InputError if a symlink takes it out of the repository."""
        return self._abs(path)

    def stat_signature(self, path: str) -> tuple[os.stat_result, str]:
        """The stat of ``path`` (following links, within the repository) and its absolute path, with a
        single lstat when the walk vouched for its directory and it is not a link itself."""
        rel = _norm(path)
        parent = rel.rpartition("/")[0]
        if rel and parent in self._safe_dirs:
            full = f"{self._root_str}/{rel}"
            st = os.lstat(full)
            if not stat.S_ISLNK(st.st_mode):
                return st, full
        full = self._abs(rel)
        return os.stat(full), full

    def _abs(self, path: str) -> str:
        """The absolute path of ``path`` after checking no symlink takes it out of the repository.

        Directories the walk entered are known to be real directories inside the root, so a path whose
        parent is one of them needs only an lstat of its last component; anything else is resolved.
        """
        rel = _norm(path)
        if not rel:
            return self._root_str
        full = f"{self._root_str}/{rel}"
        parent = rel.rpartition("/")[0]
        if parent in self._safe_dirs:
            try:
                if not stat.S_ISLNK(os.lstat(full).st_mode):
                    return full
            except OSError:
                return full  # missing: the caller reports it
        real = os.path.realpath(full)
        if real != self._root_str and not real.startswith(self._root_prefix):
            if os.path.islink(full) and not os.path.exists(real):
                raise InputError("is a dangling symlink", origin=Origin(rel), code="symlink-dangling")
            raise InputError(
                "is a symlink that points out of the repository",
                origin=Origin(rel),
                code="symlink-escape",
                hint="matrixhell reads only files inside the repository",
            )
        return real

    def read_signed(self, path: str) -> tuple[tuple[int, int, int, int, int], bytes] | None:
        """``(signature, bytes)`` of a regular file in a directory the walk vouched for, read with one
        open (no symlink followed), one fstat and one read; None when anything is out of the ordinary
        (a link, a missing or special file, an oversized one, an error): read_bytes then says what."""
        rel = _norm(path)
        if not rel or rel.rpartition("/")[0] not in self._safe_dirs:
            return None
        try:
            fd = os.open(f"{self._root_str}/{rel}", _FAST_OPEN)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            cap = self.size_cap
            if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
                return None
            # a regular file read short has ended; one read unless it grew since the fstat
            data = os.read(fd, min(st.st_size, cap) + 1)
            if len(data) > st.st_size:
                parts = [data]
                got = len(data)
                while got <= cap:
                    more = os.read(fd, cap + 1 - got)
                    if not more:
                        break
                    parts.append(more)
                    got += len(more)
                data = b"".join(parts)
        except OSError:
            return None
        finally:
            os.close(fd)
        self._files_read += 1
        return stat_signature_of(st), data

    def read_bytes(self, path: str) -> bytes:
        fast = self.read_signed(path)
        if fast is not None:
            return fast[1]
        rel = _norm(path)
        full = self._abs(rel)
        try:
            st = os.stat(full)
            if not stat.S_ISREG(st.st_mode):
                raise InputError("is not a regular file", origin=Origin(rel), code="not-a-file")
            if st.st_size > self.size_cap:
                raise InputError(
                    f"is {st.st_size} bytes, over the {self.size_cap}-byte cap",
                    origin=Origin(rel),
                    code="file-too-large",
                    hint="add it to .matrixhellignore if it is not a manifest",
                )
            with open(full, "rb") as fh:
                data = fh.read(self.size_cap + 1)
        except InputError:
            raise
        except OSError as e:
            if e.errno == 40:  # ELOOP
                raise InputError("is a symlink loop", origin=Origin(rel), code="symlink-loop") from e
            raise InputError(
                f"cannot be read: {e.strerror}", origin=Origin(rel), code="unreadable",
                hint="check its permissions",
            ) from e
        self._files_read += 1
        return data

    def read_text(self, path: str) -> str:
        return _decode(self.read_bytes(path), _norm(path))

    def is_file(self, path: str) -> bool:
        try:
            return os.path.isfile(self._abs(path))
        except InputError:
            return False

    def is_dir(self, path: str) -> bool:
        try:
            return os.path.isdir(self._abs(path))
        except InputError:
            return False

    def listdir(self, path: str) -> list[str]:
        try:
            walked = self._listings.get(_norm(path))
            if walked is not None:
                return list(walked)
            return sorted(os.listdir(self._abs(path)))
        except (InputError, OSError):
            return []

    def walk(self) -> Iterator[tuple[str, list[str], list[str]]]:
        """Top-down walk: yields (dir, subdirs, files) with ignored and skipped entries removed.

        Callers may prune ``subdirs`` in place, as with os.walk.  One scandir per directory (its type
        information answers is-dir without a stat), a .gitignore is opened only where the listing has
        one, and ignore rules are consulted only under the directories whose specs apply.
        """
        ignore = _Ignore()
        root = self._root_str
        record = self._record = WalkRecord()
        top = f"{root}/.matrixhellignore"
        if os.path.isfile(top):
            record.ignore_files[".matrixhellignore"] = file_signature(top)
            with contextlib.suppress(OSError), open(top, encoding="utf-8", errors="replace") as fh:
                ignore.add("", fh.read(), ".matrixhellignore")
        pruned = self._pruned = []
        seen_real: dict[tuple[int, int], str] = {}  # a directory's identity -> the path it was walked at
        problems = self._problems
        safe = self._safe_dirs
        dir_sigs = record.dirs
        listings = self._listings = {}
        skipped = ALWAYS_SKIPPED
        # a pending directory carries the specs that apply inside it (its parents') and whether its
        # parent's listing showed it as a symlink (None: not known, ask)
        stack: list[tuple[str, tuple[tuple[str, _Matcher], ...], bool | None]] = [("", ignore.specs_for(""), None)]
        while stack:
            rel, specs, listed_as_link = stack.pop()
            full = f"{root}/{rel}" if rel else root
            try:
                st = os.stat(full)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            first = seen_real.get(key)
            if first is not None:
                problems.append(_reached_again(rel, first))
                continue
            seen_real[key] = rel
            is_link_dir = os.path.islink(full) if listed_as_link is None else listed_as_link
            if not is_link_dir:
                safe.add(rel)
            dir_sigs[rel] = (st.st_dev, st.st_ino, st.st_mode, st.st_mtime_ns, st.st_ctime_ns, is_link_dir)
            try:
                with os.scandir(full) as it:
                    entries = list(it)
                entries.sort(key=_ENTRY_NAME)
            except OSError as e:
                # the old walk probed .gitignore before listing; an unlistable directory keeps that order
                self._add_gitignore(ignore, full, rel)
                problems.append(WalkProblem("unreadable", rel or ".", f"cannot list: {e.strerror}"))
                continue
            names = tuple(map(_ENTRY_NAME, entries))
            listings[rel] = names
            if ".gitignore" in names and self._add_gitignore(ignore, full, rel):
                specs = ignore.specs_for(rel)
            dirs: list[str] = []
            links: set[str] = set()
            files: list[str] = []
            prefix = f"{rel}/" if rel else ""
            # each spec with the part of this directory's path below its base, so that a file's
            # check is one call per spec (as _ignored, without its slicing per name)
            checks = [(match, prefix[len(base) + 1 :] if base else prefix) for base, match in specs]
            for entry in entries:
                name = entry.name
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir()  # follows links
                except OSError as e:
                    if e.errno == 40:  # ELOOP: links that point at each other
                        problems.append(WalkProblem("symlink-loop", prefix + name, "symlink loop"))
                    continue
                if is_link:
                    child = prefix + name
                    verdict = record.links[child] = link_verdict(entry.path, self.root)
                    if verdict == "loop":
                        problems.append(WalkProblem("symlink-loop", child, _LINKS_LOOP))
                        continue
                    if verdict == "dangling":
                        problems.append(WalkProblem("symlink-dangling", child, _DANGLING))
                        continue
                    if verdict == "escape":
                        problems.append(WalkProblem("symlink-escape", child, "symlink points out of the repository"))
                        continue
                if is_dir:
                    if name in skipped:
                        pruned.append((prefix + name, ""))
                        continue
                    if specs and _ignored(specs, prefix + name, True):
                        pruned.append((prefix + name, ignore.source_of(specs, prefix + name, True)))
                        continue
                    dirs.append(name)
                    if is_link:
                        links.add(name)
                else:
                    for match, sub in checks:
                        if match(sub + name):
                            break
                    else:
                        files.append(name)
            kept = set(dirs)
            yield rel, dirs, files
            for d in reversed(dirs):  # callers may have pruned or reordered ``dirs``
                stack.append((prefix + d, specs, d in links if d in kept else None))

    def _add_gitignore(self, ignore: _Ignore, full: str, rel: str) -> bool:
        path = f"{full}/.gitignore"
        self._record.ignore_files[f"{rel}/.gitignore" if rel else ".gitignore"] = file_signature(path)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            return False
        ignore.add(rel, text)
        return True


_LINKS_LOOP = "symlink loop: the links point at each other"
_DANGLING = "dangling symlink: its target does not exist"


def _reached_again(rel: str, first: str) -> WalkProblem:
    """A directory met a second time: a loop when it is one of its own ancestors, else an alias."""
    if not first or rel.startswith(first + "/"):
        return WalkProblem("symlink-loop", rel, f"symlink loop: leads back to {first or '.'}, which contains it")
    return WalkProblem("symlink-alias", rel, f"the same directory as {first}, walked once there")


_ENTRY_NAME = operator.attrgetter("name")


def _ignored(specs: tuple[tuple[str, _Matcher], ...], rel: str, is_dir: bool) -> bool:
    """``_Ignore.ignored`` restricted to the specs known to apply above ``rel``."""
    for base, match in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if match(sub + "/" if is_dir else sub):
            return True
    return False


class MemoryRepoView:
    """A repository held in memory: ``{"api/requirements.txt": "flask\\n"}``.  Same rules as FsRepoView."""

    def __init__(self, files: Mapping[str, str | bytes], *, size_cap: int = DEFAULT_SIZE_CAP) -> None:
        self._files: dict[str, bytes] = {
            _norm(k): (v.encode() if isinstance(v, str) else v) for k, v in files.items()
        }
        self.size_cap = size_cap
        self._problems: list[WalkProblem] = []
        self.pruned: list[tuple[str, str]] = []  # as FsRepoView.pruned
        self._files_read = 0
        dirs: set[str] = {""}
        # the names directly in each directory, built once: listdir and walk stay linear
        children: dict[str, set[str]] = {"": set()}
        for k in self._files:
            parts = k.split("/")
            for i in range(1, len(parts) + 1):
                parent = "/".join(parts[: i - 1])
                children.setdefault(parent, set()).add(parts[i - 1])
                if i < len(parts):
                    dirs.add("/".join(parts[:i]))
        self._dirs = dirs
        self._children = children

    @property
    def problems(self) -> list[WalkProblem]:
        return self._problems

    @property
    def files_read(self) -> int:
        return self._files_read

    def read_bytes(self, path: str) -> bytes:
        rel = _norm(path)
        if rel not in self._files:
            raise InputError("cannot be read: no such file", origin=Origin(rel), code="unreadable")
        data = self._files[rel]
        if len(data) > self.size_cap:
            raise InputError(
                f"is {len(data)} bytes, over the {self.size_cap}-byte cap",
                origin=Origin(rel),
                code="file-too-large",
            )
        self._files_read += 1
        return data

    def read_text(self, path: str) -> str:
        return _decode(self.read_bytes(path), _norm(path))

    def is_file(self, path: str) -> bool:
        return _norm(path) in self._files

    def is_dir(self, path: str) -> bool:
        return _norm(path) in self._dirs

    def listdir(self, path: str) -> list[str]:
        return sorted(n for n in self._children.get(_norm(path), ()) if n)

    def walk(self) -> Iterator[tuple[str, list[str], list[str]]]:
        ignore = _Ignore()
        if ".matrixhellignore" in self._files:
            ignore.add("", self._files[".matrixhellignore"].decode("utf-8", "replace"), ".matrixhellignore")
        pruned = self.pruned = []
        stack = [""]
        while stack:
            rel = stack.pop()
            gi = f"{rel}/.gitignore" if rel else ".gitignore"
            if gi in self._files:
                ignore.add(rel, self._files[gi].decode("utf-8", "replace"))
            dirs, files = [], []
            for name in self.listdir(rel):
                child = f"{rel}/{name}" if rel else name
                if child in self._dirs:
                    if name in ALWAYS_SKIPPED:
                        pruned.append((child, ""))
                    elif ignore.ignored(child, True):
                        pruned.append((child, ignore.source_of(ignore.specs_for(rel), child, True)))
                    else:
                        dirs.append(name)
                elif not ignore.ignored(child, False):
                    files.append(name)
            yield rel, dirs, files
            for d in reversed(dirs):
                stack.append(f"{rel}/{d}" if rel else d)
