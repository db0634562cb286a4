"""The typer application: command groups are registered from one module each.

Commands signal a non-zero status with ``raise typer.Exit(code)`` (``exit_with``); every
MatrixhellError that escapes a command becomes one line on stderr and its exit code here.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from matrixhell.errors import ExitCode, MatrixhellError

__all__ = ["app", "exit_with", "run"]

def _exit_with_result(result: object, **_params: object) -> None:
    """A command may also return its exit status (an int) instead of raising typer.Exit."""
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        raise typer.Exit(result)


app = typer.Typer(
    name="matrixhell",
    result_callback=_exit_with_result,
    help="Scan a multi-service repo, find who cannot share an environment, generate and run its images.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs reflow; a single line break is not kept
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", help="Print the version and exit.", is_eager=True),
) -> None:
    """matrixhell: end the matrix from hell of a multi-service repository (exit codes: docs/exit-codes.md)."""
    if version:  # normally answered before typer is imported (matrixhell.cli.main); this is for the help
        from matrixhell import __version__

        typer.echo(f"matrixhell {__version__}")
        raise typer.Exit(0)


def exit_with(code: int) -> NoReturn:
    raise typer.Exit(int(code))


def _register() -> None:
    from matrixhell.cli import commands

    for register in commands.REGISTRARS:
        register(app)


def run(args: list[str]) -> int:
    _register()
    try:
        app(args=args, prog_name="matrixhell")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return int(ExitCode.USAGE)
    except MatrixhellError as e:
        print(f"matrixhell: error: {e.one_line()}", file=sys.stderr)
        return int(e.exit_code)
    except KeyboardInterrupt:
        print("matrixhell: interrupted", file=sys.stderr)
        return 130
    return 0
