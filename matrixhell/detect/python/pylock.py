"""PEP 751 lock files: ``pylock.toml`` and the named ``pylock.<name>.toml``.

Every ``[[packages]]`` entry becomes a PackageReq with ``locked`` set (when the entry has a version) and
``direct=False``, at the line of the entry's ``name`` key; the detector matches them to the direct
requirements by name, as it does for the other locks.  The lock's ``requires-python`` is a runtime source
(``pylock-requires-python``).  ``lock-version`` is checked first: a major version other than 1 is refused
(the specification requires it), and nothing else of the file is read.

Which of several lock files a service uses is decided by :func:`choose_pylock`.
"""

from __future__ import annotations

import re
from typing import Any

from matrixhell.detect.python._common import Facts, dev_like, load_toml, normalize
from matrixhell.detect.python._locate import Lines, array_table_lines, table_key_line, toml_lines
from matrixhell.detect.python.runtimes import python_req
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Ecosystem, Origin, PackageReq, Scope, Severity

__all__ = ["PYLOCK_NAME", "SUPPORTED_MAJOR", "choose_pylock", "pylock_name", "read_pylock", "wheel_names"]

#: the file names the specification allows: ``pylock.toml`` and ``pylock.<name>.toml``
PYLOCK_NAME = re.compile(r"^pylock\.(?:([^.]+)\.)?toml$")
#: the ``lock-version`` major this reader understands
SUPPORTED_MAJOR = 1

_VCS_TYPES = frozenset({"git", "hg", "svn", "bzr"})
_SOURCES = ("vcs", "directory", "archive")
_GROUP_CLAUSE = re.compile(r"""(['"])([^'"]+)\1\s+in\s+(dependency_groups|extras)""")
_HINT = "see the pylock.toml specification (PEP 751) for the shape of this key, or write the lock again"


def pylock_name(filename: str) -> str | None:
    """``""`` for ``pylock.toml``, ``"spam"`` for ``pylock.spam.toml``, None for any other name."""
    m = PYLOCK_NAME.match(filename)
    if m is None:
        return None
    return m.group(1) or ""


def choose_pylock(names: list[str], service: str) -> tuple[str | None, list[str]]:
    """The lock file a service installs from among ``names`` (file names of one directory), and the
    others it leaves unread.

    The unnamed ``pylock.toml`` first: it is the default install, and a repository's directory name is
    not the name of a deployment host.  Without it, the lock named after the service's directory
    (``pylock.api.toml`` for ``services/api``), then the first named lock in sorted order.
    """
    locks = sorted(n for n in names if pylock_name(n) is not None)
    if not locks:
        return None, []
    if "pylock.toml" in locks:
        chosen = "pylock.toml"
    elif f"pylock.{service}.toml" in locks:
        chosen = f"pylock.{service}.toml"
    else:
        chosen = locks[0]
    return chosen, [n for n in locks if n != chosen]


class _Lines:
    """Lines of a pylock file: a header-only scan when it finds every entry, else the full scanner."""

    def __init__(self, text: str, count: int) -> None:
        self._text = text
        self._fast = array_table_lines(text, "packages", "name", count) if count else None
        self._full: Lines | None = None

    def full(self) -> Lines:
        if self._full is None:
            self._full = toml_lines(self._text)
        return self._full

    def package(self, i: int) -> int | None:
        if self._fast is not None:
            return self._fast[i]
        return self.full().line("packages", i, "name")

    def top(self, key: str) -> int | None:
        found = table_key_line(self._text, "", key)
        return found if found is not None else self.full().line(key)

    def within(self, i: int, *keys: str | int) -> int | None:
        """The line of a key inside entry ``i`` (the entry's own line when the key is not placed)."""
        return self.full().exact("packages", i, *keys) or self.package(i)


