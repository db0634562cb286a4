"""The scan pipeline: one walk, discovery, the detectors of every service, merge -> ScanResult.

The repository is walked once (ignored and always-skipped directories are pruned by the RepoView, so
``node_modules`` costs nothing); every file is read at most once (a read-through cache sits in front of
the view, so discovery, workspace readers and detectors share reads).  A detector whose module does not
import is left out; a detector that fails on one directory becomes a finding and the scan goes on.

A repository on disk is answered from the scan cache (matrixhell.scancache) when nothing the stored
result rested on has changed; a scan it cannot answer stores its result there.
"""

from __future__ import annotations

import contextlib
import gc
import os
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixhell.detect.base import DetectContext, Detector, finding_from_error, join
from matrixhell.detect.repotree import RepoTree
from matrixhell.detect.repoview import RepoView, WalkProblem
from matrixhell.errors import InputError
from matrixhell.model import Detection, Finding, Origin, ScanResult, Service, ServiceKind, Severity, Skip
from matrixhell.reporting import RecordingReporter, Reporter

if TYPE_CHECKING:
    from matrixhell.detect.discovery import Discovery, PlannedService, WorkspaceFn
    from matrixhell.scancache import Recording, ScanCache

# discovery, compose and merge are imported where a scan first needs them: a scan answered from the
# cache never does


def __getattr__(name: str) -> Any:
    return _lazy(name)


def _lazy(name: str) -> Any:
    """A module attribute loaded on first use (``merge_service``), replaceable like any other."""
    hit = globals().get(name)
    if hit is not None:
        return hit
    if name == "merge_service":
        from matrixhell.detect.merge import merge_service

        globals()[name] = merge_service
        return merge_service
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PARALLEL_MIN_DIRECTORIES", "CachedView", "load_detectors", "scan_repo", "walk_tree"]


