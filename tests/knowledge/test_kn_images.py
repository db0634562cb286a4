"""Official image references: every family's tag spellings, defaults, and the candidate lists."""

from __future__ import annotations

import dataclasses

import pytest

from matrixhell.knowledge.catalog import Catalog, load_catalog


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("python:3.11-slim-bookworm", ("python", "debian", "bookworm", "glibc", "python", "3.11", "slim")),
        ("python:3.12.7-bullseye", ("python", "debian", "bullseye", "glibc", "python", "3.12.7", "full")),
        ("python:3.12-alpine3.20", ("python", "alpine", "3.20", "musl", "python", "3.12", "alpine")),
        ("docker.io/library/node:20-alpine", ("node", "alpine", "3.23", "musl", "node", "20", "alpine")),
        ("node:22-bookworm-slim", ("node", "debian", "bookworm", "glibc", "node", "22", "slim")),
        ("node:lts-alpine3.24", ("node", "alpine", "3.24", "musl", "node", "26", "alpine")),
        ("golang:1.25-alpine3.21", ("golang", "alpine", "3.21", "musl", "go", "1.25", "alpine")),
        ("golang:1.24-bookworm", ("golang", "debian", "bookworm", "glibc", "go", "1.24", "full")),
        ("eclipse-temurin:21-jre-jammy", ("eclipse-temurin", "ubuntu", "22.04", "glibc", "java", "21", "slim")),
        (
            "eclipse-temurin:17.0.11_9-jdk-alpine",
            ("eclipse-temurin", "alpine", "3.23", "musl", "java", "17.0.11", "alpine"),
        ),
        (
            "mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim",
            ("mcr.microsoft.com/dotnet/aspnet", "debian", "bookworm", "glibc", "dotnet", "8.0", "slim"),
        ),
        (
            "mcr.microsoft.com/dotnet/sdk:9.0-alpine3.21",
            ("mcr.microsoft.com/dotnet/sdk", "alpine", "3.21", "musl", "dotnet", "9.0", "alpine"),
        ),
        (
            "mcr.microsoft.com/dotnet/runtime:8.0-noble-chiseled",
            ("mcr.microsoft.com/dotnet/runtime", "ubuntu", "24.04", "glibc", "dotnet", "8.0", "slim"),
        ),
        ("ruby:3.3-slim-bookworm", ("ruby", "debian", "bookworm", "glibc", "ruby", "3.3", "slim")),
        ("php:8.3-fpm-alpine3.21", ("php", "alpine", "3.21", "musl", "php", "8.3", "alpine")),
        ("php:8.2-apache-bookworm", ("php", "debian", "bookworm", "glibc", "php", "8.2", "slim")),
        ("rust:1.82-slim-bookworm", ("rust", "debian", "bookworm", "glibc", "rust", "1.82", "slim")),
        ("rust:1.85-alpine", ("rust", "alpine", "3.21", "musl", "rust", "1.85", "alpine")),
    ],
)
def test_parse_every_family(cat: Catalog, ref: str, expected: tuple[str, ...]) -> None:
    info = cat.image(ref)
    assert info is not None
    assert (
        info.repository,
        info.distro,
        info.release,
        info.libc,
        info.runtime,
        info.runtime_version,
        info.variant,
    ) == expected
    assert info.reference == ref


def test_default_tags_mean_the_documented_release(cat: Catalog) -> None:
    py = cat.image("python:3.12")
    assert py is not None and (py.release, py.variant, py.compilers) == ("trixie", "full", True)
    slim = cat.image("python:3.12-slim")
    assert slim is not None and (slim.release, slim.compilers) == ("trixie", False)
    latest = cat.image("python")
    assert latest is not None and latest.tag == "latest" and latest.runtime_version == "3.15"
    node20, node26 = cat.image("node:20"), cat.image("node:26")
    assert node20 is not None and node20.release == "bookworm"  # older lines kept bookworm
    assert node26 is not None and node26.release == "trixie"
    temurin = cat.image("eclipse-temurin:21")
    assert temurin is not None and (temurin.distro, temurin.release, temurin.flavor) == ("ubuntu", "24.04", "jdk")
    php = cat.image("php:8.3")
    assert php is not None and php.flavor == "cli"
    dotnet10 = cat.image("mcr.microsoft.com/dotnet/aspnet:10.0")
    assert dotnet10 is not None and dotnet10.distro == "ubuntu"


def test_major_only_tags_mean_the_newest_line(cat: Catalog) -> None:
    py3 = cat.image("python:3-alpine")
    assert py3 is not None and (py3.runtime_version, py3.release) == ("3", "3.24")
    go1 = cat.image("golang:1")
    assert go1 is not None and go1.release == "trixie"
    old = cat.image("python:3.8")  # a retired line keeps the release its last images used
    assert old is not None and old.release == "bookworm"


def test_digests_are_ignored(cat: Catalog) -> None:
    with_digest = cat.image("python:3.11-slim-bookworm@sha256:" + "a" * 64)
    plain = cat.image("python:3.11-slim-bookworm")
    assert with_digest is not None and plain is not None
    assert (with_digest.tag, with_digest.release) == (plain.tag, plain.release)
    only_digest = cat.image("python@sha256:" + "b" * 64)
    assert only_digest is not None and only_digest.tag == "latest"


@pytest.mark.parametrize(
    "ref",
    [
        "nginx:1.27",
        "ghcr.io/acme/python:3.11",
        "localhost:5000/python:3.11",
        "python:3.11-windowsservercore",
        "python:3.11-slim-sarge",
        "python:3.11-weird",
    ],
)
def test_unknown_images_are_none(cat: Catalog, ref: str) -> None:
    assert cat.image(ref) is None


def test_release_of_an_image_is_in_the_catalog(cat: Catalog) -> None:
    info = cat.image("python:3.11-slim-trixie")
    assert info is not None
    rel = cat.release_of(info)
    assert rel is not None and rel.ssl == "libssl3t64"


def test_images_for_python_best_first(cat: Catalog) -> None:
    tags = [i.tag for i in cat.images_for("python", "3.11")]
    assert tags[:2] == ["3.11-slim-trixie", "3.11-slim-bookworm"]
    variants = [i.variant for i in cat.images_for("python", "3.11")]
    assert variants == sorted(variants, key=["slim", "full", "alpine"].index)
    assert all(i.runtime_version == "3.11" for i in cat.images_for("python", "3.11.9"))
    assert cat.images_for("python", "2.7") == ()


def test_images_for_other_runtimes(cat: Catalog) -> None:
    node = cat.images_for("nodejs", "22")
    assert node[0].tag == "22-trixie-slim" and node[-1].libc == "musl"
    java = cat.images_for("java", "21")
    assert java[0].repository == "eclipse-temurin" and java[0].flavor == "jre"
    rust = cat.images_for("rust", "1.85")
    assert rust[0].tag == "1.85-slim-bookworm"  # rust images got trixie only from 1.88
    for info in (*node, *java, *rust):  # every candidate parses back to itself
        ref = f"{info.repository}:{info.tag}"
        assert cat.image(ref) == dataclasses.replace(info, reference=ref)
