"""Save the README screenshot: the TUI on the bundled sample cluster, as Textual's SVG.

    python scripts/screenshot.py [docs/screenshot.svg]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from inspector import samples
from inspector.model import ControllerSettings
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster
from inspector.tui.app import InspectorApp


def _load() -> Report:
    # Relative to the repository root when run from there, so that no checkout's path lands in the picture.
    source = Path("sample-cluster") if Path("sample-cluster").is_dir() else samples.path()
    return build_report(load_cluster([str(source)]), ControllerSettings())


async def main(target: Path) -> None:
    app = InspectorApp(_load, source_label="sample cluster")
    async with app.run_test(size=(140, 42)) as pilot:
        for _ in range(200):
            if app.report is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        # The cursor starts on the first host that returns 500; `n` opens its first finding in Details.
        await pilot.press("n")
        await pilot.pause(0.3)
        app.save_screenshot(filename=target.name, path=str(target.parent))


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.svg")
    out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(out))
    print(out)
