"""Every key binding of the TUI, each with a stable id (posting's habit) so users can remap keys by id.

One list, read by the app, the help screen and the command palette, so that the three never disagree.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

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


KEYMAP_ENV = "MTLS_INSPECT_KEYMAP"


def keymap_path() -> Path:
    """``$MTLS_INSPECT_KEYMAP``, else ``$XDG_CONFIG_HOME/mtls-inspect/keymap.toml`` (``~/.config`` by default)."""
    configured = os.environ.get(KEYMAP_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mtls-inspect" / "keymap.toml"


def load_keymap(path: Path, known: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Binding id -> keys from the ``[keymap]`` table of ``path`` (TOML), and one line per problem.

    ``"tree.next-finding" = "j"`` moves "Next finding" to ``j`` (several keys: ``"j,down"``). A missing file is
    no keymap; a file that cannot be read, an unknown id or a value that is not a string is named in a problem and
    left out, so the rest still applies.
    """
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}"]
    table = data.get("keymap", {})
    if not isinstance(table, dict):
        return {}, [f"{path}: [keymap] must be a table of binding id = \"keys\""]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in known:
            problems.append(f"{path}: unknown binding id {binding_id!r} (the help screen lists them)")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f"{path}: {binding_id} must be a string of keys such as \"j\" or \"ctrl+j,down\"")
        else:
            keymap[binding_id] = keys.replace(" ", "")
    return keymap, problems


def remapped(bindings: Sequence[Binding], keymap: Mapping[str, str]) -> list[Binding]:
    """``bindings`` with the keys a keymap gives them (what the help screen must show)."""
    return [
        dataclasses.replace(b, key=keymap[b.id], key_display=None) if b.id is not None and b.id in keymap else b
        for b in bindings
    ]
