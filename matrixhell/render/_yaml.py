"""Deterministic YAML out of plain data: the order the renderer built, no aliases, no line folding."""

from __future__ import annotations

from typing import Any

__all__ = ["dump_yaml"]


def dump_yaml(doc: Any, header: str | None = None) -> str:
    import yaml

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    body = yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, default_flow_style=False, width=4096,
                     allow_unicode=True)
    return f"{header}\n{body}" if header else body
