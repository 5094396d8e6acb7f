#!/usr/bin/env python3
"""Measure load, report, the CLI against the YAML floor, and the TUI's first frame on synthetic clusters.

Why a script and not a timed unit test: timings depend on the machine and on what else runs on it (CI boxes
are shared); a script prints figures and ratios a person can judge, and the 10k/1k ratio shows whether a stage
grows worse than linearly. The TUI runs headless (Textual's ``run_test``) at 120x40.

    python scripts/bench.py                 # 1k and 10k objects, generated into a temp folder
    python scripts/bench.py --sizes 1000 --keep /tmp/bench
    python scripts/bench.py --floor --shape vsr --no-tui            # CLI outputs / YAML floor, both generators
    python scripts/bench.py --floor --sizes 50000 --single-file --no-tui --repeat 1

Shapes (``--shape``, repeatable): ``apps`` (scripts/gen_synthetic.py's default: an Ingress and a VirtualServer per
app) and ``vsr`` (a VirtualServer delegating to several VirtualServerRoutes). ``--single-file`` writes each cluster
as one file, as a cluster dump would be.

``--floor``: whole processes, as a user runs them: ``mtls-inspect check --format F`` for json, sarif, junit and
text, against the floor, a bare ``list(yaml.load_all(f, Loader=yaml.CSafeLoader))`` of the same files. Runs
alternate (floor, json, sarif, ... floor, json, ...) so that load on a shared machine hits all of them alike; the
figures are medians of ``--repeat`` runs, with each process's peak RSS. ``--sample`` compares ``check --sample``
with a bare ``python -c "import yaml, jinja2, cryptography.x509"`` (the issue's baseline; the tool itself no longer
imports Jinja2, which the test extra still installs for the snapshot plugin).

Stages:
- load: ``sources.convert.load_cluster`` (YAML -> model), on the main thread;
- report: ``report.build_report`` (NIC replica, rendering, checks);
- first frame: app start until the first screen is painted (loading indicator; the load runs in a worker);
- TUI stages, from app start, with the TUI's own staged load (``cli.py :: cmd_tui``: sources, replica, checks,
  the files rendered last): "hosts" when the tree shows the first host the replica produced, "all" when
  the replica is done (every host listed), "tree" when the tree is the final one (findings, badges, verdicts: the
  checks are done), "done" when the rendered text is in too (the worker is finished; the old "tree ready");
- tui part: the app's own share of that on the event loop (pending hosts, view, lazy tree, panes, the swap to the
  rendered report);
- cursor: median time of one ``down`` key in the tree, with details and rendered panes following it, minus
  the median round trip of a key bound to nothing (the test harness's own cost);
- filter: median time of typing one character in the filter box (the tree filtered and redrawn), minus the same
  harness cost.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
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
    first_hosts: float
    all_hosts: float
    tree_ready: float
    done: float
    apply: float
    """The app's own share on the event loop: pending hosts, view, tree and panes, the swap to rendered text."""
    cursor: float
    filter: float
    hosts: int
    tree_lines: int


@dataclass
class _Tui:
    first_frame: float
    first_hosts: float
    all_hosts: float
    tree_ready: float
    done: float
    apply: float
    cursor: float
    filter: float
    lines: int


async def _tui(paths: list[Path], moves: int) -> _Tui:
    from textual.worker import Worker

    from inspector.tui.app import InspectorApp
    from inspector.tui.loading import LoadProgress, StagedLoad

    def load(progress: LoadProgress) -> Report:
        # As cli.py :: cmd_tui does (without its suppressions and baseline).
        progress.stage("reading the sources")
        cluster = load_cluster(paths)
        progress.stage("NIC's rules")
        return build_report(cluster, ControllerSettings(), progress=progress)

    class BenchApp(InspectorApp):
        """The real app, with clocks: first painted frame, each stage, and the app's own share of the work."""

        first_frame = 0.0
        first_hosts = 0.0
        all_hosts = 0.0
        tree_ready = 0.0
        own = 0.0

        def on_mount(self) -> None:
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            self.first_frame = self.first_frame or time.perf_counter()

        def _read_news(self) -> None:
            before = time.perf_counter()
            super()._read_news()
            after = time.perf_counter()
            self.own += after - before
            if not self.first_hosts and self.report_tree.root.children:
                self.first_hosts = after
            if not self.all_hosts and self._stage.startswith("checks"):
                self.all_hosts = after
            if not self.tree_ready and self.report is not None:
                self.tree_ready = after

        def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
            before = time.perf_counter()
            super().on_worker_state_changed(event)
            self.own += time.perf_counter() - before

    start = time.perf_counter()
    app = BenchApp(StagedLoad(load), source_label="bench")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        done = time.perf_counter() - start
        lines = app.report_tree.last_line + 1

        async def median(*keys: str) -> float:
            timings = []
            for _ in range(moves):
                for key in keys:
                    before = time.perf_counter()
                    await pilot.press(key)
                    await pilot.pause()
                    timings.append(time.perf_counter() - before)
            return statistics.median(timings)

        # "f12" is bound to nothing: its round trip is the harness's own cost, subtracted from the others.
        harness = await median("f12")
        cursor = await median("down")
        await pilot.press("slash")
        # Typing "a" then deleting it: every key refilters the whole tree (half of them to everything).
        typing = await median("a", "backspace")
        await pilot.press("escape")
    return _Tui(
        first_frame=app.first_frame - start,
        first_hosts=app.first_hosts - start if app.first_hosts else 0.0,
        all_hosts=app.all_hosts - start if app.all_hosts else 0.0,
        tree_ready=app.tree_ready - start if app.tree_ready else done,
        done=done,
        apply=app.own,
        cursor=max(0.0, cursor - harness),
        filter=max(0.0, typing - harness),
        lines=lines,
    )


