"""OCI image config: the fields image-spec v1.1 asks for, the healthcheck label, the marker."""

from __future__ import annotations

import json

from genkit import make_service, make_target

from matrixhell.model import Target
from matrixhell.render.marker import JSON_LABEL, is_generated
from matrixhell.render.oci_config import HEALTHCHECK_LABEL, oci_config, render_oci_config
from matrixhell.render.spec import build_spec


def _spec(**kw: object) -> object:
    return build_spec(make_service(files=("requirements.txt",), ports=(8000,), start="gunicorn app:app"),
                      make_target(), **kw)  # type: ignore[arg-type]


def test_required_fields_and_rootfs_placeholder() -> None:
    doc = oci_config(_spec())  # type: ignore[arg-type]
    assert doc["architecture"] == "amd64" and doc["os"] == "linux"
    assert doc["rootfs"] == {"type": "layers", "diff_ids": []}
    cfg = doc["config"]
    assert cfg["User"] == "10001:10001"  # type: ignore[index]
    assert cfg["ExposedPorts"] == {"8000/tcp": {}}  # type: ignore[index]
    assert cfg["Cmd"] == ["gunicorn", "app:app"] and cfg["WorkingDir"] == "/app"  # type: ignore[index]


def test_env_expands_path_and_matches_the_dockerfile() -> None:
    env = oci_config(_spec())["config"]["Env"]  # type: ignore[index]
    path = next(e for e in env if e.startswith("PATH="))
    assert path.startswith("PATH=/opt/venv/bin:/usr/local/sbin:") and "$" not in path
    assert "PYTHONUNBUFFERED=1" in env


def test_healthcheck_travels_as_a_label() -> None:
    labels = oci_config(_spec())["config"]["Labels"]  # type: ignore[index]
    hc = json.loads(labels[HEALTHCHECK_LABEL])
    assert hc["test"][0] == "CMD" and hc["test"][1] == "python" and hc["interval"] == "30s"
    assert labels["org.opencontainers.image.title"] == "api"
    assert labels["dev.matrixhell.source"] == "api"


def test_marker_label_and_deterministic_text() -> None:
    text = render_oci_config(_spec())  # type: ignore[arg-type]
    assert is_generated("config.json", text) and JSON_LABEL in text
    assert text == render_oci_config(_spec())  # type: ignore[arg-type]
    hand = json.loads(text)
    del hand["config"]["Labels"][JSON_LABEL]
    assert not is_generated("config.json", json.dumps(hand))
    assert not is_generated("config.json", "{not json")


def test_arm_targets_map_to_oci_names() -> None:
    t = Target("debian", "bookworm", "glibc", "2.36", arch="aarch64", runtime="python", runtime_version="3.11")
    spec = build_spec(make_service(files=("requirements.txt",)), t)
    doc = oci_config(spec)
    assert doc["architecture"] == "arm64"
    assert "ExposedPorts" not in doc["config"]  # type: ignore[operator]
