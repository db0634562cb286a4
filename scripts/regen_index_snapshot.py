#!/usr/bin/env python3
"""Regenerate the offline index snapshot from pip's configured index (PEP 691 JSON simple API).

    python scripts/regen_index_snapshot.py                       # package data for the example repos
    python scripts/regen_index_snapshot.py --out fixtures/index/webstack.json --roots django celery \
        --minors 30 --no-repo-pins

The index is the one pip uses (PIP_INDEX_URL, else `index-url` from pip's configuration, else pip's
default); no host name is written into the output.  HTTP goes through pip's own session, so pip's
certificate and proxy settings apply.  For every root project the snapshot keeps the newest release of
each of its newest ``--minors`` minor series, every version the example repos pin (requirements files,
pyproject.toml, uv.lock, poetry.lock, Pipfile.lock under fixtures/repos), and then, transitively, the
versions of each dependency that the kept versions' Requires-Dist admit (newest ``--per-spec`` per
specifier plus the newest of each recent minor).  Per file: filename, Requires-Python, yanked; wheels
for Windows, macOS and 32-bit or exotic Linux architectures are dropped (the targets are x86_64 and
aarch64 Linux).  Per version: Requires-Dist, from PEP 658 metadata, else the project's JSON API.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import sys
import threading
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "matrixhell" / "knowledge" / "index" / "data" / "snapshot.json"

# What the example repos and typical web/data services use; dependencies follow transitively.
ROOTS = [
    "django",
    "djangorestframework",
    "django-cors-headers",
    "django-environ",
    "django-redis",
    "django-celery-beat",
    "channels",
    "flask",
    "flask-sqlalchemy",
    "flask-cors",
    "flask-login",
    "fastapi",
    "starlette",
    "uvicorn",
    "gunicorn",
    "httpx",
    "aiohttp",
    "celery",
    "kombu",
    "redis",
    "psycopg2",
    "psycopg2-binary",
    "psycopg",
    "asyncpg",
    "pymysql",
    "mysqlclient",
    "sqlalchemy",
    "alembic",
    "pillow",
    "lxml",
    "cryptography",
    "pyopenssl",
    "bcrypt",
    "argon2-cffi",
    "cffi",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "requests",
    "urllib3",
    "pydantic",
    "pydantic-settings",
    "python-dotenv",
    "boto3",
    "botocore",
    "stripe",
    "pyyaml",
    "orjson",
    "ujson",
    "jinja2",
    "markupsafe",
    "click",
    "python-dateutil",
    "pytz",
    "sentry-sdk",
    "grpcio",
    "protobuf",
    "greenlet",
    "gevent",
    "whitenoise",
    "structlog",
    "uvloop",
    "httptools",
    "websockets",
    "watchfiles",
    "python-multipart",
    "email-validator",
]

# Extras whose dependencies are followed (the ones services install); others stay out to keep it small.
EXTRAS = {"standard", "redis", "binary", "email", "bcrypt", "argon2", "socks", "asyncio", "crypto", "pool"}

# The Python versions targets run (each gets the newest release that still supports it).
PYTHONS = ["3.8.0", "3.9.0", "3.10.0", "3.11.0", "3.12.0", "3.13.0", "3.14.0"]

_LINUX_ARCH = re.compile(r"(x86_64|aarch64)$")
_JSON = "application/vnd.pypi.simple.v1+json"


def _pip_index_url() -> str:
    env = os.environ.get("PIP_INDEX_URL")
    if env:
        return env
    from pip._internal.configuration import Configuration

    config = Configuration(isolated=False)
    config.load()
    items = dict(config.items())
    for key in (":env:.index-url", "global.index-url", "install.index-url", "download.index-url"):
        if items.get(key):
            return items[key]
    from pip._internal.models.index import PyPI

    return PyPI.simple_url


def _json_api_base(simple_url: str) -> str:
    return simple_url.rstrip("/").removesuffix("/simple") + "/pypi"


class _Http:
    def __init__(self) -> None:
        self._local = threading.local()
        cert = os.environ.get("PIP_CERT")
        self._cert = cert if cert and Path(cert).exists() else None

    def _session(self) -> Any:
        from pip._internal.network.session import PipSession

        session = getattr(self._local, "session", None)
        if session is None:
            session = PipSession(retries=3)
            if self._cert:
                session.verify = self._cert
            self._local.session = session
        return session

    def get(self, url: str, accept: str = "*/*") -> Any:
        return self._session().get(url, headers={"Accept": accept}, timeout=60)

    def get_range(self, url: str, start: int, end: int) -> Any:
        return self._session().get(url, headers={"Range": f"bytes={start}-{end}"}, timeout=60)


def _linux_file(filename: str) -> bool:
    if not filename.endswith(".whl"):
        return filename.endswith((".tar.gz", ".zip"))
    try:
        tags = parse_wheel_filename(filename)[3]
    except ValueError:
        return False
    return any(
        t.platform == "any" or (t.platform.startswith(("manylinux", "musllinux")) and _LINUX_ARCH.search(t.platform))
        for t in tags
    )


def repo_pins(repos: Path) -> dict[str, set[str]]:
    """``name -> {version}`` pinned anywhere in the example repos."""
    pins: dict[str, set[str]] = defaultdict(set)

    def add_req(line: str) -> None:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            return
        for spec in req.specifier:
            if spec.operator == "==" and not spec.version.endswith(".*"):
                pins[str(canonicalize_name(req.name))].add(spec.version)

    for path in sorted(repos.rglob("*")):
        if not path.is_file():
            continue
        try:
            if path.name.startswith("requirements") and path.suffix in (".txt", ".in"):
                for raw in path.read_text(encoding="utf-8").splitlines():
                    line = raw.split(" #", 1)[0].strip().rstrip("\\").strip()
                    if line and not line.startswith(("#", "-")):
                        add_req(line)
            elif path.name == "pyproject.toml":
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                for line in data.get("project", {}).get("dependencies", []):
                    add_req(line)
            elif path.name in ("uv.lock", "poetry.lock"):
                data = tomllib.loads(path.read_text(encoding="utf-8"))
                for pkg in data.get("package", []):
                    source = pkg.get("source", {})
                    local = set(source) & {"editable", "virtual", "directory", "path", "git"} or source.get("type") in (
                        "directory",
                        "file",
                        "git",
                        "url",
                    )
                    if "name" in pkg and "version" in pkg and not local:
                        pins[str(canonicalize_name(pkg["name"]))].add(str(pkg["version"]))
            elif path.name == "Pipfile.lock":
                data = json.loads(path.read_text(encoding="utf-8"))
                for section in ("default", "develop"):
                    for name, entry in data.get(section, {}).items():
                        version = str(entry.get("version", ""))
                        if version.startswith("=="):
                            pins[str(canonicalize_name(name))].add(version[2:])
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError, AttributeError):
            continue  # the broken example repos are broken on purpose
    return pins


class Builder:
    def __init__(self, index_url: str, minors: int, per_spec: int, workers: int) -> None:
        self.index = index_url.rstrip("/") + "/"
        self.api = _json_api_base(index_url)
        self.minors = minors
        self.per_spec = per_spec
        self.http = _Http()
        self.pool = ThreadPoolExecutor(workers)
        self.pages: dict[str, dict[Version, list[dict[str, Any]]]] = {}
        self.requires: dict[tuple[str, Version], list[str]] = {}
        self.keep: dict[str, set[Version]] = defaultdict(set)

    def page(self, name: str) -> dict[Version, list[dict[str, Any]]]:
        if name in self.pages:
            return self.pages[name]
        resp = self.http.get(f"{self.index}{name}/", _JSON)
        by_version: dict[Version, list[dict[str, Any]]] = defaultdict(list)
        if resp.status_code == 200:
            for f in resp.json().get("files", []):
                fn = f["filename"]
                try:
                    if fn.endswith(".whl"):
                        pname, version = parse_wheel_filename(fn)[:2]
                    else:
                        pname, version = parse_sdist_filename(fn)
                except (ValueError, InvalidVersion):
                    continue
                if canonicalize_name(pname) == name:
                    by_version[version].append(f)
        self.pages[name] = dict(by_version)
        return self.pages[name]

    def _fetch_requires(self, name: str, version: Version) -> list[str]:
        files = self.pages[name][version]
        wheels = sorted(
            (f for f in files if f["filename"].endswith(".whl")),
            key=lambda f: not (f.get("core-metadata") or f.get("dist-info-metadata")),
        )
        # Ask for PEP 658 metadata even when the page does not advertise it: some mirrors serve it
        # without saying so; a 404 falls through to the JSON API.
        if wheels:
            resp = self.http.get(wheels[0]["url"].split("#", 1)[0] + ".metadata")
            if resp.status_code == 200:
                raw, _ = parse_email(resp.content)
                return list(raw.get("requires_dist", []))
        resp = self.http.get(f"{self.api}/{name}/{version}/json", "application/json")
        if resp.status_code == 200:
            return list(resp.json().get("info", {}).get("requires_dist") or [])
        for f in sorted(wheels, key=lambda f: f.get("size") or 0)[:1]:
            found = _remote_wheel_requires(self.http, f["url"].split("#", 1)[0], f.get("size"))
            if found is not None:
                return found
        for f in files:
            if f["filename"].endswith(".tar.gz"):
                return _sdist_requires(self.http.get(f["url"].split("#", 1)[0]).content)
        return []

    def select(self, name: str, specs: Iterable[SpecifierSet], pinned: Iterable[str], root: bool) -> set[Version]:
        versions = sorted((v for v in self.page(name) if not v.is_prerelease), reverse=True)
        chosen: set[Version] = set()
        newest_minor: dict[tuple[int, ...], Version] = {}
        for v in versions:
            newest_minor.setdefault(v.release[:2], v)
        minors = sorted(newest_minor.values(), reverse=True)[: self.minors if root else max(3, self.minors // 2)]
        chosen.update(minors)
        for spec in [SpecifierSet(), *specs]:
            matching = [v for v in versions if spec.contains(v)]
            chosen.update(matching[: self.per_spec])
            # Older targets need older releases: keep the newest that still installs on each Python.
            for py in PYTHONS:
                newest = next((v for v in matching if self._supports(name, v, py)), None)
                if newest is not None:
                    chosen.add(newest)
        for p in pinned:
            try:
                v = Version(p)
            except InvalidVersion:
                continue
            if v in self.page(name):
                chosen.add(v)
        return chosen

    def _supports(self, name: str, version: Version, python: str) -> bool:
        for f in self.pages[name][version]:
            rp = f.get("requires-python")
            try:
                if not rp or SpecifierSet(rp).contains(python):
                    return True
            except ValueError:
                return True
        return False

    def run(self, roots: list[str], pins: dict[str, set[str]]) -> None:
        list(self.pool.map(self.page, roots))
        todo: dict[str, set[Version]] = {}
        for r in roots:
            todo[r] = self.select(r, [], pins.get(r, ()), root=True)
        wanted_specs: dict[str, list[SpecifierSet]] = defaultdict(list)
        while todo:
            jobs = [(n, v) for n, vs in todo.items() for v in vs if v not in self.keep[n]]
            for n, vs in todo.items():
                self.keep[n].update(vs)
            results = self.pool.map(lambda nv: (nv, self._fetch_requires(*nv)), jobs)
            new_specs: dict[str, list[SpecifierSet]] = defaultdict(list)
            for (n, v), reqs in results:
                self.requires[(n, v)] = reqs
                for line in reqs:
                    try:
                        req = Requirement(line)
                    except InvalidRequirement:
                        continue
                    if req.marker is not None and _extra_only(req.marker, EXTRAS if n in roots else set()):
                        continue
                    dep = str(canonicalize_name(req.name))
                    if req.specifier not in wanted_specs[dep]:
                        wanted_specs[dep].append(req.specifier)
                        new_specs[dep].append(req.specifier)
            list(self.pool.map(self.page, list(new_specs)))
            todo = {}
            for dep, specs in new_specs.items():
                chosen = self.select(dep, specs, pins.get(dep, ()), root=dep in roots) - self.keep[dep]
                if chosen:
                    todo[dep] = chosen
            print(f"  {len(self.keep)} projects, {len(self.requires)} versions", file=sys.stderr)

    def snapshot(self) -> dict[str, Any]:
        projects: dict[str, Any] = {}
        for name in sorted(self.keep):
            entries = {}
            for v in sorted(self.keep[name]):
                files = self.pages[name].get(v, [])
                files = [f for f in files if _linux_file(f["filename"])]
                if not files:
                    continue
                rps = Counter(f.get("requires-python") or None for f in files)
                rp = rps.most_common(1)[0][0]
                out_files: list[Any] = []
                for f in sorted(files, key=lambda f: f["filename"]):
                    if not _linux_file(f["filename"]):
                        continue
                    frp = f.get("requires-python") or None
                    yanked = f.get("yanked", False) not in (False, None)
                    if frp == rp and not yanked:
                        out_files.append(f["filename"])
                    else:
                        extra: dict[str, Any] = {"filename": f["filename"]}
                        if frp != rp:
                            extra["requires_python"] = frp
                        if yanked:
                            extra["yanked"] = True
                        out_files.append(extra)
                entry: dict[str, Any] = {
                    "files": out_files,
                    "requires_dist": self.requires.get((name, v), []),
                }
                if rp:
                    entry["requires_python"] = rp
                entries[str(v)] = entry
            if entries:
                projects[name] = entries
        return projects


class _RangeFile(io.RawIOBase):
    """A remote file read through HTTP range requests, so a wheel's METADATA costs a few KB."""

    def __init__(self, http: _Http, url: str, size: int) -> None:
        self.http, self.url, self.size, self.pos = http, url, size, 0
        self.blocks: dict[int, bytes] = {}

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def _block(self, index: int) -> bytes:
        if index not in self.blocks:
            start = index * _BLOCK
            end = min(self.size, start + _BLOCK) - 1
            resp = self.http.get_range(self.url, start, end)
            if resp.status_code != 206:
                raise OSError(f"no range support ({resp.status_code})")
            self.blocks[index] = resp.content
        return self.blocks[index]

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.pos)
        out = bytearray()
        while len(out) < n:
            index, offset = divmod(self.pos + len(out), _BLOCK)
            out += self._block(index)[offset : offset + n - len(out)]
        buffer[:n] = out
        self.pos += n
        return n


