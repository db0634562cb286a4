""".NET: *.csproj / *.fsproj / *.vbproj, Directory.Build.props, Directory.Packages.props, packages.lock.json
and global.json.

The target framework moniker names the runtime: ``net8.0`` -> ``dotnet ==8.0.*`` (``netcoreapp3.1`` ->
``==3.1.*``); several (``TargetFrameworks``) give their union; ``net48`` is the Windows-only .NET
Framework and ``netstandard2.0`` a library target, both reported rather than guessed at.  global.json's
``sdk.version`` pins the SDK, and through it the runtime line.  ``Sdk="Microsoft.NET.Sdk.Web"`` is ASP.NET
Core, which listens on 8080 in .NET 8 and later images (80 before).
"""

from __future__ import annotations

import fnmatch
import re

from matrixhell.detect._facts import Facts, has_marker, nearest, read_or_note
from matrixhell.detect._jsonlines import JsonDoc, load_json
from matrixhell.detect._parsecache import memo
from matrixhell.detect._ranges import RangeError, npm_range
from matrixhell.detect._toolversions import read_version_managers
from matrixhell.detect._xmllines import XmlElement, load_xml
from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import Detection, Ecosystem, PackageReq, RuntimeReq, Scope, StartCommand

__all__ = ["DotnetDetector", "tfm_version"]

_TFM = re.compile(r"^(?:net(?:coreapp)?)(\d+)\.(\d+)(?:-[A-Za-z0-9.]+)?$")
_PROPREF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_LANG = {".csproj": "csharp", ".fsproj": "fsharp", ".vbproj": "vb"}


def tfm_version(tfm: str) -> tuple[int, int] | None:
    """``net8.0`` / ``net8.0-windows`` / ``netcoreapp3.1`` -> (8, 0) / (8, 0) / (3, 1); others None."""
    m = _TFM.match(tfm.strip().lower())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _shared_xml(view: RepoView, path: str) -> XmlElement:
    return memo(view, "xml", path, lambda: load_xml(view, path))


def _shared_json(view: RepoView, path: str) -> JsonDoc:
    return memo(view, "json", path, lambda: load_json(view, path))


def _expand(text: str, props: dict[str, tuple[str, Origin]]) -> str:
    """MSBuild ``$(Name)`` property references, from the project's and Directory.*.props' properties."""
    for _ in range(5):  # properties may refer to properties; a cycle stops here
        out = _PROPREF.sub(lambda m: props[m.group(1)][0] if m.group(1) in props else m.group(0), text)
        if out == text:
            break
        text = out
    return text


