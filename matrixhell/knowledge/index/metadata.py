"""Core metadata (METADATA / PKG-INFO) read out of wheels and sdists, parsed with packaging."""

from __future__ import annotations

import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["CoreMetadata", "parse_core_metadata", "read_dist_metadata"]


@dataclass(frozen=True, slots=True)
class CoreMetadata:
    name: str
    version: str
    requires_dist: tuple[str, ...]
    requires_python: str | None


def parse_core_metadata(data: bytes | str, *, where: str) -> CoreMetadata:
    """Parse METADATA/PKG-INFO text.  ``where`` names the file for error messages."""
    # Only the headers matter; the long description after the first blank line can be most of it.
    if isinstance(data, bytes):
        cut = data.find(b"\n\n")
        data = data[: cut + 1] if cut >= 0 else data
    else:
        cut = data.find("\n\n")
        data = data[: cut + 1] if cut >= 0 else data
    raw, _unparsed = parse_email(data)
    name = raw.get("name")
    version = raw.get("version")
    if not name or not version:
        raise InputError(
            f"core metadata without Name or Version in {where}",
            origin=Origin(where),
            hint="rebuild the distribution; its METADATA must name the project and version",
        )
    return CoreMetadata(
        name=name,
        version=version,
        requires_dist=tuple(raw.get("requires_dist", ())),
        requires_python=raw.get("requires_python"),
    )


_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_SUFFIX = b".dist-info/METADATA"


def _fast_wheel_metadata(path: Path, wanted: str) -> bytes | None:
    """METADATA straight from the zip's central directory, without reading every entry.

    A big wheel (botocore) has thousands of members; zipfile parses them all, this finds the one
    it needs with a byte search.  None means "use zipfile" (zip64, odd compression, no match).
    """
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        tail_len = min(size, 65536 + 22)
        fh.seek(size - tail_len)
        tail = fh.read()
        eocd = tail.rfind(_EOCD)
        if eocd < 0 or len(tail) < eocd + 22:
            return None
        cd_size, cd_offset = struct.unpack("<II", tail[eocd + 12 : eocd + 20])
        if cd_offset == 0xFFFFFFFF or cd_offset + cd_size > size:
            return None
        fh.seek(cd_offset)
        cd = fh.read(cd_size)
        at = cd.find(_SUFFIX)
        while at >= 0:
            start = cd.rfind(_CENTRAL, 0, at)
            if start < 0:
                return None
            fields = struct.unpack("<4s6H3I5H2I", cd[start : start + 46])
            method, comp_size, name_len, local = fields[4], fields[8], fields[10], fields[16]
            member = cd[start + 46 : start + 46 + name_len].decode("utf-8", "replace")
            stem = member.split("/", 1)[0][: -len(".dist-info")]
            if member.count("/") == 1 and _norm_stem(stem) == wanted:
                fh.seek(local)
                header = fh.read(30)
                name_n, extra_n = struct.unpack("<HH", header[26:30])
                fh.seek(local + 30 + name_n + extra_n)
                data = fh.read(comp_size)
                if method == 8:
                    return zlib.decompress(data, -15)
                return data if method == 0 else None
            at = cd.find(_SUFFIX, at + 1)
    return None


def _norm_stem(stem: str) -> str:
    return stem.replace("-", "_").replace(".", "_").lower()


def _wheel_metadata(path: Path) -> bytes:
    name, version, _build, _tags = parse_wheel_filename(path.name)
    try:
        fast = _fast_wheel_metadata(path, _norm_stem(f"{name}-{version}"))
    except (struct.error, zlib.error, UnicodeDecodeError):
        fast = None
    if fast is not None:
        return fast
    with zipfile.ZipFile(path) as zf:
        # The .dist-info directory is named after the project, but its spelling varies between
        # builders, so match it case-insensitively on the normalized name.
        wanted = f"{name}-{version}".replace("-", "_").lower()
        candidates = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        for member in candidates:
            stem = member.split("/", 1)[0][: -len(".dist-info")]
            if stem.replace("-", "_").replace(".", "_").lower() == wanted.replace(".", "_"):
                return zf.read(member)
        if len(candidates) == 1:
            return zf.read(candidates[0])
    raise InputError(
        f"{path.name}: no .dist-info/METADATA inside the wheel",
        origin=Origin(str(path)),
        hint="the file is not a valid wheel; remove it or rebuild it",
    )


def _sdist_metadata(path: Path) -> bytes:
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.count("/") == 1 and member.endswith("/PKG-INFO"):
                    return zf.read(member)
    else:
        with tarfile.open(path) as tf:
            for info in tf:
                if info.isfile() and info.name.count("/") == 1 and info.name.endswith("/PKG-INFO"):
                    fh = tf.extractfile(info)
                    if fh is not None:
                        return fh.read()
    raise InputError(
        f"{path.name}: no PKG-INFO at the top of the sdist",
        origin=Origin(str(path)),
        hint="the sdist is malformed; remove it or rebuild it with a PEP 517 build",
    )


def read_dist_metadata(path: Path) -> CoreMetadata:
    """Core metadata of a wheel (its METADATA) or an sdist (its PKG-INFO)."""
    try:
        if path.name.endswith(".whl"):
            parse_wheel_filename(path.name)
            data = _wheel_metadata(path)
        else:
            parse_sdist_filename(path.name)
            data = _sdist_metadata(path)
    except (InvalidWheelFilename, InvalidSdistFilename) as e:
        raise InputError(
            f"{path.name}: not a wheel or sdist file name ({e})",
            origin=Origin(str(path)),
            hint="name distribution files as PEP 427 / PEP 625 say",
        ) from e
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as e:
        raise InputError(
            f"{path.name}: cannot read the distribution ({e})",
            origin=Origin(str(path)),
            hint="the file is damaged; download it again",
        ) from e
    return parse_core_metadata(data, where=str(path))
