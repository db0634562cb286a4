"""A small XML tree with line numbers, built on expat (pom.xml, *.csproj, Directory.*.props).

ElementTree forgets lines; expat tells them.  Namespaces are dropped from tag names (``{ns}project`` is
``project``): Maven and MSBuild files use one namespace throughout.  Entity declarations (the way to
billion-laughs and external-entity tricks) are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["XmlElement", "load_xml", "parse_xml"]


@dataclass(slots=True)
class XmlElement:
    tag: str
    attrib: dict[str, str]
    line: int
    text: str = ""
    children: list[XmlElement] = field(default_factory=list)

    def find(self, tag: str) -> XmlElement | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[XmlElement]:
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag: str) -> str | None:
        c = self.find(tag)
        return c.text.strip() if c is not None else None

    def path(self, *tags: str) -> list[XmlElement]:
        """Every element reached through ``tags`` (``path("dependencies", "dependency")``)."""
        level = [self]
        for t in tags:
            level = [c for e in level for c in e.findall(t)]
        return level

    def iter(self) -> Iterator[XmlElement]:
        yield self
        for c in self.children:
            yield from c.iter()


class _EntityRefused(Exception):
    pass


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(" ", 1)[-1].split(":")[-1]


def parse_xml(text: str, path: str) -> XmlElement:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[XmlElement] = []
    root: list[XmlElement] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        el = XmlElement(_local(name), {_local(k): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    def entity(*args: object) -> None:
        raise _EntityRefused()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except expat.ExpatError as e:
        raise InputError(
            f"is not well-formed XML: {expat.ErrorString(e.code)}",
            origin=Origin(path, e.lineno, e.offset + 1),
            code="bad-xml",
            hint="fix the XML at that line",
        ) from e
    except _EntityRefused as e:
        raise InputError(
            "declares XML entities, which matrixhell does not expand",
            origin=Origin(path, parser.CurrentLineNumber),
            code="bad-xml",
            hint="remove the <!ENTITY> declarations",
        ) from e
    if not root:
        raise InputError(
            "has no XML root element",
            origin=Origin(path, 1),
            code="bad-xml",
            hint="the file needs one root element, such as <Project>",
        )
    return root[0]


def load_xml(view: RepoView, path: str) -> XmlElement:
    return parse_xml(view.read_text(path), path)