class DotnetDetector:
    name = "dotnet"
    markers = ("*.csproj", "*.fsproj", "*.vbproj")

    def applies(self, ctx: DetectContext) -> bool:
        return has_marker(ctx.files, self.markers)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts(self.name)
        props: dict[str, tuple[str, Origin]] = {}
        central: dict[str, str] = {}
        for name in ("Directory.Build.props", "Directory.Packages.props"):
            found = nearest(ctx, name)
            if found is not None:
                root = read_or_note(facts, ctx.view, found, _shared_xml if found != ctx.path(name) else load_xml)
                if root is not None:
                    self._props(root, found, props, central)
        projects = sorted(f for f in ctx.files if any(fnmatch.fnmatchcase(f, m) for m in self.markers))
        web: list[tuple[str, Origin, tuple[int, int] | None]] = []
        for name in projects:
            path = ctx.path(name)
            root = read_or_note(facts, ctx.view, path, load_xml)
            if root is None:
                continue
            facts.language(_LANG[name[name.rfind(".") :]])
            own = dict(props)
            self._props(root, path, own, central)
            major = self._frameworks(facts, own)
            self._packages(facts, root, path, central, own)
            sdk = root.attrib.get("Sdk", "")
            assembly = own.get("AssemblyName", (name.rsplit(".", 1)[0], Origin(path, root.line)))[0]
            if sdk.startswith("Microsoft.NET.Sdk.Web") or "Microsoft.AspNetCore.App" in {
                r.attrib.get("Include") for r in root.iter() if r.tag == "FrameworkReference"
            }:
                web.append((assembly, Origin(path, root.line), major))
            elif own.get("OutputType", ("", None))[0].lower() in ("exe", "winexe"):
                facts.start_commands.append(
                    StartCommand(
                        Origin(path, root.line),
                        "dotnet-project",
                        argv=("dotnet", f"/app/{assembly}.dll"),
                        precedence=46,
                    )
                )
        for assembly, origin, major in web:
            facts.framework("aspnetcore")
            facts.default_port(8080 if major is None or major[0] >= 8 else 80, origin, "aspnetcore")
            facts.start_commands.append(
                StartCommand(origin, "dotnet-project", argv=("dotnet", f"/app/{assembly}.dll"), precedence=42)
            )
        if ctx.has("packages.lock.json"):
            self._lock(facts, ctx)
        global_json = nearest(ctx, "global.json")  # the SDK looks for it walking up, as MSBuild does props
        if global_json is not None:
            self._global_json(facts, ctx, global_json)
        read_version_managers(facts, ctx, "dotnet", ("dotnet", "dotnet-core"), 25)
        return facts.detection()

    def _props(
        self, root: XmlElement, path: str, props: dict[str, tuple[str, Origin]], central: dict[str, str]
    ) -> None:
        for group in root.findall("PropertyGroup"):
            for el in group.children:
                if el.text.strip():
                    props[el.tag] = (el.text.strip(), Origin(path, el.line))
        for item in root.findall("ItemGroup"):
            for el in item.findall("PackageVersion"):
                inc, ver = el.attrib.get("Include"), el.attrib.get("Version")
                if inc and ver:
                    central[inc.lower()] = ver

    def _frameworks(self, facts: Facts, props: dict[str, tuple[str, Origin]]) -> tuple[int, int] | None:
        key = "TargetFramework" if "TargetFramework" in props else "TargetFrameworks"
        if key not in props:
            return None
        raw, origin = props[key]
        raw = _expand(raw, props)
        versions: list[tuple[int, int]] = []
        for tfm in [t.strip() for t in raw.split(";") if t.strip()]:
            v = tfm_version(tfm)
            if v is not None:
                versions.append(v)
            elif tfm.lower().startswith("netstandard"):
                facts.note(
                    "library-target",
                    f"{tfm} is a library target and names no runtime",
                    origin,
                    severity=Severity.INFO,
                )
            elif re.match(r"^net\d{2,3}$", tfm.lower()):
                facts.note(
                    "windows-only-framework",
                    f"{tfm} is the .NET Framework, which runs only on Windows",
                    origin,
                    hint="port the project to net8.0 or later to run it in a Linux container",
                )
            else:
                facts.note(
                    "unreadable-version",
                    f"{tfm!r} is not a target framework matrixhell knows",
                    origin,
                    hint="use a target framework such as net8.0",
                )
        if not versions:
            return None
        rng = " || ".join(f"{a}.{b}.x" for a, b in sorted(set(versions)))
        try:
            t = npm_range(rng)  # the same union logic: several TFMs are alternatives
        except RangeError:
            return None
        if t.note:
            facts.note(
                "range-widened",
                f"{raw}: the project targets several runtimes; the specifier is their hull",
                origin,
                severity=Severity.INFO,
            )
        facts.runtimes.append(RuntimeReq("dotnet", t.spec, raw, "msbuild-target-framework", origin, 30))
        return max(versions)

    def _packages(
        self, facts: Facts, root: XmlElement, path: str, central: dict[str, str], props: dict[str, tuple[str, Origin]]
    ) -> None:
        for item in root.findall("ItemGroup"):
            for el in item.findall("PackageReference"):
                name = el.attrib.get("Include") or el.attrib.get("Update")
                if not name:
                    continue
                version = el.attrib.get("Version") or el.findtext("Version") or central.get(name.lower(), "")
                version = _expand(version, props)
                assets = (el.attrib.get("PrivateAssets") or el.findtext("PrivateAssets") or "").lower()
                facts.packages.append(
                    PackageReq(
                        Ecosystem.NUGET,
                        name,
                        version,
                        Origin(path, el.line),
                        scope=Scope.BUILD if assets == "all" else Scope.MAIN,
                    )
                )

    def _lock(self, facts: Facts, ctx: DetectContext) -> None:
        doc = read_or_note(facts, ctx.view, ctx.path("packages.lock.json"), load_json)
        if doc is None or not isinstance(doc.data, dict):
            return
        deps = doc.data.get("dependencies")
        if not isinstance(deps, dict):
            return
        index = {p.name.lower(): i for i, p in enumerate(facts.packages)}
        seen: set[tuple[str, str]] = set()
        for tfm, pkgs in deps.items():
            if not isinstance(pkgs, dict):
                continue
            for name, body in pkgs.items():
                if not isinstance(body, dict) or not isinstance(body.get("resolved"), str):
                    continue
                version = body["resolved"]
                if name.lower() in index:
                    i = index[name.lower()]
                    if facts.packages[i].locked is None:
                        from dataclasses import replace

                        facts.packages[i] = replace(facts.packages[i], locked=version)
                    continue
                if (name.lower(), version) in seen or body.get("type") == "Project":
                    continue
                seen.add((name.lower(), version))
                facts.packages.append(
                    PackageReq(
                        Ecosystem.NUGET,
                        name,
                        "",
                        doc.origin("dependencies", tfm, name),
                        locked=version,
                        direct=False,
                        group="packages.lock.json",
                    )
                )

    def _global_json(self, facts: Facts, ctx: DetectContext, path: str) -> None:
        """global.json pins the SDK that builds the project (an SDK 8 builds net6.0 too), so it names the
        ``dotnet-sdk``, with the range its ``rollForward`` policy allows, and not the runtime."""
        doc = read_or_note(facts, ctx.view, path, _shared_json if path != ctx.path("global.json") else load_json)
        if doc is None or not isinstance(doc.data, dict):
            return
        sdk = doc.data.get("sdk")
        version = sdk.get("version") if isinstance(sdk, dict) else None
        if not isinstance(version, str):
            return
        origin = doc.origin("sdk", "version")
        m = re.match(r"^(\d+)\.(\d+)\.(\d+)$", version.strip())
        if not m:
            facts.note(
                "unreadable-version",
                f"sdk.version {version!r} is not an SDK version",
                origin,
                hint='write e.g. "8.0.100"',
            )
            return
        major, minor, patch = (int(g) for g in m.groups())
        policy = sdk.get("rollForward", "latestPatch") if isinstance(sdk, dict) else "latestPatch"
        v = version.strip()
        band = patch // 100 * 100
        spec = {
            "disable": f"=={v}",
            "patch": f">={v},<{major}.{minor}.{band + 100}",
            "latestpatch": f">={v},<{major}.{minor}.{band + 100}",
            "feature": f">={v},<{major}.{minor + 1}",
            "latestfeature": f">={v},<{major}.{minor + 1}",
            "minor": f">={v},<{major + 1}",
            "latestminor": f">={v},<{major + 1}",
            "major": f">={v}",
            "latestmajor": f">={v}",
        }.get(str(policy).lower())
        if spec is None:
            facts.note(
                "unreadable-version",
                f"rollForward {policy!r} is not a policy the SDK knows",
                doc.origin("sdk", "rollForward"),
                hint="use latestPatch, latestFeature, latestMinor ...",
            )
            spec = f">={v},<{major}.{minor}.{band + 100}"
        facts.runtimes.append(RuntimeReq("dotnet-sdk", spec, v, "global-json", origin, 90))
