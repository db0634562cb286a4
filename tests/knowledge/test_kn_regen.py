"""The regeneration scripts' pure parts, run on small embedded Packages/Sources snippets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from matrixhell.knowledge.deb822 import parse_stanzas

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


PACKAGES = """\
Package: libssl3t64
Source: openssl
Version: 3.5.1-1
Architecture: amd64
Multi-Arch: same
Provides: libssl3 (= 3.5.1-1)
Depends: libc6 (>= 2.38)

Package: libssl-dev
Source: openssl
Version: 3.5.1-1
Architecture: amd64
Multi-Arch: same
Depends: libssl3t64 (= 3.5.1-1)

Package: libc6
Source: glibc
Version: 2.41-12
Architecture: amd64
Multi-Arch: same

Package: libpq5
Source: postgresql-17
Version: 17.5-1
Architecture: amd64
Multi-Arch: same
Depends: libc6 (>= 2.38), libssl3t64 (>= 3.0.0)

Package: libpq-dev
Source: postgresql-17
Version: 17.5-1
Architecture: amd64
Depends: libpq5 (= 17.5-1), libssl-dev

Package: default-libmysqlclient-dev
Source: mysql-defaults
Version: 1.1.1
Architecture: amd64
Depends: libmariadb-dev-compat

Package: libmariadb-dev-compat
Source: mariadb
Version: 1:11.8.2-1
Architecture: amd64
Depends: libmariadb-dev (= 1:11.8.2-1)

Package: libmariadb-dev
Source: mariadb
Version: 1:11.8.2-1
Architecture: amd64
Depends: libmariadb3 (= 1:11.8.2-1), zlib1g-dev

Package: libmariadb3
Source: mariadb
Version: 1:11.8.2-1
Architecture: amd64
Multi-Arch: same

Package: python3
Source: python3-defaults
Version: 3.13.5-1
Architecture: amd64
Depends: python3.13 (>= 3.13.5-1~), libpython3-stdlib (= 3.13.5-1)

Package: python3.13
Version: 3.13.5-2
Architecture: amd64

Package: nodejs
Version: 20.19.2+dfsg-1
Architecture: amd64

Package: python3-psycopg2
Source: psycopg2 (2.9.10-1)
Version: 2.9.10-1+b1
Architecture: amd64
Depends: python3 (<< 3.14), python3:any, libc6 (>= 2.14), libpq5 (>= 10~)

Package: python3-cryptography
Source: python-cryptography
Version: 43.0.0-3
Architecture: amd64
Depends: python3-cffi-backend-api-min (<= 9729), libc6 (>= 2.38), libgcc-s1 (>= 4.2), libssl3t64 (>= 3.0.0)

Package: python3-idna
Version: 3.10-1
Architecture: all
Depends: python3:any
"""

SOURCES = """\
Package: psycopg2
Binary: python3-psycopg2
Version: 2.9.10-1
Build-Depends: debhelper-compat (= 13), dh-python, libpq-dev, postgresql <!nocheck>, python3-all-dev:any

Package: python-cryptography
Binary: python3-cryptography
Version: 43.0.0-3
Build-Depends: cargo, librust-openssl-dev (>= 0.10), libssl-dev, gfortran [s390x] <!nocheck>,
 python3-all-dev, pkg-config
"""

INRELEASE = """\
-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Origin: Debian
Suite: stable
Version: 13.1
Codename: trixie
Date: Sat, 06 Sep 2025 10:00:00 UTC
MD5Sum:
 abc 1 main/binary-amd64/Packages
-----BEGIN PGP SIGNATURE-----

