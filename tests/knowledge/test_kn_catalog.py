"""The distro catalog as other layers see it: releases, Provides, libraries, runtimes."""

from __future__ import annotations

import pytest

from matrixhell.knowledge.catalog import Catalog, LibraryPackages, load_catalog


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_load_is_cached_and_lists_every_distro(cat: Catalog) -> None:
    assert load_catalog() is cat
    names = {(r.distro, r.name) for r in cat.releases}
    for key in [
        ("debian", "bullseye"),
        ("debian", "bookworm"),
        ("debian", "trixie"),
        ("ubuntu", "20.04"),
        ("ubuntu", "22.04"),
        ("ubuntu", "24.04"),
        ("alpine", "3.18"),
        ("alpine", "3.19"),
        ("alpine", "3.20"),
    ]:
        assert key in names


def test_release_lookup_by_codename_and_unknown(cat: Catalog) -> None:
    assert cat.release("ubuntu", "jammy") is cat.release("ubuntu", "22.04")
    assert cat.release("Debian", "Bookworm").version == "12"
    with pytest.raises(KeyError, match="unknown release"):
        cat.release("debian", "sarge")


@pytest.mark.parametrize(
    ("distro", "name", "ssl", "openssl_major"),
    [
        ("debian", "bullseye", "libssl1.1", "1.1"),
        ("debian", "bookworm", "libssl3", "3."),
        ("debian", "trixie", "libssl3t64", "3."),
        ("ubuntu", "20.04", "libssl1.1", "1.1"),
        ("ubuntu", "24.04", "libssl3t64", "3."),
        ("alpine", "3.19", "libssl3", "3."),
    ],
)
def test_ssl_package_per_release(cat: Catalog, distro: str, name: str, ssl: str, openssl_major: str) -> None:
    rel = cat.release(distro, name)
    assert rel.ssl == ssl
    assert rel.openssl_version.startswith(openssl_major)
    assert rel.library_packages("openssl").run[0] == ssl


def test_trixie_libssl3t64_provides_libssl3(cat: Catalog) -> None:
    trixie = cat.release("debian", "trixie")
    assert trixie.has("libssl3")
    assert trixie.providers("libssl3") == ("libssl3t64",)
    assert trixie.package_version("libssl3") == trixie.package_version("libssl3t64")
    assert not trixie.has("libssl1.1")
    bookworm = cat.release("debian", "bookworm")
    assert bookworm.providers("libssl3") == ("libssl3",)
    assert not bookworm.has("libssl3t64")


def test_libc_and_runtime_versions_follow_the_archive(cat: Catalog) -> None:
    versions = {r.name: r for r in cat.releases_of("debian")}
    libc = [tuple(int(p) for p in versions[n].libc_version.split(".")) for n in ("bullseye", "bookworm", "trixie")]
    assert libc == sorted(libc) and libc[0] == (2, 31)
    assert str(versions["bookworm"].runtime_version("python")).startswith("3.11.")
    assert str(versions["trixie"].runtime_version("python3")).startswith("3.13.")
    assert str(versions["bullseye"].runtime_version("nodejs")).startswith("12.")
    assert versions["bookworm"].runtime_version("dotnet") is None
    for rel in versions.values():
        assert rel.package_version("libc6") is not None
        assert rel.libc_version in rel.package_version("libc6")  # type: ignore[operator]


def test_debian_has_answers_for_any_archive_package(cat: Catalog) -> None:
    bookworm = cat.release("debian", "bookworm")
    assert bookworm.complete
    assert bookworm.has("emacs") and bookworm.package_version("emacs") is None
    assert not bookworm.has("no-such-package-here")


@pytest.mark.parametrize(
    ("release", "library", "build", "run"),
    [
        ("bullseye", "libpq", ("libpq-dev",), ("libpq5",)),
        ("bookworm", "libicu", ("libicu-dev",), ("libicu72",)),
        ("trixie", "libicu", ("libicu-dev",), ("libicu76",)),
        ("bookworm", "libffi", ("libffi-dev",), ("libffi8",)),
        ("bullseye", "libffi", ("libffi-dev",), ("libffi7",)),
        ("bookworm", "libjpeg", ("libjpeg-dev",), ("libjpeg62-turbo",)),
        ("trixie", "libmysqlclient", ("default-libmysqlclient-dev",), ("libmariadb3",)),
        ("trixie", "libvips", ("libvips-dev",), ("libvips42t64",)),
        ("bookworm", "libxslt", ("libxslt1-dev",), ("libxslt1.1",)),
    ],
)
def test_debian_library_packages(
    cat: Catalog, release: str, library: str, build: tuple[str, ...], run: tuple[str, ...]
) -> None:
    assert cat.release("debian", release).library_packages(library) == LibraryPackages(build, run)