class CachedView:
    """A RepoView that reads each file once: contents and errors are remembered by path."""

    def __init__(self, inner: RepoView, reporter: Reporter | None = None, recording: Recording | None = None) -> None:
        self._inner = inner
        self._reporter = reporter
        # what the scan cache needs to know to tell later whether this scan's result still holds
        self._recording = recording
        # files read by a parallel prefetch whose file_read event waits for the access that would
        # have read them in a serial scan
        self._pending: set[str] = set()
        self._adopted_reads = 0
        self._bytes: dict[str, bytes | InputError] = {}
        self._text: dict[str, str | InputError] = {}
        self._is_file: dict[str, bool] = {}
        self._listing: dict[str, frozenset[str]] = {}
        self._tree: RepoTree | None = None

    @property
    def inner(self) -> RepoView:
        return self._inner

    def _read(self, path: str) -> bytes | InputError:
        rec = self._recording
        if rec is not None:
            return self._recorded_read(path, rec)
        try:
            data = self._inner.read_bytes(path)
        except InputError as e:
            return e
        if self._reporter is not None:
            self._reporter.file_read(path)
        return data

    def _recorded_read(self, path: str, rec: Recording) -> bytes | InputError:
        from matrixhell.scancache import digest, view_signature

        signed = getattr(self._inner, "read_signed", None)
        got: tuple[tuple[int, int, int, int, int], bytes] | None = signed(path) if signed is not None else None
        if got is not None:  # a plain file: its stat comes from the descriptor it was read through
            sig_now, data_now = got
            rec.reads[path] = (sig_now, digest(data_now))
            if self._reporter is not None:
                self._reporter.file_read(path)
            return data_now
        sig, _ = view_signature(self._inner, path)
        try:
            data = self._inner.read_bytes(path)
        except InputError as e:
            rec.reads[path] = (sig, None)
            return e
        rec.reads[path] = (sig, digest(data))
        if self._reporter is not None:
            self._reporter.file_read(path)
        return data

    def _note(self, kind: str, path: str, answer: object) -> None:
        if self._recording is not None:
            self._recording.probes[(kind, path)] = answer

    def read_bytes(self, path: str) -> bytes:
        hit = self._bytes.get(path)
        if hit is None:
            text = self._text.get(path)
            if isinstance(text, InputError) and text.code not in ("not-utf8", "binary-file"):
                hit = text  # the file could not be read at all: no second try
            else:
                hit = self._read(path)
            self._bytes[path] = hit
        if isinstance(hit, InputError):
            raise hit
        return hit

    def read_text(self, path: str) -> str:
        hit = self._text.get(path)
        if hit is None:
            from matrixhell.detect.repoview import _decode, _norm  # the view's own strict decoding

            # the text alone is kept (not the bytes too): lock files of a large monorepo add up
            data = self._bytes.get(path)
            if data is None:
                data = self._read(path)
            try:
                hit = data if isinstance(data, InputError) else _decode(data, _norm(path))
            except InputError as e:
                hit = e
            self._text[path] = hit
        elif self._pending and path in self._pending:
            self._emit(path)
        if isinstance(hit, InputError):
            raise hit
        return hit

    def _emit(self, path: str) -> None:
        self._pending.discard(path)
        if self._reporter is not None:
            self._reporter.file_read(path)

    def replay(self, paths: Sequence[str]) -> None:
        """The file_read events one prefetched directory's detectors caused, where a serial scan
        would have sent them (a path another directory's access already announced is not repeated)."""
        for path in paths:
            if path in self._pending:
                self._emit(path)

    def adopt(self, texts: Mapping[str, str | InputError], reads: int, recording: Recording | None) -> None:
        """Take over what a prefetching child process read: its texts, its read count, its record."""
        for path, text in texts.items():
            self._text.setdefault(path, text)
        self._adopted_reads += reads
        mine = self._recording
        if mine is not None and recording is not None:
            for path, sig in recording.reads.items():
                mine.reads.setdefault(path, sig)
            for key, answer in recording.probes.items():
                mine.probes.setdefault(key, answer)

    def attach(self, tree: RepoTree) -> None:
        """Answer is_file/is_dir from the walk where it can: one listing per directory, not a
        resolve() per probe (detectors probe many names that do not exist)."""
        self._tree = tree

    def _split(self, path: str) -> tuple[str, str]:
        if path.startswith(("./", "/", "../")) or "/./" in path or "/../" in path or "//" in path or path == ".":
            path = posixpath.normpath(path).lstrip("/")
            if path == ".":
                path = ""
        directory, _, name = path.rpartition("/")
        return directory, name

    def _raw_names(self, directory: str) -> frozenset[str]:
        hit = self._listing.get(directory)
        if hit is None:
            hit = self._listing[directory] = frozenset(self._inner.listdir(directory))
        return hit

    def is_file(self, path: str) -> bool:
        hit = self._is_file.get(path)
        if hit is None:
            hit = self._is_file[path] = self._probe(path, want_dir=False)
        return hit

    def is_dir(self, path: str) -> bool:
        tree = self._tree
        if tree is not None and path in tree.files:
            return True
        return self._probe(path, want_dir=True)

    def _probe(self, path: str, *, want_dir: bool) -> bool:
        tree = self._tree
        if tree is not None:
            directory, name = self._split(path)
            known = tree.files.get(directory)
            if known is not None and name:
                if name in known:
                    return not want_dir
                # a name the walk did not list is absent or ignored; ignored files stay unseen, except
                # .env files, which compose reads whatever .gitignore says (their values only
                # interpolate, they are never stored)
                if not want_dir and not name.startswith(".env"):
                    return False
                present = name in self._raw_names(directory)
                # the question asked of the listing, not the listing: a new ignored file beside it
                # does not change this answer
                self._note("listed", join(directory, name), present)
                if not present:
                    return False
        answer = self._inner.is_dir(path) if want_dir else self._inner.is_file(path)
        self._note("is_dir" if want_dir else "is_file", path, answer)
        return answer

    def listdir(self, path: str) -> list[str]:
        if path in self._listing:
            listed = sorted(self._raw_names(path))
            self._note("listdir", path, tuple(listed))
            return listed
        names = self._inner.listdir(path)
        self._note("listdir", path, tuple(names))
        return names

    def walk(self) -> Iterator[tuple[str, list[str], list[str]]]:
        return self._inner.walk()

    @property
    def problems(self) -> list[WalkProblem]:
        return self._inner.problems

    @property
    def files_read(self) -> int:
        return self._inner.files_read + self._adopted_reads

    def __getattr__(self, name: str) -> Any:  # root, size_cap... of the real view
        return getattr(self._inner, name)


