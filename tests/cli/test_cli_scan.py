"""`matrixhell scan` as a user runs it: exit codes, formats, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPOS = Path(__file__).resolve().parents[2] / "fixtures" / "repos"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matrixhell", *args], capture_output=True, text=True, cwd=cwd)


def test_scan_of_the_example_finds_its_services_and_exits_1_for_its_conflicts() -> None:
    proc = run("scan", str(REPOS / "shop"))
    assert proc.returncode == 1, proc.stderr
    for name in ("web", "worker", "billing", "reports", "frontend", "db", "cache"):
        assert f"\n{name} " in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "disjoint-runtime" in proc.stdout


def test_json_has_schema_version_origins_and_analysis() -> None:
    proc = run("scan", str(REPOS / "shop"), "--format", "json")
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1
    web = next(s for s in data["services"] if s["name"] == "web")
    assert web["runtime"]["origin"]["path"].endswith(".Dockerfile") or web["runtime"]["origin"]["path"].endswith(
        "pyproject.toml"
    )
    assert all(p["origin"]["path"] for p in web["packages"])
    assert "DJANGO_SECRET_KEY" in web["env"]
    assert "dev-not-secret" not in proc.stdout  # .env values are never reported
    assert data["analysis"]["conflicts"]


def test_markdown_is_a_table() -> None:
    proc = run("scan", str(REPOS / "polyglot"), "--format", "markdown", "--no-analyze")
    assert proc.returncode == 0
    assert "| service | path |" in proc.stdout
    assert "`gateway`" in proc.stdout


def test_verbose_says_why_a_directory_was_not_taken() -> None:
    proc = run("scan", str(REPOS / "shop"), "--verbose", "--no-analyze")
    assert "not taken as services:" in proc.stdout
    assert "tests/e2e" in proc.stdout
    assert "libs/common" in proc.stdout


def test_not_a_directory_is_one_line_exit_3(tmp_path: Path) -> None:
    proc = run("scan", str(tmp_path / "missing"))
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matrixhell: error: ")
    assert "no such directory" in lines[0]
    (tmp_path / "file").write_text("x")
    proc = run("scan", str(tmp_path / "file"))
    assert proc.returncode == 3 and "not a directory" in proc.stderr


def test_a_repo_without_services_still_has_an_empty_analysis(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing to run here\n")
    proc = run("scan", str(tmp_path), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["services"] == []
    assert data["analysis"]["environments"] == [] and data["analysis"]["conflicts"] == []


def test_bad_option_exits_2() -> None:
    assert run("scan", "--no-such-option").returncode == 2


def test_broken_repo_reports_every_bad_file_and_keeps_the_good_service() -> None:
    proc = run("scan", str(REPOS / "broken"), "--format", "json", "--no-analyze")
    assert proc.returncode == 1, proc.stderr  # error-severity findings: unreadable manifests
    data = json.loads(proc.stdout)
    codes = {(f["code"], f["origin"]["path"] if f["origin"] else None) for f in data["findings"]}
    assert ("binary-file", "bad-binary/package.json") in codes
    assert ("not-utf8", "bad-encoding/requirements.txt") in codes
    assert any(c == "requirements-include-cycle" for c, _ in codes)
    assert any(c == "symlink-escape" for c, _ in codes)
    assert any(c == "symlink-loop" for c, _ in codes)
    assert any(p == "docker-compose.yml" for _, p in codes)
    good = next(s for s in data["services"] if s["name"] == "good")
    assert {p["name"] for p in good["packages"]} >= {"flask", "gunicorn"}


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run("scan", str(REPOS / "polyglot"), "-f", "json", "-o", str(out), "--no-analyze")
    assert proc.returncode == 0
    assert json.loads(out.read_text())["schema_version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left behind


def test_output_into_a_missing_directory_is_an_input_error(tmp_path: Path) -> None:
    proc = run("scan", str(REPOS / "polyglot"), "-o", str(tmp_path / "no" / "such" / "r.txt"), "--no-analyze")
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1


def test_version_is_printed() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("matrixhell ")


def test_a_runtime_disagreement_is_printed_once_with_its_file_and_line() -> None:
    proc = run("scan", str(REPOS / "polyglot"), "--no-cache")
    lines = [ln for ln in proc.stdout.splitlines() if "runtime-disagreement" in ln]
    explained = [ln for ln in lines if "have no version in common" in ln]
    assert not explained, proc.stdout  # the conflict's own block is left out
    (finding,) = [ln for ln in lines if ln.strip().startswith("warning [storefront]")]
    assert "storefront/Gemfile:3" in finding and "storefront/.ruby-version:1" in finding
    (header,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("conflicts:")]
    assert "runtime-disagreement (storefront)" in header
    data = json.loads(run("scan", str(REPOS / "polyglot"), "--format", "json", "--no-cache").stdout)
    kinds = [c["kind"] for c in data["analysis"]["conflicts"]]
    assert "runtime-disagreement" in kinds  # the data keeps the conflict


def test_output_file_gets_the_usual_mode_and_keeps_an_existing_one(tmp_path: Path) -> None:
    import os
    import stat

    fresh = tmp_path / "fresh.json"
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    os.chmod(kept, 0o640)
    for out in (fresh, kept):
        proc = run("scan", str(REPOS / "polyglot"), "-f", "json", "-o", str(out), "--no-analyze")
        assert proc.returncode in (0, 1), proc.stderr
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_a_directory_name_that_is_not_utf8_is_scanned_cached_and_written_as_valid_json(tmp_path: Path) -> None:
    import os

    repo = tmp_path / "repo"
    odd = os.path.join(os.fsencode(repo), b"svc-\xe9")
    os.makedirs(odd)
    with open(os.path.join(odd, b"requirements.txt"), "w") as fh:
        fh.write("flask==3.0.0\n")
    for _ in range(2):  # the second scan is answered from the scan cache
        proc = run("scan", str(repo), "-f", "json")
        assert "Traceback" not in proc.stderr, proc.stderr
        data = json.loads(proc.stdout)  # strict: no lone surrogate escapes
        assert "\\udc" not in proc.stdout
        assert [s["path"] for s in data["services"]] == ["svc-\\xe9"]
        assert data["services"][0]["packages"][0]["name"] == "flask"


def test_json_runtime_carries_its_precedence() -> None:
    proc = run("scan", str(REPOS / "shop"), "-f", "json", "--no-analyze")
    for s in json.loads(proc.stdout)["services"]:
        if s["runtime"] is not None:
            same = [r["precedence"] for r in s["runtimes"] if r["name"] == s["runtime"]["name"]]
            assert s["runtime"]["precedence"] == min(same)


def test_json_says_which_procfile_process_and_cargo_package_a_service_is() -> None:
    proc = run("scan", str(REPOS / "procfile-rust"), "-f", "json", "--no-analyze")
    by = {s["name"]: s for s in json.loads(proc.stdout)["services"]}
    assert by["notes-worker"]["process"] == "worker" and by["notes-worker"]["image_from"] == "notes"
    (task,) = by["shop"]["tasks"]
    assert task["shell"] == "python -m shop.migrate" and task["origin"] == {"path": "shop/Procfile", "line": 4}
    cargo = {"workspace": "engine", "package": "indexer", "binaries": ["index-worker", "reindex"]}
    assert by["indexer"]["cargo"] == cargo
    assert by["redis"]["cargo"] is None and by["redis"]["process"] is None
