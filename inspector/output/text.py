"""The default ``check`` output: findings grouped by host, one istioctl-style line each, then a summary line.

``severity [ID] (Kind ns/name file:line) message`` followed by the remediation, so that a person reading a CI log
knows what to change without opening the docs. Colours only when the caller says the stream is a terminal and
``NO_COLOR`` is unset (the CLI decides; this module takes ``color`` as a plain flag so it stays pure).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from inspector.analysis.findings import Finding
from inspector.report import Report

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
NO_HOST = "(not tied to a host)"


def finding_line(f: Finding) -> str:
    """``severity [ID] (Kind ns/name file:line) message`` as plain text."""
    where = " ".join(p for p in (f"{f.resource.kind} {f.resource.key}" if f.resource else "", f.source) if p)
    place = f" ({where})" if where else ""
    extra = f" [{f.path}]" if f.path else ""
    return f"{f.severity} [{f.check.id}]{place}{extra} {f.message}"


def _group(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.host or NO_HOST, []).append(f)
    keys = sorted(k for k in groups if k != NO_HOST) + ([NO_HOST] if NO_HOST in groups else [])
    return [(k, groups[k]) for k in keys]


def summary_line(report: Report) -> str:
    s = report.summary()
    parts = [
        f"{s['errors']} error{'s' if s['errors'] != 1 else ''}",
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}",
        f"{s['infos']} info{'s' if s['infos'] != 1 else ''}",
    ]
    tail = f", {s['suppressed']} suppressed" if s.get("suppressed") else ""
    return (f"{', '.join(parts)}{tail} ({s['hosts']} hosts, {s['policies']} policies checked, "
            f"predicted for NIC {report.settings.nic_version})")


def make_console(buf: io.StringIO, *, color: bool, width: int, soft_wrap: bool = False) -> Console:
    """A rich console writing to ``buf``: escape codes only with ``color``, no markup/emoji/highlight guessing
    (resource names and NIC texts are printed as they are)."""
    return Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=soft_wrap,
    )


def render_text(report: Report, *, color: bool = False, width: int = 120) -> str:
    """The human report. ``color=False`` gives plain text with no escape codes."""
    buf = io.StringIO()
    console = make_console(buf, color=color, width=width, soft_wrap=True)
    active = report.active_findings()
    if not active:
        console.print("No findings.")
    for host, items in _group(active):
        console.print(Text(host, style="bold underline"))
        for f in items:
            line = Text()
            line.append(f.severity, style=_STYLE.get(f.severity, ""))
            line.append(f" [{f.check.id}]", style="bold")
            line.append(finding_line(f)[len(f.severity) + len(f.check.id) + 3 :])
            console.print(line)
            if f.nic_message and f.nic_message not in f.message:
                for text in f.nic_message.splitlines():
                    console.print(Text("    NIC: ", style="dim") + Text(text))
            console.print(Text("    fix: ", style="dim") + Text(f.check.remediation))
            console.print(Text(f"    docs: {f.check.docs}", style="dim"))
        console.print()
    suppressed = [f for f in report.findings if f.suppressed]
    if suppressed:
        console.print(Text("suppressed", style="bold underline"))
        for f in suppressed:
            console.print(Text(f"{finding_line(f)} -- {f.suppression}", style="dim"))
        console.print()
    for note in report.nic.version_notes:
        if not note.fail_open:  # a fail-open one is a finding (MTLS017) already
            console.print(Text("note: ", style="dim") + Text(note.message))
    console.print(Text(summary_line(report), style="bold"))
    return buf.getvalue()


__all__ = ["finding_line", "make_console", "render_text", "summary_line"]
