#!/usr/bin/env python3
"""Regenerate matrixhell/knowledge/data/debian.json from Debian's real archive indexes.

It runs ``apt-get update`` against a throwaway configuration in a temporary directory (its own lists,
cache and sources file; the machine's apt state is not touched), with the archive URL taken at run time
from this machine's own apt sources, then reads the ``*_Packages`` and ``*_InRelease`` files of
bullseye, bookworm and trixie (main, amd64) and keeps only the packages the catalog needs:

    python scripts/regen_catalog.py                 # fetch and write
    python scripts/regen_catalog.py --lists DIR     # reuse lists an earlier run kept (--keep DIR)

It reads data/libraries.json (written by regen_curated.py) for the logical libraries to resolve.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matrixhell.knowledge.deb822 import (  # noqa: E402
    compare_versions,
    parse_relations,
    parse_source_field,
    parse_stanzas,
    upstream_version,
)

DATA = ROOT / "matrixhell" / "knowledge" / "data"
COMMAND = "python scripts/regen_catalog.py"
SUITES = ("bullseye", "bookworm", "trixie")
ARCH = "amd64"

# End of support (Debian LTS end, the last date security updates are published for the release);
# source: the Debian wiki's LTS page and the release announcements.  Not in the archive indexes.
EOL = {"bullseye": "2026-08-31", "bookworm": "2028-06-30", "trixie": "2030-06-30"}

# How a runtime's version is found: (metapackage, pattern of the versioned package it depends on).
# A pattern of None means the metapackage's own version is the runtime's.
RUNTIMES: dict[str, tuple[str, str | None]] = {
    "python": ("python3", r"python3\.\d+"),
    "node": ("nodejs", None),
    "go": ("golang-go", r"golang-\d+\.\d+-go"),
    "java": ("default-jre-headless", r"openjdk-\d+-jre-headless"),
    "ruby": ("ruby", r"ruby\d+\.\d+"),
    "php": ("php", r"php\d+\.\d+"),
    "rust": ("rustc", None),
}

# Packages a Dockerfile or apt.txt commonly names; kept so has() can answer for them.
COMMON_PACKAGES = (
    "apt-transport-https",
    "bash",
    "build-essential",
    "ca-certificates",
    "chromium",
    "cmake",
    "curl",
    "default-jdk",
    "default-jdk-headless",
    "default-jre",
    "default-mysql-client",
    "dumb-init",
    "ffmpeg",
    "file",
    "fonts-liberation",
    "g++",
    "gcc",
    "gettext",
    "ghostscript",
    "git",
    "gnupg",
    "graphviz",
    "imagemagick",
    "iproute2",
    "iputils-ping",
    "jq",
    "less",
    "libc6",
    "libc6-dev",
    "libgl1",
    "libglib2.0-0",
    "libmagic1",
    "libnss3",
    "locales",
    "make",
    "mariadb-client",
    "netcat-openbsd",
    "nginx",
    "openssh-client",
    "openssl",
    "pkg-config",
    "pkgconf",
    "poppler-utils",
    "postgresql-client",
    "procps",
    "python3",
    "python3-dev",
    "python3-pip",
    "python3-venv",
    "redis-tools",
    "rsync",
    "sqlite3",
    "sudo",
    "supervisor",
    "tesseract-ocr",
    "tini",
    "tzdata",
    "unzip",
    "vim",
    "wget",
    "xz-utils",
    "zip",
    "gfortran",
    "cargo",
    "rustc",
    "golang-go",
    "nodejs",
    "npm",
    "ruby",
    "ruby-dev",
    "php",
    "php-cli",
    "autoconf",
    "automake",
    "libtool",
    "dpkg-dev",
)

_DEV = re.compile(r".*-(dev|multidev)(-[a-z0-9]+)?")
_NOT_A_LIBRARY = re.compile(r"^(gir1\.2-|python3-|.*-(dev|multidev|common|bin|doc|data|tools?|headers)$)")


def archive_uri(
    sources_dir: Path = Path("/etc/apt/sources.list.d"), sources_list: Path = Path("/etc/apt/sources.list")
) -> str:
    """The Debian archive URL this machine's apt already uses (never written into the project)."""
    for path in sorted(sources_dir.glob("*.sources")):
        with path.open(encoding="utf-8") as f:
            for stanza in parse_stanzas(f):
                if stanza.get("Enabled", "yes").lower() == "no" or "deb" not in stanza.get("Types", ""):
                    continue
                suites = stanza.get("Suites", "").split()
                if suites and not all(s.endswith("-security") for s in suites):
                    return stanza["URIs"].split()[0]
    if sources_list.exists():
        for line in sources_list.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "deb" and not parts[2].endswith("-security"):
                uri = next(p for p in parts[1:] if not p.startswith("["))
                return uri
    raise SystemExit("no Debian archive found in this machine's apt sources")


