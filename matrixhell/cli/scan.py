"""`matrixhell scan`: services, runtimes, packages, OS libraries, findings and the matrix."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from matrixhell.cli.app import exit_with
from matrixhell.errors import ExitCode

__all__ = ["register"]


class ScanFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _scan(path: Path, *, cache: bool = True) -> Any:
    from matrixhell.detect.native import with_native_libraries
    from matrixhell.detect.repoview import FsRepoView
    from matrixhell.detect.scan import scan_repo

    view = FsRepoView(path)
    result = scan_repo(view, cache=None if cache else False)
    # after scan_repo, which the scan benchmark times: this reads no file, only the knowledge layer
    return with_native_libraries(result)


def scan_command(
    path: Annotated[Path, typer.Argument(help="Repository to scan.")] = Path("."),
    format: Annotated[ScanFormat, typer.Option("--format", "-f", help="Output format.")] = ScanFormat.table,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every fact with its origin, and skips.")] = False,
    analyze: Annotated[bool, typer.Option("--analyze/--no-analyze", help="Find conflicts and show the matrix.")] = True,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to a file.")] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse the stored scan of an unchanged repository.")
    ] = True,
) -> None:
    """Find every service of a repository and what it needs, each fact with the file and line it came from.

    Exit status: 0 nothing of error severity, 1 error-severity conflicts or findings (a manifest that
    cannot be read), 3 the path is not a repository (docs/exit-codes.md).
    """
    from matrixhell.cli._output import emit
    from matrixhell.render import scan_report

    result = _scan(path, cache=cache)
    analysis = None
    if analyze:
        from matrixhell.analyze import analyze as run_analysis

        analysis = run_analysis(result)
    if format is ScanFormat.json:
        data = scan_report.scan_to_data(result)
        if analysis is not None:
            from matrixhell.render.analysis_report import analysis_to_data

            data["analysis"] = analysis_to_data(analysis)
        text = scan_report.json_text(data)
    elif format is ScanFormat.markdown:
        text = scan_report.scan_markdown(result)
        if analysis is not None:
            from matrixhell.render.analysis_report import analysis_markdown

            text += "\n" + analysis_markdown(analysis, verbose=verbose)
    else:
        text = scan_report.scan_table(result, verbose=verbose)
        if analysis is not None:
            from matrixhell.render.analysis_report import analysis_text

            text += "\n" + analysis_text(analysis, verbose=verbose)
    emit(text, output)
    from matrixhell.model import Severity

    bad_input = any(f.severity is Severity.ERROR for f in result.all_findings())
    if bad_input or (analysis is not None and analysis.plan.has_errors()):
        exit_with(ExitCode.FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan_command)
