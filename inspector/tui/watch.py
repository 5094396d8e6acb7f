"""Noticing that a source file changed, by polling modification times.

Polling (every couple of seconds, from an interval timer) needs no extra dependency, works on every platform and
on network file systems, and costs one ``stat`` per manifest file; inotify would save little for a few hundred
files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""The files a folder source reads (DESIGN.md: folders are read recursively for these)."""


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix in MANIFEST_SUFFIXES and child.is_file():
                    yield child
        else:
            yield path


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
