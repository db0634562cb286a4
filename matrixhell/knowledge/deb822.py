"""Debian control-file syntax: deb822 stanzas, relation fields and version strings.

Pure parsing of the formats apt's ``Packages``, ``Sources`` and ``.sources`` files use (Debian Policy
5.1 and 7.1).  The regeneration scripts read the archive's indexes with it; nothing here touches the
filesystem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "Relation",
    "compare_versions",
    "parse_relations",
    "parse_source_field",
    "parse_stanzas",
    "upstream_version",
    "version_satisfies",
]


def parse_stanzas(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Yield each stanza as ``{Field: value}``; continuation lines are joined with ``\\n``.

    Field names keep their case as written (deb822 compares them case-insensitively, but every archive
    index spells them the same way).  ``#`` comment lines (allowed in ``.sources`` files) are skipped.
    """
    stanza: dict[str, str] = {}
    field: str | None = None
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            if stanza:
                yield stanza
            stanza, field = {}, None
            continue
        if line.startswith("#"):
            continue
        if line[0] in " \t":
            if field is None:
                raise ValueError(f"continuation line before any field: {line!r}")
            stanza[field] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"not a 'Field: value' line: {line!r}")
        field = name.strip()
        stanza[field] = value.strip()
    if stanza:
        yield stanza


@dataclass(frozen=True, slots=True)
class Relation:
    """One package in a relation field: ``libssl3 (>= 3.0.0)``, ``python3:any``, ``foo [amd64]``."""

    name: str
    op: str | None = None  # << <= = >= >>
    version: str | None = None
    arch_qualifier: str | None = None  # the ``:any`` / ``:native`` suffix
    architectures: tuple[str, ...] = ()  # the ``[amd64 !i386]`` restriction, as written
    profiles: str | None = None  # the ``<!nocheck>`` build-profile restriction, as written


_RELATION = re.compile(
    r"""^\s*
    (?P<name>[a-z0-9][a-z0-9+.\-]*)
    (?::(?P<archq>[a-z0-9\-]+))?
    \s*(?:\(\s*(?P<op><<|<=|=|>=|>>|<|>)\s*(?P<version>[^)\s]+)\s*\))?
    \s*(?:\[(?P<archs>[^\]]*)\])?
    \s*(?P<profiles>(?:<[^>]*>\s*)*)
    \s*$""",
    re.VERBOSE,
)


def parse_relations(value: str) -> tuple[tuple[Relation, ...], ...]:
    """Parse ``Depends``-style text into AND-groups of OR-alternatives.

    ``"a (>= 1) | b, c"`` gives ``((a, b), (c,))``.  Substitution variables (``${misc:Depends}``) only
    appear in source control files, never in archive indexes, and are rejected like any bad syntax.
    """
    groups: list[tuple[Relation, ...]] = []
    for part in value.replace("\n", " ").split(","):
        if not part.strip():
            continue
        alternatives: list[Relation] = []
        for alt in part.split("|"):
            m = _RELATION.match(alt)
            if m is None:
                raise ValueError(f"bad relation {alt.strip()!r} in {value!r}")
            archs = tuple(m["archs"].split()) if m["archs"] else ()
            op = {"<": "<=", ">": ">="}.get(m["op"] or "", m["op"])  # obsolete spellings
            alternatives.append(
                Relation(
                    name=m["name"],
                    op=op,
                    version=m["version"],
                    arch_qualifier=m["archq"],
                    architectures=archs,
                    profiles=m["profiles"].strip() or None,
                )
            )
        groups.append(tuple(alternatives))
    return tuple(groups)


def parse_source_field(value: str | None, package: str, version: str) -> tuple[str, str]:
    """Return ``(source name, source version)`` of a binary package from its ``Source`` field.

    The field is absent when the source is named like the package, and carries ``(version)`` when the
    binary was rebuilt (binNMU) or its version differs from the source's.
    """
    if not value:
        return package, version
    m = re.fullmatch(r"\s*([a-z0-9][a-z0-9+.\-]*)\s*(?:\(\s*([^)\s]+)\s*\))?\s*", value)
    if m is None:
        raise ValueError(f"bad Source field {value!r} of {package}")
    return m[1], m[2] or version


_REALLY = re.compile(r"\+really([0-9][^+~-]*)")


def upstream_version(version: str) -> str:
    """The upstream part of a Debian version: ``1:2.12.7+dfsg-1`` -> ``2.12.7``.

    Drops the epoch, the Debian revision, repack suffixes (``+dfsg``, ``~dfsg``, ``+ds``) and honours
    the ``+reallyX`` convention a downgrade uses (``2.12.7+dfsg+really2.9.14-2`` -> ``2.9.14``).
    """
    v = version.split(":", 1)[1] if ":" in version else version
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    really = _REALLY.search(v)
    if really is not None:
        v = really.group(1)
    m = re.match(r"[0-9][0-9.]*[0-9a-z]*", v)
    if m is None:
        return v
    return m.group(0).rstrip(".")


def _order(c: str) -> int:
    # dpkg's lexical order: ~ before everything (even the end of the string), then letters, then the rest
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) else 0
            bc = _order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def _split(version: str) -> tuple[int, str, str]:
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    if not epoch.isdigit():
        raise ValueError(f"bad epoch in Debian version {version!r}")
    return int(epoch), upstream, revision


def compare_versions(a: str, b: str) -> int:
    """Compare two Debian versions the way dpkg does: negative, zero or positive.

    ``1.0~rc1 < 1.0 < 1.0a < 1.0.1``; an epoch outweighs everything (``1:0.9 > 2.0``); the Debian
    revision decides last (``2.0-1 < 2.0-1+b1``).
    """
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return ea - eb
    return _verrevcmp(ua, ub) or _verrevcmp(ra, rb)


def version_satisfies(version: str, op: str, reference: str) -> bool:
    """Whether *version* satisfies a relation ``(op reference)``: op is << <= = >= >>."""
    c = compare_versions(version, reference)
    checks = {"<<": c < 0, "<=": c <= 0, "=": c == 0, ">=": c >= 0, ">>": c > 0}
    if op not in checks:
        raise ValueError(f"bad relation operator {op!r}")
    return checks[op]
