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
P = f"sv{os.getpid()}-"  # ids (and so cgroup paths) unique to this test run


@pytest.fixture
def sup(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    sock = str(tmp_path / "sup.sock")
    root = tmp_path / "state"
    p = subprocess.Popen([*RT, "--root", str(root), "supervisor", "--socket", sock], env=env(),
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):
        assert p.poll() is None, p.stderr.read() if p.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    yield sock, root
    p.terminate()
    p.wait(timeout=30)
    assert not os.path.exists(sock)
    assert not root.exists() or [n for n in os.listdir(root) if not n.startswith(".")] == [], os.listdir(root)


def test_start_and_wait_returns_the_exit_status(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.sh("exit 5")
    with SupervisorClient(sock) as c:
        assert c.run(str(bundle.path), f"{P}a") == 5
        assert c.list() == []


def test_stdio_fds_are_passed_to_the_container(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    r, w = os.pipe()
    with SupervisorClient(sock) as c:
        pid = c.start(str(bundle.path), f"{P}p", stdio=(0, w, w), remove=True)
        os.close(w)
        out = b""
        while chunk := os.read(r, 65536):
            out += chunk
        os.close(r)
        assert c.wait(f"{P}p") == 0
    report = dict(line.split("=", 1) for line in out.decode().splitlines() if "=" in line and " " not in line)
    assert report["pid"] == "1" and report["hostname"] == "matrixhell"
    assert pid > 1


def test_many_containers_concurrently(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    # each container runs until its stdin reaches EOF: all eight are running when listed, however slowly
    # they were started
    bundle.sh("read -r _; exit $(hostname | wc -c)")
    with SupervisorClient(sock) as c:
        pids = []
        holds = []
        for i in range(8):
            r, w = os.pipe()
            pids.append(c.start(str(bundle.path), f"{P}m{i}", stdio=(r, 2, 2)))
            os.close(r)
            holds.append(w)
        assert len(set(pids)) == 8
        listed = c.list()
        assert sorted(x["id"] for x in listed) == [f"{P}m{i}" for i in range(8)]
        assert all(x["status"] == "running" for x in listed)
        for w in holds:
            os.close(w)
        assert [c.wait(f"{P}m{i}") for i in range(8)] == [len("matrixhell\n")] * 8
        for i in range(8):
            c.delete(f"{P}m{i}")
        assert c.list() == []


def _waiters(c: SupervisorClient, cid: str) -> int:
    n = next(x["waiters"] for x in c.list() if x["id"] == cid)
    assert isinstance(n, int)
    return n


def test_waits_from_two_clients(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.sh("read -r _; exit 3")  # runs until stdin reaches EOF: both waiters are waiting by then
    results: list[int] = []
    r, w = os.pipe()
    with SupervisorClient(sock) as c:
        c.start(str(bundle.path), f"{P}w", stdio=(r, 2, 2))
        os.close(r)

        def waiter() -> None:
            with SupervisorClient(sock) as c2:
                results.append(c2.wait(f"{P}w"))

        threads = [threading.Thread(target=waiter) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while _waiters(c, f"{P}w") < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.close(w)
        assert c.wait(f"{P}w") == 3
        for t in threads:
            t.join(30)
        assert results == [3, 3]
        c.delete(f"{P}w")


def test_kill_and_delete(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.linux["resources"]["pids"] = {"limit": 20}
    bundle.sh("trap 'exit 9' TERM; echo ready; while :; do sleep 0.05; done")
    bundle.write()
    with SupervisorClient(sock) as c:
        r, w = os.pipe()
        c.start(str(bundle.path), f"{P}k", stdio=(0, w, 2))
        os.close(w)
        assert os.read(r, 6) == b"ready\n"  # the trap is set: pid 1 ignores signals it has no handler for
        os.close(r)
        assert cgroup_leaves(f"{P}k")
        with pytest.raises(SupervisorError) as ei:
            c.delete(f"{P}k")
        assert ei.value.where == "id" and "running" in ei.value.message
        c.kill(f"{P}k", 15)
        assert c.wait(f"{P}k") == 9
        c.delete(f"{P}k")
        assert cgroup_leaves(f"{P}k") == []
        c.start(str(bundle.path), f"{P}k2")
        c.delete(f"{P}k2", force=True)
        assert cgroup_leaves(f"{P}k2") == []


def test_errors_are_replies_not_crashes(sup, bundle: Bundle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    with SupervisorClient(sock) as c:
        with pytest.raises(SupervisorError) as ei:
            c.wait("ghost")
        assert ei.value.code == 4
        with pytest.raises(SupervisorError) as ei:
            c.start(str(tmp_path / "nobundle"), f"{P}x")
        assert ei.value.code == 3
        bundle.args("/bin/not-here")
        with pytest.raises(SupervisorError) as ei:
            c.start(str(bundle.path), f"{P}x")
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
        pid = c.start(str(bundle.path), f"{P}s")
        c.shutdown()  # replies only once the container is killed and its cgroup and state removed
    assert cgroup_leaves(f"{P}s") == []
    stat = Path(f"/proc/{pid}/stat").read_text() if os.path.exists(f"/proc/{pid}/stat") else ""
    assert stat == "" or ") Z " in stat


def test_exec_into_a_supervised_container(sup, bundle: Bundle) -> None:  # type: ignore[no-untyped-def]
    sock, _ = sup
    bundle.linux["resources"]["pids"] = {"limit": 20}
    bundle.sh("trap 'exit 0' TERM; while :; do sleep 0.05; done")
    bundle.write()
    with SupervisorClient(sock) as c:
        c.start(str(bundle.path), f"{P}e")
        r, w = os.pipe()
        pid = c.exec(f"{P}e", ["sh", "-c", 'echo "$(hostname) $(id -u) $FOO $(pwd)"; exit 6'], env=["FOO=bar"],
                     cwd="/tmp", user="1000", stdio=(0, w, 2))
        os.close(w)
        out = b""
        while chunk := os.read(r, 4096):
            out += chunk
        os.close(r)
        assert c.wait_exec(pid) == 6
        assert out.decode().split() == ["matrixhell", "1000", "bar", "/tmp"]
        pid = c.exec(f"{P}e", process={"args": ["sh", "-c", "kill -9 $$"], "cwd": "/"})
        assert c.wait_exec(pid) == 137
        with pytest.raises(SupervisorError) as ei:
            c.exec(f"{P}e", ["/bin/nope"])
        assert ei.value.where == "process.args[0]"
        with pytest.raises(SupervisorError) as ei:
            c.wait_exec(pid)  # its status went to the first wait
        assert ei.value.code == 4
        pid = c.exec(f"{P}e", ["sleep", "60"])
        c.delete(f"{P}e", force=True)  # the exec'd process goes with the container
        assert c.wait_exec(pid) == 137
        with pytest.raises(SupervisorError) as ei:
            c.exec(f"{P}e", ["true"])
        assert ei.value.code == 4
