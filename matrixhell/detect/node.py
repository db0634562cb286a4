"""Node.js: package.json, the three lock-file families, .nvmrc and .node-version.

Runtime sources, best first: volta's pin, ``.nvmrc``, ``.node-version``, ``.tool-versions`` / mise,
``engines.node``; npm ranges become PEP 440 through _ranges.  ``packageManager`` is a runtime of its own
(``npm`` | ``pnpm`` | ``yarn``, for corepack) that never outranks node.  Workspace members (ctx.members)
add their dependencies to the service.  Lock files are read in the service directory, or else in the
workspace root that lists it as a member, where npm, yarn and pnpm write them.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
import re
import shlex
from collections.abc import Callable

from matrixhell.detect._facts import Facts, ancestors, has_marker, member_dirs, read_or_note, read_text_or_note
from matrixhell.detect._jsonlines import JsonDoc, load_json
from matrixhell.detect._nodelocks import NodeLock, read_bun_lock, read_npm_lock, read_pnpm_lock, read_yarn_lock
from matrixhell.detect._parsecache import memo
from matrixhell.detect._rangeruntime import range_runtime
from matrixhell.detect._ranges import RangeError, npm_range, version_prefix
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect._workspace_root import workspace_root
from matrixhell.detect._yamllines import load_yaml
from matrixhell.detect.base import DetectContext, join
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, Port, RuntimeReq, Scope, StartCommand

__all__ = ["NodeDetector", "nvmrc_runtime", "script_port"]

_SECTIONS: tuple[tuple[str, Scope, str | None], ...] = (
    ("dependencies", Scope.MAIN, None),
    ("devDependencies", Scope.DEV, None),
    ("optionalDependencies", Scope.OPTIONAL, "optional"),
    ("peerDependencies", Scope.MAIN, "peer"),
)

#: dependency -> (framework, the port its server listens on by default, if it has one)
_FRAMEWORKS: dict[str, tuple[str, int | None]] = {
    "next": ("next", 3000),
    "nuxt": ("nuxt", 3000),
    "@nestjs/core": ("nestjs", 3000),
    "express": ("express", None),
    "fastify": ("fastify", None),
    "koa": ("koa", None),
    "react-scripts": ("react-scripts", 3000),
    "vite": ("vite", 5173),
}

#: nvm's LTS code names -> major version
_LTS = {
    "argon": 4,
    "boron": 6,
    "carbon": 8,
    "dubnium": 10,
    "erbium": 12,
    "fermium": 14,
    "gallium": 16,
    "hydrogen": 18,
    "iron": 20,
    "jod": 22,
    "krypton": 24,
}
_ALIASES = ("lts/*", "node", "stable", "latest", "current", "lts", "system", "iojs")
_PM = re.compile(r"^(npm|pnpm|yarn|bun)@([0-9][^+\s]*)(\+.*)?$")
_URL_PREFIXES = (
    "file:",
    "link:",
    "git:",
    "git+",
    "http:",
    "https:",
    "github:",
    "gitlab:",
    "bitbucket:",
    "workspace:",
    "portal:",
    "patch:",
)
_LOCKS: tuple[tuple[str, Callable[[RepoView, str], NodeLock]], ...] = (
    ("package-lock.json", read_npm_lock),
    ("npm-shrinkwrap.json", read_npm_lock),
    ("yarn.lock", read_yarn_lock),
    ("bun.lock", read_bun_lock),
)
_LOCK_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "bun.lock", "pnpm-lock.yaml")


def _runtime(facts: Facts, runtime: str, raw: str, source: str, origin: Origin, precedence: int) -> None:
    range_runtime(
        facts,
        npm_range,
        runtime,
        raw,
        source,
        origin,
        precedence,
        label=f"{runtime} range",
        hint="write an npm semver range such as >=18 <21",
    )


def nvmrc_runtime(facts: Facts, text: str, path: str, source: str, precedence: int) -> None:
    """The first meaningful line of an .nvmrc / .node-version file as a node RuntimeReq."""
    for n, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        origin = Origin(path, n)
        low = value.lower()
        if low in _ALIASES:
            facts.note(
                "runtime-alias",
                f"{path} names the alias {value!r}, not a version; what it means changes with each release",
                origin,
                hint="write a version such as 20",
                severity=Severity.INFO,
            )
            facts.runtimes.append(RuntimeReq("node", "", value, source, origin, precedence))
            return
        if low.startswith("lts/") and low[4:] in _LTS:
            facts.runtimes.append(RuntimeReq("node", f"=={_LTS[low[4:]]}.*", value, source, origin, precedence))
            return
        try:
            spec = version_prefix(value).spec
        except RangeError:
            facts.note(
                "unreadable-version",
                f"{path}: {value!r} is not a node version",
                origin,
                hint="write a version such as 20 or 20.11.1",
            )
            return
        facts.runtimes.append(RuntimeReq("node", spec, value, source, origin, precedence))
        return


_ENTRY_FILES = ("server.js", "index.js", "app.js")
#: dependencies whose apps listen on a port their entry file names
_SERVERS = frozenset({"express", "fastify", "koa", "@hapi/hapi", "hapi", "restify", "polka"})
_MAX_ENTRY = 1 << 20  # an entry file larger than this is generated or bundled code: not read for a port


@functools.cache
def _listen_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a listen call's first argument or ``port:`` option, a port variable's assignment), compiled
    on first use.  The argument: ``3000``, ``process.env.PORT || 3000`` (or ``??``), a name, or an
    options object ``{ port: ... }`` (fastify, hapi)."""
    env_default = r"(?:Number\(|parseInt\(|\+)?\s*process\.env\.PORT\s*\)?\s*(?:\|\||\?\?)\s*(\d{2,5})"
    listen = re.compile(
        r"(?:\.listen\s*\(\s*(?:\{[^}]*?\bport\s*:\s*)?|\b(?:server|Server)\s*\(\s*\{[^}]*?\bport\s*:\s*)"
        rf"(?:(\d{{2,5}})\b|{env_default}|([A-Za-z_$][\w$]*)\b(?!\s*[.(]))"
    )
    assign = re.compile(rf"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:(\d{{2,5}})\b|{env_default})")
    return listen, assign


