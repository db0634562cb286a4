#!/usr/bin/env python3
"""Write the curated knowledge files: logical libraries, Ubuntu and Alpine releases, official images, runtime EOL.

These facts cannot be read from an archive this machine reaches, so they live here as tables with
their sources named; this script is the single place to edit them.  Run it, then regen_catalog.py
(which reads libraries.json) and regen_syslibs.py:

    python scripts/regen_curated.py && python scripts/regen_catalog.py && python scripts/regen_syslibs.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "matrixhell" / "knowledge" / "data"
COMMAND = "python scripts/regen_curated.py"

# ---------------------------------------------------------------------------------------------------
# Logical libraries.  debian: the -dev package(s) on Debian and Ubuntu (an inner list = alternatives,
# the first one a release has wins); the run-time packages of each Debian release are derived from
# the -dev package's Depends by regen_catalog.py.  apk: (build, run) package names on Alpine.
# ---------------------------------------------------------------------------------------------------
Lib = tuple[str, list[Any], tuple[list[str], list[str]]]

LIBRARIES: list[Lib] = [
    ("openssl", ["libssl-dev"], (["openssl-dev"], ["libssl3", "libcrypto3"])),
    ("libpq", ["libpq-dev"], (["libpq-dev"], ["libpq"])),
    ("libffi", ["libffi-dev"], (["libffi-dev"], ["libffi"])),
    ("libxml2", ["libxml2-dev"], (["libxml2-dev"], ["libxml2"])),
    ("libxslt", ["libxslt1-dev"], (["libxslt-dev"], ["libxslt"])),
    ("libjpeg", [["libjpeg-dev", "libjpeg62-turbo-dev"]], (["libjpeg-turbo-dev"], ["libjpeg-turbo"])),
    ("zlib", ["zlib1g-dev"], (["zlib-dev"], ["zlib"])),
    ("libicu", ["libicu-dev"], (["icu-dev"], ["icu-libs"])),
    (
        "libmysqlclient",
        [["default-libmysqlclient-dev", "libmariadb-dev"]],
        (["mariadb-connector-c-dev"], ["mariadb-connector-c"]),
    ),
    ("libsqlite3", ["libsqlite3-dev"], (["sqlite-dev"], ["sqlite-libs"])),
    ("libyaml", ["libyaml-dev"], (["yaml-dev"], ["yaml"])),
    ("libgeos", ["libgeos-dev"], (["geos-dev"], ["geos"])),
    ("libgdal", ["libgdal-dev"], (["gdal-dev"], ["gdal"])),
    ("libproj", ["libproj-dev"], (["proj-dev"], ["proj"])),
    ("cairo", ["libcairo2-dev"], (["cairo-dev"], ["cairo"])),
    ("pango", ["libpango1.0-dev"], (["pango-dev"], ["pango"])),
    ("libvips", ["libvips-dev"], (["vips-dev"], ["vips"])),
    ("giflib", ["libgif-dev"], (["giflib-dev"], ["giflib"])),
    ("libpng", ["libpng-dev"], (["libpng-dev"], ["libpng"])),
    ("libwebp", ["libwebp-dev"], (["libwebp-dev"], ["libwebp"])),
    ("libtiff", ["libtiff-dev"], (["tiff-dev"], ["tiff"])),
    ("freetype", [["libfreetype-dev", "libfreetype6-dev"]], (["freetype-dev"], ["freetype"])),
    ("lcms2", ["liblcms2-dev"], (["lcms2-dev"], ["lcms2"])),
    ("openjpeg", ["libopenjp2-7-dev"], (["openjpeg-dev"], ["openjpeg"])),
    ("harfbuzz", ["libharfbuzz-dev"], (["harfbuzz-dev"], ["harfbuzz"])),
    ("fribidi", ["libfribidi-dev"], (["fribidi-dev"], ["fribidi"])),
    ("fontconfig", ["libfontconfig-dev"], (["fontconfig-dev"], ["fontconfig"])),
    ("libimagequant", ["libimagequant-dev"], (["libimagequant-dev"], ["libimagequant"])),
    ("libraqm", ["libraqm-dev"], ([], [])),
    ("libxcb", ["libxcb1-dev"], (["libxcb-dev"], ["libxcb"])),
    ("libx11", ["libx11-dev"], (["libx11-dev"], ["libx11"])),
    ("libheif", ["libheif-dev"], (["libheif-dev"], ["libheif"])),
    ("libavif", ["libavif-dev"], (["libavif-dev"], ["libavif"])),
    ("libexif", ["libexif-dev"], (["libexif-dev"], ["libexif"])),
    ("librsvg", ["librsvg2-dev"], (["librsvg-dev"], ["librsvg"])),
    ("imagemagick", ["libmagickwand-dev"], (["imagemagick-dev"], ["imagemagick-libs"])),
    ("libzip", ["libzip-dev"], (["libzip-dev"], ["libzip"])),
    ("libsodium", ["libsodium-dev"], (["libsodium-dev"], ["libsodium"])),
    ("libargon2", ["libargon2-dev"], (["argon2-dev"], ["argon2-libs"])),
    ("libsass", ["libsass-dev"], (["libsass-dev"], ["libsass"])),
    ("openblas", ["libopenblas-dev"], (["openblas-dev"], ["openblas"])),
    ("blas", ["libblas-dev"], (["openblas-dev"], ["openblas"])),
    ("lapack", ["liblapack-dev"], (["lapack-dev"], ["lapack"])),
    ("libgfortran", [], (["gfortran"], ["libgfortran"])),
    ("libgomp", [], (["gcc"], ["libgomp"])),
    ("libcurl", ["libcurl4-openssl-dev"], (["curl-dev"], ["libcurl"])),
    ("krb5", ["libkrb5-dev"], (["krb5-dev"], ["krb5-libs"])),
    ("libldap", [["libldap-dev", "libldap2-dev"]], (["openldap-dev"], ["libldap"])),
    ("libsasl2", ["libsasl2-dev"], (["cyrus-sasl-dev"], ["libsasl"])),
    ("libxmlsec1", ["libxmlsec1-dev"], (["xmlsec-dev"], ["xmlsec"])),
    ("gmp", ["libgmp-dev"], (["gmp-dev"], ["gmp"])),
    ("mpfr", ["libmpfr-dev"], (["mpfr-dev"], ["mpfr4"])),
    ("mpc", ["libmpc-dev"], (["mpc1-dev"], ["mpc1"])),
    ("libmagic", ["libmagic-dev"], (["file-dev"], ["libmagic"])),
    ("snappy", ["libsnappy-dev"], (["snappy-dev"], ["snappy"])),
    ("lz4", ["liblz4-dev"], (["lz4-dev"], ["lz4-libs"])),
    ("zstd", ["libzstd-dev"], (["zstd-dev"], ["zstd-libs"])),
    ("bzip2", ["libbz2-dev"], (["bzip2-dev"], ["libbz2"])),
    ("xz", ["liblzma-dev"], (["xz-dev"], ["xz-libs"])),
    ("brotli", ["libbrotli-dev"], (["brotli-dev"], ["brotli-libs"])),
    ("libuv", ["libuv1-dev"], (["libuv-dev"], ["libuv"])),
    ("libev", ["libev-dev"], (["libev-dev"], ["libev"])),
    ("libevent", ["libevent-dev"], (["libevent-dev"], ["libevent"])),
    ("pcre2", ["libpcre2-dev"], (["pcre2-dev"], ["pcre2"])),
    ("re2", ["libre2-dev"], (["re2-dev"], ["re2"])),
    ("protobuf", ["libprotobuf-dev"], (["protobuf-dev"], ["libprotobuf"])),
    ("libzmq", ["libzmq3-dev"], (["zeromq-dev"], ["libzmq"])),
    ("hdf5", ["libhdf5-dev"], (["hdf5-dev"], ["hdf5"])),
    ("netcdf", ["libnetcdf-dev"], (["netcdf-dev"], ["netcdf"])),
    ("fftw", ["libfftw3-dev"], (["fftw-dev"], ["fftw-double-libs"])),
    ("gsl", ["libgsl-dev"], (["gsl-dev"], ["gsl"])),
    ("libsndfile", ["libsndfile1-dev"], (["libsndfile-dev"], ["libsndfile"])),
    ("portaudio", ["portaudio19-dev"], (["portaudio-dev"], ["portaudio"])),
    ("alsa", ["libasound2-dev"], (["alsa-lib-dev"], ["alsa-lib"])),
    (
        "ffmpeg",
        ["libavcodec-dev", "libavformat-dev", "libavutil-dev", "libswscale-dev"],
        (["ffmpeg-dev"], ["ffmpeg-libs"]),
    ),
    ("opencv", ["libopencv-dev"], (["opencv-dev"], ["opencv"])),
    ("glib", ["libglib2.0-dev"], (["glib-dev"], ["glib"])),
    (
        "gobject-introspection",
        [["libgirepository-2.0-dev", "libgirepository1.0-dev"]],
        (["gobject-introspection-dev"], ["gobject-introspection"]),
    ),
    ("gtk3", ["libgtk-3-dev"], (["gtk+3.0-dev"], ["gtk+3.0"])),
    ("dbus", ["libdbus-1-dev"], (["dbus-dev"], ["dbus-libs"])),
    ("libsystemd", ["libsystemd-dev"], ([], [])),
    ("libcap", ["libcap-dev"], (["libcap-dev"], ["libcap"])),
    ("libacl", ["libacl1-dev"], (["acl-dev"], ["acl-libs"])),
    ("libudev", ["libudev-dev"], (["eudev-dev"], ["eudev-libs"])),
    ("libusb", ["libusb-1.0-0-dev"], (["libusb-dev"], ["libusb"])),
    ("libfuse", ["libfuse3-dev"], (["fuse3-dev"], ["fuse3-libs"])),
    ("libseccomp", ["libseccomp-dev"], (["libseccomp-dev"], ["libseccomp"])),
    ("unixodbc", ["unixodbc-dev"], (["unixodbc-dev"], ["unixodbc"])),
    ("freetds", ["freetds-dev"], (["freetds-dev"], ["freetds"])),
    ("libpam", ["libpam0g-dev"], (["linux-pam-dev"], ["linux-pam"])),
    ("libcrypt", ["libcrypt-dev"], (["libxcrypt-dev"], ["libxcrypt"])),
    ("gpgme", ["libgpgme-dev"], (["gpgme-dev"], ["gpgme"])),
    ("libgcrypt", ["libgcrypt20-dev"], (["libgcrypt-dev"], ["libgcrypt"])),
    ("libgpg-error", ["libgpg-error-dev"], (["libgpg-error-dev"], ["libgpg-error"])),
    ("gnutls", ["libgnutls28-dev"], (["gnutls-dev"], ["gnutls"])),
    ("nss", ["libnss3-dev"], (["nss-dev"], ["nss"])),
    ("libsecp256k1", ["libsecp256k1-dev"], (["libsecp256k1-dev"], ["libsecp256k1"])),
    ("libssh2", ["libssh2-1-dev"], (["libssh2-dev"], ["libssh2"])),
    ("libssh", ["libssh-dev"], (["libssh-dev"], ["libssh"])),
    ("libgit2", ["libgit2-dev"], (["libgit2-dev"], ["libgit2"])),
    ("leveldb", ["libleveldb-dev"], (["leveldb-dev"], ["leveldb"])),
    ("lmdb", ["liblmdb-dev"], (["lmdb-dev"], ["lmdb"])),
    ("libmemcached", ["libmemcached-dev"], (["libmemcached-dev"], ["libmemcached-libs"])),
    ("librdkafka", ["librdkafka-dev"], (["librdkafka-dev"], ["librdkafka"])),
    ("cups", ["libcups2-dev"], (["cups-dev"], ["cups-libs"])),
    ("tk", ["tk-dev"], (["tk-dev"], ["tk"])),
    ("tcl", ["tcl-dev"], (["tcl-dev"], ["tcl"])),
    ("libmaxminddb", ["libmaxminddb-dev"], (["libmaxminddb-dev"], ["libmaxminddb"])),
    ("libpcap", ["libpcap-dev"], (["libpcap-dev"], ["libpcap"])),
    ("tesseract", ["libtesseract-dev"], (["tesseract-ocr-dev"], ["tesseract-ocr"])),
    ("leptonica", ["libleptonica-dev"], (["leptonica-dev"], ["leptonica"])),
    ("poppler", ["libpoppler-cpp-dev"], (["poppler-dev"], ["poppler"])),
    ("qpdf", ["libqpdf-dev"], (["qpdf-dev"], ["qpdf-libs"])),
    ("expat", ["libexpat1-dev"], (["expat-dev"], ["libexpat"])),
    ("oniguruma", ["libonig-dev"], (["oniguruma-dev"], ["oniguruma"])),
    ("readline", ["libreadline-dev"], (["readline-dev"], ["readline"])),
    ("ncurses", ["libncurses-dev"], (["ncurses-dev"], ["ncurses-libs"])),
    ("gdbm", ["libgdbm-dev"], (["gdbm-dev"], ["gdbm"])),
    ("libuuid", ["uuid-dev"], (["util-linux-dev"], ["libuuid"])),
    ("xxhash", ["libxxhash-dev"], (["xxhash-dev"], ["xxhash"])),
    ("hiredis", ["libhiredis-dev"], (["hiredis-dev"], ["hiredis"])),
    ("libedit", ["libedit-dev"], (["libedit-dev"], ["libedit"])),
    ("libgl", ["libgl-dev"], (["mesa-dev"], ["mesa-gl"])),
    ("libarchive", ["libarchive-dev"], (["libarchive-dev"], ["libarchive"])),
    ("llvm", ["llvm-dev"], (["llvm-dev"], ["llvm-libs"])),
    ("tbb", ["libtbb-dev"], (["onetbb-dev"], ["onetbb"])),
    ("libspatialindex", ["libspatialindex-dev"], (["libspatialindex-dev"], ["libspatialindex"])),
    ("openmpi", ["libopenmpi-dev"], (["openmpi-dev"], ["openmpi"])),
    ("libnghttp2", ["libnghttp2-dev"], (["nghttp2-dev"], ["nghttp2-libs"])),
    ("libidn2", ["libidn2-dev"], (["libidn2-dev"], ["libidn2"])),
    ("boost-python", ["libboost-python-dev"], (["boost-dev"], ["boost-python3"])),
    ("libglu", ["libglu1-mesa-dev"], (["glu-dev"], ["glu"])),
    ("liblzf", ["liblzf-dev"], ([], [])),
    ("bluez", ["libbluetooth-dev"], (["bluez-dev"], ["bluez-libs"])),
    ("sdl2", ["libsdl2-dev"], (["sdl2-dev"], ["sdl2"])),
    ("blosc", ["libblosc-dev"], (["blosc-dev"], ["blosc"])),
    ("eccodes", ["libeccodes-dev"], (["eccodes-dev"], ["eccodes"])),
    ("glpk", ["libglpk-dev"], (["glpk-dev"], ["glpk"])),
    ("c-ares", ["libc-ares-dev"], (["c-ares-dev"], ["c-ares"])),
    ("igraph", ["libigraph-dev"], (["igraph-dev"], ["igraph"])),
    ("zbar", ["libzbar-dev"], (["zbar-dev"], ["zbar"])),
    ("libraw", ["libraw-dev"], (["libraw-dev"], ["libraw"])),
    ("libsecret", ["libsecret-1-dev"], (["libsecret-dev"], ["libsecret"])),
    ("librabbitmq", ["librabbitmq-dev"], (["rabbitmq-c-dev"], ["rabbitmq-c"])),
    ("libtidy", ["libtidy-dev"], (["tidyhtml-dev"], ["tidyhtml-libs"])),
    ("htslib", ["libhts-dev"], (["htslib-dev"], ["htslib"])),
    ("libgd", ["libgd-dev"], (["gd-dev"], ["libgd"])),
]

# Debian run-time packages that are not found through a -dev package's Depends.
DEBIAN_RUN_OVERRIDES: dict[str, list[list[str]]] = {
    "libgfortran": [["libgfortran5"]],
    "libgomp": [["libgomp1"]],
    "tk": [["libtk8.6"]],
}

# Build tools: what a package build needs beyond libraries.  (debian/ubuntu, alpine) package names.
TOOLS: dict[str, tuple[list[str], list[str]]] = {
    "c-compiler": (["gcc", "libc6-dev"], ["gcc", "musl-dev"]),
    "c++-compiler": (["g++"], ["g++"]),
    # the usual one-word toolchain: gcc, g++, make and the libc headers
    "build-essential": (["build-essential"], ["build-base"]),
    "make": (["make"], ["make"]),
    "pkg-config": (["pkg-config"], ["pkgconf"]),
    "python3": (["python3"], ["python3"]),
    "python3-dev": (["python3-dev"], ["python3-dev"]),
    "rust": (["cargo", "rustc"], ["cargo", "rust"]),
    "fortran-compiler": (["gfortran"], ["gfortran"]),
    "cmake": (["cmake"], ["cmake"]),
    "autotools": (["autoconf", "automake", "libtool"], ["autoconf", "automake", "libtool"]),
    "go": (["golang-go"], ["go"]),
    "git": (["git"], ["git"]),
}

# ---------------------------------------------------------------------------------------------------
# Ubuntu LTS releases.  Sources: the release notes of each LTS and the packages.ubuntu.com listings of
# the -updates pockets (versions given to upstream minor precision: point updates move the patch
# level during a release's life).
# ---------------------------------------------------------------------------------------------------
_UBUNTU_RUN = {
    #              focal             jammy              noble
    "openssl": ("libssl1.1", "libssl3", "libssl3t64"),
    "libpq": ("libpq5", "libpq5", "libpq5"),
    "libffi": ("libffi7", "libffi8", "libffi8"),
    "libxml2": ("libxml2", "libxml2", "libxml2"),
    "libxslt": ("libxslt1.1", "libxslt1.1", "libxslt1.1"),
    "libjpeg": ("libjpeg-turbo8", "libjpeg-turbo8", "libjpeg-turbo8"),
    "zlib": ("zlib1g", "zlib1g", "zlib1g"),
    "libicu": ("libicu66", "libicu70", "libicu74"),
    "libmysqlclient": ("libmysqlclient21", "libmysqlclient21", "libmysqlclient21"),
    "libsqlite3": ("libsqlite3-0", "libsqlite3-0", "libsqlite3-0"),
    "libyaml": ("libyaml-0-2", "libyaml-0-2", "libyaml-0-2"),
    "libgeos": ("libgeos-c1v5", "libgeos-c1v5", "libgeos-c1t64"),
    "libgdal": ("libgdal26", "libgdal30", "libgdal34t64"),
    "cairo": ("libcairo2", "libcairo2", "libcairo2"),
    "pango": ("libpango-1.0-0", "libpango-1.0-0", "libpango-1.0-0"),
    "libvips": ("libvips42", "libvips42", "libvips42t64"),
    "giflib": ("libgif7", "libgif7", "libgif7"),
    "libpng": ("libpng16-16", "libpng16-16", "libpng16-16t64"),
    "libwebp": ("libwebp6", "libwebp7", "libwebp7"),
    "libtiff": ("libtiff5", "libtiff5", "libtiff6"),
    "freetype": ("libfreetype6", "libfreetype6", "libfreetype6"),
    "lcms2": ("liblcms2-2", "liblcms2-2", "liblcms2-2"),
    "openjpeg": ("libopenjp2-7", "libopenjp2-7", "libopenjp2-7"),
    "libzip": ("libzip5", "libzip4", "libzip4t64"),
    "libsodium": ("libsodium23", "libsodium23", "libsodium23"),
    "libargon2": ("libargon2-1", "libargon2-1", "libargon2-1"),
    "libsass": ("libsass1", "libsass1", "libsass1"),
    "libcurl": ("libcurl4", "libcurl4", "libcurl4t64"),
    "krb5": ("libkrb5-3", "libkrb5-3", "libkrb5-3"),
    "libldap": ("libldap-2.4-2", "libldap-2.5-0", "libldap2"),
    "libsasl2": ("libsasl2-2", "libsasl2-2", "libsasl2-2"),
    "libxmlsec1": ("libxmlsec1", "libxmlsec1", "libxmlsec1t64"),
    "gmp": ("libgmp10", "libgmp10", "libgmp10"),
    "libmagic": ("libmagic1", "libmagic1", "libmagic1t64"),
    "libuv": ("libuv1", "libuv1", "libuv1t64"),
    "zstd": ("libzstd1", "libzstd1", "libzstd1"),
    "lz4": ("liblz4-1", "liblz4-1", "liblz4-1"),
    "bzip2": ("libbz2-1.0", "libbz2-1.0", "libbz2-1.0"),
    "xz": ("liblzma5", "liblzma5", "liblzma5"),
    "oniguruma": ("libonig5", "libonig5", "libonig5"),
    "readline": ("libreadline8", "libreadline8", "libreadline8t64"),
    "expat": ("libexpat1", "libexpat1", "libexpat1"),
    "libgcrypt": ("libgcrypt20", "libgcrypt20", "libgcrypt20"),
    "openblas": ("libopenblas0", "libopenblas0", "libopenblas0"),
    "blas": ("libblas3", "libblas3", "libblas3"),
    "lapack": ("liblapack3", "liblapack3", "liblapack3"),
    "libgfortran": ("libgfortran5", "libgfortran5", "libgfortran5"),
    "libgomp": ("libgomp1", "libgomp1", "libgomp1"),
    "imagemagick": ("libmagickwand-6.q16-6", "libmagickwand-6.q16-6", "libmagickwand-6.q16-7t64"),
    "libzmq": ("libzmq5", "libzmq5", "libzmq5"),
    "glib": ("libglib2.0-0", "libglib2.0-0", "libglib2.0-0t64"),
    "libpcre2": ("libpcre2-8-0", "libpcre2-8-0", "libpcre2-8-0"),
}
# 26.04 (resolute): only the names its archive and announcements make certain; others unknown.
_UBUNTU_RUN_2604 = {
    "openssl": "libssl3t64",
    "libpq": "libpq5",
    "libffi": "libffi8",
    "zlib": "zlib1g",
    "libsqlite3": "libsqlite3-0",
    "libyaml": "libyaml-0-2",
    "libxslt": "libxslt1.1",
    "libjpeg": "libjpeg-turbo8",
    "bzip2": "libbz2-1.0",
    "xz": "liblzma5",
    "zstd": "libzstd1",
}
# Ubuntu's -dev names that differ from Debian's.
_UBUNTU_BUILD = {
    "libjpeg": ("libjpeg-dev",),
    "libmysqlclient": ("libmysqlclient-dev",),
    "libldap": ("libldap2-dev",),
}

UBUNTU: list[dict[str, Any]] = [
    {
        "name": "20.04",
        "codename": "focal",
        "eol": "2025-05-31",
        "libc_version": "2.31",
        "openssl_version": "1.1.1f",
        "runtimes": {
            "python": "3.8.10",
            "node": "10.19.0",
            "go": "1.13.8",
            "java": "11",
            "ruby": "2.7.0",
            "php": "7.4.3",
        },
        "versions": {
            "libpq": "12",
            "libicu": "66.1",
            "libxml2": "2.9.10",
            "libsqlite3": "3.31.1",
            "libffi": "3.3",
            "zlib": "1.2.11",
        },
    },
    {
        "name": "22.04",
        "codename": "jammy",
        "eol": "2027-05-31",
        "libc_version": "2.35",
        "openssl_version": "3.0.2",
        "runtimes": {
            "python": "3.10.12",
            "node": "12.22.9",
            "go": "1.18.1",
            "java": "11",
            "ruby": "3.0.2",
            "php": "8.1.2",
        },
        "versions": {
            "libpq": "14",
            "libicu": "70.1",
            "libxml2": "2.9.13",
            "libsqlite3": "3.37.2",
            "libffi": "3.4.2",
            "zlib": "1.2.11",
        },
    },
    {
        "name": "24.04",
        "codename": "noble",
        "eol": "2029-05-31",
        "libc_version": "2.39",
        "openssl_version": "3.0.13",
        "runtimes": {
            "python": "3.12.3",
            "node": "18.19.1",
            "go": "1.22.2",
            "java": "21",
            "ruby": "3.2.3",
            "php": "8.3.6",
            "rust": "1.75.0",
        },
        "versions": {
            "libpq": "16",
            "libicu": "74.2",
            "libxml2": "2.9.14",
            "libsqlite3": "3.45.1",
            "libffi": "3.4.6",
            "zlib": "1.3",
        },
    },
    {
        # OpenSSL 3.5 and Python 3.14 per the 26.04 announcements; glibc given as the lower bound.
        "name": "26.04",
        "codename": "resolute",
        "eol": "2031-04-30",
        "libc_version": "2.42",
        "openssl_version": "3.5",
        "runtimes": {"python": "3.14"},
        "versions": {},
    },
]

# ---------------------------------------------------------------------------------------------------
# Alpine releases.  Sources: Alpine's release notes and the aports branch of each release
# (main/musl, main/python3, main/nodejs, main/openssl, main/postgresql*, main/icu).  Minor precision;
# a release whose notes do not say a version leaves it out (unknown, not absent).
# ---------------------------------------------------------------------------------------------------
ALPINE: list[dict[str, Any]] = [
    {
        "name": "3.18",
        "eol": "2025-05-09",
        "libc_version": "1.2.4",
        "openssl_version": "3.1",
        "runtimes": {"python": "3.11", "node": "18", "go": "1.20", "ruby": "3.2", "php": "8.1", "rust": "1.71"},
        "versions": {"libpq": "15", "libicu": "73.2", "libxml2": "2.11", "libsqlite3": "3.41", "zlib": "1.2.13"},
    },
    {
        "name": "3.19",
        "eol": "2025-11-01",
        "libc_version": "1.2.4",
        "openssl_version": "3.1",
        "runtimes": {"python": "3.11", "node": "20", "go": "1.21", "ruby": "3.2", "php": "8.2", "rust": "1.72"},
        "versions": {"libpq": "16", "libicu": "74.1", "libxml2": "2.11", "libsqlite3": "3.44", "zlib": "1.3"},
    },
    {
        "name": "3.20",
        "eol": "2026-04-01",
        "libc_version": "1.2.5",
        "openssl_version": "3.3",
        "runtimes": {"python": "3.12", "node": "20", "go": "1.22", "ruby": "3.3", "php": "8.3", "rust": "1.78"},
        "versions": {"libpq": "16", "libicu": "74.2", "libxml2": "2.12", "libsqlite3": "3.45", "zlib": "1.3"},
    },
    {
        "name": "3.21",
        "eol": "2026-11-01",
        "libc_version": "1.2.5",
        "openssl_version": "3.3",
        "runtimes": {"python": "3.12", "node": "22", "go": "1.23", "ruby": "3.3", "php": "8.3", "rust": "1.83"},
        "versions": {"libpq": "17", "libicu": "74.2", "libxml2": "2.13", "libsqlite3": "3.47", "zlib": "1.3"},
    },
    {
        "name": "3.22",
        "eol": "2027-05-01",
        "libc_version": "1.2.5",
        "openssl_version": "3.5",
        "runtimes": {"python": "3.12", "node": "22", "go": "1.24", "ruby": "3.4", "php": "8.4", "rust": "1.87"},
        "versions": {"libpq": "17", "libicu": "76.1", "libxml2": "2.13", "libsqlite3": "3.49", "zlib": "1.3"},
    },
    # Newer releases: only what their release notes and the official images' changes state.
    {
        "name": "3.23",
        "eol": "2027-11-01",
        "libc_version": "1.2.5",
        "openssl_version": "3.5",
        "runtimes": {"node": "24", "rust": "1.91"},
        "versions": {"zlib": "1.3"},
    },
    {
        "name": "3.24",
        "eol": "2028-05-01",
        "libc_version": "1.2.5",
        "openssl_version": "3.5",
        "runtimes": {"rust": "1.96"},
        "versions": {"zlib": "1.3"},
    },
]

# ---------------------------------------------------------------------------------------------------
# Official images.  Sources: the tag manifests in docker-library/official-images (library/python,
# golang, ruby, php, rust, eclipse-temurin), nodejs/docker-node's versions.json and its issues on the
# default Debian variant (node 26 moved to trixie; older lines stayed on bookworm), the .NET images'
# tag listings on the Microsoft registry, and the projects' release schedules (Python 3.15 in October
# 2026, Go every February and August, Node.js majors in April and October).  The images follow the two
# newest Alpine releases (3.24 since June 2026) and the Debian stable and oldstable releases.  Each
# family: which runtime versions exist, on which releases, how a tag spells the release, and what a
# bare tag means.  A version marked eol still resolves (pinned tags keep working) but gets no rebuilds.
# ---------------------------------------------------------------------------------------------------
_ALPINE_NOW = ["3.24", "3.23"]
_DEBIAN_NOW = ["trixie", "bookworm"]


def _v(
    debian: list[str], alpine: list[str], default: str, *, eol: bool = False, ubuntu: list[str] | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {"debian": debian, "alpine": alpine, "default": default}
    if ubuntu:
        row["ubuntu"] = ubuntu
    if eol:
        row["eol"] = True
    return row


_NOW = _v(_DEBIAN_NOW, _ALPINE_NOW, "trixie")
RUST_IMAGES_AS_OF = "2026-12-01"


#: Alpine releases and the day each came out (alpinelinux.org release notes)
_ALPINE_RELEASED = {
    "3.17": "2022-11-22",
    "3.18": "2023-05-09",
    "3.19": "2023-12-07",
    "3.20": "2024-05-22",
    "3.21": "2024-12-05",
    "3.22": "2025-05-30",
    "3.23": "2025-12-03",
    "3.24": "2026-05-01",
}


def _rust_minors() -> dict[str, Any]:
    """The releases of each rust:1.N tag, from 1.69 (the first with bookworm) to the newest stable on
    RUST_IMAGES_AS_OF.  Stable 1.N ships 2015-05-14 + 42 * N days and is past its end when 1.(N+1)
    ships.

    rust-lang/docker-rust builds each stable release on the Debian suites its x.py lists then:
    bookworm from 1.69 (bullseye and bookworm side by side), trixie only from 1.88 (mid-2025: a trixie
    attempt for 1.72 in 2023 was withdrawn before publishing, official-images #15259), bullseye last seen
    with 1.90; later bullseye tags are not listed since they could not be confirmed.  Alpine: the two
    newest Alpine releases out on the release day, as x.py keeps them (derived, not read per tag)."""
    epoch = dt.date(2015, 5, 14)
    as_of = dt.date.fromisoformat(RUST_IMAGES_AS_OF)
    newest = (as_of - epoch).days // 42
    out: dict[str, Any] = {}
    for n in range(69, newest + 1):
        shipped = epoch + dt.timedelta(days=42 * n)
        debian = (["trixie"] if n >= 88 else []) + ["bookworm"] + (["bullseye"] if n <= 90 else [])
        alpine = sorted(
            (a for a, d in _ALPINE_RELEASED.items() if dt.date.fromisoformat(d) <= shipped),
            key=lambda a: tuple(int(x) for x in a.split(".")),
        )[-2:][::-1]
        ended = epoch + dt.timedelta(days=42 * (n + 1)) <= as_of
        out[f"1.{n}"] = _v(debian, alpine, debian[0], eol=ended)
    return out


IMAGES: dict[str, Any] = {
    "python": {
        "runtime": "python",
        "repositories": ["python"],
        "suffix_style": "slim-codename",
        "full_has_compilers": True,
        "versions": {
            # Frozen: the last tags of lines past their end of life (3.7.17 in June 2023).
            "3.7": _v(["bookworm", "bullseye", "buster"], ["3.18", "3.17"], "bookworm", eol=True),
            "3.8": _v(["bookworm", "bullseye"], ["3.20", "3.19"], "bookworm", eol=True),
            "3.9": _v(["trixie", "bookworm", "bullseye"], ["3.22", "3.21"], "trixie", eol=True),
            "3.10": _v(_DEBIAN_NOW, ["3.23", "3.22"], "trixie", eol=True),
            "3.11": _NOW,
            "3.12": _NOW,
            "3.13": _NOW,
            "3.14": _NOW,
            "3.15": _NOW,
        },
        "latest": "3.15",
    },
    "node": {
        "runtime": "node",
        "repositories": ["node"],
        "suffix_style": "codename-slim",
        "full_has_compilers": True,
        "versions": {
            # Frozen: 14.21.3 (February 2023) and 16.20.2 (August 2023) are the last tags of their lines.
            "14": _v(["bullseye", "buster"], ["3.17", "3.16"], "bullseye", eol=True),
            "16": _v(["bookworm", "bullseye", "buster"], ["3.18", "3.17"], "bookworm", eol=True),
            "18": _v(["bookworm", "bullseye"], ["3.21", "3.20"], "bookworm", eol=True),
            "20": _v(["trixie", "bookworm", "bullseye"], ["3.23", "3.22"], "bookworm", eol=True),
            "22": _v(["trixie", "bookworm", "bullseye"], _ALPINE_NOW, "bookworm"),
            "24": _v(["trixie", "bookworm", "bullseye"], _ALPINE_NOW, "bookworm"),
            "25": _v(["trixie", "bookworm", "bullseye"], ["3.23", "3.22"], "bookworm", eol=True),
            "26": _v(["trixie", "bookworm", "bullseye"], _ALPINE_NOW, "trixie"),
        },
        "latest": "26",
        # LTS codenames; "lts" follows the newest Active LTS line (26 since 2026-10-28).
        "aliases": {"lts": "26", "hydrogen": "18", "iron": "20", "jod": "22", "krypton": "24"},
    },
    "golang": {
        "runtime": "go",
        "repositories": ["golang"],
        "suffix_style": "codename",
        "full_has_compilers": True,
        "no_slim": True,
        "versions": {
            "1.22": _v(["bookworm", "bullseye"], ["3.20", "3.19"], "bookworm", eol=True),
            "1.23": _v(["bookworm", "bullseye"], ["3.21", "3.20"], "bookworm", eol=True),
            "1.24": _v(_DEBIAN_NOW, ["3.22", "3.21"], "trixie", eol=True),
            "1.25": _v(_DEBIAN_NOW, ["3.23", "3.22"], "trixie", eol=True),
            "1.26": _NOW,
            "1.27": _NOW,
        },
        "latest": "1.27",
    },
    "ruby": {
        "runtime": "ruby",
        "repositories": ["ruby"],
        "suffix_style": "slim-codename",
        "full_has_compilers": True,
        "versions": {
            # Frozen: 2.7.8 (March 2023) is the last tag of the 2.7 line.
            "2.7": _v(["bullseye", "buster"], ["3.17", "3.16"], "bullseye", eol=True),
            "3.1": _v(["bookworm", "bullseye"], ["3.20", "3.19"], "bookworm", eol=True),
            "3.2": _v(_DEBIAN_NOW, ["3.23", "3.22"], "trixie", eol=True),
            "3.3": _NOW,
            "3.4": _NOW,
            "4.0": _NOW,
        },
        "latest": "4.0",
    },
    "php": {
        "runtime": "php",
        "repositories": ["php"],
        "suffix_style": "flavor-codename",
        "flavors": ["cli", "fpm", "apache", "zts"],
        "default_flavor": "cli",
        "alpine_flavors": ["cli", "fpm", "zts"],
        "full_has_compilers": False,
        "debian_is_slim": True,
        "versions": {
            # Frozen: 7.4.33 (November 2022) is the last tag of the 7.4 line.
            "7.4": _v(["bullseye", "buster"], ["3.16", "3.15"], "bullseye", eol=True),
            "8.1": _v(["bookworm", "bullseye"], ["3.21", "3.20"], "bookworm", eol=True),
            "8.2": _NOW,
            "8.3": _NOW,
            "8.4": _NOW,
            "8.5": _NOW,
        },
        "latest": "8.5",
    },
    "rust": {
        "runtime": "rust",
        "repositories": ["rust"],
        "suffix_style": "slim-codename",
        "full_has_compilers": True,
        "versions": {"1": _NOW, **_rust_minors()},
        "any_minor": True,
        "latest": "1",
    },
    "eclipse-temurin": {
        "runtime": "java",
        "repositories": ["eclipse-temurin"],
        "suffix_style": "temurin",
        "flavors": ["jdk", "jre"],
        "default_flavor": "jdk",
        "full_has_compilers": False,
        "versions": {
            major: {"ubuntu": ["24.04", "22.04"], "alpine": ["3.23"], "default": "24.04"}
            for major in ("8", "11", "17", "21", "25")
        },
        "latest": "25",
    },
    "dotnet": {
        "runtime": "dotnet",
        "repositories": [
            "mcr.microsoft.com/dotnet/aspnet",
            "mcr.microsoft.com/dotnet/runtime",
            "mcr.microsoft.com/dotnet/sdk",
            "mcr.microsoft.com/dotnet/runtime-deps",
        ],
        "suffix_style": "dotnet",
        "full_has_compilers": False,
        "debian_is_slim": True,
        "versions": {
            "6.0": _v(["bookworm", "bullseye"], ["3.20", "3.19"], "bookworm", eol=True, ubuntu=["22.04"]),
            "8.0": _v(["bookworm"], ["3.23", "3.22"], "bookworm", eol=True, ubuntu=["24.04", "22.04"]),
            "9.0": _v(["bookworm"], ["3.23", "3.22"], "bookworm", eol=True, ubuntu=["24.04"]),
            "10.0": _v(["trixie"], _ALPINE_NOW, "24.04", ubuntu=["24.04"]),
        },
        "latest": "10.0",
    },
}
UBUNTU_CODENAMES = {"focal": "20.04", "jammy": "22.04", "noble": "24.04", "resolute": "26.04"}

# ---------------------------------------------------------------------------------------------------
# Runtime end of life: the last day each release line gets fixes (security fixes included).  A date
# the project announced as a month only ("2027-10") is the last day of that month; one that a policy
# sets by a future release ("until Go 1.29 is out") is that release's planned month, first day, and
# marked "expected".  The image table's eol flags above must agree with these on IMAGES_AS_OF
# (checked by _check_image_eol, so the two tables cannot drift apart).
# ---------------------------------------------------------------------------------------------------
IMAGES_AS_OF = "2026-12-01"

RUNTIME_EOL: dict[str, Any] = {
    "python": {
        "policy": "each minor line: bug fixes for two years, then security fixes until five years after its release",
        "sources": [
            "PEP 373 (2.7), PEP 494 (3.6), PEP 537 (3.7), PEP 569 (3.8), PEP 596 (3.9), PEP 619 (3.10), "
            "PEP 664 (3.11), PEP 693 (3.12), PEP 719 (3.13), PEP 745 (3.14), PEP 790 (3.15)",
            "the Python devguide's status of Python versions page",
        ],
        "lines": {
            "2.7": {"eol": "2020-01-01"},
            "3.6": {"eol": "2021-12-23"},
            "3.7": {"eol": "2023-06-27"},
            "3.8": {"eol": "2024-10-07"},
            "3.9": {"eol": "2025-10-31"},
            "3.10": {"eol": "2026-10-31"},
            "3.11": {"eol": "2027-10-31"},
            "3.12": {"eol": "2028-10-31"},
            "3.13": {"eol": "2029-10-31"},
            "3.14": {"eol": "2030-10-31"},
            "3.15": {"eol": "2031-10-31", "expected": True},
        },
    },
    "node": {
        "policy": "even majors become LTS for 30 months after they leave Current; odd majors end two months "
        "after the next even major's release",
        "sources": ["the Node.js release schedule (nodejs/Release, schedule.json)"],
        "lines": {
            "10": {"eol": "2021-04-30"},
            "12": {"eol": "2022-04-30"},
            "14": {"eol": "2023-04-30"},
            "16": {"eol": "2023-09-11"},
            "17": {"eol": "2022-06-01"},
            "18": {"eol": "2025-04-30"},
            "19": {"eol": "2023-06-01"},
            "20": {"eol": "2026-04-30"},
            "21": {"eol": "2024-06-01"},
            "22": {"eol": "2027-04-30"},
            "23": {"eol": "2025-06-01"},
            "24": {"eol": "2028-04-30"},
            "25": {"eol": "2026-06-01"},
            "26": {"eol": "2029-04-30", "expected": True},
        },
    },
    "ruby": {
        "policy": "each minor line: normal maintenance, then security maintenance, about three years and "
        "three months after its December release",
        "sources": ["ruby-lang.org: the branches' maintenance status and the end-of-life announcements"],
        "lines": {
            "2.6": {"eol": "2022-04-12"},
            "2.7": {"eol": "2023-03-31"},
            "3.0": {"eol": "2024-04-23"},
            "3.1": {"eol": "2025-03-26"},
            "3.2": {"eol": "2026-03-31", "expected": True},
            "3.3": {"eol": "2027-03-31", "expected": True},
            "3.4": {"eol": "2028-03-31", "expected": True},
            "4.0": {"eol": "2029-03-31", "expected": True},
        },
    },
    "php": {
        "policy": "each minor line: two years of active support, then two years of security fixes, ending on "
        "31 December",
        "sources": ["php.net: supported versions and the unsupported branches list"],
        "lines": {
            "7.3": {"eol": "2021-12-06"},
            "7.4": {"eol": "2022-11-28"},
            "8.0": {"eol": "2023-11-26"},
            "8.1": {"eol": "2025-12-31"},
            "8.2": {"eol": "2026-12-31"},
            "8.3": {"eol": "2027-12-31"},
            "8.4": {"eol": "2028-12-31"},
            "8.5": {"eol": "2029-12-31"},
        },
    },
    "go": {
        "policy": "each major release is supported until there are two newer major releases; Go ships one in "
        "February and one in August",
        "sources": ["go.dev/doc/devel/release: the release policy and the release history"],
        "lines": {
            "1.20": {"eol": "2024-02-06"},
            "1.21": {"eol": "2024-08-13"},
            "1.22": {"eol": "2025-02-11"},
            "1.23": {"eol": "2025-08-12"},
            "1.24": {"eol": "2026-02-01", "expected": True},
            "1.25": {"eol": "2026-08-01", "expected": True},
            "1.26": {"eol": "2027-02-01", "expected": True},
            "1.27": {"eol": "2027-08-01", "expected": True},
        },
    },
    "java": {
        "policy": "Eclipse Temurin: LTS lines get updates until at least the date Adoptium states; a feature "
        "release ends when the next one ships, six months later",
        "sources": ["adoptium.net/support: the Temurin support roadmap", "the OpenJDK release dates (JEP 3)"],
        "lines": {
            "8": {"eol": "2030-12-31", "lts": True},
            "11": {"eol": "2027-10-31", "lts": True},
            "17": {"eol": "2029-10-31", "lts": True},
            "21": {"eol": "2029-12-31", "lts": True},
            "22": {"eol": "2024-09-17"},
            "23": {"eol": "2025-03-18"},
            "24": {"eol": "2025-09-16"},
            "25": {"eol": "2031-09-30", "lts": True, "expected": True},
        },
    },
    "dotnet": {
        "policy": "LTS releases (even) three years, STS releases (odd) two years since .NET 9, ending on a "
        "November Patch Tuesday",
        "sources": ["the .NET and .NET Core support policy and the releases index (dotnet/core, releases-index.json)"],
        "lines": {
            "3.1": {"eol": "2022-12-13", "lts": True},
            "5.0": {"eol": "2022-05-10"},
            "6.0": {"eol": "2024-11-12", "lts": True},
            "7.0": {"eol": "2024-05-14"},
            "8.0": {"eol": "2026-11-10", "lts": True},
            "9.0": {"eol": "2026-11-10"},
            "10.0": {"eol": "2028-11-14", "lts": True},
        },
    },
    "rust": {
        "policy": "only the latest stable release is supported; stable 1.N ships on the Thursday 42 * N days "
        "after 2015-05-14 (1.0 itself came out a day later), so 1.N ends when 1.(N+1) ships: "
        "2015-05-14 + 42 * (N + 1) days",
        "sources": ["the Rust release process (forge.rust-lang.org: release channels, the six-week train)"],
        "rolling": {"epoch": "2015-05-14", "cadence_days": 42, "major": "1"},
        "lines": {},
    },
}

def _check_image_eol() -> None:
    """Every image row's eol flag says what RUNTIME_EOL says on IMAGES_AS_OF."""
    as_of = dt.date.fromisoformat(IMAGES_AS_OF)
    wrong = []
    for family, spec in IMAGES.items():
        runtime = spec["runtime"]
        lines = RUNTIME_EOL[runtime]["lines"]
        for version, row in spec["versions"].items():
            if version not in lines:
                continue  # rust's "1" follows the newest stable: never past its end
            past = dt.date.fromisoformat(lines[version]["eol"]) <= as_of
            if past != bool(row.get("eol")):
                flag = bool(row.get("eol"))
                wrong.append(f"{family} {version}: image eol={flag}, runtime eol {lines[version]['eol']}")
    if wrong:
        raise SystemExit("image eol flags disagree with RUNTIME_EOL: " + "; ".join(wrong))


def _provenance(source: str, retrieved: str) -> dict[str, str]:
    return {"source": source, "retrieved": retrieved, "command": COMMAND, "method": "curated"}


def build_libraries(retrieved: str) -> dict[str, Any]:
    libs: dict[str, Any] = {}
    for name, debian_build, (apk_build, apk_run) in LIBRARIES:
        entry: dict[str, Any] = {"debian_build": debian_build, "alpine": {"build": apk_build, "run": apk_run}}
        if name in DEBIAN_RUN_OVERRIDES:
            entry["debian_run"] = DEBIAN_RUN_OVERRIDES[name]
        libs[name] = entry
    tools = {t: {"debian": deb, "alpine": apk} for t, (deb, apk) in TOOLS.items()}
    return {
        "_provenance": _provenance(
            "logical library names with their Debian/Ubuntu -dev package and Alpine apk names, curated "
            "from the Debian and Alpine package archives' listings",
            retrieved,
        ),
        "libraries": libs,
        "tools": tools,
    }


def build_ubuntu(retrieved: str) -> dict[str, Any]:
    releases = []
    for i, rel in enumerate(UBUNTU):
        libraries: dict[str, Any] = {}
        for lib, _deb_build, _apk in LIBRARIES:
            row = _UBUNTU_RUN.get(lib)
            name = row[i] if row is not None and i < len(row) else None
            if rel["name"] == "26.04":
                name = _UBUNTU_RUN_2604.get(lib)
            if name is None:
                continue
            libraries[lib] = {"run": [name]}
            if lib in _UBUNTU_BUILD:
                libraries[lib]["build"] = list(_UBUNTU_BUILD[lib])
        packages = {
            pkgs[0]: {"version": rel["versions"][lib]}
            for lib, pkgs in ((lib, v["run"]) for lib, v in libraries.items())
            if lib in rel["versions"]
        }
        packages[libraries["openssl"]["run"][0]] = {"version": rel["openssl_version"]}
        if libraries["openssl"]["run"][0].endswith("t64"):
            packages[libraries["openssl"]["run"][0]]["provides"] = ["libssl3"]
        packages["libc6"] = {"version": rel["libc_version"]}
        packages["python3"] = {"version": rel["runtimes"]["python"]}
        releases.append(
            {
                "distro": "ubuntu",
                "name": rel["name"],
                "codename": rel["codename"],
                "version": rel["name"],
                "libc": "glibc",
                "libc_version": rel["libc_version"],
                "eol": rel["eol"],
                "ssl": libraries["openssl"]["run"][0],
                "openssl_version": rel["openssl_version"],
                "runtimes": rel["runtimes"],
                "packages": dict(sorted(packages.items())),
                "libraries": libraries,
                "complete": False,
            }
        )
    return {
        "_provenance": _provenance(
            "Ubuntu LTS release notes and packages.ubuntu.com listings (release and -updates pockets) for "
            "focal, jammy and noble, and the ubuntu-devel announcements for resolute (26.04: OpenSSL 3.5, "
            "Python 3.14; only the library names stated are listed); eol = end of standard support; "
            "versions to upstream minor precision",
            retrieved,
        ),
        "releases": releases,
    }


def build_alpine(retrieved: str) -> dict[str, Any]:
    releases = []
    for rel in ALPINE:
        known = {
            "musl": rel["libc_version"],
            "python3": rel["runtimes"].get("python"),
            "nodejs": rel["runtimes"].get("node"),
            "libssl3": rel["openssl_version"],
            "libcrypto3": rel["openssl_version"],
            "libpq": rel["versions"].get("libpq"),
            # postgresqlNN-dev provides it; the split libpq-dev is the smaller choice.
            "postgresql-dev": rel["versions"].get("libpq"),
            "icu-libs": rel["versions"].get("libicu"),
            "libxml2": rel["versions"].get("libxml2"),
            "sqlite-libs": rel["versions"].get("libsqlite3"),
            "zlib": rel["versions"].get("zlib"),
        }
        packages: dict[str, Any] = {name: {"version": v} for name, v in known.items() if v is not None}
        releases.append(
            {
                "distro": "alpine",
                "name": rel["name"],
                "codename": None,
                "version": rel["name"],
                "libc": "musl",
                "libc_version": rel["libc_version"],
                "eol": rel["eol"],
                "ssl": "libssl3",
                "openssl_version": rel["openssl_version"],
                "runtimes": rel["runtimes"],
                "packages": dict(sorted(packages.items())),
                "libraries": {},  # Alpine's apk names are release-independent: libraries.json
                "complete": False,
            }
        )
    return {
        "_provenance": _provenance(
            "Alpine Linux release notes and the aports branches 3.18-stable .. 3.24-stable (main/musl, "
            "python3, nodejs, openssl, postgresql, icu, libxml2, sqlite, zlib); eol = end of support "
            "announced on alpinelinux.org/releases; versions to upstream minor precision",
            retrieved,
        ),
        "releases": releases,
    }


def build_images(retrieved: str) -> dict[str, Any]:
    return {
        "_provenance": _provenance(
            "curated from the official images' documented tag policies: the tag manifests in "
            "docker-library/official-images (library/python, golang, ruby, php, rust, eclipse-temurin), "
            "nodejs/docker-node, and the .NET images' tag listings on the Microsoft container registry, "
            "as published in late 2025. A bare version tag (python:3.12) means the family's 'default' "
            "release of that version; '-alpine' without a number means the first alpine listed. Lines past "
            "their end of life keep the releases of their last published tags (python 3.7, node 14 and 16, "
            "ruby 2.7, php 7.4) and are marked eol, as runtimes.json dates them. Rust's pinned minors "
            "(rust:1.N-slim-<release>) list the Debian suites rust-lang/docker-rust's x.py built each "
            "release on: bookworm and bullseye from 1.69, trixie only from 1.88, bullseye through 1.90; "
            "their Alpine tags are the two newest Alpine releases out on each release day.",
            retrieved,
        ),
        "ubuntu_codenames": UBUNTU_CODENAMES,
        "families": IMAGES,
    }


def build_runtimes(retrieved: str) -> dict[str, Any]:
    sources = sorted({src for spec in RUNTIME_EOL.values() for src in spec["sources"]})
    return {
        "_provenance": _provenance(
            "curated end-of-life dates of the runtimes' release lines, from each project's own policy: "
            + "; ".join(sources)
            + ". A month-only announcement is its last day; 'expected' marks a date a policy sets ahead.",
            retrieved,
        ),
        "runtimes": RUNTIME_EOL,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DATA, help="directory to write into")
    ap.add_argument("--retrieved", default=dt.date.today().isoformat(), help="date to record")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    outputs = {
        "libraries.json": build_libraries(args.retrieved),
        "ubuntu.json": build_ubuntu(args.retrieved),
        "alpine.json": build_alpine(args.retrieved),
        "images.json": build_images(args.retrieved),
        "runtimes.json": build_runtimes(args.retrieved),
    }
    _check_image_eol()
    for name, doc in outputs.items():
        path = args.out / name
        path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