def test_every_debian_library_package_is_a_real_package(cat: Catalog) -> None:
    for rel in cat.releases_of("debian"):
        for lib in rel.libraries:
            pk = rel.library_packages(lib)
            for name in (*pk.build, *pk.run):
                assert rel.package_version(name) is not None, (rel.name, lib, name)


def test_alpine_and_ubuntu_library_packages(cat: Catalog) -> None:
    alpine = cat.release("alpine", "3.19")
    assert alpine.libc == "musl" and alpine.manager == "apk"
    assert alpine.library_packages("libpq") == LibraryPackages(("libpq-dev",), ("libpq",))
    assert alpine.library_packages("openssl").build == ("openssl-dev",)
    assert alpine.library_packages("libffi") == LibraryPackages(("libffi-dev",), ("libffi",))
    assert alpine.tool_packages("c-compiler") == ("gcc", "musl-dev")
    assert alpine.has("postgresql-dev") and alpine.has("libpq-dev")
    assert not alpine.has("libpq5")  # a Debian name
    jammy = cat.release("ubuntu", "22.04")
    assert jammy.library_packages("libicu").run == ("libicu70",)
    assert jammy.library_packages("libmysqlclient") == LibraryPackages(("libmysqlclient-dev",), ("libmysqlclient21",))
    assert cat.release("ubuntu", "24.04").has("libssl3")  # via libssl3t64's Provides


def test_unknown_logical_library_is_a_key_error(cat: Catalog) -> None:
    with pytest.raises(KeyError, match="unknown logical library"):
        cat.release("debian", "bookworm").library_packages("libnotalib")
    # a known library a release lacks is empty, not an error
    assert not cat.release("alpine", "3.20").library_packages("libsystemd")


def test_release_as_target(cat: Catalog) -> None:
    t = cat.release("debian", "trixie").target(runtime="python", runtime_version="3.13")
    assert (t.distro, t.release, t.libc, t.ssl) == ("debian", "trixie", "glibc", "libssl3t64")
    assert t.label() == "debian trixie python 3.13"


def test_curated_release_lists_only_what_its_sources_state(cat: Catalog) -> None:
    resolute = cat.release("ubuntu", "resolute")
    assert (resolute.name, resolute.ssl, resolute.runtime_version("python")) == ("26.04", "libssl3t64", "3.14")
    assert resolute.library_packages("libpq").run == ("libpq5",)
    icu = resolute.library_packages("libicu")
    assert icu.build == ("libicu-dev",) and icu.run == ()  # run name not stated: unknown
    assert not resolute.complete and resolute.runtime_version("node") is None
    assert cat.release("alpine", "3.24").runtime_version("python") is None
    assert cat.release("alpine", "3.24").libc_version == "1.2.5"


def test_satisfies_compares_real_versions(cat: Catalog) -> None:
    trixie = cat.release("debian", "trixie")
    assert trixie.satisfies("libssl3", ">=", "3.0.0") is True  # through libssl3t64's Provides
    assert cat.release("debian", "bullseye").satisfies("libssl-dev", ">=", "3.0.0") is False
    assert trixie.satisfies("libssl1.1") is False
    assert trixie.satisfies("emacs", ">=", "1") is None  # present, version not kept
    assert cat.release("debian", "bookworm").satisfies("libc6", "<<", "2.37") is True


def test_toolchain_meta_packages(cat: Catalog) -> None:
    assert cat.release("alpine", "3.20").tool_packages("build-essential") == ("build-base",)
    assert cat.release("alpine", "3.20").has("build-base")
    assert cat.release("debian", "trixie").tool_packages("build-essential") == ("build-essential",)
    assert cat.release("debian", "bookworm").tool_packages("rust") == ("cargo", "rustc")


def test_package_exports_load_lazily() -> None:
    import matrixhell.knowledge as kn

    assert kn.load_catalog is load_catalog
    assert kn.native_needs.__module__ == "matrixhell.knowledge.syslibs"
    with pytest.raises(AttributeError):
        _ = kn.no_such_name
