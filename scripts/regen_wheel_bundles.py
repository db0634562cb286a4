#!/usr/bin/env python3
"""Regenerate matrixhell/knowledge/data/wheel_bundles.json: which system libraries manylinux wheels carry.

For each package below it downloads the newest manylinux x86_64 wheel for CPython 3.12 with
``pip download --only-binary=:all: --no-deps`` and lists the shared libraries auditwheel grafted
into its ``<name>.libs/`` directory (``libpq-a17e3caa.so.5.17`` -> libpq); a soname table maps them
to logical library names.  Libraries a wheel links statically leave no file behind and are listed in
STATIC (curated from the projects' wheel build scripts).  regen_syslibs.py reads the result:

    python scripts/regen_wheel_bundles.py && python scripts/regen_syslibs.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "matrixhell" / "knowledge" / "data"
COMMAND = "python scripts/regen_wheel_bundles.py"
PYTHON = "3.12"
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_26_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)

# Packages whose wheels are probed (the very large ones, torch/tensorflow/xgboost, are left out).
PACKAGES = (
    "psycopg2-binary",
    "psycopg-binary",
    "lxml",
    "pillow",
    "cryptography",
    "numpy",
    "scipy",
    "scikit-learn",
    "pyarrow",
    "h5py",
    "netcdf4",
    "shapely",
    "pyproj",
    "rtree",
    "fiona",
    "rasterio",
    "pyogrio",
    "cartopy",
    "grpcio",
    "pyzmq",
    "pycurl",
    "lz4",
    "zstandard",
    "brotli",
    "xxhash",
    "pynacl",
    "argon2-cffi-bindings",
    "cffi",
    "pyyaml",
    "ruamel-yaml-clib",
    "xmlsec",
    "pygit2",
    "pikepdf",
    "pymupdf",
    "opencv-python-headless",
    "gmpy2",
    "pyfftw",
    "tables",
    "blosc2",
    "pillow-heif",
    "soundfile",
    "pymssql",
    "confluent-kafka",
    "pyodbc",
    "lightgbm",
    "faiss-cpu",
    "llvmlite",
    "numba",
    "coincurve",
    "jq",
    "rawpy",
    "mysqlclient",
    "python-ldap",
    "pycares",
)

# Logical libraries linked statically into a wheel's extension (no file in .libs shows them).
STATIC: dict[str, tuple[str, ...]] = {
    "cryptography": ("openssl",),  # the Rust extension links OpenSSL statically
    "lxml": ("libxml2", "libxslt", "zlib"),  # built with STATIC_DEPS=true
    "pillow": ("zlib", "libimagequant", "libraqm"),  # zlib-ng, libimagequant and raqm compiled in
    "pyyaml": ("libyaml",),
    "ruamel-yaml-clib": ("libyaml",),
    "pynacl": ("libsodium",),  # bundled libsodium source
    "argon2-cffi-bindings": ("libargon2",),  # vendored phc-winner-argon2
    "grpcio": ("openssl", "zlib", "re2", "c-ares"),  # BoringSSL and third_party sources built in
    "zstandard": ("zstd",),
    "lz4": ("lz4",),
    "brotli": ("brotli",),
    "xxhash": ("xxhash",),
    "coincurve": ("libsecp256k1",),
    "jq": ("oniguruma",),  # jq and oniguruma built from bundled sources
    "pycares": ("c-ares",),
    "cffi": ("libffi",),
    "xmlsec": ("libxmlsec1", "libxml2", "libxslt", "openssl"),
    "pymssql": ("freetds", "openssl"),
    "pymupdf": ("freetype", "libjpeg", "openjpeg", "harfbuzz", "zlib"),  # MuPDF's thirdparty/ sources
    "llvmlite": ("llvm",),
    "pyarrow": ("zstd", "lz4", "snappy", "brotli", "zlib", "bzip2", "re2", "protobuf", "openssl"),
}

# auditwheel's grafted file name stem (hash and version dropped) -> logical libraries.
SONAMES: list[tuple[str, tuple[str, ...]]] = [
    (r"libpq", ("libpq",)),
    (r"libssl|libcrypto", ("openssl",)),
    (r"libgssapi_krb5|libkrb5|libk5crypto|libkrb5support|libcom_err|libkeyutils", ("krb5",)),
    (r"libldap(_r)?|liblber", ("libldap",)),
    (r"libsasl2", ("libsasl2",)),
    (r"libz", ("zlib",)),
    (r"libjpeg|libturbojpeg", ("libjpeg",)),
    (r"libpng16|libpng", ("libpng",)),
    (r"libtiff", ("libtiff",)),
    (r"libwebp|libwebpdemux|libwebpmux|libsharpyuv", ("libwebp",)),
    (r"libfreetype", ("freetype",)),
    (r"liblcms2", ("lcms2",)),
    (r"libopenjp2", ("openjpeg",)),
    (r"libharfbuzz", ("harfbuzz",)),
    (r"libfribidi", ("fribidi",)),
    (r"libxcb|libXau|libXdmcp", ("libxcb",)),
    (r"libX11|libXext|libXrender", ("libx11",)),
    (r"libbrotli(common|dec|enc)", ("brotli",)),
    (r"liblzma", ("xz",)),
    (r"libzstd", ("zstd",)),
    (r"libbz2", ("bzip2",)),
    (r"liblz4", ("lz4",)),
    (r"libsnappy", ("snappy",)),
    (r"libavif|libdav1d|libSvtAv1Enc|librav1e", ("libavif",)),
    (r"libheif|libde265|libx265", ("libheif",)),
    (r"lib(scipy_)?openblas.*", ("openblas", "blas", "lapack")),
    (r"libgfortran|libquadmath", ("libgfortran",)),
    (r"libgomp", ("libgomp",)),
    (r"libgeos(_c)?", ("libgeos",)),
    (r"libproj", ("libproj",)),
    (r"libsqlite3", ("libsqlite3",)),
    (r"libcurl", ("libcurl",)),
    (r"libnghttp2", ("libnghttp2",)),
    (r"libssh2", ("libssh2",)),
    (r"libidn2|libunistring", ("libidn2",)),
    (r"libhdf5(_hl)?(_cpp)?|libsz|libaec", ("hdf5",)),
    (r"libnetcdf", ("netcdf",)),
    (r"libspatialindex(_c)?", ("libspatialindex",)),
    (r"libzmq", ("libzmq",)),
    (r"libsodium", ("libsodium",)),
    (r"libgit2", ("libgit2",)),
    (r"libqpdf", ("qpdf",)),
    (r"libsybdb|libct", ("freetds",)),
    (r"librdkafka", ("librdkafka",)),
    (r"libodbc|libodbcinst|libltdl", ("unixodbc",)),
    (r"libsndfile|libFLAC|libogg|libvorbis(enc)?|libopus|libmp3lame|libmpg123", ("libsndfile",)),
    (r"libgmp", ("gmp",)),
    (r"libmpfr", ("mpfr",)),
    (r"libmpc", ("mpc",)),
    (r"libfftw3.*", ("fftw",)),
    (r"libblosc2?", ("blosc",)),
    (r"libgdal", ("libgdal",)),
    (r"libexpat", ("expat",)),
    (r"libxml2", ("libxml2",)),
    (r"libxslt|libexslt", ("libxslt",)),
    (r"libffi", ("libffi",)),
    (r"libyaml(-0)?", ("libyaml",)),
    (r"libxmlsec1(-openssl)?", ("libxmlsec1",)),
    (r"libgcrypt", ("libgcrypt",)),
    (r"libgpg-error", ("libgpg-error",)),
    (r"libav(codec|format|util|filter|device)|libsw(scale|resample)|libvpx|libaom|libdrm", ("ffmpeg",)),
    (r"libglib-2\.0|libgthread-2\.0|libgobject-2\.0", ("glib",)),
    (r"libsecp256k1", ("libsecp256k1",)),
    (r"libonig", ("oniguruma",)),
    (r"libre2", ("re2",)),
    (r"libprotobuf(-lite)?", ("protobuf",)),
    (r"libtbb.*", ("tbb",)),
    (r"libcares", ("c-ares",)),
    (r"libuv", ("libuv",)),
    (r"libpcre2(-8)?", ("pcre2",)),
    (r"libLLVM.*|libllvmlite", ("llvm",)),
    (r"libraw(_r)?", ("libraw",)),
    (r"libmysqlclient|libmariadb", ("libmysqlclient",)),
    (r"libcrypt", ("libcrypt",)),
    (r"libgif", ("giflib",)),
    (
        r"libselinux|libkeyutils|libstdc\+\+|libgcc_s|libcap|libdeflate|libjbig|libLerc|libpcre|libjson-c|"
        r"libjasper|libnghttp3|libngtcp2(_crypto_ossl)?|libpsl|libsfparse|libmupdf(cpp)?|libtcc|"
        r"libfaiss.*|lib_lightgbm|libarrow.*|libparquet|lib__nc.*",
        (),
    ),  # system plumbing, or the project's own library
]
_SHARED = re.compile(r"(?:^|/)(?P<base>lib[^/]*?)\.so(?:\.[0-9.]+)?$")
_HASH = re.compile(r"[0-9a-f]{8}")


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_of(base: str) -> tuple[str, ...] | None:
    """Map a library file's base name (``libpq-a17e3caa``, ``libgdal-fiona-e8f6bdb0``,
    ``libsndfile_x86_64``) to logical names: try the dash-separated prefixes, longest first."""
    tokens = re.sub(r"[_-]x86_64$", "", base).split("-")
    for n in range(len(tokens), 0, -1):
        stem = "-".join(tokens[:n])
        for pattern, libs in SONAMES:
            if re.fullmatch(pattern, stem):
                return libs
    return None


def grafted_libraries(names: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """From a wheel's file list: (logical libraries, shared-library files, unmapped names).

    auditwheel grafts the libraries it copies into ``<name>.libs/`` with a hash in the name; some
    projects ship theirs inside the package (``_soundfile_data/libsndfile_x86_64.so``).  Python
    extension modules (``*.cpython-312-*.so``, ``*.abi3.so``) do not start with ``lib`` and so are
    not matched.
    """
    logical: list[str] = []
    files: list[str] = []
    unmapped: list[str] = []
    for path in names:
        m = _SHARED.search(path)
        if m is None or ".cpython-" in path or path.endswith(".abi3.so"):
            continue
        files.append(path.rsplit("/", 1)[-1])
        libs = _logical_of(m["base"])
        if libs is None:
            unmapped.append(next(t for t in m["base"].split("-") if not _HASH.fullmatch(t)))
            continue
        logical.extend(x for x in libs if x not in logical)
    return logical, sorted(set(files)), sorted(set(unmapped))


def download(name: str, dest: Path) -> Path | None:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        PYTHON,
        "--implementation",
        "cp",
        "-d",
        str(dest),
    ]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    before = set(dest.glob("*.whl"))
    proc = subprocess.run([*cmd, name], capture_output=True, text=True, check=False)
    new = sorted(set(dest.glob("*.whl")) - before)
    if proc.returncode != 0 or not new:
        print(f"{name}: no wheel ({proc.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return new[0]


def probe(wheel: Path, name: str) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as z:
        logical, files, unmapped = grafted_libraries(z.namelist())
    static = list(STATIC.get(name, ()))
    return {
        "wheel": wheel.name,
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "grafted": files,
        "bundles": logical + [x for x in static if x not in logical],
        "static": static,
        **({"unmapped": unmapped} if unmapped else {}),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheels", type=Path, help="reuse (and fill) this download directory")
    ap.add_argument("--out", type=Path, default=DATA / "wheel_bundles.json")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="matrixhell-wheels-") as tmp:
        dest = args.wheels or Path(tmp)
        dest.mkdir(parents=True, exist_ok=True)
        for name in PACKAGES:
            key = pep503(name)
            have = [w for w in dest.glob("*.whl") if pep503(w.name.split("-")[0]) == key]
            wheel = have[0] if have else download(name, dest)
            if wheel is None:
                continue
            out[key] = probe(wheel, key)
            print(f"{key}: {', '.join(out[key]['bundles']) or '-'}", file=sys.stderr)
    doc = {
        "_provenance": {
            "source": f"manylinux x86_64 wheels for CPython {PYTHON} from PyPI (file names and sha256 "
            "below), their <name>.libs/ directories; static links curated from the projects' wheel "
            "build configurations",
            "retrieved": dt.date.today().isoformat(),
            "command": COMMAND,
            "method": "derived: auditwheel-grafted shared libraries mapped to logical names by soname; "
            "plus the curated STATIC table",
        },
        "pypi": dict(sorted(out.items())),
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(out)} wheels)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
