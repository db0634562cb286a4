"""Parallel detection (a forked child takes half the directories) gives exactly what a serial scan
gives: the same result, the same Reporter events in the same order, the same read count, the same
cache record; a child that fails costs only time."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import matrixhell.detect.scan as scan_mod
from matrixhell.detect.repoview import FsRepoView, MemoryRepoView
from matrixhell.model import ScanResult
from matrixhell.reporting import RecordingReporter

REPOS = Path(__file__).resolve().parents[3] / "fixtures" / "repos"


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parallel for every scan, however small; counts the children forked."""
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_DIRECTORIES", 0)
    monkeypatch.delenv("MATRIXHELL_JOBS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    born: list[int] = []
    real = os.fork

    def counting() -> int:
        pid = real()
        if pid:
            born.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    return born


def _scan(root: Path, *, jobs: str) -> tuple[ScanResult, list[tuple[str, tuple[object, ...]]]]:
    events = RecordingReporter()
    old = os.environ.get("MATRIXHELL_JOBS")
    os.environ["MATRIXHELL_JOBS"] = jobs
    try:
        result = scan_mod.scan_repo(FsRepoView(root), reporter=events, cache=False)
    finally:
        if old is None:
            del os.environ["MATRIXHELL_JOBS"]
        else:
            os.environ["MATRIXHELL_JOBS"] = old
    return result, events.events


@pytest.mark.parametrize("case", sorted(p.name for p in REPOS.iterdir() if p.is_dir()))
def test_parallel_equals_serial_on_the_fixture_repos(case: str, forks: list[int]) -> None:
    serial, serial_events = _scan(REPOS / case, jobs="1")
    assert not forks
    parallel, parallel_events = _scan(REPOS / case, jobs="2")
    assert forks, "the parallel path was not taken"
    assert parallel == serial
    assert parallel.files_read == serial.files_read
    assert parallel_events == serial_events


def _monorepo(root: Path, services: int) -> None:
    for i in range(services):
        d = root / "services" / f"s{i:03d}"
        d.mkdir(parents=True)
        if i % 3 == 0:
            (d / "requirements.txt").write_text(f"flask=={i % 3}.{i}\n-r ../../shared/common.txt\n")
            (d / "Procfile").write_text("web: gunicorn app:app\n")
        elif i % 3 == 1:
            (d / "package.json").write_text(f'{{"name": "s{i}", "scripts": {{"start": "node a.js"}}}}')
        else:
            (d / "go.mod").write_text(f"module example.com/s{i}\n\ngo 1.2{i % 3}\n")
    (root / "shared").mkdir()
    (root / "shared" / "common.txt").write_text("requests==2.31.0\n")  # read from both halves


def test_parallel_equals_serial_when_both_halves_read_a_shared_file(tmp_path: Path, forks: list[int]) -> None:
    _monorepo(tmp_path / "repo", 40)
    serial, serial_events = _scan(tmp_path / "repo", jobs="1")
    parallel, parallel_events = _scan(tmp_path / "repo", jobs="2")
    assert forks and parallel == serial and parallel_events == serial_events
    assert serial_events.count(("file_read", ("shared/common.txt",))) == 1


def test_a_failing_child_leaves_its_half_to_the_parent(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _monorepo(tmp_path / "repo", 30)
    serial, serial_events = _scan(tmp_path / "repo", jobs="1")

    def broken(value: object) -> bytes:
        raise RuntimeError("cannot send")

    monkeypatch.setattr(scan_mod, "_dumps", broken)
    parallel, parallel_events = _scan(tmp_path / "repo", jobs="2")
    assert forks and parallel == serial and parallel_events == serial_events


def test_a_cold_parallel_scan_stores_what_a_serial_one_would(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _monorepo(tmp_path / "repo", 30)
    monkeypatch.setenv("MATRIXHELL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATRIXHELL_NO_CACHE", raising=False)
    events, again = RecordingReporter(), RecordingReporter()
    cold = scan_mod.scan_repo(FsRepoView(tmp_path / "repo"), reporter=events)
    assert forks
    warm = scan_mod.scan_repo(FsRepoView(tmp_path / "repo"), reporter=again)
    assert warm == cold == scan_mod.scan_repo(FsRepoView(tmp_path / "repo"), cache=False)
    assert again.events == events.events
    (tmp_path / "repo" / "shared" / "common.txt").write_text("requests==2.32.0\n")
    changed = scan_mod.scan_repo(FsRepoView(tmp_path / "repo"))
    assert changed != cold  # a file only the child read is in the record too


def test_no_fork_with_other_threads_or_jobs_1_or_one_core(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"s{i}/go.mod": f"module s{i}\n\ngo 1.22\n" for i in range(10)}
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        scan_mod.scan_repo(MemoryRepoView(files))
    finally:
        stop.set()
        t.join()
    monkeypatch.setenv("MATRIXHELL_JOBS", "1")
    scan_mod.scan_repo(MemoryRepoView(files))
    monkeypatch.delenv("MATRIXHELL_JOBS")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    scan_mod.scan_repo(MemoryRepoView(files))
    assert not forks
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    scan_mod.scan_repo(MemoryRepoView(files))
    assert len(forks) == 1