def walk_tree(view: RepoView) -> RepoTree:
    """One walk: the files of every directory (ignore rules applied by the view)."""
    return _walk(view, None)


def _walk(view: RepoView, fingerprint: Any) -> RepoTree:
    """The walk; with a hash object, every listing is fed to it (the scan cache's key)."""
    files: dict[str, frozenset[str]] = {}
    for directory, dirs, names in view.walk():
        files[directory] = frozenset(names)
        if fingerprint is not None:
            fingerprint.update(f"{directory}\0{'/'.join(dirs)}\0{'/'.join(names)}\n".encode("utf-8", "surrogateescape"))
    return RepoTree(files, tuple(sorted(files)))


def load_detectors() -> list[Detector]:
    """Every registered detector whose module imports (an ecosystem still missing is left out).

    A detector whose markers the registry knows is a LazyDetector: its module is imported when a
    directory first holds one of its markers, so a scan imports only the ecosystems the repository has.
    """
    from matrixhell.detect import registry

    out: list[Detector] = []
    for name in registry.DETECTORS:
        try:
            out.append(registry.lazy(name))
        except (ImportError, AttributeError):
            continue
    return out


def _load_needed(detectors: Sequence[Detector], listings: Sequence[frozenset[str]]) -> None:
    """Import, now, every lazy detector one of these directories needs (before a fork, so that the
    two processes do not both import it)."""
    from matrixhell.detect.registry import LazyDetector

    for det in detectors:
        if isinstance(det, LazyDetector) and not det.loaded and any(det.could_apply(f) for f in listings):
            det.load()


def _workspace_fn() -> WorkspaceFn | None:
    try:
        from matrixhell.detect.workspaces import workspace_members
    except ImportError:
        return None
    return workspace_members


def _problem_finding(p: WalkProblem) -> Finding:
    hints = {
        "symlink-loop": "remove the link or add it to .matrixhellignore",
        "symlink-dangling": "remove the link or create its target",
        "symlink-alias": "nothing to do; add the link to .matrixhellignore to silence this",
        "symlink-escape": "matrixhell reads only files inside the repository",
        "unreadable": "check the directory's permissions",
    }
    severity = Severity.INFO if p.code == "symlink-alias" else Severity.WARNING
    return Finding(p.code, severity, p.message, Origin(p.path), hints.get(p.code))


def _pruned_skips(pruned: Sequence[tuple[str, str]], shown: int = 3) -> list[Skip]:
    """One Skip per kind of directory the walk did not enter (node_modules, build/ by .gitignore...),
    not one per directory: a monorepo has hundreds of node_modules."""
    groups: dict[tuple[str, str], list[str]] = {}
    for path, source in pruned:
        groups.setdefault((path.rpartition("/")[2], source), []).append(path)
    out = []
    for (name, source), paths in groups.items():
        why = f"ignored by {source}" if source else "always skipped"
        reason = f"{why}, not looked at"
        if paths != [name]:
            listed = ", ".join(paths[:shown]) + (f" and {len(paths) - shown} more" if len(paths) > shown else "")
            reason += f" ({len(paths)} director{'y' if len(paths) == 1 else 'ies'}: {listed})"
        out.append(Skip(name if source == "" or paths == [name] else paths[0], reason))
    return out


