"""Snapshots (pytest-textual-snapshot) of the screens a newcomer sees, on the bundled sample.

The sample is loaded by its relative path from the repository root so that file:line texts in the pictures
are the same on every checkout; the terminal size is fixed and nothing on screen depends on time. Update
pictures with ``pytest tests/snapshot_tests --snapshot-update`` and review the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from inspector.model import ControllerSettings
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster
from inspector.tui.app import InspectorApp
from inspector.tui.view import ItemKey

REPO = Path(__file__).resolve().parent.parent.parent


class SnapCompare(Protocol):
    def __call__(
        self,
        app: InspectorApp,
        press: tuple[str, ...] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[int]], Awaitable[None]] | None = None,
    ) -> bool: ...


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> InspectorApp:
    monkeypatch.chdir(REPO)
    # No user keymap, and the help screen's keymap path the same on every machine.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("MTLS_INSPECT_KEYMAP", raising=False)

    def load() -> Report:
        return build_report(load_cluster([Path("sample-cluster")]), ControllerSettings())

    return InspectorApp(load, source_label="sample-cluster")


def at(host: str, *keys: str, path: str = "", policy: str = "") -> Callable[[Pilot[int]], Awaitable[None]]:
    """Wait for the report, put the cursor on ``host`` (its location ``path``, its ``policy``), press ``keys``;
    inputs stop blinking."""

    def wanted(key: ItemKey) -> bool:
        kind = "policy" if policy else "location" if path else "host"
        return key.kind == kind and key.host == host and key.path == path and key.policy == policy

    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, InspectorApp)
        await app.workers.wait_for_complete()
        await pilot.pause()
        if host:
            assert app.view_model is not None
            app.goto(next(i.key for i in app.view_model.walk() if wanted(i.key)))
        for key_name in keys:
            await pilot.press(key_name)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


class TestMainScreen:
    def test_first_screen_120x40(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at(""))

    def test_first_screen_80x24(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(80, 24), run_before=at(""))

    def test_grouped_by_namespace(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("shop.example.com", "g"))


class TestDetails:
    def test_host_that_returns_500(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("no-tls.broken.example.com"))

    def test_minion_location_egress_winner(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        # shop.example.com /api: the minion with its own egress policy, the server's partly overridden.
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("shop.example.com", path="/api"))

    def test_first_screen_80x24_policy_findings_first(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        # The first finding from the top: `n` lands on it and Details opens with it.
        assert snap_compare(app, terminal_size=(80, 24), run_before=at("", "n"))


class TestRenderedPane:
    def test_minion_location_with_return_500(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        # minion-ingress-mtls: the /app location of the minion that references ingressMTLS.
        run_before = at("minion-ingress-mtls.broken.example.com", path="/app")
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

    def test_minion_policy_lines_highlighted(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        # shop.example.com /api: the minion's own egress policy.
        run_before = at("shop.example.com", path="/api", policy="shop/shop-api-egress")
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


class TestChecklist:
    def test_cafe_checklist(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("cafe.example.com", "c", "down"))

    def test_failing_step(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("no-tls.broken.example.com", "c", "down"))


class TestHelp:
    def test_help_screen(self, snap_compare: SnapCompare, app: InspectorApp) -> None:
        assert snap_compare(app, terminal_size=(120, 40), run_before=at("", "question_mark"))
