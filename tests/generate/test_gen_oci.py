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


def _layout(tmp: object, config: bytes) -> str:
    """A one-image OCI layout with ``config`` and no layers (the builder adds those)."""
    import hashlib
    from pathlib import Path

    root = Path(str(tmp)) / "layout"
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}", len(data)

    cd, cl = put(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                                      "size": cl}, "layers": []}).encode()
    md, ml = put(manifest)
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ml,
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    return str(root)


def test_skopeo_and_umoci_read_the_config(tmp_path: object) -> None:
    """Real OCI tools accept it: skopeo reads it back, umoci turns it into a runtime bundle."""
    import os
    import subprocess
    from pathlib import Path

    spec = _spec()
    layout = _layout(tmp_path, render_oci_config(spec).encode())  # type: ignore[arg-type]
    out = subprocess.run(["skopeo", "inspect", "--config", f"oci:{layout}:latest"], capture_output=True,
                         text=True, check=True, timeout=60)
    assert json.loads(out.stdout)["config"] == oci_config(spec)["config"]  # type: ignore[arg-type]
    bundle = Path(str(tmp_path)) / "bundle"
    cmd = ["umoci", "unpack", *([] if os.geteuid() == 0 else ["--rootless"]), "--image", f"{layout}:latest",
           str(bundle)]
    subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60)
    process = json.loads((bundle / "config.json").read_text())["process"]
    assert process["user"]["uid"] == 10001 and process["user"]["gid"] == 10001
    assert process["args"] == ["gunicorn", "app:app"] and process["cwd"] == "/app"
    assert any(e.startswith("PATH=/opt/venv/bin:") for e in process["env"])
