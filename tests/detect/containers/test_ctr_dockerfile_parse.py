"""The Dockerfile parser: directives, continuations, heredocs, stages, image references."""

from __future__ import annotations

from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile, parse_image_ref


def test_instructions_carry_their_first_and_last_line() -> None:
    df = parse_dockerfile("FROM python:3.11\n\nRUN apt-get update \\\n    && apt-get install -y curl\nCMD x\n")
    (stage,) = df.stages
    run, cmd = stage.instructions
    assert (run.keyword, run.line, run.end_line) == ("RUN", 3, 4)
    assert "apt-get install -y curl" in run.value
    assert (cmd.keyword, cmd.line) == ("CMD", 5)


def test_comment_lines_inside_a_continuation_are_dropped() -> None:
    df = parse_dockerfile("FROM alpine\nRUN apk add \\\n# not part of it\n    curl \\\n\n    git\n")
    run = df.stages[0].instructions[0]
    assert "not part" not in run.value
    assert run.value.split()[-2:] == ["curl", "git"]
    assert run.end_line == 6


def test_escape_directive_switches_the_continuation_character() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\ `\n    && echo done\n"
    df = parse_dockerfile(text)
    assert df.escape == "`"
    assert ("escape", "`") in df.directives
    run = df.stages[0].instructions[0]
    assert run.value.startswith("dir c:\\")
    assert run.end_line == 4


def test_a_directive_after_an_instruction_is_a_comment() -> None:
    df = parse_dockerfile("FROM alpine\n# escape=`\nRUN echo \\\n  hi\n")
    assert df.escape == "\\"
    assert df.stages[0].instructions[0].end_line == 4


def test_heredoc_body_is_kept_and_skipped_by_the_parser() -> None:
    text = 'FROM debian\nRUN <<EOF\napt-get update\nFROM not-a-stage\nEOF\nCMD ["x"]\n'
    df = parse_dockerfile(text)
    assert len(df.stages) == 1
    run, cmd = df.stages[0].instructions
    assert run.heredocs[0].name == "EOF"
    assert run.heredocs[0].body == "apt-get update\nFROM not-a-stage"
    assert run.heredocs[0].line == 3
    assert cmd.line == 6


def test_heredoc_with_dash_strips_leading_tabs_and_quoted_marker() -> None:
    df = parse_dockerfile("FROM debian\nRUN <<-'END' bash\n\tapt-get install -y jq\n\tEND\n")
    doc = df.stages[0].instructions[0].heredocs[0]
    assert doc.name == "END" and doc.strip_tabs
    assert doc.body == "apt-get install -y jq"


def test_unclosed_heredoc_is_a_finding() -> None:
    df = parse_dockerfile("FROM debian\nRUN <<EOF\necho hi\n")
    assert any(f.code == "dockerfile-syntax" and "never closed" in f.message for f in df.findings)


def test_stages_names_and_platform() -> None:
    df = parse_dockerfile(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nRUN go build\nFROM scratch\nCOPY --from=build /x /x\n"
    )
    first, second = df.stages
    assert first.name == "build" and first.platform == "$BUILDPLATFORM" and first.base == "golang:1.22"
    assert second.name is None and second.base == "scratch"
    assert df.stage("BUILD") is first
    assert df.stage("1") is second


def test_unknown_instruction_and_instruction_before_from_are_findings() -> None:
    df = parse_dockerfile("RUN echo early\nFROM alpine\nFROBNICATE x\n")
    codes = [(f.code, f.origin.line if f.origin else None) for f in df.findings]
    assert ("dockerfile-syntax", 1) in codes
    assert ("dockerfile-syntax", 3) in codes


def test_empty_or_fromless_dockerfile_says_so() -> None:
    df = parse_dockerfile("# just a comment\n")
    assert [f.code for f in df.findings] == ["dockerfile-no-from"]
    assert analyze_dockerfile(df).final_stage is None


def test_crlf_line_endings() -> None:
    df = parse_dockerfile("FROM python:3.12\r\nEXPOSE 80\r\n")
    facts = analyze_dockerfile(df)
    assert [p.number for p in facts.ports] == [80]
    assert facts.runtimes[0].spec == "==3.12.*"


def test_image_reference_is_split_and_docker_hub_normalized() -> None:
    ref = parse_image_ref("docker.io/library/python:3.11-slim@sha256:abc123")
    assert (ref.repository, ref.tag, ref.digest) == ("python", "3.11-slim", "sha256:abc123")
    assert parse_image_ref("library/node").repository == "node"
    assert parse_image_ref("node").tag is None
    ghcr = parse_image_ref("ghcr.io/acme/api:1.2")
    assert (ghcr.repository, ghcr.tag) == ("ghcr.io/acme/api", "1.2")
    port = parse_image_ref("localhost:5000/team/app")
    assert (port.repository, port.tag) == ("localhost:5000/team/app", None)
    only_digest = parse_image_ref("redis@sha256:ff")
    assert (only_digest.repository, only_digest.tag, only_digest.digest) == ("redis", None, "sha256:ff")


def test_global_args_substitute_into_from_with_defaults() -> None:
    text = "ARG PY=3.10\nARG VARIANT\nFROM python:${PY}-${VARIANT:-slim}\n"
    facts = analyze_dockerfile(parse_dockerfile(text))
    assert facts.base_images[0].reference == "python:3.10-slim"
    overridden = analyze_dockerfile(parse_dockerfile(text), build_args={"PY": "3.13", "VARIANT": "alpine"})
    assert overridden.base_images[0].reference == "python:3.13-alpine"
    assert overridden.runtimes[0].spec == "==3.13.*"


def test_arg_without_default_that_resolves_to_nothing_is_a_finding() -> None:
    facts = analyze_dockerfile(parse_dockerfile("ARG BASE\nFROM $BASE\n"))
    assert any(f.code == "dockerfile-unresolved-arg" for f in facts.findings)
