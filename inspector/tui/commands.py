"""Command palette entries, named ``area: action`` (posting's habit), plus ``go: <host>`` for every host.

Actions are the app's own (the same ones the keys run), so the palette, the keys and the help screen agree.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from inspector.tui.view import ItemKey, View


class PaletteApp(Protocol):
    """What the palette needs of the app (the app imports this module; this module does not import the app)."""

    view_model: View | None

    def goto(self, key: ItemKey) -> None: ...

    def run_action(self, action: str, *args: Any, **kwargs: Any) -> Any: ...

PALETTE: tuple[tuple[str, str, str], ...] = (
    ("tree: filter", "filter", "Filter the tree by host, namespace, policy or severity"),
    ("tree: clear filter", "clear_filter", "Show every host again"),
    ("tree: next finding", "next_finding", "Jump to the next node with a finding"),
    ("tree: previous finding", "previous_finding", "Jump to the previous node with a finding"),
    ("tree: group by namespace / resource / none", "cycle_grouping", "Cycle the grouping of hosts"),
    ("checklist: walk through the selected host", "checklist", "The seed's Checks Before Rollout, step by step"),
    ("explain: selected host or path", "explain", "Which location matches and what a request gets"),
    ("copy: rendered block", "copy_block", "The NGINX block shown on the right (OSC 52 and a file)"),
    ("copy: object YAML", "copy_yaml", "The selected object's manifest (OSC 52 and a file)"),
    ("view: zoom the focused pane", "zoom", "Give the tree, details or rendered pane the whole screen"),
    ("app: reload sources", "reload", "Load the sources again and keep the selection"),
    ("app: help", "help", "Keys, icons and filter syntax"),
    ("app: change theme", "change_theme", "Pick one of Textual's themes"),
)
"""(palette text, app action, help)."""


class InspectorCommands(Provider):
    """The app's actions and a jump to every host."""

    @property
    def _inspector(self) -> PaletteApp:
        return cast("PaletteApp", self.app)

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self._inspector
        entries: list[tuple[str, Callable[[], object], str]] = [
            (name, partial(app.run_action, action), help_text) for name, action, help_text in PALETTE
        ]
        if app.view_model is not None:
            for item in app.view_model.walk():
                if item.kind == "host" and item.host is not None:
                    resource = item.host.resource
                    entries.append(
                        (
                            f"go: {item.host.host} ({resource.kind} {resource.key})",
                            partial(app.goto, item.key),
                            "Move the cursor to this host",
                        )
                    )
        return entries

    async def discover(self) -> Hits:
        for name, command, help_text in self._entries():
            if not name.startswith("go: "):
                yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
