#!/usr/bin/env python3
"""Measure load, report and the TUI's first frame for synthetic clusters of 1k and 10k objects.

Why a script and not a timed unit test: timings depend on the machine and on what else runs on it (CI boxes
are shared); a script prints figures and ratios a person can judge, and the 10k/1k ratio shows whether a stage
grows worse than linearly. The TUI runs headless (Textual's ``run_test``) at 120x40.

    python scripts/bench.py                 # 1k and 10k objects, generated into a temp folder
    python scripts/bench.py --sizes 1000 --keep /tmp/bench

Stages:
- load: ``sources.convert.load_cluster`` (YAML -> model), on the main thread;
- report: ``report.build_report`` (NIC replica, rendering, checks);
- first frame: app start until the first screen is painted (loading indicator; the load runs in a worker);
- tree ready: app start until the report is in and the tree shown (includes load + report in the worker);
- tui part: the app's own share of that (view, lazy tree, first panes) once the report exists;
- cursor: median time of one ``down`` key in the tree, with details and rendered panes following it, minus
  the median round trip of a key bound to nothing (the test harness's own cost).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import gen_synthetic  # noqa: E402

from inspector.model import ControllerSettings  # noqa: E402
from inspector.report import Report, build_report  # noqa: E402
from inspector.sources.convert import load_cluster  # noqa: E402


@dataclass
class Figures:
    objects: int
    load: float
    report: float
    first_frame: float
    tree_ready: float
    apply: float
    """The app's own share: view, tree and panes for a report that is already built."""
    cursor: float
    hosts: int
    tree_lines: int


async def _tui(paths: list[Path], moves: int) -> tuple[float, float, float, float, int]:
    from inspector.tui.app import InspectorApp

    def load() -> Report:
        return build_report(load_cluster(paths), ControllerSettings())

    class BenchApp(InspectorApp):
        """The real app, with clocks: first painted frame, and the app's own share of showing a report."""

        first_frame = 0.0
        apply_seconds = 0.0

        def on_mount(self) -> None:
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            self.first_frame = self.first_frame or time.perf_counter()

        def _apply(self, report: Report) -> None:
            before = time.perf_counter()
            super()._apply(report)
            self.apply_seconds = time.perf_counter() - before

    start = time.perf_counter()
    app = BenchApp(load, source_label="bench")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        tree_ready = time.perf_counter() - start
        lines = app.report_tree.last_line + 1
        medians = []
        # "f12" is bound to nothing: its round trip is the harness's own cost, subtracted from the cursor's.
        for key in ("f12", "down"):
            timings = []
            for _ in range(moves):
                before = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                timings.append(time.perf_counter() - before)
            medians.append(statistics.median(timings))
    return app.first_frame - start, tree_ready, app.apply_seconds, max(0.0, medians[1] - medians[0]), lines


def measure(objects: int, folder: Path, moves: int) -> Figures:
    count, _ = gen_synthetic.generate(objects, folder)
    paths = [folder]
    t0 = time.perf_counter()
    cluster = load_cluster(paths)
    t1 = time.perf_counter()
    report = build_report(cluster, ControllerSettings())
    t2 = time.perf_counter()
    first_frame, tree_ready, apply, cursor, lines = asyncio.run(_tui(paths, moves))
    return Figures(count, t1 - t0, t2 - t1, first_frame, tree_ready, apply, cursor, len(report.hosts), lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--moves", type=int, default=30, help="cursor moves to time (default 30)")
    parser.add_argument("--keep", type=Path, help="write the synthetic clusters here instead of a temp folder")
    ns = parser.parse_args(argv)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="mtls-bench-") as tmp:
        base = ns.keep or Path(tmp)
        for size in ns.sizes:
            figures = measure(size, base / f"n{size}", ns.moves)
            results.append(figures)
    header = "  objects  hosts  lines     load   report  1st frame     tree  tui part    cursor"
    print(header)
    for f in results:
        print(
            f"{f.objects:>8} {f.hosts:>6} {f.tree_lines:>6} {f.load:>7.2f}s {f.report:>7.2f}s "
            f"{f.first_frame:>9.3f}s {f.tree_ready:>7.2f}s {f.apply:>8.3f}s {f.cursor * 1000:>7.1f}ms"
        )
    if len(results) >= 2:
        small, big = results[0], results[-1]
        scale = big.objects / small.objects

        def ratio(a: float, b: float) -> str:
            return f"{b / a:.1f}x" if a > 0 else "n/a"

        print(
            f"ratio {big.objects}/{small.objects} (objects x{scale:.0f}): load {ratio(small.load, big.load)}, "
            f"report {ratio(small.report, big.report)}, first frame {ratio(small.first_frame, big.first_frame)}, "
            f"tree ready {ratio(small.tree_ready, big.tree_ready)}, tui part {ratio(small.apply, big.apply)}, "
            f"cursor {ratio(small.cursor, big.cursor)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
