"""pip's requirements-file syntax, parsed the way pip parses it (pip/_internal/req/req_file.py).

Steps, in pip's order: split into lines; join backslash continuations (a comment line ends a
continuation); drop comments (``#`` at the start or after whitespace); expand ``${VAR}`` from the mapping
given (only that form, only upper-case names, as pip does); split each logical line into the requirement
and its options at the first token that starts with ``-``.  Option lines (-r, -c, -e, index and binary
options) are kept in :class:`IndexOptions`; ``-r``/``-c`` includes are read relative to the including
file, each file once, with cycles reported.  Requirements are PEP 508 strings, direct URLs, VCS
references (``git+https://...@ref#egg=name``) or local paths.  Environment markers are kept as text and
never evaluated here.  Nothing raises for bad input: each problem becomes a Finding at file:line.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, unquote, urlsplit

from matrixhell.detect.python._common import Findings, normalize, parse_pep508, read_text
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Ecosystem, Finding, Origin, PackageReq, Severity

__all__ = [
    "IndexOptions",
    "RequirementsFile",
    "expand_env",
    "join_lines",
    "logical_lines",
    "parse_requirements",
    "split_args_options",
    "strip_comment",
]

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")

# option -> (takes a value, canonical name)
_OPTIONS: dict[str, tuple[bool, str]] = {
    "-r": (True, "requirement"),
    "--requirement": (True, "requirement"),
    "-c": (True, "constraint"),
    "--constraint": (True, "constraint"),
    "-e": (True, "editable"),
    "--editable": (True, "editable"),
    "-i": (True, "index-url"),
    "--index-url": (True, "index-url"),
    "--extra-index-url": (True, "extra-index-url"),
    "--no-index": (False, "no-index"),
    "-f": (True, "find-links"),
    "--find-links": (True, "find-links"),
    "--no-binary": (True, "no-binary"),
    "--only-binary": (True, "only-binary"),
    "--prefer-binary": (False, "prefer-binary"),
    "--pre": (False, "pre"),
    "--trusted-host": (True, "trusted-host"),
    "--require-hashes": (False, "require-hashes"),
    "--use-feature": (True, "use-feature"),
    # per-requirement options
    "--hash": (True, "hash"),
    "-C": (True, "config-settings"),
    "--config-settings": (True, "config-settings"),
    "--global-option": (True, "global-option"),
    "--install-option": (True, "install-option"),
}
_PER_REQUIREMENT = frozenset({"hash", "config-settings", "global-option", "install-option"})


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """The pip options a requirements file sets: where packages come from and in which form."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    find_links: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()  # ":all:", ":none:" or normalized names
    only_binary: tuple[str, ...] = ()
    prefer_binary: bool = False
    pre: bool = False
    trusted_hosts: tuple[str, ...] = ()
    require_hashes: bool = False
    use_features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequirementsFile:
    """One requirements file and everything it includes."""

    path: str
    requirements: tuple[PackageReq, ...] = ()
    constraints: tuple[PackageReq, ...] = ()  # from -c files: limits, not packages of the service
    options: IndexOptions = IndexOptions()
    findings: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()  # every file read, this one first
    includes: tuple[tuple[str, str], ...] = ()  # (including file, included file)


def join_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Join backslash continuations; the joined line keeps the number of its first physical line.

    As in pip, a comment line is never continued (it ends a pending continuation), and a trailing
    backslash on the last line is dropped.
    """
    primary: int | None = None
    pending: list[str] = []
    for number, line in lines:
        if not line.endswith("\\") or _COMMENT_RE.match(line):
            if _COMMENT_RE.match(line):
                line = " " + line  # so the comment is stripped once joined
            if pending:
                pending.append(line)
                assert primary is not None
                yield primary, "".join(pending)
                pending = []
            else:
                yield number, line
        else:
            if not pending:
                primary = number
            pending.append(line.strip("\\"))  # as pip: every backslash at either end goes
    if pending:
        assert primary is not None
        yield primary, "".join(pending)


def strip_comment(line: str) -> str:
    """Drop a ``#`` comment: at the start of the line or after whitespace (``pkg#egg`` stays)."""
    return _COMMENT_RE.sub("", line).strip()


