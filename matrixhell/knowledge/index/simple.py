"""A PEP 503 / PEP 691 simple index, over a local directory or a URL, with an on-disk cache.

Project pages are asked for as PEP 691 JSON and read as PEP 503 HTML when that is what comes back.
Requires-Dist comes from PEP 658 metadata files where the index offers them (``core-metadata``),
else from the wheel (or sdist) itself.  Distribution files never change once published, so their
metadata is cached for good; project pages are cached for ``page_ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from matrixhell.errors import InputError
from matrixhell.knowledge.index.base import DistFile, ProjectVersion, normalize
from matrixhell.knowledge.index.metadata import parse_core_metadata, read_dist_metadata
from matrixhell.model.origin import Origin

__all__ = ["FetchResult", "Fetcher", "SimpleIndex", "default_cache_dir", "urllib_fetch"]

_JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_ACCEPT = f"{_JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int  # 200, or 404 for a project the index does not have
    content_type: str
    body: bytes
    url: str  # after redirects: relative file URLs resolve against it


Fetcher = Callable[[str, str], FetchResult]  # (url, accept) -> result


def urllib_fetch(url: str, accept: str) -> FetchResult:
    """The real fetcher: urllib, which also reads ``file://`` URLs."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
        if path.is_dir():
            for index_name, ctype in (("index.json", _JSON_TYPE), ("index.html", "text/html")):
                candidate = path / index_name
                if candidate.is_file():
                    return FetchResult(200, ctype, candidate.read_bytes(), candidate.as_uri())
            return FetchResult(404, "", b"", url)
        if not path.is_file():
            return FetchResult(404, "", b"", url)
        return FetchResult(200, "application/octet-stream", path.read_bytes(), url)
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return FetchResult(resp.status, resp.headers.get("Content-Type", ""), resp.read(), resp.geturl())
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return FetchResult(404, "", b"", url)
        raise


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "matrixhell" / "index"


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def _meta_flag(value: object) -> bool:
    # PEP 658/714: a bool, or a dict of hashes (present means offered); "true" or a hash in HTML.
    if isinstance(value, str):
        return value.lower() != "false"
    return bool(value)


def _parse_json_page(body: bytes, page_url: str) -> list[DistFile]:
    data = json.loads(body)
    files = []
    for f in data.get("files", ()):
        meta = f.get("core-metadata", f.get("data-dist-info-metadata", f.get("dist-info-metadata", False)))
        files.append(
            DistFile(
                filename=f["filename"],
                requires_python=f.get("requires-python") or None,
                yanked=f.get("yanked", False) not in (False, None),
                url=urllib.parse.urljoin(page_url, f["url"]),
                has_metadata=_meta_flag(meta),
            )
        )
    return files


def _parse_html_page(body: bytes, page_url: str) -> list[DistFile]:
    parser = _AnchorParser()
    parser.feed(body.decode("utf-8", errors="replace"))
    files = []
    for a in parser.anchors:
        href = a.get("href")
        if not href:
            continue
        url = urllib.parse.urljoin(page_url, href)
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        meta = a.get("data-core-metadata", a.get("data-dist-info-metadata"))
        rp = a.get("data-requires-python")
        files.append(
            DistFile(
                filename=filename,
                requires_python=html.unescape(rp) if rp else None,
                yanked="data-yanked" in a,
                url=url,
                has_metadata=meta is not None and _meta_flag(meta),
            )
        )
    return files


def _name_version(filename: str) -> tuple[str, Version] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _b, _t = parse_wheel_filename(filename)
            return str(name), version
        name, version = parse_sdist_filename(filename)
        return str(name), version
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