FORMATS = ("json", "sarif", "junit", "text")
FLOOR = (
    "import sys, yaml\n"
    "for path in sys.argv[1:]:\n"
    "    with open(path, encoding='utf-8') as f:\n"
    "        list(yaml.load_all(f, Loader=yaml.CSafeLoader))\n"
)
BARE_IMPORTS = "import yaml, jinja2, cryptography.x509"


_WRAPPER = (
    "import os, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "seconds = time.perf_counter() - start\n"
    "print(code, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)
"""Runs one command and reports its exit code, wall seconds and peak RSS. A small process of its own, because a
child forked from the bench (which holds clusters and reports) would inherit the bench's RSS as its peak."""


def _run_process(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one process, its output discarded."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, cwd=REPO, check=True)
    code, seconds, peak = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} exited {code}")
    return float(seconds), int(peak)


def _alternated(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, int]]:
    """Median seconds and max peak RSS per command, the commands run in turn ``repeat`` times."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, int] = dict.fromkeys(commands, 0)
    for _ in range(repeat):
        for name, cmd in commands.items():
            seconds, peak = _run_process(cmd)
            times[name].append(seconds)
            rss[name] = max(rss[name], peak)
    return {k: (statistics.median(v), rss[k]) for k, v in times.items()}


def measure_cli(folder: Path, repeat: int, formats: Sequence[str] = FORMATS) -> dict[str, tuple[float, int]]:
    """``check --format F`` for each format, and the YAML floor, on the files of ``folder``."""
    files = sorted(str(p) for p in folder.glob("*.yaml"))
    commands = {"floor": [sys.executable, "-c", FLOOR, *files]}
    for fmt in formats:
        commands[fmt] = [sys.executable, "-m", "inspector", "check", str(folder), "--format", fmt, "--fail-on", "never"]
    return _alternated(commands, repeat)


def measure_sample(repeat: int) -> dict[str, tuple[float, int]]:
    return _alternated(
        {
            "bare imports": [sys.executable, "-c", BARE_IMPORTS],
            "check --sample": [sys.executable, "-m", "inspector", "check", "--sample", "--fail-on", "never"],
        },
        repeat,
    )


def measure(objects: int, folder: Path, moves: int, *, shape: str = "apps", single_file: bool = False) -> Figures:
    count, _ = gen_synthetic.generate(objects, folder, shape=shape, single_file=single_file)
    return measure_generated(count, folder, moves)


def measure_generated(count: int, folder: Path, moves: int, *, tui: bool = True) -> Figures:
    paths = [folder]
    t0 = time.perf_counter()
    cluster = load_cluster(paths)
    t1 = time.perf_counter()
    hosts = len(build_report(cluster, ControllerSettings()).hosts)
    t2 = time.perf_counter()
    # The TUI runs on a heap without this cluster and report: its collector would walk them too.
    del cluster
    gc.collect()
    t = asyncio.run(_tui(paths, moves)) if tui else _Tui(0, 0, 0, 0, 0, 0, 0, 0, 0)
    return Figures(
        count,
        t1 - t0,
        t2 - t1,
        t.first_frame,
        t.first_hosts,
        t.all_hosts,
        t.tree_ready,
        t.done,
        t.apply,
        t.cursor,
        t.filter,
        hosts,
        t.lines,
    )


def _print_stages(results: list[Figures]) -> None:
    header = (
        "  objects  hosts  lines     load   report  1st frame    hosts      all     tree     done  tui part"
        "    cursor    filter"
    )
    print(header)
    for f in results:
        print(
            f"{f.objects:>8} {f.hosts:>6} {f.tree_lines:>6} {f.load:>7.2f}s {f.report:>7.2f}s "
            f"{f.first_frame:>9.3f}s {f.first_hosts:>7.2f}s {f.all_hosts:>7.2f}s {f.tree_ready:>7.2f}s "
            f"{f.done:>7.2f}s {f.apply:>8.3f}s {f.cursor * 1000:>7.1f}ms {f.filter * 1000:>7.1f}ms"
        )
    if len(results) >= 2:
        small, big = results[0], results[-1]
        scale = big.objects / small.objects

        def ratio(a: float, b: float) -> str:
            return f"{b / a:.1f}x" if a > 0 else "n/a"

        print(
            f"ratio {big.objects}/{small.objects} (objects x{scale:.0f}): load {ratio(small.load, big.load)}, "
            f"report {ratio(small.report, big.report)}, first frame {ratio(small.first_frame, big.first_frame)}, "
            f"tree {ratio(small.tree_ready, big.tree_ready)}, done {ratio(small.done, big.done)}, "
            f"tui part {ratio(small.apply, big.apply)}, cursor {ratio(small.cursor, big.cursor)}, "
            f"filter {ratio(small.filter, big.filter)}"
        )


def _print_cli(label: str, figures: dict[str, tuple[float, int]]) -> None:
    floor = figures["floor"][0]
    cells = [f"floor {floor:.2f}s {figures['floor'][1] // 1024}MB"]
    for fmt in FORMATS:
        if fmt not in figures:
            continue
        seconds, peak = figures[fmt]
        cells.append(f"{fmt} {seconds:.2f}s {seconds / floor:.2f}x {peak // 1024}MB")
    print(f"{label}: " + " | ".join(cells))


def byte_compile() -> None:
    """Byte-compile the package before timing processes, as an installed one is (pip compiles at install time).

    Otherwise, in a fresh checkout or with ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines), every timed
    process compiles the package's modules from source again: 0.1 s per run, which the floor and the bare imports
    (installed libraries, compiled already) never pay.
    """
    compileall.compile_dir(REPO / "inspector", quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--moves", type=int, default=30, help="cursor moves to time (default 30)")
    parser.add_argument("--keep", type=Path, help="write the synthetic clusters here instead of a temp folder")
    parser.add_argument("--shape", action="append", choices=gen_synthetic.SHAPES, help="generator (repeatable)")
    parser.add_argument("--single-file", action="store_true", help="each cluster as one file")
    parser.add_argument("--floor", action="store_true", help="time the CLI's outputs against the YAML floor")
    parser.add_argument("--sample", action="store_true", help="time check --sample against the bare imports")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process load/report/TUI stages")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI stages")
    parser.add_argument("--repeat", type=int, default=3, help="alternated runs per command for --floor (default 3)")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="for --floor")
    ns = parser.parse_args(argv)
    shapes = ns.shape or ["apps"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    byte_compile()
    if ns.sample:
        fig = measure_sample(ns.repeat)
        bare, sample = fig["bare imports"][0], fig["check --sample"][0]
        print(f"check --sample {sample:.3f}s, bare imports {bare:.3f}s: {sample / bare:.2f}x")
    with tempfile.TemporaryDirectory(prefix="mtls-bench-") as tmp:
        base = ns.keep or Path(tmp)
        for shape in shapes:
            results: list[Figures] = []
            cli: list[tuple[int, dict[str, tuple[float, int]]]] = []
            for size in ns.sizes:
                folder = base / f"{shape}-{size}{'-one' if ns.single_file else ''}"
                count, _ = gen_synthetic.generate(size, folder, shape=shape, single_file=ns.single_file)
                if not ns.no_stages:
                    results.append(measure_generated(count, folder, ns.moves, tui=not ns.no_tui))
                if ns.floor:
                    cli.append((count, measure_cli(folder, ns.repeat, ns.formats)))
            print(f"== shape {shape}{' (one file)' if ns.single_file else ''}")
            if results:
                _print_stages(results)
            for count, figures in cli:
                _print_cli(f"{count:>6} objects", figures)
            if len(cli) >= 2:
                (small, fs), (big, fb) = cli[0], cli[-1]
                print(
                    f"ratio {big}/{small} (objects x{big / small:.0f}): "
                    + ", ".join(f"{fmt} {fb[fmt][0] / fs[fmt][0]:.1f}x" for fmt in ("floor", *ns.formats))
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
