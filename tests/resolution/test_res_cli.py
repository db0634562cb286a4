"""`matrixhell resolve`, registered in a typer app of the test's own, as cli/app.py registers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from res_wheelhouse import build_wheelhouse

from matrixhell.cli import resolve as resolve_cli
from matrixhell.errors import ExitCode, InputError, UsageError

INDEX = {
    "api": {"1.0": {"requires_dist": ["db<2", "log; python_version < '3.10'"]}},
    "db": {"1.0": {}, "1.5": {}, "2.0": {}},
    "log": {"1.0": {}},
    "worker": {"1.0": {"requires_dist": ["db>=2"]}},
}


def _run(args: list[str]) -> int:
    app = typer.Typer()
    resolve_cli.register(app)

    @app.callback()
    def _root() -> None:
        """Test root so `resolve` stays a subcommand."""

    result = app(args=args, standalone_mode=False, prog_name="matrixhell")
    return int(result)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"_provenance": {"source": "test"}, "format": 1, "projects": INDEX}))
    return path


def test_res_cli_prints_sorted_pins(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["resolve", "api", "--snapshot", str(snapshot)]) == 0
    assert capsys.readouterr().out == "api==1.0\ndb==1.5\n"


def test_res_cli_markers_follow_python_option(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["resolve", "api", "--snapshot", str(snapshot), "--python", "3.9"]) == 0
    assert capsys.readouterr().out == "api==1.0\ndb==1.5\nlog==1.0\n"


def test_res_cli_json(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["resolve", "api", "--snapshot", str(snapshot), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["resolved"] is True
    assert data["pins"] == {"api": "1.0", "db": "1.5"}
    assert data["wheels"]["db"] == "db-1.5-py3-none-any.whl"
    assert data["target"] == {"implementation": "cp", "platform": "manylinux_2_36_x86_64", "python": "3.11"}


def test_res_cli_conflict_exits_4_with_the_derivation(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(["resolve", "api", "worker", "--snapshot", str(snapshot)])
    assert code == ExitCode.RESOLUTION == 4
    err = capsys.readouterr().err
    assert "Because" in err and "db<2" in err and "db>=2" in err
    assert "api==1.0" in err and "worker==1.0" in err


def test_res_cli_conflict_json(snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["resolve", "api", "worker", "--snapshot", str(snapshot), "-f", "json"]) == 4
    data = json.loads(capsys.readouterr().out)
    assert data["resolved"] is False
    assert data["causes"][0]["project"] == "db"
    assert {r["requirement"] for r in data["causes"][0]["requirers"]} == {"db<2", "db>=2"}


def test_res_cli_requirements_file_origins(snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.txt"
    base.write_text("# shared\ndb==2.0  # newest\n")
    req = tmp_path / "requirements.txt"
    req.write_text("-r base.txt\n--index-url ignored\napi \\\n  ==1.0\n")
    code = _run(["resolve", "-r", str(req), "--snapshot", str(snapshot), "-f", "json"])
    assert code == 4
    data = json.loads(capsys.readouterr().out)
    origins = {r["requirement"]: r["origin"] for c in data["causes"] for r in c["requirers"]}
    assert any(o and o["path"].endswith("base.txt") and o["line"] == 2 for o in origins.values()), origins
    assert any(o and o["path"].endswith("requirements.txt") and o["line"] == 3 for o in origins.values()), origins


def test_res_cli_find_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = build_wheelhouse(INDEX, tmp_path / "wheels")
    assert _run(["resolve", "api", "--find-links", str(folder), "--platform", "musllinux_1_2_aarch64"]) == 0
    assert capsys.readouterr().out == "api==1.0\ndb==1.5\n"


def test_res_cli_constraints(snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cons = tmp_path / "constraints.txt"
    cons.write_text("db<1.5\n")
    assert _run(["resolve", "api", "-c", str(cons), "--snapshot", str(snapshot)]) == 0
    assert capsys.readouterr().out == "api==1.0\ndb==1.0\n"


def test_res_cli_usage_errors(snapshot: Path) -> None:
    with pytest.raises(UsageError):
        _run(["resolve", "--snapshot", str(snapshot)])
    with pytest.raises(UsageError):
        _run(["resolve", "api", "--snapshot", str(snapshot), "--platform", "win_amd64"])
    with pytest.raises(InputError, match="not a PEP 508 requirement"):
        _run(["resolve", "api ===", "--snapshot", str(snapshot)])


def test_res_cli_default_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["resolve", "django==3.2.25", "--python", "3.8"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "django==3.2.25" in out
    assert any(line.startswith("sqlparse==") for line in out)


def test_res_cli_only_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = {"db": {"1.0": {}, "2.0": {"files": ["db-2.0.tar.gz"]}}}
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({"format": 1, "projects": index}))
    assert _run(["resolve", "db", "--snapshot", str(snap), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pins"] == {"db": "2.0"} and data["sdist_only"] == ["db"]
    assert _run(["resolve", "db", "--snapshot", str(snap), "--only-binary", ":all:"]) == 0
    assert capsys.readouterr().out == "db==1.0\n"
    assert _run(["resolve", "db==2.0", "--snapshot", str(snap), "--only-binary", "other,db"]) == 4
    assert "only binary wheels are allowed" in capsys.readouterr().err
