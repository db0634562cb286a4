"""PHP: composer.json and composer.lock.

``require.php`` (Composer constraint syntax, through _ranges) is the runtime; ``config.platform.php``,
the version Composer pretends to run on, outranks it.  ``ext-*`` entries stay packages named
``ext-pdo_pgsql`` so the knowledge layer can map them to OS packages.  composer.lock pins versions.

The start command comes from the image the service's Dockerfile builds on: the official php image's
``apache`` flavour runs ``apache2-foreground`` on port 80, the ``fpm`` flavour ``php-fpm`` on 9000 (its
FastCGI port, for a web server in front).  That is what runs when the Dockerfile has no CMD of its own,
so it ranks below one (and below compose and Procfile).  Without such an image nothing is guessed: the
framework alone does not say which server fronts it, and ``php artisan serve`` is a development server.
"""

from __future__ import annotations

import dataclasses

from matrixhell.detect._facts import Facts, has_marker, read_or_note
from matrixhell.detect._jsonlines import JsonDoc, load_json
from matrixhell.detect._parsecache import memo
from matrixhell.detect._rangeruntime import range_runtime
from matrixhell.detect._ranges import RangeError, composer_range, version_prefix
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect.base import DetectContext
from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile, parse_image_ref
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope, StartCommand

__all__ = ["PhpDetector"]

_FRAMEWORKS = {
    "laravel/framework": "laravel",
    "laravel/lumen-framework": "lumen",
    "symfony/framework-bundle": "symfony",
    "slim/slim": "slim",
}
_PLATFORM = ("php", "hhvm", "composer", "composer-plugin-api", "composer-runtime-api")
#: the official php image's flavours that run a server: (start, port, source)
_IMAGE_SERVERS = {
    "apache": (("apache2-foreground",), 80, "php-apache-image"),
    "fpm": (("php-fpm",), 9000, "php-fpm-image"),
}
#: below the Dockerfile's own CMD (30) and every written start; the image's CMD runs when none is given
PRECEDENCE_IMAGE_CMD = 55


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
        self._image_server(facts, ctx)
        return facts.detection()

    def _image_server(self, facts: Facts, ctx: DetectContext) -> None:
        """apache2-foreground or php-fpm when the directory's Dockerfile ends on such a php image."""
        name = next((n for n in ("Dockerfile", "Containerfile") if ctx.has(n)), None)
        if name is None:
            return
        try:
            final = memo(ctx.view, "php-final-image", ctx.path(name), lambda: _final_image(ctx.view, ctx.path(name)))
        except InputError:
            return  # the Dockerfile detector reports it
        if final is None:
            return
        reference, origin = final
        ref = parse_image_ref(reference)
        if ref.repository != "php" or not ref.tag:
            return
        flavour = next((f for f in ref.tag.split("-") if f in _IMAGE_SERVERS), None)
        if flavour is None:
            return
        argv, port, source = _IMAGE_SERVERS[flavour]
        facts.start_commands.append(StartCommand(origin, source, argv=argv, precedence=PRECEDENCE_IMAGE_CMD))
        facts.default_port(port, origin, f"php-{flavour}")

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
        range_runtime(
            facts,
            composer_range,
            "php",
            raw,
            source,
            origin,
            precedence,
            label="php constraint",
            hint='write a Composer constraint such as "^8.2"',
        )

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


def _final_image(view: RepoView, path: str) -> tuple[str, Origin] | None:
    """The image reference (ARG defaults applied) and FROM line of the stage the Dockerfile ends on."""
    facts = analyze_dockerfile(parse_dockerfile(view.read_text(path), path))
    final = next((b for b in facts.base_images if b.final), None)
    return (final.reference, final.origin) if final is not None else None
