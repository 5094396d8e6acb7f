"""The explain view (``e``): the ``mtls-inspect explain HOST[/PATH]`` content inside the TUI.

It shows exactly what the explain command prints (``analysis.explain.explain`` rendered by
``output.explain.render_explanation``), so the two never disagree; errors become a message, never a crash.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inspector.report import Report


def request_path(location: str | None) -> str:
    """A request path that reaches a location written as NIC writes it (``= /exact``, ``^~ /p``, ``~ re``)."""
    if not location:
        return "/"
    modifier, _, rest = location.partition(" ")
    if modifier in ("=", "^~") and rest.startswith("/"):
        return rest
    return location if location.startswith("/") else "/"


def explanation_text(report: Report, host: str, path: str | None, *, width: int = 120) -> Text:
    """The explain command's output for ``host``/``path`` as styled text."""
    try:
        from inspector.analysis.explain import explain
        from inspector.output.explain import render_explanation
    except ImportError as exc:
        return Text(f"explain is not available in this build ({exc.name} is missing).", style="yellow")
    try:
        exp = explain(report, host, request_path(path))
        rendered = render_explanation(exp, color=True, width=width)
    except Exception as exc:  # the view must not crash on a bug below it; the message names it
        return Text(f"explain failed for {host}{path or ''}: {type(exc).__name__}: {exc}", style="red")
    return Text.from_ansi(rendered)


class ExplainScreen(ModalScreen[None]):
    """Which location matches and what a request gets, for the selected host or path."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,e", "close", "Close", id="explain.close")]
    DEFAULT_CSS = """
    ExplainScreen { align: center middle; }
    ExplainScreen > VerticalScroll {
        width: 95%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, report: Report, host: str, path: str | None) -> None:
        super().__init__()
        self.report = report
        self.host = host
        self.path = path
        self.rendered_width = 0
        """The width the explanation was last rendered at (the box's inner width)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="explain-body") as body:
            body.border_title = f"explain {self.host}{request_path(self.path)}"
            yield Static(Text("…"), id="explain-text")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fill)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """Render at the width inside the box (border, padding and scrollbar taken off), so tables never wrap."""
        body = self.query_one("#explain-body", VerticalScroll)
        inner = body.scrollable_content_region.width
        width = max(40, inner - (0 if body.show_vertical_scrollbar else body.styles.scrollbar_size_vertical))
        if width == self.rendered_width:
            return
        self.rendered_width = width
        self.query_one("#explain-text", Static).update(explanation_text(self.report, self.host, self.path, width=width))

    def action_close(self) -> None:
        self.dismiss(None)
