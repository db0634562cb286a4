"""deb822 parsing: stanzas, relation fields, Source fields, upstream versions."""

from __future__ import annotations

import pytest

from matrixhell.knowledge.deb822 import (
    Relation,
    compare_versions,
    parse_relations,
    parse_source_field,
    parse_stanzas,
    upstream_version,
    version_satisfies,
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


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0~rc1", "1.0"),
        ("1.0", "1.0a"),
        ("1.0a", "1.0.1"),
        ("2.0", "1:0.9"),
        ("2.0-1", "2.0-1+b1"),
        ("3.0.16-1~deb12u1", "3.0.16-1"),
        ("1.1.1w-0+deb11u1", "3.0.2-0ubuntu1"),
        ("2.36-9+deb12u9", "2.36-9+deb12u10"),
        ("1.2", "1.10"),
        ("1.0~~", "1.0~"),
    ],
)
def test_compare_versions_orders_like_dpkg(a: str, b: str) -> None:
    assert compare_versions(a, b) < 0
    assert compare_versions(b, a) > 0
    assert compare_versions(a, a) == 0


def test_version_satisfies() -> None:
    assert version_satisfies("3.5.9-1~deb13u1", ">=", "3.0.0")
    assert not version_satisfies("1.1.1w-0+deb11u1", ">=", "3.0.0")
    assert version_satisfies("2.41-12", "<<", "2.42")
    assert version_satisfies("1:2.1.5-4", "=", "1:2.1.5-4")
    assert compare_versions("0:1.0", "1.0") == 0
    with pytest.raises(ValueError, match="operator"):
        version_satisfies("1", "~=", "1")


def test_compare_versions_agrees_with_dpkg_on_the_catalog_versions() -> None:
    """Differential check against dpkg itself on real version strings from debian.json."""
    import json
    import random
    import shutil
    import subprocess
    from pathlib import Path

    dpkg = shutil.which("dpkg")
    if dpkg is None:
        pytest.skip("dpkg is the oracle here and is not installed")
    data = Path(__file__).resolve().parents[2] / "matrixhell" / "knowledge" / "data" / "debian.json"
    doc = json.loads(data.read_text(encoding="utf-8"))
    versions = sorted({p["version"] for r in doc["releases"] for p in r["packages"].values()})
    rng = random.Random(7)
    for _ in range(60):
        a, b = rng.choice(versions), rng.choice(versions)
        ours = compare_versions(a, b)
        lt = subprocess.run([dpkg, "--compare-versions", a, "lt", b], check=False).returncode == 0
        gt = subprocess.run([dpkg, "--compare-versions", a, "gt", b], check=False).returncode == 0
        assert (ours < 0, ours > 0) == (lt, gt), (a, b)
