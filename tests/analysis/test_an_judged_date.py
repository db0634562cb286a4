"""The date end-of-life is judged on: MATRIXHELL_TODAY pins it, a bad value is a one-line error."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from matrixhell.analyze import judged_date
from matrixhell.errors import ConfigError

REPOS = Path(__file__).resolve().parents[2] / "fixtures" / "repos"


def test_the_environment_pins_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATRIXHELL_TODAY", "2031-02-03")
    assert judged_date() == date(2031, 2, 3)
    monkeypatch.delenv("MATRIXHELL_TODAY")
    assert judged_date() == date.today()


def test_a_bad_date_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATRIXHELL_TODAY", "next tuesday")
    with pytest.raises(ConfigError, match="MATRIXHELL_TODAY"):
        judged_date()


def test_a_later_date_finds_more_lines_past_their_end() -> None:
    def eol_warnings(day: str) -> int:
        env = {**os.environ, "MATRIXHELL_TODAY": day}
        proc = subprocess.run([sys.executable, "-m", "matrixhell", "plan", str(REPOS / "polyglot"), "-f", "json"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout.count('"eol-')

    assert eol_warnings("2040-01-01") > eol_warnings("2026-12-01")
    bad = subprocess.run([sys.executable, "-m", "matrixhell", "plan", str(REPOS / "polyglot")], capture_output=True,
                         text=True, env={**os.environ, "MATRIXHELL_TODAY": "soon"}, timeout=120)
    assert bad.returncode == 3 and bad.stderr.count("\n") == 1 and "YYYY-MM-DD" in bad.stderr
