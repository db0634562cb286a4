"""FsRepoView.read_signed: the one-open read of a plain file, and everything it leaves to read_bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matrixhell.detect.repoview import FsRepoView
from matrixhell.errors import InputError
from matrixhell.scancache import view_signature


def _walked(root: Path) -> FsRepoView:
    view = FsRepoView(root)
    for _ in view.walk():
        pass
    return view


def test_a_plain_file_is_read_with_the_signature_a_stat_gives(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_bytes(b"flask==3.0\n")
    view = _walked(tmp_path)
    got = view.read_signed("svc/requirements.txt")
    assert got is not None
    sig, data = got
    assert data == b"flask==3.0\n" == view.read_bytes("svc/requirements.txt")
    assert sig == view_signature(view, "svc/requirements.txt")[0]
    assert view.files_read == 2


def test_before_a_walk_nothing_is_vouched_for(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    view = FsRepoView(tmp_path)
    assert view.read_signed("a.txt") is None
    assert view.read_bytes("a.txt") == b"x"


@pytest.mark.parametrize("kind", ["symlink", "fifo", "directory", "oversized", "missing", "unreadable"])
def test_anything_out_of_the_ordinary_goes_the_slow_way(tmp_path: Path, kind: str) -> None:
    (tmp_path / "target.txt").write_text("inside\n")
    name = tmp_path / "x"
    if kind == "symlink":
        name.symlink_to(tmp_path / "target.txt")
    elif kind == "fifo":
        os.mkfifo(name)
    elif kind == "directory":
        name.mkdir()
    elif kind == "oversized":
        name.write_bytes(b"y" * 2048)
    elif kind == "unreadable":
        name.write_text("secret")
    view = FsRepoView(tmp_path, size_cap=1024)
    for _ in view.walk():
        pass
    if kind == "unreadable":
        os.chmod(name, 0)
        if os.access(name, os.R_OK):  # root reads it anyway: the fast path may take it
            assert view.read_signed("x") is not None
            return
    assert view.read_signed("x") is None  # and it did not block on the FIFO
    if kind == "symlink":
        assert view.read_bytes("x") == b"inside\n"
        return
    with pytest.raises(InputError) as e:
        view.read_bytes("x")
    expected = {
        "fifo": "not-a-file",
        "directory": "not-a-file",
        "oversized": "file-too-large",
        "missing": "unreadable",
    }
    assert e.value.code == expected[kind]


def test_a_file_that_grows_after_the_fstat_is_read_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_bytes(b"12345")
    view = _walked(tmp_path)
    real_fstat = os.fstat

    def stale(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        fields = list(st)
        fields[6] = 2  # st_size as it was before the file grew
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", stale)
    got = view.read_signed("a.txt")
    assert got is not None and got[1] == b"12345"
