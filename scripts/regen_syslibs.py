#!/usr/bin/env python3
"""Regenerate matrixhell/knowledge/data/syslibs.json: what a language package needs from the OS.

PyPI entries are derived from Debian (trixie, then bookworm, then bullseye for what trixie lacks):

1. dh-python's PyPI-name -> Debian-package map (``/usr/share/dh-python/dist/cpython3_fallback``,
   taken from the newest suite's dh-python package with ``apt-get download``, or from the installed
   dh-python when ``--fallback`` names it) turns a PyPI name into ``python3-foo``;
2. the binary package's Depends give the run-time libraries (python3-psycopg2 -> libpq5 -> libpq);
3. its source package's Build-Depends give build-time libraries and tools (cargo -> rust,
   gfortran -> fortran-compiler); test-only (``<!nocheck>``) relations are ignored.

Debian library packages become logical library names through data/debian.json (regen_catalog.py), so
the map is release-independent.  What a manylinux wheel bundles, and the npm, gem, Composer, Go and
Cargo entries, are curated below.

    python scripts/regen_syslibs.py                        # fetch lists + dh-python, write
    python scripts/regen_syslibs.py --lists DIR --fallback FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import regen_catalog  # noqa: E402

from matrixhell.knowledge.deb822 import Relation, parse_relations, parse_stanzas  # noqa: E402

DATA = HERE.parent / "matrixhell" / "knowledge" / "data"
COMMAND = "python scripts/regen_syslibs.py"
SUITES = ("trixie", "bookworm", "bullseye")  # preference order for a PyPI name's Debian package
ARCH = "amd64"

# Packages every Debian system has, or that only say "this is a Python extension".
_BASE = re.compile(
    r"^(libc6|libgcc-s1|libgcc1|python3(\.\d+)?|python3-.*|libpython3.*|python3:any|"
    r"libcrypt1|dpkg|debconf|ucf|sensible-utils|libjs-.*|.*:any)$"
)
_TOOL_DEPENDS = {
    "libstdc++6": "c++-compiler",
    "libgfortran5": "fortran-compiler",
    "libgfortran4": "fortran-compiler",
}
_TOOL_BUILD_DEPENDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"cargo|rustc|dh-cargo|librust-.*|python3-setuptools-rust|python3-maturin|maturin"), "rust"),
    (re.compile(r"gfortran(-\d+)?"), "fortran-compiler"),
    (re.compile(r"g\+\+(-\d+)?|libstdc\+\+-\d+-dev"), "c++-compiler"),
    (re.compile(r"cmake|python3-scikit-build(-core)?"), "cmake"),
    (re.compile(r"pkg-config|pkgconf"), "pkg-config"),
]

# ------------------------------------------------------------------------------- curated: PyPI

# The most-used PyPI packages with native code (compiled extensions or C libraries loaded at run
# time), by download rank; every one must come out of the derivation or CURATED_PYPI.
_TOP_NATIVE_PYPI = """
numpy pandas scipy cryptography cffi pyyaml markupsafe charset-normalizer grpcio grpcio-tools protobuf
pydantic-core orjson ujson simplejson msgpack regex aiohttp yarl multidict frozenlist propcache
greenlet sqlalchemy bcrypt pynacl argon2-cffi-bindings psycopg2 psycopg2-binary psycopg psycopg-binary
psycopg-c lxml pillow mysqlclient pymssql pyodbc oracledb cx-oracle asyncpg uvloop httptools websockets
watchfiles rpds-py jiter tokenizers safetensors pyarrow h5py netcdf4 shapely pyproj fiona rasterio gdal
matplotlib kiwisolver contourpy fonttools scikit-learn scikit-image statsmodels numba llvmlite xgboost
lightgbm torch tensorflow onnxruntime opencv-python opencv-python-headless pyzmq gevent zope-interface
cython lz4 zstandard python-snappy brotli xxhash mmh3 bitarray pycryptodome pycryptodomex pycurl
python-ldap gssapi pykerberos xmlsec python-magic psutil setproctitle coverage wrapt ruamel-yaml-clib
pyrsistent mypy ciso8601 rapidfuzz levenshtein jellyfish editdistance cytoolz lru-dict pyahocorasick
marisa-trie immutables msgspec cramjam fastavro python-rapidjson pysimdjson duckdb polars pymongo
cassandra-driver confluent-kafka hiredis pylibmc mysql-connector-python pygit2 dulwich pysam pikepdf
dbus-python pygobject pycairo cairocffi weasyprint pymupdf pdftotext tesserocr pyaudio
soundfile sounddevice pygame wxpython kivy pyusb netifaces persistent btrees uwsgi
bjoern pyicu pycld2 fasttext sentencepiece spacy cymem preshed murmurhash thinc blis srsly gensim
hdbscan annoy faiss-cpu hnswlib catboost pywavelets astropy pyerfa numexpr tables bottleneck cftime
cartopy rtree pyogrio python-igraph pygraphviz cvxopt ecos osqp scs gmpy2 pycosat z3-solver symengine
pyfftw numcodecs blosc2 imagecodecs pyvips wand av dlib pyzbar pillow-heif rawpy systemd-python
python-apt libvirt-python pyscard python-pam coincurve blake3 crc32c crcmod google-crc32c gnureadline
pyzstd pyppmd pybcj inflate64 libarchive-c fastparquet thriftpy2 pycares selectolax html5-parser
python-levenshtein pendulum m2crypto pyxattr evdev pyudev cysystemd ujson
shapely pymssql pycairo jq pyjq tree-sitter tornado
"""
TOP_NATIVE_PYPI = tuple(_TOP_NATIVE_PYPI.split())

# PyPI names that are the same native code as a Debian-packaged one under another name.
ALIASES = {
    "psycopg2-binary": "psycopg2",
    "psycopg-binary": "psycopg-c",
    "opencv-python-headless": "opencv-python",
    "opencv-contrib-python": "opencv-python",
    "opencv-contrib-python-headless": "opencv-python",
    "python-levenshtein": "levenshtein",
    "faust-cchardet": "cchardet",
}
# PyPI name -> Debian binary package, where dh-python's map lacks the name.
EXTRA_DEBIAN = {
    "opencv-python": "python3-opencv",
    "python-apt": "python3-apt",
    "systemd-python": "python3-systemd",
    "dbus-python": "python3-dbus",
    "pygobject": "python3-gi",
    "python-magic": "python3-magic",
    "libvirt-python": "python3-libvirt",
    "gdal": "python3-gdal",
    "python-igraph": "python3-igraph",
    "yaml": "python3-yaml",
    "levenshtein": "python3-levenshtein",
    "scikit-learn": "python3-sklearn",
    "scikit-image": "python3-skimage",
    "pycryptodome": "python3-pycryptodome",
    "pyzbar": "python3-pyzbar",
    "python-xlib": "python3-xlib",
    "pyinotify": "python3-pyinotify",
    "argon2-cffi-bindings": "python3-argon2",
}
# What the wheels of packages regen_wheel_bundles.py does not probe bundle (too large to fetch, or
# no Linux wheels at all: an empty tuple).  Probed packages take data/wheel_bundles.json instead.
WHEEL_BUNDLES: dict[str, tuple[str, ...]] = {
    "python-snappy": ("snappy",),
    "opencv-python": (
        "ffmpeg",
        "libjpeg",
        "libpng",
        "libtiff",
        "libwebp",
        "openjpeg",
        "zlib",
        "openblas",
        "lapack",
        "libx11",
        "libxcb",
        "glib",
    ),
    "pyicu": (),
    "imagecodecs": (
        "libjpeg",
        "libpng",
        "libtiff",
        "libwebp",
        "openjpeg",
        "zstd",
        "lz4",
        "brotli",
        "zlib",
        "bzip2",
        "xz",
        "giflib",
        "libavif",
        "libheif",
    ),
    "av": ("ffmpeg",),
    "sounddevice": (),  # on Linux it loads the system PortAudio
    "pygame": ("libjpeg", "libpng", "freetype", "zlib", "libx11"),
    "pyvips": (),
    "xgboost": ("libgomp",),
    "torch": ("libgomp", "openblas"),
    "tensorflow": ("protobuf", "openssl", "zlib"),
    "onnxruntime": ("protobuf",),
    "dlib": (),
    "uwsgi": (),
    "tesserocr": (),
    "levenshtein": (),
}
# Native PyPI packages Debian does not ship: what their sdist build needs.
CURATED_PYPI: dict[str, dict[str, Any]] = {
    "tensorflow": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "onnxruntime": {"libraries": [], "build_tools": ["c++-compiler", "cmake"]},
    "faiss-cpu": {"libraries": ["openblas", "libgomp"], "build_tools": ["c++-compiler", "cmake"]},
    "polars": {"libraries": [], "build_tools": ["rust", "c-compiler"]},
    "duckdb": {"libraries": [], "build_tools": ["c++-compiler", "cmake"]},
    "catboost": {"libraries": [], "build_tools": ["c++-compiler", "cmake"]},
    "oracledb": {"libraries": [], "build_tools": ["c-compiler"]},
    "cx-oracle": {"libraries": [], "build_tools": ["c-compiler"]},
    "mysql-connector-python": {"libraries": [], "build_tools": []},
    # Debian's python3-opencv links the system OpenCV; PyPI's sdist builds OpenCV itself.
    "opencv-python": {
        "libraries": ["ffmpeg", "libjpeg", "libpng", "libtiff", "libwebp", "openjpeg", "zlib"],
        "build_tools": ["c++-compiler", "cmake", "python3-dev"],
        "override": True,
    },
    "pysimdjson": {"libraries": [], "build_tools": ["c++-compiler"]},
    # psycopg (3) itself is pure Python loading libpq through ctypes (derived from Debian); its C
    # implementation is a separate distribution.
    "psycopg-c": {"libraries": ["libpq"], "build_tools": ["c-compiler", "python3-dev"], "override": True},
    "gnureadline": {"libraries": ["ncurses"], "build_tools": ["c-compiler", "python3-dev"]},
    "bjoern": {"libraries": ["libev"], "build_tools": ["c-compiler", "python3-dev"]},
    "pycld2": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "selectolax": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "blake3": {"libraries": [], "build_tools": ["rust", "c-compiler"]},
    "crc32c": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "google-crc32c": {"libraries": [], "build_tools": ["c-compiler", "cmake"]},
    "pyppmd": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "pybcj": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "inflate64": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "cysystemd": {"libraries": ["libsystemd"], "build_tools": ["c-compiler", "pkg-config", "python3-dev"]},
    "pyjq": {"libraries": ["oniguruma"], "build_tools": ["c-compiler", "autotools", "python3-dev"]},
    "jq": {"libraries": ["oniguruma"], "build_tools": ["c-compiler", "autotools", "python3-dev"]},
    "fasttext": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "hnswlib": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "symengine": {"libraries": ["gmp"], "build_tools": ["c++-compiler", "cmake", "python3-dev"]},
    "imagecodecs": {
        "libraries": [
            "libjpeg",
            "libpng",
            "libtiff",
            "libwebp",
            "openjpeg",
            "zstd",
            "lz4",
            "brotli",
            "zlib",
            "bzip2",
            "xz",
            "giflib",
        ],
        "build_tools": ["c-compiler", "python3-dev"],
    },
    "pillow-heif": {"libraries": ["libheif"], "build_tools": ["c-compiler", "python3-dev"]},
    "av": {"libraries": ["ffmpeg"], "build_tools": ["c-compiler", "pkg-config", "python3-dev"]},
    "tree-sitter": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "annoy": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "blosc2": {"libraries": [], "build_tools": ["c-compiler", "cmake", "python3-dev"]},
    "coincurve": {"libraries": [], "build_tools": ["c-compiler", "cmake", "python3-dev"]},
    "cramjam": {"libraries": [], "build_tools": ["rust", "c-compiler"]},
    "dlib": {"libraries": [], "build_tools": ["c++-compiler", "cmake", "python3-dev"]},
    "ecos": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "osqp": {"libraries": [], "build_tools": ["c-compiler", "cmake", "python3-dev"]},
    "scs": {"libraries": ["blas", "lapack"], "build_tools": ["c-compiler", "python3-dev"]},
    "editdistance": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "fastavro": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "fastparquet": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "hdbscan": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "immutables": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "jiter": {"libraries": [], "build_tools": ["rust", "c-compiler"]},
    "lightgbm": {"libraries": ["libgomp"], "build_tools": ["c++-compiler", "cmake", "python3-dev"]},
    "marisa-trie": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "mmh3": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "pdftotext": {"libraries": ["poppler"], "build_tools": ["c++-compiler", "pkg-config", "python3-dev"]},
    "pyarrow": {
        "libraries": [],
        "build_tools": ["c++-compiler", "cmake", "python3-dev"],
        "note": "an sdist build needs Arrow C++ itself, which Debian does not ship",
    },
    "pymongo": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "python-pam": {"libraries": ["libpam"], "build_tools": []},
    "pyzbar": {"libraries": ["zbar"], "build_tools": []},
    "pyvips": {"libraries": ["libvips"], "build_tools": ["c-compiler", "pkg-config", "python3-dev"]},
    "rawpy": {"libraries": ["libraw"], "build_tools": ["c++-compiler", "python3-dev"]},
    "sounddevice": {"libraries": ["portaudio"], "build_tools": []},
    "spacy": {"libraries": [], "build_tools": ["c++-compiler", "python3-dev"]},
    "sqlalchemy": {
        "libraries": [],
        "build_tools": ["c-compiler", "python3-dev"],
        "note": "the C extensions are optional; without a compiler it installs pure Python",
    },
    "thriftpy2": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "tokenizers": {"libraries": [], "build_tools": ["rust", "c-compiler"]},
    "uwsgi": {"libraries": [], "build_tools": ["c-compiler", "python3-dev"]},
    "z3-solver": {"libraries": [], "build_tools": ["c++-compiler", "cmake", "python3-dev"]},
}

# ------------------------------------------------------------------------- curated: other ecosystems

_GYP = ["python3", "make", "c++-compiler"]  # what node-gyp needs to build any addon
CURATED_NPM: dict[str, dict[str, Any]] = {
    "node-gyp": {"libraries": [], "build_tools": _GYP},
    "sharp": {
        "libraries": ["libvips"],
        "build_tools": [*_GYP, "pkg-config"],
        "wheel_bundles": ["libvips"],
        "note": "prebuilt @img/sharp-linux* packages bundle libvips (glibc >= 2.26, musl >= 1.2.2)",
    },
    "canvas": {
        "libraries": ["cairo", "pango", "libjpeg", "giflib", "librsvg", "freetype", "libpng"],
        "build_tools": [*_GYP, "pkg-config"],
        "wheel_bundles": ["cairo", "pango", "libjpeg", "giflib", "librsvg", "freetype", "libpng"],
        "note": "prebuilt binaries exist for glibc only",
    },
    "bcrypt": {"libraries": [], "build_tools": _GYP, "wheel_bundles": []},
    "sqlite3": {
        "libraries": [],
        "build_tools": _GYP,
        "wheel_bundles": ["libsqlite3"],
        "note": "builds the bundled SQLite amalgamation unless --sqlite points at a system one",
    },
    "better-sqlite3": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libsqlite3"]},
    "node-sass": {
        "libraries": [],
        "build_tools": _GYP,
        "wheel_bundles": ["libsass"],
        "note": "bundles libsass; deprecated in favour of sass (pure JS)",
    },
    "argon2": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libargon2"]},
    "bufferutil": {"libraries": [], "build_tools": _GYP},
    "utf-8-validate": {"libraries": [], "build_tools": _GYP},
    "kerberos": {"libraries": ["krb5"], "build_tools": _GYP},
    "libxmljs": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libxml2"]},
    "libxmljs2": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libxml2"]},
    "pg-native": {"libraries": ["libpq"], "build_tools": _GYP},
    "libpq": {"libraries": ["libpq"], "build_tools": _GYP},
    "node-rdkafka": {
        "libraries": ["openssl", "zlib", "libsasl2"],
        "build_tools": _GYP,
        "wheel_bundles": ["librdkafka"],
    },
    "zeromq": {"libraries": [], "build_tools": [*_GYP, "cmake"], "wheel_bundles": ["libzmq"]},
    "@serialport/bindings-cpp": {"libraries": [], "build_tools": _GYP},
    "serialport": {"libraries": [], "build_tools": _GYP},
    "node-pty": {"libraries": [], "build_tools": _GYP},
    "re2": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["re2"]},
    "leveldown": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["leveldb"]},
    "classic-level": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["leveldb"]},
    "sodium-native": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libsodium"]},
    "keytar": {"libraries": ["glib"], "build_tools": [*_GYP, "pkg-config"]},
    "ffi-napi": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["libffi"]},
    "ref-napi": {"libraries": [], "build_tools": _GYP},
    "isolated-vm": {"libraries": [], "build_tools": _GYP},
    "@tensorflow/tfjs-node": {"libraries": [], "build_tools": _GYP, "wheel_bundles": []},
    "node-expat": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["expat"]},
    "lmdb": {"libraries": [], "build_tools": _GYP, "wheel_bundles": ["lmdb"]},
    "msgpackr-extract": {"libraries": [], "build_tools": _GYP},
    "cpu-features": {"libraries": [], "build_tools": _GYP},
    "dtrace-provider": {"libraries": [], "build_tools": _GYP},
    "heapdump": {"libraries": [], "build_tools": _GYP},
    "iconv": {"libraries": [], "build_tools": _GYP},
    "usb": {"libraries": ["libudev"], "build_tools": _GYP, "wheel_bundles": ["libusb"]},
    "oracledb": {"libraries": [], "build_tools": []},
    "farmhash": {"libraries": [], "build_tools": _GYP},
    "deasync": {"libraries": [], "build_tools": _GYP},
    "microtime": {"libraries": [], "build_tools": _GYP},
    "unix-dgram": {"libraries": [], "build_tools": _GYP},
    "grpc": {
        "libraries": [],
        "build_tools": _GYP,
        "wheel_bundles": ["openssl", "zlib"],
        "note": "the deprecated native client; @grpc/grpc-js is pure JS",
    },
    "puppeteer": {
        "libraries": ["nss", "glib", "cups", "dbus", "libx11", "alsa", "pango", "cairo"],
        "build_tools": [],
        "note": "the downloaded Chromium needs these at run time",
    },
    "playwright": {"libraries": ["nss", "glib", "cups", "dbus", "libx11", "alsa", "pango", "cairo"], "build_tools": []},
}
_CC = ["c-compiler", "make"]
CURATED_GEM: dict[str, dict[str, Any]] = {
    "pg": {"libraries": ["libpq"], "build_tools": _CC},
    "mysql2": {"libraries": ["libmysqlclient", "openssl", "zlib"], "build_tools": _CC},
    "trilogy": {"libraries": ["openssl", "zlib"], "build_tools": _CC},
    "nokogiri": {
        "libraries": ["libxml2", "libxslt", "zlib"],
        "build_tools": [*_CC, "pkg-config"],
        "wheel_bundles": ["libxml2", "libxslt", "zlib"],
        "note": "native gems for x86_64/aarch64 linux-gnu and linux-musl bundle libxml2/libxslt; "
        "from source it compiles its vendored copies unless --use-system-libraries",
    },
    "ffi": {"libraries": ["libffi"], "build_tools": _CC, "wheel_bundles": ["libffi"]},
    "sqlite3": {
        "libraries": [],
        "build_tools": _CC,
        "wheel_bundles": ["libsqlite3"],
        "note": "vendors SQLite since 1.5; --enable-system-libraries links the system one",
    },
    "rmagick": {"libraries": ["imagemagick"], "build_tools": [*_CC, "pkg-config"]},
    "mini_magick": {
        "libraries": ["imagemagick"],
        "build_tools": [],
        "note": "shells out to ImageMagick's binaries at run time",
    },
    "ruby-vips": {"libraries": ["libvips"], "build_tools": [], "note": "loads libvips through ffi"},
    "bcrypt": {"libraries": [], "build_tools": _CC},
    "puma": {"libraries": ["openssl"], "build_tools": _CC},
    "nio4r": {"libraries": [], "build_tools": _CC},
    "websocket-driver": {"libraries": [], "build_tools": _CC},
    "bootsnap": {"libraries": [], "build_tools": _CC},
    "msgpack": {"libraries": [], "build_tools": _CC},
    "json": {"libraries": [], "build_tools": _CC},
    "bigdecimal": {"libraries": [], "build_tools": _CC},
    "racc": {"libraries": [], "build_tools": _CC},
    "psych": {"libraries": ["libyaml"], "build_tools": _CC},
    "date": {"libraries": [], "build_tools": _CC},
    "io-console": {"libraries": [], "build_tools": _CC},
    "grpc": {"libraries": [], "build_tools": ["c++-compiler", "make"], "wheel_bundles": ["openssl", "zlib"]},
    "google-protobuf": {"libraries": [], "build_tools": _CC},
    "eventmachine": {"libraries": ["openssl"], "build_tools": ["c++-compiler", "make"]},
    "unf_ext": {"libraries": [], "build_tools": ["c++-compiler", "make"]},
    "charlock_holmes": {"libraries": ["libicu", "zlib"], "build_tools": ["c++-compiler", "make", "pkg-config"]},
    "sassc": {"libraries": [], "build_tools": ["c++-compiler", "make"], "wheel_bundles": ["libsass"]},
    "tiny_tds": {"libraries": ["freetds"], "build_tools": _CC},
    "curb": {"libraries": ["libcurl"], "build_tools": _CC},
    "typhoeus": {"libraries": ["libcurl"], "build_tools": [], "note": "loads libcurl through ffi (ethon)"},
    "ethon": {"libraries": ["libcurl"], "build_tools": []},
    "rbnacl": {"libraries": ["libsodium"], "build_tools": []},
    "libxml-ruby": {"libraries": ["libxml2"], "build_tools": _CC},
    "ox": {"libraries": [], "build_tools": _CC},
    "oj": {"libraries": [], "build_tools": _CC},
    "hiredis": {"libraries": [], "build_tools": _CC},
    "unicorn": {"libraries": [], "build_tools": _CC},
    "kgio": {"libraries": [], "build_tools": _CC},
    "raindrops": {"libraries": [], "build_tools": _CC},
    "thin": {"libraries": [], "build_tools": ["c++-compiler", "make"]},
    "redcarpet": {"libraries": [], "build_tools": _CC},
    "commonmarker": {"libraries": [], "build_tools": ["rust", "c-compiler", "make"]},
    "ed25519": {"libraries": [], "build_tools": _CC},
    "pg_query": {"libraries": [], "build_tools": _CC},
    "sqlite3-ruby": {"libraries": ["libsqlite3"], "build_tools": _CC},
    "image_processing": {"libraries": ["libvips"], "build_tools": []},
    "gpgme": {"libraries": ["gpgme"], "build_tools": [*_CC, "pkg-config"]},
    "rugged": {
        "libraries": ["openssl", "zlib"],
        "build_tools": [*_CC, "cmake", "pkg-config"],
        "wheel_bundles": ["libgit2"],
    },
    "idn-ruby": {"libraries": ["libidn2"], "build_tools": _CC},
    "magic": {"libraries": ["libmagic"], "build_tools": []},
    "ruby-filemagic": {"libraries": ["libmagic"], "build_tools": _CC},
    "rdkafka": {
        "libraries": ["openssl", "zlib", "libsasl2"],
        "build_tools": [*_CC, "cmake"],
        "wheel_bundles": ["librdkafka"],
    },
}
_PHPIZE = ["c-compiler", "make", "autotools", "pkg-config"]
CURATED_COMPOSER: dict[str, dict[str, Any]] = {
    "ext-pdo_pgsql": {"libraries": ["libpq"], "build_tools": _PHPIZE},
    "ext-pgsql": {"libraries": ["libpq"], "build_tools": _PHPIZE},
    "ext-pdo_mysql": {"libraries": [], "build_tools": _PHPIZE},
    "ext-mysqli": {"libraries": [], "build_tools": _PHPIZE},
    "ext-gd": {"libraries": ["libpng", "libjpeg", "freetype", "libwebp", "zlib"], "build_tools": _PHPIZE},
    "ext-intl": {"libraries": ["libicu"], "build_tools": [*_PHPIZE, "c++-compiler"]},
    "ext-zip": {"libraries": ["libzip", "zlib"], "build_tools": _PHPIZE},
    "ext-xsl": {"libraries": ["libxslt", "libxml2"], "build_tools": _PHPIZE},
    "ext-soap": {"libraries": ["libxml2"], "build_tools": _PHPIZE},
    "ext-xml": {"libraries": ["libxml2"], "build_tools": _PHPIZE},
    "ext-dom": {"libraries": ["libxml2"], "build_tools": _PHPIZE},
    "ext-simplexml": {"libraries": ["libxml2"], "build_tools": _PHPIZE},
    "ext-curl": {"libraries": ["libcurl"], "build_tools": _PHPIZE},
    "ext-mbstring": {"libraries": ["oniguruma"], "build_tools": _PHPIZE},
    "ext-imagick": {"libraries": ["imagemagick"], "build_tools": _PHPIZE},
    "ext-memcached": {"libraries": ["libmemcached", "zlib"], "build_tools": _PHPIZE},
    "ext-redis": {"libraries": [], "build_tools": _PHPIZE},
    "ext-sodium": {"libraries": ["libsodium"], "build_tools": _PHPIZE},
    "ext-gmp": {"libraries": ["gmp"], "build_tools": _PHPIZE},
    "ext-ldap": {"libraries": ["libldap"], "build_tools": _PHPIZE},
    "ext-bz2": {"libraries": ["bzip2"], "build_tools": _PHPIZE},
    "ext-pdo_sqlite": {"libraries": ["libsqlite3"], "build_tools": _PHPIZE},
    "ext-sqlite3": {"libraries": ["libsqlite3"], "build_tools": _PHPIZE},
    "ext-pdo_odbc": {"libraries": ["unixodbc"], "build_tools": _PHPIZE},
    "ext-odbc": {"libraries": ["unixodbc"], "build_tools": _PHPIZE},
    "ext-sqlsrv": {"libraries": ["unixodbc"], "build_tools": [*_PHPIZE, "c++-compiler"]},
    "ext-pdo_sqlsrv": {"libraries": ["unixodbc"], "build_tools": [*_PHPIZE, "c++-compiler"]},
    "ext-ffi": {"libraries": ["libffi"], "build_tools": _PHPIZE},
    "ext-yaml": {"libraries": ["libyaml"], "build_tools": _PHPIZE},
    "ext-rdkafka": {"libraries": ["librdkafka"], "build_tools": _PHPIZE},
    "ext-mongodb": {"libraries": ["openssl"], "build_tools": _PHPIZE},
    "ext-grpc": {"libraries": ["zlib"], "build_tools": [*_PHPIZE, "c++-compiler"]},
    "ext-amqp": {"libraries": ["librabbitmq"], "build_tools": _PHPIZE},
    "ext-ssh2": {"libraries": ["libssh2"], "build_tools": _PHPIZE},
    "ext-uuid": {"libraries": ["libuuid"], "build_tools": _PHPIZE},
    "ext-event": {"libraries": ["libevent", "openssl"], "build_tools": _PHPIZE},
    "ext-ev": {"libraries": [], "build_tools": _PHPIZE},
    "ext-swoole": {"libraries": ["openssl", "libcurl"], "build_tools": [*_PHPIZE, "c++-compiler"]},
    "ext-maxminddb": {"libraries": ["libmaxminddb"], "build_tools": _PHPIZE},
    "ext-gnupg": {"libraries": ["gpgme"], "build_tools": _PHPIZE},
    "ext-vips": {"libraries": ["libvips"], "build_tools": _PHPIZE},
    "ext-exif": {"libraries": [], "build_tools": _PHPIZE},
    "ext-bcmath": {"libraries": [], "build_tools": _PHPIZE},
    "ext-pcntl": {"libraries": [], "build_tools": _PHPIZE},
    "ext-sockets": {"libraries": [], "build_tools": _PHPIZE},
    "ext-opcache": {"libraries": [], "build_tools": _PHPIZE},
    "ext-apcu": {"libraries": [], "build_tools": _PHPIZE},
    "ext-igbinary": {"libraries": [], "build_tools": _PHPIZE},
    "ext-xdebug": {"libraries": [], "build_tools": _PHPIZE},
    "ext-pcov": {"libraries": [], "build_tools": _PHPIZE},
    "ext-calendar": {"libraries": [], "build_tools": _PHPIZE},
    "ext-gettext": {"libraries": [], "build_tools": _PHPIZE},
    "ext-openssl": {"libraries": ["openssl"], "build_tools": _PHPIZE},
    "ext-zlib": {"libraries": ["zlib"], "build_tools": _PHPIZE},
    "ext-tidy": {"libraries": ["libtidy"], "build_tools": _PHPIZE},
}
CURATED_GO: dict[str, dict[str, Any]] = {
    "github.com/mattn/go-sqlite3": {
        "libraries": [],
        "build_tools": ["c-compiler"],
        "wheel_bundles": ["libsqlite3"],
        "note": "cgo; CGO_ENABLED=1",
    },
    "github.com/confluentinc/confluent-kafka-go": {
        "libraries": [],
        "build_tools": ["c-compiler"],
        "wheel_bundles": ["librdkafka"],
    },
    "github.com/confluentinc/confluent-kafka-go/v2": {
        "libraries": [],
        "build_tools": ["c-compiler"],
        "wheel_bundles": ["librdkafka"],
    },
    "github.com/h2non/bimg": {"libraries": ["libvips"], "build_tools": ["c-compiler", "pkg-config"]},
    "github.com/davidbyttow/govips/v2": {"libraries": ["libvips"], "build_tools": ["c-compiler", "pkg-config"]},
    "github.com/libgit2/git2go/v34": {"libraries": ["libgit2"], "build_tools": ["c-compiler", "pkg-config"]},
    "gopkg.in/gographics/imagick.v3": {"libraries": ["imagemagick"], "build_tools": ["c-compiler", "pkg-config"]},
    "github.com/google/gopacket": {"libraries": ["libpcap"], "build_tools": ["c-compiler"]},
}
CURATED_CARGO: dict[str, dict[str, Any]] = {
    "openssl-sys": {"libraries": ["openssl"], "build_tools": ["c-compiler", "pkg-config"]},
    "pq-sys": {"libraries": ["libpq"], "build_tools": ["c-compiler", "pkg-config"]},
    "mysqlclient-sys": {"libraries": ["libmysqlclient"], "build_tools": ["c-compiler", "pkg-config"]},
    "libsqlite3-sys": {
        "libraries": ["libsqlite3"],
        "build_tools": ["c-compiler", "pkg-config"],
        "note": "the 'bundled' feature compiles SQLite instead",
    },
    "ring": {"libraries": [], "build_tools": ["c-compiler"]},
    "aws-lc-sys": {"libraries": [], "build_tools": ["c-compiler", "cmake"]},
    "libgit2-sys": {"libraries": [], "build_tools": ["c-compiler", "pkg-config"], "wheel_bundles": ["libgit2"]},
    "zstd-sys": {"libraries": [], "build_tools": ["c-compiler"], "wheel_bundles": ["zstd"]},
    "rdkafka-sys": {"libraries": [], "build_tools": ["c-compiler", "cmake"], "wheel_bundles": ["librdkafka"]},
    "curl-sys": {"libraries": ["libcurl"], "build_tools": ["c-compiler", "pkg-config"]},
    "libz-sys": {"libraries": ["zlib"], "build_tools": ["c-compiler", "pkg-config"]},
    "bzip2-sys": {"libraries": [], "build_tools": ["c-compiler"]},
    "lzma-sys": {"libraries": [], "build_tools": ["c-compiler"]},
    "libssh2-sys": {"libraries": ["openssl", "zlib"], "build_tools": ["c-compiler", "pkg-config"]},
    "onig_sys": {"libraries": [], "build_tools": ["c-compiler"]},
    "libsodium-sys": {"libraries": ["libsodium"], "build_tools": ["c-compiler", "pkg-config"]},
}
CURATED_NUGET: dict[str, dict[str, Any]] = {
    "SkiaSharp.NativeAssets.Linux": {"libraries": ["fontconfig", "freetype"], "build_tools": []},
    "System.Drawing.Common": {
        "libraries": [],
        "build_tools": [],
        "note": "needs libgdiplus on Linux (unsupported since .NET 7)",
    },
    "Microsoft.Data.SqlClient": {"libraries": ["libicu", "krb5"], "build_tools": []},
    "Npgsql": {"libraries": [], "build_tools": []},
}


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ----------------------------------------------------------------------------------- pure parsing


def parse_fallback(lines: Iterable[str]) -> dict[str, str]:
    """dh-python's ``cpython3_fallback``: ``PyPIName debian-package`` per line -> {pep503 name: pkg}.

    Lines whose target is not a python3-* package (``argparse python3 (>= 3.2)``) say "part of the
    standard library" and are skipped.
    """
    out: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 2 or re.fullmatch(r"python3(\.\d+)?", parts[1]):
            continue
        out.setdefault(pep503(parts[0]), parts[1])
    return out


def _applies(rel: Relation, arch: str = ARCH) -> bool:
    """Whether a Build-Depends relation applies to a normal build on *arch*."""
    if rel.profiles and re.search(r"<[^>]*!(nocheck|nodoc)[^>]*>", rel.profiles):
        return False
    if rel.architectures:
        positive = [a for a in rel.architectures if not a.startswith("!")]
        if positive:
            return arch in positive or "any" in positive
        return f"!{arch}" not in rel.architectures
    return True


def index_sources(stanzas: Iterable[Mapping[str, str]]) -> dict[str, list[str]]:
    """``{source package: [build-dependency names that apply on amd64, first alternatives]}``."""
    out: dict[str, list[str]] = {}
    for st in stanzas:
        names: list[str] = []
        for field in ("Build-Depends", "Build-Depends-Arch"):
            if field not in st:
                continue
            for group in parse_relations(st[field]):
                alts = [r for r in group if _applies(r)]
                if alts:
                    names.append(alts[0].name)
        out[st["Package"]] = names
    return out


def logical_maps(
    debian_releases: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """From debian.json: ``({run package or Provides: logical}, {dev package: logical},
    {source package: logical})`` over every release."""
    run: dict[str, str] = {}
    dev: dict[str, str] = {}
    source: dict[str, str] = {}
    for rel in debian_releases:
        for lib, pk in sorted(rel["libraries"].items()):
            for p in pk["run"]:
                run.setdefault(p, lib)
                info = rel["packages"].get(p, {})
                for virtual in info.get("provides", []):
                    run.setdefault(virtual, lib)
                if info.get("source"):
                    source.setdefault(info["source"], lib)
            for p in pk["build"]:
                dev.setdefault(p, lib)
    return run, dev, source


def _logical(
    name: str,
    packages: Mapping[str, Mapping[str, Any]],
    maps: tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]],
) -> str | None:
    run_map, dev_map, source_map = maps
    if name in run_map:
        return run_map[name]
    if name in dev_map:  # ctypes/cffi loaders depend on the -dev package for the unversioned .so
        return dev_map[name]
    info = packages.get(name)
    if info is not None and info["source"] in source_map:
        return source_map[info["source"]]
    return None


def derive_entry(
    binary: str,
    packages: Mapping[str, Mapping[str, Any]],
    sources: Mapping[str, list[str]],
    maps: tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]],
    _depth: int = 0,
) -> dict[str, Any] | None:
    """One PyPI package's needs from its Debian binary package; None when Debian lacks *binary*
    or it is pure Python.  An arch:all package's arch-dependent python3-* companion from the same
    source (python3-pandas -> python3-pandas-lib) is where its native code is, and is merged in."""
    info = packages.get(binary)
    if info is None:
        return None
    libraries: list[str] = []
    tools: set[str] = set()
    unmapped: list[str] = []
    arch_dependent = info["architecture"] != "all"
    for group in info["depends"]:
        name = group[0][0]
        if name in _TOOL_DEPENDS:
            tools.add(_TOOL_DEPENDS[name])
            if name.startswith("libgfortran"):
                libraries.append("libgfortran")
            continue
        dep = packages.get(name)
        if (
            _depth == 0
            and name.startswith("python3-")
            and dep is not None
            and dep["source"] == info["source"]
            and dep["architecture"] != "all"
        ):
            inner = derive_entry(name, packages, sources, maps, _depth + 1)
            if inner is not None:
                arch_dependent = True
                libraries.extend(x for x in inner["libraries"] if x not in libraries)
                tools.update(inner["build_tools"])
                unmapped.extend(inner.get("debian_unmapped", []))
            continue
        if _BASE.match(name):
            continue
        lib = _logical(name, packages, maps)
        if lib is not None:
            if lib not in libraries:
                libraries.append(lib)
        elif name.startswith("lib"):
            unmapped.append(name)
    build_only: list[str] = []
    for dep_name in sources.get(info["source"], []):
        for rx, tool in _TOOL_BUILD_DEPENDS:
            if rx.fullmatch(dep_name):
                tools.add(tool)
        lib = maps[1].get(dep_name)
        if lib is not None and lib not in libraries and lib not in build_only:
            build_only.append(lib)
    if arch_dependent:
        tools.update({"c-compiler", "python3-dev"})
    elif not libraries:
        return None  # pure Python: nothing native to say
    else:
        tools.clear()  # a ctypes/cffi loader: nothing to compile
    return {
        "libraries": libraries,
        "build_only_libraries": build_only if arch_dependent else [],
        "build_tools": sorted(tools),
        "source": f"debian:{binary}",
        **({"debian_unmapped": sorted(set(unmapped))} if unmapped else {}),
    }


# Binary-package families whose arch-dependent members are one language's native extensions.
_RUNTIME_BASE = re.compile(
    r"^(ruby|ruby\d.*|libruby.*|libnode\d+|nodejs|node-.*|php\d.*-common|phpapi-.*|php-common|ucf)$"
)
_PHP_SAPIS = {"cli", "fpm", "cgi", "phpdbg", "dev", "common", "sybase", "interbase", "snmp", "enchant"}


def _extension_entry(
    binary: str,
    packages: Mapping[str, Mapping[str, Any]],
    maps: tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]],
    tools: list[str],
) -> dict[str, Any]:
    """A gem's, npm module's or PHP extension's needs from its Debian package's Depends."""
    info = packages[binary]
    libraries: list[str] = []
    found_tools = set(tools)
    for group in info["depends"]:
        name = group[0][0]
        if name in _TOOL_DEPENDS:
            found_tools.add(_TOOL_DEPENDS[name])
            continue
        if _BASE.match(name) or _RUNTIME_BASE.match(name):
            continue
        lib = _logical(name, packages, maps)
        if lib is not None and lib not in libraries:
            libraries.append(lib)
    return {
        "libraries": libraries,
        "build_tools": sorted(found_tools),
        "wheel_bundles": [],
        "source": f"debian:{binary}",
    }


def derive_extensions(
    packages: Mapping[str, Mapping[str, Any]],
    maps: tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """gem, npm and composer entries from Debian's arch-dependent ruby-*, node-* and phpX.Y-* packages.

    Debian names them by policy: ``ruby-<gem>`` (``_`` becomes ``-``), ``node-<module>``,
    ``phpX.Y-<ext>`` whose Provides name every extension it carries (php8.4-pgsql provides
    php8.4-pdo-pgsql: ``ext-pgsql`` and ``ext-pdo_pgsql``).
    """
    out: dict[str, dict[str, dict[str, Any]]] = {"gem": {}, "npm": {}, "composer": {}}
    php = re.compile(r"php(\d+\.\d+)-(?P<ext>[a-z0-9-]+)")
    for binary, info in sorted(packages.items()):
        if info["architecture"] == "all" or binary.endswith(("-dbgsym", "-dbg", "-doc", "-dev")):
            continue
        if binary.startswith("ruby-"):
            out["gem"][binary.removeprefix("ruby-")] = _extension_entry(binary, packages, maps, ["c-compiler", "make"])
        elif binary.startswith("node-"):
            entry = _extension_entry(binary, packages, maps, ["python3", "make", "c++-compiler"])
            out["npm"][binary.removeprefix("node-")] = entry
        elif (m := php.fullmatch(binary)) is not None and m["ext"] not in _PHP_SAPIS:
            entry = _extension_entry(binary, packages, maps, ["c-compiler", "make", "autotools", "pkg-config"])
            exts = {m["ext"]}
            for virtual in info["provides"]:
                v = php.fullmatch(virtual)
                if v is not None:
                    exts.add(v["ext"])
            for ext in sorted(exts):
                out["composer"][f"ext-{ext.replace('-', '_')}"] = entry
    return out


def merge_curated(curated: Mapping[str, Any], derived: Mapping[str, Any]) -> dict[str, Any]:
    """Curated entries win (they know what prebuilt binaries bundle); derived ones fill the rest."""
    out = dict(derived)
    out.update(curated)
    return dict(sorted(out.items()))


def derive_pypi(
    fallback: Mapping[str, str],
    suites: Mapping[str, tuple[Mapping[str, Mapping[str, Any]], Mapping[str, list[str]]]],
    maps: tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]],
) -> dict[str, dict[str, Any]]:
    """Every PyPI name whose Debian package is native (or loads a C library), preferring newer suites.

    A top native name the map lacks is tried as ``python3-<name>``, Debian's naming policy.
    """
    out: dict[str, dict[str, Any]] = {}
    names = dict(fallback)
    for pypi, deb in EXTRA_DEBIAN.items():
        names.setdefault(pypi, deb)
    for top in TOP_NATIVE_PYPI:
        names.setdefault(pep503(top), f"python3-{pep503(top)}")
    for pypi, binary in sorted(names.items()):
        for _suite, (packages, sources) in suites.items():
            entry = derive_entry(binary, packages, sources, maps)
            if entry is not None:
                out[pypi] = entry
                break
            if binary in packages:
                break  # present but pure Python: do not fall back to an older suite
    return out


def finish_pypi(
    derived: dict[str, dict[str, Any]], probed: Mapping[str, Iterable[str]] | None = None
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Add aliases, curated entries and wheel bundles (*probed*: from real wheels, see
    regen_wheel_bundles.py); return the map and the top names still missing."""
    probed = probed or {}
    out = dict(derived)
    for name, spec in CURATED_PYPI.items():
        if name not in out or spec.get("override"):
            out[name] = {
                "libraries": list(spec["libraries"]),
                "build_only_libraries": [],
                "build_tools": sorted(spec["build_tools"]),
                "source": "curated",
                **({"note": spec["note"]} if "note" in spec else {}),
            }
    for alias, target in ALIASES.items():
        if target in out and alias not in out:
            out[alias] = dict(out[target])
    for name, bundles in {**WHEEL_BUNDLES, **probed}.items():
        if name in out:
            out[name] = {**out[name], "wheel_bundles": list(bundles)}
    missing = sorted({pep503(n) for n in TOP_NATIVE_PYPI} - set(out))
    return dict(sorted(out.items())), missing


