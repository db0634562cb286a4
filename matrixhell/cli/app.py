"""The typer application: command groups are registered from one module each."""

from __future__ import annotations

import sys

import click
import typer

from matrixhell.errors import ExitCode, MatrixhellError

__all__ = ["app", "run"]

app = typer.Typer(
    name="matrixhell",
    help="Scan a multi-service repo, find who cannot share an environment, generate and run its images.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    from matrixhell.cli import commands

    for register in commands.REGISTRARS:
        register(app)


def run(args: list[str]) -> int:
    _register()
    try:
        result = app(args=args, prog_name="matrixhell", standalone_mode=False)
    except MatrixhellError as e:
        print(f"matrixhell: error: {e.one_line()}", file=sys.stderr)
        return int(e.exit_code)
    except click.exceptions.Abort:
        print("matrixhell: aborted", file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return int(ExitCode.USAGE) if e.exit_code == 2 else int(e.exit_code)
    except KeyboardInterrupt:
        print("matrixhell: interrupted", file=sys.stderr)
        return 130
    if isinstance(result, int):
        return result
    return 0