xyz
-----END PGP SIGNATURE-----
"""

LIBRARIES = {
    "openssl": {"debian_build": ["libssl-dev"]},
    "libpq": {"debian_build": ["libpq-dev"]},
    "libmysqlclient": {"debian_build": [["default-libmysqlclient-dev", "libmariadb-dev"]]},
    "libgdal": {"debian_build": ["libgdal-dev"]},
}
TOOLS = {"c-compiler": {"debian": ["gcc", "libc6-dev"]}}


@pytest.fixture(scope="module")
def cat_script() -> ModuleType:
    return _load("regen_catalog")


@pytest.fixture(scope="module")
def index(cat_script: ModuleType) -> dict[str, dict[str, object]]:
    return cat_script.index_packages(parse_stanzas(PACKAGES.splitlines()))  # type: ignore[no-any-return]


def test_parse_inrelease(cat_script: ModuleType) -> None:
    info = cat_script.parse_inrelease(INRELEASE)
    assert info == {"Codename": "trixie", "Version": "13.1", "Date": "Sat, 06 Sep 2025 10:00:00 UTC", "Suite": "stable"}


def test_index_packages_reads_source_provides_depends(index: dict[str, dict[str, object]]) -> None:
    assert index["libssl3t64"]["provides"] == ["libssl3"]
    assert index["python3-psycopg2"]["source"] == "psycopg2"
    assert index["libc6"]["source"] == "glibc"
    assert (("libpq5", ">=", "10~"),) in index["python3-psycopg2"]["depends"]  # type: ignore[operator]


def test_run_packages_come_from_exact_version_depends(cat_script: ModuleType, index: dict) -> None:  # type: ignore[type-arg]
    assert cat_script.derive_run_packages(index, "libssl-dev") == ["libssl3t64"]
    assert cat_script.derive_run_packages(index, "libpq-dev") == ["libpq5"]  # libssl-dev is another source
    # a -defaults package is followed through its -dev dependencies
    assert cat_script.derive_run_packages(index, "default-libmysqlclient-dev") == ["libmariadb3"]
    assert cat_script.derive_run_packages(index, "libnothere-dev") == []


def test_build_spec_alternatives(cat_script: ModuleType, index: dict) -> None:  # type: ignore[type-arg]
    assert cat_script.pick_build_packages(index, [["libnope-dev", "libpq-dev"]]) == ["libpq-dev"]
    assert cat_script.pick_build_packages(index, ["libgdal-dev"]) is None


def test_runtime_versions(cat_script: ModuleType, index: dict) -> None:  # type: ignore[type-arg]
    assert cat_script.runtime_version(index, "python3", r"python3\.\d+") == "3.13.5"
    assert cat_script.runtime_version(index, "nodejs", None) == "20.19.2"
    assert cat_script.runtime_version(index, "golang-go", r"golang-\d+\.\d+-go") is None


def test_build_release_record(cat_script: ModuleType, index: dict) -> None:  # type: ignore[type-arg]
    rec = cat_script.build_release("trixie", {"Version": "13.1", "Date": "d"}, index, LIBRARIES, TOOLS)
    assert (rec["version"], rec["libc_version"], rec["ssl"], rec["openssl_version"]) == (
        "13",
        "2.41",
        "libssl3t64",
        "3.5.1",
    )
    assert rec["libraries"]["openssl"] == {"build": ["libssl-dev"], "run": ["libssl3t64"]}
    assert "libgdal" not in rec["libraries"]
    assert rec["packages"]["libssl3t64"]["provides"] == ["libssl3"]
    assert rec["runtimes"] == {"python": "3.13.5", "node": "20.19.2"}


def test_archive_uri_reads_deb822_and_one_line_sources(cat_script: ModuleType, tmp_path: Path) -> None:
    d = tmp_path / "sources.list.d"
    d.mkdir()
    (d / "a.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n",
        encoding="utf-8",
    )
    assert cat_script.archive_uri(d, tmp_path / "none") == "http://mirror.invalid/debian"
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line = tmp_path / "sources.list"
    one_line.write_text("deb [arch=amd64] http://other.invalid/debian bookworm main\n", encoding="utf-8")
    assert cat_script.archive_uri(empty, one_line) == "http://other.invalid/debian"


@pytest.fixture(scope="module")
def sys_script() -> ModuleType:
    _load("regen_catalog")
    return _load("regen_syslibs")


def test_parse_fallback(sys_script: ModuleType) -> None:
    text = "argparse python3 (>= 3.2)\nPillow python3-pil\nPyYAML python3-yaml\nCython cython3\n"
    assert sys_script.parse_fallback(text.splitlines()) == {
        "pillow": "python3-pil",
        "pyyaml": "python3-yaml",
        "cython": "cython3",
    }


def test_index_sources_drops_test_only_and_foreign_arch(sys_script: ModuleType) -> None:
    src = sys_script.index_sources(parse_stanzas(SOURCES.splitlines()))
    assert "postgresql" not in src["psycopg2"] and "libpq-dev" in src["psycopg2"]
    assert "gfortran" not in src["python-cryptography"]
    assert {"cargo", "libssl-dev", "pkg-config"} <= set(src["python-cryptography"])


def test_derive_entry_from_snippets(sys_script: ModuleType, index: dict) -> None:  # type: ignore[type-arg]
    src = sys_script.index_sources(parse_stanzas(SOURCES.splitlines()))
    releases = [
        {
            "libraries": {
                "libpq": {"build": ["libpq-dev"], "run": ["libpq5"]},
                "openssl": {"build": ["libssl-dev"], "run": ["libssl3t64"]},
            },
            "packages": {
                "libssl3t64": {"source": "openssl", "provides": ["libssl3"]},
                "libpq5": {"source": "postgresql-17"},
            },
        }
    ]
    maps = sys_script.logical_maps(releases)
    assert maps[0]["libssl3"] == "openssl"  # a Provides maps like the real package
    pg = sys_script.derive_entry("python3-psycopg2", index, src, maps)
    assert pg["libraries"] == ["libpq"] and pg["source"] == "debian:python3-psycopg2"
    assert "c-compiler" in pg["build_tools"]
    crypto = sys_script.derive_entry("python3-cryptography", index, src, maps)
    assert crypto["libraries"] == ["openssl"]
    assert {"rust", "pkg-config", "c-compiler"} <= set(crypto["build_tools"])
    assert sys_script.derive_entry("python3-idna", index, src, maps) is None  # pure Python
    assert sys_script.derive_entry("python3-absent", index, src, maps) is None


@pytest.fixture(scope="module")
def wheel_script() -> ModuleType:
    return _load("regen_wheel_bundles")


def test_grafted_libraries_from_a_wheel_listing(wheel_script: ModuleType) -> None:
    names = [
        "psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so",
        "psycopg2_binary.libs/",
        "psycopg2_binary.libs/libpq-a17e3caa.so.5.17",
        "psycopg2_binary.libs/libssl-8bd944e8.so.3",
        "psycopg2_binary.libs/libcrypto-fb8d5b21.so.3",
        "psycopg2_binary.libs/libgssapi_krb5-497db0c6.so.2.2",
        "psycopg2_binary.libs/libselinux-0922c95c.so.1",
        "fiona.libs/libgdal-fiona-e8f6bdb0.so.35.3.9.2",
        "scipy.libs/libgfortran-040039e1-0352e75f.so.5.0.0",
        "_soundfile_data/libsndfile_x86_64.so",
        "x.libs/libmystery-0123abcd.so.1",
        "pkg/_ext.abi3.so",
    ]
    logical, files, unmapped = wheel_script.grafted_libraries(names)
    assert logical == ["libpq", "openssl", "krb5", "libgdal", "libgfortran", "libsndfile"]
    assert "libpq-a17e3caa.so.5.17" in files and "_ext.abi3.so" not in files
    assert unmapped == ["libmystery"]


def test_probed_wheel_bundles_reach_the_map() -> None:
    import json

    from matrixhell.knowledge.syslibs import native_needs
    from matrixhell.model.facts import Ecosystem

    data = Path(__file__).resolve().parents[2] / "matrixhell" / "knowledge" / "data" / "wheel_bundles.json"
    probed = json.loads(data.read_text(encoding="utf-8"))["pypi"]
    assert {"psycopg2-binary", "numpy", "pillow", "lxml", "cryptography"} <= set(probed)
    for name, entry in probed.items():
        assert entry["wheel"].endswith(".whl") and len(entry["sha256"]) == 64
        needs = native_needs(Ecosystem.PYPI, name)
        if needs is not None:
            assert needs.wheel_bundles == tuple(entry["bundles"]), name


EXTENSIONS = """\
Package: ruby-pg
Version: 1.5.9-1
Architecture: amd64
Depends: libc6 (>= 2.29), libpq5 (>= 15~~), libruby3.3 (>= 3.3.0), ruby

