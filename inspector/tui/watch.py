"""Noticing that a source file changed, by polling modification times.

Polling (every couple of seconds, in a worker thread so a large folder never stalls the UI) needs no extra
dependency, works on every platform and on network file systems, and costs one ``stat`` per manifest file. The
file list is the loader's own (``sources._walk.Walk``): the watcher sees exactly the files a reload reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from inspector.sources._walk import Walk


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    # The loader's listing (hidden folders skipped, suffixes compared case-insensitively, links that leave the
    # folder and FIFOs skipped); its problems are the loader's to report, so they are dropped here.
    walk = Walk()
    for path in paths:
        for name in walk.expand(str(path)):
            yield Path(name)


def snapshot(paths: Sequence[Path]) -> Mapping[str, float]:
    """``path -> mtime`` of every manifest under ``paths`` (a vanished file is simply absent)."""
    stamps: dict[str, float] = {}
    for path in _files(paths):
        try:
            stamps[str(path)] = path.stat().st_mtime_ns / 1e9
        except OSError:
            continue
    return stamps


def changed(before: Mapping[str, float], after: Mapping[str, float]) -> tuple[str, ...]:
    """Files added, removed or modified between two snapshots, sorted."""
    names = set(before) | set(after)
    return tuple(sorted(n for n in names if before.get(n) != after.get(n)))
