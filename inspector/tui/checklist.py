"""The checklist walkthrough screen (``c``): the seed's Checks Before Rollout for one host, and its export.

Steps and verdicts come from ``signoff.walk`` (read off the report); this screen adds the walking (one step at a
time, evidence and fix beside it), a note per step and the Markdown export for a change ticket.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from inspector.analysis.findings import Finding
from inspector.report import HostReport, Report
from inspector.tui import signoff
from inspector.tui.signoff import StepResult

VERDICT_STYLES = {"pass": "bold green", "fail": "bold red", "n/a": "dim", "manual": "bold yellow"}


def default_export_path(host: str) -> Path:
    """``mtls-signoff-<host>.md``, relative to the working directory (the export names the full path)."""
    return Path(f"mtls-signoff-{re.sub(r'[^A-Za-z0-9._-]+', '_', host) or 'host'}.md")


def free_path(target: Path) -> Path:
    """``target``, or ``name-2.md``, ``name-3.md``... when it exists: an export never overwrites an earlier one."""
    if not target.exists():
        return target
    number = 2
    while True:
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
        if not candidate.exists():
            return candidate
        number += 1


def step_prompt(number: int, result: StepResult, *, verified: bool = False) -> Text:
    text = Text()
    if verified and result.verdict == "manual":
        text.append(f"{'✓ hand':<8}", style="bold green")
    else:
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
    if result.not_applied:
        parts.append(Text(f"The {step.policy_type} policy does not take effect here:", style="bold red"))
        parts += [Text(f"• {line}", style="red") for line in result.not_applied]
    if result.verdict == "manual":
        parts.append(
            Text(
                (
                    "Only a request proves this: run `mtls-inspect rehearse` or send a test request."
                    if step.rehearse
                    else "No automatic check covers this step: verify by hand."
                )
                + " ctrl+v marks it verified (with a note).",
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


def others_body(findings: Sequence[Finding]) -> RenderableType:
    """The host's findings that no step covers, with ids and titles."""
    parts: list[RenderableType] = [Text("Other findings of this host", style="bold"), Text("")]
    if not findings:
        parts.append(Text("None: every finding of this host belongs to a step.", style="green"))
    for finding in findings:
        style = "dim" if finding.suppressed else {"error": "red", "warning": "yellow"}.get(finding.severity, "cyan")
        parts.append(Text(f"{finding.id} {finding.severity} · {finding.check.title}", style=f"bold {style}"))
        parts.append(Text(f"   {finding.message}"))
        if finding.suppressed:
            parts.append(Text(f"   waived: {finding.suppression or 'no reason'}", style="dim"))
        parts.append(Text(f"   fix: {finding.check.remediation}", style="green"))
    return Group(*parts)


OTHERS_ID = "other-findings"


