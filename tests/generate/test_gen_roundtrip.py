"""A generated Dockerfile read back by matrixhell's own Dockerfile parser says what the ImageSpec says."""

from __future__ import annotations

import pytest
from genkit import RUNTIME_CASES, make_service, make_target, needs

from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile
from matrixhell.model.image import StepKind
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.spec import build_spec

_CASES = [(rt, c) for rt in sorted(RUNTIME_CASES) for c in (False, True)]


@pytest.mark.parametrize(("runtime", "compile_"), _CASES,
                         ids=[f"{r}-{'compile' if c else 'plain'}" for r, c in _CASES])
def test_parsed_back(runtime: str, compile_: bool) -> None:
    kw, version = RUNTIME_CASES[runtime]
    spec = build_spec(make_service(runtime=runtime, spec="", **kw), make_target(runtime, version),  # type: ignore[arg-type]
                      needs(build=("libpq-dev",), run=("libpq5",), compile=compile_,
                            versions={"libpq5": "15.6-0+deb12u1"}))
    df = parse_dockerfile(render_dockerfile(spec), "Dockerfile")
    assert not [f for f in df.findings if f.severity.value == "error"]
    assert [s.base for s in df.stages] == [s.base for s in spec.stages]
    facts = analyze_dockerfile(df)
    assert facts.user == spec.user_spec()
    assert sorted((p.number, p.protocol) for p in facts.ports) == sorted(spec.ports)
    assert facts.start_commands and facts.start_commands[0].argv == spec.cmd
    final = next(b for b in facts.base_images if b.final)
    assert final.reference == spec.base_image
    installed = {p.name for p in facts.system_packages}
    wanted = {a.split("=")[0] for s in spec.final.steps if s.kind is StepKind.PACKAGES for a in s.args}
    assert wanted <= installed
    assert facts.workdir == spec.workdir
