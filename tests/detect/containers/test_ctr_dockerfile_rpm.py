"""dnf, yum, microdnf and zypper installs in Dockerfiles (UBI, Fedora, Rocky, openSUSE bases)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from matrixhell.detect.base import DetectContext
from matrixhell.detect.dockerfile import DockerfileDetector, analyze_dockerfile, parse_dockerfile
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Severity


def facts(text: str):  # type: ignore[no-untyped-def]
    return analyze_dockerfile(parse_dockerfile(text, "Dockerfile"))


def pkgs(text: str) -> dict[str, tuple[str, str, int | None]]:
    return {p.name: (p.manager, p.phase, p.origin.line) for p in facts(text).system_packages}


UBI_MINIMAL = """\
FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
RUN microdnf install -y --setopt=install_weak_deps=0 --nodocs \\
        python3.11 python3.11-pip libpq \\
    && microdnf install -y gcc python3.11-devel libpq-devel \\
    && python3.11 -m pip install --no-cache-dir psycopg2==2.9.9 \\
    && microdnf remove -y gcc python3.11-devel libpq-devel \\
    && microdnf clean all
USER 1001
CMD ["python3.11", "-m", "app"]
"""


def test_ubi_minimal_microdnf_with_build_deps_removed_in_the_same_run() -> None:
    assert pkgs(UBI_MINIMAL) == {
        "python3.11": ("microdnf", "run", 3),
        "python3.11-pip": ("microdnf", "run", 3),
        "libpq": ("microdnf", "run", 3),
        "gcc": ("microdnf", "build", 4),
        "python3.11-devel": ("microdnf", "build", 4),
        "libpq-devel": ("microdnf", "build", 4),
    }
    reasons = {p.name: p.reason for p in facts(UBI_MINIMAL).system_packages}
    assert "removed in the same RUN" in reasons["gcc"] and "removed" not in reasons["libpq"]


def test_fedora_dnf_options_before_and_after_the_command_and_versions_and_arches() -> None:
    got = pkgs(
        "FROM registry.fedoraproject.org/fedora:40\n"
        "RUN dnf -y --setopt=tsflags=nodocs --enablerepo crb install \\\n"
        "      nginx-1.24.0 'postgresql16-libs >= 16.1' glibc-langpack-en.x86_64 \\\n"
        "      https://rpms.example/epel-release-latest-9.noarch.rpm /usr/bin/xmllint 'perl(Data::Dumper)' \\\n"
        "      java-17-openjdk-headless pkg-2:1.2-3.fc40 \\\n"
        " && dnf clean all\n"
    )
    assert got == {
        "nginx": ("dnf", "run", 3),
        "postgresql16-libs": ("dnf", "run", 3),
        "glibc-langpack-en": ("dnf", "run", 3),
        "java-17-openjdk-headless": ("dnf", "run", 5),
        "pkg": ("dnf", "run", 5),
    }


def test_yum_install_and_a_removal_by_another_rpm_front_end_or_rpm_itself() -> None:
    got = pkgs(
        "FROM centos:7\n"
        "RUN yum install -y gcc make openssl-devel libffi \\\n"
        "    && yum -y autoremove make \\\n"
        "    && rpm -e --nodeps openssl-devel \\\n"
        "    && dnf remove -y libffi-nothing\n"
    )
    assert got == {
        "gcc": ("yum", "build", 2),  # a compiler kept in the final image: a build tool
        "make": ("yum", "build", 2),
        "openssl-devel": ("yum", "build", 2),
        "libffi": ("yum", "run", 2),
    }
    reasons = {
        p.name: p.reason for p in facts("FROM centos:7\nRUN yum install -y make && yum erase -y make\n").system_packages
    }
    assert "removed in the same RUN" in reasons["make"]


def test_zypper_install_forms_on_opensuse() -> None:
    got = pkgs(
        "FROM registry.opensuse.org/opensuse/leap:15.6\n"
        "RUN zypper --non-interactive --gpg-auto-import-keys refresh \\\n"
        " && zypper -n in -y --no-recommends python311 python311-pip 'libxml2-2>=2.10' \\\n"
        " && zypper install -y -r repo-oss gcc libxml2-devel \\\n"
        " && zypper rm -y -u gcc libxml2-devel \\\n"
        " && zypper clean --all\n"
    )
    assert got == {
        "python311": ("zypper", "run", 3),
        "python311-pip": ("zypper", "run", 3),
        "libxml2-2": ("zypper", "run", 3),
        "gcc": ("zypper", "build", 4),
        "libxml2-devel": ("zypper", "build", 4),
    }


def test_group_module_and_pattern_installs_are_findings_not_packages() -> None:
    f = facts(
        "FROM quay.io/fedora/fedora:40\n"
        "RUN dnf install -y @development-tools zlib-devel\n"
        'RUN dnf -y groupinstall "Development Tools"\n'
        "RUN yum -y group install 'C Development Tools and Libraries'\n"
        "RUN dnf -y module install nodejs:20/common\n"
        "RUN dnf -y module enable nodejs:20\n"
        "RUN zypper -n in -t pattern devel_basis\n"
        "RUN zypper -n in pattern:devel_C_C++ make\n"
    )
    assert {p.name for p in f.system_packages} == {"zlib-devel", "make"}
    found = [x for x in f.findings if x.code == "dockerfile-package-group"]
    assert [(x.severity, x.origin.line) for x in found] == [(Severity.INFO, n) for n in (2, 3, 4, 5, 7, 8)]
    assert "@development-tools" in found[0].message and "dnf" in found[0].message
    assert "Development Tools" in found[1].message
    assert "pattern:devel_basis" in found[4].message and "zypper" in found[4].message
    assert all(x.hint for x in f.findings)
    assert [(x.code, x.origin.line) for x in f.findings if x not in found] == [("dockerfile-rpm-final-image", 2)]


def test_an_rpm_based_final_image_is_said_once_and_a_build_stage_is_not() -> None:
    f = facts(UBI_MINIMAL)
    (x,) = f.findings
    assert (x.code, x.severity, str(x.origin)) == ("dockerfile-rpm-final-image", Severity.INFO, "Dockerfile:3")
    assert "microdnf" in x.message and x.hint
    f = facts(
        "FROM registry.access.redhat.com/ubi9/ubi:9.4 AS build\nRUN dnf install -y golang\n"
        "FROM debian:bookworm-slim\nRUN apt-get install -y ca-certificates\n"
    )
    assert f.findings == ()
    assert facts("FROM debian:bookworm\nRUN apt-get install -y curl\n").findings == ()


def test_commands_that_install_nothing_are_not_read() -> None:
    f = facts(
        "FROM rockylinux:9\n"
        "RUN dnf -y update && dnf makecache && dnf clean all && yum info gcc && dnf list installed\n"
        "RUN dnf -y install $MISSING && microdnf --help && zypper search gcc\n"
    )
    assert f.system_packages == () and f.findings == ()


def test_a_build_stage_on_ubi_and_a_final_stage_on_debian() -> None:
    got = pkgs(
        "FROM registry.access.redhat.com/ubi9/ubi:9.4 AS build\n"
        "RUN dnf install -y golang\n"
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y ca-certificates\n"
    )
    assert got == {"golang": ("dnf", "build", 2), "ca-certificates": ("apt", "run", 4)}


def test_the_detector_reports_the_manager_of_a_containerfile() -> None:
    view = MemoryRepoView({"svc/Containerfile": UBI_MINIMAL})
    d = DockerfileDetector().detect(DetectContext(view=view, directory="svc", files=frozenset({"Containerfile"})))
    assert {p.manager for p in d.system_packages} == {"microdnf"}
    assert {str(p.origin) for p in d.system_packages} == {"svc/Containerfile:3", "svc/Containerfile:4"}


_words = st.lists(
    st.one_of(
        st.from_regex(r"[a-z][a-z0-9+._-]{0,10}", fullmatch=True),
        st.sampled_from(
            [
                "-y",
                "--nodocs",
                "--setopt",
                "--setopt=x=1",
                "-t",
                "pattern",
                "@core",
                "&&",
                ";",
                "|",
                "'perl(X)'",
                "/usr/bin/x",
                "x.rpm",
                "$V",
                "\\\n",
                "-n",
                "in",
                "rm",
                "-e",
            ]
        ),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["dnf", "yum", "microdnf", "zypper", "rpm", "dnf5"]), _words)
def test_any_rpm_command_line_gives_rpm_names_or_nothing(prog: str, words: list[str]) -> None:
    f = facts(f"FROM fedora:40\nRUN {prog} {' '.join(words)}\n")
    for p in f.system_packages:
        assert p.manager in ("dnf", "yum", "microdnf", "zypper")
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9+._-]*", p.name) and not p.name.endswith(".rpm")
        assert p.origin.path == "Dockerfile" and p.origin.line in (2, 3)
    assert {x.code for x in f.findings} <= {"dockerfile-package-group", "dockerfile-rpm-final-image"}
