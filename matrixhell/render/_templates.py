"""Where the jinja2 templates are, and the one environment every renderer uses.

Installed from a wheel, the templates sit in the package (``matrixhell/templates``, force-included by
pyproject.toml); in a source checkout they are the repository's top-level ``templates/``.  They are read
as package data through importlib.resources, never from the user's repository.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
from importlib import resources
from importlib.abc import Traversable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["environment", "template_root"]

_SAFE_WORD = re.compile(r"^[A-Za-z0-9_./:@%+,=-]+$")


def template_root() -> Traversable:
    pkg = resources.files("matrixhell")
    inside = pkg / "templates"
    if inside.is_dir():
        return inside
    # a source checkout: matrixhell/ and templates/ are siblings
    outside = pkg / ".." / "templates"
    if outside.is_dir():
        return outside
    raise RuntimeError("matrixhell's templates are missing: reinstall the package")


def _load(name: str) -> str:
    node = template_root()
    for part in name.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


def _dockerfile_word(value: str) -> str:
    """A value as Dockerfile non-JSON forms want it: bare when safe, else double-quoted (JSON escaping)."""
    return value if _SAFE_WORD.match(value) else json.dumps(value)


def _exec_form(argv: Any) -> str:
    return json.dumps(list(argv))


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sq"] = shlex.quote
    env.filters["exec_form"] = _exec_form
    env.filters["word"] = _dockerfile_word
    env.filters["tojson_plain"] = json.dumps
    return env
