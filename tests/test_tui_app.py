"""Pilot tests of the Textual app on the bundled sample: navigation, filter, next finding, help, palette,
checklist flow and export, copy, grouping, reload keeping the selection, and a load that fails."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Static

from inspector import samples
from inspector.model import ControllerSettings
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster
from inspector.tui.app import InspectorApp
from inspector.tui.checklist import ChecklistScreen
from inspector.tui.explain_screen import ExplainScreen
from inspector.tui.help_screen import HelpScreen
from inspector.tui.keys import MAIN_BINDINGS
from inspector.tui.labels import host_badges
from inspector.tui.strip_view import StripView
from inspector.tui.view import ItemKey

SIZE = (120, 40)


@pytest.fixture(scope="module")
def sample_report() -> Report:
    return build_report(load_cluster([samples.path()]), ControllerSettings())


@pytest.fixture(autouse=True)
def _no_user_keymap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The user's own keymap must not change what these tests press."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("MTLS_INSPECT_KEYMAP", raising=False)


def _app(report: Report) -> InspectorApp:
    return InspectorApp(lambda: report, source_label="sample-cluster")


async def _ready(pilot: Pilot[int]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _plain(widget: Static) -> str:
    """The text a Static shows (its Rich renderable or string), rendered without styles."""
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def _host_key(app: InspectorApp, host: str) -> ItemKey:
    assert app.view_model is not None
    return next(i.key for i in app.view_model.walk() if i.kind == "host" and i.host and i.host.host == host)


async def test_first_screen_shows_every_host_and_the_seed_policies(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        tree = app.report_tree
        hosts = [n.data.host.host for n in tree.root.children if n.data and n.data.host]
        assert sorted(hosts) == sorted(h.host for h in sample_report.hosts)
        # The tree does not fit 40 lines expanded: one line per host, the first ones opened as far as they fit.
        assert tree.last_line < tree.scrollable_content_region.height
        opened = [n.is_expanded for n in tree.root.children]
        assert opened[0] and not opened[-1] and opened == sorted(opened, reverse=True)
        assert "16 hosts" in app.sub_title and "5 with 500" in app.sub_title and "1 fail-open" in app.sub_title
        assert "NIC 5.6" in app.sub_title
        assert app.focused is tree
        item = tree.current_item
        assert item is not None and item.kind == "host" and item.host is not None and "500" in host_badges(item.host)
        lines = [tree.get_node_at_line(n) for n in range(tree.last_line + 1)]
        labels = " ".join(str(node.label) for node in lines if node is not None)
        assert "cafe.example.com  ingress-mtls-policy applied" in labels
        assert "webapp.example.com  egress-mtls-policy applied" in labels


async def test_a_small_tree_opens_fully_expanded(tmp_path: Path) -> None:
    report = build_report(load_cluster([samples.path() / "cafe", samples.path() / "webapp"]), ControllerSettings())
    app = _app(report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        assert all(n.is_expanded for n in app.report_tree.root.children if n.allow_expand)


async def test_cursor_moves_and_details_follow(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        first = app.report_tree.current_item
        assert first is not None and first.host is not None
        assert f"Host {first.host.host}" in app.query_one("#details-pane", StripView).plain
        app.goto(_host_key(app, "webapp.example.com"))
        await pilot.press("enter", "down")
        item = app.report_tree.current_item
        assert item is not None and item.kind == "policy" and item.use is not None
        details = app.query_one("#details-pane", StripView).plain
        assert f"Policy {item.use.outcome.type} {item.use.key}" in details
        assert "Chain of origin at this place" in details
        pane = app.query_one("#rendered-pane")
        assert "server block for" in str(pane.border_title)


async def test_filter_narrows_and_escape_restores(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        assert box.display and app.focused is box
        await pilot.press(*"ns:shop")
        await pilot.pause()
        roots = app.report_tree.root.children
        assert [n.data.host.host for n in roots if n.data and n.data.host] == ["shop.example.com"]
        await pilot.press("enter")
        assert app.focused is app.report_tree
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.report_tree.root.children) == len(sample_report.hosts)
        assert not box.display
        assert app.report_tree.current_item is not None
        assert app.report_tree.current_item.host is not None
        assert app.report_tree.current_item.host.host == "shop.example.com"


async def test_next_and_previous_finding(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("n")
            item = app.report_tree.current_item
            assert item is not None and any(not f.suppressed for f in item.findings)
            seen.append(item.key)
        assert len(set(seen)) == 3
        await pilot.press("N")
        assert app.report_tree.current_key == seen[1]
        details = app.query_one("#details-pane", StripView).plain
        assert "fix " in details and "MTLS" in details


async def test_help_lists_bindings_ids_and_icons(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = _plain(app.screen.query_one("#help-text", Static))
        for binding in MAIN_BINDINGS:
            assert binding.id is not None and binding.id in text
        assert "FAIL-OPEN" in text and "worst severity rolls up" in text and "sev:warning" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_command_palette_jumps_to_a_host(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"go: shop.example")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.report_tree.current_key == _host_key(app, "shop.example.com")
        await pilot.press("ctrl+p")
        await pilot.press(*"tree: group")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.group_by == "namespace"
        assert app.report_tree.current_key == _host_key(app, "shop.example.com")


async def test_checklist_walk_note_and_export(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "cafe.example.com"))
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, ChecklistScreen) and screen.host.host == "cafe.example.com"
        body = _plain(screen.query_one("#step-detail", Static))
        assert "Step 1 · ingressMTLS" in body
        await pilot.press("down")
        body = _plain(screen.query_one("#step-detail", Static))
        assert "Step 2 · ingressMTLS" in body and "PASS" in body
        await pilot.press("tab")
        assert app.focused is screen.query_one("#note", Input)
        await pilot.press(*"TLS checked with the app team")
        await pilot.press("enter")
        body = _plain(screen.query_one("#step-detail", Static))
        assert "Step 3" in body
        await pilot.press("ctrl+s")
        assert screen.exported == tmp_path / "mtls-signoff-cafe.example.com.md"
        text = screen.exported.read_text()
        assert "# mTLS rollout sign-off: cafe.example.com" in text
        assert "Note: TLS checked with the app team" in text
        assert "[PASS] The Ingress has TLS termination" in text
        assert "Not applicable (no egressMTLS policy on cafe.example.com): steps 7, 8, 9, 10, 11, 12." in text
        assert "[MANUAL]" in text and "## Other findings" in text and "## Rendered server block" in text
        assert "sha256:" in text and "mtls-inspect 0.1.0" in text and "NGINX Ingress Controller 5.6" in text
        await pilot.press("ctrl+s")
        assert screen.exported == tmp_path / "mtls-signoff-cafe.example.com-2.md"
        assert (tmp_path / "mtls-signoff-cafe.example.com.md").read_text() == text
        await pilot.press("escape")
        assert not isinstance(app.screen, ChecklistScreen)


async def test_checklist_is_modal_and_asks_before_losing_notes(sample_report: Report) -> None:
    from inspector.tui.checklist import DiscardNotes

    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "cafe.example.com"))
        tree_key = app.report_tree.current_key
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        # The main screen's keys do not reach the hidden tree: no next finding, no second checklist, no filter.
        await pilot.press("n", "c", "slash", "g")
        assert app.screen is screen and len(app.screen_stack) == 2
        assert app.report_tree.current_key == tree_key and app.group_by == "none"
        assert not app.query_one("#filter", Input).display
        await pilot.press("q")
        assert not isinstance(app.screen, ChecklistScreen) and app.is_running
        await pilot.press("c", "tab", *"quick note with q")
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        assert screen.notes[screen.results[0].step.id] == "quick note with q"
        await pilot.press("escape")
        assert isinstance(app.screen, DiscardNotes)
        await pilot.press("n")
        assert app.screen is screen
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, (ChecklistScreen, DiscardNotes))


async def test_checklist_export_to_a_chosen_path(sample_report: Report, tmp_path: Path) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "no-tls.broken.example.com"))
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        assert "fail" in screen.sub_title
        target = tmp_path / "tickets" / "CHG-1.md"
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export")
        assert screen.exported == target
        assert "[FAIL]" in target.read_text()


async def test_explain_opens_for_the_selected_host(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "cafe.example.com"))
        await pilot.press("e")
        assert isinstance(app.screen, ExplainScreen)
        text = _plain(app.screen.query_one("#explain-text", Static))
        assert "cafe.example.com" in text
        assert "explain failed" not in text and "not available" not in text
        await pilot.press("escape")
        assert not isinstance(app.screen, ExplainScreen)


async def test_copy_block_and_yaml_write_files(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(tmp_path / "clips"))
    tmp_path = tmp_path / "clips"
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "cafe.example.com"))
        await pilot.press("y")
        block = tmp_path / "cafe.example.com.conf"
        assert block.read_text().startswith("server {")
        assert app.clipboard == block.read_text()
        await pilot.press("enter", "down")
        await pilot.press("Y")
        policy = (tmp_path / "Policy-default-ingress-mtls-policy.yaml").read_text()
        assert "clientCertSecret: ingress-mtls-secret" in policy


async def test_grouping_cycles_and_keeps_the_selection(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        key = _host_key(app, "shop.example.com")
        app.goto(key)
        await pilot.press("g")
        assert app.group_by == "namespace"
        labels = [n.data.label for n in app.report_tree.root.children if n.data]
        assert "shop" in labels and "default" in labels
        assert app.report_tree.current_key == key
        await pilot.press("g")
        assert app.group_by == "resource"
        await pilot.press("g")
        assert app.group_by == "none"
        assert app.report_tree.current_key == key


async def test_source_change_reloads_and_keeps_the_selection(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    shutil.copytree(samples.path() / "cafe", folder)
    loads: list[int] = []

    def load() -> Report:
        loads.append(1)
        return build_report(load_cluster([folder]), ControllerSettings())

    app = InspectorApp(load, source_label=str(folder), watch_paths=[folder])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        key = _host_key(app, "cafe.example.com")
        await pilot.press("down", "down")
        selected = app.report_tree.current_key
        assert selected is not None and selected != key
        ingress = folder / "cafe-ingress.yaml"
        ingress.write_text(ingress.read_text().replace("path: /coffee", "path: /latte"))
        app.poll_sources()
        await _ready(pilot)
        assert len(loads) == 2
        assert app.report_tree.current_key == selected
        paths = [i.location.path for i in app.view_model.walk() if i.location and i.kind == "location"]
        assert "/latte" in paths and "/coffee" not in paths
        await pilot.press("r")
        await _ready(pilot)
        assert len(loads) == 3


async def test_a_failing_load_is_a_message_not_a_crash() -> None:
    def load() -> Report:
        raise ValueError("cluster.yaml:3: mapping values are not allowed here")

    app = InspectorApp(load, source_label="cluster.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        status = _plain(app.query_one("#status", Static))
        assert "could not load cluster.yaml" in status and "cluster.yaml:3" in status
        await pilot.press("n", "c", "y", "question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_zoom_maximises_the_focused_pane(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("tab")
        details = app.query_one("#details-pane", StripView)
        assert app.focused is details
        await pilot.press("z")
        assert app.screen.maximized is details
        assert details.outer_size.width == 80
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_a_broken_manifest_is_a_finding_in_the_tree(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    shutil.copytree(samples.path() / "cafe", folder)
    (folder / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: [unclosed\n")

    def load() -> Report:
        return build_report(load_cluster([folder]), ControllerSettings())

    app = InspectorApp(load, source_label=str(folder))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        roots = [n.data for n in app.report_tree.root.children if n.data is not None]
        assert [r.kind for r in roots] == ["host", "orphans"]
        assert roots[0].host is not None and roots[0].host.host == "cafe.example.com"
        await pilot.press("n")
        item = app.report_tree.current_item
        assert item is not None and item.kind == "orphan"
        assert item.label.endswith("broken.yaml:6")
        details = " ".join(app.query_one("#details-pane", StripView).plain.split())
        assert "MTLS001" in details and "YAML syntax error" in details


async def test_a_big_cluster_opens_collapsed_and_fills_nodes_on_expand(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    try:
        import gen_synthetic
    finally:
        sys.path.pop(0)
    gen_synthetic.generate(700, tmp_path / "synthetic")
    report = build_report(load_cluster([tmp_path / "synthetic"]), ControllerSettings())
    app = _app(report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        tree = app.report_tree
        nodes = [n for n in tree.root.children if n.data is not None and n.data.kind == "host"]
        assert len(nodes) == len(report.hosts) == 200
        assert all(not n.is_expanded and not n.children for n in nodes)
        assert all(n.allow_expand for n in nodes)
        await pilot.press("enter")
        first = nodes[0]
        assert first.is_expanded and first.children
        assert first.data is not None and len(first.children) == len(first.data.children)
        await pilot.press("n")
        item = tree.current_item
        assert item is not None and any(not f.suppressed for f in item.findings)
        assert tree.cursor_node is not None and tree.cursor_node.data is item


async def test_details_describe_the_cursor_after_a_paste_and_fast_typing_in_the_filter(sample_report: Report) -> None:
    from textual import events

    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("down", "down")
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        # A paste, then keys typed faster than the tree is rebuilt: every step queues highlights of nodes that the
        # next rebuild clears.
        before = app.report_tree.current_item
        assert before is not None and before.host is not None and before.host.host != "cafe.example.com"
        # Pastes queued at once: each rebuild's highlight arrives after later rebuilds cleared its tree.
        for chunk in ("c", "a", "f", "e.", "example", ".com"):
            box.post_message(events.Paste(chunk))
        await pilot.pause()
        await pilot.pause()
        assert box.value == "cafe.example.com"
        item = app.report_tree.current_item
        assert item is not None and item.host is not None and item.host.host == "cafe.example.com"
        details = app.query_one("#details-pane", StripView).plain
        assert details.startswith("Host cafe.example.com"), details[:80]
        box.post_message(events.Paste("x"))
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.pause()
        await pilot.pause()
        item = app.report_tree.current_item
        assert item is not None and item.host is not None
        assert f"Host {item.host.host}" in app.query_one("#details-pane", StripView).plain


async def test_explain_tables_fit_the_box(sample_report: Report) -> None:
    app = _app(sample_report)
    async with app.run_test(size=(100, 40)) as pilot:
        await _ready(pilot)
        app.goto(_host_key(app, "shop.example.com"))
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExplainScreen)
        body = screen.query_one("#explain-body")
        assert 0 < screen.rendered_width <= body.scrollable_content_region.width
        text = screen.query_one("#explain-text", Static).content
        assert isinstance(text, Text)
        assert max(len(line) for line in text.plain.splitlines()) <= screen.rendered_width


async def test_screenshot_without_downloads_goes_to_the_current_folder(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        # What the command palette's "Screenshot" calls.
        app.deliver_screenshot(filename="shot.svg")
        await pilot.pause()
        assert (work / "shot.svg").read_text().startswith("<svg")
        messages = [n.message for n in app._notifications]
        assert any(str(work / "shot.svg") in m for m in messages), messages
        app.action_screenshot(filename="shot.svg", path=str(tmp_path / "missing"))
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("could not save a screenshot" in m and "No such file" in m for m in messages)


async def test_the_watcher_polls_in_a_thread_with_the_loaders_file_list(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    shutil.copytree(samples.path() / "cafe", folder)
    loads: list[int] = []

    def load() -> Report:
        loads.append(1)
        return build_report(load_cluster([folder]), ControllerSettings())

    app = InspectorApp(load, source_label=str(folder), watch_paths=[folder])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        # Files the loader skips (a hidden folder) do not trigger a reload; an upper-case suffix it reads does.
        (folder / ".git").mkdir()
        (folder / ".git" / "x.yaml").write_text("kind: List\n")
        worker = app._poll_in_thread()
        await worker.wait()
        await _ready(pilot)
        assert len(loads) == 1
        (folder / "EXTRA.YAML").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n")
        worker = app._poll_in_thread()
        await worker.wait()
        await pilot.pause()
        await _ready(pilot)
        assert len(loads) == 2


async def test_copy_yaml_on_every_node_never_copies_a_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.tui_helpers import key_markers, one_line_json_list

    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(tmp_path / "clips"))
    report = build_report(load_cluster([one_line_json_list(tmp_path)]), ControllerSettings())
    markers = key_markers(report)
    app = _app(report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        assert app.view_model is not None
        copied = 0
        for item in app.view_model.walk():
            app.goto(item.key)
            app._clipboard = ""
            await pilot.press("Y")
            if app.clipboard:
                copied += 1
                assert not [m for m in markers if m in app.clipboard], item.key
        assert copied >= 3
        files = list((tmp_path / "clips").iterdir())
        assert files and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
        assert not [f for f in files for m in markers if m in f.read_text()]


async def test_an_open_checklist_follows_a_reload_and_keeps_its_notes(tmp_path: Path) -> None:
    folder = tmp_path / "cluster"
    shutil.copytree(samples.path() / "cafe", folder)

    def load() -> Report:
        return build_report(load_cluster([folder]), ControllerSettings())

    app = InspectorApp(load, source_label=str(folder), watch_paths=[folder])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("c", "tab", *"seen")
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        before = screen.results
        secrets = folder / "secrets.yaml"
        secrets.write_text(secrets.read_text().replace("name: ingress-mtls-secret", "name: renamed-secret"))
        app.refresh_report()
        await _ready(pilot)
        assert app.screen is screen and screen.report is app.report
        assert screen.results != before and any(r.verdict == "fail" for r in screen.results)
        assert screen.notes[screen.results[0].step.id] == "seen"
        (folder / "cafe-ingress.yaml").unlink()
        app.refresh_report()
        await _ready(pilot)
        assert screen.stale
        await pilot.press("ctrl+s")
        assert screen.exported is None


async def test_a_keymap_file_remaps_keys_by_binding_id(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keymap]\n"tree.next-finding" = "j"\n"checklist.close" = "x"\n"no.such-id" = "k"\n')
    monkeypatch.setenv("MTLS_INSPECT_KEYMAP", str(keymap))
    app = _app(sample_report)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        assert app.keymap == {"tree.next-finding": "j", "checklist.close": "x"}
        messages = [n.message for n in app._notifications]
        assert any("unknown binding id 'no.such-id'" in m for m in messages)
        start = app.report_tree.current_key
        await pilot.press("j")
        item = app.report_tree.current_item
        assert item is not None and item.key != start and any(not f.suppressed for f in item.findings)
        await pilot.press("n")
        assert app.report_tree.current_key == item.key
        await pilot.press("question_mark")
        text = _plain(app.screen.query_one("#help-text", Static))
        assert any(line.split()[:1] == ["j"] and "tree.next-finding" in line for line in text.splitlines())
        await pilot.press("escape", "c")
        assert isinstance(app.screen, ChecklistScreen)
        await pilot.press("x")
        assert not isinstance(app.screen, ChecklistScreen)


def test_no_keymap_file_is_no_keymap() -> None:
    from inspector.tui.keys import load_keymap

    assert load_keymap(Path("/nonexistent/keymap.toml"), ["app.quit"]) == ({}, [])


def test_keymap_problems_name_the_file(tmp_path: Path) -> None:
    from inspector.tui.keys import load_keymap

    bad = tmp_path / "keymap.toml"
    bad.write_text("[keymap\n")
    keymap, problems = load_keymap(bad, ["app.quit"])
    assert keymap == {} and len(problems) == 1 and problems[0].startswith(str(bad))
    bad.write_text('[keymap]\n"app.quit" = 3\n')
    problems = load_keymap(bad, ["app.quit"])[1]
    assert len(problems) == 1 and problems[0].startswith(f"{bad}: app.quit must be a string of keys")
