"""Overrides: what a user tells ``generate`` that the scan could not know, or should not decide.

They live in ``matrixhell.toml`` at the repository root, or in ``[tool.matrixhell]`` of the root
``pyproject.toml`` (``matrixhell.toml`` wins when both exist)::

    [defaults]
    system-packages = ["tzdata"]
    memory = "256Mi"

    [services.api]
    base = "python:3.12-slim-bookworm"
    system-packages = ["libmagic1"]
    start = ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
    ports = [8000]

    [services.legacy]
    skip = true

The file is parsed once, here, into frozen values; every error names ``file:line`` and says what to do.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path

from matrixhell.errors import ConfigError
from matrixhell.model.origin import Origin
from matrixhell.model.overrides import Overrides, ServiceOverride

__all__ = ["CONFIG_FILE", "Overrides", "ServiceOverride", "load_overrides", "parse_overrides"]

CONFIG_FILE = "matrixhell.toml"

_SERVICE_KEYS = frozenset(
    {"base", "system-packages", "start", "ports", "skip", "read-only-root", "cpu", "memory", "uid"}
)
_DEFAULT_KEYS = frozenset({"system-packages", "read-only-root", "cpu", "memory", "uid"})
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DECODE_AT = re.compile(r"at line (\d+), column (\d+)")


class _Lines:
    """Finds the line of a table header or key, so errors can point at it (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()

    def table(self, dotted: tuple[str, ...]) -> int | None:
        want = ".".join(dotted)
        for i, raw in enumerate(self._lines, 1):
            line = raw.strip()
            if line.startswith("[") and not line.startswith("[["):
                header = line.split("]", 1)[0].lstrip("[").strip()
                parts = [p.strip().strip('"').strip("'") for p in header.split(".")]
                if ".".join(parts) == want:
                    return i
        return None

    def key(self, dotted: tuple[str, ...], key: str) -> int | None:
        start = self.table(dotted)
        if start is None:
            return None
        for i in range(start, len(self._lines)):
            line = self._lines[i].strip()
            if line.startswith("["):
                break
            name = line.split("=", 1)[0].strip().strip('"').strip("'")
            if "=" in line and name == key:
                return i + 1
        return start


def _error(msg: str, origin: Origin, hint: str) -> ConfigError:
    return ConfigError(msg, origin=origin, hint=hint, code="bad-config")


def _strings(value: object, what: str, origin: Origin) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _error(f"{what} must be a list of non-empty strings", origin, f'write {what} = ["..."]')
    return tuple(value)


def _parse_table(
    name: str, table: Mapping[str, object], allowed: frozenset[str], path: str,
    lines: _Lines, dotted: tuple[str, ...],
) -> ServiceOverride:
    header = Origin(path, lines.table(dotted))
    origins: list[tuple[str, Origin]] = []
    values: dict[str, object] = {}
    for key in sorted(table):
        value = table[key]
        at = Origin(path, lines.key(dotted, key))
        origins.append((key, at))
        if key not in allowed:
            raise _error(
                f"unknown key {key!r} in [{'.'.join(dotted)}]", at,
                "known keys: " + ", ".join(sorted(allowed)),
            )
        if key == "base":
            if not isinstance(value, str) or not value or any(c.isspace() for c in value):
                raise _error("base must be an image reference", at, 'e.g. base = "python:3.12-slim-bookworm"')
            values["base"] = value
        elif key == "system-packages":
            pkgs = _strings(value, key, at)
            for p in pkgs:
                if not re.fullmatch(r"[a-z0-9][a-z0-9+.\-]*", p):
                    raise _error(f"{p!r} is not an OS package name", at, "use the name apt or apk knows")
            values["system_packages"] = tuple(sorted(set(pkgs)))
        elif key == "start":
            if isinstance(value, str):
                try:
                    argv = tuple(shlex.split(value))
                except ValueError as e:
                    raise _error(f"start cannot be split into words: {e}", at, "use a list of words") from e
            else:
                argv = _strings(value, key, at)
            if not argv:
                raise _error("start is empty", at, 'write start = ["program", "arg"]')
            values["start"] = argv
        elif key == "ports":
            if not isinstance(value, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in value
            ):
                raise _error("ports must be a list of port numbers 1-65535", at, "e.g. ports = [8000]")
            values["ports"] = tuple(sorted(set(value)))
        elif key in ("skip", "read-only-root"):
            if not isinstance(value, bool):
                raise _error(f"{key} must be true or false", at, f"write {key} = true")
            values[key.replace("-", "_")] = value
        elif key in ("cpu", "memory"):
            if not isinstance(value, str) or not _QUANTITY.match(value):
                raise _error(f"{key} must be a Kubernetes quantity", at,
                             'e.g. cpu = "250m", memory = "256Mi"')
            values[key] = value
        elif key == "uid":
            if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value < 2**31:
                raise _error("uid must be a number from 1000 up (never root)", at, "e.g. uid = 10001")
            values["uid"] = value
    return ServiceOverride(name=name, origin=header, key_origins=tuple(origins), **values)  # type: ignore[arg-type]


def parse_overrides(text: str, path: str, prefix: tuple[str, ...] = ()) -> Overrides:
    """Parse overrides from TOML ``text``; ``prefix`` is ``("tool", "matrixhell")`` for pyproject.toml."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _DECODE_AT.search(str(e))
        origin = Origin(path, int(m.group(1)), int(m.group(2))) if m else Origin(path)
        raise _error(f"not valid TOML: {str(e).split(' (at')[0]}", origin, "fix the syntax") from e
    lines = _Lines(text)
    node: object = doc
    for p in prefix:
        if not isinstance(node, dict) or p not in node:
            return Overrides(source=None)
        node = node[p]
    if not isinstance(node, dict):
        raise _error(f"[{'.'.join(prefix)}] must be a table", Origin(path), "see docs/generate.md")
    for key in sorted(node):
        if key not in ("defaults", "services"):
            at = Origin(path, lines.key(prefix, key) or lines.table((*prefix, key)))
            raise _error(f"unknown key {key!r}", at, "only [defaults] and [services.NAME] tables are read")
    defaults = ServiceOverride("*", Origin(path))
    raw_defaults = node.get("defaults", {})
    if not isinstance(raw_defaults, dict):
        raise _error("defaults must be a table", Origin(path, lines.key(prefix, "defaults")),
                     "write [defaults]")
    if raw_defaults:
        defaults = _parse_table("*", raw_defaults, _DEFAULT_KEYS, path, lines, (*prefix, "defaults"))
    raw_services = node.get("services", {})
    if not isinstance(raw_services, dict):
        raise _error("services must be a table", Origin(path, lines.key(prefix, "services")),
                     "write [services.NAME]")
    services = []
    for name in sorted(raw_services):
        table = raw_services[name]
        dotted = (*prefix, "services", name)
        if not _NAME.match(name):
            raise _error(f"{name!r} is not a service name", Origin(path, lines.table(dotted)),
                         "use the name `matrixhell scan` shows")
        if not isinstance(table, dict):
            raise _error(f"services.{name} must be a table", Origin(path, lines.table(dotted)),
                         f"write [services.{name}]")
        services.append(_parse_table(name, table, _SERVICE_KEYS, path, lines, dotted))
    return Overrides(source=path, defaults=defaults, services=tuple(services))


def load_overrides(root: Path) -> Overrides:
    """Read ``matrixhell.toml`` or ``[tool.matrixhell]`` of ``pyproject.toml`` at ``root``; none is fine."""
    for name, prefix in ((CONFIG_FILE, ()), ("pyproject.toml", ("tool", "matrixhell"))):
        f = root / name
        if not f.is_file():
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise _error(f"cannot read: {e}", Origin(name), "make it a readable UTF-8 file") from e
        got = parse_overrides(text, name, prefix)
        if got.source is not None:
            return got
    return Overrides()
