"""No control character from a manifest reaches the terminal through any widget (issue: OSC 52 in a name)."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.widgets import Static

from inspector.tui.diff_app import DiffApp
from inspector.tui.printable import PRINTABLE

OSC52 = "x\x1b]52;c;aGVsbG8=\x07y\u202e"


def test_the_filter_escapes_controls_and_keeps_styles() -> None:
    (seg,) = PRINTABLE.apply([Segment(OSC52, None)], Color(0, 0, 0))
    assert seg.text == "x\\x1b]52;c;aGVsbG8=\\x07y\\u202e"
    assert PRINTABLE.apply([Segment("plain é ✓", None)], Color(0, 0, 0))[0].text == "plain é ✓"


async def test_a_raw_escape_in_any_widget_is_drawn_as_text() -> None:
    app = DiffApp((), "before", "after")
    async with app.run_test(size=(80, 20)) as pilot:
        await app.screen.mount(Static(OSC52, id="raw"))
        await pilot.pause()
        assert PRINTABLE in app.get_line_filters()
        drawn = app.export_screenshot()
        assert "\x1b" not in drawn and "\x07" not in drawn
        assert "\\x1b]52" in drawn
