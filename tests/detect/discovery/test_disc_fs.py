"""scan_repo over real directory trees: symlink loops and escapes, special files, size caps, ignores."""

from __future__ import annotations

import os
from pathlib import Path

from matrixhell.detect.apt import AptDetector
from matrixhell.detect.base import Detector
from matrixhell.detect.dockerfile import DockerfileDetector
from matrixhell.detect.procfile import ProcfileDetector
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.model import ScanResult, Severity

DETECTORS: list[Detector] = [DockerfileDetector(), ProcfileDetector(), AptDetector()]


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def run(root: Path, **kw: object) -> ScanResult:
    return scan_repo(FsRepoView(root, **kw), detectors=DETECTORS)  # type: ignore[arg-type]


def test_directory_symlink_loop_is_a_finding_and_the_scan_goes_on(tmp_path: Path) -> None:
    write(tmp_path, {"api/Dockerfile": "FROM python:3.12\n"})
    os.symlink("..", tmp_path / "api" / "up")
    os.symlink("loop-b", tmp_path / "loop-a")
    os.symlink("loop-a", tmp_path / "loop-b")
    r = run(tmp_path)
    assert [s.name for s in r.services] == ["api"]
    codes = {(f.code, f.origin.path if f.origin else "") for f in r.findings}
    assert ("symlink-loop", "api/up") in codes
    assert ("symlink-loop", "loop-a") in codes and ("symlink-loop", "loop-b") in codes


def test_a_link_to_a_sibling_directory_is_an_alias_not_a_loop(tmp_path: Path) -> None:
    write(tmp_path, {"a/Procfile": "web: run\n", "d/Procfile": "web: run\n"})
    os.symlink("../a", tmp_path / "d" / "linked")
    r = run(tmp_path)
    (f,) = [f for f in r.findings if f.origin and f.origin.path == "d/linked"]
    assert (f.code, f.severity) == ("symlink-alias", Severity.INFO)
    assert "a" in f.message and "loop" not in f.message and f.hint
    assert sorted(s.name for s in r.services) == ["a", "d"]


def test_symlink_out_of_the_repository_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"evil/Dockerfile": "FROM evil:1\n", "secret.txt": "s3cret"})
    repo = tmp_path / "repo"
    write(repo, {"web/Procfile": "web: node server.js\n"})
    os.symlink(outside / "evil", repo / "evil")
    os.symlink(outside / "secret.txt", repo / "web" / "apt.txt")
    r = run(repo)
    assert [s.name for s in r.services] == ["web"]
    assert {f.code for f in r.findings} >= {"symlink-escape"}
    assert "s3cret" not in repr(r)
    assert all("evil" not in s.path for s in r.services)


def test_compose_dockerfile_through_an_escaping_symlink_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"Dockerfile": "FROM python:3.12\n"})
    repo = tmp_path / "repo"
    write(
        repo,
        {
            "compose.yaml": "services:\n  a:\n    build:\n      context: app\n      dockerfile: link\n",
            "app/Procfile": "web: x\n",
        },
    )
    os.symlink(outside / "Dockerfile", repo / "app" / "link")
    r = run(repo)
    a = r.service("a")
    assert a.dockerfile is None
    assert any(f.code == "compose-missing-dockerfile" for f in r.findings)


def test_dangling_symlink_manifest(tmp_path: Path) -> None:
    write(tmp_path, {"svc/Procfile": "web: run\n"})
    os.symlink("does-not-exist", tmp_path / "svc" / "Dockerfile")
    r = run(tmp_path)
    assert [s.name for s in r.services] == ["svc"]
    assert any(f.code == "symlink-dangling" and f.origin and f.origin.path == "svc/Dockerfile" for f in r.findings)


def test_a_fifo_named_dockerfile_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"svc/Procfile": "web: run\n"})
    os.mkfifo(tmp_path / "svc" / "Dockerfile")
    r = run(tmp_path)
    svc = r.service("svc")
    assert [f.code for f in svc.findings] == ["not-a-file"]


def test_huge_and_binary_manifests_are_findings_with_the_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "big/Dockerfile": "FROM python:3.12\n" + "RUN true\n" * 200,
            "bin/Dockerfile": b"\x7fELF\x00\x00\x00",
            "ok/Dockerfile": "FROM node:20\n",
        },
    )
    r = run(tmp_path, size_cap=1000)
    assert [s.name for s in r.services] == ["big", "bin", "ok"]
    assert [f.code for f in r.service("big").findings] == ["file-too-large"]
    assert [f.code for f in r.service("bin").findings] == ["binary-file"]
    assert r.service("ok").runtime is not None


def test_gitignore_and_matrixhellignore_are_honoured(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "scratch/\n",
            ".matrixhellignore": "legacy/\n",
            "scratch/Dockerfile": "FROM alpine\n",
            "legacy/old/Dockerfile": "FROM python:2.7\n",
            "node_modules/x/Dockerfile": "FROM alpine\n",
            "app/Dockerfile": "FROM python:3.12\n",
        },
    )
    assert [s.name for s in run(tmp_path).services] == ["app"]


def test_gitignored_dotenv_still_interpolates_compose(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": ".env\n",
            ".env": "TAG=3.13\n",
            "compose.yaml": "services:\n  api:\n    build:\n      context: api\n      args:\n        PY: ${TAG}\n",
            "api/Dockerfile": "ARG PY=3.9\nFROM python:${PY}\n",
        },
    )
    api = run(tmp_path).service("api")
    assert api.runtime is not None and api.runtime.spec == "==3.13.*"


def test_root_service_is_named_after_the_repository_directory(tmp_path: Path) -> None:
    repo = tmp_path / "acme-shop"
    write(repo, {"Dockerfile": "FROM python:3.12\n"})
    assert [(s.name, s.path) for s in run(repo).services] == [("acme-shop", ".")]
