"""The command line: the only layer that prints or exits.

``main`` answers ``--version`` before importing typer, so that path stays fast; everything else goes
through the typer app, and every MatrixhellError becomes one line on stderr and its exit code
(docs/exit-codes.md).
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from matrixhell import __version__

        print(f"matrixhell {__version__}")
        return 0
    from matrixhell.cli.app import run

    return run(args)
