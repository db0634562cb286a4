"""OCI lifecycle hooks: order, state on stdin, namespace, environment, timeouts, failures that fail the
operation and leave no trace, failures that are only warnings, validation, and the same sequence as runc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from rt_harness import RT, Bundle, Runtime, cgroup_leaves, env, privileged

from matrixhell.runtime.config import parse_config
from matrixhell.runtime.errors import RtError
from matrixhell.runtime.spec import default_spec

KINDS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")


def _host_hook(tmp_path: Path, log: Path, body: str = "") -> str:
    """A host script logging its kind (argv[1]), its mount namespace, $HOOKVAR, $PYTHONPATH (set for the
    runtime itself) and the state."""
    script = tmp_path / "hook.sh"
    script.write_text(f"#!/bin/sh\nstate=$(cat)\n{body}\n"
                      f'echo "$1|$(readlink /proc/self/ns/mnt)|${{HOOKVAR-}}|${{PYTHONPATH-unset}}|$state" >> {log}\n')
    script.chmod(0o755)
    return str(script)


def _with_hooks(bundle: Bundle, tmp_path: Path, fail: str | None = None) -> tuple[Path, Path]:
    """Every hook kind logs into out/log; the container process appends 'process'. `fail`: that kind
    exits 3 with 'boom <kind>' on stderr instead."""
    out = tmp_path / "out"
    out.mkdir()
    log = out / "log"
    script = _host_hook(tmp_path, log, 'if [ "$1" = "$FAIL" ]; then echo "boom $1" >&2; exit 3; fi')
    hooks: dict[str, list[dict]] = {}
    for kind in KINDS:
        h_env = ["HOOKVAR=v-" + kind, f"FAIL={fail or ''}"]
        if kind == "startContainer":  # runs inside the container: its path resolves there
            hooks[kind] = [{"path": "/bin/sh", "env": h_env,
                            "args": ["sh", "-c", 'state=$(cat); if [ "$1" = "$FAIL" ]; then echo "boom $1" >&2; '
                                     'exit 3; fi; echo "$1|$(readlink /proc/self/ns/mnt)|$HOOKVAR|${PYTHONPATH-unset}|'
                                     '$state" >> /out/log', "sh", kind]}]
        else:
            hooks[kind] = [{"path": script, "args": [script, kind], "env": h_env, "timeout": 30}]
    bundle.config["hooks"] = hooks
    bundle.mount(destination="/out", type="bind", source=str(out), options=["rbind", "nodev"])
    bundle.linux["resources"]["pids"] = {"limit": 50}
    bundle.sh("echo process >> /out/log")
    return out, log


def _create(rt: Runtime, bundle: Bundle, cid: str, tmp_path: Path, op: str = "create") -> subprocess.CompletedProcess:
    """create (or run) with stderr in a file: a created container keeps its stdio, a pipe would stay open."""
    err = tmp_path / f"{cid}.err"
    with open(err, "w") as ef:
        res = rt.cmd(op, "--bundle", str(bundle.path), cid, stdout=subprocess.DEVNULL, stderr=ef,
                     capture_output=False, timeout=60)
    res.stderr = err.read_text()
    return res


def _entries(log: Path) -> list[list[str]]:
    return [line.split("|", 4) for line in log.read_text().splitlines()] if log.exists() else []


def _check_sequence(log: Path, cid: str, bundle: Bundle, pid: int | None = None) -> None:
    entries = _entries(log)
    kinds = [e[0] for e in entries]
    assert [k for k in kinds if k != "process"] == list(KINDS), kinds
    assert kinds.index("startContainer") < kinds.index("process") < kinds.index("poststop")
    host_mnt = os.readlink("/proc/self/ns/mnt")
    states = {}
    for kind, mnt, var, path, state in (e for e in entries if e[0] != "process"):
        assert var == "v-" + kind  # exactly the hook's env: nothing of the runtime's
        assert path == "unset"
        st = json.loads(state)
        states[kind] = st
        assert st["id"] == cid and st["bundle"] == str(bundle.path) and st["ociVersion"].startswith("1.")
        in_container = kind in ("createContainer", "startContainer")
        assert (mnt != host_mnt) == in_container, (kind, mnt)
    assert [states[k]["status"] for k in KINDS] == ["creating", "creating", "creating", "created", "running",
                                                    "stopped"]
    pids = {states[k]["pid"] for k in KINDS[:5]}
    assert len(pids) == 1 and pids.pop() > 1
    if pid is not None:
        assert states["prestart"]["pid"] == pid
    assert "pid" not in states["poststop"]


@pytest.mark.privileged
@privileged
def test_run_calls_every_hook_in_order_with_the_state(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    _out, log = _with_hooks(bundle, tmp_path)
    res = rt.run(bundle.write())
    assert res.stderr == ""
    cid = rt.ids[-1]
    _check_sequence(log, cid, bundle)
    mnts = {e[0]: e[1] for e in _entries(log) if e[0] != "process"}
    assert mnts["createContainer"] == mnts["startContainer"]  # both in the container's mount namespace
    assert not (rt.root / cid).exists() and cgroup_leaves(cid) == []


@pytest.mark.privileged
@privileged
def test_create_start_delete_call_the_hooks_at_their_moments(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    _out, log = _with_hooks(bundle, tmp_path)
    bundle.sh("echo process >> /out/log; sleep 30")
    cid = rt.new_id()
    res = _create(rt, bundle.write(), cid, tmp_path)
    assert res.returncode == 0, res.stderr
    assert [e[0] for e in _entries(log)] == ["prestart", "createRuntime", "createContainer"]
    pid = json.loads(rt.cmd("state", cid, check=True).stdout)["pid"]
    rt.cmd("start", cid, check=True)
    # start returns after the exec and the poststart hooks
    assert [e[0] for e in _entries(log) if e[0] != "process"][3:] == ["startContainer", "poststart"]
    deadline = time.monotonic() + 30
    while "process" not in [e[0] for e in _entries(log)]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    rt.cmd("delete", "--force", cid, check=True)
    _check_sequence(log, cid, bundle, pid)


@pytest.mark.privileged
@privileged
@pytest.mark.parametrize("op", ["run", "create"])
@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer", "startContainer"])
def test_a_failing_hook_fails_the_operation_and_leaves_no_trace(rt: Runtime, bundle: Bundle, tmp_path: Path,
                                                                kind: str, op: str) -> None:
    _out, log = _with_hooks(bundle, tmp_path, fail=kind)
    bundle.write()
    cid = rt.new_id()
    res = _create(rt, bundle, cid, tmp_path, op)
    if op == "create" and kind == "startContainer":  # fails at start instead
        assert res.returncode == 0, res.stderr
        res = rt.cmd("start", cid)
    path = "/bin/sh" if kind == "startContainer" else str(tmp_path / "hook.sh")
    assert res.returncode == 7, res
    assert res.stderr == f"matrixhell-runtime: error: hooks.{kind}[0]: {path} exited with status 3: boom {kind}\n"
    kinds = [e[0] for e in _entries(log)]
    assert "process" not in kinds  # the container's program never ran
    assert kinds[-1] == "poststop"  # the lifecycle went on at destroy: poststop ran
    assert kinds[:-1] == list(KINDS[:KINDS.index(kind)])
    assert not (rt.root / cid).exists() and cgroup_leaves(cid) == []


@pytest.mark.privileged
@privileged
def test_a_hook_is_killed_at_its_timeout(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    script = tmp_path / "slow.sh"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(0o755)
    bundle.config["hooks"] = {"createRuntime": [{"path": str(script), "timeout": 1}]}
    bundle.linux["resources"]["pids"] = {"limit": 50}
    t0 = time.monotonic()
    res = rt.run(bundle.write(), check=False)
    assert time.monotonic() - t0 < 30
    assert res.returncode == 7
    assert res.stderr == f"matrixhell-runtime: error: hooks.createRuntime[0]: {script}: timed out after 1 s\n"
    assert not (rt.root / rt.ids[-1]).exists() and cgroup_leaves(rt.ids[-1]) == []


@pytest.mark.privileged
@privileged
def test_a_timed_out_hook_leaves_none_of_its_children_behind(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    script = tmp_path / "forks.sh"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {marker}\nwait\n")
    script.chmod(0o755)
    bundle.config["hooks"] = {"createRuntime": [{"path": str(script), "timeout": 1}]}
    res = rt.run(bundle.write(), check=False)
    assert res.returncode == 7
    child = int(marker.read_text())
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
        stat = Path(f"/proc/{child}/stat").read_text() if os.path.exists(f"/proc/{child}/stat") else ""
        if ") Z " in stat:  # killed, waiting for init to reap it
            break
        time.sleep(0.01)
    stat = Path(f"/proc/{child}/stat").read_text() if os.path.exists(f"/proc/{child}/stat") else ""
    assert stat == "" or ") Z " in stat, stat


@pytest.mark.privileged
@privileged
def test_poststart_and_poststop_failures_are_warnings(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\necho nope-$1 >&2\nexit 2\n")
    bad.chmod(0o755)
    log = tmp_path / "log"
    good = _host_hook(tmp_path, log)
    bundle.config["hooks"] = {"poststart": [{"path": str(bad), "args": ["bad", "a"]}],
                              "poststop": [{"path": str(bad), "args": ["bad", "b"]},
                                           {"path": good, "args": ["good", "after"]}]}
    bundle.sh("exit 4")
    res = rt.run(bundle.write(), check=False)
    assert res.returncode == 4  # the container's own status
    assert res.stderr.splitlines() == [
        f"matrixhell-runtime: warning: hooks.poststart[0]: {bad} exited with status 2: nope-a",
        f"matrixhell-runtime: warning: hooks.poststop[0]: {bad} exited with status 2: nope-b"]
    assert [e[0] for e in _entries(log)] == ["after"]  # the next poststop hook still ran


@pytest.mark.privileged
@privileged
def test_supervisor_runs_the_hooks(bundle: Bundle, tmp_path: Path) -> None:
    from matrixhell.runtime.supervisor import SupervisorClient

    _out, log = _with_hooks(bundle, tmp_path)
    bundle.write()
    sock = str(tmp_path / "s.sock")
    p = subprocess.Popen([*RT, "--root", str(tmp_path / "st"), "supervisor", "--socket", sock], env=env())
    cid = f"hk{os.getpid()}"
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            assert p.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        with SupervisorClient(sock) as c:
            assert c.run(str(bundle.path), cid) == 0
        _check_sequence(log, cid, bundle)
    finally:
        p.terminate()
        p.wait(30)


@pytest.mark.privileged
@privileged
@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_same_hook_sequence_as_runc(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    out, log = _with_hooks(bundle, tmp_path)
    bundle.write()
    rt.run(bundle)
    ours = [(e[0], json.loads(e[4])["status"]) for e in _entries(log) if e[0] != "process"]
    log.unlink()
    res = subprocess.run(["runc", "--root", str(tmp_path / "runc-state"), "run", "--bundle", str(bundle.path),
                          f"hk-runc{os.getpid()}"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    theirs = [(e[0], json.loads(e[4])["status"]) for e in _entries(log) if e[0] != "process"]
    # runc runs poststart hooks as soon as `start` has released the container, before the startContainer
    # hooks and the exec, with status "created"; the spec (and this runtime) runs them after the exec
    assert [k for k in ours if k[0] != "poststart"] == [k for k in theirs if k[0] != "poststart"], (ours, theirs)
    assert [k[0] for k in ours].count("poststart") == [k[0] for k in theirs].count("poststart") == 1
    assert ("poststart", "running") in ours and ("poststart", "created") in theirs
    _ = out


@pytest.mark.parametrize(("hooks", "where", "fragment"), [
    ({"prestart": [{"path": "hook.sh"}]}, "hooks.prestart[0].path", "must be an absolute path"),
    ({"createRuntime": [{"args": ["x"]}]}, "hooks.createRuntime[0].path", "required field is missing"),
    ({"poststop": [{"path": "/bin/true", "timeout": 0}]}, "hooks.poststop[0].timeout", "must be >= 1, got 0"),
    ({"poststart": [{"path": "/bin/true", "timeout": "5"}]}, "hooks.poststart[0].timeout", "must be an integer"),
    ({"createContainer": [{"path": "/bin/true", "env": ["NOEQUALS"]}]}, "hooks.createContainer[0].env[0]",
     "must be NAME=VALUE"),
    ({"startContainer": {"path": "/bin/true"}}, "hooks.startContainer", "must be an array"),
])
def test_hook_config_is_validated_naming_the_field(hooks: dict, where: str, fragment: str) -> None:
    cfg = default_spec()
    cfg["hooks"] = hooks
    with pytest.raises(RtError) as ei:
        parse_config(cfg, "/b")
    assert ei.value.where == where and fragment in ei.value.message and ei.value.code == 3


def test_hooks_parse_with_argv_and_unknown_kinds_noted() -> None:
    cfg = default_spec()
    cfg["hooks"] = {"poststop": [{"path": "/bin/cleanup"}, {"path": "/bin/x", "args": ["x", "-f"], "timeout": 3}],
                    "onReboot": [{"path": "/bin/y"}]}
    parsed = parse_config(cfg, "/b")
    assert parsed.hooks is not None
    assert [(h.path, h.args, h.timeout) for h in parsed.hooks.poststop] == [
        ("/bin/cleanup", ("/bin/cleanup",), None), ("/bin/x", ("x", "-f"), 3)]
    assert parsed.hooks.prestart == ()
    assert "hooks.onReboot: ignored (not a runtime-spec hook kind)" in parsed.notes
    assert parse_config(default_spec(), "/b").hooks is None
