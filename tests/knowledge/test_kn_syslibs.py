"""native_needs: what language packages ask of the OS, across ecosystems."""

from __future__ import annotations

import pytest

from matrixhell.knowledge.catalog import load_catalog
from matrixhell.knowledge.syslibs import known_packages, native_needs
from matrixhell.model.facts import Ecosystem


def test_psycopg2_needs_libpq_and_a_compiler_from_source() -> None:
    needs = native_needs(Ecosystem.PYPI, "psycopg2")
    assert needs is not None
    assert needs.libraries == ("libpq",)
    assert "c-compiler" in needs.build_tools and needs.needs_compiler
    assert needs.source == "debian:python3-psycopg2"
    assert needs.wheel_bundles == ()  # psycopg2 publishes no wheels with libpq inside


def test_psycopg2_binary_is_the_same_code_with_bundling_wheels() -> None:
    binary = native_needs(Ecosystem.PYPI, "psycopg2_binary")  # any PEP 503 spelling
    plain = native_needs(Ecosystem.PYPI, "psycopg2")
    assert binary is not None and plain is not None
    assert binary.libraries == plain.libraries
    assert {"libpq", "openssl"} <= set(binary.wheel_bundles)
    assert binary.run_libraries(prebuilt=True) == ()
    assert plain.run_libraries(prebuilt=False) == ("libpq",)


def test_lxml_and_pillow() -> None:
    lxml = native_needs(Ecosystem.PYPI, "lxml")
    assert lxml is not None and {"libxml2", "libxslt"} <= set(lxml.libraries)
    assert "zlib" in lxml.build_libraries()
    pillow = native_needs(Ecosystem.PYPI, "Pillow")
    assert pillow is not None and pillow.source == "debian:python3-pil"
    assert {"libjpeg", "zlib", "freetype"} <= set(pillow.libraries)
    assert set(pillow.libraries) <= set(pillow.wheel_bundles)


def test_cryptography_needs_rust_and_openssl() -> None:
    needs = native_needs(Ecosystem.PYPI, "cryptography")
    assert needs is not None
    assert needs.libraries == ("openssl",)
    assert "rust" in needs.build_tools
    assert needs.run_libraries(prebuilt=True) == ()


def test_numpy_wheels_need_no_system_libraries() -> None:
    needs = native_needs(Ecosystem.PYPI, "numpy")
    assert needs is not None
    assert needs.needs_compiler
    assert needs.libraries  # Debian's build links the system BLAS/LAPACK
    assert needs.run_libraries(prebuilt=True) == ()


def test_ctypes_loaders_need_the_library_but_no_compiler() -> None:
    magic = native_needs(Ecosystem.PYPI, "python-magic")
    assert magic is not None and magic.libraries == ("libmagic",) and not magic.needs_compiler
    assert native_needs(Ecosystem.PYPI, "requests") is None  # pure Python: no entry


def test_npm_native_modules() -> None:
    sharp = native_needs(Ecosystem.NPM, "sharp")
    assert sharp is not None and sharp.libraries == ("libvips",) and sharp.wheel_bundles == ("libvips",)
    canvas = native_needs(Ecosystem.NPM, "canvas")
    assert canvas is not None and {"cairo", "pango", "libjpeg", "giflib"} <= set(canvas.libraries)
    gyp = native_needs(Ecosystem.NPM, "node-gyp")
    assert gyp is not None and set(gyp.build_tools) == {"python3", "make", "c++-compiler"}
    for name in ("bcrypt", "sqlite3", "better-sqlite3", "node-sass", "argon2"):
        entry = native_needs(Ecosystem.NPM, name)
        assert entry is not None and "c++-compiler" in entry.build_tools, name


def test_gems_and_php_extensions() -> None:
    assert native_needs(Ecosystem.GEM, "pg").libraries == ("libpq",)  # type: ignore[union-attr]
    mysql2 = native_needs(Ecosystem.GEM, "mysql2")
    assert mysql2 is not None and "libmysqlclient" in mysql2.libraries
    nokogiri = native_needs(Ecosystem.GEM, "nokogiri")
    assert nokogiri is not None and {"libxml2", "libxslt"} <= set(nokogiri.libraries)
    assert native_needs(Ecosystem.GEM, "rmagick").libraries == ("imagemagick",)  # type: ignore[union-attr]
    assert native_needs(Ecosystem.GEM, "ffi").libraries == ("libffi",)  # type: ignore[union-attr]
    assert native_needs(Ecosystem.COMPOSER, "ext-pdo_pgsql").libraries == ("libpq",)  # type: ignore[union-attr]
    assert native_needs(Ecosystem.COMPOSER, "ext-intl").libraries == ("libicu",)  # type: ignore[union-attr]
    gd = native_needs(Ecosystem.COMPOSER, "ext-gd")
    assert gd is not None and {"libpng", "libjpeg", "freetype"} <= set(gd.libraries)
    assert native_needs(Ecosystem.COMPOSER, "ext-zip").libraries[0] == "libzip"  # type: ignore[union-attr]


def test_map_covers_at_least_200_native_pypi_packages() -> None:
    assert len(known_packages(Ecosystem.PYPI)) >= 200
    sources = [native_needs(Ecosystem.PYPI, n) for n in known_packages(Ecosystem.PYPI)]
    derived = [s for s in sources if s is not None and s.source.startswith("debian:")]
    assert len(derived) >= 200


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_every_library_and_tool_named_resolves_on_every_release(ecosystem: Ecosystem) -> None:
    cat = load_catalog()
    bookworm = cat.release("debian", "bookworm")
    for name in known_packages(ecosystem):
        needs = native_needs(ecosystem, name)
        assert needs is not None
        for lib in (*needs.libraries, *needs.wheel_bundles, *needs.build_only_libraries):
            for rel in cat.releases:
                rel.library_packages(lib)  # KeyError for a name no release table knows
        for tool in needs.build_tools:
            assert bookworm.tool_packages(tool), (name, tool)


def test_gems_and_extensions_debian_packages_derive() -> None:
    blank = native_needs(Ecosystem.GEM, "fast_blank")  # ruby-fast-blank: _ spelled -
    assert blank is not None and blank.source == "debian:ruby-fast-blank" and blank.needs_compiler
    zstd = native_needs(Ecosystem.COMPOSER, "ext-zstd")
    assert zstd is not None and zstd.libraries == ("zstd",) and zstd.source.startswith("debian:php")
    amqp = native_needs(Ecosystem.COMPOSER, "ext-amqp")
    assert amqp is not None and amqp.libraries == ("librabbitmq",)