Package: php8.4-pgsql
Source: php8.4
Version: 8.4.11-1
Architecture: amd64
Provides: php-pdo-pgsql, php-pgsql, php8.4-pdo-pgsql
Depends: php-common (>= 2:95~), ucf, php8.4-common (= 8.4.11-1), libc6 (>= 2.38), libpq5 (>= 17~~)

Package: php8.4-cli
Source: php8.4
Version: 8.4.11-1
Architecture: amd64
Depends: libc6 (>= 2.38)

Package: node-sqlite3
Version: 5.1.7+ds-1
Architecture: amd64
Depends: libc6 (>= 2.14), libnode115 (>= 20.19.0), libsqlite3-0 (>= 3.7.15), libstdc++6 (>= 14)

Package: libpq5
Source: postgresql-17
Version: 17.5-1
Architecture: amd64

Package: libsqlite3-0
Source: sqlite3
Version: 3.46.1-7
Architecture: amd64
"""


def test_derive_extensions_from_ruby_node_php_packages(sys_script: ModuleType) -> None:
    packages = _load("regen_catalog").index_packages(parse_stanzas(EXTENSIONS.splitlines()))
    maps: tuple[dict[str, str], ...] = ({"libpq5": "libpq", "libsqlite3-0": "libsqlite3"}, {}, {})
    out = sys_script.derive_extensions(packages, maps)
    assert out["gem"]["pg"]["libraries"] == ["libpq"] and out["gem"]["pg"]["source"] == "debian:ruby-pg"
    assert set(out["composer"]) == {"ext-pgsql", "ext-pdo_pgsql"}  # the SAPI package is no extension
    assert out["composer"]["ext-pdo_pgsql"]["libraries"] == ["libpq"]
    assert out["npm"]["sqlite3"]["libraries"] == ["libsqlite3"]
    assert "c++-compiler" in out["npm"]["sqlite3"]["build_tools"]
    merged = sys_script.merge_curated({"sqlite3": {"libraries": [], "source": "curated"}}, out["npm"])
    assert merged["sqlite3"]["source"] == "curated"


def test_overlay_takes_a_pockets_higher_versions(cat_script: ModuleType) -> None:
    base = {
        "libssl3t64": {"version": "3.5.1-1"},
        "libc6": {"version": "2.41-12"},
    }
    pocket = {
        "libssl3t64": {"version": "3.5.1-1+deb13u1"},  # a security fix
        "libc6": {"version": "2.41-11"},  # never downgrade
        "newpkg": {"version": "1.0-1"},
    }
    assert cat_script.overlay(base, pocket) == 2
    assert base["libssl3t64"]["version"] == "3.5.1-1+deb13u1"
    assert base["libc6"]["version"] == "2.41-12"
    assert "newpkg" in base
