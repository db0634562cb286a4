"""The generated-file marker, as the renderers write it (defined in matrixhell.marker, which the scan
shares)."""

from __future__ import annotations

from matrixhell.marker import JSON_LABEL, MARKER, OUTPUT_NAMES, header, is_generated, marker_value

__all__ = ["JSON_LABEL", "MARKER", "OUTPUT_NAMES", "header", "is_generated", "marker_value"]