def _hashes(table: object) -> tuple[str, ...]:
    """``{sha256 = "ab"}`` -> ``("sha256:ab",)``, the form the other locks and pip's --hash use."""
    if not isinstance(table, dict):
        return ()
    return tuple(f"{alg.lower()}:{value}" for alg, value in table.items() if isinstance(value, str))


def _file_name(entry: dict[str, Any]) -> str | None:
    """A wheel's or sdist's file name: ``name``, else the last component of ``path`` / ``url``."""
    if isinstance(entry.get("name"), str) and entry["name"]:
        return str(entry["name"])
    for key in ("path", "url"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return value.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0].split("?", 1)[0] or None
    return None


def wheel_names(pkg: dict[str, Any]) -> tuple[str, ...]:
    """The file names of a ``[[packages]]`` entry's wheels, as the lock lists them."""
    wheels = pkg.get("wheels")
    if not isinstance(wheels, list):
        return ()
    return tuple(n for w in wheels if isinstance(w, dict) and (n := _file_name(w)) is not None)


def _location(table: dict[str, Any]) -> str | None:
    for key in ("url", "path"):
        if isinstance(table.get(key), str) and table[key]:
            return str(table[key])
    return None


def _with_subdirectory(url: str, table: dict[str, Any]) -> str:
    sub = table.get("subdirectory")
    return f"{url}#subdirectory={sub}" if isinstance(sub, str) and sub else url


_GROUP_VARS = frozenset({"extras", "dependency_groups", "extra"})

#: a partly evaluated marker: decided (True / False) or the environment-only text left
_Partial = bool | str


def _default_install(marker: str, default_groups: frozenset[str]) -> _Partial:
    """``marker`` with its extras and dependency-group tests decided for the default install (no extras,
    the ``default-groups``), as the specification's installation steps set them; what is left tests only
    the environment.  The text itself when packaging's parse has another shape than this reads."""
    from packaging.markers import Marker

    def clause(item: tuple[Any, Any, Any]) -> _Partial:
        lhs, op, rhs = item
        names = {type(x).__name__: str(x.value) for x in (lhs, rhs)}
        var = next((str(x.value) for x in (lhs, rhs) if type(x).__name__ == "Variable"), "")
        if var not in _GROUP_VARS:
            return f"{lhs.serialize()} {op.serialize()} {rhs.serialize()}"
        chosen = frozenset() if var != "dependency_groups" else default_groups
        value = names.get("Value", "")
        hit = value in chosen
        return {"in": hit, "not in": not hit, "==": hit, "!=": not hit}.get(str(op.value), True)

    def group(items: list[Any]) -> _Partial:
        ors: list[list[_Partial]] = [[]]
        for item in items:
            if item == "or":
                ors.append([])
            elif item != "and":
                ors[-1].append(group(item) if isinstance(item, list) else clause(item))
        alternatives: list[str] = []
        for terms in ors:
            if any(t is False for t in terms):
                continue
            rest = [t for t in terms if isinstance(t, str)]
            if not rest:
                return True
            alternatives.append(" and ".join(rest))
        if not alternatives:
            return False
        return alternatives[0] if len(alternatives) == 1 else "(" + " or ".join(alternatives) + ")"

    try:
        parsed = Marker(marker)._markers
        out = group(parsed)
        return out if not isinstance(out, str) else str(Marker(out))
    except Exception:  # packaging's private parse tree moved: keep the marker as written
        return marker


def _scope(marker: str | None, default_groups: frozenset[str]) -> tuple[Scope, str | None, str | None]:
    """(scope, group, marker): MAIN with the environment part of the marker when the default install
    takes the entry; else DEV or OPTIONAL, named after the first group or extra, the marker as written."""
    if not marker:
        return Scope.MAIN, None, None
    names = [(m.group(2), m.group(3)) for m in _GROUP_CLAUSE.finditer(marker)]
    if not names:
        return Scope.MAIN, None, marker
    left = _default_install(marker, default_groups)
    if left is not False:
        return Scope.MAIN, None, None if left is True else left
    first = names[0][0]
    if all(dev_like(n) for n, _ in names):
        return Scope.DEV, first, marker
    return Scope.OPTIONAL, first, marker


