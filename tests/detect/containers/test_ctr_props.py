"""Bad input never raises: the Dockerfile parser, the compose parser, ports and apt lists on random text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixhell.detect.apt import parse_apt_list
from matrixhell.detect.compose import parse_compose, parse_port
from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile
from matrixhell.detect.procfile import parse_procfile
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.model import Origin

_DOCKER_WORDS = [
    "FROM",
    "RUN",
    "CMD",
    "ENTRYPOINT",
    "EXPOSE",
    "ARG",
    "ENV",
    "USER",
    "WORKDIR",
    "COPY",
    "AS",
    "from",
    "python:3.11",
    "alpine",
    "${X}",
    "${X:-3.9}",
    "$Y",
    "\\",
    "`",
    "<<EOF",
    "EOF",
    "<<-END",
    "END",
    "#",
    "# escape=`",
    "apt-get",
    "install",
    "-y",
    "apk",
    "add",
    "--virtual",
    ".d",
    "del",
    "&&",
    ";",
    "|",
    "(",
    ")",
    "$(",
    "'",
    '"',
    "[",
    "]",
    '["a"]',
    "80/udp",
    "1-70000",
    "=",
    "\n",
    "\n",
    "\n",
    "\t",
    " ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_DOCKER_WORDS), max_size=60), st.sampled_from([None, "a", "build", "0"]))
def test_dockerfile_parser_never_raises(words: list[str], target: str | None) -> None:
    text = " ".join(words)
    df = parse_dockerfile(text, "Dockerfile")
    facts = analyze_dockerfile(df, target=target, build_args={"X": "3.12"})
    for p in facts.system_packages:
        assert p.origin.path == "Dockerfile" and p.origin.line is not None
        assert 1 <= p.origin.line <= text.count("\n") + 1
    for port in facts.ports:
        assert 0 < port.number <= 65535


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_dockerfile_parser_never_raises_on_any_text(text: str) -> None:
    analyze_dockerfile(parse_dockerfile(text, "Dockerfile"))


_YAML_PIECES = [
    "services:",
    "\n  web:",
    "\n    build:",
    " .",
    " ..",
    "\n      context: ",
    "app",
    "\n      dockerfile: ",
    "${DF}",
    "\n    ports:",
    "\n      - ",
    '"80:80"',
    "8000",
    "{target: 80}",
    "\n    image: ",
    "x:1",
    "\n    environment:",
    "\n      A: 1",
    "\n      - B=2",
    "\n    depends_on: ",
    "[db]",
    "db",
    "\n    command: ",
    "[a, b]",
    "run",
    "\n  db:",
    " null",
    " [",
    " {",
    "&a ",
    "*a",
    "<<: *a",
    "\ninclude:",
    " [compose.yaml]",
    "\n    extends: ",
    "web",
    "\n    env_file: ",
    ".env",
    "\t",
    ": ",
    "- ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_YAML_PIECES), max_size=40))
def test_compose_parser_never_raises(pieces: list[str]) -> None:
    view = MemoryRepoView({"compose.yaml": "".join(pieces), ".env": "DF=Dockerfile\n", "app/Dockerfile": "FROM x\n"})
    cf = parse_compose(view, ["compose.yaml"])
    for s in cf.services:
        assert s.origin.path == "compose.yaml"
        if s.context is not None:
            assert not s.context.startswith("..")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789:-/.[]abcdtpu ", max_size=30))
def test_ports_parse_or_raise_value_error(spec: str) -> None:
    try:
        ports = parse_port(spec, Origin("compose.yaml", 1))
    except ValueError:
        return
    for p in ports:
        assert 0 < p.number <= 65535 and p.protocol in ("tcp", "udp", "sctp")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_line_lists_never_raise_and_only_valid_names_pass(text: str) -> None:
    import re

    packages, _ = parse_apt_list(text, "apt.txt")
    for p in packages:
        assert re.fullmatch(r"[a-z0-9][a-z0-9+.\-]+", p.name)
    starts, _ = parse_procfile(text, "Procfile")
    assert all(s.source.startswith("procfile-") for s in starts)
