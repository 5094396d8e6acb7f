"""The TUI's staged first load (issue 15): hosts as the replica produces them, the final tree once the checks are
done, the rendered text last; and the same final state as a load that hands over the finished report."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from inspector import samples
from inspector.model import ControllerSettings
from inspector.nic.types import HostResult
from inspector.report import Report, build_report, to_json
from inspector.sources.convert import load_cluster
from inspector.tui.app import InspectorApp
from inspector.tui.loading import LoadProgress, StagedLoad
from inspector.tui.strip_view import StripView
from inspector.tui.tree import PENDING_SHOWN

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _no_user_keymap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("MTLS_INSPECT_KEYMAP", raising=False)


class Recorder:
    """A ``report.Progress`` that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.hosts: list[HostResult] = []
        self.early: Report | None = None

    def host(self, host: HostResult) -> None:
        self.hosts.append(host)
        self.events.append("host")

    def checking(self, hosts: int) -> None:
        self.events.append(f"checking {hosts}")

    def checked(self, report: Report) -> None:
        self.early = report
        self.events.append("checked")


def test_progress_sees_every_host_then_the_checked_report_and_the_report_is_the_same() -> None:
    cluster = load_cluster([samples.path()])
    plain = build_report(cluster, ControllerSettings())
    seen = Recorder()
    staged = build_report(cluster, ControllerSettings(), progress=seen)
    assert to_json(staged) == to_json(plain) and staged.findings == plain.findings and staged.rendered
    assert [h.text for h in staged.hosts] == [h.text for h in plain.hosts] and any(h.text for h in plain.hosts)
    served = [h for h in plain.nic.hosts if not h.rejected]
    # The replica tells of each served host as it is generated (fail-open is settled after, at the end).
    assert [(h.host, h.resource) for h in seen.hosts] == [(h.host, h.resource) for h in served]
    assert seen.events == ["host"] * len(served) + [f"checking {len(plain.hosts)}", "checked"]
    early = seen.early
    assert early is not None and not early.rendered
    assert early.findings == plain.findings and [h.result for h in early.hosts] == [h.result for h in plain.hosts]
    assert not any(h.text or h.server_directives for h in early.hosts)


def _staged(folder: Path, gate: threading.Event | None = None) -> StagedLoad:
    def load(progress: LoadProgress) -> Report:
        progress.stage("reading the sources")
        cluster = load_cluster([folder])
        progress.stage("NIC's rules")
        if gate is None:
            return build_report(cluster, ControllerSettings(), progress=progress)

        class Held:
            """Stops after the replica: the test looks at the pending tree, then lets the load finish."""

            def checking(self, hosts: int) -> None:
                progress.checking(hosts)
                gate.wait(30)

            def host(self, host: HostResult) -> None:
                progress.host(host)

            def checked(self, report: Report) -> None:
                progress.checked(report)

        return build_report(cluster, ControllerSettings(), progress=Held())

    return StagedLoad(load)


async def _ready(pilot: Pilot[int]) -> None:
    await pilot.app.workers.wait_for_complete()
    await _settled(pilot)


async def _settled(pilot: Pilot[int]) -> None:
    """Until the panes' update, scheduled for after the next refresh, has run (a pause alone may come first)."""
    await pilot.pause()
    for _ in range(100):
        if not getattr(pilot.app, "_flush_scheduled", False):
            return
        await pilot.pause(0.02)
    raise AssertionError("the panes were never updated")


async def _final_state(app: InspectorApp, keys: tuple[str, ...]) -> tuple[object, ...]:
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press(*keys)
        await _settled(pilot)
        tree = app.report_tree
        lines = [tree.get_node_at_line(n) for n in range(tree.last_line + 1)]
        return (
            [str(node.label) for node in lines if node is not None],
            tree.current_key,
            app.query_one("#details-pane", StripView).plain,
            app.query_one("#rendered-pane", StripView).plain,
            str(app.query_one("#rendered-pane").border_title),
            str(app.query_one("#status").content),
            app.sub_title,
            app.report is not None and app.report.rendered,
        )


async def test_a_staged_load_ends_in_the_same_tree_panes_and_status_as_a_plain_one() -> None:
    folder = samples.path()
    plain = InspectorApp(lambda: build_report(load_cluster([folder]), ControllerSettings()), source_label="s")
    staged = InspectorApp(_staged(folder), source_label="s")
    keys = ("down", "down", "enter", "down", "n")
    assert await _final_state(staged, keys) == await _final_state(plain, keys)


