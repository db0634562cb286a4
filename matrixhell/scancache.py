"""The scan cache: a re-scan of an unchanged repository costs a walk and a stat per file read.

It lives beside the detectors, not among them: they only read the repository, while this writes its
own files, outside the repository.

A scan of a real-filesystem repository stores its whole ScanResult, with everything it depended on:

- the walk (every directory listed and the files in it, after ignore rules, and the walk's problems),
- every file read: its (size, mtime_ns, mode, inode) and a digest of its bytes,
- every probe outside the walk (is_file / is_dir / listdir of ignored or unlisted paths) and its answer,
- the Reporter events the scan sent after the walk, so a cached scan reports the same progress.

A later scan walks again and looks the entry up: the walk must be identical, every file must stat the
same (or, when only its timestamps moved, hash to the same bytes) and every probe must answer the
same, or the entry is not used.  A file modified within two seconds of being read could change again
inside one timestamp granule with no visible stat change ("racy" in git's terms), so such a file is
always compared by content.  The entry is keyed by the repository's real path and size cap, and is
tied to the matrixhell version and to the source of the detectors that produced it.

Entries live under ``$MATRIXHELL_CACHE_DIR`` or ``$XDG_CACHE_HOME/matrixhell/scan`` (default
``~/.cache/matrixhell/scan``), never inside the scanned repository.  They are written to a temporary
file and renamed into place (a reader sees the old entry or the new one, never half of one), and carry
a checksum of their body: an entry that fails it, or does not unpickle into a ScanResult, is ignored and
overwritten.  ``MATRIXHELL_NO_CACHE=1`` (or ``scan_repo(..., cache=False)``) turns the cache off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import io
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matrixhell.errors import InputError
from matrixhell.model import ScanResult

__all__ = ["CacheHit", "Recording", "ScanCache", "cache_dir", "cache_enabled", "digest", "signature", "view_signature"]

_MAGIC = b"matrixhell-scan-cache 1\n"
#: a file whose mtime is this close to the moment it was read is compared by content, not by stat
RACY_NS = 2_000_000_000

Signature = tuple[int, int, int, int] | str | None


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
    try:
        st = os.stat(full)
    except OSError as e:
        return f"errno-{e.errno}"
    return (st.st_size, st.st_mtime_ns, st.st_mode, st.st_ino)


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
        return (st.st_size, st.st_mtime_ns, st.st_mode, st.st_ino), full
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
        import matrixhell

        pkg = Path(matrixhell.__file__).parent
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{matrixhell.__version__}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
        for sub in ("detect", "model", "errors.py", "reporting.py", "scancache.py"):
            for path in sorted(_sources(pkg / sub)):
                h.update(f"{path}\0{signature(path)}\n".encode())
        for lib in _LIBRARIES:  # the parsers the detectors lean on: an upgrade may read differently
            try:
                spec = importlib.util.find_spec(lib)
            except (ImportError, ValueError):
                spec = None
            origin = spec.origin if spec is not None else None
            h.update(f"{lib}\0{origin}\0{signature(origin) if origin else None}\n".encode())
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


@dataclass
class Recording:
    """What one scan depended on, gathered while it runs."""

    started_ns: int = field(default_factory=time.time_ns)
    #: path -> (signature before the read, digest of the bytes or None when nothing was read)
    reads: dict[str, tuple[Signature, bytes | None]] = field(default_factory=dict)
    #: (kind, path) -> answer, for is_file / is_dir / listdir asked of the view itself
    probes: dict[tuple[str, str], object] = field(default_factory=dict)
    #: Reporter calls after the walk: (method name, positional arguments)
    events: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)


@dataclass(frozen=True)
class CacheHit:
    result: ScanResult
    events: tuple[tuple[str, tuple[object, ...]], ...]


class _Prober:
    """Answers the recorded probes again, through the same view."""

    def __init__(self, view: Any) -> None:
        self._calls: dict[str, Callable[[str], object]] = {
            "is_file": view.is_file,
            "is_dir": view.is_dir,
            "listdir": lambda p: tuple(view.listdir(p)),
        }

    def __call__(self, kind: str, path: str) -> object:
        return self._calls[kind](path)


_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def _init_fields(cls: type) -> tuple[str, ...]:
    hit = _INIT_FIELDS.get(cls)
    if hit is None:
        fields = dataclasses.fields(cls)
        plain = all(f.init for f in fields) and not hasattr(cls, "__post_init__")
        hit = _INIT_FIELDS[cls] = tuple(f.name for f in fields) if plain else ()
    return hit


class _ModelPickler(pickle.Pickler):
    """Model values pickled as a constructor call: a frozen slotted dataclass otherwise unpickles
    through a generic __setstate__ that asks for its fields() on every object, twice as slow."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if dataclasses.is_dataclass(cls) and not isinstance(obj, type):
            names = _init_fields(cls)
            if names:
                return cls, tuple(getattr(obj, n) for n in names)
        return NotImplemented