def expand_env(line: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Expand ``${VAR}`` from ``env``; returns the line and the names that were not known (left as is)."""
    unknown: list[str] = []

    def sub(m: re.Match[str]) -> str:
        value = env.get(m.group(1))
        if not value:
            unknown.append(m.group(1))
            return m.group(0)
        return value

    return _ENV_VAR_RE.sub(sub, line), unknown


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Non-empty logical lines, continuation-joined and comment-stripped, with their line numbers."""
    return [(number, line) for number, line, _ in _logical(text)]


def _logical(text: str) -> list[tuple[int, str, int]]:
    """As logical_lines, with the 1-based column where the stripped text starts."""
    out = []
    for number, line in join_lines(list(enumerate(text.splitlines(), start=1))):
        stripped = strip_comment(line)
        if stripped:
            out.append((number, stripped, len(line) - len(line.lstrip()) + 1))
    return out


def split_args_options(line: str) -> tuple[str, str]:
    """pip's break_args_options: the requirement part and the options part (from the first ``-``)."""
    tokens = line.split(" ")
    args: list[str] = []
    rest = list(tokens)
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
        rest.pop(0)
    return " ".join(args).strip(), " ".join(rest).strip()


@dataclass
class _Option:
    name: str
    value: str | None


def _parse_options(text: str, origin: Origin, sink: Findings) -> list[_Option] | None:
    try:
        tokens = shlex.split(text)
    except ValueError as e:
        sink.add(
            "requirements-bad-options",
            Severity.ERROR,
            f"cannot split the options {text!r}: {e}",
            origin,
            "close the quote",
        )
        return None
    out: list[_Option] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        name, value = tok, None
        if tok.startswith("--") and "=" in tok:
            name, _, value = tok.partition("=")
        elif not tok.startswith("--") and len(tok) > 2 and tok[:2] in _OPTIONS:
            name, value = tok[:2], tok[2:]
            if value.startswith("="):
                value = value[1:]
        spec = _OPTIONS.get(name)
        if spec is None and not tok.startswith("-"):
            sink.add(
                "requirements-bad-options",
                Severity.ERROR,
                f"unexpected {tok!r} after the options; it was ignored",
                origin,
                "quote a value that holds spaces, or put the requirement before its options",
            )
            continue
        if spec is None:
            sink.add(
                "requirements-unknown-option",
                Severity.WARNING,
                f"unknown or unsupported option {tok!r}; it was ignored",
                origin,
                "pip's requirements files accept only the options listed in docs/detection/python.md",
            )
            continue
        takes_value, canonical = spec
        if takes_value and value is None:
            if i >= len(tokens):
                sink.add(
                    "requirements-bad-options",
                    Severity.ERROR,
                    f"option {name} needs a value",
                    origin,
                    f"write {name} VALUE",
                )
                continue
            value = tokens[i]
            i += 1
        elif not takes_value and value is not None:
            sink.add("requirements-bad-options", Severity.WARNING, f"option {name} takes no value", origin)
        out.append(_Option(canonical, value))
    return out


@dataclass
class _State:
    view: RepoView
    env: Mapping[str, str]
    sink: Findings = field(default_factory=Findings)
    requirements: list[PackageReq] = field(default_factory=list)
    constraints: list[PackageReq] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    includes: list[tuple[str, str]] = field(default_factory=list)
    done: set[tuple[str, bool]] = field(default_factory=set)
    opts: dict[str, object] = field(default_factory=dict)


def parse_requirements(view: RepoView, path: str, *, env: Mapping[str, str] | None = None) -> RequirementsFile:
    """Parse ``path`` and everything it includes, never raising for bad input."""
    st = _State(view=view, env=env or {})
    _parse_file(st, path, constraint=False, stack=())
    o = st.opts

    def tup(key: str) -> tuple[str, ...]:
        v = o.get(key, [])
        return tuple(v) if isinstance(v, list) else ()

    options = IndexOptions(
        index_url=o.get("index-url") if isinstance(o.get("index-url"), str) else None,  # type: ignore[arg-type]
        extra_index_urls=tup("extra-index-url"),
        no_index=bool(o.get("no-index")),
        find_links=tup("find-links"),
        no_binary=tup("no-binary"),
        only_binary=tup("only-binary"),
        prefer_binary=bool(o.get("prefer-binary")),
        pre=bool(o.get("pre")),
        trusted_hosts=tup("trusted-host"),
        require_hashes=bool(o.get("require-hashes")),
        use_features=tup("use-feature"),
    )
    return RequirementsFile(
        path=path,
        requirements=tuple(st.requirements),
        constraints=tuple(st.constraints),
        options=options,
        findings=tuple(st.sink.items),
        files=tuple(st.files),
        includes=tuple(st.includes),
    )


def _parse_file(st: _State, path: str, *, constraint: bool, stack: tuple[tuple[str, int], ...]) -> None:
    if (path, constraint) in st.done:
        return
    st.done.add((path, constraint))
    text = read_text(st.view, path, st.sink)
    if text is None:
        return
    if path not in st.files:
        st.files.append(path)
    for number, raw, column in _logical(text):
        origin = Origin(path, number)
        line, unknown = expand_env(raw, st.env)
        for name in unknown:
            st.sink.add(
                "requirements-unknown-env-var",
                Severity.WARNING,
                f"${{{name}}} is not set; the text was left as written",
                origin,
                f"set {name} in the service's .env file",
            )
        n_req, n_con = len(st.requirements), len(st.constraints)
        _parse_line(st, path, line, origin, constraint=constraint, stack=stack, column=column)
        used = {n: st.env[n] for n in _ENV_VAR_RE.findall(raw) if st.env.get(n)}
        if used:  # a URL keeps ${VAR}, not the value: tokens in index or VCS URLs stay out of the output
            _unexpand(st.requirements, n_req, used)
            _unexpand(st.constraints, n_con, used)


def _unexpand(reqs: list[PackageReq], start: int, used: Mapping[str, str]) -> None:
    for i in range(start, len(reqs)):
        url = reqs[i].url
        if url:
            for name, value in used.items():
                url = url.replace(value, "${" + name + "}")
            reqs[i] = replace(reqs[i], url=url)


def _parse_line(
    st: _State,
    path: str,
    line: str,
    origin: Origin,
    *,
    constraint: bool,
    stack: tuple[tuple[str, int], ...],
    column: int = 1,
) -> None:
    args, opt_text = split_args_options(line)
    options = _parse_options(opt_text, origin, st.sink) if opt_text else []
    if options is None:
        return
    if args:
        bad = [o.name for o in options if o.name not in _PER_REQUIREMENT]
        if bad:
            st.sink.add(
                "requirements-bad-options",
                Severity.WARNING,
                f"--{bad[0]} cannot follow a requirement on the same line; it was ignored",
                origin,
                "put file-wide options on a line of their own",
            )
        hashes = tuple(o.value for o in options if o.name == "hash" and o.value)
        req = _requirement(st, args, origin, path, column=column)
        if req is not None:
            _add(st, replace(req, hashes=hashes) if hashes else req, constraint)
        return
    for opt in options:
        value = opt.value or ""
        if opt.name in ("requirement", "constraint"):
            _include(st, path, value, origin, constraint=opt.name == "constraint", stack=stack)
        elif opt.name == "editable":
            req = _requirement(st, value, origin, path, editable=True)
            if req is not None:
                _add(st, req, constraint)
        elif opt.name in _PER_REQUIREMENT:
            st.sink.add(
                "requirements-bad-options",
                Severity.WARNING,
                f"--{opt.name} belongs on a requirement's line; it was ignored",
                origin,
            )
        elif opt.name in ("index-url",):
            st.opts["index-url"] = value
        elif opt.name in ("no-index", "prefer-binary", "pre", "require-hashes"):
            st.opts[opt.name] = True
        elif opt.name in ("no-binary", "only-binary"):
            lst = st.opts.setdefault(opt.name, [])
            assert isinstance(lst, list)
            for item in value.split(","):
                item = item.strip()
                if item:
                    lst.append(item if item.startswith(":") else normalize(item))
        else:
            lst = st.opts.setdefault(opt.name, [])
            assert isinstance(lst, list)
            lst.append(value)


def _add(st: _State, req: PackageReq, constraint: bool) -> None:
    (st.constraints if constraint else st.requirements).append(req)


def _include(
    st: _State,
    path: str,
    target: str,
    origin: Origin,
    *,
    constraint: bool,
    stack: tuple[tuple[str, int], ...],
) -> None:
    kind = "-c" if constraint else "-r"
    if _URL_RE.match(target):
        st.sink.add(
            "requirements-remote-include",
            Severity.WARNING,
            f"{kind} {target} is a URL; remote files are not fetched",
            origin,
            "vendor the file into the repository to have it scanned",
        )
        return
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if target.startswith("/") or joined == ".." or joined.startswith("../"):
        st.sink.add(
            "requirements-include-outside",
            Severity.ERROR,
            f"{kind} {target} points outside the repository",
            origin,
            "include files by a path inside the repository",
        )
        return
    chain = [p for p, _ in stack] + [path]
    if joined in chain:
        cycle = " -> ".join([*chain[chain.index(joined) :], joined])
        st.sink.add(
            "requirements-include-cycle",
            Severity.ERROR,
            f"include cycle: {cycle}",
            origin,
            f"remove the {kind} {target} line or the include that leads back here",
        )
        return
    st.includes.append((path, joined))
    if not st.view.is_file(joined):
        st.sink.add(
            "requirements-include-missing",
            Severity.ERROR,
            f"{kind} {target}: {joined} does not exist",
            origin,
            "fix the path (it is relative to the including file) or add the file",
        )
        return
    # As in pip: a -r inside a constraints file reads requirements again; a -c anywhere, constraints.
    _parse_file(st, joined, constraint=constraint, stack=(*stack, (path, origin.line or 0)))


def _is_pathlike(text: str) -> bool:
    return text.startswith((".", "/", "~")) or "/" in text.split("[")[0] or text.lower().endswith(_ARCHIVE_SUFFIXES)


def _requirement(
    st: _State, text: str, origin: Origin, path: str, *, editable: bool = False, column: int = 1
) -> PackageReq | None:
    text = text.strip()
    sink = st.sink
    if not text:
        sink.add("invalid-requirement", Severity.ERROR, "an option needs a requirement after it", origin)
        return None
    lowered = text.lower()
    is_url = bool(_URL_RE.match(text)) or lowered.startswith(("file:", *_VCS_PREFIXES))
    if is_url:
        url, marker = text, None
        if "; " in text:  # pip splits a URL's marker only at "; "
            url, _, marker = text.partition("; ")
            marker = _check_marker(marker.strip(), origin, sink)
        return _from_url(url.strip(), marker, origin, sink, editable)
    head = text.split(";", 1)[0].strip()  # as pip: the marker is split off before the path test
    if "@" not in head and _is_pathlike(head):
        return _from_path(st, text, origin, path, editable)
    if editable:
        sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"-e {text}: an editable requirement must be a local path or a VCS URL",
            origin,
            "write -e ./path or -e git+https://host/repo.git#egg=name",
        )
        return None
    return parse_pep508(text, origin, sink, column=column)


