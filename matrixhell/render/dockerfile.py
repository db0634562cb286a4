"""ImageSpec -> Dockerfile text, through templates/Dockerfile.j2."""

from __future__ import annotations

from matrixhell.model.image import ImageSpec
from matrixhell.render._templates import environment
from matrixhell.render.marker import header

__all__ = ["render_dockerfile"]


def render_dockerfile(spec: ImageSpec) -> str:
    text = environment().get_template("Dockerfile.j2").render(spec=spec, header=header())
    # one blank line between blocks, none at the end: stable output whatever the template's spacing
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
