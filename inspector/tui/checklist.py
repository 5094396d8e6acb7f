"""The checklist walkthrough screen (``c``): the seed's Checks Before Rollout for one host, and its export.

Steps and verdicts come from ``signoff.walk`` (read off the report); this screen adds the walking (one step at a
time, evidence and fix beside it), a note per step and the Markdown export for a change ticket.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from inspector.report import HostReport, Report
from inspector.tui import signoff
from inspector.tui.signoff import StepResult

VERDICT_STYLES = {"pass": "bold green", "fail": "bold red", "n/a": "dim", "manual": "bold yellow"}


def default_export_path(host: str) -> Path:
    """``mtls-signoff-<host>.md``, relative to the working directory (the export names the full path)."""
    return Path(f"mtls-signoff-{re.sub(r'[^A-Za-z0-9._-]+', '_', host) or 'host'}.md")


def step_prompt(number: int, result: StepResult) -> Text:
    text = Text()
    text.append(f"{signoff.VERDICT_MARKS[result.verdict]:<8}", style=VERDICT_STYLES[result.verdict])
    text.append(f" {number:>2}. ")
    text.append(result.step.text, style="dim" if result.verdict == "n/a" else "")
    return text


def step_body(number: int, result: StepResult) -> RenderableType:
    step = result.step
    parts: list[RenderableType] = [
        Text.assemble(
            (f"Step {number} · {step.policy_type}  ", "bold"), (result.verdict.upper(), VERDICT_STYLES[result.verdict])
        ),
        Text(step.text, style="bold"),
        Text(""),
    ]
    if result.covered_by:
        parts.append(Text(f"checked by {', '.join(result.covered_by)}", style="dim"))
    if result.verdict == "manual":
        parts.append(
            Text(
                "Only a request proves this: run `mtls-inspect rehearse` or send a test request."
                if step.rehearse
                else "No automatic check covers this step: verify by hand.",
                style="yellow",
            )
        )
    parts.append(Text("Evidence", style="bold underline"))
    parts += [Text(f"• {line}") for line in result.evidence] or [Text("none", style="dim")]
    for finding in result.findings:
        parts.append(Text(f"✖ {finding.id} {finding.severity}: {finding.message}", style="red"))
        if finding.nic_message:
            parts.append(Text(f"   NIC says: {finding.nic_message}", style="italic"))
        if finding.source:
            parts.append(Text(f"   at {finding.source}", style="dim"))
    for finding in result.waived:
        parts.append(Text(f"waived {finding.id}: {finding.suppression or 'no reason'}", style="dim"))
    if result.fixes:
        parts.append(Text(""))
        parts.append(Text("Fix", style="bold underline"))
        parts += [Text(f"• {fix}", style="green") for fix in result.fixes]
    return Group(*parts)


class ChecklistScreen(Screen[None]):
    """Walk the steps with ↑/↓, write a note (tab), export with ctrl+s."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="checklist.close"),
        Binding("ctrl+s", "export", "Export sign-off", id="checklist.export"),
        Binding("ctrl+n", "step(1)", "Next step", id="checklist.next-step"),
        Binding("ctrl+b", "step(-1)", "Previous step", id="checklist.previous-step"),
    ]
    DEFAULT_CSS = """
    ChecklistScreen #steps { width: 2fr; min-width: 30; border: round $primary-darken-2; }
    ChecklistScreen #steps:focus { border: round $accent; }
    ChecklistScreen #step-side { width: 3fr; }
    ChecklistScreen #step-body { height: 1fr; border: round $primary-darken-2; padding: 0 1; }
    ChecklistScreen #note { height: 3; }
    ChecklistScreen #export-bar { height: 3; }
    ChecklistScreen #export-path { width: 1fr; }
    """

    def __init__(self, report: Report, host: HostReport, *, source_label: str = "") -> None:
        super().__init__()
        self.report = report
        self.host = host
        self.source_label = source_label or ", ".join(report.cluster.sources) or "sources"
        self.results = signoff.walk(report, host)
        self.notes: dict[str, str] = {}
        self.exported: Path | None = None
        self._current = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(
                *(Option(step_prompt(n, r), id=r.step.id) for n, r in enumerate(self.results, 1)), id="steps"
            )
            with Vertical(id="step-side"):
                with VerticalScroll(id="step-body", can_focus=False):
                    yield Static("", id="step-detail")
                yield Input(placeholder="note for this step (goes into the sign-off)", id="note")
        with Horizontal(id="export-bar"):
            yield Input(str(default_export_path(self.host.host)), id="export-path")
            yield Button("Export sign-off", id="export", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        counts = {v: sum(1 for r in self.results if r.verdict == v) for v in ("pass", "fail", "n/a", "manual")}
        self.title = f"Checklist · {self.host.host}"
        self.sub_title = (
            f"{counts['pass']} pass · {counts['fail']} fail · {counts['n/a']} n/a · {counts['manual']} manual"
        )
        self.query_one("#steps").border_title = "Checks Before Rollout"
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = 0
        steps.focus()
        self._show(0)

    def _show(self, index: int) -> None:
        self._current = index
        result = self.results[index]
        self.query_one("#step-detail", Static).update(step_body(index + 1, result))
        note = self.query_one("#note", Input)
        with note.prevent(Input.Changed):
            note.value = self.notes.get(result.step.id, "")

    @on(OptionList.OptionHighlighted, "#steps")
    def _step_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    @on(Input.Changed, "#note")
    def _note_changed(self, event: Input.Changed) -> None:
        self.notes[self.results[self._current].step.id] = event.value

    @on(Input.Submitted, "#note")
    def _note_submitted(self) -> None:
        self.action_step(1)
        self.query_one("#note", Input).focus()

    def action_step(self, delta: int) -> None:
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = max(0, min(len(self.results) - 1, self._current + delta))

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Input.Submitted, "#export-path")
    def _export_submitted(self) -> None:
        self.action_export()

    def markdown(self) -> str:
        return signoff.markdown(
            self.report,
            self.host,
            self.results,
            self.notes,
            source_label=self.source_label,
            when=dt.datetime.now(dt.UTC),
        )

    def action_export(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        target = Path(raw).expanduser() if raw else default_export_path(self.host.host)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.markdown(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"could not write {target}: {exc.strerror or exc}", title="Export", severity="error")
            return
        self.exported = target.resolve()
        self.notify(f"sign-off written to {self.exported}", title="Export", timeout=10)

    def action_close(self) -> None:
        self.dismiss(None)
