"""`matrixhell resolve`: pins for one target, from a snapshot, a simple index or a find-links folder."""

from __future__ import annotations

import enum
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matrixhell.errors import ExitCode, InputError, UsageError
from matrixhell.model.origin import Origin

if TYPE_CHECKING:
    from matrixhell.knowledge.index import MetadataProvider

__all__ = ["register", "resolve_command"]


class ResolveFormat(enum.StrEnum):
    text = "text"
    json = "json"


def _read_requirements(path: Path, seen: frozenset[Path] = frozenset()) -> list[tuple[str, Origin]]:
    """Requirement lines of a requirements file, each with its origin; ``-r`` includes followed."""
    real = path.resolve()
    if real in seen:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read requirements file {path}: {e.strerror}", origin=Origin(str(path))) from e
    out: list[tuple[str, Origin]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if not line:
            continue
        origin = Origin(str(path), start)
        if line.startswith(("-r ", "--requirement ", "-r", "--requirement=")):
            target = line.split(None, 1)[1] if " " in line else line.split("=", 1)[-1].removeprefix("-r")
            out.extend(_read_requirements(path.parent / target.strip(), seen | {real}))
        elif line.startswith("-"):
            continue  # pip options (--index-url, --hash ...) do not change what is required
        else:
            out.append((line.split(" --hash", 1)[0].strip(), origin))
    return out


def _provider(
    index_url: list[str], find_links: list[Path], snapshot: Path | None, offline: bool, cache_dir: Path | None
) -> MetadataProvider:
    from matrixhell.knowledge.index import (
        ChainProvider,
        FindLinks,
        SimpleIndex,
        SnapshotIndex,
        default_snapshot,
    )

    providers: list[MetadataProvider] = []
    if snapshot is not None:
        providers.append(SnapshotIndex.load(snapshot))
    providers.extend(SimpleIndex(u, offline=offline, cache_dir=cache_dir) for u in index_url)
    providers.extend(FindLinks(d) for d in find_links)
    if not providers:
        providers.append(default_snapshot())
    return providers[0] if len(providers) == 1 else ChainProvider(providers)


def resolve_command(
    requirements: Annotated[list[str] | None, typer.Argument(help="PEP 508 requirements.")] = None,
    python: Annotated[str, typer.Option("--python", help="Target Python version, X.Y or X.Y.Z.")] = "3.11",
    platform: Annotated[
        str,
        typer.Option("--platform", help="Target platform tag: manylinux_2_36_x86_64, musllinux_1_2_x86_64 ..."),
    ] = "manylinux_2_36_x86_64",
    implementation: Annotated[str, typer.Option("--implementation", help="cp or pp.")] = "cp",
    index_url: Annotated[
        list[str] | None, typer.Option("--index-url", help="A PEP 503/691 simple index: URL or directory.")
    ] = None,
    find_links: Annotated[
        list[Path] | None, typer.Option("--find-links", help="A folder of wheels and sdists.")
    ] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", help="An offline index snapshot (JSON).")] = None,
    requirement_file: Annotated[
        list[Path] | None, typer.Option("-r", "--requirement", help="Read requirements from a file.")
    ] = None,
    constraint_file: Annotated[
        list[Path] | None, typer.Option("-c", "--constraint", help="Constrain versions from a file.")
    ] = None,
    only_binary: Annotated[
        list[str] | None,
        typer.Option("--only-binary", help="Refuse sdists: ':all:' or comma-separated project names (as pip)."),
    ] = None,
    format: Annotated[ResolveFormat, typer.Option("--format", "-f", help="Output format.")] = ResolveFormat.text,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="The whole derivation on failure.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the on-disk index cache.")] = False,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Where index pages are cached.")] = None,
) -> int:
    """Resolve requirements for a target Python and platform, never the host, and print the pins.

    Without --index-url, --find-links or --snapshot the bundled offline snapshot is used.
    Exit status: 0 resolved, 4 no solution (the derivation is printed), 2 bad usage, 3 bad input.
    """
    from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

    lines: list[str] = list(requirements or [])
    origins: dict[str, Origin] = {}
    for path in requirement_file or []:
        for line, origin in _read_requirements(path):
            lines.append(line)
            origins.setdefault(line, origin)
    constraints: list[str] = []
    for path in constraint_file or []:
        for line, origin in _read_requirements(path):
            constraints.append(line)
            origins.setdefault(line, origin)
    if not lines:
        raise UsageError("nothing to resolve", hint="give requirements as arguments or with -r FILE")
    target = ResolveTarget(python_version=python, platform=platform, implementation=implementation)
    provider = _provider(list(index_url or []), list(find_links or []), snapshot, offline, cache_dir)
    try:
        result = resolve(
            lines, target, provider, constraints, origins=origins, only_binary=_binary_policy(only_binary or [])
        )
    except ResolutionImpossible as e:
        if format is ResolveFormat.json:
            data: dict[str, Any] = {
                "target": _target_data(target),
                "resolved": False,
                "message": e.message,
                "causes": [asdict(c) for c in e.causes],
                "explanation": e.explain(verbose),
            }
            sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
        else:
            sys.stderr.write(e.explain(verbose) + "\n")
        return int(ExitCode.RESOLUTION)
    if format is ResolveFormat.json:
        data = {
            "target": _target_data(target),
            "resolved": True,
            "pins": dict(sorted(result.pins.items())),
            "wheels": dict(sorted(result.wheel.items())),
            "sdist_only": list(result.sdist_only),
        }
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write("".join(line + "\n" for line in result.lines()))
    return int(ExitCode.OK)


def _binary_policy(values: list[str]) -> bool | list[str]:
    names: list[str] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if item == ":all:":
                return True
            if item == ":none:":
                names = []
            elif item:
                names.append(item)
    return names


def _target_data(target: Any) -> dict[str, str]:
    return {
        "python": target.python_version,
        "platform": target.platform,
        "implementation": target.implementation,
    }


def register(app: typer.Typer) -> None:
    app.command("resolve")(resolve_command)