class _Reader:
    def __init__(self, path: str, facts: Facts, lines: _Lines) -> None:
        self.path = path
        self.facts = facts
        self.lines = lines

    def bad(self, message: str, line: int | None, code: str = "pylock-bad-value", hint: str = _HINT) -> None:
        self.facts.sink.add(code, Severity.ERROR, message, Origin(self.path, line), hint)

    def str_or_none(self, pkg: dict[str, Any], i: int, key: str) -> str | None:
        value = pkg.get(key)
        if value is None or isinstance(value, str):
            return value
        self.bad(f"packages[{i}].{key} is {type(value).__name__}, not a string", self.lines.within(i, key))
        return None

    def marker(self, text: str | None, i: int) -> str | None:
        if text is None:
            return None
        from packaging.markers import InvalidMarker, Marker

        try:
            return str(Marker(text))
        except InvalidMarker as e:
            detail = str(e).splitlines()[0]
            self.bad(f"packages[{i}].marker {text!r} is not a PEP 508 marker: {detail}", self.lines.within(i, "marker"))
            return None

    def specifier(self, text: str | None, i: int) -> None:
        if text is None:
            return
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            SpecifierSet(text)
        except InvalidSpecifier:
            self.bad(
                f"packages[{i}].requires-python {text!r} is not a PEP 440 specifier",
                self.lines.within(i, "requires-python"),
            )

    def source(self, pkg: dict[str, Any], i: int, name: str) -> tuple[str | None, bool, tuple[str, ...]]:
        """(url, editable, hashes) from the entry's one source; conflicting sources are a finding."""
        present = [k for k in (*_SOURCES, "sdist", "wheels") if k in pkg]
        direct = [k for k in present if k in _SOURCES]
        if len(direct) > 1 or (direct and len(present) > len(direct)):
            self.bad(
                f"{name}: {' and '.join(present)} are mutually exclusive sources of one entry",
                self.lines.within(i, present[1]),
                "pylock-conflicting-sources",
                "keep one source per [[packages]] entry (wheels and an sdist may go together)",
            )
        if direct:
            kind = direct[0]
            table = pkg[kind]

            def bad(message: str) -> None:
                self.bad(f"{name}: packages[{i}].{kind} {message}", self.lines.within(i, kind))

            if not isinstance(table, dict):
                bad("is not a table")
                return None, False, ()
            where = _location(table) if kind != "directory" else table.get("path")
            if not isinstance(where, str) or not where:
                need = "path" if kind == "directory" else "url or path"
                bad(f"has no {need}")
                return None, False, ()
            if kind == "vcs":
                vtype = table.get("type")
                commit = table.get("commit-id")
                if not isinstance(vtype, str) or vtype not in _VCS_TYPES:
                    bad(f"type is {vtype!r}, not one of git, hg, svn, bzr")
                    return None, False, ()
                if not isinstance(commit, str) or not commit:
                    bad("has no commit-id")
                url = f"{vtype}+{where}" + (f"@{commit}" if isinstance(commit, str) and commit else "")
                return _with_subdirectory(url, table), False, ()
            if kind == "directory":
                return _with_subdirectory(where, table), table.get("editable") is True, ()
            archive_hashes = _hashes(table.get("hashes"))
            if not archive_hashes:
                bad("has no hashes")
            return _with_subdirectory(where, table), False, archive_hashes
        hashes: list[str] = []
        sdist = pkg.get("sdist")
        if sdist is not None:
            if isinstance(sdist, dict):
                hashes.extend(_hashes(sdist.get("hashes")))
            else:
                self.bad(f"{name}: packages[{i}].sdist is not a table", self.lines.within(i, "sdist"))
        wheels = pkg.get("wheels")
        if wheels is not None:
            if isinstance(wheels, list) and all(isinstance(w, dict) for w in wheels):
                for w in wheels:
                    hashes.extend(_hashes(w.get("hashes")))
                self.wheels(wheels, i, name, pkg.get("version"))
            else:
                self.bad(f"{name}: packages[{i}].wheels is not an array of tables", self.lines.within(i, "wheels"))
        return None, False, tuple(hashes)

    def wheels(self, wheels: list[dict[str, Any]], i: int, name: str, version: object) -> None:
        """A wheel whose file name names another project or version is a finding."""
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        for k, w in enumerate(wheels):
            filename = _file_name(w)
            if filename is None:
                self.bad(
                    f"{name}: packages[{i}].wheels[{k}] has no name, path or url", self.lines.within(i, "wheels", k)
                )
                continue
            try:
                wname, wversion, _build, _tags = parse_wheel_filename(filename)
            except InvalidWheelFilename as e:
                self.bad(f"{name}: {filename!r} is not a wheel file name ({e})", self.lines.within(i, "wheels", k))
                continue
            if normalize(str(wname)) != name or (isinstance(version, str) and not _same_version(wversion, version)):
                self.bad(
                    f"{name} {version}: the wheel {filename!r} is of {wname} {wversion}",
                    self.lines.within(i, "wheels", k),
                )


