"""Write docs/checks.md from the check registry (``inspector.analysis.checks``).

Usage: ``python scripts/gen_checks_doc.py`` (rewrite) or ``--check`` (exit 1 when the file is stale; the test
suite runs the same comparison). The registry is the single source: ids, severities, NIC messages and
remediations are never edited in the Markdown by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from inspector.analysis.checks import checks_markdown  # noqa: E402

DOC = REPO / "docs" / "checks.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/checks.md is stale")
    args = parser.parse_args(argv)
    wanted = checks_markdown()
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{DOC.relative_to(REPO)} is stale: run python scripts/gen_checks_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(wanted, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
