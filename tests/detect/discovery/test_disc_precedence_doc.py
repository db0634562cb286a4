"""docs/detection.md's precedence table stays the truth: every runtime source a scan of the fixture repos
reports is in the table with the precedence the detector gave it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "detection.md"
REPOS = ROOT / "fixtures" / "repos"


def _table() -> dict[str, set[int]]:
    """source -> the precedence values the doc allows for it."""
    text = DOC.read_text()
    section = text[text.index("## Runtime-version precedence") :]
    section = section[: section.index("\n## ", 1)]
    allowed: dict[str, set[int]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0][:1].isdigit():
            continue
        numbers = {int(n) for n in re.findall(r"\d+", cells[0])}
        span = re.fullmatch(r"(\d+)-(\d+)", cells[0])
        if span:
            numbers |= set(range(int(span.group(1)), int(span.group(2)) + 1))
        for source in re.findall(r"`([a-z0-9-]+)`", cells[1]):
            allowed.setdefault(source, set()).update(numbers)
    return allowed


def test_the_table_parses() -> None:
    table = _table()
    assert table["dockerfile-from"] == {10}
    assert table["python-version-file"] == {20, 21}


@pytest.mark.parametrize("case", sorted(p.name for p in REPOS.iterdir() if p.is_dir()))
def test_every_runtime_source_of_a_fixture_repo_is_documented(case: str) -> None:
    table = _table()
    result = scan_repo(FsRepoView(REPOS / case))
    seen = {(r.source, r.precedence, str(r.origin)) for s in result.services for r in s.runtimes}
    undocumented = sorted(x for x in seen if x[1] not in table.get(x[0], set()))
    assert not undocumented, f"add these to the precedence table of docs/detection.md: {undocumented}"
