"""The I/O-side providers: find-links folders, simple indexes over a directory and over loopback HTTP
(PEP 503 HTML, PEP 691 JSON, PEP 658 metadata), the on-disk cache, and the shipped snapshot."""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from packaging.version import Version
from res_wheelhouse import build_wheelhouse

from matrixhell.errors import InputError
from matrixhell.knowledge.index import (
    ChainProvider,
    FindLinks,
    SimpleIndex,
    SnapshotIndex,
    default_snapshot,
    read_dist_metadata,
)
from matrixhell.knowledge.index.simple import FetchResult
from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

INDEX = {
    "web": {
        "1.0": {
            "requires_dist": ["orm>=1", "fast[speed]; python_version >= '3.8'"],
            "requires_python": ">=3.8",
        },
        "2.0": {"requires_dist": ["orm>=2"], "requires_python": ">=3.12"},
    },
    "orm": {"1.0": {}, "2.0": {"files": ["orm-2.0-py3-none-any.whl", "orm-2.0.tar.gz"]}},
    "fast": {"0.1": {"requires_dist": ["speedups; extra == 'speed'"]}},
    "speedups": {"3.0": {"files": ["speedups-3.0-cp311-cp311-manylinux_2_17_x86_64.whl"]}},
}
EXPECTED = {"web": "1.0", "orm": "2.0", "fast": "0.1", "speedups": "3.0"}


def _write_simple_html(wheels: Path, root: Path, *, yank: str | None = None) -> Path:
    """A PEP 503 static index: root/<project>/index.html linking ../../files/<file>."""
    files = root / "files"
    files.mkdir(parents=True)
    by_project: dict[str, list[Path]] = {}
    for f in sorted(wheels.iterdir()):
        (files / f.name).write_bytes(f.read_bytes())
        by_project.setdefault(f.name.split("-")[0].replace("_", "-"), []).append(files / f.name)
    simple = root / "simple"
    for project, paths in by_project.items():
        (simple / project).mkdir(parents=True)
        anchors = []
        for p in paths:
            rp = read_dist_metadata(p).requires_python
            attrs = f' data-requires-python="{html.escape(rp)}"' if rp else ""
            if yank and p.name == yank:
                attrs += ' data-yanked="broken build"'
            anchors.append(f'<a href="../../files/{p.name}#sha256=00"{attrs}>{p.name}</a>')
        (simple / project / "index.html").write_text("<html><body>" + "".join(anchors) + "</body></html>")
    return simple


def test_res_findlinks_reads_metadata_from_real_files(tmp_path: Path) -> None:
    folder = build_wheelhouse(INDEX, tmp_path / "w")
    (folder / "README.txt").write_text("not a distribution")
    fl = FindLinks(folder)
    versions = {str(pv.version): pv for pv in fl.project_versions("Web")}
    assert set(versions) == {"1.0", "2.0"}
    assert versions["2.0"].files[0].requires_python == ">=3.12"
    assert list(fl.dependencies("web", Version("2.0"))) == ["orm>=2"]
    orm2 = next(pv for pv in fl.project_versions("orm") if pv.version == Version("2.0"))
    assert {f.filename for f in orm2.files} == {"orm-2.0-py3-none-any.whl", "orm-2.0.tar.gz"}
    assert orm2.has_sdist
    res = resolve(["web"], ResolveTarget("3.11"), fl)
    assert res.pins == EXPECTED
    assert res.wheel["speedups"] == "speedups-3.0-cp311-cp311-manylinux_2_17_x86_64.whl"


def test_res_findlinks_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        FindLinks(tmp_path / "nope")


def test_res_broken_wheel_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"bad-1\.0-py3-none-any\.whl"):
        FindLinks(tmp_path).project_versions("bad")


def test_res_simple_index_over_a_directory(tmp_path: Path) -> None:
    wheels = build_wheelhouse(INDEX, tmp_path / "w")
    simple = _write_simple_html(wheels, tmp_path / "mirror", yank="orm-2.0-py3-none-any.whl")
    idx = SimpleIndex(simple)
    orm = {str(pv.version): pv for pv in idx.project_versions("orm")}
    wheel = next(f for f in orm["2.0"].files if f.is_wheel)
    assert wheel.yanked and not orm["2.0"].yanked  # the sdist of 2.0 is not yanked
    web2 = next(pv for pv in idx.project_versions("web") if str(pv.version) == "2.0")
    assert web2.files[0].requires_python == ">=3.12"  # unescaped from data-requires-python
    res = resolve(["web"], ResolveTarget("3.11"), idx)
    assert res.pins == EXPECTED
    assert res.wheel["orm"] is None  # the wheel is yanked: only the sdist is left to install
    assert idx.project_versions("absent") == ()


