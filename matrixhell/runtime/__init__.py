"""matrixhell-runtime: a Linux-namespace container runtime for OCI runtime-spec bundles.

Stdlib only (ctypes for libc). Nothing from the rest of matrixhell is imported here, and this
package's __init__ imports nothing, so the one-shot start path pays only for what it uses.
"""

__all__: list[str] = []
