"""Write real, minimal wheels and sdists for a test index, and run uv over the same folder.

A case's ``index`` (the snapshot format: project -> version -> requires_dist / requires_python /
files) becomes one file per distribution: a wheel zip with ``.dist-info/METADATA``, ``WHEEL`` and
``RECORD``, or an sdist tarball with ``PKG-INFO``.  Installers and resolvers read these like any other.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

UV = shutil.which("uv")


def _metadata(name: str, version: str, entry: Mapping[str, Any], requires_python: str | None) -> str:
    lines = ["Metadata-Version: 2.2", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    extras = sorted(
        {m.group(1) for r in entry.get("requires_dist", ()) for m in re.finditer(r"extra\s*==\s*['\"]([^'\"]+)", r)}
    )
    lines.extend(f"Provides-Extra: {e}" for e in extras)
    lines.extend(f"Requires-Dist: {r}" for r in entry.get("requires_dist", ()))
    return "\n".join(lines) + "\n\n"


def _write_wheel(folder: Path, filename: str, name: str, version: str, metadata: str) -> None:
    _n, _v, _b, tags = parse_wheel_filename(filename)
    dist_info = f"{canonicalize_name(name).replace('-', '_')}-{version}.dist-info"
    wheel_text = "Wheel-Version: 1.0\nGenerator: res_wheelhouse\nRoot-Is-Purelib: true\n" + "".join(
        f"Tag: {t}\n" for t in sorted(str(t) for t in tags)
    )
    pkg = canonicalize_name(name).replace("-", "_")
    members = {
        f"{pkg}/__init__.py": f"__version__ = {version!r}\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": wheel_text,
    }
    record = "".join(f"{path},,\n" for path in members) + f"{dist_info}/RECORD,,\n"
    members[f"{dist_info}/RECORD"] = record
    with zipfile.ZipFile(folder / filename, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in members.items():
            zf.writestr(path, text)


def _write_sdist(folder: Path, filename: str, name: str, version: str, metadata: str) -> None:
    stem = filename[: -len(".tar.gz")]
    pyproject = (
        f"[build-system]\nrequires = []\nbuild-backend = 'nobuild'\n[project]\nname = {name!r}\nversion = {version!r}\n"
    )
    with tarfile.open(folder / filename, "w:gz") as tf:
        for member, text in ((f"{stem}/PKG-INFO", metadata), (f"{stem}/pyproject.toml", pyproject)):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def build_wheelhouse(index: Mapping[str, Mapping[str, Mapping[str, Any]]], folder: Path) -> Path:
    """One real file per distribution in ``index``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, versions in index.items():
        for version, entry in versions.items():
            files = entry.get("files") or [f"{canonicalize_name(name).replace('-', '_')}-{version}-py3-none-any.whl"]
            for f in files:
                filename = f if isinstance(f, str) else f["filename"]
                rp = (
                    entry.get("requires_python")
                    if isinstance(f, str)
                    else f.get("requires_python", entry.get("requires_python"))
                )
                metadata = _metadata(name, version, entry, rp)
                if filename.endswith(".whl"):
                    _write_wheel(folder, filename, name, version, metadata)
                else:
                    _write_sdist(folder, filename, name, version, metadata)
    return folder


_UV_PLATFORMS = {
    "musllinux_1_2_x86_64": "x86_64-unknown-linux-musl",
    "musllinux_1_2_aarch64": "aarch64-unknown-linux-musl",
}


def uv_platform(platform: str) -> str:
    m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(x86_64|aarch64)", platform)
    if m:
        return f"{m.group(3)}-manylinux_{m.group(1)}_{m.group(2)}"
    return _UV_PLATFORMS[platform]


def uv_compile(
    requirements: Sequence[str],
    folder: Path,
    python: str,
    platform: str,
    work: Path,
    constraints: Sequence[str] = (),
    only_binary: str | Sequence[str] | None = None,
) -> tuple[bool, dict[str, str], str]:
    """(resolved?, pins, uv's output) from ``uv pip compile`` over the find-links ``folder``."""
    assert UV is not None, "uv is a test dependency (pip install uv)"
    req_in = work / "requirements.in"
    req_in.write_text("".join(r + "\n" for r in requirements))
    cmd = [
        UV,
        "pip",
        "compile",
        str(req_in),
        "--python-version",
        python,
        "--python-platform",
        uv_platform(platform),
        "--no-index",
        "--find-links",
        str(folder),
        "--no-header",
        "--no-annotate",
        "--no-strip-extras",
        "--quiet",
    ]
    if only_binary:
        cmd += ["--only-binary", only_binary if isinstance(only_binary, str) else ",".join(only_binary)]
    if constraints:
        cons = work / "constraints.txt"
        cons.write_text("".join(c + "\n" for c in constraints))
        cmd += ["--constraint", str(cons)]
    env = {
        **os.environ,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(work / "uv-cache"),
        "UV_NO_PROGRESS": "1",
    }
    env.pop("PIP_FIND_LINKS", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    if proc.returncode != 0:
        return False, {}, proc.stderr
    pins = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[str(canonicalize_name(name.split("[")[0]))] = version.strip()
    return True, pins, proc.stdout


def load_case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
