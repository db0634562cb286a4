"""Rust: Cargo.toml, Cargo.lock, rust-toolchain and rust-toolchain.toml.

Runtime sources, best first: rust-toolchain.toml's channel, the legacy rust-toolchain file,
``package.rust-version`` (a minimum rustc), and the edition (the first rustc that knows it).  Fields
written ``.workspace = true`` are taken from ``[workspace.package]`` of the service root's Cargo.toml.
"""

from __future__ import annotations

import dataclasses
import posixpath
from typing import Any

from matrixhell.detect._facts import Facts, has_marker, member_dirs, read_or_note, read_text_or_note
from matrixhell.detect._parsecache import memo
from matrixhell.detect._ranges import RangeError, caret_range, minimum_version, version_prefix
from matrixhell.detect._tomllines import TomlDoc, load_toml, parse_toml
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect._workspace_root import workspace_root
from matrixhell.detect.base import DetectContext, join
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope, StartCommand

__all__ = ["EDITION_MINIMUM", "RustDetector", "cargo_crate", "crate_binaries"]

#: edition -> the first stable rustc that accepts it
EDITION_MINIMUM = {"2015": "1.0", "2018": "1.31", "2021": "1.56", "2024": "1.85"}
_SECTIONS = (
    ("dependencies", Scope.MAIN),
    ("dev-dependencies", Scope.DEV),
    ("build-dependencies", Scope.BUILD),
)
_FRAMEWORKS = {
    "actix-web": ("actix-web", None),
    "axum": ("axum", None),
    "rocket": ("rocket", 8000),
    "warp": ("warp", None),
}
_CHANNELS = ("stable", "beta", "nightly")


def _toolchain(facts: Facts, raw: str, origin: Origin, source: str, precedence: int, *, notes: bool = True) -> None:
    """``notes`` False: another service that shares the file makes its notes."""
    value = raw.strip()
    if value.startswith(_CHANNELS) or not value[:1].isdigit():
        if notes:
            facts.note(
                "runtime-alias",
                f"toolchain channel {value!r} names no fixed rustc version",
                origin,
                hint='pin a version such as channel = "1.79"',
                severity=Severity.INFO,
            )
        facts.runtimes.append(RuntimeReq("rust", "", value, source, origin, precedence))
        return
    try:
        spec = version_prefix(value.split("-", 1)[0]).spec
    except RangeError:
        if notes:
            facts.note(
                "unreadable-version",
                f"toolchain {value!r} is not a rustc version",
                origin,
                hint='write a version such as channel = "1.79"',
            )
        return
    facts.runtimes.append(RuntimeReq("rust", spec, value, source, origin, precedence))


def _shared_toml(view: RepoView, path: str) -> TomlDoc:
    """A workspace root's file, parsed once however many member services read it."""
    return memo(view, "toml", path, lambda: load_toml(view, path))


