"""What a load tells the TUI while it runs: its stage, the hosts NIC's rules produced so far, the checked report.

A load of 10k objects takes seconds (reading the sources, the replica, the checks, reading the rendered config
back); the app shows each host as the replica produces it, then the final tree with its findings as soon as the
checks are done, and the rendered text last. ``LoadProgress`` is the go-between: the load calls it from its worker
thread, the app reads it on the event loop when told there is news (and on its own timer). Textual-free.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from inspector.nic.types import HostResult
from inspector.report import Report

HOSTS_EVERY = 0.15
"""Seconds between two "more hosts" news while the replica runs: often enough to look live, rarely enough that the
tree's updates take no time from the load."""

HOSTS_TOLD = 300
"""Hosts worth a news of their own (the app lists as many); the count of the others is read on the app's timer:
every news repaints the screen, which takes the GIL from the load."""


class LoadProgress:
    """The load's side calls ``stage``, ``host``, ``checked`` (from any thread); the app's side calls ``take``.

    ``host`` and ``checking`` make it a ``report.Progress`` for ``build_report``; ``finishing`` wraps it for a
    caller that applies its own last step (suppressions, baseline) to every report it hands on.
    """

    def __init__(
        self, news: Callable[[], None] = lambda: None, prepare: Callable[[Report], None] = lambda report: None
    ) -> None:
        self._news = news
        self._prepare = prepare
        self._lock = threading.Lock()
        self._stage = ""
        self._hosts: list[HostResult] = []
        self._taken = 0
        self._checked: Report | None = None
        self._last_news = 0.0
        self._checking = False

    # --- the load's side ---------------------------------------------------------------------------------

    def stage(self, text: str) -> None:
        """What the load does now, in a few words ("reading the sources")."""
        with self._lock:
            self._stage = text
        self._news()

    def host(self, host: HostResult) -> None:
        """A host as the replica produces it (``build_report``'s progress)."""
        with self._lock:
            self._hosts.append(host)
            told = len(self._hosts) <= HOSTS_TOLD
        now = time.monotonic()
        if told and now - self._last_news >= HOSTS_EVERY:
            self._last_news = now
            self._news()

    def checking(self, hosts: int) -> None:
        """The replica is done (``build_report``'s progress): the checks run."""
        self._checking = True
        self.stage(f"checks on {hosts} hosts")

    def checked(self, report: Report) -> None:
        """The report without rendered text, its findings final; the files are rendered next.

        ``prepare`` runs first, on the load's thread: the app builds the report's tree there, off its event loop.
        """
        self._prepare(report)
        with self._lock:
            self._checked = report
            self._stage = "rendering"
        self._news()

    def finishing(self, finish: Callable[[Report], Report]) -> LoadProgress:
        """This progress, with ``finish`` applied to the checked report before the app sees it."""
        return _Finishing(self, finish)

    # --- the app's side ----------------------------------------------------------------------------------

    def take(self) -> News:
        """The stage, the hosts added since the last ``take``, and the checked report (once)."""
        with self._lock:
            new = tuple(self._hosts[self._taken :])
            self._taken = len(self._hosts)
            checked, self._checked = self._checked, None
            stage = self._stage
            if self._taken and not self._checking:
                stage += f": {self._taken} hosts"
            return News(stage, new, self._taken, checked)


class _Finishing(LoadProgress):
    def __init__(self, inner: LoadProgress, finish: Callable[[Report], Report]) -> None:
        self._inner = inner
        self._finish = finish

    def stage(self, text: str) -> None:
        self._inner.stage(text)

    def host(self, host: HostResult) -> None:
        self._inner.host(host)

    def checking(self, hosts: int) -> None:
        self._inner.checking(hosts)

    def checked(self, report: Report) -> None:
        self._inner.checked(self._finish(report))

    def take(self) -> News:
        return self._inner.take()


@dataclass(frozen=True)
class News:
    stage: str
    """What the load does now ("NIC's rules on 9996 objects: 1234 hosts")."""
    hosts: tuple[HostResult, ...]
    """Hosts produced since the last ``take``."""
    total: int
    """Hosts produced so far."""
    checked: Report | None


@dataclass(frozen=True)
class StagedLoad:
    """A load that reports its progress: ``InspectorApp(StagedLoad(fn))`` calls ``fn(progress)`` in its worker."""

    run: Callable[[LoadProgress], Report]
