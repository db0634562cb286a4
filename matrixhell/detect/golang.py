"""Go: go.mod (module, go, toolchain, require with // indirect, replace, exclude) and go.work.

Runtime sources, best first: ``toolchain`` of go.work, of go.mod, then the ``go`` line of go.work, of
go.mod (a minimum since Go 1.21).  A start command ``/app/<binary>`` is given for each main package:
``main.go`` in the directory, or each ``cmd/<name>/main.go`` declaring ``package main``; with several,
the one named like the directory or the module comes first, else the first by name.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
import re

from matrixhell.detect._facts import Facts, has_marker, member_dirs, read_or_note
from matrixhell.detect._gomod import GoModFile, parse_gomod
from matrixhell.detect._parsecache import memo
from matrixhell.detect._ranges import RangeError, minimum_version, version_prefix
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect.base import DetectContext, join
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, StartCommand

__all__ = ["GoDetector", "go_package_clause"]

_FRAMEWORKS = {
    "github.com/gin-gonic/gin": ("gin", 8080),  # gin's Run() listens on :8080 when given no address
    "github.com/labstack/echo/v4": ("echo", None),
    "github.com/gofiber/fiber/v2": ("fiber", None),
    "github.com/go-chi/chi/v5": ("chi", None),
}
_MAJOR = re.compile(r"^v\d+$")


def _load(view: RepoView, path: str) -> GoModFile:
    return parse_gomod(view.read_text(path), path)


def go_package_clause(text: str) -> str | None:
    """The package name a Go source file declares (comments and blank lines before it skipped)."""
    i, size = 0, len(text)
    while i < size:
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = size if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return None
            i = j + 2
        else:
            m = re.compile(r"package\s+([A-Za-z_][A-Za-z0-9_]*)").match(text, i)
            return m.group(1) if m else None
    return None


def _binary(module: str) -> str:
    parts = [p for p in module.split("/") if p]
    if len(parts) > 1 and _MAJOR.match(parts[-1]):
        parts.pop()  # example.com/app/v2 builds "app"
    return parts[-1] if parts else "app"


def _enclosing_work(ctx: DetectContext) -> str | None:
    """The go.work of an ancestor that ``use``s this module: the go command finds it walking up."""
    d = ctx.directory
    while d:
        d = posixpath.dirname(d)
        path = join(d, "go.work")
        if not ctx.view.is_file(path):
            continue
        try:
            work = memo(ctx.view, "go-work", path, functools.partial(_load, ctx.view, path))
        except InputError:
            return None  # reported when the workspace root itself is scanned
        for use in work.all("use"):
            if use.args and posixpath.normpath(join(d, use.args[0])) == ctx.directory:
                return path
        return None
    return None


class GoDetector:
    name = "go"
    markers = ("go.mod", "go.work")

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("go")
        work_path = ctx.path("go.work") if ctx.has("go.work") else _enclosing_work(ctx)
        if work_path is not None:
            work = read_or_note(facts, ctx.view, work_path, _load)
            if work is not None:
                self._versions(facts, work, "go-work", 15, 25)
        module: str | None = None
        for d in member_dirs(ctx):
            path = join(d, "go.mod")
            if (d == ctx.directory and not ctx.has("go.mod")) or (d != ctx.directory and not ctx.view.is_file(path)):
                continue
            mod = read_or_note(facts, ctx.view, path, _load)
            if mod is None:
                continue
            self._versions(facts, mod, "go-mod", 20, 30)
            m = self._module(facts, mod)
            if d == ctx.directory:
                module = m
        read_version_managers(facts, ctx, "go", ("golang", "go"), 22)
        self._start(facts, ctx, module)
        return facts.detection()

    def _versions(self, facts: Facts, f: GoModFile, prefix: str, tc_prec: int, go_prec: int) -> None:
        go = f.first("go")
        if go is not None and go.args:
            origin = Origin(f.path, go.line)
            try:
                facts.runtimes.append(
                    RuntimeReq("go", minimum_version(go.args[0]).spec, go.args[0], f"{prefix}-go", origin, go_prec)
                )
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"go {go.args[0]!r} is not a Go version",
                    origin,
                    hint="write e.g. go 1.22",
                )
        tc = f.first("toolchain")
        if tc is not None and tc.args and tc.args[0] != "default":
            origin = Origin(f.path, tc.line)
            raw = tc.args[0]
            version = raw.removeprefix("go").split("-", 1)[0]
            try:
                facts.runtimes.append(
                    RuntimeReq("go", version_prefix(version).spec, raw, f"{prefix}-toolchain", origin, tc_prec)
                )
            except RangeError:
                facts.note(
                    "unreadable-version",
                    f"toolchain {raw!r} is not goVERSION",
                    origin,
                    hint="write e.g. toolchain go1.22.3",
                )

    def _module(self, facts: Facts, mod: GoModFile) -> str | None:
        decl = mod.first("module")
        module = decl.args[0] if decl is not None and decl.args else None
        start = len(facts.packages)
        excluded = {(ln.args[0], ln.args[1]) for ln in mod.all("exclude") if len(ln.args) >= 2}
        for ln in mod.all("require"):
            origin = Origin(mod.path, ln.line)
            if len(ln.args) != 2:
                facts.note(
                    "bad-go-mod",
                    "require needs a module path and a version",
                    origin,
                    hint="write: require example.com/mod v1.2.3",
                    severity=Severity.ERROR,
                )
                continue
            path, version = ln.args
            indirect = ln.comment.split(";", 1)[0].strip() == "indirect"
            if (path, version) in excluded:
                facts.note(
                    "excluded-version",
                    f"{path} {version} is both required and excluded",
                    origin,
                    hint="drop the exclude line or require another version",
                )
            facts.packages.append(PackageReq(Ecosystem.GO, path, version, origin, locked=version, direct=not indirect))
        for ln in mod.all("replace"):
            if "=>" not in ln.args:
                facts.note(
                    "bad-go-mod",
                    "replace needs =>",
                    Origin(mod.path, ln.line),
                    severity=Severity.ERROR,
                    hint="write: replace old/module => new/module v1.2.3 (or a ../path)",
                )
                continue
            at = ln.args.index("=>")
            old, new = ln.args[:at], ln.args[at + 1 :]
            if not old or not new:
                continue
            target = new[0] if len(new) == 1 else f"{new[0]}@{new[1]}"
            local = new[0].startswith(("./", "../", "/"))
            for i in range(start, len(facts.packages)):
                p = facts.packages[i]
                if p.name == old[0] and (len(old) == 1 or old[1] == p.specifier):
                    facts.packages[i] = dataclasses.replace(
                        p,
                        url=target,
                        editable=local,
                        locked=None if local else (new[1] if len(new) > 1 else p.locked),
                    )
        for p in facts.packages[start:]:
            if p.direct and p.name in _FRAMEWORKS:
                fw, port = _FRAMEWORKS[p.name]
                facts.framework(fw)
                if port:
                    facts.default_port(port, p.origin, fw)
        return module

    def _start(self, facts: Facts, ctx: DetectContext, module: str | None) -> None:
        candidates: list[tuple[str, str]] = []
        if ctx.has("main.go"):
            candidates.append((ctx.path("main.go"), _binary(module) if module else "app"))
        else:
            cmd = ctx.path("cmd")
            for name in ctx.view.listdir(cmd) if ctx.view.is_dir(cmd) else []:
                main = join(join(cmd, name), "main.go")
                if ctx.view.is_file(main):
                    candidates.append((main, name))
        mains = []
        for path, binary in candidates:
            try:
                text = ctx.view.read_text(path)
            except InputError as e:
                facts.error(e, Severity.WARNING)
                continue
            if go_package_clause(text) == "main":
                mains.append((path, binary))
        if not mains:
            return
        # several binaries (cmd/api, cmd/worker): one start each; the default is the one named like
        # the service's directory or module, else the first by name
        mains.sort(key=lambda m: m[1])
        names = {posixpath.basename(ctx.directory), _binary(module) if module else ""}
        default = next((m for m in mains if m[1] in names), mains[0])
        for path, binary in [default, *(m for m in mains if m is not default)]:
            prec = 45 if path == default[0] else 47
            argv = (f"/app/{binary}",)
            facts.start_commands.append(StartCommand(Origin(path, 1), "go-main-package", argv=argv, precedence=prec))
        if len(mains) > 1:
            facts.note(
                "several-main-packages",
                f"several main packages: {', '.join(p for p, _ in mains)}; /app/{default[1]} is taken as the start",
                Origin(default[0], 1),
                hint="set the start command in compose or a Procfile to run another",
                severity=Severity.INFO,
            )
