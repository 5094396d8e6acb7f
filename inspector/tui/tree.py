"""The host -> location -> policy tree, built lazily from a View.

Only root items get nodes up front; an item's children become nodes when it is first expanded, so a cluster of
10,000 objects costs a few thousand root lines at start and the cursor stays instant. The tree opens fully
expanded when everything fits the pane's height; otherwise one line per host (with its one-line verdict), the
first hosts opened as far as they fit without pushing any host off the first screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from inspector.tui.labels import item_label
from inspector.tui.view import Item, ItemKey, View

FALLBACK_HEIGHT = 30
"""Lines assumed for the pane before it has a size (tests building a tree off-screen)."""


class ReportTree(Tree[Item]):
    """A Tree whose node data are view Items; children are added on first expand."""

    DEFAULT_CSS = """
    ReportTree { scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("mtls-inspect", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 3
        self._item_nodes: dict[ItemKey, TreeNode[Item]] = {}
        self._filled: set[ItemKey] = set()
        self.view: View | None = None

    def show(self, view: View, roots: Sequence[Item]) -> None:
        """Replace the content with ``roots`` (a view's roots, possibly filtered)."""
        self.view = view
        self.clear()
        self._item_nodes.clear()
        self._filled.clear()
        height = self.scrollable_content_region.height or FALLBACK_HEIGHT
        sizes = [sum(1 for _ in root.walk()) for root in roots]
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

    def _add(self, parent: TreeNode[Item], item: Item) -> TreeNode[Item]:
        node = parent.add(item_label(item), data=item, allow_expand=bool(item.children))
        self._item_nodes.setdefault(item.key, node)
        return node

    def fill(self, node: TreeNode[Item]) -> None:
        """Create the child nodes of ``node`` once."""
        item = node.data
        if item is None or item.key in self._filled:
            return
        self._filled.add(item.key)
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
