"""A runtime requirement written as an ecosystem's version range (npm's engines, Composer's php).

The range is translated to a PEP 440 specifier; text that cannot be read still records the
requirement, with an empty spec (any version), and a note that says what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable

from matrixhell.detect._facts import Facts
from matrixhell.detect._ranges import RangeError, Translation
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import RuntimeReq

__all__ = ["range_runtime"]


def range_runtime(
    facts: Facts,
    translate: Callable[[str], Translation],
    runtime: str,
    raw: str,
    source: str,
    origin: Origin,
    precedence: int,
    *,
    label: str,
    hint: str,
) -> None:
    """Append the runtime ``raw`` asks for; ``label`` names the range in a note ("node range")."""
    try:
        t = translate(raw)
    except RangeError as e:
        facts.note("unreadable-range", f"{label} {raw!r}: {e}", origin, hint=hint)
        facts.runtimes.append(RuntimeReq(runtime, "", raw, source, origin, precedence))
        return
    if t.note:
        facts.note("range-widened", t.note, origin, severity=Severity.INFO)
    facts.runtimes.append(RuntimeReq(runtime, t.spec, raw, source, origin, precedence))
