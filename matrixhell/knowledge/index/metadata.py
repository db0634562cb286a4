"""Core metadata (METADATA / PKG-INFO) read out of wheels and sdists, parsed with packaging."""

from __future__ import annotations

import tarfile
import zipfile
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


def _wheel_metadata(path: Path) -> bytes:
    name, version, _build, _tags = parse_wheel_filename(path.name)
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
