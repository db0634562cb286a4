"""A directory whose only Python file is a PEP 751 lock is a Python service."""

from __future__ import annotations

import pytest

from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import scan_repo

LOCK = """lock-version = "1.0"
requires-python = ">=3.12"
created-by = "pip"

[[packages]]
name = "flask"
version = "3.0.3"
"""


@pytest.mark.parametrize("name", ["pylock.toml", "pylock.prod.toml"])
def test_a_pylock_alone_makes_a_python_service(name: str) -> None:
    result = scan_repo(MemoryRepoView({f"svc/{name}": LOCK}))
    (svc,) = result.services
    assert svc.languages[0] == "python"
    assert svc.runtime is not None and svc.runtime.origin.path == f"svc/{name}"
    assert [(p.name, p.locked) for p in svc.packages] == [("flask", "3.0.3")]