def listen_port(text: str) -> tuple[int, int] | None:
    """(port, 1-based line) of the first server listen call in JavaScript source that names a port:
    ``app.listen(3000)``, ``app.listen(process.env.PORT || 3000)`` or ``?? 3000``,
    ``const PORT = process.env.PORT || 3000`` then ``app.listen(PORT)``, ``fastify.listen({ port: 3000 })``,
    ``Hapi.server({ port: 3000 })``.  None when none does (``listen(port)`` of a name never assigned)."""
    if len(text) > _MAX_ENTRY:
        return None
    listen, assign = _listen_patterns()
    names: dict[str, int] = {}
    for m in assign.finditer(text):
        names.setdefault(m.group(1), int(m.group(2) or m.group(3)))
    for m in listen.finditer(text):
        number = m.group(1) or m.group(2)
        value = int(number) if number else names.get(m.group(3) or "")
        if value is not None and 0 < value < 65536:
            return value, text.count("\n", 0, m.start()) + 1
    return None


def _script_entry(script: str) -> str | None:
    """The file a start script runs with node (``node server.js``, ``node --env-file=.env dist/main.js``)."""
    try:
        words = shlex.split(script)
    except ValueError:
        return None
    for i, w in enumerate(words):
        if posixpath.basename(w) in ("node", "nodemon", "tsx", "ts-node", "bun"):
            rest = [x for x in words[i + 1 :] if not x.startswith("-")]
            if rest and rest[0].endswith((".js", ".mjs", ".cjs", ".ts")):
                return rest[0]
            return None
    return None


def script_port(script: str) -> int | None:
    """The port a start script sets: ``PORT=4000 node app.js``, ``next start -p 4000``,
    ``vite preview --port=4173``.  None when it sets none (or is not shell words)."""
    try:
        words = shlex.split(script)
    except ValueError:
        return None
    found: str | None = None
    for i, w in enumerate(words):
        if w.startswith("PORT=") and (i == 0 or "=" in words[i - 1]):  # an environment prefix
            found = w[5:]
        elif w in ("-p", "--port") and i + 1 < len(words):
            found = words[i + 1]
        elif w.startswith("--port="):
            found = w[7:]
        if w in ("&&", ";", "||", "|"):
            break  # only the first command of a chain
    return int(found) if found is not None and found.isdigit() and 0 < int(found) < 65536 else None


def _shared(reader: Callable[[RepoView, str], NodeLock]) -> Callable[[RepoView, str], NodeLock]:
    """A workspace root's lock, parsed once however many member services read it."""
    return lambda view, path: memo(view, "node-lock", path, lambda: reader(view, path))


