"""`matrixhell generate`: per-service Dockerfile, .dockerignore and OCI config, compose.yaml, k8s/."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from matrixhell.errors import ExitCode, UsageError

__all__ = ["generate_command", "register"]


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def generate_command(
    path: Annotated[Path, typer.Argument(help="Repository to generate for.")] = Path("."),
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write under DIR instead of beside the code.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 with a diff if stale.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also replace files without the header.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be written.")] = False,
    stdout: Annotated[bool, typer.Option(
        "--stdout", help="Print the files instead of writing them.")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Only this service (repeatable).")] = None,
    alongside: Annotated[bool, typer.Option(
        "--alongside", help="For services with a hand-written Dockerfile, also write Dockerfile.matrixhell "
                            "beside it.")] = False,
) -> None:
    """Generate the files a team would commit: a Dockerfile, .dockerignore and OCI image config per
    service, a compose file and Kubernetes manifests (docs/generate.md).

    Files without the matrixhell header line are never overwritten (unless --force).  Exit status: 0
    done, 1 stale files (--check), files left alone or a service that could not get an image, 3 bad
    input or no services found (docs/exit-codes.md).
    """
    from matrixhell.generate import FileState, generate

    if sum((check, dry_run, stdout)) > 1:
        raise UsageError("--check, --dry-run and --stdout exclude each other", hint="pick one")
    gen, report = generate(path, out=out, check=check, force=force, dry_run=dry_run or stdout,
                           only=tuple(only or ()), alongside=alongside)
    for f in report.findings:
        where = f"{f.origin}: " if f.origin else ""
        who = f"{f.service}: " if f.service else ""
        hint = f" ({f.hint})" if f.hint else ""
        _say(f"{f.severity.value}: {who}{where}{f.message}{hint} [{f.code}]")
    if stdout:
        for g in gen.files:
            sys.stdout.write(f"==> {g.path} <==\n{g.text}")
        if report.not_generated:  # the same verdict as a writing run
            raise typer.Exit(int(ExitCode.FINDINGS))
        return
    if check:
        for diff in report.diffs:
            sys.stdout.write(diff if diff.endswith("\n") else diff + "\n")
        stale = report.paths(FileState.NEW) + report.paths(FileState.CHANGED)
        for p in stale:
            _say(f"stale: {p}")
        if stale:
            _say(f"{len(stale)} generated file(s) out of date: run `matrixhell generate`")
            raise typer.Exit(int(ExitCode.FINDINGS))
        if report.not_generated:  # up to date, but not everything the repository needs has an image
            _say(f"generated files are up to date; no image for {', '.join(report.not_generated)} (see above)")
            raise typer.Exit(int(ExitCode.FINDINGS))
        _say("generated files are up to date")
        return
    verb = "would write" if dry_run else "wrote"
    for p, state in report.states:
        if state in (FileState.NEW, FileState.CHANGED):
            print(f"{verb} {p} ({state})")
        elif state == FileState.UNCHANGED:
            print(f"unchanged {p}")
        else:
            print(f"left alone {p} (no matrixhell header; --force replaces it)")
    if report.not_generated or report.blocked:
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)