class _Pep691Handler(BaseHTTPRequestHandler):
    wheels: Path
    hits: list[str]

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.hits.append(self.path)
        parts = self.path.strip("/").split("/")
        if parts[0] == "simple" and len(parts) == 2:
            files = []
            for f in sorted(self.wheels.iterdir()):
                if f.name.split("-")[0].replace("_", "-") != parts[1]:
                    continue
                meta = read_dist_metadata(f)
                files.append(
                    {
                        "filename": f.name,
                        "url": f"../../files/{f.name}",
                        "hashes": {"sha256": hashlib.sha256(f.read_bytes()).hexdigest()},
                        "requires-python": meta.requires_python,
                        "core-metadata": f.name.endswith(".whl"),
                        "yanked": False,
                    }
                )
            if not files:
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": parts[1], "files": files}).encode()
            self._send(body, "application/vnd.pypi.simple.v1+json")
        elif parts[0] == "files" and parts[1].endswith(".metadata"):
            wheel = self.wheels / parts[1][: -len(".metadata")]
            meta = read_dist_metadata(wheel)
            text = f"Metadata-Version: 2.1\nName: {meta.name}\nVersion: {meta.version}\n" + "".join(
                f"Requires-Dist: {r}\n" for r in meta.requires_dist
            )
            self._send(text.encode(), "text/plain")
        elif parts[0] == "files":
            self._send((self.wheels / parts[1]).read_bytes(), "application/octet-stream")
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def pep691_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    wheels = build_wheelhouse(INDEX, tmp_path / "served")
    hits: list[str] = []
    handler = type("H", (_Pep691Handler,), {"wheels": wheels, "hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_res_simple_index_pep691_json_and_pep658_over_loopback(
    pep691_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, hits = pep691_server
    idx = SimpleIndex(url, cache_dir=tmp_path / "cache")
    res = resolve(["web"], ResolveTarget("3.11"), idx)
    assert res.pins == EXPECTED
    # PEP 658: metadata files, never the wheels themselves.
    assert any(h.endswith(".whl.metadata") for h in hits)
    assert not any(h.endswith(".whl") for h in hits)


def test_res_simple_index_cache_answers_offline(pep691_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = pep691_server
    cache = tmp_path / "cache"
    assert resolve(["web"], ResolveTarget("3.11"), SimpleIndex(url, cache_dir=cache)).pins == EXPECTED
    before = len(hits)
    offline = SimpleIndex(url, cache_dir=cache, offline=True)
    assert resolve(["web"], ResolveTarget("3.11"), offline).pins == EXPECTED
    assert len(hits) == before  # everything came from the on-disk cache


def test_res_simple_index_with_a_fake_fetcher_and_html_fallback() -> None:
    pages = {
        "https://index.invalid/simple/tool/": FetchResult(
            200,
            "text/html",
            b'<a href="/f/tool-1.0-py3-none-any.whl" data-requires-python="&gt;=3.7" '
            b'data-core-metadata="true">tool-1.0-py3-none-any.whl</a>',
            "https://index.invalid/simple/tool/",
        ),
        "https://index.invalid/f/tool-1.0-py3-none-any.whl.metadata": FetchResult(
            200, "text/plain", b"Metadata-Version: 2.1\nName: tool\nVersion: 1.0\nRequires-Dist: dep<2\n", ""
        ),
    }

    def fetch(url: str, accept: str) -> FetchResult:
        return pages.get(url, FetchResult(404, "", b"", url))

    idx = SimpleIndex("https://index.invalid/simple", fetch=fetch, use_cache=False)
    [pv] = idx.project_versions("tool")
    assert pv.files[0].requires_python == ">=3.7" and pv.files[0].has_metadata
    assert list(idx.dependencies("tool", Version("1.0"))) == ["dep<2"]
    with pytest.raises(ResolutionImpossible) as e:
        resolve(["tool"], ResolveTarget("3.11"), idx)
    assert e.value.causes[0].project == "dep" and not e.value.causes[0].known


def test_res_chain_provider_merges_sources(tmp_path: Path) -> None:
    local = FindLinks(build_wheelhouse({"orm": {"3.0": {}}}, tmp_path / "w"))
    snap = SnapshotIndex.from_mapping(INDEX)
    chain = ChainProvider([snap, local])
    assert {str(pv.version) for pv in chain.project_versions("orm")} == {"1.0", "2.0", "3.0"}
    assert resolve(["web"], ResolveTarget("3.11"), chain).pins["orm"] == "3.0"


def test_res_snapshot_format_errors_point_at_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text('{"format": 1, "projects": {"a": {"not-a-version!": {}}}}')
    with pytest.raises(InputError, match="not a PEP 440 version"):
        SnapshotIndex.load(bad)
    bad.write_text("{nope")
    with pytest.raises(InputError) as e:
        SnapshotIndex.load(bad)
    assert e.value.origin is not None and e.value.origin.line == 1


def test_res_default_snapshot_has_provenance_and_the_example_pins() -> None:
    snap = default_snapshot()
    prov = snap.provenance
    assert prov["script"] == "scripts/regen_index_snapshot.py" and prov["generated"]
    assert "://" not in json.dumps(prov)  # no host names in the repository
    for name, version in [("django", "3.2.25"), ("psycopg2-binary", "2.8.6"), ("celery", "5.4.0")]:
        assert Version(version) in {pv.version for pv in snap.project_versions(name)}, name


def test_res_default_snapshot_knows_psycopg2_binary_wheels() -> None:
    """Wheel awareness: psycopg2-binary 2.9.9 has a cp311 manylinux wheel, psycopg2 only an sdist."""
    snap = default_snapshot()
    res = resolve(["psycopg2-binary==2.9.9", "psycopg2==2.9.9"], ResolveTarget("3.11"), snap)
    assert res.wheel["psycopg2-binary"] is not None and "manylinux" in res.wheel["psycopg2-binary"]
    assert res.wheel["psycopg2"] is None
    assert "psycopg2" in res.sdist_only and "psycopg2-binary" not in res.sdist_only


def test_res_simple_index_prefetch_fetches_once_in_the_background(
    pep691_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, hits = pep691_server
    idx = SimpleIndex(url, use_cache=False)
    idx.prefetch(["orm", "fast", "Orm"])
    assert {str(pv.version) for pv in idx.project_versions("orm")} == {"1.0", "2.0"}
    assert {str(pv.version) for pv in idx.project_versions("fast")} == {"0.1"}
    page_hits = [h for h in hits if h.startswith("/simple/")]
    assert sorted(page_hits) == ["/simple/fast/", "/simple/orm/"]  # once each, despite two spellings
    # And a whole resolution through prefetching gives the same answer.
    assert resolve(["web"], ResolveTarget("3.11"), idx).pins == EXPECTED