def _check_marker(marker: str, origin: Origin, sink: Findings) -> str | None:
    if not marker:
        return None
    from packaging.requirements import InvalidRequirement, Requirement  # markers are rare: imported here

    try:
        r = Requirement("x ; " + marker)
    except InvalidRequirement as e:
        sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"invalid environment marker {marker!r}: {e}".split("\n")[0],
            origin,
            'write a PEP 508 marker such as python_version < "3.12"',
        )
        return None
    return str(r.marker) if r.marker is not None else None


def _egg(fragment: str) -> tuple[str | None, tuple[str, ...]]:
    params = parse_qs(fragment)
    egg = params.get("egg", [None])[0]
    if not egg:
        return None, ()
    name, _, extras = egg.partition("[")
    return name, tuple(sorted(normalize(e) for e in extras.rstrip("]").split(",") if e.strip()))


def _from_url(url: str, marker: str | None, origin: Origin, sink: Findings, editable: bool) -> PackageReq | None:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    parts = urlsplit(url)
    egg, extras = _egg(parts.fragment)
    filename = unquote(parts.path.rsplit("/", 1)[-1].split("@")[0])
    name: str | None = None
    specifier = ""
    if egg:
        name = egg
    elif filename.endswith(".whl"):
        try:
            wname, wversion, _, _ = parse_wheel_filename(filename)
            name, specifier = str(wname), f"=={wversion}"
        except InvalidWheelFilename:
            pass
    elif filename.lower().endswith(_ARCHIVE_SUFFIXES):
        try:
            sname, sversion = parse_sdist_filename(filename)
            name, specifier = str(sname), f"=={sversion}"
        except InvalidSdistFilename:
            pass
    if name is None:
        guess = filename.removesuffix(".git") or parts.netloc
        sink.add(
            "requirements-unnamed-url",
            Severity.WARNING,
            f"{url} does not name its package; taken as {normalize(guess)!r}",
            origin,
            "add #egg=NAME or write it as NAME @ URL",
        )
        name = guess
    try:
        normalized = normalize(name)
        Requirement(normalized)
    except InvalidRequirement:
        sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"{url}: {name!r} is not a valid package name",
            origin,
            "fix the #egg= fragment",
        )
        return None
    return PackageReq(
        ecosystem=Ecosystem.PYPI,
        name=normalized,
        specifier=specifier,
        origin=origin,
        extras=extras,
        marker=marker,
        url=url,
        editable=editable,
    )


