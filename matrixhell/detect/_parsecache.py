"""Parsed files remembered per RepoView, for the files many services read: a workspace root's
manifest and lock file are read again for each member service, and a 4 MB pnpm-lock.yaml should be
parsed once per scan, not once per member.

The memo lives as long as the view does (a weak reference keys it), so a new scan - a new view -
starts empty.  Errors are remembered too, and raised again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError

__all__ = ["memo"]

T = TypeVar("T")

_MEMO: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Any]] = weakref.WeakKeyDictionary()


def memo(view: RepoView, kind: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per (view, kind, key); an InputError it raises is raised again on each call."""
    try:
        per = _MEMO.setdefault(view, {})
    except TypeError:  # a view that cannot be weakly referenced is not memoized
        return compute()
    k = (kind, key)
    if k in per:
        hit = per[k]
        if isinstance(hit, InputError):
            raise hit
        return hit  # type: ignore[no-any-return]
    try:
        value = compute()
    except InputError as e:
        per[k] = e
        raise
    per[k] = value
    return value
