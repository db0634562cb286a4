"""Resolving mount destinations inside the rootfs: openat2(RESOLVE_IN_ROOT) and the fallback walk must
agree, and neither may leave the root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from matrixhell.runtime import mounts


@pytest.fixture
def root(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    r = tmp_path / "root"
    (r / "etc").mkdir(parents=True)
    (r / "etc" / "passwd").write_text("root\n")
    (tmp_path / "outside").mkdir()
    os.symlink("/../../outside", r / "abs")
    os.symlink("../../../..", r / "up")
    os.symlink("etc/passwd", r / "rel")
    os.symlink("/nowhere/deeper", r / "dangling")
    os.symlink("loop2", r / "loop1")
    os.symlink("loop1", r / "loop2")
    fd = os.open(r, os.O_PATH | os.O_DIRECTORY)
    yield r, fd
    os.close(fd)


def _impls():  # type: ignore[no-untyped-def]
    return [pytest.param(lambda fd, p, c=None: mounts.open_in_root(fd, p, c), id="openat2"),
            pytest.param(lambda fd, p, c=None: mounts._walk(fd, p, c, 0), id="walk")]


def _where(fd: int) -> str:
    try:
        return os.readlink(mounts.fd_path(fd))
    finally:
        os.close(fd)


@pytest.mark.parametrize("resolve", _impls())
@pytest.mark.parametrize(("path", "expected"), [
    ("/etc/passwd", "etc/passwd"), ("/rel", "etc/passwd"), ("/up/etc", "etc"), ("/../../etc/./passwd", "etc/passwd"),
    ("/", ""),
])
def test_paths_resolve_within_the_root(root, resolve, path: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    r, fd = root
    assert _where(resolve(fd, path)) == str(r / expected).rstrip("/")


@pytest.mark.parametrize("resolve", _impls())
def test_absolute_symlink_out_is_clamped_and_created_inside(root, resolve) -> None:  # type: ignore[no-untyped-def]
    r, fd = root
    assert _where(resolve(fd, "/abs/x", "dir")) == str(r / "outside" / "x")
    assert not (r.parent / "outside" / "x").exists()


@pytest.mark.parametrize("resolve", _impls())
def test_dangling_symlink_is_created_inside(root, resolve) -> None:  # type: ignore[no-untyped-def]
    r, fd = root
    assert _where(resolve(fd, "/dangling", "file")) == str(r / "nowhere" / "deeper")
    assert (r / "nowhere" / "deeper").is_file()
    assert not Path("/nowhere").exists()


@pytest.mark.parametrize("resolve", _impls())
def test_symlink_loops_and_missing_paths_fail(root, resolve) -> None:  # type: ignore[no-untyped-def]
    _r, fd = root
    with pytest.raises(OSError) as ei:
        resolve(fd, "/loop1")
    assert ei.value.errno == 40
    with pytest.raises(FileNotFoundError):
        resolve(fd, "/missing/x")


@pytest.mark.parametrize("resolve", _impls())
def test_file_in_the_middle_is_not_a_directory(root, resolve) -> None:  # type: ignore[no-untyped-def]
    _r, fd = root
    with pytest.raises(NotADirectoryError):
        resolve(fd, "/etc/passwd/x", "dir")
