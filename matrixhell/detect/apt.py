"""apt.txt (repo2docker) and Aptfile (Heroku's apt buildpack): Debian packages, one per line.

Each name is checked against Debian policy's package-name grammar with an anchored match, so a line like
``curl; rm -rf /`` is refused (with a finding) rather than passed on to a shell.
"""

from __future__ import annotations

import re

from matrixhell.detect.base import DetectContext
from matrixhell.errors import InputError
from matrixhell.model import Detection, Finding, Origin, Severity, SystemPackage

__all__ = ["APT_FILES", "AptDetector", "is_debian_package_name", "parse_apt_list"]

APT_FILES = ("apt.txt", "Aptfile")
# Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters; starts alphanumeric.
# An optional :arch qualifier and =version pin are allowed (apt-get accepts both).
_NAME = re.compile(r"[a-z0-9][a-z0-9+.\-]+")
_ARCH = re.compile(r"[a-z0-9][a-z0-9\-]*")
_VERSION = re.compile(r"[A-Za-z0-9.+~:\-]+")


def is_debian_package_name(text: str) -> bool:
    return _NAME.fullmatch(text) is not None


def _split(entry: str) -> tuple[str, str | None] | None:
    """(name, version) of ``name[:arch][=version]``, or None when the entry is not one."""
    name, eq, version = entry.partition("=")
    if eq and not _VERSION.fullmatch(version):
        return None
    base, colon, arch = name.partition(":")
    if colon and not _ARCH.fullmatch(arch):
        return None
    if not is_debian_package_name(base):
        return None
    return base, (version if eq else None)


def parse_apt_list(text: str, path: str) -> tuple[tuple[SystemPackage, ...], tuple[Finding, ...]]:
    packages: list[SystemPackage] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if " #" in line:
            line = line.split(" #", 1)[0].rstrip()
        if not line or line.startswith("#"):
            continue
        origin = Origin(path, number)
        if line.startswith(":repo:"):
            findings.append(
                Finding(
                    "apt-extra-repository",
                    Severity.INFO,
                    "extra apt repositories are not used; packages come from the base distribution",
                    origin,
                    hint="install that repository's packages in a Dockerfile, or drop the line",
                )
            )
            continue
        if "://" in line:
            findings.append(
                Finding(
                    "apt-package-url",
                    Severity.WARNING,
                    f"{line!r} is a download URL, not a package name; it is ignored",
                    origin,
                    hint="name the Debian package instead",
                )
            )
            continue
        parsed = _split(line)
        if parsed is None:
            findings.append(
                Finding(
                    "apt-bad-package-name",
                    Severity.ERROR,
                    f"{line!r} is not a Debian package name",
                    origin,
                    hint="one package per line: lower case letters, digits, + - .",
                )
            )
            continue
        name, version = parsed
        if name in seen:
            continue
        seen.add(name)
        reason = f"listed in {path.rsplit('/', 1)[-1]}" + (f" (={version})" if version else "")
        packages.append(SystemPackage(name, "apt", "run", origin, reason))
    return tuple(packages), tuple(findings)


class AptDetector:
    name = "apt"
    markers = APT_FILES

    def applies(self, ctx: DetectContext) -> bool:
        return any(ctx.has(n) for n in APT_FILES)

    def detect(self, ctx: DetectContext) -> Detection:
        packages: list[SystemPackage] = []
        findings: list[Finding] = []
        files: list[str] = []
        for n in APT_FILES:
            if not ctx.has(n):
                continue
            path = ctx.path(n)
            files.append(path)
            try:
                text = ctx.view.read_text(path)
            except InputError as e:
                findings.append(Finding(e.code, Severity.ERROR, e.message, e.origin or Origin(path), e.hint))
                continue
            pkgs, notes = parse_apt_list(text, path)
            packages.extend(p for p in pkgs if all(q.name != p.name for q in packages))
            findings.extend(notes)
        return Detection(self.name, system_packages=tuple(packages), findings=tuple(findings), files=tuple(files))
