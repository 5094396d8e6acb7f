"""The rendered-config pane: the server block NIC would write, highlighted for the selected item.

The text and the line -> policy map come from the report (render/ and the replica); this module only decides
what to show: the whole server block for a host or a server-scope policy, the location block for a location or
a location-scope policy, the selected policy's lines highlighted and every ``return 500;`` marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text

from inspector.report import HostReport, LocationReport, Report
from inspector.tui.view import Item

RETURN_500_STYLE = "bold white on red"
"""``return 500;`` lines: what clients get when a policy is rejected."""


@dataclass(frozen=True)
class Block:
    """What the pane shows: the text, the line range (1-based, inclusive) and the lines to highlight."""

    host: HostReport
    first: int
    last: int
    highlight: frozenset[int]
    title: str

    @property
    def width(self) -> int:
        """Cells of the longest shown line."""
        lines = self.host.text.splitlines()[self.first - 1 : self.last]
        return max((len(line) for line in lines), default=0)

    @property
    def text(self) -> str:
        """The shown lines only (what ``copy`` puts on the clipboard)."""
        lines = self.host.text.splitlines()
        return "\n".join(lines[self.first - 1 : self.last]) + "\n"


def _policy_lines(host: HostReport, key: str, location: LocationReport | None) -> frozenset[int]:
    lines = {line for line, owner in host.line_policies.items() if owner == key}
    if location is not None and location.start_line:
        lines = {line for line in lines if location.start_line <= line <= location.end_line}
    elif host.locations:
        inside = {line for loc in host.locations if loc.start_line for line in range(loc.start_line, loc.end_line + 1)}
        lines -= inside
    return frozenset(lines)


def block_for(item: Item) -> Block | None:
    """The block to show for ``item``; None when the item has no rendered text (group, rejected host)."""
    host = item.host
    if host is None or not host.text:
        return None
    total = len(host.text.splitlines())
    location = item.location
    first, last = 1, total
    title = f"server block for {host.host} ({host.result.config_file})"
    if location is not None and location.start_line:
        first, last = location.start_line, location.end_line
        title = f"location {location.path} on {host.host} ({host.result.config_file})"
    highlight: frozenset[int] = frozenset()
    if item.use is not None:
        highlight = _policy_lines(host, item.use.key, location)
        title += f" · lines from {item.use.key} highlighted"
    return Block(host=host, first=first, last=last, highlight=highlight, title=title)


@lru_cache(maxsize=128)
def _highlighted(code: str, dark: bool) -> tuple[Text, ...]:
    """The lines of ``code`` with NGINX syntax colours; cached, since moving inside a host re-shows its text."""
    syntax = Syntax(code, "nginx", theme="monokai" if dark else "default", background_color="default")
    return tuple(syntax.highlight(code).split("\n", allow_blank=True))


INJECTED_STYLE = "bold black on magenta"
"""Values NIC copies verbatim into nginx.conf that the report flags as breaking or injecting."""

INJECTION_SLUG = "config-injection"
"""The check (``analysis.checks``) whose findings name such values."""

_INJECTABLE_FIELDS = (
    ("ingress_mtls", "crl_file_name", "spec.ingressMTLS.crlFileName"),
    ("egress_mtls", "ciphers", "spec.egressMTLS.ciphers"),
    ("egress_mtls", "protocols", "spec.egressMTLS.protocols"),
)


def injected_values(report: Report, host: HostReport) -> tuple[str, ...]:
    """The flagged values of this host's policies, as the pieces that appear on rendered lines.

    Which value is flagged comes from the report: a config-injection finding points at the field's line.
    """
    keys = {u.key for u in host.policies} | {u.key for loc in host.locations for u in loc.policies}
    pieces: list[str] = []
    for finding in report.findings:
        if finding.check.slug != INJECTION_SLUG or finding.suppressed or finding.policy not in keys:
            continue
        policy = report.cluster.policies.get(finding.policy or "")
        if policy is None:
            continue
        for spec_name, field_name, path in _INJECTABLE_FIELDS:
            spec = getattr(policy, spec_name)
            value = getattr(spec, field_name, "") if spec is not None else ""
            if value and policy.meta.origin.at(path) == finding.source:
                pieces += [piece.strip() for piece in value.splitlines() if piece.strip()]
    return tuple(dict.fromkeys(pieces))


def made_elsewhere(report: Report, host: HostReport) -> tuple[str, ...]:
    """One line per Secret of this host that another object makes (its MTLS112 finding names the host).

    Runs on every cursor move: one pass over the findings, promises looked up by their maker.
    """
    if not report.nic.promised_secrets:
        return ()
    by_maker: dict[object, list[str]] = {}
    for promise in report.nic.promised_secrets.values():
        by_maker.setdefault(promise.made_by or promise.ref, []).append(
            f"{promise.ref}: made by {promise.maker}; content unknown until it exists"
        )
    lines: list[str] = []
    for f in report.findings:
        if f.id == "MTLS112" and host.host in (f.host, *dict(f.details).get("hosts", "").split(", ")):
            lines += by_maker.get(f.resource, [])
    return tuple(dict.fromkeys(lines))


def render_block(
    block: Block | None, *, dark: bool = True, marks: tuple[str, ...] = (), notes: tuple[str, ...] = ()
) -> RenderableType:
    """Syntax-highlighted NGINX text with the real line numbers of the file's server block.

    Lines of the selected policy carry a ``▌`` and a background, ``return 500;`` is red, ``marks`` (flagged
    injected values) are magenta.
    """
    if block is None:
        return Text("No rendered configuration for this item (rejected resources get none).", style="dim")
    lines = _highlighted(block.host.text, dark)
    highlight_style = "on #3a3a1a" if dark else "on #fff3b0"
    digits = len(str(block.last))
    out = Text(no_wrap=True, overflow="crop", end="")
    for number in range(block.first, min(block.last, len(lines)) + 1):
        line = lines[number - 1].copy()
        column = line.plain.find("return 500;")
        if column >= 0:
            line.stylize(RETURN_500_STYLE, column, column + len("return 500;"))
        for piece in marks:
            start = line.plain.find(piece)
            while start >= 0:
                line.stylize(INJECTED_STYLE, start, start + len(piece))
                start = line.plain.find(piece, start + len(piece))
        if number in block.highlight:
            line.stylize(highlight_style)
            line.append(" " * 2)
        marker = "▌" if number in block.highlight else " "
        out.append(f"{number:>{digits}}", style="dim")
        out.append(marker, style="bold yellow")
        out.append_text(line)
        if number < block.last:
            out.append("\n")
    for note in notes:
        out.append(f"\n# {note}", style="dim italic")
    return out
