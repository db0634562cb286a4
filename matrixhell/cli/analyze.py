"""`matrixhell graph` and `matrixhell plan`: the dependency graph, and who can share an environment."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matrixhell.errors import ExitCode

if TYPE_CHECKING:
    from matrixhell.analyze import Analysis

__all__ = ["graph_command", "plan_command", "register"]


class GraphFormat(enum.StrEnum):
    dot = "dot"
    mermaid = "mermaid"
    graphml = "graphml"
    json = "json"


class PlanFormat(enum.StrEnum):
    text = "text"
    json = "json"


def _analysis(path: Path) -> Analysis:
    from matrixhell.analyze import analyze
    from matrixhell.detect.repoview import FsRepoView
    from matrixhell.detect.scan import scan_repo

    return analyze(scan_repo(FsRepoView(path)))


def graph_command(
    path: Annotated[Path, typer.Argument(help="Repository to analyze.")] = Path("."),
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Graph format.")] = GraphFormat.dot,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the graph to a file.")] = None,
) -> None:
    """The dependency graph: services, runtimes, packages, system libraries, releases and base images."""
    from matrixhell.cli._output import emit
    from matrixhell.render.graph_formats import render_graph

    emit(render_graph(_analysis(path).graph, format.value), output)


def plan_command(
    path: Annotated[Path, typer.Argument(help="Repository to plan.")] = Path("."),
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.text,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="The whole derivation of each conflict.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the plan to a file.")] = None,
) -> None:
    """Which services can share an environment, the target of each, and why the others are split.

    Exit status: 0 no error-severity conflict, 1 error-severity conflicts found, 3 bad input.
    """
    from matrixhell.cli._output import emit

    analysis = _analysis(path)
    if format is PlanFormat.json:
        import json

        from matrixhell.render.analysis_report import analysis_to_data

        text = json.dumps(analysis_to_data(analysis), indent=2, sort_keys=True) + "\n"
    else:
        from matrixhell.render.explain import plan_text

        text = plan_text(analysis.plan, verbose=verbose)
    emit(text, output)
    if analysis.plan.has_errors():
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("graph")(graph_command)
    app.command("plan")(plan_command)
