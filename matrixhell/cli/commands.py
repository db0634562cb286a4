"""Every command group, one module each; each module exposes ``register(app)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matrixhell.cli import analyze, generate, knowledge, resolve, scan

__all__ = ["REGISTRARS"]

REGISTRARS: list[Callable[[Any], None]] = [
    scan.register,
    analyze.register,
    generate.register,
    resolve.register,
    knowledge.register,
]
