"""FakeSupervisorClient behaves like the real client for its callers (no root needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matrixhell.runtime.fake import FakeSupervisorClient
from matrixhell.runtime.spec import default_spec
from matrixhell.runtime.supervisor import SupervisorClient, SupervisorError


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "rootfs").mkdir()
    cfg = default_spec()
    cfg["process"]["args"] = ["/bin/sh", "-c", "exit 3"]
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    return tmp_path


def test_same_public_methods_as_the_real_client() -> None:
    public = {n for n in dir(SupervisorClient) if not n.startswith("_")}
    assert public <= {n for n in dir(FakeSupervisorClient) if not n.startswith("_")}


def test_lifecycle_and_behaviour(bundle: Path) -> None:
    fake = FakeSupervisorClient(behaviour=lambda cfg: len(cfg.process.args) if cfg.process else 0)
    pid = fake.start(str(bundle), "a")
    assert pid > 1 and fake.list() == [{"id": "a", "pid": pid, "status": "running", "exit": None}]
    with pytest.raises(SupervisorError) as ei:
        fake.delete("a")
    assert ei.value.code == 5
    assert fake.wait("a") == 3
    fake.delete("a")
    assert fake.run(str(bundle), "b") == 3 and fake.list() == []
    assert fake.calls[-2:] == [("start", "b"), ("wait", "b")]


def test_invalid_bundles_fail_like_the_supervisor(bundle: Path) -> None:
    cfg = json.loads((bundle / "config.json").read_text())
    cfg["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1})
    (bundle / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(SupervisorError) as ei:
        FakeSupervisorClient().start(str(bundle), "x")
    assert ei.value.code == 3 and ei.value.where == "process.rlimits[1].type"


def test_kill_sets_128_plus_signal(bundle: Path) -> None:
    fake = FakeSupervisorClient()
    fake.start(str(bundle), "k")
    fake.kill("k", 9)
    assert fake.wait("k") == 137
    with pytest.raises(SupervisorError):
        fake.kill("k")


def test_exec_needs_a_running_container_and_a_command(bundle: Path) -> None:
    fake = FakeSupervisorClient()
    fake.start(str(bundle), "e")
    pid = fake.exec("e", ["true"])
    assert fake.wait_exec(pid) == 0
    with pytest.raises(SupervisorError) as ei:
        fake.wait_exec(pid)
    assert ei.value.code == 4
    with pytest.raises(SupervisorError) as ei:
        fake.exec("e")
    assert ei.value.code == 2
    fake.wait("e")
    with pytest.raises(SupervisorError) as ei:
        fake.exec("e", ["true"])
    assert ei.value.code == 5
