"""Facts about the world, as versioned data files with their provenance, and their loaders.

- :mod:`matrixhell.knowledge.catalog`: distro releases (Debian from the archive, Ubuntu and Alpine
  curated), their runtimes, libc and the packages of each logical library; official base images.
- :mod:`matrixhell.knowledge.syslibs`: what a language package needs from the OS to build and run.
- :mod:`matrixhell.knowledge.index`: package indexes and wheel availability.

docs/knowledge.md says where each data file came from and how to regenerate it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matrixhell.knowledge.catalog import Catalog, ImageInfo, LibraryPackages, Release, load_catalog
    from matrixhell.knowledge.syslibs import NativeNeeds, native_needs

__all__ = [
    "Catalog",
    "ImageInfo",
    "LibraryPackages",
    "NativeNeeds",
    "Release",
    "load_catalog",
    "native_needs",
]

_LAZY = {
    "Catalog": "catalog",
    "ImageInfo": "catalog",
    "LibraryPackages": "catalog",
    "Release": "catalog",
    "load_catalog": "catalog",
    "NativeNeeds": "syslibs",
    "native_needs": "syslibs",
}


def __getattr__(name: str) -> Any:
    # Lazy, so importing matrixhell.knowledge.index does not read the catalog's modules.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"matrixhell.knowledge.{module}"), name)
