"""deb822 parsing: stanzas, relation fields, Source fields, upstream versions."""

from __future__ import annotations

import pytest

from matrixhell.knowledge.deb822 import (
    Relation,
    parse_relations,
    parse_source_field,
    parse_stanzas,
    upstream_version,
)


def test_stanzas_split_on_blank_lines_and_join_continuations() -> None:
    text = """Package: a
Version: 1.0
Description: first line
 second line

Package: b
Version: 2
"""
    stanzas = list(parse_stanzas(text.splitlines()))
    assert [s["Package"] for s in stanzas] == ["a", "b"]
    assert stanzas[0]["Description"] == "first line\nsecond line"


def test_stanzas_skip_comments_and_reject_garbage() -> None:
    assert list(parse_stanzas(["# c", "Types: deb", ""])) == [{"Types": "deb"}]
    with pytest.raises(ValueError, match="not a 'Field: value' line"):
        list(parse_stanzas(["Package: a", "garbage"]))
    with pytest.raises(ValueError, match="continuation"):
        list(parse_stanzas([" leading"]))


def test_relations_groups_alternatives_versions_arch_and_profiles() -> None:
    groups = parse_relations(
        "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, python3:any, gfortran [amd64 arm64] <!nocheck>, libfoo (<< 2)"
    )
    assert groups[0] == (Relation("libc6", ">=", "2.34"),)
    assert [r.name for r in groups[1]] == ["debconf", "debconf-2.0"]
    assert groups[2][0].name == "python3" and groups[2][0].arch_qualifier == "any"
    assert groups[3][0].architectures == ("amd64", "arm64")
    assert groups[3][0].profiles == "<!nocheck>"
    assert groups[4][0].op == "<<"


def test_relations_reject_bad_syntax() -> None:
    with pytest.raises(ValueError, match="bad relation"):
        parse_relations("${misc:Depends}")


def test_source_field_forms() -> None:
    assert parse_source_field(None, "libssl3", "3.0.1-1") == ("libssl3", "3.0.1-1")
    assert parse_source_field("openssl", "libssl3", "3.0.1-1") == ("openssl", "3.0.1-1")
    assert parse_source_field("python3-defaults (3.11.2-1)", "python3", "3.11.2-1+b1") == (
        "python3-defaults",
        "3.11.2-1",
    )


@pytest.mark.parametrize(
    ("debian", "upstream"),
    [
        ("3.5.9-1~deb13u1", "3.5.9"),
        ("1.1.1w-0+deb11u1", "1.1.1w"),
        ("2:1.19~1", "1.19"),
        ("1:2.1.5-4", "2.1.5"),
        ("12.22.12~dfsg-1~deb11u4", "12.22.12"),
        ("2.12.7+dfsg+really2.9.14-2.1+deb13u3", "2.9.14"),
        ("17.0.15+6-1~deb12u1", "17.0.15"),
        ("2.36-9+deb12u14", "2.36"),
    ],
)
def test_upstream_version(debian: str, upstream: str) -> None:
    assert upstream_version(debian) == upstream
