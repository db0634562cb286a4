"""A pylock.toml that disagrees on the runtime sends the user to the manifest and the locker."""

from __future__ import annotations

from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import scan_repo

LOCK = """lock-version = "1.0"
requires-python = ">=3.13"
created-by = "pip"
"""


def test_a_disagreeing_pylock_points_at_its_manifest_and_the_locker() -> None:
    result = scan_repo(MemoryRepoView({
        "svc/pyproject.toml": '[project]\nname = "svc"\nversion = "1"\nrequires-python = "<3.12"\n',
        "svc/pylock.toml": LOCK,
    }))
    (f,) = [f for f in result.all_findings() if f.code == "runtime-disagreement"]
    assert f.hint is not None and "svc/pyproject.toml" in f.hint and "`pip lock`" in f.hint
