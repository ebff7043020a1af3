"""Write or check the committed JSON Schema of results.json (`python -m evalctl.reports.schema --write`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evalctl.reports.models import json_schema

SCHEMA_PATH = Path(__file__).with_name("results.schema.json")


def render() -> str:
    """The schema as committed: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """`--write` regenerates the file; without it, exit 1 when the committed file has drifted."""
    if "--write" in argv:
        SCHEMA_PATH.write_text(render(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
        return 0
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    if current != render():
        print(f"{SCHEMA_PATH} is stale; run: python -m evalctl.reports.schema --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
