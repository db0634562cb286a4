"""The workspace root a service directory is a member of, for the detectors that inherit from it.

A member crate or package reads its workspace root's manifest (inherited fields, the package manager it
pins) and lock file; ``workspace_root`` finds that root by walking up from the service directory.  Only
ancestors holding one of the ecosystem's manifest names are asked, and each root's members are read once
per scan (``workspace_members`` is memoized per view), so a monorepo's members cost a probe per ancestor.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection

from matrixhell.detect.base import DetectContext, join

__all__ = ["workspace_root"]


def workspace_root(
    ctx: DetectContext, manifests: Collection[str], kinds: Collection[str] | None = None
) -> str | None:
    """The nearest proper ancestor of ``ctx.directory`` that is a workspace root listing it as a member.

    ``manifests``: the file names that make an ancestor worth asking (``Cargo.toml``; ``package.json``
    or ``pnpm-workspace.yaml``).  ``kinds``: the workspace kinds that count (``npm``, ``yarn``, ``pnpm``),
    any kind when None (a root that is a workspace of several kinds lists the members of all of them).
    """
    from matrixhell.detect.workspaces import workspace_members

    view = ctx.view
    d = ctx.directory
    while d:
        d = posixpath.dirname(d)
        if any(view.is_file(join(d, name)) for name in manifests):
            info = workspace_members(view, d)
            if info is not None and (kinds is None or info.kind in kinds) and ctx.directory in info.members:
                return d
    return None
