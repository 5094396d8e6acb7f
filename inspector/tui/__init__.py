"""The terminal UI: a Textual view of the Report (see ``app.py``).

Importing this package is cheap; ``inspector.tui.app`` pulls in Textual and is imported by the CLI only when the
TUI is the command.
"""

from __future__ import annotations
