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


def _rows(path: Path, default_runtime: str = "") -> set[tuple[str, str, int]]:
    """(runtime, source, precedence) of every table row of ``path`` that starts with a precedence.

    The runtime comes from the section heading (``### Node (`runtime="node"`)``); ``a / b`` cells pair
    up (``22 / 23`` with `tool-versions` / `mise-toml`); ``20 (21 for later lines)`` allows both."""
    out: set[tuple[str, str, int]] = set()
    runtime = default_runtime
    for line in path.read_text().splitlines():
        heading = re.match(r"#+ .*runtime=\"([a-z-]+)\"", line)
        if heading:
            runtime = heading.group(1)
            continue
        if line.startswith("#"):
            runtime = default_runtime if not line.startswith("### ") else "*"
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.match(r"\d", cells[0]):
            continue
        numbers = [int(n) for n in re.findall(r"\d+", cells[0])]
        sources = re.findall(r"`([a-z0-9-]+)`", cells[1])
        if " / " in cells[0] and len(numbers) == len(sources):
            out.update((runtime, src, n) for src, n in zip(sources, numbers, strict=True))
            continue
        span = re.fullmatch(r"(\d+)-(\d+)", cells[0])
        if span:
            numbers = list(range(int(span.group(1)), int(span.group(2)) + 1))
        out.update((runtime, src, n) for src in sources for n in numbers)
    return out


@pytest.mark.parametrize(("page", "runtime"), [("python.md", "python"), ("ecosystems.md", "")])
def test_the_ecosystem_pages_agree_with_the_overall_table(page: str, runtime: str) -> None:
    path = DOC.parent / "detection" / page
    if not path.exists():
        pytest.fail(f"{path} is linked from docs/detection.md but missing")
    mine = _rows(DOC)
    theirs = {r for r in _rows(path, runtime) if r[0] not in ("", "*")}
    assert theirs, f"no precedence rows found in {page}"
    missing = sorted(theirs - mine)
    assert not missing, f"docs/detection.md's precedence table lacks these rows of {page}: {missing}"
    stale = sorted(r for r in mine if r[0] in {t[0] for t in theirs} and r not in theirs)
    assert not stale, f"docs/detection.md has rows {page} no longer has: {stale}"
