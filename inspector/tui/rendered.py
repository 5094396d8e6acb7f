"""The rendered-config pane: the server block NIC would write, highlighted for the selected item.

The text and the line -> policy map come from the report (render/ and the replica); this module only decides
what to show: the whole server block for a host or a server-scope policy, the location block for a location or
a location-scope policy, the selected policy's lines highlighted and every ``return 500;`` marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text

from inspector.report import HostReport, LocationReport
from inspector.tui.view import Item

RETURN_500_STYLE = "bold white on red"
"""``return 500;`` lines: what clients get when a policy is rejected."""


@dataclass(frozen=True)
class Block:
    """What the pane shows: the text, the line range (1-based, inclusive) and the lines to highlight."""

    host: HostReport
    first: int
    last: int
    highlight: frozenset[int]
    title: str

    @property
    def text(self) -> str:
        """The shown lines only (what ``copy`` puts on the clipboard)."""
        lines = self.host.text.splitlines()
        return "\n".join(lines[self.first - 1 : self.last]) + "\n"


def _policy_lines(host: HostReport, key: str, location: LocationReport | None) -> frozenset[int]:
    lines = {line for line, owner in host.line_policies.items() if owner == key}
    if location is not None and location.start_line:
        lines = {line for line in lines if location.start_line <= line <= location.end_line}
    elif host.locations:
        inside = {line for loc in host.locations if loc.start_line for line in range(loc.start_line, loc.end_line + 1)}
        lines -= inside
    return frozenset(lines)


def block_for(item: Item) -> Block | None:
    """The block to show for ``item``; None when the item has no rendered text (group, rejected host)."""
    host = item.host
    if host is None or not host.text:
        return None
    total = len(host.text.splitlines())
    location = item.location
    first, last = 1, total
    title = f"server block for {host.host} ({host.result.config_file})"
    if location is not None and location.start_line:
        first, last = location.start_line, location.end_line
        title = f"location {location.path} on {host.host} ({host.result.config_file})"
    highlight: frozenset[int] = frozenset()
    if item.use is not None:
        highlight = _policy_lines(host, item.use.key, location)
        title += f" · lines from {item.use.key} highlighted"
    return Block(host=host, first=first, last=last, highlight=highlight, title=title)


def render_block(block: Block | None, *, dark: bool = True) -> RenderableType:
    """Syntax-highlighted NGINX text with the real line numbers of the file's server block."""
    if block is None:
        return Text("No rendered configuration for this item (rejected resources get none).", style="dim")
    syntax = Syntax(
        block.host.text,
        "nginx",
        theme="monokai" if dark else "default",
        line_numbers=True,
        line_range=(block.first, block.last),
        highlight_lines=set(block.highlight),
        word_wrap=False,
        background_color="default",
    )
    for number, line in enumerate(block.host.text.splitlines(), 1):
        column = line.find("return 500;")
        if column >= 0 and block.first <= number <= block.last:
            syntax.stylize_range(RETURN_500_STYLE, (number, column), (number, column + len("return 500;")))
    return syntax
