"""The write step: marker check, refusal, --force, atomic writes, validation first, --check, --dry-run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.errors import InputError
from matrixhell.generate import FileState, GeneratedFile, write_files
from matrixhell.render.marker import header

H = header() + "\n"


def _files(*pairs: tuple[str, str]) -> list[GeneratedFile]:
    return [GeneratedFile(p, H + body, "dockerfile") for p, body in pairs]


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_new_files_are_written_and_nothing_else_is_left(tmp_path: Path) -> None:
    report = write_files(tmp_path, _files(("a/Dockerfile", "FROM x\n"), ("k8s/x.yaml", "a: 1\n")))
    assert report.written == ["a/Dockerfile", "k8s/x.yaml"]
    assert _tree(tmp_path) == {"a/Dockerfile": H + "FROM x\n", "k8s/x.yaml": H + "a: 1\n"}
    assert oct((tmp_path / "a/Dockerfile").stat().st_mode & 0o777) == "0o644"


def test_a_second_identical_run_changes_nothing(tmp_path: Path) -> None:
    files = _files(("Dockerfile", "FROM x\n"))
    write_files(tmp_path, files)
    before = (tmp_path / "Dockerfile").stat().st_mtime_ns
    report = write_files(tmp_path, files)
    assert report.states == [("Dockerfile", FileState.UNCHANGED)] and report.written == []
    assert (tmp_path / "Dockerfile").stat().st_mtime_ns == before


def test_an_unmarked_file_is_left_alone_and_reported(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM mine\n")
    report = write_files(tmp_path, _files(("Dockerfile", "FROM x\n"), ("other", "y\n")))
    assert (tmp_path / "Dockerfile").read_text() == "FROM mine\n"
    assert report.blocked and report.paths(FileState.BLOCKED) == ["Dockerfile"]
    assert report.written == ["other"], "the rest is still written"
    f = report.findings[0]
    assert f.code == "file-not-generated" and str(f.origin) == "Dockerfile:1" and "--force" in (f.hint or "")


def test_force_replaces_an_unmarked_file(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM mine\n")
    report = write_files(tmp_path, _files(("Dockerfile", "FROM x\n")), force=True)
    assert report.written == ["Dockerfile"] and (tmp_path / "Dockerfile").read_text() == H + "FROM x\n"


def test_removing_the_header_takes_ownership(tmp_path: Path) -> None:
    write_files(tmp_path, _files(("Dockerfile", "FROM x\n")))
    (tmp_path / "Dockerfile").write_text("FROM x\nUSER me\n")  # the user deleted the marker line
    report = write_files(tmp_path, _files(("Dockerfile", "FROM y\n")))
    assert report.blocked and (tmp_path / "Dockerfile").read_text() == "FROM x\nUSER me\n"


def test_check_writes_nothing_and_returns_unified_diffs(tmp_path: Path) -> None:
    write_files(tmp_path, _files(("Dockerfile", "FROM x\n")))
    report = write_files(tmp_path, _files(("Dockerfile", "FROM y\n"), ("new", "n\n")), check=True)
    assert report.stale and report.written == []
    assert (tmp_path / "Dockerfile").read_text() == H + "FROM x\n" and not (tmp_path / "new").exists()
    changed, new = report.diffs
    assert changed.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n") and "-FROM x\n+FROM y\n" in changed
    assert new.startswith("--- /dev/null\n+++ b/new\n")
    assert not write_files(tmp_path, _files(("Dockerfile", "FROM x\n")), check=True).stale


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    report = write_files(tmp_path, _files(("a/Dockerfile", "FROM x\n")), dry_run=True)
    assert report.states == [("a/Dockerfile", FileState.NEW)] and not (tmp_path / "a").exists()


def test_every_destination_is_checked_before_the_first_write(tmp_path: Path) -> None:
    (tmp_path / "k8s").write_text("a file where a directory must go\n")
    with pytest.raises(InputError, match="is a file, not a directory"):
        write_files(tmp_path, _files(("a/Dockerfile", "FROM x\n"), ("k8s/x.yaml", "a: 1\n")))
    assert not (tmp_path / "a").exists(), "nothing was written"
    (tmp_path / "d").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        write_files(tmp_path, _files(("b", "x\n"), ("d", "y\n")))
    assert not (tmp_path / "b").exists()


def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / "k8s").symlink_to(outside)
    with pytest.raises(InputError, match="outside"):
        write_files(repo, _files(("k8s/x.yaml", "a: 1\n")))
    assert list(outside.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_whole_and_no_temp_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, _files(("Dockerfile", "FROM old\n")))
    real = os.replace

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match="cannot write Dockerfile: No space left") as err:
        write_files(tmp_path, _files(("Dockerfile", "FROM new\n")))
    assert err.value.code == "unwritable" and isinstance(err.value.__cause__, OSError)
    monkeypatch.setattr(os, "replace", real)
    assert (tmp_path / "Dockerfile").read_text() == H + "FROM old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def test_generated_files_are_hidden_from_the_scan() -> None:
    from matrixhell.detect.scan import scan_repo

    result = scan_repo(MemoryRepoView({
        "api/Dockerfile": H + "FROM x\n",
        "api/requirements.txt": "flask\n",
        "compose.yaml": H + "services: {}\n",
        "web/Dockerfile": "FROM python:3.12-slim\n",
        "web/requirements.txt": "flask\n",
    }))
    hidden = {k.path for k in result.skipped if k.reason.startswith("generated by matrixhell")}
    assert hidden == {"api/Dockerfile", "compose.yaml"}
    by = {s.name: s for s in result.services}
    assert by["api"].dockerfile is None and not by["api"].base_images
    assert by["web"].dockerfile == "web/Dockerfile" and by["web"].base_images
