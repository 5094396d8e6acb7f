"""The host -> location -> policy tree, built lazily from a View.

Only root items get nodes up front; an item's children become nodes when it is first expanded, so a cluster of
10,000 objects costs a few thousand root lines at start and the cursor stays instant. The tree opens fully
expanded when everything fits the pane's height; otherwise one line per host (with its one-line verdict), the
first hosts opened as far as they fit without pushing any host off the first screen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text, TextType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from inspector.nic.types import HostResult
from inspector.tui.labels import item_label, pending_host_label, pending_more_label
from inspector.tui.loading import HOSTS_TOLD
from inspector.tui.view import Item, ItemKey, View, pending_host_item

FALLBACK_HEIGHT = 30
"""Lines assumed for the pane before it has a size (tests building a tree off-screen)."""

PENDING_SHOWN = HOSTS_TOLD
"""Hosts listed while the report is being built (a few screens); a last line counts the others."""


@dataclass(frozen=True)
class Prepared:
    """What showing a view costs that is pure: each root's label and size (lines fully expanded). Computed where
    the view is built (the load's worker), it is not done on the event loop (a third of showing 10k objects)."""

    view: View
    labels: Mapping[int, Text]
    """id(root item) -> its label."""
    sizes: Mapping[int, int]
    """id(root item) -> its lines, fully expanded."""


def prepare(view: View) -> Prepared:
    return Prepared(
        view,
        {id(root): item_label(root) for root in view.roots},
        {id(root): sum(1 for _ in root.walk()) for root in view.roots},
    )


class ReportTree(Tree[Item]):
    """A Tree whose node data are view Items; children are added on first expand."""

    DEFAULT_CSS = """
    ReportTree { scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        self._batch = 0
        self._batch_changed = False
        super().__init__("mtls-inspect", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 3
        self._item_nodes: dict[ItemKey, TreeNode[Item]] = {}
        self._filled: set[ItemKey] = set()
        self._labels: dict[int, Text] = {}
        """id(item) -> its label, for the items of ``view`` (a filter shows the same items again)."""
        self._sizes: Mapping[int, int] = {}
        self._offered: Prepared | None = None
        self._more: TreeNode[Item] | None = None
        """The pending tree's last line: how many more hosts the replica produced."""
        self.view: View | None = None

    @contextmanager
    def _one_change(self) -> Iterator[None]:
        """Many nodes added as one change: Textual invalidates the whole tree (and asks for a layout) after every
        added node, which was most of showing a filtered tree of thousands of hosts; once at the end does."""
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
            if not self._batch and self._batch_changed:
                self._batch_changed = False
                self._invalidate()

    def _invalidate(self) -> None:
        if self._batch:
            self._batch_changed = True
            return
        super()._invalidate()

    def show(self, view: View, roots: Sequence[Item]) -> None:
        """Replace the content with ``roots`` (a view's roots, possibly filtered)."""
        with self._one_change():
            self._show(view, roots)

    def offer(self, prepared: Prepared) -> None:
        """Labels and sizes for the next ``show`` of ``prepared.view``."""
        self._offered = prepared

    def _show(self, view: View, roots: Sequence[Item]) -> None:
        if view is not self.view:
            self._adopt(view)
        self.view = view
        self.clear()
        self._more = None
        self._item_nodes.clear()
        self._filled.clear()
        height = self.scrollable_content_region.height or FALLBACK_HEIGHT
        sizes = [self._sizes.get(id(root)) or sum(1 for _ in root.walk()) for root in roots]
        budget = height - len(roots)
        opening = sum(sizes) <= height
        for root, size in zip(roots, sizes, strict=True):
            node = self._add(self.root, root)
            if opening or (budget >= size - 1 and root.kind == "host"):
                budget -= size - 1
                self._expand_deep(node)
            elif root.kind == "group" and budget >= len(root.children):
                # A group opens to its hosts' one-line verdicts.
                budget -= len(root.children)
                self.fill(node)
                node.expand()
            else:
                # Open hosts stay a prefix of the list: the order (what needs attention first) reads top-down.
                budget = -1

    def add_pending(self, hosts: Sequence[HostResult], total: int) -> None:
        """List hosts the replica produced while the report is being built (one line each, nothing to open), the
        first PENDING_SHOWN of them and a line counting the rest (``total`` so far).

        Bounded because Textual measures every line of a tree after each change: thousands of lines redrawn a few
        times a second took the GIL from the load (twice as slow at 10k objects). The cursor is left alone: where
        the user moves it is kept when the tree is built, otherwise the tree opens on its first host as always.
        """
        with self._one_change():
            self._add_pending(hosts, total)

    def _add_pending(self, hosts: Sequence[HostResult], total: int) -> None:
        shown = [node for node in self.root.children if node.data is not None]
        for host in hosts[: max(0, PENDING_SHOWN - len(shown))]:
            item = pending_host_item(host)
            node = self.root.add(pending_host_label(host.host, item.label), data=item, allow_expand=False)
            self._item_nodes.setdefault(item.key, node)
            shown.append(node)
        more = total - len(shown)
        if more > 0:
            label = pending_more_label(more)
            if self._more is None:
                self._more = self.root.add(label, allow_expand=False)
            else:
                self._more.set_label(label)

    def swap(self, view: View, roots: Sequence[Item]) -> bool:
        """Point the nodes at ``view``'s items when they are the same tree (same keys in the same places, e.g. the
        report once its files are rendered): labels, expansion and the cursor stay as they are, at the cost
        of a walk over the nodes that exist. False (nothing changed) when the shapes differ."""
        pairs: list[tuple[TreeNode[Item], Item]] = []

        def match(nodes: Sequence[TreeNode[Item]], items: Sequence[Item]) -> bool:
            if len(nodes) != len(items):
                return False
            for node, item in zip(nodes, items, strict=True):
                if node.data is None or node.data.key != item.key or len(node.data.children) != len(item.children):
                    return False
                pairs.append((node, item))
                if node.data.key in self._filled and not match(list(node.children), item.children):
                    return False
            return True

        if not match(list(self.root.children), roots):
            return False
        for node, item in pairs:
            node.data = item
        self._adopt(view)
        self.view = view
        return True

    def _adopt(self, view: View) -> None:
        """A new view: the cached labels (keyed by the old items' ids) go, the offered ones for it come."""
        offered, self._offered = self._offered, None
        ready = offered is not None and offered.view is view
        self._labels = dict(offered.labels) if offered is not None and ready else {}
        self._sizes = offered.sizes if offered is not None and ready else {}

    def shows(self, roots: Sequence[Item]) -> bool:
        """Whether the tree shows exactly these root items (a filter that keeps what is shown changes nothing)."""
        nodes = self.root.children
        return len(nodes) == len(roots) and all(n.data is r for n, r in zip(nodes, roots, strict=True))

    def _label(self, item: Item) -> Text:
        label = self._labels.get(id(item))
        if label is None:
            label = self._labels[id(item)] = item_label(item)
        return label

    def process_label(self, label: TextType) -> Text:
        """Textual's, without copying a one-line Text (it copies each label to cut it at its first line)."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode[Item]) -> int:
        """Textual's (the label with its expand icon), without rendering the label: Textual measures every line
        after each change, and rendering thousands of labels to measure them was most of a filter keystroke."""
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        label = node.label
        return cell_len(icon) + (label.cell_len if isinstance(label, Text) else cell_len(label))

    def _add(self, parent: TreeNode[Item], item: Item) -> TreeNode[Item]:
        node = parent.add(self._label(item), data=item, allow_expand=bool(item.children))
        self._item_nodes.setdefault(item.key, node)
        return node

    def fill(self, node: TreeNode[Item]) -> None:
        """Create the child nodes of ``node`` once."""
        item = node.data
        if item is None or item.key in self._filled:
            return
        self._filled.add(item.key)
        with self._one_change():
            for child in item.children:
                self._add(node, child)

    def _expand_deep(self, node: TreeNode[Item]) -> None:
        self.fill(node)
        node.expand()
        for child in node.children:
            if child.allow_expand:
                self._expand_deep(child)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Item]) -> None:
        self.fill(event.node)

    def node_for(self, key: ItemKey) -> TreeNode[Item] | None:
        """The node of ``key``, creating and expanding its ancestors if they were never opened."""
        if key in self._item_nodes:
            return self._item_nodes[key]
        if self.view is None:
            return None
        trail = self.view.find(key)
        if not trail:
            return None
        for ancestor in trail[:-1]:
            node = self._item_nodes.get(ancestor.key)
            if node is None:
                return None
            self.fill(node)
            node.expand()
        return self._item_nodes.get(key)

    def reveal(self, key: ItemKey) -> bool:
        """Move the cursor to ``key``'s node (expanding ancestors); False when it is not in the tree."""
        node = self.node_for(key)
        if node is None:
            return False
        parent = node.parent
        while parent is not None and not parent.is_root:
            parent.expand()
            parent = parent.parent
        # Tree numbers its lines on the next idle; number them now so the cursor lands on this node.
        lines = self._tree_lines
        del lines
        self.move_cursor(node)
        return True

    def visible_order(self) -> list[ItemKey]:
        """Keys of all items in tree order (whether or not their nodes exist yet)."""
        if self.view is None:
            return []
        return [item.key for root in self._roots() for item in root.walk()]

    def _roots(self) -> list[Item]:
        return [node.data for node in self.root.children if node.data is not None]

    @property
    def current_key(self) -> ItemKey | None:
        node = self.cursor_node
        return node.data.key if node is not None and node.data is not None else None

    @property
    def current_item(self) -> Item | None:
        node = self.cursor_node
        return node.data if node is not None else None
