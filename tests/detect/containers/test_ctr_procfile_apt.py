"""Procfile and apt.txt / Aptfile."""

from __future__ import annotations

import pytest

from matrixhell.detect.apt import AptDetector, is_debian_package_name, parse_apt_list
from matrixhell.detect.base import DetectContext
from matrixhell.detect.procfile import ProcfileDetector, parse_procfile
from matrixhell.detect.repoview import MemoryRepoView


def test_procfile_web_first_then_other_types() -> None:
    starts, findings = parse_procfile(
        "# processes\nworker: celery -A app worker\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\n"
        "release: python manage.py migrate\n",
        "Procfile",
    )
    assert not findings
    assert [(s.source, s.shell, s.origin.line) for s in starts] == [
        ("procfile-web", "gunicorn app:app --bind 0.0.0.0:$PORT", 3),
        ("procfile-worker", "celery -A app worker", 2),
        ("procfile-release", "python manage.py migrate", 4),
    ]
    assert starts[0].precedence < starts[1].precedence


def test_procfile_bad_and_duplicate_lines() -> None:
    starts, findings = parse_procfile("web gunicorn\nweb: a\nweb: b\nbad type!: x\nempty:\n", "Procfile")
    assert [s.shell for s in starts] == ["a"]
    assert [(f.code, f.origin.line if f.origin else None) for f in findings] == [
        ("procfile-bad-line", 1),
        ("procfile-duplicate", 3),
        ("procfile-bad-line", 4),
        ("procfile-bad-line", 5),
    ]


def test_procfile_detector() -> None:
    view = MemoryRepoView({"svc/Procfile": "web: node server.js\n"})
    det = ProcfileDetector()
    ctx = DetectContext(view, "svc", frozenset({"Procfile"}))
    assert det.applies(ctx)
    d = det.detect(ctx)
    assert d.files == ("svc/Procfile",)
    assert d.start_commands[0].origin.path == "svc/Procfile"


@pytest.mark.parametrize("name", ["curl", "libpq5", "g++", "libstdc++6", "python3.11-dev", "fonts-dejavu-core"])
def test_valid_debian_names(name: str) -> None:
    assert is_debian_package_name(name)


@pytest.mark.parametrize(
    "name", ["curl; rm -rf /", "Curl", "a", "-curl", "curl && wget", "$(evil)", "pkg\nother", "lib_x", ""]
)
def test_invalid_debian_names_are_refused(name: str) -> None:
    assert not is_debian_package_name(name)


def test_apt_list_with_comments_versions_arch_and_bad_lines() -> None:
    pkgs, findings = parse_apt_list(
        "# system libs\nlibpq5\nlibxml2=2.9.14+dfsg-1.3  # pinned\nlibc6:i386\ncurl; rm -rf /\n\nlibpq5\n"
        "https://example.invalid/tool.deb\n:repo:deb http://x y main\n",
        "apt.txt",
    )
    assert [(p.name, p.manager, p.phase, p.origin.line) for p in pkgs] == [
        ("libpq5", "apt", "run", 2),
        ("libxml2", "apt", "run", 3),
        ("libc6", "apt", "run", 4),
    ]
    assert "2.9.14" in pkgs[1].reason
    assert [(f.code, f.origin.line if f.origin else None) for f in findings] == [
        ("apt-bad-package-name", 5),
        ("apt-package-url", 8),
        ("apt-extra-repository", 9),
    ]


def test_apt_detector_reads_apt_txt_and_aptfile() -> None:
    view = MemoryRepoView({"apt.txt": "libpq5\n", "Aptfile": "libpq5\nffmpeg\n"})
    det = AptDetector()
    ctx = DetectContext(view, "", frozenset({"apt.txt", "Aptfile"}))
    d = det.detect(ctx)
    assert [p.name for p in d.system_packages] == ["libpq5", "ffmpeg"]
    assert d.files == ("apt.txt", "Aptfile")


def test_apt_detector_binary_file_is_a_finding() -> None:
    view = MemoryRepoView({"apt.txt": b"\x00\x00"})
    d = AptDetector().detect(DetectContext(view, "", frozenset({"apt.txt"})))
    assert [f.code for f in d.findings] == ["binary-file"] and not d.system_packages
