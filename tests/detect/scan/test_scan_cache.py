"""The scan cache: a hit gives the same result and the same Reporter events as a fresh scan; any change
the result could depend on (a file's bytes or size, a new file, an ignore rule, the code) is a miss; a
corrupt entry is ignored and replaced; the cache stays out of the repository and can be turned off."""

from __future__ import annotations

import os
import pickle
import random
import time
from pathlib import Path

import pytest

import matrixhell.detect.scan as scan_mod
import matrixhell.scancache as cache_mod
from matrixhell.detect.repoview import FsRepoView
from matrixhell.model import ScanResult
from matrixhell.reporting import RecordingReporter, Reporter

_FILES = {
    ".gitignore": "*.log\n",
    "services/api/requirements.txt": "flask==3.0.0\ngunicorn>=21\n",
    "services/api/Procfile": "web: gunicorn app:app\n",
    "services/api/.python-version": "3.11\n",
    "services/web/package.json": (
        '{"name": "web", "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4"}}'
    ),
    "services/worker/go.mod": "module example.com/worker\n\ngo 1.22\n",
    "services/web/node_modules/x/package.json": "{}",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for rel, text in _FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    monkeypatch.setenv("MATRIXHELL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATRIXHELL_NO_CACHE", raising=False)
    return root


@pytest.fixture
def fresh_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the scans that ran discovery and the detectors (the ones the cache did not answer)."""
    ran: list[int] = []
    real = scan_mod._scan

    def counting(*args: object, **kw: object) -> ScanResult:
        ran.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_mod, "_scan", counting)
    return ran


def _scan(root: Path, reporter: Reporter | None = None) -> ScanResult:
    return scan_mod.scan_repo(FsRepoView(root), reporter=reporter)


def _entry_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("*.scan"))


def _rewrite_keeping_times(path: Path, text: str) -> None:
    st = path.stat()
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_hit_gives_the_same_result_and_the_same_events(repo: Path, fresh_scans: list[int]) -> None:
    cold_events, warm_events = RecordingReporter(), RecordingReporter()
    cold = _scan(repo, cold_events)
    warm = _scan(repo, warm_events)
    assert len(fresh_scans) == 1
    assert warm == cold == scan_mod.scan_repo(FsRepoView(repo), cache=False)
    assert warm_events.events == cold_events.events
    assert ("service_found", ("api", "services/api", "manifest")) in warm_events.events
    assert {n for n, _ in warm_events.events} >= {"step", "file_read", "service_found"}


def test_a_hit_without_walking_when_no_directory_changed(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the tree was just written: take its stats at face value
    cold = _scan(repo)

    def no_walk(self: FsRepoView) -> object:
        raise AssertionError("walked although every directory stats as before")

    monkeypatch.setattr(FsRepoView, "walk", no_walk)
    view = FsRepoView(repo)
    assert scan_mod.scan_repo(view) == cold and len(fresh_scans) == 1
    # the view took over the stored walk: its vouched-for directories serve later reads
    assert "services/api" in view.safe_dirs
    assert view.read_text("services/api/Procfile").startswith("web:")


def test_a_new_file_in_a_listed_directory_is_a_miss(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    cold = _scan(repo)
    (repo / "services" / "web" / "Procfile").write_text("web: node server.js\n")
    warm = _scan(repo)
    assert len(fresh_scans) == 2
    assert warm != cold
    assert warm.service("web").start_commands[0].shell == "node server.js"


@pytest.mark.parametrize("racy", [True, False])
def test_same_size_new_bytes_is_a_miss_even_with_the_old_mtime(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch, racy: bool
) -> None:
    if not racy:
        monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    cold = _scan(repo)
    _rewrite_keeping_times(repo / "services/api/requirements.txt", "flask==3.0.1\ngunicorn>=21\n")
    warm = _scan(repo)
    assert len(fresh_scans) == 2
    pins = {p.name: p.specifier for p in warm.service("api").packages}
    assert pins["flask"] == "==3.0.1" and warm != cold


def test_a_size_change_is_a_miss(repo: Path, fresh_scans: list[int]) -> None:
    _scan(repo)
    (repo / "services/api/requirements.txt").write_text("flask==3.0.0\ngunicorn>=21\nredis\n")
    warm = _scan(repo)
    assert len(fresh_scans) == 2
    assert "redis" in {p.name for p in warm.service("api").packages}


def test_a_touch_alone_is_a_hit_and_the_entry_is_refreshed(
    repo: Path, fresh_scans: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _scan(repo)
    before = _entry_files(tmp_path)[0].read_bytes()
    path = repo / "services/api/requirements.txt"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10_000_000_000))
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    assert _scan(repo) == cold and len(fresh_scans) == 1  # compared by content: same bytes
    assert _entry_files(tmp_path)[0].read_bytes() != before  # the new stat is stored


def test_an_ignore_rule_change_is_a_miss(repo: Path, fresh_scans: list[int]) -> None:
    cold = _scan(repo)
    assert "worker" in {s.name for s in cold.services}
    (repo / ".gitignore").write_text("*.log\nservices/worker/\n")
    warm = _scan(repo)
    assert len(fresh_scans) == 2
    assert "worker" not in {s.name for s in warm.services}


def test_a_change_of_the_code_is_a_miss(repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    _scan(repo)
    monkeypatch.setattr(cache_mod, "_CODE", "another build of matrixhell")
    _scan(repo)
    assert len(fresh_scans) == 2


def _corruptions(raw: bytes) -> list[bytes]:
    magic_end = len(cache_mod._MAGIC)
    body_start = raw.index(b"\n", magic_end) + 1
    flipped = bytearray(raw)
    flipped[-10] ^= 0xFF
    not_a_result = pickle.dumps({"code": None})
    forged = cache_mod._MAGIC + cache_mod.hashlib.sha256(not_a_result).hexdigest().encode() + b"\n" + not_a_result
    return [raw[: len(raw) // 2], bytes(flipped), b"", b"garbage", raw[:body_start], forged]


@pytest.mark.parametrize("case", range(6))
def test_a_corrupt_entry_is_ignored_and_replaced(repo: Path, fresh_scans: list[int], tmp_path: Path, case: int) -> None:
    cold = _scan(repo)
    (entry,) = _entry_files(tmp_path)
    good = entry.read_bytes()
    entry.write_bytes(_corruptions(good)[case])
    assert _scan(repo) == cold and len(fresh_scans) == 2
    assert cache_mod.ScanCache(str(repo.resolve()), FsRepoView(repo).size_cap)._read_entry() is not None
    assert _scan(repo) == cold and len(fresh_scans) == 2  # the rewritten entry serves again


def test_a_valid_entry_whose_result_is_not_a_scan_result_is_ignored(
    repo: Path, fresh_scans: list[int], tmp_path: Path
) -> None:
    cold = _scan(repo)
    store = cache_mod.ScanCache(str(repo.resolve()), FsRepoView(repo).size_cap)
    entry = store._read_entry()
    assert entry is not None
    entry["result"] = pickle.dumps(["not", "a", "scan", "result"])
    store._write_entry(entry)
    assert _scan(repo) == cold and len(fresh_scans) == 2


def test_the_cache_lives_outside_the_repository_and_writes_atomically(repo: Path, tmp_path: Path) -> None:
    _scan(repo)
    entries = _entry_files(tmp_path)
    assert len(entries) == 1 and repo.resolve() not in entries[0].resolve().parents
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".tmp-")]
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()) == sorted(_FILES)


def test_the_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MATRIXHELL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.cache_dir() == tmp_path / "xdg" / "matrixhell" / "scan"


@pytest.mark.parametrize("how", ["env", "argument"])
def test_the_cache_can_be_turned_off(
    repo: Path, fresh_scans: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "env":
        monkeypatch.setenv("MATRIXHELL_NO_CACHE", "1")
        _scan(repo)
        _scan(repo)
    else:
        scan_mod.scan_repo(FsRepoView(repo), cache=False)
        scan_mod.scan_repo(FsRepoView(repo), cache=False)
    assert len(fresh_scans) == 2 and not _entry_files(tmp_path)


def test_an_unwritable_cache_dir_only_loses_the_cache(
    repo: Path, fresh_scans: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("MATRIXHELL_CACHE_DIR", str(blocker / "scan"))
    first = _scan(repo)
    assert _scan(repo) == first and len(fresh_scans) == 2


def test_views_that_wrap_or_extend_the_filesystem_are_not_cached(repo: Path, fresh_scans: list[int]) -> None:
    class Hiding(FsRepoView):
        def is_file(self, path: str) -> bool:
            return not path.endswith("Procfile") and super().is_file(path)

    scan_mod.scan_repo(Hiding(repo))
    scan_mod.scan_repo(Hiding(repo))
    assert len(fresh_scans) == 2


def test_an_escaping_symlink_read_keeps_its_verdict(repo: Path, fresh_scans: list[int], tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("flask\n")
    os.symlink(outside, repo / "services" / "api" / "requirements-extra.txt")
    cold = _scan(repo)
    assert _scan(repo) == cold and len(fresh_scans) == 1
    assert any(f.code == "symlink-escape" for f in cold.findings)


def test_noise_under_a_skipped_directory_keeps_the_entry_without_a_walk(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    cold = _scan(repo)
    (repo / "services/web/node_modules/x/index.js").write_text("module.exports = 1\n")
    walks: list[int] = []
    real = FsRepoView.walk

    def counting(self: FsRepoView) -> object:
        walks.append(1)
        return real(self)

    monkeypatch.setattr(FsRepoView, "walk", counting)
    assert _scan(repo) == cold and len(fresh_scans) == 1 and not walks


def test_a_new_ignored_file_walks_again_and_still_hits(
    repo: Path, fresh_scans: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    cold = _scan(repo)
    before = _entry_files(tmp_path)[0].read_bytes()
    # *.log is ignored, so the walk lists the same tree, and no detector listed the root directory
    (repo / "debug.log").write_text("noise\n")
    walks: list[int] = []
    real = FsRepoView.walk

    def counting(self: FsRepoView) -> object:
        walks.append(1)
        return real(self)

    monkeypatch.setattr(FsRepoView, "walk", counting)
    assert _scan(repo) == cold and len(fresh_scans) == 1 and walks == [1]
    assert _entry_files(tmp_path)[0].read_bytes() != before  # stored again with the new directory stat
    assert _scan(repo) == cold and walks == [1]  # and the next scan needs no walk


def test_a_new_ignored_file_in_a_directory_a_detector_listed_is_a_miss(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    cold = _scan(repo)
    (repo / "services/api/debug.log").write_text("noise\n")  # the Python detector lists services/api
    assert _scan(repo) == cold and len(fresh_scans) == 2


def test_an_entry_others_could_have_written_is_not_trusted(repo: Path, fresh_scans: list[int], tmp_path: Path) -> None:
    cold = _scan(repo)
    (entry,) = _entry_files(tmp_path)
    entry.chmod(0o666)
    assert _scan(repo) == cold and len(fresh_scans) == 2
    assert entry.stat().st_mode & 0o077 == 0  # replaced by a private one
    assert _scan(repo) == cold and len(fresh_scans) == 2


def _mutate(root: Path, rng: random.Random, step: int) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    dirs = sorted({p.parent for p in files})
    target = rng.choice(files)
    kind = rng.choice(["same-size", "append", "new-manifest", "delete", "rename", "touch", "chmod", "ignore"])
    if kind == "same-size":
        text = target.read_text()
        _rewrite_keeping_times(target, text[::-1] if len(set(text)) > 1 else text.upper())
    elif kind == "append":
        target.write_text(target.read_text() + f"\n# {step}\n")
    elif kind == "new-manifest":
        d = rng.choice(dirs) / f"new{step}"
        d.mkdir(exist_ok=True)
        manifests = {
            "requirements.txt": "requests==2.31.0\n",
            "package.json": '{"name": "n", "scripts": {"start": "node a.js"}}',
            "go.mod": "module x\n\ngo 1.21\n",
        }
        name = rng.choice(sorted(manifests))
        (d / name).write_text(manifests[name])
    elif kind == "delete":
        target.unlink()
    elif kind == "rename":
        target.rename(target.with_name(target.name + ".old"))
    elif kind == "touch":
        os.utime(target)
    elif kind == "chmod":
        target.chmod(0o600 if target.stat().st_mode & 0o044 else 0o644)
    else:
        (root / ".gitignore").write_text(f"*.log\n{rng.choice(['services/api/', 'services/web/', '*.old', 'new*/'])}\n")


@pytest.mark.parametrize("racy_ns", [None, 0])
def test_after_any_change_a_cached_scan_equals_a_fresh_one(
    repo: Path, fresh_scans: list[int], monkeypatch: pytest.MonkeyPatch, racy_ns: int | None
) -> None:
    if racy_ns is not None:
        # stats taken at face value: each change waits out the filesystem's timestamp granule instead
        monkeypatch.setattr(cache_mod, "RACY_NS", racy_ns)
    rng = random.Random(racy_ns)
    for step in range(24):
        cached = _scan(repo)
        assert cached == scan_mod.scan_repo(FsRepoView(repo), cache=False), step
        if racy_ns is not None:
            time.sleep(0.03)
        _mutate(repo, rng, step)
    assert _scan(repo) == scan_mod.scan_repo(FsRepoView(repo), cache=False)
    misses = len(fresh_scans) - 25  # 25 scans with cache=False always run
    assert 0 < misses < 25  # the cache both served and refused


def test_the_cache_keeps_only_the_most_recent_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATRIXHELL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATRIXHELL_NO_CACHE", raising=False)
    monkeypatch.setattr(cache_mod, "MAX_ENTRIES", 3)
    for i in range(5):
        root = tmp_path / f"checkout{i}"
        (root / "svc").mkdir(parents=True)
        (root / "svc" / "go.mod").write_text(f"module s{i}\n\ngo 1.22\n")
        _scan(root)
        for entry in _entry_files(tmp_path):  # older writes look older: one second apart per round
            st = entry.stat()
            os.utime(entry, ns=(st.st_atime_ns, st.st_mtime_ns - 1_000_000_000))
    kept = _entry_files(tmp_path)
    assert len(kept) == 3
    for i in (2, 3, 4):
        root = tmp_path / f"checkout{i}"
        assert cache_mod.ScanCache(str(root.resolve()), FsRepoView(root).size_cap).path in kept
