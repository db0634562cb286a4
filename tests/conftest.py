"""Suite-wide settings."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# End-of-life is judged on one fixed date, so expectations (fixture projections, golden files) do not
# move as runtimes and releases reach their end.  A test that needs another date passes `today=`.
os.environ.setdefault("MATRIXHELL_TODAY", "2026-12-01")

# Property tests check answers, not speed: on a loaded 2-core CI machine an example may take longer
# than Hypothesis's 200 ms default deadline, and that must not fail the run.
settings.register_profile("matrixhell", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("matrixhell")
