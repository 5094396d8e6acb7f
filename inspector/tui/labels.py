"""How tree items read: one line each, severity mark first, origin in NIC's vocabulary, losers struck through.

Kept apart from the widgets so the help screen's icon legend and the tree use the same marks, and so labels
can be checked in plain tests. Labels only format what the report says (status, reason, context, field).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from inspector.report import HostReport, LocationReport, PolicyUse
from inspector.tui.view import Item, host_outcomes

SEVERITY_MARKS: Mapping[str | None, tuple[str, str]] = {
    "error": ("✖", "bold red"),
    "warning": ("▲", "bold yellow"),
    "info": ("●", "cyan"),
    None: ("✓", "green"),
}
"""Mark and style per worst severity below a node (``None``: nothing found)."""

OUTCOME_MARK: tuple[str, str] = ("⊘", "bold red")
"""Mark of a node without findings of its own under a host whose outcome decides every request."""

BADGES: Mapping[str, tuple[str, str]] = {
    "500": (" 500 ", "bold white on red"),
    "fail-open": (" FAIL-OPEN ", "bold black on magenta"),
    "refused": (" REFUSED ", "bold white on dark_orange"),
    "rejected": (" REJECTED ", "bold white on dark_red"),
    "no-tls": (" no TLS ", "black on grey70"),
}
"""Badges that make a broken host unmistakable at a glance."""

STATUS_STYLES: Mapping[str, str] = {
    "applied": "bold green",
    "ignored": "dim strike",
    "overridden": "dim strike",
    "rejected": "red strike",
    "unseen": "dim strike",
}
"""Policies that did not win are dimmed or struck through."""

ICON_LEGEND: tuple[tuple[str, str, str], ...] = (
    (*SEVERITY_MARKS["error"], "an error on this node or below it (worst severity rolls up)"),
    (*SEVERITY_MARKS["warning"], "a warning on this node or below it"),
    (*SEVERITY_MARKS["info"], "an informational finding on this node or below it"),
    (*SEVERITY_MARKS[None], "no finding on this node or below it"),
    (*BADGES["500"], "NIC renders `return 500;` for this host or location (policy error)"),
    (*BADGES["fail-open"], "ingressMTLS is ignored because the host has no TLS: clients are not checked"),
    (*BADGES["refused"], "ssl_reject_handshake on: every TLS handshake for this host is refused"),
    (*BADGES["rejected"], "NIC rejects the resource: no configuration for this host"),
    (*OUTCOME_MARK, "fine on its own, but the host's outcome (500, refused, rejected) decides every request"),
    ("story", "italic magenta", "a deliberately broken story of the bundled sample (sample-cluster/broken/)"),
    (*BADGES["no-tls"], "the server block does not terminate TLS"),
    ("return 500;", "bold white on red", "in the rendered pane: the line NIC writes instead of proxying"),
    ("▌", "bold yellow", "in the rendered pane: a line the selected policy produced"),
    ("value", "bold black on magenta", "in the rendered pane: a value copied verbatim that breaks or injects"),
    ("applied", STATUS_STYLES["applied"], "the policy takes effect at this place"),
    ("overridden", STATUS_STYLES["overridden"], "a more specific or earlier policy of this type wins"),
    ("ignored", STATUS_STYLES["ignored"], "NIC drops the policy here (reason shown after it)"),
    ("rejected", STATUS_STYLES["rejected"], "the policy is invalid or not allowed here (usually a 500)"),
)
"""Shown by the help screen: (glyph, style, meaning)."""


def mark(severity: str | None, outcome: str = "") -> Text:
    """The severity mark; a node with nothing found under a host that returns 500 or refuses is not green."""
    if severity is None and outcome:
        return Text(OUTCOME_MARK[0], style=OUTCOME_MARK[1])
    glyph, style = SEVERITY_MARKS.get(severity, SEVERITY_MARKS[None])
    return Text(glyph, style=style)


def badge(name: str) -> Text:
    text, style = BADGES[name]
    return Text(text, style=style)


def host_badges(host: HostReport) -> list[str]:
    """Badge names for a host, straight from the report's flags."""
    return host_outcomes(host)


