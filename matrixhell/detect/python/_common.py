"""Helpers shared by the Python manifest readers: reading through the RepoView, PEP 508, TOML errors."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from matrixhell.detect.base import finding_from_error
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Ecosystem, Finding, Origin, PackageReq, RuntimeReq, Scope, Severity

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# packaging.requirements (with packaging.markers, .utils and .tags, which import platform, subprocess
# and logging) costs a cold scan about as much as reading a few hundred manifests: it is imported
# only for a requirement the plain form below does not cover (markers, URLs, pre-releases...).

__all__ = [
    "Facts",
    "Findings",
    "dev_like",
    "get_table",
    "load_toml",
    "normalize",
    "parse_pep508",
    "read_text",
    "req_from_requirement",
    "scope_of_group",
    "str_list",
]

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")

#: group / file-name words that mark development-only dependencies
_DEV_WORDS = frozenset(
    {
        "dev",
        "devel",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "linters",
        "typing",
        "types",
        "mypy",
        "format",
        "formatting",
        "style",
        "qa",
        "ci",
        "check",
        "checks",
        "coverage",
        "docs",
        "doc",
        "documentation",
        "debug",
        "local",
        "pytest",
        "tox",
    }
)


_SEPARATORS = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    """PEP 503 name normalization (what packaging.utils.canonicalize_name returns)."""
    return _SEPARATORS.sub("-", name).lower()


def dev_like(name: str) -> bool:
    """True for a group or file name such as ``dev``, ``test``, ``dev-tools``, ``requirements_test``."""
    words = re.split(r"[-_.\s]+", name.lower())
    return any(w in _DEV_WORDS for w in words)


#: what to do, for findings whose call site has nothing more specific to say
_DEFAULT_HINTS = {
    "invalid-requirement": "write it as PEP 508: name[extras] (specifier) ; marker",
    "poetry-bad-constraint": "write a poetry constraint such as ^1.2, ~1.2.3 or >=1.2,<2",
    "pipfile-bad-value": 'write name = "*" or name = {version = "..."} in a table',
    "pyproject-bad-value": "see PEP 621 and PEP 735 for the shape of this key",
    "requirements-bad-options": "write file-wide options (--index-url URL) on lines of their own",
    "python-version-invalid": "write a version such as 3.12 or 3.12.4",
    "python-implementation": "check that the chosen base image provides this Python build",
    "python-version-system": "pin a version (3.12) for the scan to use this source",
    "setup-py-no-setup": "declare the dependencies in pyproject.toml [project] or setup.cfg",
    "file-too-large": "add it to .matrixhellignore if it is not a manifest",
    "unreadable": "check that the file exists and can be read",
    "binary-file": "remove it or add it to .matrixhellignore",
    "not-utf8": "save the file as UTF-8",
}


@dataclass
class Findings:
    """A mutable list of findings a reader fills while it goes on past bad input."""

    items: list[Finding] = field(default_factory=list)

    def add(self, code: str, severity: Severity, message: str, origin: Origin | None, hint: str | None = None) -> None:
        hint = hint or _DEFAULT_HINTS.get(code)
        self.items.append(Finding(code=code, severity=severity, message=message, origin=origin, hint=hint))

    def error(self, err: InputError, severity: Severity = Severity.ERROR) -> None:
        f = finding_from_error(err, severity=severity)
        if f.hint is None and f.code in _DEFAULT_HINTS:
            f = Finding(f.code, f.severity, f.message, f.origin, _DEFAULT_HINTS[f.code], f.service)
        self.items.append(f)


def read_text(view: RepoView, path: str, sink: Findings) -> str | None:
    """The file's text, or None after recording why it could not be read."""
    try:
        return view.read_text(path)
    except InputError as e:
        if e.origin is None:
            e.origin = Origin(path)
        sink.error(e)
        return None


def load_toml(view: RepoView, path: str, sink: Findings) -> tuple[dict[str, Any], str] | None:
    """Parsed TOML and its text; a syntax error becomes a finding at the line and column tomllib names."""
    text = read_text(view, path, sink)
    if text is None:
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        m = _TOML_POS.search(str(e))
        msg = _TOML_POS.sub("", str(e)).strip()
        origin = Origin(path, int(m.group(1)), int(m.group(2))) if m else Origin(path, text.count("\n") + 1)
        sink.add(
            "toml-syntax",
            Severity.ERROR,
            f"is not valid TOML: {msg}",
            origin,
            "fix the TOML syntax at that line",
        )
        return None


