"""A line filter that makes every rendered character printable, whatever widget produced it.

Manifest values and API-server messages reach many widgets (labels, details, rendered blocks, notifications). Rich
strips only a few control codes (BEL, BS, VT, FF, CR), so an ESC from a manifest (an OSC 52 sequence writes the
reader's clipboard) would reach the terminal. Textual applies the app's line filters to every line it draws, so this
one filter is the guarantee: C0/C1 controls and the bidi overrides are drawn as ``\\xNN`` text. Textual's own escape
sequences are made by the driver from styles, never carried in segment text, so they are untouched.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from inspector.output.common import printable


class PrintableFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(printable(text, newlines=False), style, control) if not control else Segment("", style)
            for text, style, control in segments
        ]


PRINTABLE = PrintableFilter()
"""One shared instance (filters hold no state)."""