def _same_version(parsed: object, text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return parsed == Version(text)
    except InvalidVersion:
        return False


def _lock_version(data: dict[str, Any], reader: _Reader) -> bool:
    """Whether the file's lock-version is one this reader may read (findings say why not)."""
    raw = data.get("lock-version")
    line = reader.lines.top("lock-version")
    if raw is None:
        reader.bad(
            "has no lock-version", 1, "pylock-no-lock-version", 'add lock-version = "1.0" or write the lock again'
        )
        return True  # a tool that forgot the key: read it as 1.0
    m = re.fullmatch(r"(\d+)\.(\d+)", raw) if isinstance(raw, str) else None
    if m is None:
        reader.bad(f"lock-version {raw!r} is not MAJOR.MINOR", line, "pylock-bad-lock-version")
        return False
    major, minor = int(m.group(1)), int(m.group(2))
    if major != SUPPORTED_MAJOR:
        reader.bad(
            f"lock-version {raw} is not supported (this reader knows {SUPPORTED_MAJOR}.x); nothing of it was read",
            line,
            "pylock-unsupported-version",
            "write the lock with a tool that produces lock-version 1.0, or upgrade matrixhell",
        )
        return False
    if minor > 0:
        reader.facts.sink.add(
            "pylock-newer-minor",
            Severity.WARNING,
            f"lock-version {raw} is newer than {SUPPORTED_MAJOR}.0: keys unknown to 1.0 are ignored",
            Origin(reader.path, line),
            "check the scan against the lock, or upgrade matrixhell",
        )
    return True


#: a Linux container's marker environment, the Python line filled in per check
_LINUX_ENV = {
    "implementation_name": "cpython",
    "os_name": "posix",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "sys_platform": "linux",
}


def _environments(data: dict[str, Any], reader: _Reader) -> None:
    """Each environment marker must parse; when none can hold on Linux, no image can use the lock."""
    envs = data.get("environments")
    if envs is None:
        return
    line = reader.lines.top("environments")
    if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
        reader.bad("environments is not an array of strings", line)
        return
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    markers = []
    for k, text in enumerate(envs):
        try:
            markers.append(Marker(text))
        except InvalidMarker as e:
            reader.bad(f"environments[{k}] {text!r} is not a PEP 508 marker: {str(e).splitlines()[0]}", line)
    if not markers:
        return

    def holds(m: Marker) -> bool:
        for machine in ("x86_64", "aarch64"):
            for minor in range(8, 15):
                env = dict(_LINUX_ENV, platform_machine=machine, python_version=f"3.{minor}")
                env.update(python_full_version=f"3.{minor}.0", implementation_version=f"3.{minor}.0")
                try:
                    if m.evaluate(env):
                        return True
                except (UndefinedComparison, UndefinedEnvironmentName, ValueError):
                    return True  # cannot tell: do not claim it excludes Linux
        return False

    if not any(holds(m) for m in markers):
        reader.facts.sink.add(
            "pylock-no-linux-environment",
            Severity.WARNING,
            f"none of its environments ({', '.join(envs)}) is Linux on x86_64 or aarch64: an image cannot "
            "install from it",
            Origin(reader.path, line),
            "lock for Linux too (add sys_platform == 'linux' to the locker's environments)",
        )


def read_pylock(view: RepoView, path: str, facts: Facts) -> None:
    loaded = load_toml(view, path, facts.sink)
    facts.read(path)
    if loaded is None:
        return
    data, text = loaded
    pkgs = data.get("packages")
    lines = _Lines(text, len(pkgs) if isinstance(pkgs, list) else 0)
    reader = _Reader(path, facts, lines)
    if not _lock_version(data, reader):
        return
    rp = data.get("requires-python")
    if rp is not None:
        origin = Origin(path, lines.top("requires-python"))
        if isinstance(rp, str):
            req = python_req(rp, "pylock-requires-python", origin, facts.sink, specifier=True)
            if req is not None:
                facts.runtimes.append(req)
        else:
            reader.bad("requires-python is not a string", origin.line)
    _environments(data, reader)
    if pkgs is None:
        reader.bad("has no [[packages]]", 1, hint="write the lock again: [[packages]] is required")
        return
    if not isinstance(pkgs, list):
        reader.bad("packages is not an array of tables", lines.top("packages"))
        return
    groups = data.get("default-groups")
    default_groups = frozenset(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else frozenset()
    names: set[str] = set()
    deps: list[tuple[int, str, str]] = []  # entry, dependency name, who depends
    for i, pkg in enumerate(pkgs):
        if not isinstance(pkg, dict):
            reader.bad(f"packages[{i}] is not a table", lines.full().line("packages", i))
            continue
        raw_name = pkg.get("name")
        if not isinstance(raw_name, str) or not raw_name:
            reader.bad(f"packages[{i}] has no name", lines.full().line("packages", i))
            continue
        name = normalize(raw_name)
        names.add(name)
        version = reader.str_or_none(pkg, i, "version")
        marker = reader.marker(reader.str_or_none(pkg, i, "marker"), i)
        reader.specifier(reader.str_or_none(pkg, i, "requires-python"), i)
        reader.str_or_none(pkg, i, "index")
        url, editable, hashes = reader.source(pkg, i, name)
        scope, group, marker = _scope(marker, default_groups)
        facts.locked.append(
            PackageReq(
                Ecosystem.PYPI,
                name,
                "",
                Origin(path, lines.package(i)),
                locked=version,
                marker=marker,
                url=url,
                editable=editable,
                scope=scope,
                group=group,
                direct=False,
                hashes=hashes,
            )
        )
        dependencies = pkg.get("dependencies")
        if dependencies is None:
            continue
        if not isinstance(dependencies, list):
            reader.bad(f"{name}: packages[{i}].dependencies is not an array", lines.within(i, "dependencies"))
            continue
        for d in dependencies:
            if isinstance(d, dict) and isinstance(d.get("name"), str):
                deps.append((i, normalize(d["name"]), name))
            else:
                reader.bad(
                    f"{name}: an entry of packages[{i}].dependencies has no name", lines.within(i, "dependencies")
                )
    for i, dep, who in deps:
        if dep not in names:
            facts.sink.add(
                "pylock-dangling-dependency",
                Severity.WARNING,
                f"{who} depends on {dep}, which no [[packages]] entry locks",
                Origin(path, lines.within(i, "dependencies")),
                "write the lock again: it is incomplete",
            )
