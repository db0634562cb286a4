"""The supervisor: many containers from one warm process, over its JSON-lines socket."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rt_harness import RT, Bundle, cgroup_leaves, env, privileged

from matrixhell.runtime.supervisor import SupervisorClient, SupervisorError

pytestmark = [pytest.mark.privileged, privileged]


@pytest.fixture
def sup(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    sock = str(tmp_path / "sup.sock")
    root = tmp_path / "state"
    p = subprocess.Popen([*RT, "--root", str(root), "supervisor", "--socket", sock], env=env(),
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while not os.path.exists(sock):
        assert p.poll() is None, p.stderr.read() if p.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    yield sock, root
    p.terminate()
    p.wait(timeout=10)
    assert not os.path.exists(sock)
    assert not root.exists() or [n for n in os.listdir(root) if not n.startswith(".")] == [], os.listdir(root)


def test_start_and_wait_returns_the_exit_status(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.sh("exit 5")
    with SupervisorClient(sock) as c:
        assert c.run(str(bundle.path), "a") == 5
        assert c.list() == []


def test_stdio_fds_are_passed_to_the_container(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    r, w = os.pipe()
    with SupervisorClient(sock) as c:
        pid = c.start(str(bundle.path), "p", stdio=(0, w, w), remove=True)
        os.close(w)
        out = b""
        while chunk := os.read(r, 65536):
            out += chunk
        os.close(r)
        assert c.wait("p") == 0
    report = dict(line.split("=", 1) for line in out.decode().splitlines() if "=" in line and " " not in line)
    assert report["pid"] == "1" and report["hostname"] == "matrixhell"
    assert pid > 1


def test_many_containers_concurrently(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.sh("sleep 0.3; exit $(hostname | wc -c)")
    with SupervisorClient(sock) as c:
        pids = [c.start(str(bundle.path), f"m{i}") for i in range(8)]
        assert len(set(pids)) == 8
        listed = c.list()
        assert sorted(x["id"] for x in listed) == [f"m{i}" for i in range(8)]
        assert all(x["status"] == "running" for x in listed)
        assert [c.wait(f"m{i}") for i in range(8)] == [len("matrixhell\n")] * 8
        for i in range(8):
            c.delete(f"m{i}")
        assert c.list() == []


def test_waits_from_two_clients(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.sh("sleep 0.2; exit 3")
    results: list[int] = []
    with SupervisorClient(sock) as c:
        c.start(str(bundle.path), "w")

        def waiter() -> None:
            with SupervisorClient(sock) as c2:
                results.append(c2.wait("w"))

        threads = [threading.Thread(target=waiter) for _ in range(2)]
        for t in threads:
            t.start()
        assert c.wait("w") == 3
        for t in threads:
            t.join(10)
        assert results == [3, 3]
        c.delete("w")


def test_kill_and_delete(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.linux["resources"]["pids"] = {"limit": 20}
    bundle.sh("trap 'exit 9' TERM; echo ready; while :; do sleep 0.05; done")
    bundle.write()
    with SupervisorClient(sock) as c:
        r, w = os.pipe()
        c.start(str(bundle.path), "k", stdio=(0, w, 2))
        os.close(w)
        assert os.read(r, 6) == b"ready\n"  # the trap is set: pid 1 ignores signals it has no handler for
        os.close(r)
        assert cgroup_leaves("k")
        with pytest.raises(SupervisorError) as ei:
            c.delete("k")
        assert ei.value.where == "id" and "running" in ei.value.message
        c.kill("k", 15)
        assert c.wait("k") == 9
        c.delete("k")
        assert cgroup_leaves("k") == []
        c.start(str(bundle.path), "k2")
        c.delete("k2", force=True)
        assert cgroup_leaves("k2") == []


def test_errors_are_replies_not_crashes(sup, bundle: Bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    with SupervisorClient(sock) as c:
        with pytest.raises(SupervisorError) as ei:
            c.wait("ghost")
        assert ei.value.code == 4
        with pytest.raises(SupervisorError) as ei:
            c.start(str(tmp_path / "nobundle"), "x")
        assert ei.value.code == 3
        bundle.args("/bin/not-here")
        with pytest.raises(SupervisorError) as ei:
            c.start(str(bundle.path), "x")
        assert ei.value.where == "process.args[0]"
        with pytest.raises(SupervisorError):
            c._call({"op": "explode"})
        c.ping()  # still serving
        assert c.list() == []


def test_shutdown_kills_what_still_runs(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _root = sup
    bundle.linux["resources"]["pids"] = {"limit": 20}
    bundle.args("/bin/sleep", "60")
    bundle.write()
    with SupervisorClient(sock) as c:
        pid = c.start(str(bundle.path), "s")
        c.shutdown()  # replies only once the container is killed and its cgroup and state removed
    assert cgroup_leaves("s") == []
    stat = Path(f"/proc/{pid}/stat").read_text() if os.path.exists(f"/proc/{pid}/stat") else ""
    assert stat == "" or ") Z " in stat
