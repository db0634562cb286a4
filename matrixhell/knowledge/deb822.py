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
    "parse_relations",
    "parse_source_field",
    "parse_stanzas",
    "upstream_version",
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