class SimpleIndex:
    """A MetadataProvider over a simple repository API: ``SimpleIndex("https://host/simple")``,
    ``SimpleIndex("/srv/mirror/simple")`` or ``SimpleIndex("file:///srv/mirror/simple")``."""

    def __init__(
        self,
        url: str | Path,
        *,
        cache_dir: Path | None = None,
        page_ttl: float = 600.0,
        fetch: Fetcher = urllib_fetch,
        offline: bool = False,
        use_cache: bool = True,
    ) -> None:
        text = str(url)
        if "://" not in text:
            text = Path(text).resolve().as_uri()
        self.url = text.rstrip("/") + "/"
        self._local = self.url.startswith("file:")
        # A local directory is its own cache; a remote index is cached unless told not to.
        self._cache_dir = None if self._local or not use_cache else (cache_dir or default_cache_dir())
        self._page_ttl = page_ttl
        self._fetch = fetch
        self._offline = offline
        self._versions: dict[str, tuple[ProjectVersion, ...]] = {}
        self._requires: dict[tuple[str, Version], tuple[str, ...]] = {}
        self._pending: dict[str, Future[Sequence[ProjectVersion]]] = {}
        self._pool: ThreadPoolExecutor | None = None

    # -- cache ---------------------------------------------------------------------------------
    def _cache_path(self, kind: str, key: str) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self._cache_dir / kind / digest[:2] / digest

    def _cache_read(self, kind: str, key: str, ttl: float | None) -> bytes | None:
        path = self._cache_path(kind, key)
        if path is None or not path.is_file():
            return None
        if ttl is not None and not self._offline and time.time() - path.stat().st_mtime > ttl:
            return None
        return path.read_bytes()

    def _cache_write(self, kind: str, key: str, data: bytes) -> None:
        path = self._cache_path(kind, key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half an entry.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def _get(self, url: str, accept: str) -> FetchResult:
        if self._offline and not self._local:
            return FetchResult(404, "", b"", url)
        try:
            return self._fetch(url, accept)
        except (OSError, urllib.error.URLError) as e:
            raise InputError(
                f"cannot fetch {url}: {e}",
                origin=Origin(self.url),
                hint="check --index-url, or use --snapshot / --find-links to resolve offline",
            ) from e

    # -- pages ---------------------------------------------------------------------------------
    def _page(self, name: str) -> list[DistFile]:
        page_url = f"{self.url}{name}/"
        cached = self._cache_read("pages", page_url, self._page_ttl)
        if cached is not None:
            entry = json.loads(cached)
            return [DistFile(**f) for f in entry]
        result = self._get(page_url, _ACCEPT)
        if result.status == 404:
            files: list[DistFile] = []
        elif result.status != 200:
            raise InputError(
                f"{page_url}: the index answered HTTP {result.status}",
                origin=Origin(self.url),
                hint="check --index-url",
            )
        else:
            try:
                if _JSON_TYPE in result.content_type or result.url.endswith(".json"):
                    files = _parse_json_page(result.body, result.url)
                else:
                    files = _parse_html_page(result.body, result.url)
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(
                    f"{page_url}: not a simple-index project page ({e})",
                    origin=Origin(self.url),
                    hint="the URL must point at a PEP 503 / PEP 691 index root",
                ) from e
        if result.status == 200:
            payload = [
                {
                    "filename": f.filename,
                    "requires_python": f.requires_python,
                    "yanked": f.yanked,
                    "url": f.url,
                    "has_metadata": f.has_metadata,
                }
                for f in files
            ]
            self._cache_write("pages", page_url, json.dumps(payload).encode())
        return files

    def prefetch(self, names: Iterable[str]) -> None:
        """Start fetching these projects' pages in the background (the resolver names the
        dependencies it is about to need), so a remote index costs one round trip per level of the
        tree rather than one per project.  A local directory needs no help."""
        if self._local or self._offline:
            return
        for name in names:
            key = normalize(name)
            if key in self._versions or key in self._pending:
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="matrixhell-index")
            self._pending[key] = self._pool.submit(self._load_versions, key)

    def project_versions(self, name: str) -> Sequence[ProjectVersion]:
        key = normalize(name)
        cached = self._versions.get(key)
        if cached is not None:
            return cached
        pending = self._pending.pop(key, None)
        if pending is not None:
            return pending.result()
        return self._load_versions(key)

    def _load_versions(self, key: str) -> Sequence[ProjectVersion]:
        grouped: dict[Version, list[DistFile]] = {}
        for f in self._page(key):
            parsed = _name_version(f.filename)
            if parsed is None or normalize(parsed[0]) != key:
                continue
            grouped.setdefault(parsed[1], []).append(f)
        result = tuple(ProjectVersion(v, tuple(fs)) for v, fs in grouped.items())
        self._versions[key] = result
        return result

    # -- metadata ------------------------------------------------------------------------------
    def _file_metadata(self, f: DistFile) -> tuple[str, ...]:
        assert f.url is not None
        file_url = f.url.split("#", 1)[0]
        cached = self._cache_read("metadata", file_url, None)
        if cached is not None:
            return tuple(json.loads(cached))
        if f.has_metadata:
            result = self._get(file_url + ".metadata", "*/*")
            if result.status == 200:
                meta = parse_core_metadata(result.body, where=file_url + ".metadata")
                self._cache_write("metadata", file_url, json.dumps(meta.requires_dist).encode())
                return meta.requires_dist
        result = self._get(file_url, "*/*")
        if result.status != 200:
            raise InputError(
                f"{file_url}: HTTP {result.status} while fetching the distribution",
                origin=Origin(self.url),
                hint="the index lists a file it does not serve; try again or use another index",
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f.filename
            path.write_bytes(result.body)
            meta = read_dist_metadata(path)
        self._cache_write("metadata", file_url, json.dumps(meta.requires_dist).encode())
        return meta.requires_dist

    def dependencies(self, name: str, version: Version) -> Sequence[str]:
        key = (normalize(name), version)
        cached = self._requires.get(key)
        if cached is not None:
            return cached
        files = next((pv.files for pv in self.project_versions(name) if pv.version == version), ())
        if not files:
            return ()
        # PEP 658 first (a small download), then any wheel, then the sdist.
        ordered = sorted(files, key=lambda f: (not f.has_metadata, not f.is_wheel, f.filename))
        requires = self._file_metadata(ordered[0])
        self._requires[key] = requires
        return requires
