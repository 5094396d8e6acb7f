"""The Textual app: a view of the Report, never a second opinion on NIC.

``InspectorApp`` runs the caller's ``load`` (sources -> report) in a thread worker so the first frame appears at
once with a progress line. A ``StagedLoad`` also says what it is doing (``tui/loading.py``): the first load shows
each host as NIC's rules produce it, then the final tree as soon as the checks are done, and the rendered config
last (the same tree, its nodes pointed at the rendered report). Reloading (``r``, a watched file changing, or a
live watch calling ``refresh_report``) runs it again and puts the cursor back on the same host/path/policy.
Screens for help, the checklist walkthrough and explain live in their own modules.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from inspect import isawaitable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.filter import LineFilter
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static, Tree
from textual.worker import Worker, WorkerState

from inspector._gc import gc_paused
from inspector.model import AnyObject, ObjectRef
from inspector.report import Report
from inspector.tui import watch
from inspector.tui.clipboard import clip_dir, object_yaml, osc52, write_clip
from inspector.tui.commands import InspectorCommands
from inspector.tui.details import item_details
from inspector.tui.help_screen import HelpScreen
from inspector.tui.keys import MAIN_BINDINGS, keymap_path, load_keymap, remapped
from inspector.tui.loading import LoadProgress, StagedLoad
from inspector.tui.printable import PRINTABLE
from inspector.tui.rendered import block_for, injected_values, made_elsewhere, render_block
from inspector.tui.strip_view import StripView
from inspector.tui.tree import Prepared, ReportTree, prepare
from inspector.tui.view import (
    GroupBy,
    Item,
    ItemKey,
    View,
    build_view,
    counts,
    filter_roots,
    finding_items,
    next_item,
)

GROUPINGS: tuple[GroupBy, ...] = ("none", "namespace", "resource")
"""The ``g`` key cycles through these."""

WATCH_INTERVAL = 2.0
"""Seconds between polls of the watched source files' modification times."""


def lookup_object(report: Report, ref: ObjectRef) -> AnyObject | None:
    """The model object behind ``ref`` (for copying its YAML)."""
    return report.cluster.lookup(ref)


def item_object(report: Report, item: Item) -> AnyObject | None:
    """The Kubernetes object a tree item stands for: the policy, the location's or host's resource."""
    if item.use is not None:
        return report.cluster.policies.get(item.use.key)
    if item.location is not None:
        return lookup_object(report, item.location.result.resource)
    if item.host is not None:
        return lookup_object(report, item.host.resource)
    for finding in item.findings:
        if finding.resource is not None:
            return lookup_object(report, finding.resource)
    return None


def screenshot_folder() -> Path:
    """Where a screenshot goes: ~/Downloads (Textual's habit) when it exists, else a writable current folder, else
    the clip folder (servers and containers often have neither Downloads nor a writable working directory)."""
    downloads = Path.home() / "Downloads"
    if downloads.is_dir() and os.access(downloads, os.W_OK):
        return downloads
    here = Path.cwd()
    if os.access(here, os.W_OK):
        return here
    return clip_dir()