def _matching(requirement: str, versions: list[str]) -> str | None:
    """The highest of several locked versions that a Cargo requirement admits (Cargo.lock may hold
    serde 0.9 and 1.0 side by side)."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        spec = SpecifierSet(caret_range(requirement).spec)
    except RangeError:
        return None
    best: tuple[Version, str] | None = None
    for v in versions:
        try:
            parsed = Version(v)
        except InvalidVersion:
            continue
        if spec.contains(parsed, prereleases=True) and (best is None or parsed > best[0]):
            best = (parsed, v)
    return best[1] if best else None


def _notes_shared_file(ctx: DetectContext, d: str) -> bool:
    """Whether this service makes the notes on a file of directory *d*.  A workspace root's toolchain
    file serves every member crate: its notes go to the first deployable member (one with a
    src/main.rs), or to the service that folds the whole workspace, not to each member again."""
    from matrixhell.detect.workspaces import workspace_members

    if ctx.members and (d == ctx.directory or ctx.directory.startswith(f"{d}/") or not d):
        return True
    info = workspace_members(ctx.view, d) if ctx.view.is_file(join(d, "Cargo.toml")) else None
    if info is None:
        return True
    bins = sorted(m for m in info.members if ctx.view.is_file(join(m, "src/main.rs")))
    return not bins or ctx.directory == bins[0]


def _workspace_of_self(ctx: DetectContext) -> str | None:
    """``ctx.directory`` when its Cargo.toml declares a ``[workspace]`` with members, else None."""
    from matrixhell.detect.workspaces import workspace_members

    if not ctx.view.is_file(join(ctx.directory, "Cargo.toml")):
        return None
    info = workspace_members(ctx.view, ctx.directory)
    return ctx.directory if info is not None and info.kind == "cargo" and info.members else None


def _listed_members(ctx: DetectContext, ws_dir: str | None) -> set[str]:
    """The crate directories of this detection that a Cargo workspace lists as members."""
    from matrixhell.detect.workspaces import workspace_members

    out: set[str] = set()
    if ws_dir is not None:
        out.add(ctx.directory)
    if ctx.members and _workspace_of_self(ctx) is not None:
        info = workspace_members(ctx.view, ctx.directory)
        out.update(m for m in ctx.members if info is not None and m in info.members)
    return out


def crate_binaries(
    view: RepoView, directory: str, doc: TomlDoc
) -> tuple[list[tuple[str, Origin]], tuple[str, Origin] | None]:
    """The binaries a package builds, as Cargo finds them, and the one it runs.

    ``[[bin]]`` tables first; then, unless ``autobins = false``, ``src/main.rs`` (named after the
    package) and ``src/bin/<name>.rs`` or ``src/bin/<name>/main.rs``, each unless a ``[[bin]]`` already
    has that name.  The one it runs is what ``cargo run`` picks: ``package.default-run``, the only
    binary, or the binary named after the package; None when that is ambiguous."""
    out: list[tuple[str, Origin]] = []
    claimed: set[str] = set()  # source files a [[bin]] names: not discovered a second time
    bins = doc.data.get("bin")
    if isinstance(bins, list):
        for i, b in enumerate(bins):
            if isinstance(b, dict) and isinstance(b.get("name"), str):
                out.append((b["name"], doc.origin("bin", i, "name")))
                if isinstance(b.get("path"), str):
                    claimed.add(posixpath.normpath(b["path"]))
    pkg = doc.data.get("package")
    if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
        return out, (out[0] if len(out) == 1 else None)
    package: str = pkg["name"]
    names = {n for n, _ in out}
    if pkg.get("autobins") is not False:
        if package not in names and "src/main.rs" not in claimed and view.is_file(join(directory, "src/main.rs")):
            out.append((package, doc.origin("package", "name")))
            names.add(package)
        bin_dir = join(directory, "src/bin")
        if view.is_dir(bin_dir):
            for entry in view.listdir(bin_dir):
                stem = entry[:-3] if entry.endswith(".rs") else entry
                if stem in names or not stem or f"src/bin/{entry}" in claimed or f"src/bin/{entry}/main.rs" in claimed:
                    continue
                if (entry.endswith(".rs") and view.is_file(join(bin_dir, entry))) or view.is_file(
                    join(bin_dir, f"{entry}/main.rs")
                ):
                    out.append((stem, Origin(join(bin_dir, entry))))
                    names.add(stem)
    by_name = dict(out)
    default = pkg.get("default-run")
    if isinstance(default, str) and default in by_name:
        return out, (default, by_name[default])
    if len(out) == 1:
        return out, out[0]
    if package in by_name:
        return out, (package, by_name[package])
    return out, None


def cargo_crate(view: RepoView, directory: str) -> tuple[str, tuple[str, ...]] | None:
    """(package name, its binaries with the one it runs first) of the Cargo.toml in ``directory``; None
    for a virtual manifest, a library without binaries or an unreadable file.  The manifest is the one
    the detector parsed (remembered per view)."""
    path = join(directory, "Cargo.toml")
    try:
        doc = _shared_toml(view, path)
    except InputError:
        return None
    pkg = doc.data.get("package")
    if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
        return None
    found, chosen = crate_binaries(view, directory, doc)
    if not found:
        return None
    names = [n for n, _ in found]
    if chosen is not None:
        names.remove(chosen[0])
        names.insert(0, chosen[0])
    return pkg["name"], tuple(names)


class RustDetector:
    name = "rust"
    markers = ("Cargo.toml",)

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("rust")
        self._toolchain_files(facts, ctx)
        read_version_managers(facts, ctx, "rust", ("rust",), 12)
        ws_dir = workspace_root(ctx, ("Cargo.toml",))
        root: TomlDoc | None = None
        if ws_dir is not None:  # a member crate inherits from, and is locked by, its workspace root
            root = read_or_note(facts, ctx.view, join(ws_dir, "Cargo.toml"), _shared_toml)
        bins: list[tuple[str, Origin]] = []
        picks: list[tuple[str, tuple[str, Origin]]] = []  # (crate directory, the binary it runs)
        locals_: set[str] = set()
        own_bins = 0  # binaries of the crate at the service directory itself
        listed = _listed_members(ctx, ws_dir)
        for d in member_dirs(ctx):
            path = join(d, "Cargo.toml")
            if d != ctx.directory and not ctx.view.is_file(path):
                continue
            doc: TomlDoc | None
            if d in listed:
                # a workspace member's unreadable manifest is reported once, by the workspace (workspaces.py)
                try:
                    doc = _shared_toml(ctx.view, path)
                except InputError:
                    continue
                facts.files.append(path)
            else:
                doc = read_or_note(facts, ctx.view, path, _shared_toml)
            if doc is None:
                continue
            if d == ctx.directory and root is None:
                root = doc
            pkg = doc.data.get("package")
            if isinstance(pkg, dict) and isinstance(pkg.get("name"), str):
                locals_.add(pkg["name"])
            self._package(facts, doc, root)
            self._dependencies(facts, doc, root)
            found, chosen = crate_binaries(ctx.view, d, doc)
            bins.extend(found)
            if d == ctx.directory:
                own_bins = len(found)
            if chosen is not None:
                picks.append((d, chosen))
        facts.packages = [p for p in facts.packages if p.name not in locals_ or p.url is None]
        # member crates often share one edition or rust-version: one runtime fact each, the nearest first
        unique: dict[tuple[str, str, str, str], RuntimeReq] = {}
        for r in facts.runtimes:
            unique.setdefault((r.runtime, r.spec, r.raw, r.source), r)
        facts.runtimes = list(unique.values())
        if ctx.has("Cargo.lock"):
            self._lock(facts, ctx, ctx.path("Cargo.lock"), transitive=True)
        elif ws_dir is not None and ctx.view.is_file(join(ws_dir, "Cargo.lock")):
            # the workspace's lock covers every member: take the versions of this crate's dependencies only
            self._lock(facts, ctx, join(ws_dir, "Cargo.lock"), transitive=False)
        own = [b for d, b in picks if d == ctx.directory]
        pick = bins[0] if len(bins) == 1 else own[0] if own else picks[0][1] if len(picks) == 1 else None
        if pick is not None:
            name, origin = pick
            facts.start_commands.append(
                StartCommand(origin, "cargo-bin", argv=(f"/app/{name}",), precedence=self._precedence(ctx, own, pick))
            )
        elif len(bins) > 1:
            single = own_bins > 1 and own_bins == len(bins)  # one crate with several binaries
            facts.note(
                "several-binaries",
                "several binaries: "
                + ", ".join(b for b, _ in bins)
                + (f"; it runs {bins[0][0]}, the first declared" if single else ""),
                bins[0][1],
                hint="set package.default-run in Cargo.toml, or the start command in compose or a Procfile",
                severity=Severity.INFO,
            )
            if single:
                # still one deployable (a Cargo package is what ships): its first binary, a guess
                name, origin = bins[0]
                facts.start_commands.append(StartCommand(origin, "cargo-bin", argv=(f"/app/{name}",), precedence=47))
        return facts.detection()

    @staticmethod
    def _precedence(ctx: DetectContext, own: list[tuple[str, Origin]], pick: tuple[str, Origin]) -> int:
        """45, an inferred entry point; 44 for the binary of a workspace root that is also a package:
        the root's own start, which makes it deployable beside its deployable members."""
        if own and own[0] == pick and _workspace_of_self(ctx) is not None:
            return 44
        return 45

    def _toolchain_files(self, facts: Facts, ctx: DetectContext) -> None:
        # rustup takes the toolchain file of the nearest directory, walking up from the crate
        d: str | None = ctx.directory
        while d is not None:
            toml, plain = join(d, "rust-toolchain.toml"), join(d, "rust-toolchain")
            if ctx.view.is_file(toml) or ctx.view.is_file(plain):
                break
            d = posixpath.dirname(d) if d else None
        if d is None:
            return
        notes = _notes_shared_file(ctx, d)
        if ctx.view.is_file(join(d, "rust-toolchain.toml")):
            doc = read_or_note(facts, ctx.view, join(d, "rust-toolchain.toml"), load_toml)
            if doc is not None:
                self._toolchain_doc(facts, doc, "rust-toolchain-toml", 10, notes)
        if ctx.view.is_file(join(d, "rust-toolchain")):
            path = join(d, "rust-toolchain")
            text = read_text_or_note(facts, ctx.view, path)
            if text is None:
                return
            try:  # the legacy file holds a bare channel name, or the TOML of rust-toolchain.toml
                doc = parse_toml(text, path)
            except InputError:
                doc = None
            if doc is not None and isinstance(doc.data.get("toolchain"), dict):
                self._toolchain_doc(facts, doc, "rust-toolchain-file", 11, notes)
                return
            for n, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    _toolchain(facts, line, Origin(path, n), "rust-toolchain-file", 11, notes=notes)
                    break

    def _toolchain_doc(self, facts: Facts, doc: TomlDoc, source: str, precedence: int, notes: bool) -> None:
        tc = doc.data.get("toolchain")
        channel = tc.get("channel") if isinstance(tc, dict) else None
        if isinstance(channel, str):
            _toolchain(facts, channel, doc.origin("toolchain", "channel"), source, precedence, notes=notes)

    def _inherited(self, value: Any, root: TomlDoc | None, key: str) -> tuple[Any, TomlDoc | None]:
        if isinstance(value, dict) and value.get("workspace") is True:
            ws = root.data.get("workspace", {}) if root is not None else {}
            wp = ws.get("package", {}) if isinstance(ws, dict) else {}
            return (wp.get(key) if isinstance(wp, dict) else None), root
        return value, None

    def _package(self, facts: Facts, doc: TomlDoc, root: TomlDoc | None) -> None:
        pkg = doc.data.get("package")
        if not isinstance(pkg, dict):
            return
        rv, src = self._inherited(pkg.get("rust-version"), root, "rust-version")
        origin = (
            src.origin("workspace", "package", "rust-version")
            if src is not None
            else doc.origin("package", "rust-version")
        )
        if isinstance(rv, str):
            try:
                facts.runtimes.append(
                    RuntimeReq("rust", minimum_version(rv).spec, rv, "cargo-rust-version", origin, 30)
                )
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"rust-version {rv!r} is not a version",
                    origin,
                    hint='write e.g. rust-version = "1.75"',
                )
        ed, src = self._inherited(pkg.get("edition"), root, "edition")
        origin = src.origin("workspace", "package", "edition") if src is not None else doc.origin("package", "edition")
        if isinstance(ed, str):
            if ed in EDITION_MINIMUM:
                facts.runtimes.append(
                    RuntimeReq("rust", f">={EDITION_MINIMUM[ed]}", f"edition {ed}", "cargo-edition", origin, 40)
                )
            else:
                facts.note(
                    "unknown-edition",
                    f"edition {ed!r} is not one rustc knows",
                    origin,
                    hint="use 2015, 2018, 2021 or 2024",
                )

    def _dependencies(self, facts: Facts, doc: TomlDoc, root: TomlDoc | None) -> None:
        tables: list[tuple[tuple[str, ...], dict[str, Any], Scope, str | None]] = []
        for sec, scope in _SECTIONS:
            t = doc.data.get(sec)
            if isinstance(t, dict):
                tables.append(((sec,), t, scope, None))
        targets = doc.data.get("target")
        if isinstance(targets, dict):
            for cfg, body in targets.items():
                if isinstance(body, dict):
                    for sec, scope in _SECTIONS:
                        t = body.get(sec)
                        if isinstance(t, dict):
                            tables.append((("target", cfg, sec), t, scope, cfg))
        ws = root.data.get("workspace") if root is not None else None
        ws_deps = ws.get("dependencies", {}) if isinstance(ws, dict) else {}
        for keys, table, scope, marker in tables:
            for name, spec in table.items():
                origin = doc.origin(*keys, name)
                if isinstance(spec, dict) and spec.get("workspace") is True:
                    base = ws_deps.get(name) if isinstance(ws_deps, dict) else None
                    merged = (
                        dict(base) if isinstance(base, dict) else {"version": base} if isinstance(base, str) else {}
                    )
                    if isinstance(merged.get("path"), str) and root is not None:
                        # a workspace dependency's path is relative to the workspace root, not the member
                        target = posixpath.normpath(posixpath.join(posixpath.dirname(root.path), merged["path"]))
                        merged["path"] = posixpath.relpath(target, posixpath.dirname(doc.path) or ".")
                    merged.update({k: v for k, v in spec.items() if k != "workspace"})
                    spec = merged
                req = self._req(name, spec, origin, scope, marker)
                if req is None:
                    facts.note(
                        "bad-manifest",
                        f"dependency {name!r} has an unreadable value",
                        origin,
                        hint='write name = "1.0" or name = { version = "1.0" }',
                    )
                    continue
                facts.packages.append(req)
                if req.name in _FRAMEWORKS and scope is Scope.MAIN:
                    fw, port = _FRAMEWORKS[req.name]
                    facts.framework(fw)
                    if port:
                        facts.default_port(port, origin, fw)

    def _req(self, name: str, spec: Any, origin: Origin, scope: Scope, marker: str | None) -> PackageReq | None:
        if isinstance(spec, str):
            return PackageReq(Ecosystem.CARGO, name, spec, origin, scope=scope, marker=marker)
        if not isinstance(spec, dict):
            return None
        real = spec.get("package", name)
        url = None
        if isinstance(spec.get("path"), str):
            url = spec["path"]
        elif isinstance(spec.get("git"), str):
            ref = next((spec[k] for k in ("rev", "tag", "branch") if isinstance(spec.get(k), str)), None)
            url = f"git+{spec['git']}" + (f"@{ref}" if ref else "")
        features = spec.get("features", [])
        return PackageReq(
            Ecosystem.CARGO,
            str(real),
            str(spec.get("version", "")),
            origin,
            extras=tuple(str(f) for f in features) if isinstance(features, list) else (),
            url=url,
            editable=isinstance(spec.get("path"), str),
            scope=Scope.OPTIONAL if spec.get("optional") is True and scope is Scope.MAIN else scope,
            group=name if real != name else None,
            marker=marker,
        )

    def _lock(self, facts: Facts, ctx: DetectContext, path: str, *, transitive: bool) -> None:
        doc = read_or_note(facts, ctx.view, path, load_toml if transitive else _shared_toml)
        if doc is None:
            return
        pkgs = doc.data.get("package", [])
        if not isinstance(pkgs, list):
            return
        versions: dict[str, list[str]] = {}
        entries = []
        for i, p in enumerate(pkgs):
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or "source" not in p:
                continue  # no source: a crate of this workspace
            versions.setdefault(p["name"], []).append(str(p.get("version", "")))
            entries.append((p["name"], str(p.get("version", "")), doc.origin("package", i)))
        direct: set[tuple[str, str]] = set()
        for i, req in enumerate(facts.packages):
            vs = versions.get(req.name, [])
            chosen = vs[0] if len(vs) == 1 else _matching(req.specifier, vs)
            if req.url is None and chosen is not None:
                facts.packages[i] = dataclasses.replace(req, locked=chosen)
                direct.add((req.name, chosen))
        if not transitive:
            return
        names = {p.name for p in facts.packages}
        for name, version, origin in entries:
            if (name, version) in direct or (name in names and len(versions[name]) == 1):
                continue
            facts.packages.append(PackageReq(Ecosystem.CARGO, name, "", origin, locked=version, direct=False))