def security_uri(sources_dir: Path = Path("/etc/apt/sources.list.d")) -> str:
    """The security archive this machine's apt uses; else the main archive's ``-security`` sibling."""
    for path in sorted(sources_dir.glob("*.sources")):
        with path.open(encoding="utf-8") as f:
            for stanza in parse_stanzas(f):
                suites = stanza.get("Suites", "").split()
                if suites and all(x.endswith("-security") for x in suites) and "URIs" in stanza:
                    return stanza["URIs"].split()[0]
    return archive_uri(sources_dir).rstrip("/") + "-security"


def apt_fetch(workdir: Path, suites: Iterable[str], *, sources: bool = False) -> Path:
    """Run ``apt-get update`` on a private configuration under *workdir*; return the lists directory."""
    lists = workdir / "lists"
    (lists / "partial").mkdir(parents=True, exist_ok=True)
    (workdir / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    parts = workdir / "sources.list.d"
    parts.mkdir(exist_ok=True)
    types = "deb deb-src" if sources else "deb"
    signed = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    suites = list(suites)
    (parts / "matrixhell.sources").write_text(
        f"Types: {types}\nURIs: {archive_uri()}\nSuites: {' '.join(suites)}\nComponents: main\n{signed}\n"
        f"Types: deb\nURIs: {archive_uri()}\nSuites: {' '.join(f'{x}-updates' for x in suites)}\n"
        f"Components: main\n{signed}\n"
        f"Types: deb\nURIs: {security_uri()}\nSuites: {' '.join(f'{x}-security' for x in suites)}\n"
        f"Components: main\n{signed}",
        encoding="utf-8",
    )
    cmd = [
        "apt-get",
        "update",
        "-q",
        "-o",
        f"Dir::State::Lists={lists}",
        "-o",
        f"Dir::Cache={workdir / 'cache'}",
        "-o",
        "Dir::Etc::SourceList=/dev/null",
        "-o",
        f"Dir::Etc::SourceParts={parts}",
        "-o",
        "Acquire::GzipIndexes=false",
        "-o",
        f"APT::Architectures::={ARCH}",
        "-o",
        "Acquire::Languages=none",
    ]
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    return lists


def list_file(lists: Path, suite: str, kind: str, *, required: bool = True) -> Path | None:
    """The lists/ file of *suite*: kind is Packages, Sources or InRelease."""
    suffix = {
        "Packages": f"_dists_{suite}_main_binary-{ARCH}_Packages",
        "Sources": f"_dists_{suite}_main_source_Sources",
        "InRelease": f"_dists_{suite}_InRelease",
    }[kind]
    found = [p for p in lists.iterdir() if p.name.endswith(suffix)]
    if len(found) == 1:
        return found[0]
    if not required and not found:
        return None
    raise SystemExit(f"expected one *{suffix} in {lists}, found {len(found)}")


def need(path: Path | None) -> Path:
    assert path is not None  # list_file(required=True) raised already
    return path


# ----------------------------------------------------------------------------------- pure parsing


def parse_inrelease(text: str) -> dict[str, str]:
    """Codename, Version and Date of a (clear-signed) InRelease / Release file."""
    body = text
    if body.startswith("-----BEGIN PGP SIGNED MESSAGE-----"):
        body = body.split("\n\n", 1)[1]
    body = body.split("-----BEGIN PGP SIGNATURE-----", 1)[0]
    stanza = next(parse_stanzas(body.splitlines()))
    return {k: stanza[k] for k in ("Codename", "Version", "Date", "Suite") if k in stanza}


def index_packages(stanzas: Iterable[Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """``{package: {version, source, provides, depends, multi_arch}}``; the highest version wins."""
    index: dict[str, dict[str, Any]] = {}
    for st in stanzas:
        name, version = st["Package"], st["Version"]
        source, _ = parse_source_field(st.get("Source"), name, version)
        depends: list[tuple[tuple[str, str | None, str | None], ...]] = []
        for field in ("Pre-Depends", "Depends"):
            if field in st:
                depends.extend(tuple((r.name, r.op, r.version) for r in group) for group in parse_relations(st[field]))
        provides = [g[0].name for g in parse_relations(st["Provides"])] if "Provides" in st else []
        index[name] = {
            "version": version,
            "source": source,
            "provides": provides,
            "depends": depends,
            "multi_arch": st.get("Multi-Arch"),
            "architecture": st.get("Architecture", ""),
        }
    return index


def _is_library_package(name: str, info: Mapping[str, Any]) -> bool:
    # Not every library package is Multi-Arch: same (libgdal32 is not), so the name decides.
    return name.startswith(("lib", "zlib")) and _NOT_A_LIBRARY.match(name) is None


def _is_dev_package(name: str) -> bool:
    return _DEV.fullmatch(name) is not None


def derive_run_packages(index: Mapping[str, Mapping[str, Any]], dev: str, depth: int = 3) -> list[str]:
    """The shared-library packages a -dev package pins to its own version: libssl-dev -> libssl3t64.

    A -dev package ships headers and the ``.so`` link of the library packages built from the same
    source, and depends on them with ``(= version)``.  When it has none (a transitional or ``-defaults``
    package such as default-libmysqlclient-dev), follow its -dev dependencies.
    """
    info = index.get(dev)
    if info is None or depth == 0:
        return []
    run: list[str] = []
    same_source_dev: list[str] = []
    other_dev: list[str] = []
    for group in info["depends"]:
        name, op, _version = group[0]
        target = index.get(name)
        if target is None:
            continue
        same = target["source"] == info["source"]
        if op == "=" and same and _is_library_package(name, target):
            run.append(name)
        elif _is_dev_package(name):
            (same_source_dev if same else other_dev).append(name)
    for nxt in same_source_dev:
        run.extend(r for r in derive_run_packages(index, nxt, depth - 1) if r not in run)
    if not run and len(info["depends"]) <= 3:
        for nxt in other_dev:
            run.extend(r for r in derive_run_packages(index, nxt, depth - 1) if r not in run)
    return run


def pick_build_packages(index: Mapping[str, Any], spec: list[Any]) -> list[str] | None:
    """Resolve a libraries.json build spec (names, or lists of alternatives) in one release."""
    chosen: list[str] = []
    for item in spec:
        alternatives = item if isinstance(item, list) else [item]
        hit = next((a for a in alternatives if a in index), None)
        if hit is None:
            return None
        chosen.append(hit)
    return chosen


def runtime_version(index: Mapping[str, Mapping[str, Any]], meta: str, pattern: str | None) -> str | None:
    info = index.get(meta)
    if info is None:
        return None
    if pattern is None:
        return upstream_version(info["version"])
    rx = re.compile(pattern)
    for group in info["depends"]:
        for name, _op, _v in group:
            if rx.fullmatch(name) and name in index:
                return upstream_version(index[name]["version"])
    return None


def build_release(
    suite: str,
    release_info: Mapping[str, str],
    index: Mapping[str, Mapping[str, Any]],
    libraries: Mapping[str, Any],
    tools: Mapping[str, Any],
) -> dict[str, Any]:
    """One release's record: runtimes, libc, libraries (build/run) and the packages they name."""
    keep: set[str] = set()
    libs: dict[str, Any] = {}
    for lib, spec in sorted(libraries.items()):
        build = pick_build_packages(index, spec["debian_build"]) if spec["debian_build"] else []
        if build is None:
            continue
        run: list[str] = []
        for b in build:
            run.extend(r for r in derive_run_packages(index, b) if r not in run)
        for alternatives in spec.get("debian_run", []):
            hit = next((a for a in alternatives if a in index), None)
            if hit is not None and hit not in run:
                run.append(hit)
        if not build and not run:
            continue
        libs[lib] = {"build": build, "run": run}
        keep.update(build, run)
    tool_pkgs = {}
    for tool, spec in sorted(tools.items()):
        present = [p for p in spec["debian"] if p in index]
        if present:
            tool_pkgs[tool] = present
            keep.update(present)
    runtimes = {}
    for runtime, (meta, pattern) in RUNTIMES.items():
        v = runtime_version(index, meta, pattern)
        if v is not None:
            runtimes[runtime] = v
            keep.add(meta)
            if pattern:
                keep.update(n for g in index[meta]["depends"] for n, _o, _v in g if re.fullmatch(pattern, n))
    keep.update(p for p in COMMON_PACKAGES if p in index)
    keep.update(p for p in index if re.fullmatch(r"python3\.\d+|libpython3\.\d+", p))
    keep.add("libc6")
    ssl = libs["openssl"]["run"][0]
    packages = {}
    for name in sorted(keep):
        info = index[name]
        entry: dict[str, Any] = {"version": info["version"], "source": info["source"]}
        if info["provides"]:
            entry["provides"] = sorted(set(info["provides"]))
        packages[name] = entry
    return {
        "distro": "debian",
        "name": suite,
        "codename": suite,
        "version": release_info.get("Version", "").split(".")[0],
        "point_release": release_info.get("Version"),
        "archive_date": release_info.get("Date"),
        "libc": "glibc",
        "libc_version": upstream_version(index["libc6"]["version"]),
        "eol": EOL.get(suite),
        "ssl": ssl,
        "openssl_version": upstream_version(index[ssl]["version"]),
        "runtimes": runtimes,
        "packages": packages,
        "libraries": libs,
        "tools": tool_pkgs,
        "complete": True,
    }


def load_index(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return index_packages(parse_stanzas(f))


def overlay(base: dict[str, dict[str, Any]], pocket: Mapping[str, dict[str, Any]]) -> int:
    """Apply a pocket (``-updates``, ``-security``) onto a suite's index the way apt would pick:
    a package the pocket has at a higher version replaces the suite's.  Returns how many changed."""
    changed = 0
    for name, info in pocket.items():
        old = base.get(name)
        if old is None or compare_versions(info["version"], old["version"]) > 0:
            base[name] = info
            changed += 1
    return changed


def load_suite(lists: Path, suite: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """A suite's index with its -updates and -security pockets applied, and what each pocket said."""
    index = load_index(need(list_file(lists, suite, "Packages")))
    notes: list[str] = []
    for pocket in (f"{suite}-updates", f"{suite}-security"):
        path = list_file(lists, pocket, "Packages", required=False)
        if path is None:
            continue
        release = list_file(lists, pocket, "InRelease", required=False)
        date = parse_inrelease(release.read_text(encoding="utf-8")).get("Date") if release else None
        n = overlay(index, load_index(path))
        notes.append(f"{pocket} ({date}, {n} newer)")
    return index, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lists", type=Path, help="use an existing apt lists/ directory, do not fetch")
    ap.add_argument("--keep", type=Path, help="fetch into this directory and keep it (for --lists)")
    ap.add_argument("--out", type=Path, default=DATA / "debian.json")
    args = ap.parse_args(argv)
    curated = json.loads((DATA / "libraries.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="matrixhell-apt-") as tmp:
        if args.lists:
            lists = args.lists
        else:
            work = args.keep or Path(tmp)
            lists = apt_fetch(work, SUITES, sources=True)
        releases = []
        sources = []
        names: dict[str, str] = {}
        for suite in SUITES:
            info = parse_inrelease(need(list_file(lists, suite, "InRelease")).read_text(encoding="utf-8"))
            index, pockets = load_suite(lists, suite)
            releases.append(build_release(suite, info, index, curated["libraries"], curated["tools"]))
            names[suite] = "\n".join(sorted(index))
            extra = f" + {', '.join(pockets)}" if pockets else ""
            sources.append(f"{suite} ({info.get('Version')}, {info.get('Date')}){extra}")
            print(f"{suite}: {len(index)} packages, kept {len(releases[-1]['packages'])}", file=sys.stderr)
    provenance: dict[str, str] = {
        "source": f"Debian main {ARCH} Packages and InRelease files of "
        + "; ".join(sources)
        + ", fetched with apt-get update from the machine's configured Debian archive and its "
        "security archive (a pocket's higher version wins, as apt picks)",
        "retrieved": dt.date.today().isoformat(),
        "command": COMMAND,
        "method": "derived: runtime versions from the python3/nodejs/golang-go/... metapackages' "
        "Depends, library run-time packages from each -dev package's (= version) Depends; eol dates "
        "curated from Debian's LTS schedule",
    }
    doc = {"_provenance": provenance, "releases": releases}
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)", file=sys.stderr)
    names_doc = {
        "_provenance": dict(
            provenance,
            method="every binary package name of each release's main/amd64 Packages file, "
            "newline-separated, so has() can answer for any package (versions only in debian.json)",
        ),
        "releases": names,
    }
    names_out = args.out.with_name("debian-names.json.xz")
    names_out.write_bytes(lzma.compress(json.dumps(names_doc).encode("utf-8"), preset=9))
    print(f"wrote {names_out} ({names_out.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