class ScanCache:
    """One entry per (repository, size cap) in the cache directory."""

    def __init__(self, root: str, size_cap: int, directory: Path | None = None) -> None:
        self.root = root
        self.size_cap = size_cap
        self.directory = directory if directory is not None else cache_dir()
        name = hashlib.sha256(f"{root}\0{size_cap}".encode()).hexdigest()[:40]
        self.path = self.directory / f"{name}.scan"

    def _key(self, tree_digest: bytes) -> tuple[object, ...]:
        return (_code_fingerprint(), self.root, self.size_cap, tree_digest)

    def load(self, tree_digest: bytes, view: Any) -> CacheHit | None:
        """The stored result if everything it depended on is unchanged; None otherwise."""
        entry = self._read_entry()
        if entry is None or entry.get("key") != self._key(tree_digest):
            return None
        reads: dict[str, tuple[Signature, bytes | None]] = entry["reads"]
        started: int = entry["started_ns"]
        refreshed: dict[str, tuple[Signature, bytes | None]] = {}
        for path, (sig, want) in reads.items():
            now, full = view_signature(view, path)
            racy = isinstance(sig, tuple) and sig[1] >= started - RACY_NS
            if now == sig and not racy:
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
            try:
                if probe(kind, path) != answer:
                    return None
            except Exception:
                return None
        try:
            result = pickle.loads(entry["result"])
        except Exception:
            return None
        if not isinstance(result, ScanResult):
            return None
        if refreshed and all(isinstance(s, tuple) and s[1] < time.time_ns() - RACY_NS for s, _ in refreshed.values()):
            # the files compared by content are settled now: store their new stat so the next scan
            # is stat-only again
            entry["reads"] = {**reads, **refreshed}
            entry["started_ns"] = time.time_ns()
            self._write_entry(entry)
        return CacheHit(result, tuple(entry["events"]))

    def store(self, tree_digest: bytes, recording: Recording, result: ScanResult) -> None:
        entry = {
            "key": self._key(tree_digest),
            "started_ns": recording.started_ns,
            "reads": recording.reads,
            "probes": recording.probes,
            "events": recording.events,
            "result": None,
        }
        try:
            # pickled on its own: a lookup that fails validation never builds the result
            buf = io.BytesIO()
            _ModelPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
            entry["result"] = buf.getvalue()
        except Exception:
            return  # a value that does not pickle: this scan is simply not cached
        self._write_entry(entry)

    def _read_entry(self) -> dict[str, Any] | None:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
        except OSError:
            return None
        head, sep, body = raw[len(_MAGIC) :].partition(b"\n")
        if not raw.startswith(_MAGIC) or not sep or hashlib.sha256(body).hexdigest().encode() != head:
            return None  # truncated, overwritten or not ours: never trusted
        try:
            entry = pickle.loads(body)
        except Exception:
            return None
        return entry if isinstance(entry, dict) else None

    def _write_entry(self, entry: dict[str, Any]) -> None:
        try:
            body = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return  # a value that does not pickle: this scan is simply not cached
        data = _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
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