def _curated(table: Mapping[str, Mapping[str, Any]], normalize: bool = True) -> dict[str, Any]:
    out = {}
    for name, spec in sorted(table.items()):
        entry = {
            "libraries": list(spec["libraries"]),
            "build_tools": list(spec["build_tools"]),
            "wheel_bundles": list(spec.get("wheel_bundles", [])),
            "source": "curated",
        }
        if "note" in spec:
            entry["note"] = spec["note"]
        out[name.lower() if normalize else name] = entry
    return out


def fetch_fallback(lists_work: Path, suite: str) -> tuple[Path, str]:
    """Download *suite*'s dh-python with the throwaway apt configuration and extract the map."""
    dl = lists_work / "dh-python"
    dl.mkdir(parents=True, exist_ok=True)
    cmd = [
        "apt-get",
        "download",
        "-q",
        "-o",
        f"Dir::State::Lists={lists_work / 'lists'}",
        "-o",
        f"Dir::Cache={lists_work / 'cache'}",
        "-o",
        "Dir::Etc::SourceList=/dev/null",
        "-o",
        f"Dir::Etc::SourceParts={lists_work / 'sources.list.d'}",
        "-o",
        "APT::Sandbox::User=root",  # the temporary directory is not readable by _apt
        f"dh-python/{suite}",
    ]
    subprocess.run(cmd, check=True, cwd=dl, stdout=sys.stderr)
    deb = next(dl.glob("dh-python_*.deb"))
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        member = tf.extractfile("./usr/share/dh-python/dist/cpython3_fallback")
        assert member is not None
        out = dl / "cpython3_fallback"
        out.write_bytes(member.read())
    return out, f"{deb.name} from Debian {suite}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lists", type=Path, help="an apt lists/ directory with Packages and Sources")
    ap.add_argument("--fallback", type=Path, help="a cpython3_fallback file (default: trixie's dh-python)")
    ap.add_argument("--out", type=Path, default=DATA / "syslibs.json")
    args = ap.parse_args(argv)
    debian = json.loads((DATA / "debian.json").read_text(encoding="utf-8"))
    maps = logical_maps(debian["releases"])
    with tempfile.TemporaryDirectory(prefix="matrixhell-apt-") as tmp:
        work = Path(tmp)
        lists = args.lists or regen_catalog.apt_fetch(work, SUITES, sources=True)
        if args.fallback:
            fallback_path, fallback_desc = args.fallback, f"{args.fallback}"
        else:
            if args.lists:  # a private configuration is needed for apt-get download
                regen_catalog.apt_fetch(work, SUITES[:1])
            fallback_path, fallback_desc = fetch_fallback(work, SUITES[0])
        fallback = parse_fallback(fallback_path.read_text(encoding="utf-8").splitlines())
        suites = {}
        dates = []
        for suite in SUITES:
            info = regen_catalog.parse_inrelease(
                regen_catalog.need(regen_catalog.list_file(lists, suite, "InRelease")).read_text(encoding="utf-8")
            )
            dates.append(f"{suite} {info.get('Version')} ({info.get('Date')})")
            packages, _pockets = regen_catalog.load_suite(lists, suite)
            with regen_catalog.need(regen_catalog.list_file(lists, suite, "Sources")).open(encoding="utf-8") as f:
                sources = index_sources(parse_stanzas(f))
            suites[suite] = (packages, sources)
    derived = derive_pypi(fallback, suites, maps)
    extensions = derive_extensions(suites[SUITES[0]][0], maps)
    bundles_path = DATA / "wheel_bundles.json"
    probed: dict[str, list[str]] = {}
    bundles_source = "curated"
    if bundles_path.exists():
        wb = json.loads(bundles_path.read_text(encoding="utf-8"))
        probed = {name: e["bundles"] for name, e in wb["pypi"].items()}
        bundles_source = f"data/wheel_bundles.json ({wb['_provenance']['retrieved']}) and curated"
    pypi, missing = finish_pypi(derived, probed)
    if missing:
        print(f"top native PyPI names with no entry: {' '.join(missing)}", file=sys.stderr)
    unmapped: dict[str, int] = {}
    for e in pypi.values():
        for u in e.get("debian_unmapped", []):
            unmapped[u] = unmapped.get(u, 0) + 1
    top_unmapped = sorted(unmapped.items(), key=lambda kv: -kv[1])[:40]
    print("most frequent unmapped Debian libraries:", top_unmapped, file=sys.stderr)
    doc = {
        "_provenance": {
            "source": "Debian main amd64 Packages and Sources of "
            + "; ".join(dates)
            + f"; dh-python's cpython3_fallback ({fallback_desc}); wheel bundles from {bundles_source}; "
            "gem, npm and Composer ext-* entries derived from the newest suite's arch-dependent ruby-*, "
            "node-* and phpX.Y-* packages, with curated tables in the script winning (and alone for "
            "Go, Cargo and NuGet)",
            "retrieved": dt.date.today().isoformat(),
            "command": COMMAND,
            "method": "derived: PyPI name -> Debian binary (dh-python map) -> Depends (run-time "
            "libraries) and source Build-Depends (build-only libraries, tools); Debian library "
            "packages -> logical names via debian.json",
            "top_native_pypi_missing": missing,
        },
        "ecosystems": {
            "pypi": pypi,
            "npm": merge_curated(_curated(CURATED_NPM), extensions["npm"]),
            "gem": merge_curated(_curated(CURATED_GEM), extensions["gem"]),
            "composer": merge_curated(_curated(CURATED_COMPOSER), extensions["composer"]),
            "go": _curated(CURATED_GO, normalize=False),
            "cargo": _curated(CURATED_CARGO),
            "nuget": _curated(CURATED_NUGET, normalize=False),
        },
    }
    args.out.write_text(json.dumps(doc, indent=0, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(pypi)} PyPI entries)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
