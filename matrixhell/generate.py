"""``matrixhell generate``: scan -> plan -> image specs -> rendered files in memory -> a safe write step.

Nothing is written until every file has been rendered and checked: a file whose first line is not the
generated-file marker belongs to the user and is never overwritten (unless ``force``); each write goes
to a temporary file in the same directory and is renamed over the old one, so a crash leaves either
the old or the new file, never half of one.  ``check`` compares instead of writing and returns unified
diffs of what is stale.  docs/generate.md describes the layout and every choice.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import posixpath
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixhell.config import load_overrides
from matrixhell.errors import InputError, MatrixhellError, UsageError
from matrixhell.model import Finding, Origin, Plan, ScanResult, Service, ServiceKind, Severity, Target
from matrixhell.model.image import ImageSpec, PinnedPackage, SourceFacts, SystemNeeds
from matrixhell.model.overrides import Overrides
from matrixhell.reporting import Reporter

if TYPE_CHECKING:
    from matrixhell.render.compose import ComposeEntry

__all__ = [
    "COMPOSE_NAMES",
    "FileState",
    "GeneratedFile",
    "Generation",
    "NeedsFn",
    "WriteReport",
    "generate",
    "plan_files",
    "write_files",
]

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OCI_DIR = ".matrixhell"
K8S_DIR = "k8s"
_COMPILED = frozenset({"go", "rust", "java", "dotnet"})

NeedsFn = Callable[[Service, Target], SystemNeeds]
PlanFn = Callable[[ScanResult], Plan]
ReadFn = Callable[[str], str | None]


class NoAnalyzerError(MatrixhellError):
    code = "no-analyzer"


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    path: str  # POSIX, relative to the output root
    text: str
    kind: str  # dockerfile | dockerignore | oci-config | compose | kubernetes
    service: str | None = None


@dataclass(frozen=True, slots=True)
class Generation:
    files: tuple[GeneratedFile, ...]
    specs: tuple[ImageSpec, ...]
    findings: tuple[Finding, ...]
    # services that got no image because of something in the repository to fix (a manifest that could
    # not be read, a start command that cannot run): the command exits 1 (docs/generate.md)
    not_generated: tuple[str, ...] = ()


class FileState:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    BLOCKED = "blocked"  # a file of the user's own is in the way


@dataclass
class WriteReport:
    states: list[tuple[str, str]] = field(default_factory=list)  # (path, FileState)
    diffs: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    not_generated: list[str] = field(default_factory=list)  # services left without an image (Generation)

    def paths(self, state: str) -> list[str]:
        return [p for p, s in self.states if s == state]

    @property
    def stale(self) -> bool:
        return any(s in (FileState.NEW, FileState.CHANGED) for _, s in self.states)

    @property
    def blocked(self) -> bool:
        """Something was left undone that the user has to fix: a file of their own in the way, or a
        service that got no image (``not_generated``).  The command exits 1 on it."""
        return bool(self.not_generated) or any(s == FileState.BLOCKED for _, s in self.states)


# -- needs: what the OS must provide ----------------------------------------------------------------------

def detected_needs(service: Service, target: Target) -> SystemNeeds:
    """The OS packages the scan itself found (an apt.txt, a hand-written Dockerfile's installs)."""
    manager = "apk" if target.distro == "alpine" else "apt"
    build = {p.name for p in service.system_packages if p.manager == manager and p.phase == "build"}
    run = {p.name for p in service.system_packages if p.manager == manager and p.phase != "build"}
    runtime = target.runtime or service.runtime_name()
    return SystemNeeds(
        build=tuple(PinnedPackage(n) for n in sorted(build)),
        run=tuple(PinnedPackage(n) for n in sorted(run)),
        compile=bool(build) or runtime in _COMPILED,
    )


# packages the recipes add themselves (compilers, node-gyp's tools, unzip for composer, phpize's tools)
_TOOLCHAIN = ("autoconf", "build-base", "build-essential", "dpkg", "dpkg-dev", "file", "g++", "gcc",
              "libc-dev", "make", "musl-dev", "pkg-config", "pkgconf", "python3", "re2c", "unzip")


def _pin(needs: SystemNeeds, versions: Callable[[str], str | None],
         extra: Sequence[str] = (), *, exact: bool = True) -> SystemNeeds:
    """``needs`` with the catalog's versions; ``exact`` False for a catalog that knows versions only to
    upstream precision (PinnedPackage.requirement then pins only what that allows)."""
    def pin(pkgs: tuple[PinnedPackage, ...]) -> tuple[PinnedPackage, ...]:
        return tuple(PinnedPackage(p.name, p.version or versions(p.name), exact) for p in pkgs)

    known = tuple((n, v) for n in sorted(set(_TOOLCHAIN) | set(extra)) if (v := versions(n)) is not None)
    return SystemNeeds(pin(needs.build), pin(needs.run), needs.compile, needs.reasons, known,
                       exact_versions=exact)


def _knowledge_needs() -> NeedsFn:
    """Needs from the knowledge layer (native-library map, distro catalog, wheel availability), merged
    with what the scan found; package versions pinned from the catalog.  Without the knowledge layer,
    only what the scan found."""
    try:
        from matrixhell.analyze import load_knowledge
        from matrixhell.knowledge.catalog import load_catalog
        from matrixhell.knowledge.syslibs import native_needs
    except ImportError:
        return detected_needs
    catalog = load_catalog()
    kn = load_knowledge(catalog)

    def needs(service: Service, target: Target) -> SystemNeeds:
        base = detected_needs(service, target)
        try:
            release = catalog.release(target.distro, target.release)
        except KeyError:
            return base  # a release the catalog does not know: what the scan found, unpinned
        build: set[str] = {p.name for p in base.build}
        run: set[str] = {p.name for p in base.run}
        reasons: list[str] = list(base.reasons)
        compile_ = base.compile
        python = _python_line(target)
        for pkg in service.packages:
            if pkg.scope.value != "main":
                continue
            nn = native_needs(pkg.ecosystem, pkg.name)
            if nn is None:
                continue
            # the release's glibc decides which manylinux wheels install (bullseye's 2.31 takes no _2_34)
            libc_version = getattr(release, "libc_version", "") or target.libc_version or None
            prebuilt = _prebuilt(kn, pkg, nn, python, target.libc, libc_version)
            if not prebuilt and (nn.libraries or nn.build_tools or nn.build_only_libraries):
                compile_ = True
                reasons.append(f"{pkg.name}: no prebuilt binary for this target, built from source")
                for lib in nn.build_libraries():
                    build.update(_library(release, lib).build)
                for tool in nn.build_tools:
                    build.update(release.tool_packages(tool))
            for lib in nn.run_libraries(prebuilt=prebuilt):
                run.update(_library(release, lib).run)
        if target.runtime == "python":
            # the official python images carry their own interpreter and headers under /usr/local:
            # the distro's python3-dev would install a second, different Python
            build = {n for n in build if not _DISTRO_PYTHON.match(n)}
        out = SystemNeeds(tuple(PinnedPackage(n) for n in sorted(build)),
                          tuple(PinnedPackage(n) for n in sorted(run)), compile_, tuple(reasons))
        return _pin(out, release.package_version, exact=bool(release.complete))

    return needs


_DISTRO_PYTHON = re.compile(r"^(lib)?python3(\.\d+)?(-dev|-minimal)?$")


def _python_line(target: Target) -> str | None:
    if target.runtime != "python" or not target.runtime_version:
        return None
    return ".".join(target.runtime_version.split(".")[:2])


def _library(release: Any, logical: str) -> Any:
    from matrixhell.knowledge.catalog import LibraryPackages

    try:
        return release.library_packages(logical)
    except KeyError:
        return LibraryPackages((), ())


def _prebuilt(kn: Any, pkg: Any, nn: Any, python: str | None, libc: str, libc_version: str | None = None) -> bool:
    """Whether the package installs as a prebuilt binary on the target (a wheel, a prebuilt gem/module).

    PyPI: the index's wheels decide, for the locked or pinned version (else the newest known); unknown
    counts as prebuilt, as pip would first try.  Other ecosystems: prebuilt when the package is known to
    bundle its libraries (sharp), else compiled on install (pg, bcrypt, nokogiri without a platform gem).
    """
    if pkg.ecosystem.value != "pypi":
        return bool(nn.wheel_bundles)
    if python is None or kn.has_wheel is None:
        return True
    version = pkg.locked
    if version is None and pkg.specifier.startswith("==") and "*" not in pkg.specifier:
        version = pkg.specifier[2:].split(",")[0].strip()
    if version is None and kn.versions_of is not None:
        try:
            known = kn.versions_of(pkg.name)
        except LookupError:
            known = []
        version = _newest([v for v, _ in known], pkg.specifier)
    if version is None:
        return True
    try:
        got = kn.has_wheel(pkg.name, version, python, libc, libc_version)
    except LookupError:
        return True
    return got is not False


def _newest(versions: list[str], specifier: str) -> str | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        spec = SpecifierSet()
    best: Version | None = None
    for v in versions:
        try:
            parsed = Version(v)
        except InvalidVersion:
            continue
        if parsed in spec and (best is None or parsed > best):
            best = parsed
    return str(best) if best is not None else None


# -- what the generator reads of a service's own files ---------------------------------------------------

# files a start command may be guessed from, per runtime, in the order they are tried (render.spec)
_ENTRY_CANDIDATES = ("main.py", "app.py", "server.py", "run.py", "manage.py", "server.js", "index.js",
                     "main.js", "app.js", "app.rb", "config.ru", "public/index.php", "index.php")
_GRADLE_APPLICATION = re.compile(
    r"""(?m)^\s*(?:application\s*(?:$|\{)|id\s*\(?\s*["']application["']|"""
    r"""apply\s*\(?\s*plugin\s*[:=]\s*["']application["'])""")
_GRADLE_SPRING = re.compile(r"""["']org\.springframework\.boot["']""")
_GRADLE_ROOT_NAME = re.compile(r"""rootProject\.name\s*=\s*["']([^"']+)["']""")


def source_facts(service: Service, read: ReadFn) -> SourceFacts:
    """Which entry files exist in the service's directory, its package.json build script and name, its
    Gradle plugins: facts the image needs that the scan does not keep."""
    import json

    base = _dir(service.path)
    present = tuple(rel for name in _ENTRY_CANDIDATES
                    if read(rel := _join(base, name)) is not None)
    build_script = package_name = None
    text = read(_join(base, "package.json"))
    if text is not None:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            scripts = data.get("scripts")
            if isinstance(scripts, dict) and isinstance(scripts.get("build"), str) and scripts["build"].strip():
                build_script = scripts["build"].strip()
            if isinstance(data.get("name"), str):
                package_name = data["name"]
    plugins: set[str] = set()
    project = None
    has_gradle = False
    for name in ("build.gradle.kts", "build.gradle"):
        gradle = read(_join(base, name))
        if gradle is None:
            continue
        has_gradle = True
        if _GRADLE_APPLICATION.search(gradle):
            plugins.add("application")
        if _GRADLE_SPRING.search(gradle):
            plugins.add("org.springframework.boot")
    gradle_files: list[str] = []
    for name in ("settings.gradle.kts", "settings.gradle", "gradle.properties"):
        text = read(rel := _join(base, name))
        if text is None:
            continue
        gradle_files.append(rel)  # the build reads them before the source is copied
        if project is None and name.startswith("settings") and (m := _GRADLE_ROOT_NAME.search(text)):
            project = m.group(1)
    if has_gradle:
        present += tuple(gradle_files)
    return SourceFacts(present, build_script, package_name, tuple(sorted(plugins)), project)


def _unreadable(service: Service, scan_findings: Sequence[Finding]) -> Finding | None:
    """The first error finding of a service the scan learned nothing usable about: its manifests could
    not be read, and it has no runtime and no packages.  Any image made for it would be a guess."""
    if service.runtimes or service.packages:
        return None
    errors = [f for f in (*service.findings, *scan_findings)
              if f.severity is Severity.ERROR and f.service == service.name]
    return errors[0] if errors else None


def _where(origin: Origin | None) -> str:
    if origin is None:
        return "a manifest"
    return f"{origin.path}:{origin.line}" if origin.line is not None else origin.path


# -- layout -----------------------------------------------------------------------------------------------

def _dir(path: str) -> str:
    p = posixpath.normpath(path or ".")
    return "." if p in ("", ".") else p


def _join(*parts: str) -> str:
    return posixpath.normpath(posixpath.join(*[p for p in parts if p not in ("", ".")] or ["."]))


def _analyzer_plan(scan: ScanResult) -> Plan:
    try:
        from matrixhell.analyze import analyze
    except ImportError as e:
        raise NoAnalyzerError(
            "generate needs the analyzer to choose each service's base image, and this installation "
            "has none", hint="install matrixhell with its analyzer (matrixhell.analyze)") from e
    return analyze(scan).plan


def _effective_target(target: Target, base: str) -> Target:
    """The target an overriding base image implies: its release, libc and runtime version."""
    from matrixhell.render.spec import parse_image_ref

    ref = parse_image_ref(base)
    rel = ref.release()
    out = target
    if rel is not None and rel[1]:
        distro, release = rel
        libc = "musl" if distro == "alpine" else "glibc"
        out = replace(out, distro=distro, release=release, libc=libc,
                      libc_version=out.libc_version if libc == target.libc else "")
    version = ref.version()
    if version and target.runtime and ref.name not in ("debian", "ubuntu", "alpine"):
        out = replace(out, runtime_version=version)
    return replace(out, base_image=base)


def _catalog_has() -> Callable[[str, str, str], bool | None] | None:
    try:
        from matrixhell.knowledge.catalog import load_catalog
    except ImportError:
        return None
    catalog = load_catalog()

    def has(distro: str, release: str, name: str) -> bool | None:
        try:
            return catalog.release(distro, release).has(name)
        except KeyError:
            return None

    return has


def _drift(service: Service, spec: ImageSpec, text: str) -> list[Finding]:
    """How a hand-written Dockerfile differs from the plan: base, release, missing packages, root user."""
    from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile
    from matrixhell.render.spec import parse_image_ref

    path = service.dockerfile or "Dockerfile"
    out: list[Finding] = []

    def warn(code: str, message: str, origin: Origin, hint: str | None = None,
             severity: Severity = Severity.WARNING) -> None:
        out.append(Finding(code, severity, message, origin=origin, hint=hint, service=service.name))

    try:
        df = parse_dockerfile(text, path)
        facts = analyze_dockerfile(df, target=service.compose.target if service.compose else None)
    except InputError as e:
        return [Finding(e.code, Severity.WARNING, e.message, origin=e.origin, service=service.name)]
    final = next((b for b in facts.base_images if b.final), None)
    if final is not None:
        theirs, ours = parse_image_ref(final.reference), parse_image_ref(spec.base_image)
        if theirs.repository != ours.repository or theirs.tag != ours.tag:
            warn("dockerfile-base-differs",
                 f"the Dockerfile builds on {final.reference}; the plan chose {spec.base_image}",
                 final.origin, hint="change FROM, or pin the plan with base = in matrixhell.toml")
        rt, ro = theirs.release(), ours.release()
        if rt and ro and rt != ro:
            warn("dockerfile-release-differs",
                 f"{final.reference} is {rt[0]} {rt[1] or '(unversioned)'}, the plan chose {ro[0]} {ro[1]}",
                 final.origin)
    installed = {p.name for p in facts.system_packages}
    needed = sorted(p.name for p in _final_packages(spec))
    missing = [n for n in needed if n not in installed]
    if missing:
        warn("dockerfile-missing-packages",
             f"the Dockerfile installs none of {', '.join(missing)}, which the plan says the service needs",
             Origin(path), hint="add them to its apt-get/apk line")
    user = image_user(facts.user or "", final.reference if final is not None else None)
    if user.root:
        warn("dockerfile-runs-as-root",
             "the image runs as root" + ("" if facts.user else " (no USER instruction)")
             + "; its Kubernetes Deployment sets no runAsNonRoot, so the pod starts as root",
             Origin(path), hint=f"add a non-root USER (the generated one uses {spec.user_spec()})")
    elif user.named:
        warn("dockerfile-user-not-numeric",
             f"USER {user.user} is a name: Kubernetes cannot verify runAsNonRoot against it, so its "
             "Deployment does not set it", Origin(path),
             hint=f"write the user's uid (USER {spec.user_spec()})", severity=Severity.INFO)
    if spec.healthcheck is not None and "HEALTHCHECK" not in {
        i.keyword for s in df.stages for i in s.instructions
    }:
        warn("dockerfile-no-healthcheck",
             f"no HEALTHCHECK although the service listens on {spec.healthcheck.port}",
             Origin(path), severity=Severity.INFO)
    return out


def nonroot_base(reference: str | None) -> bool:
    """Whether the base image runs as a non-root uid of its own when the Dockerfile sets no USER: a
    ``nonroot`` / ``debug-nonroot`` / ``*-nonroot`` tag (distroless: uid 65532), or a Chainguard image
    (``cgr.dev/chainguard/*``, non-root by default)."""
    if not reference:
        return False
    ref = reference.split("@", 1)[0]
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    return name.startswith("cgr.dev/chainguard/") or tag == "nonroot" or tag.endswith("-nonroot")


def image_user(user: str, base: str | None) -> Any:
    """Who an image of the user's own runs as (``render.kubernetes.ImageUser``)."""
    from matrixhell.render.kubernetes import ImageUser

    return ImageUser(user.strip(), nonroot_base(base))


def _handwritten_user(service: Service, text: str) -> Any:
    """The final stage's USER of a hand-written Dockerfile and its base, or None when it cannot be read."""
    from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile

    try:
        df = parse_dockerfile(text, service.dockerfile or "Dockerfile")
        facts = analyze_dockerfile(df, target=service.compose.target if service.compose else None)
    except InputError:
        return None
    final = next((b for b in facts.base_images if b.final), None)
    return image_user(facts.user or "", final.reference if final is not None else None)


def _final_packages(spec: ImageSpec) -> list[PinnedPackage]:
    from matrixhell.model.image import StepKind

    return [PinnedPackage(a.split("=")[0]) for s in spec.final.steps if s.kind is StepKind.PACKAGES
            for a in s.args]


def _compose_path(read: ReadFn) -> str:
    """``compose.yaml``, or the name of an earlier generated compose file; ``compose.matrixhell.yaml``
    when the repository has a compose file of its own."""
    from matrixhell.render.marker import is_generated

    for name in COMPOSE_NAMES:
        text = read(name)
        if text is not None:
            return name if is_generated(name, text) else "compose.matrixhell.yaml"
    return "compose.yaml"


def _dockerfile_path(service: Service, handwritten: bool, shared_dir: bool) -> str:
    hand = service.dockerfile
    context = _dir(service.path)
    if handwritten:  # --alongside: beside the user's own, never over it
        return _join(posixpath.dirname(hand or "Dockerfile"), "Dockerfile.matrixhell")
    if hand is not None:  # ours from an earlier run (a compose file names it): keep its place
        return hand
    if shared_dir:  # several services in one directory: one Dockerfile each
        return _join(context, f"{service.name}.Dockerfile")
    return _join(context, "Dockerfile")


def plan_files(
    scan: ScanResult,
    plan: Plan,
    overrides: Overrides,
    *,
    read: ReadFn,
    needs_fn: NeedsFn = detected_needs,
    only: Sequence[str] = (),
    alongside: bool = False,
    out_prefix: str = ".",
    project: str = "app",
    anchor: str = "/repo",
    has_package: Callable[[str, str, str], bool | None] | None = None,
) -> Generation:
    """Every file ``generate`` would write, rendered in memory.

    ``read(path)`` returns the current text of a repo-relative file (None when absent): it decides
    whether a Dockerfile is hand-written and where the compose file goes.  ``out_prefix`` is the output
    root relative to the repository ('.' writes beside the code).
    """
    from matrixhell.render.compose import ComposeEntry, render_compose
    from matrixhell.render.dockerfile import render_dockerfile
    from matrixhell.render.dockerignore import render_dockerignore
    from matrixhell.render.kubernetes import image_only, render_kubernetes
    from matrixhell.render.marker import is_generated
    from matrixhell.render.oci_config import render_oci_config
    from matrixhell.render.spec import NotGenerated, build_spec

    findings: list[Finding] = []
    # a conflict between two services is resolved by giving them separate environments; one inside a
    # service is not, and the image of that service is the plan's best effort
    errors = [c for c in plan.conflicts if c.severity is Severity.ERROR and not c.between_services]
    for c in errors:
        findings.append(Finding(
            "plan-has-conflicts", Severity.WARNING,
            f"the plan could not satisfy this service ({c.title}); its image follows the plan's best effort",
            service=c.subjects[0] if c.subjects else None, hint="see `matrixhell plan` for the causes"))
    names = {s.name for s in scan.services}
    for o in overrides.services:
        if o.name not in names:
            findings.append(Finding("override-unknown-service", Severity.WARNING,
                                    f"matrixhell.toml overrides {o.name!r}, which the scan did not find",
                                    origin=o.origin, hint="use a name `matrixhell scan` shows"))
    for name in only:
        if name not in names:
            raise UsageError(f"no service named {name!r}", hint="one of: " + ", ".join(sorted(names)))

    skipped = {s.name for s in scan.services if overrides.for_service(s.name).skip}
    for s in scan.services:
        if s.compose is None:
            continue
        for dep in s.compose.depends_on:
            if dep in skipped and s.name not in skipped:
                o = overrides.for_service(dep)
                findings.append(Finding("override-skips-dependency", Severity.WARNING,
                                        f"{dep} is skipped but {s.name} depends on it",
                                        origin=o.origin_of("skip"), service=s.name))

    built = [s for s in scan.services if s.kind is ServiceKind.BUILT and s.name not in skipped]
    # contexts shared by several generated Dockerfiles get one Dockerfile per service
    # a Procfile process on another service's image (api-worker on api's) gets no Dockerfile of its own
    shared = _shared_images(built, plan, overrides)
    built = [s if s.name in shared or s.image_from is None else replace(s, image_from=None) for s in built]
    built.sort(key=lambda s: s.name in shared)  # the image's own service first
    per_context: dict[str, int] = {}
    for s in built:
        if s.name not in shared:
            per_context[_dir(s.path)] = per_context.get(_dir(s.path), 0) + 1

    compose_path = _compose_path(read)
    repo_outputs = (compose_path, K8S_DIR, OCI_DIR)

    files: list[GeneratedFile] = []
    specs: list[ImageSpec] = []
    entries: list[ComposeEntry] = []
    own_images: set[str] = set()
    users: dict[str, Any] = {}  # service -> ImageUser of a hand-written Dockerfile
    not_generated: list[str] = []
    scan_findings = scan.all_findings()
    for service in built:
        selected = not only or service.name in only
        hand = service.dockerfile
        hand_text = read(hand) if hand else None
        handwritten = hand is not None and hand_text is not None and not is_generated(hand, hand_text)
        bad = _unreadable(service, scan_findings) if not handwritten else None
        if bad is not None:
            findings.append(Finding(
                "not-generated", Severity.ERROR,
                f"not generated: {_where(bad.origin)} could not be read; fix it and run generate again",
                service=service.name,
                hint="`matrixhell scan` shows what is wrong with it"))
            not_generated.append(service.name)
            continue
        target = plan.target_of(service.name)
        if target is None:
            findings.append(Finding("no-target", Severity.WARNING,
                                    "the plan chose no target for this service, so no image is generated",
                                    service=service.name, hint="see `matrixhell plan` for why"))
            continue
        override = overrides.for_service(service.name)
        effective, missing = target, tuple[str, ...]()
        if override.base:
            effective = _effective_target(target, override.base)
            if effective != target and has_package is not None:
                # what the plan's target needed, that the override's release does not have
                missing = tuple(p.name for p in needs_fn(service, target).run
                                if has_package(effective.distro, effective.release, p.name) is False)
        facts = source_facts(service, read)
        own_image = not (handwritten and not alongside)  # False: the user's Dockerfile builds it
        try:
            spec = build_spec(service, effective, needs_fn(service, effective), override,
                              missing_packages=missing, source=facts, widen_context=own_image)
            if effective != target:  # the findings compare the override with the plan's choice
                spec = replace(spec, findings=build_spec(service, target, needs_fn(service, target), override,
                                                         missing_packages=missing, source=facts,
                                                         widen_context=own_image).findings)
        except NotGenerated as e:
            if own_image:
                findings.append(e.finding)
                not_generated.append(service.name)
                continue
            # the user's own Dockerfile builds and starts it; the plan is kept for compose, Kubernetes
            # and the drift report only, so a start the generator could not choose does not matter
            spec = build_spec(service, effective, needs_fn(service, effective), override,
                              missing_packages=missing, source=facts, strict=False, widen_context=False)
        except ValueError as e:
            findings.append(Finding("no-recipe", Severity.WARNING, f"no image generated: {e}",
                                    service=service.name,
                                    hint="give it a start command and runtime, or skip = true"))
            continue
        owner = next((e for e in entries if e.service.name == shared.get(service.name)), None)
        if owner is not None:
            # that service's image (and its findings), this service's command
            specs.append(spec)
            entries.append(ComposeEntry(service, spec, owner.dockerfile, handwritten=owner.handwritten))
            continue
        if service.image_from is not None:
            service = replace(service, image_from=None)  # its image's service was not generated
            shared.pop(service.name, None)
        findings.extend(spec.findings)
        context = _dir(service.path)
        if handwritten and hand_text is not None:
            findings.extend(_drift(service, spec, hand_text))
            user = _handwritten_user(service, hand_text)
            if user is not None:
                users[service.name] = user
        if handwritten and not alongside:
            specs.append(spec)
            entries.append(ComposeEntry(service, spec, hand, handwritten=True))
            if selected and only:  # a full run says so through the compose file it writes
                findings.append(_kept(service, hand))
            continue
        dockerfile = _dockerfile_path(service, handwritten, per_context.get(context, 0) > 1)
        build_context = spec.context  # a workspace member builds from the workspace root
        # BuildKit reads <context>/.dockerignore, or <Dockerfile>.dockerignore beside any other Dockerfile
        # (with --out the Dockerfile is outside the context: only the second form reaches BuildKit)
        ignore = (_join(build_context, ".dockerignore")
                  if dockerfile == _join(build_context, "Dockerfile") and out_prefix == "."
                  else dockerfile + ".dockerignore")
        specs.append(spec)
        own_images.add(service.name)
        entries.append(ComposeEntry(service, spec, _join(out_prefix, dockerfile)))
        if not selected:
            continue
        # the generated files inside this build context stay out of it
        generated_names = sorted({rel for p in (dockerfile, ignore, *repo_outputs)
                                  if not (rel := posixpath.relpath(p, build_context)).startswith("..")})
        files.append(GeneratedFile(_join(out_prefix, dockerfile), render_dockerfile(spec), "dockerfile",
                                   service.name))
        files.append(GeneratedFile(_join(out_prefix, ignore),
                                   render_dockerignore(spec.runtime, tuple(generated_names)),
                                   "dockerignore", service.name))
        files.append(GeneratedFile(_join(out_prefix, OCI_DIR, service.name, "config.json"),
                                   render_oci_config(spec), "oci-config", service.name))

    for service in scan.services:
        if service.kind is ServiceKind.EXTERNAL and service.name not in skipped:
            entries.append(ComposeEntry(service))
            if service.name in only:
                findings.append(Finding(
                    "image-only-service", Severity.INFO,
                    f"runs the image {service.image or '(unnamed)'}: there is nothing to build, so no "
                    "Dockerfile is written for it", service=service.name,
                    hint="it appears in the compose file of a full run"))
    for name in only:
        if name in skipped:
            o = overrides.for_service(name)
            findings.append(Finding("skipped-by-override", Severity.INFO,
                                    f"{name} has skip = true, so nothing is generated for it",
                                    origin=o.origin_of("skip"), service=name))

    _port_collisions(entries, findings)
    findings.extend(_withheld_secrets(s) for s in scan.services if s.name not in skipped and _withheld(s))
    repo_files = [GeneratedFile(_join(out_prefix, compose_path), render_compose(entries, out_prefix, anchor),
                                "compose")]
    workloads = [w for e in entries if e.spec is None
                 if (w := image_only(e.service, scan.services)) is not None]
    for name, text in render_kubernetes(specs, project, frozenset(own_images), shared, users,
                                        _env_values(scan.services), workloads).items():
        repo_files.append(GeneratedFile(_join(out_prefix, K8S_DIR, name), text, "kubernetes"))
    if not only:
        files.extend(repo_files)
    else:
        # the repository-wide files describe every service: --only leaves them as they are, and says
        # which of them a full run would change
        stale = sorted(f.path for f in repo_files if read(f.path) != f.text)
        if stale:
            named = ", ".join(stale[:3]) + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
            findings.append(Finding(
                "kept-with-only", Severity.INFO,
                f"--only leaves the repository-wide files as they are; a full run would write {named}",
                hint="run generate without --only to refresh them"))
        findings = [f for f in findings if f.service is None or f.service in only]
    files.sort(key=lambda f: f.path)
    return Generation(tuple(files), tuple(specs), tuple(findings), tuple(not_generated))


def _withheld(service: Service) -> list[str]:
    return [v.key for v in (service.compose.env if service.compose else ()) if v.secret]


def _withheld_secrets(service: Service) -> Finding:
    keys = _withheld(service)
    cs = service.compose
    origin = next((v.origin for v in cs.env if v.secret), None) if cs else None
    return Finding("compose-secret-withheld", Severity.INFO,
                   f"{', '.join(keys)} {'has a value' if len(keys) == 1 else 'have values'} that may be a "
                   "credential: the generated compose file passes "
                   f"{'it' if len(keys) == 1 else 'them'} through from the environment instead of copying "
                   f"{'it' if len(keys) == 1 else 'them'}, and Kubernetes reads "
                   f"{'it' if len(keys) == 1 else 'them'} from the {service.name}-env Secret",
                   origin=origin, service=service.name,
                   hint="set the value in .env or the environment and write ${NAME} in the compose file")


def _env_values(services: Sequence[Service]) -> dict[str, dict[str, str]]:
    """Service -> the literal environment values its compose file gives (no variables, no env_file
    keys, never a secret: the scan keeps none), which Kubernetes can set as they are."""
    out: dict[str, dict[str, str]] = {}
    for s in services:
        cs = s.compose
        if cs is None:
            continue
        files = {f.path for f in cs.env_files}
        values = {v.key: v.value for v in cs.env
                  if v.value is not None and "$" not in v.value and v.origin.path not in files}
        if values:
            out[s.name] = values
    return out


def _kept(service: Service, hand: str | None) -> Finding:
    return Finding("kept-hand-written", Severity.INFO,
                   f"{hand} has no matrixhell header: it is the service's own Dockerfile, so it was kept "
                   "and no Dockerfile is generated", origin=Origin(hand) if hand else None,
                   service=service.name,
                   hint="--alongside also writes Dockerfile.matrixhell beside it")


def _shared_images(built: Sequence[Service], plan: Plan, overrides: Overrides) -> dict[str, str]:
    """Service -> the service whose image it runs with its own command (``Service.image_from``), when
    that one is generated too, on the same target, with the same base, OS packages and uid."""
    names = {s.name for s in built}
    out: dict[str, str] = {}
    for s in built:
        owner = s.image_from
        if owner is None or owner not in names or plan.target_of(s.name) != plan.target_of(owner):
            continue
        mine, theirs = overrides.for_service(s.name), overrides.for_service(owner)
        if (mine.base, mine.system_packages, mine.uid) == (theirs.base, theirs.system_packages, theirs.uid):
            out[s.name] = owner
    return out


def _port_collisions(entries: Sequence[ComposeEntry], findings: list[Finding]) -> None:
    from matrixhell.render.compose import published_ports

    seen: dict[int, str] = {}
    for name, pairs in sorted(published_ports(entries).items()):
        for _, host in pairs:
            if host in seen:
                findings.append(Finding("published-port-clash", Severity.WARNING,
                                        f"{name} and {seen[host]} both publish host port {host}",
                                        service=name,
                                        hint="change one of them in the compose file or matrixhell.toml"))
            else:
                seen[host] = name


# -- the write step ---------------------------------------------------------------------------------------

def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "\x00"  # unreadable: treated as the user's (never marked)


def write_files(root: Path, files: Sequence[GeneratedFile], *, force: bool = False, check: bool = False,
                dry_run: bool = False) -> WriteReport:
    """Compare and (unless ``check`` or ``dry_run``) write ``files`` under ``root``.

    Every file is examined first; only then are the new and changed ones written, each atomically.
    """
    from matrixhell.render.marker import is_generated

    report = WriteReport()
    todo: list[tuple[Path, GeneratedFile]] = []
    root_real = root.resolve()
    for f in files:
        dest = root / f.path
        try:
            dest.resolve().relative_to(root_real)
        except ValueError as e:
            raise InputError(f"refusing to write {f.path}: it resolves outside {root}",
                             origin=Origin(f.path), hint="remove the symlink") from e
        if dest.is_dir():
            raise InputError(f"{f.path} is a directory", origin=Origin(f.path), hint="move it away")
        for parent in dest.parents:
            if parent == root or root_real == parent.resolve():
                break
            if parent.exists() and not parent.is_dir():
                raise InputError(f"{parent.relative_to(root)} is a file, not a directory",
                                 origin=Origin(f.path), hint="move it away")
        current = _read(dest)
        if current is None:
            state = FileState.NEW
        elif not is_generated(f.path, current) and not force:
            state = FileState.BLOCKED
            report.findings.append(Finding(
                "file-not-generated", Severity.WARNING,
                f"{f.path} exists without the matrixhell header, so it was left alone",
                origin=Origin(f.path, 1), service=f.service,
                hint="remove it, or run with --force to replace it"))
        elif current == f.text:
            state = FileState.UNCHANGED
        else:
            state = FileState.CHANGED
        report.states.append((f.path, state))
        if state in (FileState.NEW, FileState.CHANGED):
            if check:
                report.diffs.append("".join(difflib.unified_diff(
                    (current or "").splitlines(keepends=True), f.text.splitlines(keepends=True),
                    fromfile=f"a/{f.path}" if current is not None else "/dev/null", tofile=f"b/{f.path}")))
            todo.append((dest, f))
    if check or dry_run:
        return report
    for dest, f in todo:
        try:
            _atomic_write(dest, f.text)
        except OSError as e:
            raise InputError(f"cannot write {f.path}: {e.strerror or e}", origin=Origin(f.path),
                             code="unwritable", hint="check the directory's permissions and free space") from e
        report.written.append(f.path)
    return report


def generate(
    path: Path,
    *,
    out: Path | None = None,
    check: bool = False,
    force: bool = False,
    dry_run: bool = False,
    only: Sequence[str] = (),
    alongside: bool = False,
    plan_fn: PlanFn | None = None,
    needs_fn: NeedsFn | None = None,
    reporter: Reporter | None = None,
) -> tuple[Generation, WriteReport]:
    """Scan the repository at ``path``, plan it, render every file and write (or check) them."""
    from matrixhell.detect.repoview import FsRepoView
    from matrixhell.detect.scan import scan_repo

    rep = reporter or Reporter()
    root = path.resolve()
    view = FsRepoView(path)  # a path that is not a directory is the one-line error every command gives
    # the scan leaves out the files generate wrote before: outputs, never inputs (matrixhell.marker)
    scan = scan_repo(view, reporter=rep)
    if not scan.services:
        raise InputError(f"no services found in {path}: nothing was generated", code="no-services",
                         hint="point generate at a repository whose services have a manifest, such as "
                              "requirements.txt, package.json or go.mod, or a compose file")
    overrides = load_overrides(root)
    rep.step("planning")
    plan = (plan_fn or _analyzer_plan)(scan)
    out_root = (out if out.is_absolute() else Path.cwd() / out).resolve() if out is not None else root
    if out_root.exists() and not out_root.is_dir():
        raise InputError(f"{out}: not a directory", code="not-a-directory",
                         hint="give --out a directory (it is created when missing)")
    prefix = Path(os.path.relpath(out_root, root)).as_posix()
    rep.step("rendering")

    def read(rel: str) -> str | None:
        return _read(root / rel)

    gen = plan_files(scan, plan, overrides, read=read, needs_fn=needs_fn or _knowledge_needs(),
                     only=only, alongside=alongside, out_prefix=prefix, project=root.name,
                     anchor=root.as_posix(), has_package=_catalog_has())
    # paths in the generation are relative to the repository root; write relative to it
    report = write_files(root, gen.files, force=force, check=check, dry_run=dry_run) if prefix == "." \
        or not prefix.startswith("..") else write_files(
            out_root, [GeneratedFile(posixpath.relpath(f.path, prefix), f.text, f.kind, f.service)
                       for f in gen.files], force=force, check=check, dry_run=dry_run)
    report.findings[:0] = list(gen.findings)
    report.not_generated = list(gen.not_generated)
    return gen, report
