"""Java and Kotlin on the JVM: pom.xml (Maven) and build.gradle / build.gradle.kts (Gradle).

Runtime sources, best first: a Gradle toolchain (``languageVersion``, ``jvmToolchain``: the JDK the build
uses, ``==17.*``), ``maven.compiler.release``, ``java.version``, the compiler plugin's ``<release>``,
``maven.compiler.source``/``target`` and Gradle's ``sourceCompatibility``/``targetCompatibility``
(bytecode levels, which any newer JDK runs: ``>=17``).  ``1.8`` is Java 8.  Both build tools' packages
are Maven coordinates ``group:artifact`` (Ecosystem.MAVEN).  Spring Boot listens on 8080.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable

from matrixhell.detect._facts import Facts, has_marker, nearest, read_or_note, read_text_or_note
from matrixhell.detect._gradle import GradleBuild, parse_gradle
from matrixhell.detect._parsecache import memo
from matrixhell.detect._tomllines import load_toml
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect._xmllines import XmlElement, load_xml
from matrixhell.detect.base import DetectContext, join
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope, StartCommand

__all__ = ["JavaDetector", "java_major"]

_PROP = re.compile(r"\$\{([^}]+)\}")
_WRAPPER = re.compile(r"gradle-(\d+(?:\.\d+)*)-(?:bin|all)\.zip")
_SPRING = "org.springframework.boot"
_WEB_STARTERS = (":spring-boot-starter-web", ":spring-boot-starter-webflux")


def java_major(text: str) -> int | None:
    """``1.8`` -> 8, ``17`` -> 17, ``21.0.1`` -> 21, ``VERSION_1_8`` style already split by the caller."""
    parts = text.strip().strip("\"'").split(".")
    try:
        nums = [int(p) for p in parts if p]
    except ValueError:
        return None
    if not nums:
        return None
    if nums[0] == 1 and len(nums) > 1:
        return nums[1]
    return nums[0]


def _gradle(view: RepoView, path: str) -> GradleBuild:
    return parse_gradle(view.read_text(path), path)


class JavaDetector:
    name = "java"
    markers = ("pom.xml", "build.gradle", "build.gradle.kts")

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("java")
        aggregator = False
        if ctx.has("pom.xml"):
            root = read_or_note(facts, ctx.view, ctx.path("pom.xml"), load_xml)
            if root is not None:
                self._pom(facts, ctx, root, ctx.path("pom.xml"))
                aggregator = (root.findtext("packaging") or "jar") == "pom"
        for name in ("build.gradle.kts", "build.gradle"):
            if ctx.has(name):
                build = read_or_note(facts, ctx.view, ctx.path(name), _gradle)
                if build is not None:
                    # the Kotlin DSL says nothing of the sources: the Kotlin plugin or stdlib does
                    self._gradle(facts, ctx, build, ctx.path(name))
        self._wrapper(facts, ctx)
        read_version_managers(facts, ctx, "java", ("java",), 16)
        # a <packaging>pom</packaging> parent or aggregator builds nothing to run, whatever it inherits
        if "spring-boot" in facts.frameworks and not aggregator:
            origin = next(
                (p.origin for p in facts.packages if p.name.startswith(_SPRING)),
                Origin(ctx.path(next(iter(sorted(ctx.files & set(self.markers)))))),
            )
            facts.default_port(8080, origin, "spring-boot")
            facts.start_commands.append(
                StartCommand(
                    origin,
                    "spring-boot-jar",
                    argv=("java", "-jar", "/app/app.jar"),
                    # a web starter makes it a server for sure; a bare Spring Boot app may be a batch job
                    precedence=42 if any(p.name.endswith(_WEB_STARTERS) for p in facts.packages) else 45,
                )
            )
        return facts.detection()

    # -- Maven ---------------------------------------------------------------------------------------

    def _runtime(self, facts: Facts, raw: str, source: str, origin: Origin, precedence: int, exact: bool) -> None:
        major = java_major(raw)
        if major is None:
            facts.note(
                "unreadable-version",
                f"{raw!r} is not a Java version",
                origin,
                hint="write a release number such as 17",
            )
            return
        spec = f"=={major}.*" if exact else f">={major}"
        facts.runtimes.append(RuntimeReq("java", spec, raw, source, origin, precedence))

    def _parents(self, facts: Facts, ctx: DetectContext, root: XmlElement, path: str) -> list[tuple[str, XmlElement]]:
        """The parent POMs found in the repository (``<relativePath>``, by default ``../pom.xml``), nearest
        first; a module of a multi-module build takes its Java level and managed versions from them."""
        out: list[tuple[str, XmlElement]] = []
        cur, cur_path = root, path
        for _ in range(8):
            parent = cur.find("parent")
            if parent is None:
                break
            rel = parent.findtext("relativePath")
            if rel == "":  # an explicit empty relativePath: the parent comes from a repository only
                break
            cand = posixpath.normpath(join(posixpath.dirname(cur_path), rel or "../pom.xml"))
            if not cand.endswith(".xml"):
                cand = join(cand, "pom.xml")
            if cand.startswith(("../", "/")) or cand == ".." or not ctx.view.is_file(cand):
                break
            try:
                proot = memo(ctx.view, "xml", cand, functools.partial(load_xml, ctx.view, cand))
            except InputError:
                break  # reported where that POM is a service of its own
            if proot.tag != "project" or proot.findtext("artifactId") != parent.findtext("artifactId"):
                break
            out.append((cand, proot))
            facts.files.append(cand)
            cur, cur_path = proot, cand
        return out

    def _pom(self, facts: Facts, ctx: DetectContext, root: XmlElement, path: str) -> None:
        if root.tag != "project":
            facts.note(
                "bad-manifest",
                "pom.xml has no <project> root",
                Origin(path, root.line),
                severity=Severity.ERROR,
                hint="the root element of a POM is <project>",
            )
            return
        props: dict[str, tuple[str, Origin]] = {}
        parents = self._parents(facts, ctx, root, path)
        for ppath, proot in reversed(parents):  # the farthest first, so nearer ones override
            pe = proot.find("properties")
            for prop in pe.children if pe is not None else ():
                props[prop.tag] = (prop.text.strip(), Origin(ppath, prop.line))
        for key in ("groupId", "artifactId", "version"):
            el = root.find(key)
            if el is not None:
                props[f"project.{key}"] = (el.text.strip(), Origin(path, el.line))
        parent = root.find("parent")
        if parent is not None:
            for key in ("groupId", "artifactId", "version"):
                el = parent.find(key)
                if el is not None:
                    props[f"project.parent.{key}"] = (el.text.strip(), Origin(path, el.line))
                    props.setdefault(f"project.{key}", (el.text.strip(), Origin(path, el.line)))
        pe = root.find("properties")
        for prop in pe.children if pe is not None else ():
            props[prop.tag] = (prop.text.strip(), Origin(path, prop.line))

        def sub(text: str, depth: int = 0) -> str:
            if depth > 10:
                return text
            out = _PROP.sub(lambda m: props[m.group(1)][0] if m.group(1) in props else m.group(0), text)
            return sub(out, depth + 1) if out != text and "${" in out else out

        for key, source, prec in (
            ("maven.compiler.release", "maven-compiler-release", 20),
            ("java.version", "maven-java-version", 25),
            ("maven.compiler.source", "maven-compiler-source", 30),
            ("maven.compiler.target", "maven-compiler-target", 31),
        ):
            if key in props:
                value, origin = props[key]
                self._runtime(facts, sub(value), source, origin, prec, exact=False)
        for plugin in root.path("build", "plugins", "plugin"):
            aid = plugin.findtext("artifactId") or ""
            gid = plugin.findtext("groupId") or ""
            if aid == "maven-compiler-plugin":
                conf = plugin.find("configuration")
                for key, prec in (("release", 22), ("source", 32)):
                    el = conf.find(key) if conf is not None else None
                    if el is not None and el.text.strip():
                        self._runtime(
                            facts,
                            sub(el.text.strip()),
                            f"maven-compiler-plugin-{key}",
                            Origin(path, el.line),
                            prec,
                            exact=False,
                        )
            elif aid == "spring-boot-maven-plugin":
                facts.framework("spring-boot")
            elif gid == "org.jetbrains.kotlin" or aid == "kotlin-maven-plugin":
                facts.language("kotlin")
        if parent is not None and not parents:  # a parent POM of this repository is read, not fetched
            gid, aid = parent.findtext("groupId") or "", parent.findtext("artifactId") or ""
            version = sub(parent.findtext("version") or "")
            facts.packages.append(
                PackageReq(
                    Ecosystem.MAVEN,
                    f"{gid}:{aid}",
                    version,
                    Origin(path, parent.line),
                    locked=version or None,
                    group="parent",
                )
            )
            if gid == _SPRING:
                facts.framework("spring-boot")
        elif parent is not None and (parent.findtext("groupId") or "") == _SPRING:
            facts.framework("spring-boot")
        managed: dict[str, str] = {}  # group:artifact -> version the parents' dependencyManagement sets
        for _, proot in parents:
            for dep in proot.path("dependencyManagement", "dependencies", "dependency"):
                key = f"{sub(dep.findtext('groupId') or '')}:{sub(dep.findtext('artifactId') or '')}"
                managed.setdefault(key, sub(dep.findtext("version") or ""))
            pparent = proot.find("parent")
            if pparent is not None and (pparent.findtext("groupId") or "") == _SPRING:
                facts.framework("spring-boot")
        for dep in root.path("dependencyManagement", "dependencies", "dependency"):
            self._pom_dep(facts, dep, path, sub, managed=True)
        modules = _reactor_modules(ctx.view, [(path, root), *parents])
        for dep in root.path("dependencies", "dependency"):
            self._pom_dep(facts, dep, path, sub, managed=False, inherited=managed, modules=modules)

    def _pom_dep(
        self,
        facts: Facts,
        dep: XmlElement,
        path: str,
        sub: Callable[[str], str],
        *,
        managed: bool,
        inherited: dict[str, str] | None = None,
        modules: dict[str, str] | None = None,
    ) -> None:
        gid = sub(dep.findtext("groupId") or "")
        aid = sub(dep.findtext("artifactId") or "")
        origin = Origin(path, dep.line)
        if not gid or not aid:
            facts.note(
                "bad-manifest",
                "a <dependency> needs groupId and artifactId",
                origin,
                hint="give the dependency a <groupId> and an <artifactId>",
            )
            return
        version = sub(dep.findtext("version") or "") or (inherited or {}).get(f"{gid}:{aid}", "")
        if "${" in version:
            facts.note(
                "unresolved-property",
                f"{gid}:{aid} version {version} names an undefined property",
                origin,
                hint="define it in <properties> (parent POMs are not read)",
                severity=Severity.INFO,
            )
        scope = (dep.findtext("scope") or "compile").strip()
        if managed:
            if (dep.findtext("type") or "") == "pom" and scope == "import":
                facts.packages.append(
                    PackageReq(Ecosystem.MAVEN, f"{gid}:{aid}", version, origin, group="bom", locked=version or None)
                )
                if gid == _SPRING:
                    facts.framework("spring-boot")
            return
        s = {"test": Scope.DEV, "provided": Scope.BUILD, "system": Scope.BUILD}.get(scope, Scope.MAIN)
        if (dep.findtext("optional") or "").strip() == "true" and s is Scope.MAIN:
            s = Scope.OPTIONAL
        module = (modules or {}).get(f"{gid}:{aid}")
        if module is not None:
            # a module of the same build: built from its directory, not fetched, so neither a version
            # requirement nor a lock
            rel = posixpath.relpath(module or ".", posixpath.dirname(path) or ".")
            url = rel if rel.startswith(".") else f"./{rel}"  # a path, as Cargo's path = "../core"
            facts.packages.append(PackageReq(Ecosystem.MAVEN, f"{gid}:{aid}", "", origin, url=url, scope=s))
            return
        facts.packages.append(
            PackageReq(
                Ecosystem.MAVEN,
                f"{gid}:{aid}",
                version,
                origin,
                locked=version if version and "${" not in version and not version.startswith(("[", "(")) else None,
                scope=s,
                group=scope if scope != "compile" else None,
            )
        )
        if gid == _SPRING and s is Scope.MAIN:
            facts.framework("spring-boot")
        if gid == "org.jetbrains.kotlin":
            facts.language("kotlin")

    # -- Gradle --------------------------------------------------------------------------------------

    def _gradle(self, facts: Facts, ctx: DetectContext, build: GradleBuild, path: str) -> None:
        if build.toolchain is not None:
            raw, line = build.toolchain
            self._runtime(facts, raw, "gradle-toolchain", Origin(path, line), 15, exact=True)
        for which, raw, line in build.compatibility:
            source = {
                "sourceCompatibility": "gradle-source-compatibility",
                "targetCompatibility": "gradle-target-compatibility",
            }.get(which, "gradle-kotlin-jvm-target")
            prec = {"gradle-source-compatibility": 30, "gradle-target-compatibility": 31}.get(source, 32)
            self._runtime(facts, raw, source, Origin(path, line), prec, exact=False)
        for plugin in build.plugins:
            if plugin.applied and plugin.id == _SPRING:
                facts.framework("spring-boot")
            if plugin.applied and plugin.id.startswith("org.jetbrains.kotlin"):
                facts.language("kotlin")
            if plugin.version:
                facts.packages.append(
                    PackageReq(
                        Ecosystem.MAVEN,
                        f"{plugin.id}:{plugin.id}.gradle.plugin",
                        plugin.version,
                        Origin(path, plugin.line),
                        locked=plugin.version,
                        scope=Scope.BUILD,
                        group="plugin",
                    )
                )
        catalog = self._catalog(facts, ctx)
        for dep in build.deps:
            origin = Origin(path, dep.line)
            notation = dep.notation
            if notation.startswith("libs."):
                found = catalog.get(notation[5:].replace("-", ".").replace("_", "."))
                if found is None:
                    facts.note(
                        "unresolved-catalog",
                        f"{notation} is not in gradle/libs.versions.toml",
                        origin,
                        severity=Severity.INFO,
                    )
                    continue
                notation = found
            parts = notation.split(":")
            if len(parts) < 2:
                continue
            name, version = f"{parts[0]}:{parts[1]}", parts[2] if len(parts) > 2 else ""
            c = dep.configuration
            scope = (
                Scope.DEV
                if c.startswith("test") or c == "developmentOnly"
                else Scope.BUILD
                if c in ("compileOnly", "annotationProcessor", "kapt", "ksp")
                else Scope.MAIN
            )
            facts.packages.append(
                PackageReq(
                    Ecosystem.MAVEN,
                    name,
                    version,
                    origin,
                    scope=scope,
                    group="platform" if dep.platform else c,
                )
            )
            if parts[0] == _SPRING and scope is Scope.MAIN:
                facts.framework("spring-boot")
            if parts[0] == "org.jetbrains.kotlin":
                facts.language("kotlin")

    def _catalog(self, facts: Facts, ctx: DetectContext) -> dict[str, str]:
        path = nearest(ctx, "gradle/libs.versions.toml")  # the catalog sits at the root of the build
        if path is None:
            return {}
        doc = read_or_note(facts, ctx.view, path, load_toml)
        if doc is None:
            return {}
        versions = doc.data.get("versions", {})
        out: dict[str, str] = {}
        libs = doc.data.get("libraries", {})
        if not isinstance(libs, dict):
            return out
        for alias, spec in libs.items():
            key = alias.replace("-", ".").replace("_", ".")
            if isinstance(spec, str):
                out[key] = spec
            elif isinstance(spec, dict):
                module = spec.get("module") or (f"{spec.get('group')}:{spec.get('name')}" if spec.get("name") else None)
                if not isinstance(module, str):
                    continue
                v = spec.get("version")
                if isinstance(v, dict):
                    ref = v.get("ref")
                    v = versions.get(ref) if isinstance(versions, dict) and isinstance(ref, str) else v.get("strictly")
                out[key] = f"{module}:{v}" if isinstance(v, str) else module
        return out

    def _wrapper(self, facts: Facts, ctx: DetectContext) -> None:
        path = nearest(ctx, "gradle/wrapper/gradle-wrapper.properties")  # so does the wrapper
        if path is None:
            return
        text = read_text_or_note(facts, ctx.view, path)
        if text is None:
            return
        for n, line in enumerate(text.splitlines(), start=1):
            key, sep, value = line.partition("=")
            if sep and key.strip() == "distributionUrl":
                m = _WRAPPER.search(value.replace("\\:", ":"))
                if m:
                    facts.runtimes.append(
                        RuntimeReq("gradle", f"=={m.group(1)}", m.group(1), "gradle-wrapper", Origin(path, n), 90)
                    )


_MAX_MODULES = 256


def _reactor_modules(view: RepoView, poms: list[tuple[str, XmlElement]]) -> dict[str, str]:
    """``group:artifact`` -> directory of every module the POM or its in-repository parents aggregate
    (``<modules>``, followed into nested aggregators)."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    todo = list(poms)
    while todo and len(seen) < _MAX_MODULES:
        ppath, proot = todo.pop()
        if ppath in seen:
            continue
        seen.add(ppath)
        pparent = proot.find("parent")
        gid = proot.findtext("groupId") or (pparent.findtext("groupId") if pparent is not None else "")
        aid = proot.findtext("artifactId") or ""
        if gid and aid:
            out.setdefault(f"{gid}:{aid}", posixpath.dirname(ppath))
        for mod in proot.path("modules", "module"):
            rel = mod.text.strip()
            cand = posixpath.normpath(join(posixpath.dirname(ppath), rel))
            if not cand.endswith(".xml"):
                cand = join(cand, "pom.xml")
            if cand in seen or cand.startswith(("../", "/")) or cand == ".." or not view.is_file(cand):
                continue
            try:
                mroot = memo(view, "xml", cand, functools.partial(load_xml, view, cand))
            except InputError:
                continue  # reported where that module is scanned
            if mroot.tag == "project":
                todo.append((cand, mroot))
    return out
