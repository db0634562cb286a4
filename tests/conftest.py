"""Suite-wide settings."""

from __future__ import annotations

import os

# End-of-life is judged on one fixed date, so expectations (fixture projections, golden files) do not
# move as runtimes and releases reach their end.  A test that needs another date passes `today=`.
os.environ.setdefault("MATRIXHELL_TODAY", "2026-12-01")
