"""Discovery on random trees (Hypothesis): it never raises, is deterministic, never takes a service in
an ignored or always-skipped directory, and every service it takes exists."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixhell.detect.apt import AptDetector
from matrixhell.detect.base import DetectContext, Detector
from matrixhell.detect.dockerfile import DockerfileDetector
from matrixhell.detect.procfile import ProcfileDetector
from matrixhell.detect.repoview import ALWAYS_SKIPPED, MemoryRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.model import Detection, Ecosystem, Origin, PackageReq, ScanResult, Scope, ServiceKind, StartCommand


class IniDetector:
    """``app.ini`` lines: ``dep X``, ``dev X``, ``path REL``, ``start CMD``."""

    name = "ini"
    markers = ("app.ini",)

    def applies(self, ctx: DetectContext) -> bool:
        return ctx.has("app.ini")

    def detect(self, ctx: DetectContext) -> Detection:
        path = ctx.path("app.ini")
        packages: list[PackageReq] = []
        starts: list[StartCommand] = []
        for n, line in enumerate(ctx.view.read_text(path).splitlines(), 1):
            kind, _, arg = line.partition(" ")
            o = Origin(path, n)
            if kind in ("dep", "dev") and arg:
                scope = Scope.DEV if kind == "dev" else Scope.MAIN
                packages.append(PackageReq(Ecosystem.PYPI, arg, origin=o, scope=scope))
            elif kind == "path" and arg:
                packages.append(PackageReq(Ecosystem.PYPI, "lib", origin=o, url=arg, editable=True))
            elif kind == "start":
                starts.append(StartCommand(o, "ini-start", shell=arg or "run", precedence=40))
        return Detection(self.name, packages=tuple(packages), start_commands=tuple(starts), files=(path,))


DETECTORS: list[Detector] = [IniDetector(), DockerfileDetector(), ProcfileDetector(), AptDetector()]
IGNORED = "private"  # every tree's .gitignore names it

DIRS = [
    "api",
    "web",
    "lib",
    "tests",
    "docs",
    "node_modules",
    ".venv",
    ".hidden",
    "migrations",
    IGNORED,
    "svc",
    "generated",
    "packages",
]
CONTENT = {
    "app.ini": [
        "dep flask\n",
        "dev pytest\n",
        "start gunicorn app\n",
        "path ../lib\n",
        "dep x\nstart y\n",
        b"\xff\xfe",
        "",
    ],
    "Dockerfile": [
        "FROM python:3.11\nEXPOSE 8000\n",
        "FROM node:20 AS b\nFROM b\nCMD x\n",
        "RUN x\n",
        b"\x00\x01",
        "FROM alpine\nRUN apk add --virtual .d gcc && apk del .d\n",
        "FROM ${X:-python:3.9}\n",
    ],
    "compose.yaml": [
        "services:\n  web:\n    build: web\n",
        "services:\n  api:\n    build: ../api\n",
        "services:\n  db:\n    image: postgres\n",
        "services: [\n",
        "services:\n  a:\n    build:\n      context: .\n      dockerfile: ${DF}\n",
        f"services:\n  p:\n    build: {IGNORED}\n",
        "services:\n  n:\n    build: node_modules/x\n",
        "include: [compose.yaml]\n",
    ],
    "Procfile": ["web: gunicorn app\n", "nonsense\n"],
    "apt.txt": ["libpq5\n", "curl; rm -rf /\n"],
    "package.json": ['{"name": "lib"}', "{bad"],
    "pom.xml": [
        "<project><packaging>pom</packaging><modules><module>api</module><module>../x</module></modules></project>",
        "<project><artifactId>lib</artifactId></project>",
        "<bad",
    ],
    "settings.gradle": ["include ':api', ':web', ':lib:x'\n", "include(\n", "/* open"],
}


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {".gitignore": f"{IGNORED}/\n"}
    for _ in range(draw(st.integers(1, 12))):
        parts = draw(st.lists(st.sampled_from(DIRS), max_size=3))
        name = draw(st.sampled_from(sorted(CONTENT)))
        content = draw(st.sampled_from(CONTENT[name]))
        files["/".join([*parts, name])] = content
    return files


def _scan(files: dict[str, str | bytes]) -> ScanResult:
    return scan_repo(MemoryRepoView(files), detectors=DETECTORS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_discovery_on_random_trees(files: dict[str, str | bytes]) -> None:
    view = MemoryRepoView(files)
    result = scan_repo(view, detectors=DETECTORS)
    assert result == _scan(dict(files)), "the same tree must scan the same"
    names = [s.name for s in result.services]
    assert names == sorted(names) and len(set(names)) == len(names)
    for s in result.services:
        parts = [] if s.path == "." else s.path.split("/")
        assert not set(parts) & ALWAYS_SKIPPED, s
        assert IGNORED not in parts, s
        assert s.path == "." or view.is_dir(s.path), s
        if s.kind is ServiceKind.BUILT and s.discovered_by != "compose":
            assert not any(p.startswith(".") for p in parts), s
            assert not {"tests", "docs", "migrations", "generated"} & set(parts), s
        for m in s.members:
            assert view.is_dir(m)
    taken = {s.path for s in result.services if s.discovered_by != "compose"}
    assert not taken & {k.path for k in result.skipped}


LINK_TARGETS = ["..", ".", "../..", "/etc", "api", "missing", "web/Dockerfile"]


@st.composite
def fs_trees(draw: st.DrawFn) -> tuple[dict[str, str | bytes], list[tuple[str, str]]]:
    files = draw(trees())
    links = []
    for _ in range(draw(st.integers(0, 4))):
        parts = draw(st.lists(st.sampled_from(["api", "web", "svc", "lib"]), max_size=2))
        name = draw(st.sampled_from(["link", "Dockerfile", "app.ini", "loop"]))
        links.append(("/".join([*parts, name]), draw(st.sampled_from(LINK_TARGETS))))
    return files, links


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fs_trees())
def test_discovery_on_random_real_trees_with_symlinks(
    case: tuple[dict[str, str | bytes], list[tuple[str, str]]],
) -> None:
    import os
    import tempfile
    from pathlib import Path

    from matrixhell.detect.repoview import FsRepoView

    files, links = case
    with tempfile.TemporaryDirectory(prefix="mh-disc-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        for rel, content in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.is_dir():
                continue
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
        for rel, target in links:
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists() and not p.is_symlink():
                os.symlink(target, p)
        first = scan_repo(FsRepoView(root), detectors=DETECTORS)
        again = scan_repo(FsRepoView(root), detectors=DETECTORS)
        assert first == again
        real_root = root.resolve()
        for s in first.services:
            full = (root / s.path).resolve()
            assert full == real_root or real_root in full.parents, s
            assert full.is_dir(), s
            for f in s.files:
                assert real_root in (root / f).resolve().parents, f
