"""The scan cache: a re-scan of an unchanged repository costs a walk and a stat per file read.

It lives beside the detectors, not among them: they only read the repository, while this writes its
own files, outside the repository.

A scan of a real-filesystem repository stores its whole ScanResult, with everything it depended on:

- the walk: the tree it listed (hashed), the stat of every directory it listed (taken before listing
  it), the ignore files it read and the verdict on every symlink it met, and its problems,
- every file read: its (size, mtime_ns, ctime_ns, mode, inode) and a digest of its bytes,
- every probe outside the walk (is_file / is_dir / listdir of ignored or unlisted paths) and its answer,
- the Reporter events the scan sent after the walk, so a cached scan reports the same progress.

A later scan first checks the stored walk without walking: a directory's listing changes only with its
mtime and ctime (git's untracked cache rests on the same fact), so when every listed directory, ignore
file and symlink stats as before, the walk would list the same tree.  If not, it walks, and the new
walk must hash as the stored one did.  Then every file read must stat the same (or, when only its
timestamps moved, hash to the same bytes) and every probe must answer the same; otherwise the entry is
not used.  A file or directory changed within two seconds of the scan could change again inside one
timestamp granule with no visible stat change ("racy" in git's terms): such a file is compared by
content and such a directory sends the scan through a walk.  The entry is keyed by the repository's
real path and size cap, and is tied to the matrixhell version, the interpreter, and the source of the
detectors and parsing libraries that produced it.

Entries live under ``$MATRIXHELL_CACHE_DIR`` or ``$XDG_CACHE_HOME/matrixhell/scan`` (default
``~/.cache/matrixhell/scan``), never inside the scanned repository; the MAX_ENTRIES most recently
written are kept.  They are written to a temporary
file and renamed into place (a reader sees the old entry or the new one, never half of one), and carry
a checksum of their body: an entry that fails it, does not unpickle into a ScanResult, or that another
user owns or could write, is ignored and overwritten.  ``MATRIXHELL_NO_CACHE=1`` (or
``scan_repo(..., cache=False)``) turns the cache off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import operator
import os
import pickle
import stat as _stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from matrixhell.detect.repoview import WalkRecord, file_signature, link_verdict, stat_signature_of
from matrixhell.errors import InputError
from matrixhell.model import ScanResult

__all__ = [
    "CacheHit",
    "Recording",
    "ScanCache",
    "background_write_allowed",
    "cache_dir",
    "cache_enabled",
    "digest",
    "dump_model",
    "load_model",
    "signature",
    "view_signature",
]

_MAGIC = b"matrixhell-scan-cache 1\n"
#: entries kept in the cache directory, most recently written first
MAX_ENTRIES = 64
#: a file whose mtime is this close to the moment it was read is compared by content, not by stat
RACY_NS = 2_000_000_000

Signature = tuple[int, int, int, int, int] | str | None
#: a scan that read at least this many files writes its entry in a detached process (a fork costs a
#: few ms; pickling and writing the entry of a 1,000-service monorepo costs tens)
BACKGROUND_MIN_READS = 200
#: the longest a load waits for a detached writer of its entry before reading what is there
WRITER_WAIT_S = 10.0


def _detach_streams(keep: int) -> None:
    """Standard streams onto /dev/null and every other descriptor but ``keep`` closed: the writer must
    not hold a pipe its parent's reader waits on."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


def background_write_allowed(reads: int) -> bool:
    """Write the entry in a detached process: a scan that read enough for it to pay, fork available,
    no other thread (a forked child of a threaded process may deadlock), MATRIXHELL_JOBS not 1."""
    if reads < BACKGROUND_MIN_READS or not hasattr(os, "fork"):
        return False
    if os.environ.get("MATRIXHELL_JOBS", "").strip() == "1":
        return False
    import _thread

    # no thread started through _thread (threading's are), asked without importing threading
    return _thread._count() == 0


def cache_enabled(flag: bool | None = None) -> bool:
    """An explicit flag wins; otherwise on unless MATRIXHELL_NO_CACHE is set to something but 0."""
    if flag is not None:
        return flag
    return os.environ.get("MATRIXHELL_NO_CACHE", "").strip() in ("", "0")


