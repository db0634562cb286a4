"""Registers the runtime test fixtures (they live in rt_harness.py, imported by name by the tests)."""

from rt_harness import bundle, rootfs, rt

__all__ = ["bundle", "rootfs", "rt"]
