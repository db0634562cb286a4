"""`matrixhell knowledge`: ask the shipped knowledge directly (releases, images, native needs).

matrixhell knowledge releases
matrixhell knowledge release debian trixie --library openssl --library libpq
matrixhell knowledge image python:3.11-slim-bookworm
matrixhell knowledge images python 3.12
matrixhell knowledge needs pypi psycopg2 --release debian:bookworm
"""

from __future__ import annotations

import enum
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matrixhell.errors import InputError, UsageError

if TYPE_CHECKING:
    from matrixhell.knowledge.catalog import Catalog, Release

__all__ = ["register"]


class Format(enum.StrEnum):
    text = "text"
    json = "json"


_FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _catalog() -> Catalog:
    from matrixhell.knowledge.catalog import load_catalog

    return load_catalog()


def _write(data: Any, fmt: Format, text: str) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n" for r in rows)


def _release(cat: Catalog, spec: str) -> Release:
    distro, sep, name = spec.partition(":")
    if not sep or not name:
        raise UsageError(f"bad release {spec!r}", hint="write DISTRO:NAME, e.g. debian:bookworm or alpine:3.20")
    try:
        return cat.release(distro, name)
    except KeyError as e:
        known = ", ".join(f"{r.distro}:{r.name}" for r in cat.releases)
        raise InputError(f"unknown release {spec}", hint=f"known: {known}") from e


def _release_data(r: Release) -> dict[str, Any]:
    return {
        "distro": r.distro,
        "name": r.name,
        "version": r.version,
        "codename": r.codename,
        "libc": r.libc,
        "libc_version": r.libc_version,
        "ssl": r.ssl,
        "openssl_version": r.openssl_version,
        "eol": r.eol,
        "runtimes": {rt: r.runtime_version(rt) for rt in _RUNTIMES if r.runtime_version(rt)},
    }


_RUNTIMES = ("python", "node", "go", "java", "ruby", "php", "rust")


def releases_command(format: _FormatOpt = Format.text) -> None:
    """Every distro release the catalog knows, with its libc, libssl and runtimes."""
    rels = _catalog().releases
    rows = [["release", "libc", "ssl", "openssl", "python", "node", "eol"]]
    for r in rels:
        rows.append(
            [
                f"{r.distro}:{r.name}",
                f"{r.libc} {r.libc_version}",
                r.ssl,
                r.openssl_version,
                r.runtime_version("python") or "-",
                r.runtime_version("node") or "-",
                r.eol or "-",
            ]
        )
    _write([_release_data(r) for r in rels], format, _table(rows))


def release_command(
    distro: Annotated[str, typer.Argument(help="debian | ubuntu | alpine")],
    name: Annotated[str, typer.Argument(help="bookworm | 22.04 | jammy | 3.20")],
    library: Annotated[
        list[str] | None, typer.Option("--library", "-l", help="A logical library to show (repeatable).")
    ] = None,
    format: _FormatOpt = Format.text,
) -> None:
    """One release: libc, libssl, runtimes, and the packages of the libraries asked for."""
    cat = _catalog()
    r = _release(cat, f"{distro}:{name}")
    libs: dict[str, dict[str, list[str]]] = {}
    for lib in library or []:
        try:
            pk = r.library_packages(lib)
        except KeyError as e:
            raise InputError(f"{lib!r} is no logical library", hint="see data/libraries.json") from e
        libs[lib] = {"build": list(pk.build), "run": list(pk.run)}
    data = _release_data(r) | {"libraries": libs}
    lines = [f"{r.distro} {r.name} ({r.version}): {r.libc} {r.libc_version}, {r.ssl} (OpenSSL {r.openssl_version})"]
    lines.append(f"  eol: {r.eol or 'unknown'}")
    for rt, v in data["runtimes"].items():
        lines.append(f"  {rt}: {v}")
    for lib, names in libs.items():
        lines.append(f"  {lib}: build {' '.join(names['build']) or '-'}; run {' '.join(names['run']) or '-'}")
    _write(data, format, "\n".join(lines))