class LoadNews(Message):
    """The load's worker has news (``LoadProgress.take`` reads it on the event loop)."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


class InspectorApp(App[int]):
    """Hosts -> locations -> policies on the left; details and the rendered NGINX block on the right."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "mtls-inspect"
    AUTO_FOCUS = "#tree"
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)
    COMMANDS = App.COMMANDS | {InspectorCommands}

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then ours: no control character from a manifest reaches the terminal."""
        return [*super().get_line_filters(), PRINTABLE]

    def __init__(
        self,
        load: Callable[[], Report] | StagedLoad,
        *,
        source_label: str,
        watch_paths: Sequence[Path] = (),
        live: object | None = None,
    ) -> None:
        super().__init__()
        self._load = load
        self.source_label = source_label
        self.watch_paths = tuple(watch_paths)
        self.live = live
        """A live-cluster session; its watch calls :meth:`refresh_report` (kept opaque here)."""
        self.report: Report | None = None
        self.view_model: View | None = None
        self.group_by: GroupBy = "none"
        self.filter_text = ""
        self.load_seconds = 0.0
        self.loads = 0
        self._stamps = watch.snapshot(self.watch_paths) if self.watch_paths else {}
        self._keep: ItemKey | None = None
        self._pending: Item | None = None
        self._flush_scheduled = False
        self._panes_show: tuple[Item | None, Report | None, bool] | None = None
        """What the panes show: the item, of which report, in which darkness."""
        self._loading_timer: Timer | None = None
        self._live_watch: object | None = None
        self._worker: Worker[Report] | None = None
        self._started = 0.0
        self._progress: LoadProgress | None = None
        self._generation = 0
        """Counts loads: news of an older one (superseded by a reload) is ignored."""
        self._prebuilt: tuple[Report, GroupBy, Prepared] | None = None
        self._stage = ""
        self._preview: Report | None = None
        """The first load's report without rendered text, shown while the files are rendered."""
        self.keymap: dict[str, str] = {}
        """Binding id -> keys read from the user's keymap file."""

    # --- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Input(placeholder="/ filter: host ns:… policy:… sev:warning", id="filter")
                yield ReportTree(id="tree")
                yield Static("", id="status")
            with Vertical(id="right"):
                yield StripView(id="details-pane", wrap=True)
                yield StripView(id="rendered-pane", wrap=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.source_label} · loading…"
        self.query_one("#details-pane", StripView).show(
            f"Loading {self.source_label}: hosts are listed as NIC's rules produce them, with their findings when "
            "the checks are done."
            if isinstance(self._load, StagedLoad)
            else f"Loading {self.source_label}: NIC's rules are being replayed; the tree appears when the report is in."
        )
        self.query_one("#details-pane").border_title = "Details"
        self.query_one("#rendered-pane").border_title = "Rendered NGINX config"
        self._load_keymap()
        self.refresh_report()
        self._start_live_watch()
        if self.watch_paths:
            self.set_interval(WATCH_INTERVAL, self._poll_in_thread, name="watch-sources")

    def _load_keymap(self) -> None:
        """Apply the user's keymap (binding id -> keys, see ``keys.keymap_path``); problems are shown, not fatal."""
        from inspector.tui.checklist import ChecklistScreen, DiscardNotes
        from inspector.tui.explain_screen import ExplainScreen

        known = [
            str(b.id)
            for screen in (InspectorApp, ChecklistScreen, DiscardNotes, ExplainScreen)
            for b in screen.BINDINGS
            if isinstance(b, Binding) and b.id
        ]
        self.keymap, problems = load_keymap(keymap_path(), known)
        if self.keymap:
            self.set_keymap(self.keymap)
        for problem in problems:
            self.notify(problem, title="Keymap", severity="warning", timeout=10)

    def _start_live_watch(self) -> None:
        """Follow a live session's watch (``LiveSession.watch(on_change)``): every change reloads the report.

        The watch's loops must run in this event loop, so it is started here, not by the caller.
        """
        start = getattr(self.live, "watch", None)
        if callable(start):
            self._live_watch = start(self._live_changed)

    def _live_changed(self) -> None:
        self.notify("the cluster changed: reloading", title="Live")
        self.refresh_report()

    async def on_unmount(self) -> None:
        stop = getattr(self._live_watch, "stop", None)
        if callable(stop):
            result = stop()
            if isawaitable(result):
                await result

    @property
    def report_tree(self) -> ReportTree:
        return self.query_one(ReportTree)

    # --- loading -----------------------------------------------------------------------------------------

    def refresh_report(self) -> None:
        """Run ``load`` again in a worker; the selection is kept by host/path/policy when the report arrives."""
        tree = self.report_tree
        self._keep = tree.current_key or self._keep
        # Progress is a status line ticking twice a second, not Textual's animated LoadingIndicator: the
        # animation repaints at full frame rate and takes the GIL from the load thread (2x slower at 10k).
        self._started = time.perf_counter()
        self._stage = ""
        self._generation += 1
        generation = self._generation
        # Only the first load shows its checked report (a reload keeps the tree until the new one is in).
        prepare = self._prebuild if self.report is None else lambda report: None
        progress = LoadProgress(lambda: self._post_news(generation), prepare)
        self._progress = progress if isinstance(self._load, StagedLoad) else None
        self._tick_loading()
        if self._loading_timer is None:
            self._loading_timer = self.set_interval(0.5, self._tick_loading, name="loading-progress")
        self._worker = self._load_worker(progress)

    def _live_note(self) -> str:
        error = getattr(self._live_watch, "last_error", "")
        return f" · watch: {error}" if isinstance(error, str) and error else ""

    def _tick_loading(self) -> None:
        if self._progress is not None and self._worker is not None and not self._worker.is_finished:
            self._read_news()  # the hosts counted since the last news (the load tells only of its first ones)
        self._show_loading()

    def _show_loading(self) -> None:
        seconds = time.perf_counter() - self._started
        if self._preview is not None and self.report is self._preview:
            line = f"{self._counts_line(self._preview)} · {self._stage}… {seconds:.0f}s"
        elif self._stage:
            # The source is in the header; the narrow pane keeps what is going on.
            line = ("" if self.report is None else "reloading: ") + f"{self._stage}… {seconds:.0f}s"
        else:
            verb = "loading" if self.report is None else "reloading"
            line = f"{verb} {self.source_label}… {seconds:.0f}s"
        self.query_one("#status", Static).update(line)

    def _post_news(self, generation: int) -> None:
        self.post_message(LoadNews(generation))  # thread-safe: called from the load's worker

    def on_load_news(self, message: LoadNews) -> None:
        """Show what the first load has so far: its stage, the hosts NIC's rules produced, the checked report."""
        if message.generation != self._generation or self._progress is None:
            return  # an older load, superseded
        self._read_news()
        self._show_loading()

    def _read_news(self) -> None:
        assert self._progress is not None
        news = self._progress.take()
        self._stage = news.stage
        first_load = self.report is None or self.report is self._preview
        if first_load and self.report is None and news.hosts and self.view_model is None:
            self.report_tree.add_pending(news.hosts, news.total)
        if first_load and news.checked is not None:
            self._preview = news.checked
            self._apply(news.checked)

    def _stop_loading(self) -> None:
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_worker(self, progress: LoadProgress) -> Report:
        if not isinstance(self._load, StagedLoad):
            return self._load()
        report = self._load.run(progress)
        self._prebuild(report)
        return report

    def _prebuild(self, report: Report) -> None:
        """Build the tree of a staged load's report in its worker, off the event loop (``_view_for`` takes it if
        the grouping is still the same)."""
        group_by = self.group_by
        with gc_paused():
            self._prebuilt = (report, group_by, prepare(build_view(report, group_by)))

    def _view_for(self, report: Report) -> View:
        """The view of ``report`` for the current grouping: the one the worker built, else built now."""
        prebuilt, self._prebuilt = self._prebuilt, None
        if prebuilt is not None and prebuilt[0] is report and prebuilt[1] == self.group_by:
            self.report_tree.offer(prebuilt[2])
            return prebuilt[2].view
        return build_view(report, self.group_by)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker:
            # An older load superseded by a newer one (a thread cannot be stopped, only ignored).
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._stop_loading()
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Report):
            self.load_seconds = time.perf_counter() - self._started
            self.loads += 1
            preview, self._preview = self._preview, None
            if preview is None or self.report is not preview or not self._swap(event.worker.result):
                self._apply(event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            message = f"could not load {self.source_label}: {type(error).__name__}: {error}"
            self.query_one("#status", Static).update(message)
            self.notify(message, title="Load failed", severity="error", timeout=10)

    def _apply(self, report: Report) -> None:
        self.report = report
        self._set_header()
        # The report is a large graph of frozen objects: the cyclic GC walking it while the view allocates
        # tens of thousands of items costs more than building them (3-4x at 10k objects). Nothing here makes
        # cycles, so pausing the collector for the rebuild is safe.
        with gc_paused():
            self._rebuild()
        from inspector.tui.checklist import ChecklistScreen

        for screen in self.screen_stack:
            if isinstance(screen, ChecklistScreen):
                # An open checklist must not export the old results: it recomputes them, keeping the notes.
                screen.update_report(report)
        if self.focused is None and self.screen is self.screen_stack[0]:
            self.report_tree.focus()
        self._show_status(report)

    def _counts_line(self, report: Report) -> str:
        return f"{len(report.hosts)} hosts · {sum(1 for _ in report.cluster.all_objects())} objects"

    def _show_status(self, report: Report) -> None:
        # No timing here: the screen must be the same picture every time (snapshots); scripts/bench.py times it.
        self.query_one("#status", Static).update(
            self._counts_line(report)
            + (f" · reloaded ({self.loads - 1})" if self.loads > 1 else "")
            + self._live_note()
        )

    def _swap(self, report: Report) -> bool:
        """The rendered report after its preview: the same tree, so its nodes are pointed at the new items instead
        of rebuilding it (the cursor, expansions and scroll stay). False when the tree changed meanwhile."""
        with gc_paused():
            view = self._view_for(report)
            if not self.report_tree.swap(view, filter_roots(view, self.filter_text)):
                return False
        self.report = report
        self.view_model = view
        from inspector.tui.checklist import ChecklistScreen

        for screen in self.screen_stack:
            if isinstance(screen, ChecklistScreen):
                screen.update_report(report)
        self._show_status(report)
        self._show_item(self.report_tree.current_item)
        return True

    def _set_header(self) -> None:
        """Counts first, and compact below 100 columns: a narrow header cuts the source label, never the counts."""
        if self.report is None:
            return
        nic = f"NIC {self.report.settings.nic_version}"  # the release predicted (--nic-version)
        if self.size.width < 100:
            self.sub_title = f"{counts(self.report, compact=True)} · {nic}"
        else:
            self.sub_title = f"{counts(self.report)} · {nic} · {self.source_label}"

    def on_resize(self) -> None:
        self._set_header()

    def _rebuild(self, *, regroup: bool = True) -> None:
        """Rebuild the tree for the current grouping and filter, keeping the selection where it can.

        ``regroup=False`` reuses the view (a filter change): typing in the filter box stays cheap at 10k objects.
        """
        if self.report is None:
            return
        tree = self.report_tree
        keep = tree.current_key or self._keep
        if regroup or self.view_model is None:
            self.view_model = self._view_for(self.report)
        roots = filter_roots(self.view_model, self.filter_text)
        if not regroup and tree.view is self.view_model and tree.shows(roots):
            return  # the filter keeps what is shown: the tree, its cursor and the panes stay
        tree.show(self.view_model, roots)
        if keep is None or not tree.reveal(keep):
            tree.move_cursor(tree.root.children[0] if tree.root.children else None)
        self._keep = None
        self._show_item(tree.current_item)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _poll_in_thread(self) -> None:
        """Every WATCH_INTERVAL: list and stat the sources off the event loop, then compare on it."""
        stamps = watch.snapshot(self.watch_paths)
        self.call_from_thread(self.poll_sources, stamps)

    def poll_sources(self, stamps: Mapping[str, float] | None = None) -> None:
        """Reload when a watched source file was added, changed or removed (``stamps``: a fresh snapshot)."""
        if stamps is None:
            stamps = watch.snapshot(self.watch_paths)
        moved = watch.changed(self._stamps, stamps)
        if moved:
            self._stamps = stamps
            names = ", ".join(Path(m).name for m in moved[:3]) + ("…" if len(moved) > 3 else "")
            self.notify(f"{names} changed: reloading", title="Sources changed")
            self.refresh_report()

    # --- panes -------------------------------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#tree")
    def _highlighted(self, event: Tree.NodeHighlighted[Item]) -> None:
        # Highlights are queued messages: one may name a node of a tree that ``show()`` has since cleared (fast
        # typing or a paste in the filter). Only the cursor's own node may fill the panes.
        if event.node is not self.report_tree.cursor_node:
            return
        self._show_item(event.node.data)

    def _show_item(self, item: Item | None) -> None:
        """Show ``item`` in the panes after the next refresh; rapid cursor moves coalesce into one update."""
        self._pending = item
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_after_refresh(self._flush_panes)

    def _flush_panes(self) -> None:
        self._flush_scheduled = False
        # The cursor may have moved to a rebuilt tree since the update was scheduled: the panes describe the
        # cursor, whatever was pending.
        item = self.report_tree.current_item if self.report is not None else self._pending
        shown = (item, self.report, self.current_theme.dark)
        last = self._panes_show
        if item is not None and last is not None and all(a is b for a, b in zip(shown, last, strict=True)):
            return  # the same item of the same report (a filter keystroke that keeps the cursor's node)
        self._panes_show = shown
        details = self.query_one("#details-pane", StripView)
        rendered = self.query_one("#rendered-pane", StripView)
        if self.report is None and item is not None and item.host is None and item.kind == "host":
            details.show(
                f"{item.key.host or '(no host)'} ({item.label}): NIC's rules are being replayed; its policies, "
                "findings and rendered config are shown when the report is in."
            )
            rendered.show("")
            return
        if self.report is None or item is None:
            details.show("Nothing selected." if self.report is not None else "")
            rendered.show("")
            return
        details.show(item_details(self.report, item))
        if not self.report.rendered:
            rendered.border_title = "Rendered NGINX config"
            rendered.show("The NGINX config is being rendered…")
            return
        block = block_for(item)
        rendered.border_title = block.title if block is not None else "Rendered NGINX config"
        natural = block.width + 8 if block is not None else 0
        marks = injected_values(self.report, block.host) if block is not None else ()
        notes = made_elsewhere(self.report, block.host) if block is not None else ()
        rendered.show(
            render_block(block, dark=self.current_theme.dark, marks=marks, notes=notes), natural_width=natural
        )
        if block is not None and block.highlight:
            # Bring the selected policy's first line into view, with a little context above it.
            rendered.scroll_to(y=max(0, min(block.highlight) - block.first - 2), animate=False)

    def watch_theme(self) -> None:
        # The syntax colours follow the theme's darkness.
        if self.report is not None:
            self._show_item(self.report_tree.current_item)

    # --- actions -----------------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(remapped(MAIN_BINDINGS, self.keymap)))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.report_tree.focus()

    def set_filter(self, text: str) -> None:
        """Keep only the hosts matching ``text`` (see ``view.parse_filter``)."""
        if text == self.filter_text:
            return
        self.filter_text = text
        self._rebuild(regroup=False)
        if self.view_model is not None:
            shown = len(self.report_tree.root.children)
            self.query_one("#status", Static).update(f"filter {text!r}: {shown} shown" if text else "")

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False
        self.set_filter("")
        self.report_tree.focus()

    def _jump(self, step: int) -> None:
        if self.view_model is None:
            return
        roots = [node.data for node in self.report_tree.root.children if node.data is not None]
        target = next_item(finding_items(roots), self.report_tree.visible_order(), self.report_tree.current_key, step)
        if target is None:
            self.notify("No findings in the tree.", title="Findings")
            return
        self.report_tree.reveal(target.key)
        self.report_tree.focus()

    def action_next_finding(self) -> None:
        self._jump(1)

    def action_previous_finding(self) -> None:
        self._jump(-1)

    def action_cycle_grouping(self) -> None:
        self.group_by = GROUPINGS[(GROUPINGS.index(self.group_by) + 1) % len(GROUPINGS)]
        self._rebuild()
        self.notify(f"grouping: {self.group_by}", title="Tree")

    def action_zoom(self) -> None:
        """Maximise the focused pane (tree, details, rendered config), or restore the layout."""
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
        elif self.focused is not None:
            screen.maximize(self.focused)

    def action_reload(self) -> None:
        self.refresh_report()

    def _selected_host_item(self) -> Item | None:
        item = self.report_tree.current_item
        if item is not None and item.host is None and item.children:
            item = next((c for c in item.children if c.host is not None), None)
        return item if item is not None and item.host is not None else None

    def _still_rendering(self, title: str) -> bool:
        """The first load's tree is shown before the files are rendered; what needs them waits."""
        if self.report is None or self.report.rendered:
            return False
        self.notify("The NGINX config is still being rendered: a moment.", title=title, severity="warning")
        return True

    def action_checklist(self) -> None:
        from inspector.tui.checklist import ChecklistScreen

        if self._still_rendering("Checklist"):
            return
        item = self._selected_host_item()
        if self.report is None or item is None or item.host is None:
            self.notify("Select a host first.", title="Checklist", severity="warning")
            return
        self.push_screen(ChecklistScreen(self.report, item.host, source_label=self.source_label))

    def action_explain(self) -> None:
        from inspector.tui.explain_screen import ExplainScreen

        if self._still_rendering("Explain"):
            return
        item = self._selected_host_item()
        if self.report is None or item is None or item.host is None:
            self.notify("Select a host or location first.", title="Explain", severity="warning")
            return
        path = item.location.path if item.location is not None else None
        self.push_screen(ExplainScreen(self.report, item.host.host, path))

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save an SVG of the screen: ~/Downloads when it exists, else the current folder, else the clip folder."""
        folder = Path(path).expanduser() if path else screenshot_folder()
        try:
            saved = self.save_screenshot(filename, str(folder))
        except OSError as exc:
            message = f"could not save a screenshot in {folder}: {exc.strerror or exc}"
            self.notify(message, title="Screenshot", severity="error", timeout=10)
            return
        self.notify(f"screenshot saved to {Path(saved).resolve()}", title="Screenshot", timeout=10)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The command palette's "Screenshot": saved where ``action_screenshot`` saves (in a browser, served)."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)
        self.action_screenshot(filename, path)
        return None

    def copy_to_clipboard(self, text: str) -> None:
        """OSC 52, DCS-wrapped for tmux when running inside it."""
        super().copy_to_clipboard(text)
        if os.environ.get("TMUX") and self._driver is not None:
            self._driver.write(osc52(text, tmux=True))

    def _copy(self, text: str, name: str, what: str) -> None:
        self.copy_to_clipboard(text)
        try:
            path = write_clip(text, name)
        except OSError as exc:
            self.notify(f"{what} sent to the terminal clipboard; file copy failed: {exc}", title="Copy")
            return
        self.notify(f"{what} copied (OSC 52) and written to {path}", title="Copy", timeout=8)

    def action_copy_block(self) -> None:
        if self._still_rendering("Copy"):
            return
        item = self.report_tree.current_item
        block = block_for(item) if item is not None else None
        if block is None:
            self.notify("No rendered block for this item.", title="Copy", severity="warning")
            return
        suffix = block.host.host + (item.location.path if item is not None and item.location else "")
        self._copy(block.text, f"{suffix}.conf", "Rendered block")

    def action_copy_yaml(self) -> None:
        item = self.report_tree.current_item
        obj = item_object(self.report, item) if self.report is not None and item is not None else None
        if obj is None:
            self.notify("No object behind this item.", title="Copy", severity="warning")
            return
        ref = obj.meta.ref
        self._copy(object_yaml(obj), f"{ref.kind}-{ref.namespace}-{ref.name}.yaml", str(ref))

    def goto(self, key: ItemKey) -> None:
        """Move the cursor to ``key`` (clearing a filter that hides it)."""
        if not self.report_tree.reveal(key) and self.filter_text:
            self.action_clear_filter()
            self.report_tree.reveal(key)
        self.report_tree.focus()


def run_tui(load: Callable[[], Report] | StagedLoad, *, source_label: str, watch_paths: Sequence[Path] = ()) -> int:
    """Run the TUI until the user quits; the exit code is 0."""
    result = InspectorApp(load, source_label=source_label, watch_paths=watch_paths).run()
    return int(result or 0)