def _repo_name(view: RepoView) -> str:
    root = getattr(view, "root", None)
    if isinstance(root, Path) and root.name:
        return root.name
    return "app"


class _Runner:
    """Runs detectors on directories, each (directory, members) once."""

    def __init__(self, view: CachedView, tree: RepoTree, detectors: Sequence[Detector], env: Mapping[str, str]) -> None:
        self.view = view
        self.tree = tree
        self.detectors = [d for d in detectors if d.name != "dockerfile"]
        self.dockerfile = next((d for d in detectors if d.name == "dockerfile"), None)
        self.env = dict(env)
        self._env_cache: dict[str, dict[str, str]] = {}
        self._cache: dict[tuple[str, tuple[str, ...]], list[Detection]] = {}
        self._df_cache: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Detection] = {}
        self._replay: dict[str, list[str]] = {}  # prefetched directory -> the files its detectors read

    def prefetch(self, directories: Sequence[str]) -> None:
        """Run the detectors of many directories on two cores: a forked child takes the second half
        while this process does the first.  Results come back pickled as the model's frozen values and
        are used exactly as a serial run's would be: in discovery's order, file_read events at the
        access a serial scan would have made, the same read count and cache record."""
        todo = [d for d in dict.fromkeys(directories) if (d, ()) not in self._cache]
        if len(todo) < PARALLEL_MIN_DIRECTORIES or not _can_fork():
            return
        import pickle

        listed = self.tree.files
        _load_needed(self.detectors, [listed[d] for d in todo if d in listed])

        view = self.view
        real = view._reporter
        buffer = _ReadBuffer()
        buffers: dict[str, list[str]] = {}
        known = set(view._text)
        mine, theirs = todo[: len(todo) // 2], todo[len(todo) // 2 :]
        rfd, wfd = os.pipe()
        view._reporter = buffer
        try:
            pid = os.fork()
        except OSError:
            view._reporter = real
            os.close(rfd)
            os.close(wfd)
            return
        if pid == 0:  # the child: detect, send, and leave without running any exit handler
            status = 1
            try:
                os.close(rfd)
                for d in theirs:
                    buffer.current = buffers.setdefault(d, [])
                    self.run(d)
                payload = (
                    {d: self._cache[(d, ())] for d in theirs},
                    buffers,
                    {p: t for p, t in view._text.items() if p not in known},
                    view._recording,
                )
                with os.fdopen(wfd, "wb") as fh:
                    fh.write(_dumps(payload))
                status = 0
            finally:
                os._exit(status)
        os.close(wfd)
        try:
            for d in mine:
                buffer.current = buffers.setdefault(d, [])
                self.run(d)
        finally:
            with os.fdopen(rfd, "rb") as fh:
                data = fh.read()
            _, wait = os.waitpid(pid, 0)
            view._reporter = real
        for d in mine:
            self._replay[d] = buffers[d]
        mine_read = {p for d in mine for p in buffers[d]}
        try:
            if os.waitstatus_to_exitcode(wait) != 0:
                raise ValueError("the prefetching child failed")
            results, theirs_buffers, texts, recording = _loads_model(data)
        except (ValueError, EOFError, pickle.UnpicklingError):
            # the child's half simply runs here, serially, when discovery asks for it
            view._pending |= mine_read
            return
        theirs_read = {p for paths in theirs_buffers.values() for p in paths}
        view.adopt(texts, len(theirs_read - mine_read), recording)
        for d, detections in results.items():
            self._cache[(d, ())] = detections
            self._replay[d] = theirs_buffers[d]
        view._pending |= mine_read | theirs_read

    def env_for(self, directory: str) -> dict[str, str]:
        """The repository's .env, overlaid with the service directory's own .env (values interpolate
        ${VAR} in manifests; they are never stored)."""
        if not directory or not self.view.is_file(join(directory, ".env")):
            return self.env
        hit = self._env_cache.get(directory)
        if hit is None:
            hit = dict(self.env)
            from matrixhell.detect.compose import parse_dotenv

            with contextlib.suppress(InputError):  # an unreadable .env only loses its values
                hit.update({k: v for k, (v, _) in parse_dotenv(self.view.read_text(join(directory, ".env"))).items()})
            self._env_cache[directory] = hit
        return hit

    def files(self, directory: str) -> frozenset[str]:
        known = self.tree.files.get(directory)
        if known is not None:
            return known
        # a directory the walk did not list (a compose context inside a hidden or ignored path)
        return frozenset(n for n in self.view.listdir(directory) if self.view.is_file(join(directory, n)))

    def run(self, directory: str, members: tuple[str, ...] = ()) -> list[Detection]:
        key = (directory, members)
        hit = self._cache.get(key)
        if hit is not None:
            replay = self._replay.pop(directory, None) if not members else None
            if replay is not None:
                self.view.replay(replay)
            return hit
        ctx = DetectContext(self.view, directory, self.files(directory), members, self.env_for(directory))
        out: list[Detection] = []
        for det in self.detectors:
            d = self._one(det, ctx)
            if d is not None:
                out.append(d)
        self._cache[key] = out
        return out

    def _one(self, det: Detector, ctx: DetectContext) -> Detection | None:
        where = Origin(ctx.directory or ".")
        try:
            if not det.applies(ctx):
                return None
            return det.detect(ctx)
        except InputError as e:
            return Detection(det.name, findings=(finding_from_error(e),))
        except Exception as e:  # one detector's bug must not end the scan of every other service
            return Detection(
                det.name,
                findings=(
                    Finding(
                        "detector-failed",
                        Severity.ERROR,
                        f"the {det.name} detector failed here: {type(e).__name__}: {e}",
                        where,
                        hint="this is a bug in matrixhell; please report it with the file that caused it",
                    ),
                ),
            )

    def dockerfile_detection(self, planned: PlannedService) -> Detection | None:
        inline = planned.inline_dockerfile
        if self.dockerfile is None or (inline is None and planned.dockerfile is None):
            return None
        detect_text = getattr(self.dockerfile, "detect_text", None)
        if inline is not None and detect_text is not None:
            path, text, line = inline
            found: Detection = detect_text(
                text, path, target=planned.target, build_args=dict(planned.build_args), first_line=line
            )
            return found
        if planned.dockerfile is None:
            return None
        key = (planned.dockerfile, planned.target, planned.build_args)
        hit = self._df_cache.get(key)
        if hit is not None:
            return hit
        detect_file = getattr(self.dockerfile, "detect_file", None)
        try:
            if detect_file is not None:
                result: Detection = detect_file(
                    self.view, planned.dockerfile, target=planned.target, build_args=dict(planned.build_args)
                )
            else:
                directory = planned.dockerfile.rpartition("/")[0]
                ctx = DetectContext(self.view, directory, self.files(directory), (), self.env_for(directory))
                via_ctx = self._one(self.dockerfile, ctx)
                if via_ctx is None:
                    return None
                result = via_ctx
        except Exception as e:
            result = Detection(
                "dockerfile",
                findings=(
                    Finding(
                        "detector-failed",
                        Severity.ERROR,
                        f"the dockerfile detector failed: {type(e).__name__}: {e}",
                        Origin(planned.dockerfile),
                        hint="this is a bug in matrixhell; please report it",
                    ),
                ),
            )
        self._df_cache[key] = result
        return result


#: below this many candidate directories a scan stays in one process (a fork costs a few ms)
PARALLEL_MIN_DIRECTORIES = 200


def _can_fork() -> bool:
    """Two cores, fork, no other thread (a forked child of a threaded process may deadlock), and not
    turned off with MATRIXHELL_JOBS=1."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    if os.environ.get("MATRIXHELL_JOBS", "").strip() == "1":
        return False
    return _no_other_thread()


def _no_other_thread() -> bool:
    """No thread but this one: none started through _thread, which threading's threads are, so a scan
    need not import threading to ask (threading.active_count() == 1 whenever this holds)."""
    import _thread

    return _thread._count() == 0


class _ReadBuffer(Reporter):
    """Keeps the file_read events of the directory being prefetched."""

    def __init__(self) -> None:
        self.current: list[str] = []

    def file_read(self, path: str) -> None:
        self.current.append(path)


def _dumps(value: object) -> bytes:
    from matrixhell.scancache import dump_model

    return dump_model(value)


def _loads_model(data: bytes) -> Any:
    from matrixhell.scancache import load_model

    return load_model(data)


def _dotenv(view: CachedView, tree: RepoTree) -> dict[str, str]:
    if not view.is_file(".env"):
        return {}
    from matrixhell.detect.compose import parse_dotenv

    try:
        return {k: v for k, (v, _) in parse_dotenv(view.read_text(".env")).items()}
    except InputError:
        return {}


def scan_repo(
    view: RepoView,
    *,
    reporter: Reporter | None = None,
    detectors: Sequence[Detector] | None = None,
    cache: bool | None = None,
) -> ScanResult:
    """Scan a repository: every service with its facts, the directories not taken, the findings.

    A repository on disk scanned with the registered detectors goes through the scan cache
    (matrixhell.scancache) unless ``cache`` is False or MATRIXHELL_NO_CACHE is set: an unchanged
    repository gives the stored result, with the same Reporter events, for a walk and a stat per file.
    """
    # The scan makes a few million short-lived objects and keeps none in reference cycles: the cyclic
    # collector's passes over the growing heap cost about a sixth of the scan and find nothing.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _scan_repo(view, reporter, detectors, cache)
    finally:
        if paused:
            gc.enable()


def _scan_repo(
    view: RepoView, reporter: Reporter | None, detectors: Sequence[Detector] | None, cache: bool | None
) -> ScanResult:
    rep = reporter or Reporter()
    store = _scan_cache(view, detectors, cache)
    rep.step("walking the repository")
    if store is None:
        cached = view if isinstance(view, CachedView) else CachedView(view, rep)
        tree, outputs = _without_outputs(cached, walk_tree(cached))
        cached.attach(tree)
        return _scan(view, cached, tree, rep, detectors, outputs)
    import hashlib

    from matrixhell.scancache import Recording

    recording = Recording()
    # first without walking: the stored walk still holds if no directory it listed changed
    hit = store.load(view, None, recording.started_ns)
    if hit is None:
        fingerprint = hashlib.blake2b(digest_size=16)
        tree = _walk(view, fingerprint)
        for p in view.problems:
            fingerprint.update(f"{p.code}\0{p.path}\0{p.message}\n".encode("utf-8", "surrogateescape"))
        for path, source in getattr(view, "pruned", ()):  # the skips they give are part of the result
            fingerprint.update(f"pruned\0{path}\0{source}\n".encode("utf-8", "surrogateescape"))
        key = fingerprint.digest()
        hit = store.load(view, key, recording.started_ns)
    if hit is not None:
        for name, args in hit.events:
            getattr(rep, name)(*args)
        return hit.result
    recorder = RecordingReporter(rep, recording.events)
    cached = CachedView(view, recorder, recording)
    # the outputs are read through the recording view: taking the marker out makes the entry a miss
    tree, outputs = _without_outputs(cached, tree)
    cached.attach(tree)
    result = _scan(view, cached, tree, recorder, detectors, outputs)
    from matrixhell.scancache import background_write_allowed

    store.store(key, recording, result, view, background=background_write_allowed(len(recording.reads)))
    return result


def _scan_cache(view: RepoView, detectors: Sequence[Detector] | None, cache: bool | None) -> ScanCache | None:
    """The cache for this scan, or None: only a plain FsRepoView (a wrapper may hide or add files the
    cache cannot see) scanned with the registered detectors, with the cache not turned off."""
    from matrixhell.detect.repoview import FsRepoView

    if type(view) is not FsRepoView or detectors is not None:
        return None
    from matrixhell.scancache import ScanCache, cache_enabled

    if not cache_enabled(cache):
        return None
    return ScanCache(view._root_str, view.size_cap)


def _without_outputs(view: CachedView, tree: RepoTree) -> tuple[RepoTree, tuple[Skip, ...]]:
    """The tree without the files matrixhell generated (a Dockerfile or compose file carrying the
    marker): they are outputs, and reading them back would make a scan after ``generate`` see its own
    choices as the user's.  A file whose marker line was removed is the user's and is read as usual."""
    from matrixhell.marker import is_generated, may_be_output

    hidden: dict[str, set[str]] = {}
    for directory, names in tree.files.items():
        for name in names:
            if not may_be_output(name):
                continue
            path = join(directory, name)
            try:
                text = view.read_text(path)
            except InputError:  # unreadable: the detectors report it as they would have
                continue
            if is_generated(path, text):
                hidden.setdefault(directory, set()).add(name)
    if not hidden:
        return tree, ()
    files = {d: (names - hidden[d] if d in hidden else names) for d, names in tree.files.items()}
    why = "generated by matrixhell: an output, not read as input (remove its first line to make it yours)"
    skips = tuple(Skip(join(d, n), why) for d in sorted(hidden) for n in sorted(hidden[d]))
    return RepoTree(files, tree.dirs), skips


def _scan(
    view: RepoView,
    cached: CachedView,
    tree: RepoTree,
    rep: Reporter,
    detectors: Sequence[Detector] | None,
    outputs: tuple[Skip, ...] = (),
) -> ScanResult:
    from matrixhell.detect.discovery import discover

    merge_service = _lazy("merge_service")
    findings: list[Finding] = [_problem_finding(p) for p in cached.problems]
    active = list(detectors) if detectors is not None else load_detectors()
    runner = _Runner(cached, tree, active, _dotenv(cached, tree))
    rep.step(f"finding services among {len(tree.files)} directories")

    discovery: Discovery = discover(
        cached,
        tree,
        active,
        lambda d: runner.run(d),
        repo_name=_repo_name(view),
        workspace_fn=_workspace_fn(),
        prefetch=runner.prefetch,
    )
    findings.extend(discovery.findings)
    for skip in discovery.skipped:
        rep.directory_skipped(skip.path, skip.reason)

    services: list[Service] = []
    for planned in discovery.services:
        rep.service_found(planned.name, planned.path, planned.discovered_by)
        detections: list[Detection] = []
        if planned.kind is ServiceKind.BUILT:
            detections.extend(runner.run(planned.directory, planned.members))
            for extra in planned.folded:
                detections.extend(runner.run(extra))
            df = runner.dockerfile_detection(planned)
            if df is not None:
                detections.append(df)
        try:
            services.append(merge_service(planned, detections))
        except Exception as e:  # a bug merging one service must not lose the others
            failed = Finding(
                "merge-failed",
                Severity.ERROR,
                f"the facts of this service could not be merged: {type(e).__name__}: {e}",
                Origin(planned.path),
                hint="this is a bug in matrixhell; please report it",
                service=planned.name,
            )
            services.append(merge_service(planned, [], findings=[failed]))
    services.sort(key=lambda s: s.name)
    seen_problems = {(f.code, f.origin) for f in findings}
    # walk problems found late (a compose context read outside the walk) still reach the report
    late = [f for f in map(_problem_finding, cached.problems) if (f.code, f.origin) not in seen_problems]
    findings.extend(late)
    return ScanResult(
        root=str(getattr(view, "root", ".")),
        services=tuple(services),
        findings=tuple(dict.fromkeys(findings)),
        skipped=(*discovery.skipped, *outputs, *_pruned_skips(getattr(view, "pruned", ()))),
        files_read=cached.files_read,
    )