def _from_path(st: _State, text: str, origin: Origin, path: str, editable: bool) -> PackageReq | None:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    marker = None
    if ";" in text:
        text, _, m = text.partition(";")
        marker = _check_marker(m.strip(), origin, st.sink)
        text = text.strip()
    extras: tuple[str, ...] = ()
    local = text
    bracket = re.match(r"^(.*?)(\[[^\]]*\])$", text)
    if bracket:
        local = bracket.group(1)
        extras = tuple(sorted(normalize(e) for e in bracket.group(2)[1:-1].split(",") if e.strip()))
    local, _, frag = local.partition("#")
    egg, egg_extras = _egg(frag)
    extras = extras or egg_extras
    base = posixpath.basename(local.rstrip("/"))
    name: str | None = egg
    specifier = ""
    if name is None and base.endswith(".whl"):
        try:
            wname, wversion, _, _ = parse_wheel_filename(base)
            name, specifier = str(wname), f"=={wversion}"
        except InvalidWheelFilename:
            pass
    elif name is None and base.lower().endswith(_ARCHIVE_SUFFIXES):
        try:
            sname, sversion = parse_sdist_filename(base)
            name, specifier = str(sname), f"=={sversion}"
        except InvalidSdistFilename:
            pass
    if name is None:
        name = _local_project_name(st, posixpath.join(posixpath.dirname(path), local))
    guessed = name is None
    if name is None:
        name = base if base not in ("", ".", "..") else posixpath.basename(posixpath.dirname(path)) or "project"
    try:
        normalized = normalize(name)
        Requirement(normalized)
    except InvalidRequirement:
        st.sink.add("invalid-requirement", Severity.ERROR, f"{text}: {name!r} is not a valid package name", origin)
        return None
    if guessed:
        st.sink.add(
            "requirements-unnamed-path",
            Severity.INFO,
            f"{text}: could not read the local project's name; taken as {normalized!r}",
            origin,
            "give the project a pyproject.toml with [project] name",
        )
    return PackageReq(
        ecosystem=Ecosystem.PYPI,
        name=normalized,
        specifier=specifier,
        origin=origin,
        extras=extras,
        marker=marker,
        url=text,
        editable=editable,
    )


def _local_project_name(st: _State, directory: str) -> str | None:
    """The name a local project declares (pyproject [project] / [tool.poetry], or setup.cfg [metadata])."""
    d = posixpath.normpath(directory)
    if d.startswith("..") or d.startswith("/"):
        return None
    d = "" if d == "." else d
    pp = f"{d}/pyproject.toml" if d else "pyproject.toml"
    if st.view.is_file(pp):
        try:
            data = tomllib.loads(st.view.read_text(pp))
        except Exception:  # a broken neighbour manifest is reported by its own scan
            data = {}
        for table in (
            data.get("project"),
            data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None,
        ):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                return str(table["name"])
    cfg = f"{d}/setup.cfg" if d else "setup.cfg"
    if st.view.is_file(cfg):
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(st.view.read_text(cfg))
            name = parser.get("metadata", "name", fallback=None)
        except Exception:  # as above
            name = None
        if name:
            return name
    setup_py = f"{d}/setup.py" if d else "setup.py"
    if st.view.is_file(setup_py):
        import ast

        try:
            tree = ast.parse(st.view.read_text(setup_py))
        except Exception:  # as above
            return None
        for node in ast.walk(tree):  # setup(name="...") as a literal; never executed
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "setup":
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        return kw.value.value
    return None