def req_from_requirement(
    req: Requirement, origin: Origin, *, scope: Scope = Scope.MAIN, group: str | None = None
) -> PackageReq:
    return PackageReq(
        ecosystem=Ecosystem.PYPI,
        name=normalize(req.name),
        specifier=str(req.specifier),
        origin=origin,
        extras=tuple(sorted(normalize(e) for e in req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
        scope=scope,
        group=group,
    )


#: (name, specifier, extras, marker, url) of a valid requirement, or (message, offset) of an invalid one
_Parsed = tuple[str, str, tuple[str, ...], str | None, str | None] | tuple[str, int]


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_CLAUSE = r"(?:===?|!=|<=|>=|<|>|~=)[ \t]*[0-9]+(?:\.[0-9]+)*(?:\.\*)?"
#: name, [extras] and comma-separated release specifiers: no marker, URL or pre-release
_PLAIN = re.compile(
    rf"[ \t]*({_NAME})[ \t]*(?:\[[ \t]*({_NAME}(?:[ \t]*,[ \t]*{_NAME})*)[ \t]*\])?"
    rf"[ \t]*({_CLAUSE}(?:[ \t]*,[ \t]*{_CLAUSE})*)?[ \t]*"
)


def _parse_plain(text: str) -> _Parsed | None:
    """The parse of a plain requirement (``flask[async]>=2.0,<4``) without packaging.requirements, as
    it would give it; None for anything else."""
    m = _PLAIN.fullmatch(text)
    if m is None:
        return None
    name, extras, spec = m.groups()
    specifier = ""
    if spec:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            specifier = str(SpecifierSet(spec))
        except InvalidSpecifier:  # ~=1, >=1.* ...: packaging.requirements says why
            return None
    ex = tuple(sorted(normalize(e) for e in {e.strip() for e in extras.split(",")})) if extras else ()
    return (normalize(name), specifier, ex, None, None)


@functools.lru_cache(maxsize=16384)
def _parse_cached(text: str) -> _Parsed:
    """PEP 508 parsing is a pure function of the text, and monorepos repeat the same lines a lot."""
    plain = _parse_plain(text)
    if plain is not None:
        return plain
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as e:
        cause = e.__cause__
        span = getattr(cause, "span", None)
        detail = getattr(cause, "message", None) or str(e).splitlines()[0]
        return (str(detail), span[0] if isinstance(span, tuple) else 0)
    return (
        normalize(req.name),
        str(req.specifier),
        tuple(sorted(normalize(e) for e in req.extras)),
        str(req.marker) if req.marker is not None else None,
        req.url,
    )


def parse_pep508(
    text: str,
    origin: Origin,
    sink: Findings,
    *,
    scope: Scope = Scope.MAIN,
    group: str | None = None,
    column: int | None = None,
) -> PackageReq | None:
    """One PEP 508 string; an invalid one becomes a finding with a caret under the bad character.

    ``column`` is the 1-based column where ``text`` starts on ``origin``'s line, when known; the finding's
    origin then carries the column of the bad character.
    """
    parsed = _parse_cached(text)
    if len(parsed) == 2:
        detail, offset = parsed
        caret = " " * offset + "^"
        sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"invalid requirement {text!r}: {detail}\n    {text}\n    {caret}",
            origin.at(origin.line, column + offset if column is not None else None),
            "write it as PEP 508: name[extras] (specifier) ; marker",
        )
        return None
    name, specifier, extras, marker, url = parsed
    return PackageReq(
        ecosystem=Ecosystem.PYPI,
        name=name,
        specifier=specifier,
        origin=origin,
        extras=extras,
        marker=marker,
        url=url,
        scope=scope,
        group=group,
    )


def str_list(value: object) -> list[str] | None:
    """``value`` if it is a list of strings, else None."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def get_table(data: Mapping[str, Any], *keys: str) -> dict[str, Any] | None:
    cur: Any = data
    for k in keys:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(k)
    return cur if isinstance(cur, dict) else None


@dataclass
class Facts:
    """What the readers of one service directory have found so far (the detector freezes it)."""

    sink: Findings = field(default_factory=Findings)
    packages: list[PackageReq] = field(default_factory=list)
    constraints: list[PackageReq] = field(default_factory=list)
    locked: list[PackageReq] = field(default_factory=list)  # lock-file entries, matched later
    runtimes: list[RuntimeReq] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def read(self, path: str) -> None:
        if path not in self.files:
            self.files.append(path)


def scope_of_group(name: str) -> Scope:
    """DEV for dev/test-style group names, OPTIONAL for the others."""
    return Scope.DEV if dev_like(name) else Scope.OPTIONAL
