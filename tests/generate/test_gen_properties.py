"""Property tests: whatever the names, ports, keys and commands, the output stays valid and exact."""

from __future__ import annotations

from genkit import RUNTIME_CASES, compose_validator, k8s_validate, make_service, make_target
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixhell.detect.dockerfile import analyze_dockerfile, parse_dockerfile
from matrixhell.render.compose import ComposeEntry, compose_document
from matrixhell.render.dockerfile import render_dockerfile
from matrixhell.render.kubernetes import kubernetes_documents
from matrixhell.render.spec import build_spec

_names = st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True)
_env_keys = st.lists(st.from_regex(r"[A-Z_][A-Z0-9_]{0,15}", fullmatch=True), max_size=5, unique=True)
_ports = st.lists(st.integers(1024, 65535), max_size=3, unique=True)
# any printable text, quotes, dollars and backslashes included: exec form must carry it unchanged
_argv = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                         max_size=20), min_size=1, max_size=4)
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(runtime=st.sampled_from(sorted(RUNTIME_CASES)), name=_names, ports=_ports, env=_env_keys, argv=_argv)
def test_start_commands_survive_the_round_trip(runtime: str, name: str, ports: list[int], env: list[str],
                                               argv: list[str]) -> None:
    kw, version = RUNTIME_CASES[runtime]
    kw = {k: v for k, v in kw.items() if k not in ("ports", "start", "argv")}
    svc = make_service(name, runtime, "", ports=tuple(ports), env=tuple(env), argv=tuple(argv), **kw)  # type: ignore[arg-type]
    spec = build_spec(svc, make_target(runtime, version))
    facts = analyze_dockerfile(parse_dockerfile(render_dockerfile(spec), "Dockerfile"))
    expected = tuple(argv)
    if runtime == "rust":  # the binary is installed under /usr/local/bin by its name
        expected = (f"/usr/local/bin/{expected[0].rsplit('/', 1)[-1]}", *expected[1:])
    assert facts.start_commands[0].argv == expected
    assert sorted(p.number for p in facts.ports) == sorted(ports)


@_SETTINGS
@given(names=st.lists(_names, min_size=1, max_size=4, unique=True), ports=_ports, env=_env_keys)
def test_compose_and_manifests_stay_valid(names: list[str], ports: list[int], env: list[str]) -> None:
    entries, specs = [], []
    for i, name in enumerate(names):
        svc = make_service(name, files=("requirements.txt",), ports=tuple(ports[i:i + 1]), env=tuple(env),
                           start="python app.py")
        spec = build_spec(svc, make_target())
        specs.append(spec)
        entries.append(ComposeEntry(svc, spec, f"{name}/Dockerfile"))
    doc = compose_document(entries)
    assert list(compose_validator().iter_errors(doc)) == []  # type: ignore[attr-defined]
    for file_name, manifest in kubernetes_documents(specs, "prop").items():
        if file_name != "kustomization.yaml":
            k8s_validate(manifest)
