"""Every example repository in fixtures/repos/ against its expected.json (one parametrized test).

expected.json holds a projection of the scan that a person can review: per service its kind, path,
languages, winning runtime with its origin, ports, start command, direct packages and OS packages; the
finding codes with their origins; the directories not taken; the conflicts the analysis names (kind,
severity, subjects) and the environments it groups the services into. Regenerate after
a deliberate change with MATRIXHELL_UPDATE_EXPECTED=1 and review the diff.

The analysis judges end-of-life on a fixed date (JUDGED_ON), so the expectations do not move as
runtimes and releases reach their end.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from matrixhell.analyze import analyze
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.model import ScanResult, Scope, ServiceKind

REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
CASES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())
JUDGED_ON = date(2026, 12, 1)


def project(result: ScanResult) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for s in result.services:
        entry: dict[str, Any] = {"kind": s.kind.value, "path": s.path}
        if s.kind is ServiceKind.EXTERNAL:
            entry["image"] = s.image
        else:
            entry["languages"] = list(s.languages)
            r = s.runtime
            entry["runtime"] = f"{r.runtime} {r.spec}".strip() if r else None
            entry["runtime_from"] = str(r.origin) if r else None
            entry["start"] = s.start.display() if s.start else None
            entry["packages"] = sorted({p.name for p in s.packages if p.direct and p.scope is Scope.MAIN})
            entry["system_packages"] = sorted({f"{p.name}:{p.phase}" for p in s.system_packages})
            entry["dockerfile"] = s.dockerfile
        entry["ports"] = sorted({p.number for p in s.ports})
        services[s.name] = entry
    findings = sorted({(f.code, str(f.origin) if f.origin else "") for f in result.all_findings()})
    plan = analyze(result, today=JUDGED_ON).plan
    conflicts = sorted({(c.kind, c.severity.value, *sorted(c.subjects)) for c in plan.conflicts})
    return {
        "services": services,
        "findings": [list(f) for f in findings],
        "skipped": sorted({k.path for k in result.skipped}),
        "conflicts": [list(c) for c in conflicts],
        "environments": sorted(sorted(e.services) for e in plan.environments),
    }


@pytest.mark.parametrize("case", CASES)
def test_fixture_repo(case: str) -> None:
    root = REPOS / case
    actual = project(scan_repo(FsRepoView(root), cache=False))
    expected_path = root / "expected.json"
    if os.environ.get("MATRIXHELL_UPDATE_EXPECTED"):
        expected_path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    expected = json.loads(expected_path.read_text())
    assert actual == expected


def test_every_fixture_repo_has_expectations() -> None:
    assert len(CASES) >= 6
    for case in CASES:
        assert (REPOS / case / "expected.json").is_file(), case