_BLOCK = 64 * 1024


def _remote_wheel_requires(http: _Http, url: str, size: int | None) -> list[str] | None:
    import zipfile

    if not size:
        return None
    try:
        with zipfile.ZipFile(io.BufferedReader(_RangeFile(http, url, size), buffer_size=_BLOCK)) as zf:
            for member in zf.namelist():
                if member.count("/") == 1 and member.endswith(".dist-info/METADATA"):
                    raw, _ = parse_email(zf.read(member))
                    return list(raw.get("requires_dist", []))
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def _sdist_requires(data: bytes) -> list[str]:
    """Requires-Dist from an sdist's PKG-INFO (present from Metadata-Version 2.2 on, often before)."""
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for info in tf:
                if info.isfile() and info.name.count("/") == 1 and info.name.endswith("/PKG-INFO"):
                    fh = tf.extractfile(info)
                    if fh is not None:
                        raw, _ = parse_email(fh.read())
                        return list(raw.get("requires_dist", []))
    except tarfile.TarError:
        return []
    return []


def _extra_only(marker: Marker, allowed: set[str]) -> bool:
    """True when the marker holds only under an extra that is not followed."""
    env = {"extra": ""}
    try:
        if marker.evaluate(env):
            return False
        return not any(marker.evaluate({"extra": e}) for e in allowed)
    except Exception:  # a marker on variables we do not pin here: keep the dependency
        return False


