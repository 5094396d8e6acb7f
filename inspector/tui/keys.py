"""Every key binding of the TUI, each with a stable id (posting's habit) so users can remap keys by id.

One list, read by the app, the help screen and the command palette, so that the three never disagree.
"""

from __future__ import annotations

from textual.binding import Binding

MAIN_BINDINGS: list[Binding] = [
    Binding("n", "next_finding", "Next finding", id="tree.next-finding"),
    Binding("N", "previous_finding", "Prev finding", id="tree.previous-finding", show=False),
    Binding("e", "explain", "Explain", id="explain.open"),
    Binding("c", "checklist", "Checklist", id="checklist.open"),
    Binding("slash", "filter", "Filter", id="tree.filter", key_display="/"),
    Binding("question_mark,f1", "help", "Help", id="app.help", key_display="?"),
    Binding("y", "copy_block", "Copy block", id="copy.rendered-block"),
    Binding("Y", "copy_yaml", "Copy YAML", id="copy.object-yaml", show=False),
    Binding("g", "cycle_grouping", "Group", id="tree.group"),
    Binding("z", "zoom", "Zoom pane", id="app.zoom", show=False),
    Binding("r", "reload", "Reload", id="app.reload"),
    Binding("escape", "clear_filter", "Clear filter", id="tree.clear-filter", show=False),
    Binding("ctrl+t", "change_theme", "Theme", id="app.theme", show=False),
    Binding("q", "quit", "Quit", id="app.quit"),
]
"""Main screen bindings, in the order the footer and the help screen list them: what matters most first."""

TREE_KEYS: tuple[tuple[str, str], ...] = (
    ("↑/↓, mouse", "move in the tree (details and rendered config follow the cursor)"),
    ("enter, space, click", "expand or collapse a node"),
    ("shift+space", "expand or collapse a node and everything under it"),
    ("shift+←/→/↑/↓", "parent / next ancestor / previous sibling / next sibling"),
    ("tab, shift+tab", "move focus between the tree, details and rendered panes"),
    ("ctrl+p", "command palette (every action as `area: action`, and `go: <host>`)"),
)
"""Keys that Textual's widgets provide, listed in the help screen too."""

FILTER_HELP = (
    "Filter words must all match a host (or something under it). A bare word matches host, namespace, resource "
    "name, path, policy, status or check id; prefixes narrow it: host:cafe  ns:default  policy:egress  "
    "sev:warning (warning or worse). error / warning / info alone mean sev:…"
)
