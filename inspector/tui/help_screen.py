"""The help screen (``?``/F1): the bindings with their ids, the tree's icons and the filter syntax.

Generated from the same binding list and legend the app uses, so it cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inspector.tui.keys import FILTER_HELP, TREE_KEYS, keymap_path
from inspector.tui.labels import ICON_LEGEND


def _key_text(binding: Binding) -> str:
    if binding.key_display:
        extra = [k for k in binding.key.split(",")[1:]]
        return ", ".join([binding.key_display, *extra])
    return ", ".join(binding.key.split(","))


def _home_short(path: Path) -> str:
    """``~/.config/...`` rather than the home folder spelled out."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def help_content(bindings: Sequence[Binding]) -> RenderableType:
    keys = Table(box=None, show_header=True, header_style="bold", padding=(0, 1), expand=True)
    keys.add_column("key", no_wrap=True, style="bold cyan")
    keys.add_column("does")
    keys.add_column("id", style="dim", no_wrap=True)
    for binding in bindings:
        keys.add_row(_key_text(binding), binding.description, binding.id or "")
    for key, does in TREE_KEYS:
        keys.add_row(key, does, "")
    icons = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    icons.add_column(no_wrap=True)
    icons.add_column()
    for glyph, style, meaning in ICON_LEGEND:
        icons.add_row(Text(glyph, style=style), meaning)
    return Group(
        Text("mtls-inspect — what NGINX Ingress Controller will do with your mTLS policies", style="bold"),
        Text(
            "Left: hosts → locations → policies with where each came from. Right: details of the selected "
            "node and the NGINX block NIC would render for it.",
            style="dim",
        ),
        Text(""),
        Text("Keys", style="bold underline"),
        keys,
        Text(
            f"Remap a key by its id in {_home_short(keymap_path())} (or $MTLS_INSPECT_KEYMAP): a [keymap] table of "
            '"id" = "keys" lines, e.g. "tree.next-finding" = "j".',
            style="dim",
        ),
        Text(""),
        Text("Icons and styles", style="bold underline"),
        icons,
        Text(""),
        Text("Filter", style="bold underline"),
        Text(FILTER_HELP),
    )


class HelpScreen(ModalScreen[None]):
    """Modal help; any of escape, q, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__()
        self._listed = tuple(bindings)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_content(self._listed), id="help-text")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
