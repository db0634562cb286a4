#!/usr/bin/env python3
"""Build a tiny OCI bundle for runtime tests and benchmarks: rootfs/ with the static busybox from
Debian's busybox-static package, a symlink per applet, /etc/passwd and /etc/group, and /probe.sh, the
probe that reports the container's view of itself as key=value lines.

Usage: python3 scripts/make_probe_rootfs.py BUNDLE_DIR [--rootless]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

BUSYBOX = "/bin/busybox"

PROBE = r"""#!/bin/sh
# Reports what the container sees; keys are stable, one per line.
echo "pid=$$"
echo "hostname=$(hostname)"
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G | tr ' ' ',')"
echo "cwd=$(pwd)"
for k in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do
  echo "$k=$(grep "^$k:" /proc/self/status | cut -f2)"
done
echo "uid_map=$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //' | tr '\n' ';')"
echo "gid_map=$(cat /proc/self/gid_map | tr -s ' ' | sed 's/^ //' | tr '\n' ';')"
echo "setgroups=$(cat /proc/self/setgroups)"
echo "fds=$(ls /proc/self/fd | tr '\n' ',')"
echo "interfaces=$(ls /sys/class/net | tr '\n' ',')"
echo "lo=$(cat /sys/class/net/lo/operstate 2>/dev/null) loflags=$(cat /sys/class/net/lo/flags 2>/dev/null)"
echo "pids=$(ls /proc | grep '^[0-9]*$' | tr '\n' ',')"
echo "mounts=$(cut -d' ' -f5 /proc/self/mountinfo | tr '\n' ',')"
echo "sid=$(cut -d' ' -f6 /proc/self/stat)"
echo "nofile=$(ulimit -n)"
echo "env_home=$HOME"
"""

APPLETS_EXTRA = ("sh",)


def build(bundle: str, rootless: bool = False) -> str:
    root = os.path.join(bundle, "rootfs")
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "mnt", "home"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in set(applets) | set(APPLETS_EXTRA):
        link = os.path.join(root, "bin", a)
        if a != "busybox" and not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write("root:x:0:\ntty:x:5:\nnogroup:x:65534:\n")
    probe = os.path.join(root, "probe.sh")
    with open(probe, "w") as f:
        f.write(PROBE)
    os.chmod(probe, 0o755)
    if not os.path.exists(os.path.join(bundle, "config.json")):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        from matrixhell.runtime.spec import default_spec

        spec = default_spec(rootless=rootless, uid=os.geteuid(), gid=os.getegid())
        spec["process"]["terminal"] = False  # type: ignore[index]
        spec["process"]["args"] = ["/probe.sh"]  # type: ignore[index]
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f, indent=2)
    return root


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build(sys.argv[1], "--rootless" in sys.argv[2:])
