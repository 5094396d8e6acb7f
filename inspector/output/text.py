"""The default ``check`` output: what breaks first, then findings grouped by host, then a summary.

Hosts that return 500, are fail-open or refuse TLS handshakes come first (their impact named in the host's header),
then hosts with errors, then the rest; inside a host, errors first. Each finding is ``severity [ID] message`` with
its place (``at Kind ns/name file:line``) on the next line, so that the impact is not at the end of a long line.
Places are relative to the current folder. Every untrusted string is made printable (``common.printable``).
Colours only when the caller says so (the CLI decides; this module takes ``color`` as a plain flag so it stays pure).

The report is built as lines of styled pieces, then written by rich (colours, and anything rich would change: tabs,
control characters, wide characters, trailing blanks past the width) or, when every line is plain printable ASCII,
joined as it is: what rich writes for such lines without colour, without importing rich (about 15 ms of
``check --sample``'s imports).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inspector.analysis.findings import Finding
from inspector.output.common import docs_ref, printable, relative_source
from inspector.report import Report

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_RANK = {"error": 0, "warning": 1, "info": 2}
NO_HOST = "(not tied to a host)"
IMPACT_MEANS = {
    "returns_500": "every request, or every request to a path, gets 500",
    "fail_open": "served without client-certificate verification",
    "refused_handshake": "TLS handshakes refused",
}
IMPACT_LABEL = {
    "returns_500": "returns 500",
    "fail_open": "FAIL-OPEN",
    "refused_handshake": "refuses TLS handshakes",
}


def place(f: Finding) -> str:
    """``Kind ns/name file:line [path]``, the file relative to the current folder; printable."""
    parts = [f"{f.resource.kind} {f.resource.key}" if f.resource else "", relative_source(f.source) if f.source else ""]
    where = " ".join(p for p in parts if p)
    if f.path:
        where += f" [{f.path}]"
    return printable(where.strip(), newlines=False)


def finding_line(f: Finding) -> str:
    """``severity [ID] (Kind ns/name file:line) message`` as plain, printable text (explain's compact form)."""
    where = place(f)
    return f"{f.severity} [{f.check.id}]{f' ({where})' if where else ''} {printable(f.message, newlines=False)}"


def quiet_line(f: Finding) -> str:
    """One line per finding for ``-q``: ``severity [ID] message (place)``."""
    where = place(f)
    return f"{f.severity} [{f.check.id}] {printable(f.message, newlines=False)}{f' ({where})' if where else ''}"


def host_impacts(report: Report) -> dict[str, list[str]]:
    """Host -> the impact labels that apply to it (returns 500, fail-open, refuses handshakes)."""
    out: dict[str, list[str]] = {}
    for key, hosts in report.impact().items():
        for h in hosts:
            out.setdefault(h, []).append(key)
    return out


def group_findings(report: Report, findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings by host, hosts ordered by impact (500, fail-open, refused), then worst severity, then name."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.host or NO_HOST, []).append(f)
    impacts = host_impacts(report)
    order = list(IMPACT_LABEL)

    def rank(host: str) -> tuple[int, int, str]:
        first = min((order.index(k) for k in impacts.get(host, ())), default=len(order))
        worst = min(_RANK.get(f.severity, 3) for f in groups[host])
        return first, worst, "~" if host == NO_HOST else host

    return [(h, sorted(groups[h], key=lambda f: _RANK.get(f.severity, 3))) for h in sorted(groups, key=rank)]


def summary_line(report: Report) -> str:
    s = report.summary()
    parts = [
        f"{s['errors']} error{'s' if s['errors'] != 1 else ''}",
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}",
        f"{s['infos']} info{'s' if s['infos'] != 1 else ''}",
    ]
    tail = f", {s['suppressed']} suppressed" if s.get("suppressed") else ""
    tail += f", {s['baselined']} in the baseline" if s.get("baselined") else ""
    impact = (
        f"{s['hosts_returning_500']} returning 500, {s['hosts_fail_open']} fail-open, "
        f"{s['hosts_refusing_handshakes']} refusing handshakes"
    )
    return (
        f"{', '.join(parts)}{tail} ({s['hosts']} hosts: {impact}; {s['policies']} policies checked, "
        f"predicted for NIC {report.settings.nic_version})"
    )


def make_console(buf: io.StringIO, *, color: bool, width: int, soft_wrap: bool = False) -> Console:
    """A rich console writing to ``buf``: escape codes only with ``color``, no markup/emoji/highlight guessing
    (resource names and NIC texts are printed as they are, made printable by the caller)."""
    from rich.console import Console

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


@dataclass
class _Line:
    """One line: pieces of text with their styles, over the line's own style (rich's ``Text(text, style)``)."""

    style: str = ""
    pieces: list[tuple[str, str]] = field(default_factory=list)

    def add(self, text: str, style: str = "") -> _Line:
        self.pieces.append((text, style))
        return self

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)


