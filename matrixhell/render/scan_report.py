"""A ScanResult as text: a table per repo, as JSON (schema_version'd, docs/scan-format.md) or Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from matrixhell.model import Finding, PackageReq, ScanResult, Scope, Service, ServiceKind
from matrixhell.render.text_table import text_table

__all__ = ["SCHEMA_VERSION", "json_text", "scan_json", "scan_markdown", "scan_table", "scan_to_data"]

SCHEMA_VERSION = 1


def _runtime_cell(s: Service) -> str:
    r = s.runtime
    if r is None:
        return "-"
    return f"{r.runtime} {r.spec or r.raw or '*'} ({r.origin})"


def _packages(s: Service) -> list[PackageReq]:
    return [p for p in s.packages if p.direct and p.scope in (Scope.MAIN, Scope.BUILD)]


def _system_cell(s: Service) -> str:
    names = sorted({p.name for p in s.system_packages})
    return ", ".join(names + _native_cells(s)) or "-"


def _native_cells(s: Service) -> list[str]:
    """``libpq (psycopg2)`` per library the OS must provide; one a prebuilt binary bundles is left out
    (--verbose shows it), and one needed only to build from source says so."""
    by_lib: dict[str, tuple[list[str], set[str]]] = {}
    for n in s.native_libraries:
        if n.bundled_in_wheel:
            continue
        pkgs, phases = by_lib.setdefault(n.library, ([], set()))
        if n.needed_by not in pkgs:
            pkgs.append(n.needed_by)
        phases.add(n.phase)
    return [
        f"{lib} ({', '.join(pkgs)}{'' if 'run' in phases else ', build'})"
        for lib, (pkgs, phases) in sorted(by_lib.items())
    ]


def _ports_cell(s: Service) -> str:
    ports = sorted({(p.number, p.protocol) for p in s.ports})
    return ", ".join(f"{n}" if proto == "tcp" else f"{n}/{proto}" for n, proto in ports) or "-"


def _language_cell(s: Service) -> str:
    if s.kind is ServiceKind.EXTERNAL:
        return "image"
    return "/".join(s.languages) or "?"


def _finding_line(f: Finding) -> str:
    where = f"{f.origin}: " if f.origin else ""
    who = f"[{f.service}] " if f.service else ""
    hint = f" ({f.hint})" if f.hint else ""
    return f"{f.severity.value:7} {who}{where}{f.message}{hint}  [{f.code}]"


def scan_table(result: ScanResult, *, verbose: bool = False) -> str:
    rows = []
    for s in result.services:
        if s.kind is ServiceKind.EXTERNAL:
            rows.append([s.name, s.path or ".", "image", s.image or "-", "-", "-", _ports_cell(s), "-"])
            continue
        start = s.start.display() if s.start else "-"
        rows.append(
            [
                s.name,
                s.path or ".",
                _language_cell(s),
                _runtime_cell(s),
                str(len(_packages(s))),
                _system_cell(s),
                _ports_cell(s),
                start,
            ]
        )
    n = len(result.services)
    parts = [f"{result.root}: {n} service{'' if n == 1 else 's'}"]
    parts.append(
        text_table(["service", "path", "language", "runtime", "packages", "OS packages", "ports", "start"], rows)
    )
    if verbose:
        for s in result.services:
            if s.kind is ServiceKind.EXTERNAL:
                continue
            parts.append(f"\n{s.name} ({s.path or '.'}, found by {s.discovered_by})")
            for r in s.runtimes:
                parts.append(f"  runtime  {r.runtime} {r.spec or '*'}  from {r.source} at {r.origin}")
            for p in s.packages:
                ver = f" locked {p.locked}" if p.locked else ""
                marker = f" ; {p.marker}" if p.marker else ""
                scope = "" if p.scope is Scope.MAIN else f" [{p.scope.value}{':' + p.group if p.group else ''}]"
                spec = f" {p.specifier}" if p.specifier else ""
                url = f" ({p.url})" if p.url else ""
                parts.append(f"  package  {p.name}{spec}{url}{ver}{marker}{scope}  {p.origin}")
            for sp in s.system_packages:
                parts.append(f"  os       {sp.name} ({sp.manager}, {sp.phase})  {sp.origin}")
            phases: dict[tuple[str, str], list[str]] = {}
            for lib in s.native_libraries:
                phases.setdefault((lib.library, lib.needed_by), []).append(lib.phase)
            for lib in s.native_libraries:
                got = phases.pop((lib.library, lib.needed_by), None)
                if got is None:
                    continue  # shown with its other phase
                bundled = ", bundled in its prebuilt binaries" if lib.bundled_in_wheel else ""
                parts.append(
                    f"  lib      {lib.library} ({'+'.join(got)}, needed by {lib.needed_by}{bundled})"
                    f"  {lib.origin}  [{lib.source}]"
                )
            for c in s.start_commands:
                parts.append(f"  start    {c.display()}  from {c.source} at {c.origin}")
        if result.skipped:
            parts.append("\nnot taken as services:")
            parts.extend(f"  {k.path}: {k.reason}" for k in result.skipped)
    findings = result.all_findings()
    if findings:
        parts.append("\nfindings:")
        parts.extend("  " + _finding_line(f) for f in _sorted_findings(findings))
    return "\n".join(parts) + "\n"


def _sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, str(f.origin or ""), f.code, f.message))


def _origin(o: Any) -> dict[str, Any] | None:
    return o.to_json() if o is not None else None


def _service_data(s: Service) -> dict[str, Any]:
    return {
        "name": s.name,
        "path": s.path,
        "kind": s.kind.value,
        "discovered_by": s.discovered_by,
        "image": s.image,
        "languages": list(s.languages),
        "frameworks": list(s.frameworks),
        "dockerfile": s.dockerfile,
        "runtime": (
            {
                "name": s.runtime.runtime,
                "spec": s.runtime.spec,
                "raw": s.runtime.raw,
                "source": s.runtime.source,
                "precedence": s.runtime.precedence,
                "origin": _origin(s.runtime.origin),
            }
            if s.runtime
            else None
        ),
        "runtimes": [
            {
                "name": r.runtime,
                "spec": r.spec,
                "raw": r.raw,
                "source": r.source,
                "precedence": r.precedence,
                "origin": _origin(r.origin),
            }
            for r in s.runtimes
        ],
        "packages": [
            {
                "ecosystem": p.ecosystem.value,
                "name": p.name,
                "specifier": p.specifier,
                "locked": p.locked,
                "extras": list(p.extras),
                "marker": p.marker,
                "url": p.url,
                "editable": p.editable,
                "scope": p.scope.value,
                "group": p.group,
                "direct": p.direct,
                "origin": _origin(p.origin),
            }
            for p in s.packages
        ],
        "system_packages": [
            {"name": p.name, "manager": p.manager, "phase": p.phase, "reason": p.reason, "origin": _origin(p.origin)}
            for p in s.system_packages
        ],
        "native_libraries": [
            {
                "library": n.library,
                "needed_by": n.needed_by,
                "ecosystem": n.ecosystem.value if n.ecosystem else None,
                "phase": n.phase,
                "bundled_in_wheel": n.bundled_in_wheel,
                "source": n.source,
                "origin": _origin(n.origin),
            }
            for n in s.native_libraries
        ],
        "ports": [
            {"number": p.number, "protocol": p.protocol, "published": p.published, "origin": _origin(p.origin)}
            for p in s.ports
        ],
        "start": (
            {
                "argv": list(s.start.argv),
                "shell": s.start.shell,
                "source": s.start.source,
                "origin": _origin(s.start.origin),
            }
            if s.start
            else None
        ),
        "start_commands": [
            {"argv": list(c.argv), "shell": c.shell, "source": c.source, "precedence": c.precedence,
             "origin": _origin(c.origin)}
            for c in s.start_commands
        ],
        "base_images": [
            {
                "reference": b.reference,
                "repository": b.repository,
                "tag": b.tag,
                "digest": b.digest,
                "stage": b.stage,
                "final": b.final,
                "origin": _origin(b.origin),
            }
            for b in s.base_images
        ],
        "env": sorted({e.key for e in s.env}),
        "depends_on": list(s.compose.depends_on) if s.compose else [],
        "members": list(s.members),
        "process": s.process,
        "image_from": s.image_from,
        "tasks": [
            {"argv": list(t.argv), "shell": t.shell, "source": t.source, "origin": _origin(t.origin)} for t in s.tasks
        ],
        "cargo": {"workspace": s.workspace, "package": s.package, "binaries": list(s.binaries)}
        if s.package is not None
        else None,
        "files": list(s.files),
    }


def scan_to_data(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "root": result.root,
        "services": [_service_data(s) for s in result.services],
        "findings": [f.to_json() for f in _sorted_findings(result.all_findings())],
        "skipped": [{"path": k.path, "reason": k.reason} for k in result.skipped],
    }


def scan_json(result: ScanResult) -> str:
    return json_text(scan_to_data(result))


def json_text(data: dict[str, Any]) -> str:
    """The document as sorted, indented JSON; a name that is not UTF-8 on disk (a lone surrogate in
    Python, which strict JSON parsers reject) is written with its bytes as \\xNN."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if "\\udc" in text:
        text = json.dumps(_without_surrogates(data), indent=2, sort_keys=True) + "\n"
    return text


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def scan_markdown(result: ScanResult) -> str:
    out = [f"# Services of `{result.root}`", ""]
    out.append("| service | path | language | runtime | packages | OS packages | ports | start |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in result.services:
        if s.kind is ServiceKind.EXTERNAL:
            cells = [s.name, s.path or ".", "image", s.image or "-", "-", "-", _ports_cell(s), "-"]
        else:
            cells = [
                s.name,
                s.path or ".",
                _language_cell(s),
                _runtime_cell(s),
                str(len(_packages(s))),
                _system_cell(s),
                _ports_cell(s),
                s.start.display() if s.start else "-",
            ]
        out.append("| " + " | ".join(f"`{_md_escape(c)}`" if c not in ("-",) else c for c in cells) + " |")
    findings = result.all_findings()
    if findings:
        out += ["", "## Findings", ""]
        for f in _sorted_findings(findings):
            where = f" `{f.origin}`" if f.origin else ""
            hint = f" — {_md_escape(f.hint)}" if f.hint else ""
            out.append(f"- **{f.severity.value}**{where}: {_md_escape(f.message)}{hint} (`{f.code}`)")
    return "\n".join(out) + "\n"