async def test_pending_hosts_are_listed_while_the_checks_run_and_the_cursor_stays_on_its_host(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    try:
        import gen_synthetic
    finally:
        sys.path.pop(0)
    gen_synthetic.generate(1400, tmp_path / "synthetic")  # 400 hosts: more than the pending list shows
    gate = threading.Event()
    app = InspectorApp(_staged(tmp_path / "synthetic", gate), source_label="big")
    async with app.run_test(size=SIZE) as pilot:
        while not str(app.query_one("#status").content).startswith("checks on "):
            await asyncio.sleep(0.05)
        await pilot.pause()
        tree = app.report_tree
        assert app.report is None and app.view_model is None
        pending = [n for n in tree.root.children if n.data is not None]
        assert len(pending) == PENDING_SHOWN and all(not n.allow_expand for n in pending)
        more = str(tree.root.children[-1].label).strip()
        assert str(app.query_one("#status").content).startswith("checks on 400 hosts… ")
        await pilot.press("down", "down", "down")
        chosen = tree.current_key
        assert chosen is not None and chosen.kind == "host"
        details = " ".join(app.query_one("#details-pane", StripView).plain.split())
        assert f"{chosen.host} (" in details and "NIC's rules are being replayed" in details
        await pilot.press("c")  # nothing to walk through yet: a notice, no screen
        assert app.screen is app.screen_stack[0]
        gate.set()
        await _ready(pilot)
        assert app.report is not None and app.report.rendered
        assert tree.current_key == chosen  # the host the user picked, in the final (attention-ordered) tree
        assert len([n for n in tree.root.children if n.data is not None and n.data.kind == "host"]) == 400
        served = [h for h in app.report.hosts if not h.result.rejected]
        assert more == f"… {len(served) - PENDING_SHOWN} more hosts so far"
        assert "server block for" in str(app.query_one("#rendered-pane").border_title)


async def test_the_rendered_report_is_swapped_into_the_same_nodes() -> None:
    """While the files are rendered, the tree is the final one; when it is in, the nodes point at the rendered
    report's items (nothing rebuilt: the cursor and the opened nodes stay) and the rendered pane fills."""
    cluster = load_cluster([samples.path()])
    full = build_report(cluster, ControllerSettings())
    early: list[Report] = []
    release = threading.Event()

    def load(progress: LoadProgress) -> Report:
        class Slow:
            def host(self, host: HostResult) -> None:
                progress.host(host)

            def checking(self, hosts: int) -> None:
                progress.checking(hosts)

            def checked(self, report: Report) -> None:
                early.append(report)
                progress.checked(report)
                release.wait(30)

        return build_report(cluster, ControllerSettings(), progress=Slow())

    app = InspectorApp(StagedLoad(load), source_label="s")
    async with app.run_test(size=SIZE) as pilot:
        while app.report is None:
            await asyncio.sleep(0.05)
        await pilot.pause()
        assert app.report is early[0] and not app.report.rendered
        assert app.query_one("#rendered-pane", StripView).plain == "The NGINX config is being rendered…"
        assert str(app.query_one("#status").content).startswith("16 hosts · 93 objects · rendering… ")
        await pilot.press("down", "enter", "down")
        tree = app.report_tree
        nodes = [tree.get_node_at_line(n) for n in range(tree.last_line + 1)]
        cursor = app.report_tree.cursor_node
        await pilot.press("e")  # explain waits for the rendered report
        assert app.screen is app.screen_stack[0]
        release.set()
        await _ready(pilot)
        assert app.report is not None and app.report.rendered and app.report.findings == full.findings
        assert [tree.get_node_at_line(n) for n in range(tree.last_line + 1)] == nodes and tree.cursor_node is cursor
        item = app.report_tree.current_item
        assert item is not None and item.host is not None and item.host.text and item.host in app.report.hosts
        assert all(n is not None and n.data is not None for n in nodes)
        assert all(n.data.host is None or n.data.host in app.report.hosts for n in nodes if n is not None and n.data)
        assert f"({item.host.result.config_file})" in str(app.query_one("#rendered-pane").border_title)
        shown = app.query_one("#rendered-pane", StripView).plain
        assert shown.strip() and shown != "The NGINX config is being rendered…"


async def test_label_widths_are_textuals_and_a_filter_keeping_every_host_redraws_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual.widgets import Tree

    report = build_report(load_cluster([samples.path()]), ControllerSettings())
    app = InspectorApp(lambda: report, source_label="s")
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        tree = app.report_tree
        await pilot.press("enter", "down", "enter")
        nodes = [tree.get_node_at_line(n) for n in range(tree.last_line + 1)]
        assert any(n is not None and n.allow_expand and not n.is_expanded for n in nodes)
        for node in nodes:
            assert node is not None
            assert tree.get_label_width(node) == Tree.get_label_width(tree, node), str(node.label)
        shown: list[int] = []
        real_show = tree.show
        monkeypatch.setattr(tree, "show", lambda view, roots: (shown.append(len(roots)), real_show(view, roots)))
        before = tree.cursor_node
        app.set_filter("example")  # every host of the sample is *.example.com
        assert shown == [] and tree.cursor_node is before
        app.set_filter("cafe")
        assert len(shown) == 1 and 0 < shown[0] < len(report.hosts)
