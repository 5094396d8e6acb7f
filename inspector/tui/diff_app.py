"""``mtls-inspect diff ... --tui``: the posture diff as a tree, hosts with a weakened change first.

A view of the diff's ``Change`` values only (nothing is re-derived): each host is marked with the verdict that
needs attention first, each change under it with its own; the details pane shows before and after, why the verdict,
and the objects each side's value came from. All text from manifests goes into ``rich.text.Text`` as plain text,
so no markup or escape sequence in a manifest can style or steer the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.filter import LineFilter
from textual.widgets import Footer, Header, Static, Tree

from inspector.diff.compare import Change, worst
from inspector.diff.posture import Responsible
from inspector.output.diff import by_host, counts, printable
from inspector.tui.printable import PRINTABLE

STYLE = {"weakened": "bold red", "changed": "yellow", "strengthened": "green"}
MARK = {"weakened": "✗ WEAKENED", "changed": "~ changed", "strengthened": "✓ strengthened"}


def change_label(change: Change) -> Text:
    where = "server" if change.path is None else change.path
    label = Text(f"{MARK[change.verdict]:<14} ", style=STYLE[change.verdict])
    label.append(printable(f"{where}: {change.title}"))
    return label


def host_label(host: str, changes: Sequence[Change]) -> Text:
    verdict = worst(tuple(changes)) or "changed"
    label = Text(f"{MARK[verdict]:<14} ", style=STYLE[verdict])
    label.append(printable(host), style="bold")
    label.append(f"  {len(changes)} change{'s' if len(changes) != 1 else ''}", style="dim")
    return label


def _objects(title: str, objects: Sequence[Responsible]) -> Text:
    text = Text(f"{title}\n", style="bold")
    for o in objects:
        text.append(printable(f"  {o.ref}" + (f"  {o.source}" if o.source else "")) + "\n")
    if not objects:
        text.append("  (none)\n", style="dim")
    return text


def change_details(change: Change) -> Text:
    text = Text()
    text.append(MARK[change.verdict], style=STYLE[change.verdict])
    text.append(printable(f"  {change.host}  {'server scope' if change.path is None else change.path}"), style="bold")
    text.append("\n" + printable(change.title) + "\n\n")
    text.append("before  ", style="bold")
    text.append(printable(change.before) + "\n")
    text.append("after   ", style="bold")
    text.append(printable(change.after) + "\n")
    if change.why:
        text.append("why     ", style="bold")
        text.append(printable(change.why) + "\n")
    text.append("\n")
    text.append_text(_objects("objects before", change.objects_before))
    text.append_text(_objects("objects after", change.objects_after))
    return text


class DiffApp(App[int]):
    """Hosts and their changes on the left; the highlighted change's before/after on the right."""

    TITLE = "mtls-inspect diff"
    CSS = """
    #changes { width: 3fr; }
    #details-pane { width: 2fr; border-left: solid $accent; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "next_weakened", "next weakened"),
        Binding("q", "quit", "quit"),
    ]

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then ours: no control character from a manifest reaches the terminal."""
        return [*super().get_line_filters(), PRINTABLE]

    def __init__(self, changes: Sequence[Change], before: str, after: str, exit_code: int = 0) -> None:
        super().__init__()
        self.changes = tuple(changes)
        self.labels = (before, after)
        self.exit_code = exit_code

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Tree[Change | str]("changes", id="changes")
            with VerticalScroll(id="details-pane"):
                yield Static(id="details")
        yield Footer()

    def on_mount(self) -> None:
        n = counts(self.changes)
        self.sub_title = printable(
            f"{self.labels[0]} -> {self.labels[1]}: "
            + ", ".join(f"{n[v]} {v}" for v in ("weakened", "changed", "strengthened"))
        )
        tree: Tree[Change | str] = self.query_one("#changes", Tree)
        tree.show_root = False
        for host, changes in by_host(self.changes):
            node = tree.root.add(host_label(host, changes), data=host, expand=True)
            for change in changes:
                node.add_leaf(change_label(change), data=change)
        details = self.query_one("#details", Static)
        if not self.changes:
            details.update(Text("No change to who can connect or to what is sent upstream."))
        tree.focus()
        self.call_after_refresh(self._first)

    def _first(self) -> None:
        tree: Tree[Change | str] = self.query_one("#changes", Tree)
        if self.changes:
            tree.move_cursor_to_line(1)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Change | str]) -> None:
        tree: Tree[Change | str] = self.query_one("#changes", Tree)
        if event.node is not tree.cursor_node:
            return  # a highlight queued before the cursor moved on
        data = event.node.data
        details = self.query_one("#details", Static)
        if isinstance(data, Change):
            details.update(change_details(data))
        elif isinstance(data, str):
            mine = [c for c in self.changes if c.host == data]
            n = counts(mine)
            summary = ", ".join(f"{n[v]} {v}" for v in ("weakened", "changed", "strengthened") if n[v])
            details.update(Text(printable(f"{data}: {summary}")))

    def action_next_weakened(self) -> None:
        tree: Tree[Change | str] = self.query_one("#changes", Tree)
        start = tree.cursor_line + 1
        for line in range(start, start + tree.last_line + 1):
            node = tree.get_node_at_line(line % (tree.last_line + 1))
            if node is not None and isinstance(node.data, Change) and node.data.verdict == "weakened":
                tree.move_cursor(node)
                return
        self.notify("no weakened change")

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(self.exit_code)
