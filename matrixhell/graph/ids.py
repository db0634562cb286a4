"""Deterministic node ids: the type, a colon, then the natural name (``package:pypi:psycopg2``)."""

from __future__ import annotations

__all__ = [
    "NODE_TYPES",
    "image_id",
    "node_type",
    "package_id",
    "package_version_id",
    "release_id",
    "runtime_id",
    "runtime_range_id",
    "service_id",
    "system_lib_id",
    "system_package_id",
]

NODE_TYPES = (
    "service",
    "runtime",
    "runtime-range",
    "package",
    "package-version",
    "system-lib",
    "system-package",
    "release",
    "image",
)


def service_id(name: str) -> str:
    return f"service:{name}"


def runtime_id(runtime: str) -> str:
    return f"runtime:{runtime}"


def runtime_range_id(runtime: str, spec: str) -> str:
    return f"runtime-range:{runtime} {spec or '*'}"


def package_id(ecosystem: str, name: str) -> str:
    return f"package:{ecosystem}:{name}"


def package_version_id(ecosystem: str, name: str, version: str) -> str:
    return f"package-version:{ecosystem}:{name}=={version}"


def system_lib_id(lib: str) -> str:
    """A logical library (``openssl``), whatever each release calls its package."""
    return f"system-lib:{lib}"


def system_package_id(manager: str, name: str) -> str:
    """An OS package by its manager's name (``apt:libssl3``); releases that ship it point at it."""
    return f"system-package:{manager}:{name}"


def release_id(distro: str, name: str) -> str:
    return f"release:{distro}:{name}"


def image_id(reference: str) -> str:
    return f"image:{reference}"


def node_type(node_id: str) -> str:
    return node_id.split(":", 1)[0]
