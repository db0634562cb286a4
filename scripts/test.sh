#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian 12 machine and run the whole suite.
#   - as root: the system packages (runtime peers, image tools, validators' helpers) and the
#     unprivileged user the rootless runtime tests run as;
#   - always: a virtual environment in .venv with matrixhell and its test extras.
# Exit status is pytest's, except that "no tests collected" (5) is a failure, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  # runtime tests: peers, the busybox probe rootfs, id maps, netns tools, and gcc + static libc for the
  # small probe program; the Go library of the OCI runtime-tools validator
  busybox-static runc crun bubblewrap uidmap iproute2 procps kmod gcc libc6-dev
  golang-go golang-github-opencontainers-runtime-tools-dev
  # image tools
  umoci skopeo docker-registry mmdebstrap
)

if [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # The rootless runtime tests run as this user, with a subordinate id range for newuidmap.
  if ! id mhtest >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh mhtest
  fi
  grep -q '^mhtest:' /etc/subuid 2>/dev/null || echo 'mhtest:100000:65536' >> /etc/subuid
  grep -q '^mhtest:' /etc/subgid 2>/dev/null || echo 'mhtest:100000:65536' >> /etc/subgid
fi

export UV_PYTHON_DOWNLOADS=never
# The scan cache of this run lives in a fresh directory, never the user's.
MATRIXHELL_CACHE_DIR="$(mktemp -d -t matrixhell-test-cache.XXXXXX)"
export MATRIXHELL_CACHE_DIR
trap 'rm -rf "$MATRIXHELL_CACHE_DIR"' EXIT
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