def origin_phrase(use: PolicyUse) -> str:
    """``from Ingress default/cafe-ingress annotation``, ``from minion Ingress default/tea annotation``,
    ``from VirtualServer default/webapp spec.routes[0].policies[0]``."""
    source = use.outcome.source
    where = "annotation" if source.field.startswith("metadata.annotations") else source.field
    owner = f"{source.owner.kind} {source.owner.key}"
    if source.context == "minion":
        owner = f"minion {owner}"
    elif source.context == "subroute":
        owner = f"subroute of {owner}"
    elif source.context == "route":
        owner = f"route of {owner}"
    return f"from {owner} {where}".rstrip()


def policy_label(use: PolicyUse, severity: str | None, outcome_mark: str = "") -> Text:
    """Type, policy, then its status (and why, when it did not win) before the long origin phrase."""
    outcome = use.outcome
    style = STATUS_STYLES.get(outcome.status, "")
    text = Text.assemble(mark(severity, outcome_mark), " ")
    text.append(f"{outcome.type} {use.key}", style=style if outcome.status != "applied" else "bold")
    text.append(" · ")
    # The status word itself is never struck through: it is what the reader looks for.
    text.append(outcome.status, style=style.replace(" strike", "").replace("dim", "bold") if style else "")
    if outcome.status != "applied" and outcome.reason:
        text.append(f": {outcome.reason}", style="italic dim")
    text.append(f" · {outcome.source.scope} · {origin_phrase(use)}", style="dim")
    return text


def location_label(host: HostReport, location: LocationReport, severity: str | None, outcome: str = "") -> Text:
    result = location.result
    text = Text()
    if result.returns_500:
        text.append_text(badge("500"))
        text.append(" ")
    text.append_text(Text.assemble(mark(severity, outcome), " ", (location.path, "bold")))
    target = result.service or result.upstream
    if result.upstream_scheme or target:
        text.append(" → ", style="dim")
        if result.upstream_scheme:
            scheme_style = "green" if result.upstream_scheme in ("https", "grpcs") else "yellow"
            text.append(result.upstream_scheme, style=scheme_style)
            text.append(" ")
        text.append(target)
    if result.resource != host.resource:
        text.append(f" · {result.resource.kind} {result.resource.key}", style="dim")
    return text


def host_label(host: HostReport, severity: str | None, *, verdict: str = "", story: str = "") -> Text:
    """Badges first (they survive a narrow pane), the host, the sample-story marker, then the one-line verdict."""
    text = Text()
    for name in host_badges(host):
        text.append_text(badge(name))
        text.append(" ")
    text.append_text(Text.assemble(mark(severity), " ", (host.host or "(no host)", "bold")))
    if story:
        text.append(" story", style="italic magenta")
    if verdict:
        text.append(f"  {verdict}", style="dim")
    text.append(f"  {host.resource.kind} {host.resource.key}", style="dim")
    return text


PENDING_MARK: tuple[str, str] = ("…", "dim")
"""Mark of a host shown while the report is still being built (its findings are not in yet)."""


def pending_host_label(host: str, resource: str) -> Text:
    """A host the replica has produced, before its checks ran: no mark, badge or verdict can be known yet."""
    return Text.assemble(PENDING_MARK, " ", (host or "(no host)", "bold"), (f"  {resource}", "dim"))


def pending_more_label(more: int) -> Text:
    return Text(f"  … {more} more hosts so far", style="dim italic")


def item_label(item: Item) -> Text:
    """The label of any tree item."""
    if item.kind == "host" and item.host is not None:
        return host_label(item.host, item.severity, verdict=item.verdict, story=item.story)
    if item.kind == "location" and item.host is not None and item.location is not None:
        return location_label(item.host, item.location, item.severity, item.outcome)
    if item.kind == "policy" and item.use is not None:
        return policy_label(item.use, item.severity, item.outcome)
    count = len(item.children) or len(item.findings)
    return Text.assemble(mark(item.severity), " ", (item.label, "bold"), (f" ({count})", "dim"))