def image_command(
    reference: Annotated[str, typer.Argument(help="An image reference: python:3.11-slim-bookworm")],
    format: _FormatOpt = Format.text,
) -> None:
    """What an official image reference runs on."""
    info = _catalog().image(reference)
    if info is None:
        raise InputError(
            f"{reference}: not an official image the table knows",
            hint="python, node, golang, ruby, php, rust, eclipse-temurin, mcr .NET",
        )
    text = (
        f"{info.repository}:{info.tag}: {info.runtime} {info.runtime_version} on {info.distro} "
        f"{info.release} ({info.libc}, {info.variant}{', ' + info.flavor if info.flavor else ''})"
    )
    _write(asdict(info), format, text)


def images_command(
    runtime: Annotated[str, typer.Argument(help="python | node | go | java | ruby | php | rust | dotnet")],
    version: Annotated[str, typer.Argument(help="3.12 | 22 | 1.25 ...")],
    format: _FormatOpt = Format.text,
) -> None:
    """Candidate official images for a runtime version, best first."""
    found = _catalog().images_for(runtime, version)
    if not found:
        raise InputError(f"no official image for {runtime} {version}")
    rows = [["image", "release", "libc", "variant"]]
    rows += [[f"{i.repository}:{i.tag}", f"{i.distro} {i.release}", i.libc, i.variant] for i in found]
    _write([asdict(i) for i in found], format, _table(rows))


def needs_command(
    ecosystem: Annotated[str, typer.Argument(help="pypi | npm | gem | composer | go | cargo | nuget")],
    name: Annotated[str, typer.Argument(help="The package name: psycopg2, sharp, nokogiri, ext-intl")],
    release: Annotated[str | None, typer.Option("--release", "-r", help="Name the OS packages of DISTRO:NAME.")] = None,
    prebuilt: Annotated[
        bool, typer.Option("--prebuilt/--from-source", help="Installed from a prebuilt binary or built.")
    ] = False,
    format: _FormatOpt = Format.text,
) -> None:
    """What a language package needs from the OS, optionally as one release's packages."""
    from matrixhell.knowledge.syslibs import native_needs
    from matrixhell.model.facts import Ecosystem

    try:
        eco = Ecosystem(ecosystem.lower())
    except ValueError as e:
        raise UsageError(f"unknown ecosystem {ecosystem!r}", hint=", ".join(x.value for x in Ecosystem)) from e
    nn = native_needs(eco, name)
    if nn is None:
        data: dict[str, Any] = {"ecosystem": eco.value, "name": name, "native": False}
        _write(data, format, f"{name}: no native needs known (pure code, or not in the map)")
        return
    data = {"ecosystem": eco.value, "name": name, "native": True, **asdict(nn)}
    lines = [
        f"{name} ({nn.source})",
        f"  libraries: {' '.join(nn.libraries) or '-'}",
        f"  build tools: {' '.join(nn.build_tools) or '-'}",
        f"  prebuilt binaries bundle: {' '.join(nn.wheel_bundles) or '-'}",
    ]
    if release is not None:
        r = _release(_catalog(), release)
        build: list[str] = []
        if not prebuilt:
            for lib in nn.build_libraries():
                build += [p for p in r.library_packages(lib).build if p not in build]
            for tool in nn.build_tools:
                build += [p for p in r.tool_packages(tool) if p not in build]
        run: list[str] = []
        for lib in nn.run_libraries(prebuilt=prebuilt):
            run += [p for p in r.library_packages(lib).run if p not in run]
        data["packages"] = {"release": f"{r.distro}:{r.name}", "manager": r.manager, "build": build, "run": run}
        how = "prebuilt" if prebuilt else "from source"
        lines += [
            f"  on {r.distro} {r.name} ({how}):",
            f"    build: {' '.join(build) or '-'}",
            f"    run: {' '.join(run) or '-'}",
        ]
    _write(data, format, "\n".join(lines))


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="knowledge", help="Query the distro catalog, image table and native-library map.", no_args_is_help=True
    )
    group.command("releases")(releases_command)
    group.command("release")(release_command)
    group.command("image")(image_command)
    group.command("images")(images_command)
    group.command("needs")(needs_command)
    app.add_typer(group, name="knowledge")