def _impact_block(out: list[_Line], report: Report) -> None:
    impact = report.impact()
    if not any(impact.values()):
        return
    for key, label in IMPACT_LABEL.items():
        if impact[key]:
            hosts = ", ".join(printable(h, newlines=False) for h in impact[key])
            out.append(_Line("bold red").add(f"{label} ({IMPACT_MEANS[key]}): ").add(hosts))
    out.append(_Line())


def _finding(out: list[_Line], f: Finding, *, verbose: bool, docs_url: str | None) -> None:
    line = _Line()
    line.add(f.severity, _STYLE.get(f.severity, ""))
    line.add(f" [{f.check.id}] ", "bold")
    line.add(printable(f.message, newlines=False))
    out.append(line)
    where = place(f)
    if where:
        out.append(_Line("dim").add("    at ").add(where))
    if f.nic_message and f.nic_message not in f.message:
        for text in f.nic_message.splitlines():
            out.append(_Line("dim").add("    NIC: ").add(printable(text)))
    out.append(_Line("dim").add("    fix: ").add(f.check.remediation))
    if verbose:
        for label, value in f.details:
            out.append(_Line("dim").add(f"    {printable(label)}: ").add(printable(value, newlines=False)))
        enforced = "yes" if f.check.nic_enforced else "no"
        out.append(_Line().add(f"    NIC enforced: {enforced}; outcome: {f.check.outcome}"))
    out.append(_Line("dim").add(f"    docs: {printable(docs_ref(f.check, docs_url))}"))


def _lines(report: Report, *, quiet: bool, verbose: bool, docs_url: str | None) -> list[_Line]:
    out: list[_Line] = []
    counted = report.counted_findings()
    if quiet:
        for _host, items in group_findings(report, counted):
            for f in items:
                out.append(_Line(_STYLE.get(f.severity, "")).add(quiet_line(f)))
        return out
    if not counted:
        out.append(_Line().add("No findings."))
    else:
        _impact_block(out, report)
    impacts = host_impacts(report)
    for host, items in group_findings(report, counted):
        header = _Line("bold underline").add(printable(host, newlines=False))
        labels = [IMPACT_LABEL[k] for k in impacts.get(host, ())]
        if labels:
            header.add(" (" + ", ".join(labels) + ")", "bold red")
        out.append(header)
        for f in items:
            _finding(out, f, verbose=verbose, docs_url=docs_url)
        out.append(_Line())
    for title, chosen in (
        ("in the baseline", [f for f in report.active_findings() if f.baseline_state == "unchanged"]),
        ("suppressed", [f for f in report.findings if f.suppressed]),
    ):
        if chosen:
            out.append(_Line("bold underline").add(title))
            for f in chosen:
                why = f" -- {printable(f.suppression, newlines=False)}" if f.suppressed else ""
                out.append(_Line("dim").add(f"{quiet_line(f)}{why}"))
            out.append(_Line())
    for note in report.nic.version_notes:
        if not note.fail_open:  # a fail-open one is a finding (MTLS017) already
            out.append(_Line("dim").add("note: ").add(printable(note.message)))
    out.append(_Line("bold").add(summary_line(report)))
    return out


def _as_rich_writes(line: str, width: int) -> bool:
    """Whether rich, without colour and without wrapping, writes ``line`` unchanged: printable ASCII (no tab, no
    control character, one cell per character) that is not longer than ``width`` or has no trailing blanks past it
    (rich drops those)."""
    return line.isascii() and line.isprintable() and (len(line) <= width or not line.endswith(" "))


def render_text(
    report: Report,
    *,
    color: bool = False,
    width: int = 120,
    quiet: bool = False,
    verbose: bool = False,
    docs_url: str | None = None,
) -> str:
    """The human report. ``color=False`` gives plain text with no escape codes; ``quiet`` only the finding lines."""
    lines = _lines(report, quiet=quiet, verbose=verbose, docs_url=docs_url)
    if not color:
        plain = [physical for line in lines for physical in line.plain.split("\n")]
        if all(_as_rich_writes(physical, width) for physical in plain):
            return "".join(f"{physical}\n" for physical in plain)
    from rich.text import Text

    buf = io.StringIO()
    console = make_console(buf, color=color, width=width, soft_wrap=True)
    texts = []
    for line in lines:
        text = Text(style=line.style)
        for piece, style in line.pieces:
            text.append(piece, style=style or None)
        texts.append(text)
    return _printed(console, buf, texts)


def _printed(console: Console, buf: io.StringIO, lines: list[Text]) -> str:
    """The lines printed as one text: the console's per-call work (options, size, buffer) for each of 20k lines was
    most of the output's time at 10k objects, and soft wrapping renders each line as it would alone."""
    from rich.text import Text

    if lines:
        console.print(Text("\n").join(lines))
    return buf.getvalue()


__all__ = [
    "IMPACT_LABEL",
    "NO_HOST",
    "finding_line",
    "group_findings",
    "host_impacts",
    "make_console",
    "place",
    "quiet_line",
    "render_text",
    "summary_line",
]
