"""What every analysis command shares: one wording for a path that is not a repository, -f for --format,
and --version listed in the help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPOS = Path(__file__).resolve().parents[2] / "fixtures" / "repos"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matrixhell", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["scan", "plan", "graph", "generate"])
def test_a_missing_path_and_a_file_get_the_same_one_line_error_from_every_command(
    command: str, tmp_path: Path
) -> None:
    nope = tmp_path / "nope"
    missing = run(command, str(nope))
    assert missing.returncode == 3
    assert missing.stderr == f"matrixhell: error: {nope}: no such directory (give the path of a repository)\n"
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    proc = run(command, str(afile))
    assert proc.returncode == 3
    assert proc.stderr == f"matrixhell: error: {afile}: not a directory (give the path of a repository)\n"


def test_plan_takes_f_for_format() -> None:
    proc = run("plan", str(REPOS / "polyglot"), "-f", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "environments" in json.loads(proc.stdout)


def test_version_is_listed_in_the_help_and_answers_both_ways() -> None:
    assert "--version" in run("--help").stdout
    for flag in ("--version", "-V"):
        proc = run(flag)
        assert proc.returncode == 0 and proc.stdout.startswith("matrixhell ")
