"""The scan cache entry of a large scan is written by a detached process, and a load waits for it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import matrixhell.detect.scan as scan_mod
import matrixhell.scancache as cache_mod
from matrixhell.detect.repoview import FsRepoView
from matrixhell.model import ScanResult


def _repo(root: Path, services: int = 6) -> Path:
    for i in range(services):
        (root / f"svc{i}").mkdir(parents=True)
        (root / f"svc{i}" / "requirements.txt").write_text(f"flask=={i}.0\n")
        (root / f"svc{i}" / "Procfile").write_text("web: gunicorn app:app\n")
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MATRIXHELL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATRIXHELL_NO_CACHE", raising=False)
    monkeypatch.delenv("MATRIXHELL_JOBS", raising=False)
    monkeypatch.setattr(cache_mod, "BACKGROUND_MIN_READS", 0)
    return tmp_path / "cache"


def _held_until(flag: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The detached writer waits for ``flag`` before it writes (bounded: 20 s)."""
    real = cache_mod.ScanCache._finish

    def waiting(self: cache_mod.ScanCache, entry: dict[str, object], result: ScanResult) -> None:
        deadline = time.monotonic() + 20
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        real(self, entry, result)

    monkeypatch.setattr(cache_mod.ScanCache, "_finish", waiting)


def _locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_entry_is_written_after_the_scan_returns_and_a_load_waits_for_it(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path / "repo")
    flag = tmp_path / "go"
    _held_until(flag, monkeypatch)
    cold = scan_mod.scan_repo(FsRepoView(root))
    # the scan has returned; its writer is still waiting, holding the entry's lock
    assert not list(cache.glob("*.scan"))
    (lock,) = cache.glob("*.scan.lock")
    assert _locked(lock)
    ran: list[int] = []
    real = scan_mod._scan

    def counting(*args: object, **kw: object) -> ScanResult:
        ran.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_mod, "_scan", counting)
    flag.touch()
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the tree was just written: take its stats at face value
    warm = scan_mod.scan_repo(FsRepoView(root))
    assert ran == []  # answered from the entry the writer finished while the load waited
    assert warm == cold == scan_mod.scan_repo(FsRepoView(root), cache=False)
    assert len(list(cache.glob("*.scan"))) == 1 and not _locked(lock)


def test_small_scans_threads_and_jobs_1_write_inline(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_mod.background_write_allowed(0)
    monkeypatch.setenv("MATRIXHELL_JOBS", "1")
    assert not cache_mod.background_write_allowed(10_000)
    monkeypatch.delenv("MATRIXHELL_JOBS")
    monkeypatch.setattr(cache_mod, "BACKGROUND_MIN_READS", 200)
    assert not cache_mod.background_write_allowed(199)
    root = _repo(tmp_path / "repo")
    scan_mod.scan_repo(FsRepoView(root))
    # written before scan_repo returned, with no lock file
    assert len(list(cache.glob("*.scan"))) == 1 and not list(cache.glob("*.lock"))


def test_the_writer_holds_no_stream_of_the_scanning_process(tmp_path: Path, cache: Path) -> None:
    root = _repo(tmp_path / "repo")
    flag = tmp_path / "go"
    code = (
        "import sys, time, pathlib\n"
        "import matrixhell.scancache as c\n"
        "from matrixhell.detect.repoview import FsRepoView\n"
        "from matrixhell.detect.scan import scan_repo\n"
        "c.BACKGROUND_MIN_READS = 0\n"
        "real = c.ScanCache._finish\n"
        "def waiting(self, entry, result):\n"
        "    deadline = time.monotonic() + 20\n"
        "    while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.005)\n"
        "    real(self, entry, result)\n"
        "c.ScanCache._finish = waiting\n"
        "print(len(scan_repo(FsRepoView(sys.argv[1])).services))\n"
    )
    try:
        # the pipes reach EOF when the scanning process exits, though its writer still waits
        out = subprocess.run(
            [sys.executable, "-c", code, str(root), str(flag)], capture_output=True, text=True, timeout=15, check=True
        )
        assert out.stdout.strip() == "6"
        assert not list(cache.glob("*.scan"))
    finally:
        flag.touch()
    deadline = time.monotonic() + 20
    while not list(cache.glob("*.scan")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(list(cache.glob("*.scan"))) == 1
    hit = cache_mod.ScanCache(str(root.resolve()), FsRepoView(root).size_cap)._read_entry()
    assert hit is not None and isinstance(cache_mod.load_model(hit["result"]), ScanResult)


def test_eviction_takes_the_lock_file_with_its_entry(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "MAX_ENTRIES", 1)
    first = _repo(tmp_path / "one", 2)
    second = _repo(tmp_path / "two", 2)
    scan_mod.scan_repo(FsRepoView(first))
    store_one = cache_mod.ScanCache(str(first.resolve()), FsRepoView(first).size_cap)
    store_one._wait_for_writer()
    assert store_one.path.exists() and Path(store_one._lock_path).exists()
    time.sleep(0.01)  # a later mtime for the second entry
    scan_mod.scan_repo(FsRepoView(second))
    store_two = cache_mod.ScanCache(str(second.resolve()), FsRepoView(second).size_cap)
    store_two._wait_for_writer()
    assert [p.name for p in cache.glob("*.scan")] == [store_two.path.name]
    assert not Path(store_one._lock_path).exists()