class NodeDetector:
    name = "node"
    markers = ("package.json",)

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        facts.language("javascript")
        root_doc: JsonDoc | None = None
        manifests: list[tuple[str, JsonDoc]] = []
        for d in member_dirs(ctx):
            path = join(d, "package.json")
            if d != ctx.directory and not ctx.view.is_file(path):
                continue
            doc = read_or_note(facts, ctx.view, path, load_json)
            if doc is None:
                continue
            if not isinstance(doc.data, dict):
                facts.note(
                    "bad-manifest",
                    "package.json is not a JSON object",
                    Origin(path, 1),
                    hint="package.json must hold an object",
                    severity=Severity.ERROR,
                )
                continue
            manifests.append((d, doc))
            if d == ctx.directory:
                root_doc = doc
        member_names = {str(doc.data.get("name")) for d, doc in manifests if d != ctx.directory}
        for _, doc in manifests:
            self._dependencies(facts, doc, member_names)
        root = workspace_root(ctx, ("package.json", "pnpm-workspace.yaml"), ("npm", "yarn", "pnpm"))
        pm = self._root(facts, ctx, root_doc) if root_doc is not None else None
        if pm is None and root is not None:
            # a member runs under the package manager its workspace root pins
            doc = read_or_note(facts, ctx.view, join(root, "package.json"), load_json)
            if doc is not None and isinstance(doc.data, dict):
                pm = self._package_manager(facts, doc)
        self._version_files(facts, ctx)
        read_version_managers(facts, ctx, "node", ("nodejs", "node"), 22)
        self._catalogs(facts, ctx, root)
        self._locks(facts, ctx, root)
        self._frameworks(facts, ctx)
        if "typescript" in {p.name for p in facts.packages} or ctx.has("tsconfig.json"):
            facts.language("typescript")
        if root_doc is not None:
            self._start(facts, ctx, root_doc, pm or "npm")
        return facts.detection()

    # -- package.json --------------------------------------------------------------------------------

    def _dependencies(self, facts: Facts, doc: JsonDoc, member_names: set[str]) -> None:
        data = doc.data
        seen: set[str] = set()
        for section, scope, group in _SECTIONS:
            deps = data.get(section)
            if deps is None:
                continue
            if not isinstance(deps, dict):
                facts.note(
                    "bad-manifest",
                    f"{section} is not an object",
                    doc.origin(section),
                    hint=f'write "{section}": {{"name": "range"}}',
                    severity=Severity.ERROR,
                )
                continue
            for name, spec in deps.items():
                if group == "peer" and name in seen:
                    continue  # a peer also listed as a dependency is that dependency
                seen.add(name)
                if name in member_names:
                    continue  # a sibling workspace member, part of this service
                origin = doc.origin(section, name)
                if not isinstance(spec, str):
                    facts.note(
                        "bad-manifest",
                        f"{section}.{name} is not a string",
                        origin,
                        severity=Severity.ERROR,
                        hint='write the range as a string, such as "^1.2.0"',
                    )
                    continue
                url = None
                text = spec.strip()
                if text.startswith(_URL_PREFIXES) or ("/" in text and not text.startswith(("@", "npm:"))):
                    url, text = text, ""
                elif text.startswith("npm:"):  # alias: "npm:real-name@range"
                    real, _, rng = text[4:].rpartition("@")
                    if real:
                        url, text = f"npm:{real}", rng
                facts.packages.append(
                    PackageReq(
                        Ecosystem.NPM,
                        name,
                        text,
                        origin,
                        url=url,
                        scope=scope,
                        group=group,
                        editable=spec.startswith(("link:", "file:")),
                    )
                )

    def _package_manager(self, facts: Facts, doc: JsonDoc) -> str | None:
        pm = None
        raw_pm = doc.data.get("packageManager")
        if isinstance(raw_pm, str):
            m = _PM.match(raw_pm.strip())
            origin = doc.origin("packageManager")
            if m:
                pm = m.group(1)
                facts.runtimes.append(RuntimeReq(pm, f"=={m.group(2)}", raw_pm, "package-manager", origin, 90))
            else:
                facts.note(
                    "unreadable-version",
                    f"packageManager {raw_pm!r} is not name@version",
                    origin,
                    hint='write e.g. "pnpm@9.1.0"',
                )
        return pm

    def _root(self, facts: Facts, ctx: DetectContext, doc: JsonDoc) -> str | None:
        data = doc.data
        pm = self._package_manager(facts, doc)
        volta = data.get("volta")
        if isinstance(volta, dict):
            for tool, v in volta.items():
                if tool in ("node", "npm", "pnpm", "yarn") and isinstance(v, str):
                    _runtime(facts, tool, v, "volta", doc.origin("volta", tool), 15 if tool == "node" else 91)
        engines = data.get("engines")
        if isinstance(engines, dict):
            for tool, v in engines.items():
                if tool in ("node", "npm", "pnpm", "yarn") and isinstance(v, str):
                    _runtime(
                        facts,
                        tool,
                        v,
                        "package-json-engines",
                        doc.origin("engines", tool),
                        30 if tool == "node" else 92,
                    )
        elif engines is not None:
            facts.note(
                "bad-manifest",
                "engines is not an object",
                doc.origin("engines"),
                hint='write "engines": {"node": ">=20"}',
            )
        return pm

    def _version_files(self, facts: Facts, ctx: DetectContext) -> None:
        """.nvmrc and .node-version of the nearest directory that has either, walking up from the service
        as nvm, fnm and nodenv do: a service's own pin is never outranked by the repository's."""
        files = ((".nvmrc", "nvmrc", 20), (".node-version", "node-version-file", 21))
        for d in ancestors(ctx):
            found = [
                (join(d, name), source, prec)
                for name, source, prec in files
                if (ctx.has(name) if d == ctx.directory else ctx.view.is_file(join(d, name)))
            ]
            for path, source, precedence in found:
                text = read_text_or_note(facts, ctx.view, path)
                if text is not None:
                    nvmrc_runtime(facts, text, path, source, precedence)
            if found:
                return

    def _catalogs(self, facts: Facts, ctx: DetectContext, root: str | None) -> None:
        """``"react": "catalog:"`` takes its range from the ``catalog`` (or ``catalogs.<name>``) of the
        pnpm-workspace.yaml at the workspace root."""
        if not any(p.specifier.startswith("catalog:") for p in facts.packages):
            return
        path = join(root if root is not None else ctx.directory, "pnpm-workspace.yaml")
        if not ctx.view.is_file(path):
            return
        doc = read_or_note(facts, ctx.view, path, lambda v, p: memo(v, "yaml", p, lambda: load_yaml(v, p)))
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        catalogs = dict(data.get("catalogs") or {}) if isinstance(data.get("catalogs"), dict) else {}
        if isinstance(data.get("catalog"), dict):
            catalogs.setdefault("default", data["catalog"])
        for i, p in enumerate(facts.packages):
            if not p.specifier.startswith("catalog:"):
                continue
            name = p.specifier[len("catalog:") :].strip() or "default"
            table = catalogs.get(name)
            rng = table.get(p.name) if isinstance(table, dict) else None
            if isinstance(rng, str | int | float) and not isinstance(rng, bool):
                facts.packages[i] = dataclasses.replace(p, specifier=str(rng), group=f"catalog:{name}")
            else:
                facts.note(
                    "unresolved-catalog",
                    f"{p.name} asks for the {name!r} catalog, but {path} has no {p.name} in it",
                    p.origin,
                    hint=f"add {p.name} to the catalog in {path}",
                )

    # -- lock files ----------------------------------------------------------------------------------

    def _locks(self, facts: Facts, ctx: DetectContext, root: str | None) -> None:
        """Lock files of the service, or else of the workspace root it is a member of.

        A root's lock file covers every member, so from it only the direct dependencies' versions are
        taken; its transitive entries would be the whole monorepo's.
        """
        lock_dir = ctx.directory
        if root is not None and not any(ctx.has(n) for n in _LOCK_NAMES):
            lock_dir = root
        view = ctx.view
        locks: list[NodeLock] = []
        for name, reader in _LOCKS:
            path = join(lock_dir, name)
            if view.is_file(path):
                lk = read_or_note(facts, view, path, reader if lock_dir == ctx.directory else _shared(reader))
                if lk is not None:
                    locks.append(lk)
        if view.is_file(join(lock_dir, "pnpm-lock.yaml")):
            rel = tuple(posixpath.relpath(m or ".", lock_dir or ".") for m in member_dirs(ctx))
            lk = read_or_note(facts, view, join(lock_dir, "pnpm-lock.yaml"), lambda v, p: read_pnpm_lock(v, p, rel))
            if lk is not None:
                locks.append(lk)
        if len(locks) > 1:
            facts.note(
                "several-lock-files",
                "several lock files: " + ", ".join(lk.path for lk in locks),
                Origin(locks[1].path, 1),
                hint="keep the lock file of the package manager you use",
            )
        if not locks:
            return
        lock = locks[0]
        direct: dict[str, set[str]] = {}
        for i, p in enumerate(facts.packages):
            if p.url is None or p.url.startswith("npm:"):
                v = lock.resolve(p.name, p.specifier)
                if v is not None:
                    facts.packages[i] = dataclasses.replace(p, locked=v)
                    direct.setdefault(p.name, set()).add(v)
        if lock_dir != ctx.directory:
            return
        seen: set[tuple[str, str]] = set()
        for lp in lock.packages:
            if lp.version in direct.get(lp.name, ()) or (lp.name, lp.version) in seen:
                continue
            seen.add((lp.name, lp.version))
            scope = Scope.DEV if lp.dev else Scope.OPTIONAL if lp.optional else Scope.MAIN
            facts.packages.append(
                PackageReq(
                    Ecosystem.NPM,
                    lp.name,
                    "",
                    lp.origin,
                    locked=lp.version,
                    scope=scope,
                    direct=False,  # the origin names the lock file; no dependency group
                )
            )

    # -- frameworks and start --------------------------------------------------------------------------

    def _frameworks(self, facts: Facts, ctx: DetectContext) -> None:
        for p in list(facts.packages):
            if p.direct and p.name in _FRAMEWORKS:
                fw, port = _FRAMEWORKS[p.name]
                facts.framework(fw)
                if port is not None:  # dev servers (vite, react-scripts) sit in devDependencies too
                    facts.default_port(port, p.origin, fw)

    def _start(self, facts: Facts, ctx: DetectContext, doc: JsonDoc, pm: str) -> None:
        data = doc.data
        scripts = data.get("scripts")
        if isinstance(scripts, dict) and isinstance(scripts.get("start"), str) and scripts["start"].strip():
            # `npm start` puts node_modules/.bin on PATH, which the script itself may rely on.
            origin = doc.origin("scripts", "start")
            facts.start_commands.append(StartCommand(origin, "package-json-start", shell=f"{pm} start", precedence=40))
            port = script_port(scripts["start"])
            if port is not None:  # written in the script: it outranks a framework's default
                facts.ports[:] = [p for p in facts.ports if p.source is None]
                if all(p.number != port for p in facts.ports):
                    facts.ports.append(Port(port, origin=origin))
                return
            self._listen_port(facts, ctx, _script_entry(scripts["start"]))
            return
        main = data.get("main")
        if isinstance(main, str) and main.strip():
            facts.start_commands.append(
                StartCommand(doc.origin("main"), "package-json-main", argv=("node", main.strip()), precedence=45)
            )
            self._listen_port(facts, ctx, main.strip())
            return
        for entry in _ENTRY_FILES:
            if ctx.has(entry):
                facts.start_commands.append(
                    StartCommand(Origin(ctx.path(entry)), "node-entry-file", argv=("node", entry), precedence=48)
                )
                self._listen_port(facts, ctx, entry)
                return

    def _listen_port(self, facts: Facts, ctx: DetectContext, entry: str | None) -> None:
        """The port the entry file's server listens on (``app.listen(3000)``, ``process.env.PORT || 3000``),
        read from that one file, for the servers a dependency names or ``http.createServer``."""
        if entry is None and not (entry := next((e for e in _ENTRY_FILES if ctx.has(e)), None)):
            return
        path = posixpath.normpath(join(ctx.directory, entry.removeprefix("./")))
        if path.startswith("../") or not ctx.view.is_file(path):
            return
        servers = {p.name for p in facts.packages if p.direct and p.scope is Scope.MAIN} & _SERVERS
        text = read_text_or_note(facts, ctx.view, path)
        if text is None or not (servers or "createServer" in text):
            return
        found = listen_port(text)
        if found is None:
            return
        number, line = found
        facts.ports[:] = [p for p in facts.ports if p.source is None]  # written: it outranks a default
        if all(p.number != number for p in facts.ports):
            facts.ports.append(Port(number, origin=Origin(path, line)))