def _dump(data: dict[str, Any]) -> str:
    """One project per line: small diffs when one project changes."""
    head = {k: v for k, v in data.items() if k != "projects"}
    lines = [json.dumps(head, sort_keys=True, indent=1)[:-2] + ',\n "projects": {']
    items = list(data["projects"].items())
    for i, (name, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(entry, sort_keys=True, separators=(',', ':'))}{comma}")
    lines.append(" }\n}\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--roots", nargs="*", default=ROOTS)
    ap.add_argument("--minors", type=int, default=6, help="newest minor series kept per root project")
    ap.add_argument("--per-spec", type=int, default=3, help="newest versions kept per dependency specifier")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--no-repo-pins", action="store_true", help="ignore the pins of fixtures/repos")
    args = ap.parse_args(argv)
    index_url = _pip_index_url()
    roots = [str(canonicalize_name(r)) for r in args.roots]
    pins = {} if args.no_repo_pins else repo_pins(ROOT / "fixtures" / "repos")
    if not args.no_repo_pins:
        roots = sorted(set(roots) | set(pins))
    builder = Builder(index_url, args.minors, args.per_spec, args.workers)
    builder.run(roots, pins)
    data = {
        "_provenance": {
            "source": "PEP 691 JSON simple API and PEP 658 metadata of pip's configured index "
            "(the project JSON API where a file has no PEP 658 metadata)",
            "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "script": "scripts/regen_index_snapshot.py",
            "command": " ".join(["python", "scripts/regen_index_snapshot.py", *(argv or sys.argv[1:])]),
            "roots": roots,
            "policy": f"newest release of the {args.minors} newest minor series of each root, every version "
            f"pinned under fixtures/repos, dependencies' newest {args.per_spec} per specifier, and per "
            f"specifier the newest release supporting each of Python {', '.join(p[:-2] for p in PYTHONS)}; Linux "
            "x86_64/aarch64 and pure wheels and sdists only",
        },
        "format": 1,
        "projects": builder.snapshot(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = _dump(data)
    json.loads(text)  # the writer above hand-joins lines: make sure it is still JSON
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1e6:.2f} MB, {len(data['projects'])} projects)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