class DiscardNotes(ModalScreen[bool]):
    """Asks before notes that were never exported are thrown away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Discard", id="checklist.discard"),
        Binding("n,escape", "answer(False)", "Keep editing", id="checklist.keep"),
    ]
    DEFAULT_CSS = """
    DiscardNotes { align: center middle; }
    DiscardNotes > Static { width: 60; height: auto; border: round $warning; background: $surface; padding: 1 2; }
    """

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        yield Static(
            f"{self.count} note(s) not exported. Discard them and close the checklist?\n\n"
            "y: discard and close    n / esc: keep editing"
        )

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)


class ChecklistScreen(ModalScreen[None]):
    """Walk the steps with ↑/↓, write a note (tab), export with ctrl+s.

    A modal screen: the main screen's keys (``n``, ``c``, ``/``, ``q``) cannot reach the tree hidden below it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="checklist.close"),
        Binding("q", "close", "Back", id="checklist.quit", show=False),
        Binding("ctrl+s", "export", "Export sign-off", id="checklist.export"),
        Binding("ctrl+n", "step(1)", "Next step", id="checklist.next-step"),
        Binding("ctrl+b", "step(-1)", "Previous step", id="checklist.previous-step"),
        Binding("ctrl+v", "verify", "Verified by hand", id="checklist.verify"),
    ]
    DEFAULT_CSS = """
    ChecklistScreen { background: $background; }
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
        self.others = signoff.other_findings(report, host)
        self.notes: dict[str, str] = {}
        self.verified: set[str] = set()
        self.exported: Path | None = None
        self.stale = False
        """The report was reloaded and this host is gone: export is refused."""
        self._saved: tuple[dict[str, str], set[str]] = ({}, set())
        self._current = 0

    def _options(self) -> list[Option]:
        options = [
            Option(step_prompt(n, r, verified=r.step.id in self.verified), id=r.step.id)
            for n, r in enumerate(self.results, 1)
        ]
        active = sum(1 for f in self.others if not f.suppressed)
        label = Text.assemble(
            (f"{'✖' if active else '✓':<8}", "bold red" if active else "green"), f"     Other findings ({active})"
        )
        return [*options, Option(label, id=OTHERS_ID)]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield OptionList(*self._options(), id="steps")
            with Vertical(id="step-side"):
                with VerticalScroll(id="step-body", can_focus=False):
                    yield Static("", id="step-detail")
                yield Input(placeholder="note for this step (goes into the sign-off)", id="note")
        with Horizontal(id="export-bar"):
            yield Input(str(default_export_path(self.host.host)), id="export-path")
            yield Button("Export sign-off", id="export", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Checklist · {self.host.host}"
        self._update_counts()
        self.query_one("#steps").border_title = "Checks Before Rollout"
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = 0
        steps.focus()
        self._show(0)

    def _update_counts(self) -> None:
        counts = {v: sum(1 for r in self.results if r.verdict == v) for v in ("pass", "fail", "n/a", "manual")}
        active = sum(1 for f in self.others if not f.suppressed)
        self.sub_title = (
            f"{counts['pass']} pass · {counts['fail']} fail · {counts['n/a']} n/a · {counts['manual']} manual"
            f" · {active} other findings" + (" · STALE: host gone after reload" if self.stale else "")
        )

    def _show(self, index: int) -> None:
        self._current = index
        note = self.query_one("#note", Input)
        if index >= len(self.results):
            self.query_one("#step-detail", Static).update(others_body(self.others))
            note.disabled = True
            return
        note.disabled = False
        result = self.results[index]
        self.query_one("#step-detail", Static).update(step_body(index + 1, result))
        with note.prevent(Input.Changed):
            note.value = self.notes.get(result.step.id, "")

    @on(OptionList.OptionHighlighted, "#steps")
    def _step_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    @on(Input.Changed, "#note")
    def _note_changed(self, event: Input.Changed) -> None:
        if self._current < len(self.results):
            self.notes[self.results[self._current].step.id] = event.value

    @on(Input.Submitted, "#note")
    def _note_submitted(self) -> None:
        self.action_step(1)
        self.query_one("#note", Input).focus()

    def action_step(self, delta: int) -> None:
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = max(0, min(len(self.results), self._current + delta))

    def action_verify(self) -> None:
        """Mark the current manual step verified by hand (it needs a note saying how), or unmark it."""
        if self._current >= len(self.results) or self.results[self._current].verdict != "manual":
            self.notify("Only a manual step can be marked verified by hand.", title="Checklist", severity="warning")
            return
        step_id = self.results[self._current].step.id
        if step_id in self.verified:
            self.verified.discard(step_id)
        elif not self.notes.get(step_id, "").strip():
            self.notify("Write a note first: how was it verified?", title="Checklist", severity="warning")
            self.query_one("#note", Input).focus()
            return
        else:
            self.verified.add(step_id)
        self._refresh_options()

    def _refresh_options(self) -> None:
        steps = self.query_one("#steps", OptionList)
        current = self._current
        steps.clear_options()
        steps.add_options(self._options())
        steps.highlighted = current
        self._show(current)

    def update_report(self, report: Report) -> None:
        """After a reload: recompute the steps for the same host, keeping the notes; stale when it is gone."""
        host = next(
            (h for h in report.hosts if h.host == self.host.host and h.resource == self.host.resource),
            None,
        )
        if host is None:
            self.stale = True
            self._update_counts()
            self.notify("the reload removed this host: export is disabled", title="Checklist", severity="warning")
            return
        self.report, self.host, self.stale = report, host, False
        self.results = signoff.walk(report, host)
        self.others = signoff.other_findings(report, host)
        self._update_counts()
        self._refresh_options()
        self.notify("sources reloaded: verdicts refreshed, notes kept", title="Checklist")

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
            inputs=signoff.input_lines(self.report, self.host),
            others=self.others,
            verified=self.verified,
        )

    def action_export(self) -> None:
        if self.stale:
            self.notify("the host is gone after a reload: nothing to sign off", title="Export", severity="error")
            return
        raw = self.query_one("#export-path", Input).value.strip()
        wanted = Path(raw).expanduser() if raw else default_export_path(self.host.host)
        try:
            wanted.parent.mkdir(parents=True, exist_ok=True)
            target = free_path(wanted)
            # "x": never overwrite, even a file that appeared since free_path looked.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with open(fd, "w", encoding="utf-8") as out:
                out.write(self.markdown())
        except OSError as exc:
            self.notify(f"could not write {wanted}: {exc.strerror or exc}", title="Export", severity="error")
            return
        self.exported = target.resolve()
        self._saved = (dict(self.notes), set(self.verified))
        kept = f" ({wanted.name} exists: kept both)" if target != wanted else ""
        self.notify(f"sign-off written to {self.exported}{kept}", title="Export", timeout=10)

    def _unsaved(self) -> int:
        notes = {k: v for k, v in self.notes.items() if v.strip()}
        saved = {k: v for k, v in self._saved[0].items() if v.strip()}
        changed = {k for k in notes.keys() | saved.keys() if notes.get(k) != saved.get(k)}
        return len(changed) + len(self.verified ^ self._saved[1])

    def action_close(self) -> None:
        unsaved = self._unsaved()
        if not unsaved:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(DiscardNotes(unsaved), answered)
