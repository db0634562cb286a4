"""PHP: composer.json and composer.lock.

``require.php`` (Composer constraint syntax, through _ranges) is the runtime; ``config.platform.php``,
the version Composer pretends to run on, outranks it.  ``ext-*`` entries stay packages named
``ext-pdo_pgsql`` so the knowledge layer can map them to OS packages.  composer.lock pins versions.
"""

from __future__ import annotations

import dataclasses

from matrixhell.detect._facts import Facts, has_marker, read_or_note
from matrixhell.detect._jsonlines import JsonDoc, load_json
from matrixhell.detect._ranges import RangeError, composer_range, version_prefix
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect.base import DetectContext
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope

__all__ = ["PhpDetector"]

_FRAMEWORKS = {
    "laravel/framework": "laravel",
    "laravel/lumen-framework": "lumen",
    "symfony/framework-bundle": "symfony",
    "slim/slim": "slim",
}
_PLATFORM = ("php", "hhvm", "composer", "composer-plugin-api", "composer-runtime-api")


class PhpDetector:
    name = "php"
    markers = ("composer.json",)

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("php")
        doc = read_or_note(facts, ctx.view, ctx.path("composer.json"), load_json)
        if doc is not None and not isinstance(doc.data, dict):
            facts.note(
                "bad-manifest",
                "composer.json is not a JSON object",
                Origin(doc.path, 1),
                severity=Severity.ERROR,
                hint="composer.json must hold an object",
            )
            doc = None
        if doc is not None:
            self._manifest(facts, doc)
        if ctx.has("composer.lock"):
            self._lock(facts, ctx)
        read_version_managers(facts, ctx, "php", ("php",), 15)
        return facts.detection()

    def _manifest(self, facts: Facts, doc: JsonDoc) -> None:
        for section, scope in (("require", Scope.MAIN), ("require-dev", Scope.DEV)):
            reqs = doc.data.get(section)
            if reqs is None:
                continue
            if not isinstance(reqs, dict):
                facts.note(
                    "bad-manifest",
                    f"{section} is not an object",
                    doc.origin(section),
                    severity=Severity.ERROR,
                    hint='write "require": {"vendor/package": "^1.0"}',
                )
                continue
            for name, constraint in reqs.items():
                origin = doc.origin(section, name)
                if not isinstance(constraint, str):
                    facts.note(
                        "bad-manifest",
                        f"{section}.{name} is not a string",
                        origin,
                        severity=Severity.ERROR,
                        hint='write the constraint as a string, such as "^1.0"',
                    )
                    continue
                key = name.lower()
                if key == "php" and scope is Scope.MAIN:
                    self._runtime(facts, constraint, "composer-require-php", origin, 30)
                    continue
                if key in _PLATFORM:
                    continue
                facts.packages.append(PackageReq(Ecosystem.COMPOSER, key, constraint, origin, scope=scope))
                if key in _FRAMEWORKS and scope is Scope.MAIN:
                    facts.framework(_FRAMEWORKS[key])
        config = doc.data.get("config")
        platform = config.get("platform") if isinstance(config, dict) else None
        if isinstance(platform, dict) and isinstance(platform.get("php"), str):
            raw = platform["php"]
            origin = doc.origin("config", "platform", "php")
            try:
                spec = version_prefix(raw).spec
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"config.platform.php {raw!r} is not a version",
                    origin,
                    hint='write a version such as "8.2.12"',
                )
            else:
                facts.runtimes.append(RuntimeReq("php", spec, raw, "composer-platform", origin, 20))

    def _runtime(self, facts: Facts, raw: str, source: str, origin: Origin, precedence: int) -> None:
        try:
            t = composer_range(raw)
        except RangeError as e:
            facts.note(
                "unreadable-range",
                f"php constraint {raw!r}: {e}",
                origin,
                hint='write a Composer constraint such as "^8.2"',
            )
            facts.runtimes.append(RuntimeReq("php", "", raw, source, origin, precedence))
            return
        if t.note:
            facts.note("range-widened", t.note, origin, severity=Severity.INFO)
        facts.runtimes.append(RuntimeReq("php", t.spec, raw, source, origin, precedence))

    def _lock(self, facts: Facts, ctx: DetectContext) -> None:
        doc = read_or_note(facts, ctx.view, ctx.path("composer.lock"), load_json)
        if doc is None or not isinstance(doc.data, dict):
            return
        direct = {p.name: i for i, p in enumerate(facts.packages)}
        for section, scope in (("packages", Scope.MAIN), ("packages-dev", Scope.DEV)):
            pkgs = doc.data.get(section)
            if not isinstance(pkgs, list):
                continue
            for i, p in enumerate(pkgs):
                if not isinstance(p, dict) or not isinstance(p.get("name"), str):
                    continue
                name = p["name"].lower()
                version = str(p.get("version", ""))
                version = version[1:] if version[:1] == "v" and version[1:2].isdigit() else version
                if name in direct:
                    j = direct[name]
                    facts.packages[j] = dataclasses.replace(facts.packages[j], locked=version)
                    continue
                facts.packages.append(
                    PackageReq(
                        Ecosystem.COMPOSER,
                        name,
                        "",
                        doc.origin(section, i),
                        locked=version,
                        scope=scope,
                        direct=False,
                    )
                )
                if name in _FRAMEWORKS and scope is Scope.MAIN:
                    facts.framework(_FRAMEWORKS[name])
