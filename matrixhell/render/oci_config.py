"""ImageSpec -> an OCI image config (image-spec v1.1 ``application/vnd.oci.image.config.v1+json``).

It describes the image the Dockerfile builds: user, ports, environment, command, working directory and
labels.  Two things only a builder can know are left for it to fill: ``rootfs.diff_ids`` (the digests
of the layers it produced, empty here) and the base image's own configuration, which the builder merges
underneath (the Env here expands ``$PATH`` against the default PATH; a builder substitutes the base's).
Docker's HEALTHCHECK has no place in the OCI config, so it travels as the ``dev.matrixhell.healthcheck``
label (JSON: test, interval, timeout, start period, retries).
"""

from __future__ import annotations

import json

from matrixhell.model.image import ImageSpec
from matrixhell.render.marker import JSON_LABEL, marker_value

__all__ = ["HEALTHCHECK_LABEL", "oci_config", "render_oci_config"]

HEALTHCHECK_LABEL = "dev.matrixhell.healthcheck"
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
         "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "i386": "386", "i686": "386"}


def oci_config(spec: ImageSpec) -> dict[str, object]:
    labels = {k: v for k, v in spec.labels}
    labels[JSON_LABEL] = marker_value()
    if spec.healthcheck is not None:
        h = spec.healthcheck
        labels[HEALTHCHECK_LABEL] = json.dumps({
            "test": ["CMD", *h.test], "interval": f"{h.interval_s}s", "timeout": f"{h.timeout_s}s",
            "start_period": f"{h.start_period_s}s", "retries": h.retries,
        }, sort_keys=True)
    config: dict[str, object] = {
        "User": spec.user_spec(),
        "Env": [f"{k}={v}" for k, v in spec.env],
        "WorkingDir": spec.workdir,
        "Labels": dict(sorted(labels.items())),
    }
    if spec.ports:
        config["ExposedPorts"] = {f"{n}/{p}": {} for n, p in spec.ports}
    if spec.entrypoint:
        config["Entrypoint"] = list(spec.entrypoint)
    config["Cmd"] = list(spec.cmd)
    return {
        "architecture": _ARCH.get(spec.arch, spec.arch),
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": []},
    }


def render_oci_config(spec: ImageSpec) -> str:
    return json.dumps(oci_config(spec), indent=2, sort_keys=True) + "\n"