def cache_dir() -> Path:
    explicit = os.environ.get("MATRIXHELL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "matrixhell" / "scan"


def signature(full: str) -> Signature:
    """What a stat says about a file: enough to notice a rewrite, a replacement or a mode change."""
    return file_signature(full)


def view_signature(view: Any, path: str) -> tuple[Signature, str | None]:
    """The signature of a repository path through the view's own confinement (a path that a symlink
    takes out of the repository has the error's code as its signature), and its absolute path."""
    fast = getattr(view, "stat_signature", None)
    if fast is not None:
        try:
            st, full = fast(path)
        except InputError as e:
            return f"input-error-{e.code}", None
        except OSError as e:
            return f"errno-{e.errno}", None
        return stat_signature_of(st), full
    try:
        full = view.abs_path(path)
    except InputError as e:
        return f"input-error-{e.code}", None
    return signature(full), full


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


_CODE: str | None = None
_LIBRARIES = ("packaging", "pathspec", "yaml")


def _code_fingerprint() -> str:
    """The version, the interpreter and the stat of every source file that shapes a scan result (ours
    and the parsing libraries'): an edited detector or an upgrade in place never reuses older results."""
    global _CODE
    if _CODE is None:
        import importlib.util

        import matrixhell

        pkg = Path(matrixhell.__file__).parent
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{matrixhell.__version__}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
        for sub in ("detect", "model", "errors.py", "reporting.py", "scancache.py"):
            for path in sorted(_sources(pkg / sub)):
                h.update(f"{path}\0{signature(path)}\n".encode("utf-8", "surrogateescape"))
        for lib in _LIBRARIES:  # the parsers the detectors lean on: an upgrade may read differently
            try:
                spec = importlib.util.find_spec(lib)  # the file, without importing it
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
            h.update(f"{lib}\0{origin}\0{signature(origin) if origin else None}\n".encode("utf-8", "surrogateescape"))
        _CODE = h.hexdigest()
    return _CODE


def _sources(path: Path) -> list[str]:
    if path.is_file():
        return [str(path)]
    out: list[str] = []
    for d, dirs, files in os.walk(path):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        out.extend(os.path.join(d, f) for f in files if f.endswith(".py"))
    return out


class Recording:
    """What one scan depended on, gathered while it runs."""

    __slots__ = ("events", "probes", "reads", "started_ns")

    def __init__(self) -> None:
        self.started_ns = time.time_ns()
        #: path -> (signature before the read, digest of the bytes or None when nothing was read)
        self.reads: dict[str, tuple[Signature, bytes | None]] = {}
        #: (kind, path) -> answer, for is_file / is_dir / listdir asked of the view itself
        self.probes: dict[tuple[str, str], object] = {}
        #: Reporter calls after the walk: (method name, positional arguments)
        self.events: list[tuple[str, tuple[object, ...]]] = []


class CacheHit(NamedTuple):
    result: ScanResult
    events: tuple[tuple[str, tuple[object, ...]], ...]


class _Prober:
    """Answers the recorded probes again, through the same view."""

    def __init__(self, view: Any) -> None:
        self._calls: dict[str, Callable[[str], object]] = {
            "is_file": view.is_file,
            "is_dir": view.is_dir,
            "listdir": lambda p: tuple(view.listdir(p)),
            "listed": lambda p: p.rpartition("/")[2] in view.listdir(p.rpartition("/")[0]),
        }

    def __call__(self, kind: str, path: str) -> object:
        return self._calls[kind](path)


def _loads(data: bytes) -> Any:
    """pickle.loads without the cyclic collector: tens of thousands of new objects, none of them in a
    cycle, would otherwise trigger collections that cost a third of the load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


_FIELD_GETTERS: dict[type, Callable[[Any], tuple[object, ...]] | None] = {}


def _field_getter(cls: type) -> Callable[[Any], tuple[object, ...]] | None:
    """A C-level getter of a dataclass's init fields, as one tuple; None when the class cannot be
    rebuilt by calling it with them (an init=False field, a __post_init__)."""
    if cls in _FIELD_GETTERS:
        return _FIELD_GETTERS[cls]
    getter: Callable[[Any], tuple[object, ...]] | None = None
    if dataclasses.is_dataclass(cls):
        fields = dataclasses.fields(cls)
        if fields and all(f.init for f in fields) and not hasattr(cls, "__post_init__"):
            names = [f.name for f in fields]
            if len(names) == 1:
                one = operator.attrgetter(names[0])
                getter = lambda obj: (one(obj),)  # noqa: E731
            else:
                getter = operator.attrgetter(*names)
    _FIELD_GETTERS[cls] = getter
    return getter


class _ModelPickler(pickle.Pickler):
    """Model values pickled as a constructor call: a frozen slotted dataclass otherwise unpickles
    through a generic __setstate__ that asks for its fields() on every object, twice as slow."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        getter = _field_getter(cls) if not isinstance(obj, type) else None
        if getter is not None:
            return cls, getter(obj)
        return NotImplemented


def dump_model(value: object) -> bytes:
    """Pickle model values the fast way (see _ModelPickler)."""
    import io

    buf = io.BytesIO()
    _ModelPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buf.getvalue()


def load_model(data: bytes) -> Any:
    return _loads(data)


class ScanCache:
    """One entry per (repository, size cap) in the cache directory."""

    def __init__(self, root: str, size_cap: int, directory: Path | None = None) -> None:
        self.root = root
        self.size_cap = size_cap
        self.directory = directory if directory is not None else cache_dir()
        name = hashlib.sha256(f"{root}\0{size_cap}".encode("utf-8", "surrogateescape")).hexdigest()[:40]
        self.path = self.directory / f"{name}.scan"

    def _code(self) -> tuple[object, ...]:
        return (_code_fingerprint(), self.root, self.size_cap)

    def load(self, view: Any, tree_digest: bytes | None = None, started_ns: int | None = None) -> CacheHit | None:
        """The stored result if everything it depended on is unchanged; None otherwise.

        Without ``tree_digest`` no walk has happened: the stored walk is checked instead (every
        directory's stat, the ignore files, the symlinks) and, when it holds, ``view`` adopts it.  With
        it, the walk just made must hash the same.  A hit whose record moved on (new directory stats,
        files that had to be compared by content) is written back, stamped ``started_ns``.
        """
        entry = self._read_entry()
        if entry is None or entry.get("code") != self._code():
            return None
        started: int = entry["started_ns"]
        walk: dict[str, Any] = entry["walk"]
        stale = False
        if tree_digest is None:
            if not self._walk_holds(walk, started):
                return None
            listed = walk["record"].dirs
        else:
            if entry.get("tree") != tree_digest:
                return None
            listed = {}
            current = (view.walk_record, sorted(view.safe_dirs), list(view.problems))
            stale = walk["record"].dirs != current[0].dirs
            if stale:
                entry["walk"] = {"record": current[0], "safe": current[1], "problems": current[2]}
        if tree_digest is None:
            before = (view.walk_record, set(view.safe_dirs), list(view.problems))
            view.adopt_walk(walk["record"], set(walk["safe"]), list(walk["problems"]))
            hit = self._validate(entry, view, listed, started, started_ns, stale)
            if hit is None:
                view.adopt_walk(*before)  # the walk that follows starts from where the view was
            return hit
        return self._validate(entry, view, listed, started, started_ns, stale)

    def _validate(
        self,
        entry: dict[str, Any],
        view: Any,
        listed: dict[str, Any],
        started: int,
        started_ns: int | None,
        stale: bool,
    ) -> CacheHit | None:
        reads: dict[str, tuple[Signature, bytes | None]] = entry["reads"]
        refreshed: dict[str, tuple[Signature, bytes | None]] = {}
        for path, (sig, want) in reads.items():
            now, full = view_signature(view, path)
            if now == sig and not (isinstance(sig, tuple) and sig[2] >= started - RACY_NS):
                continue
            # same bytes under a new timestamp (a touch, a checkout) or a racy file: compare content
            if full is None or not (
                isinstance(now, tuple) and isinstance(sig, tuple) and now[0] == sig[0] and want is not None
            ):
                return None
            try:
                with open(full, "rb") as fh:
                    if digest(fh.read()) != want:
                        return None
            except OSError:
                return None
            refreshed[path] = (now, want)
        probe = _Prober(view)
        for (kind, path), answer in entry["probes"].items():
            if (path if kind == "listdir" else path.rpartition("/")[0] if kind == "listed" else None) in listed:
                continue  # the directory's stat is unchanged, so is its listing
            try:
                if probe(kind, path) != answer:
                    return None
            except Exception:
                return None
        try:
            result = _loads(entry["result"])
        except Exception:
            return None
        if not isinstance(result, ScanResult):
            return None
        if (stale or refreshed) and started_ns is not None:
            entry["reads"] = {**reads, **refreshed}
            entry["started_ns"] = started_ns
            self._write_entry(entry)
        return CacheHit(result, tuple(entry["events"]))

    def _walk_holds(self, walk: dict[str, Any], started: int) -> bool:
        """Would a walk now list what the stored one listed?  Only if no directory, ignore file or
        symlink verdict changed, and none was touched so close to the walk that a change inside the
        same timestamp granule could hide."""
        record: WalkRecord = walk["record"]
        root = self.root
        limit = started - RACY_NS
        lstat, stat_, islnk = os.lstat, os.stat, _stat.S_ISLNK
        try:
            for rel, (dev, ino, mode, mtime, ctime, link) in record.dirs.items():
                full = f"{root}/{rel}" if rel else root
                st = stat_(full) if link else lstat(full)
                if (
                    st.st_mtime_ns != mtime
                    or st.st_ctime_ns != ctime
                    or st.st_ino != ino
                    or st.st_dev != dev
                    or st.st_mode != mode
                    or mtime >= limit
                    or ctime >= limit
                    or (not link and islnk(st.st_mode))
                ):
                    return False
        except OSError:
            return False
        for rel, sig in record.ignore_files.items():
            if signature(f"{root}/{rel}") != sig or (isinstance(sig, tuple) and sig[2] >= limit):
                return False
        root_path = Path(root)
        return all(link_verdict(f"{root}/{rel}", root_path) == v for rel, v in record.links.items())

    def store(
        self, tree_digest: bytes, recording: Recording, result: ScanResult, view: Any, *, background: bool = False
    ) -> None:
        """Write the entry of this scan.  With ``background``, a detached process pickles and writes it
        while the scan returns (see _store_detached); a later load waits for it."""
        entry = {
            "code": self._code(),
            "tree": tree_digest,
            "walk": {"record": view.walk_record, "safe": sorted(view.safe_dirs), "problems": list(view.problems)},
            "started_ns": recording.started_ns,
            "reads": recording.reads,
            "probes": recording.probes,
            "events": recording.events,
            "result": None,
        }
        if background and self._store_detached(entry, result):
            return
        self._finish(entry, result)

    def _finish(self, entry: dict[str, Any], result: ScanResult) -> None:
        try:
            # pickled on its own: a lookup that fails validation never builds the result
            entry["result"] = dump_model(result)
        except Exception:
            return  # a value that does not pickle: this scan is simply not cached
        self._write_entry(entry)

    @property
    def _lock_path(self) -> str:
        return f"{self.path}.lock"

    def _store_detached(self, entry: dict[str, Any], result: ScanResult) -> bool:
        """Pickle and write the entry in a detached grandchild process, holding the entry's lock file
        until it is written; False when that cannot be set up (the caller then writes it itself).

        The lock is taken here, before the fork, so a load made at any moment after this returns -
        in this process or another - waits until the entry is in place: a scan right after a cold
        one is answered from the cache exactly as if the write had been made inline.  The writer
        leaves the session and the terminal's streams, so neither Ctrl-C nor a pipe waits on it.
        """
        import fcntl

        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError:
            return False
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another writer is at it: write this one inline, after it
            os.close(lock)
            return False
        try:
            pid = os.fork()
        except OSError:
            fcntl.flock(lock, fcntl.LOCK_UN)
            os.close(lock)
            return False
        if pid == 0:  # the child: start the writer and leave at once, so nobody waits for it
            status = 1
            try:
                os.setsid()
                if os.fork() == 0:
                    try:
                        _detach_streams(lock)
                        self._finish(entry, result)
                        status = 0
                    finally:
                        os._exit(status)  # the lock goes with the last descriptor of it
                status = 0
            finally:
                os._exit(status)
        os.close(lock)  # the writer holds the lock now (the same open file description)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return True

    def _wait_for_writer(self) -> None:
        """Wait (up to WRITER_WAIT_S) for a detached writer of this entry to finish."""
        try:
            fd = os.open(self._lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return  # never written in the background
        import fcntl

        try:
            deadline = time.monotonic() + WRITER_WAIT_S
            pause = 0.0005
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        return  # a stuck writer: read what is there (entries are renamed into place)
                    time.sleep(pause)
                    pause = min(pause * 2, 0.02)
                except OSError:
                    return
        finally:
            os.close(fd)

    def _read_entry(self) -> dict[str, Any] | None:
        self._wait_for_writer()
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                # an entry unpickles into objects: only one this user wrote, and nobody else can change
                if st.st_uid != os.getuid() or st.st_mode & 0o022:
                    return None
                raw = fh.read()
        except OSError:
            return None
        head, sep, body = raw[len(_MAGIC) :].partition(b"\n")
        if not raw.startswith(_MAGIC) or not sep or hashlib.sha256(body).hexdigest().encode() != head:
            return None  # truncated, overwritten or not ours: never trusted
        try:
            entry = _loads(body)
        except Exception:
            return None
        return entry if isinstance(entry, dict) else None

    def _write_entry(self, entry: dict[str, Any]) -> None:
        try:
            body = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return  # a value that does not pickle: this scan is simply not cached
        data = _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        import tempfile

        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".scan")
        except OSError:
            return  # a read-only home: scanning works, it just is not remembered
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        self._evict()

    def _evict(self) -> None:
        """Keep the MAX_ENTRIES most recently written entries (scans of many temporary checkouts
        would otherwise fill the directory)."""
        with contextlib.suppress(OSError):
            entries = []
            with os.scandir(self.directory) as it:
                for e in it:
                    if e.name.endswith(".scan") and not e.name.startswith(".tmp-"):
                        with contextlib.suppress(OSError):
                            entries.append((e.stat().st_mtime_ns, e.path))
            if len(entries) <= MAX_ENTRIES:
                return
            entries.sort(reverse=True)
            for _, path in entries[MAX_ENTRIES:]:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                with contextlib.suppress(OSError):
                    os.unlink(f"{path}.lock")
