"""A scrollable pane that renders a Rich renderable once and then paints lines (Textual's line API).

Why not a Static in a scroll container: a Static re-measures and re-renders its content on every layout (Rich
tables and Pygments passes, several times per update), and its height change lays out the whole screen. This
pane renders once per update at its own width, keeps the lines as Strips, and only changes its virtual size,
so the details and the rendered config follow the tree cursor without making it sluggish.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class StripView(ScrollView, can_focus=True):
    """Shows one renderable; ``wrap=False`` lays it out at its natural width and scrolls sideways."""

    DEFAULT_CSS = """
    StripView { height: 1fr; scrollbar-gutter: stable; }
    """
    """The gutter is reserved so that the width text is laid out at does not depend on whether the vertical
    scrollbar happens to be showing at that moment (it would otherwise differ by the scrollbar's width)."""

    def __init__(self, *, wrap: bool = True, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.wrap = wrap
        self._renderable: RenderableType = ""
        self._natural_width = 0
        self._strips: list[Strip] = []
        self._laid_out_for = -1

    def show(self, renderable: RenderableType, *, natural_width: int = 0) -> None:
        """Replace the content; ``natural_width`` is the width to lay out at when not wrapping."""
        self._renderable = renderable
        self._natural_width = natural_width
        self._layout(force=True)
        self.scroll_to(0, 0, animate=False)

    def _layout(self, *, force: bool = False) -> None:
        width = max(10, self.scrollable_content_region.width)
        if not self.wrap:
            width = max(width, self._natural_width)
        if not force and width == self._laid_out_for:
            return
        self._laid_out_for = width
        console = self.app.console
        options = console.options.update(width=width, min_width=width, height=None, no_wrap=not self.wrap)
        lines = console.render_lines(self._renderable, options, pad=False, new_lines=False)
        self._strips = [Strip(Segment.simplify(line)) for line in lines]
        while self._strips and not self._strips[-1].text.strip():
            self._strips.pop()
        widest = max((strip.cell_length for strip in self._strips), default=0)
        self.virtual_size = Size(widest, len(self._strips))
        self.refresh()

    def on_resize(self) -> None:
        if self.wrap:
            self._layout()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._strips):
            return Strip.blank(width, style)
        return self._strips[index].crop_extend(scroll_x, scroll_x + width, style).apply_style(style)

    @property
    def plain(self) -> str:
        """The shown text without styles (for tests and copying)."""
        return "\n".join(strip.text.rstrip() for strip in self._strips)

    @property
    def renderable(self) -> RenderableType:
        return self._renderable if not isinstance(self._renderable, str) else Text(self._renderable)
