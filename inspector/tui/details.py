"""What the details pane says about the selected tree item, as Rich renderables.

Everything here is read off the Report: NIC's verdict on the resource, the policy's fields and NIC's
validation errors, the outcome (status, reason, NIC warning) of each reference, the effective directives with
the policy each came from ("which policy wins and why"), and the findings with their remediation. Secrets are
described by type and certificate facts only; key material is never read here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from inspector.analysis.effective import Effective
from inspector.analysis.findings import Finding
from inspector.model import ObjectRef, Secret
from inspector.output.common import docs_ref
from inspector.report import HostReport, LocationReport, PolicyUse, Report
from inspector.tui.labels import STATUS_STYLES, badge, host_badges, mark, origin_phrase
from inspector.tui.view import Item

_SECRET_FIELDS = ("client_cert_secret", "tls_secret", "trusted_cert_secret")


def _camel(name: str) -> str:
    """``client_cert_secret`` -> ``clientCertSecret``: the Policy CRD's own spelling."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "— (not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


class Facts:
    """Label/value rows with the values wrapped beside their labels (a hanging indent).

    A Rich ``Table.grid`` does the same but measures every cell twice; this is several times cheaper, which
    matters because the details pane is redrawn on every cursor move.
    """

    def __init__(self, rows: Iterable[tuple[str, str | Text]]) -> None:
        self.rows = [(label, value if isinstance(value, Text) else Text(value)) for label, value in rows]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label_width = max((len(label) for label, _ in self.rows), default=0) + 1
        value_width = max(10, options.max_width - label_width)
        for label, value in self.rows:
            lines = value.wrap(console, value_width, overflow="fold") if value.plain else [Text("")]
            for number, line in enumerate(lines):
                head = Text(label.ljust(label_width) if number == 0 else " " * label_width, style="dim")
                head.append_text(line)
                yield head


def _facts(rows: Iterable[tuple[str, str | Text]]) -> Facts:
    return Facts(rows)


def findings_block(findings: Sequence[Finding]) -> list[RenderableType]:
    """Each finding: mark, id, title, message, NIC's own text, place, remediation, evidence."""
    if not findings:
        return [Text("No findings here.", style="green")]
    out: list[RenderableType] = []
    ordered = sorted(findings, key=lambda f: (f.suppressed, -{"error": 3, "warning": 2}.get(f.severity, 1)))
    for finding in ordered:
        title = Text.assemble(
            mark(finding.severity if not finding.suppressed else None),
            " ",
            (f"{finding.id} ", "bold"),
            (finding.check.title, "bold" if not finding.suppressed else "dim"),
        )
        if finding.suppressed:
            title.append(f"  (suppressed: {finding.suppression or 'no reason given'})", style="dim italic")
        rows: list[tuple[str, str | Text]] = [("what", finding.message)]
        if finding.nic_message:
            rows.append(("NIC says", Text(finding.nic_message, style="italic")))
        if finding.check.outcome != "none":
            rows.append(("outcome", finding.check.outcome))
        if finding.source:
            rows.append(("at", finding.source))
        rows.append(("fix", Text(finding.check.remediation, style="green")))
        rows.extend((label, value) for label, value in finding.details)
        rows.append(("docs", docs_ref(finding.check)))
        out.extend([title, _facts(rows), Text("")])
    return out


def _findings_first(findings: Sequence[Finding]) -> list[RenderableType]:
    """Findings lead the pane when there are any: "why does this host return 500" comes first."""
    if not findings:
        return []
    return [Text(""), _heading("Findings"), *findings_block(findings)]


def _resource_rows(report: Report, ref: ObjectRef) -> list[tuple[str, str | Text]]:
    rows: list[tuple[str, str | Text]] = [("resource", str(ref))]
    result = next((r for r in report.resources if r.ref == ref), None)
    if result is None:
        return rows
    state_style = {"Valid": "green", "Warning": "yellow", "Invalid": "bold red"}.get(result.state, "")
    rows.append(("NIC state", Text(result.state, style=state_style)))
    rows.append(("source", result.origin.at()))
    if result.rejection:
        rows.append(("rejected", Text(result.rejection, style="red")))
    rows.extend(("NIC warning", Text(w.text, style="yellow")) for w in result.warnings)
    rows.extend((f"event {e.type}", f"{e.reason}: {e.message}") for e in result.events)
    return rows


def _effective_table(effective: Mapping[str, Effective]) -> RenderableType:
    if not effective:
        return Text("No mTLS directive takes effect here.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("directive", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from")
    table.add_column("policy")
    for name, eff in effective.items():
        table.add_row(name, eff.value, eff.source, eff.policy or "—")
    return table


def beaten(use: PolicyUse, uses: Sequence[PolicyUse], effective: Mapping[str, Effective]) -> str:
    """For a winner: the policies of its type it beat at this place, and the directives it set over them.

    Read from the report (statuses at this place, the effective directives' policy); empty when it beat none.
    """
    if use.status != "applied":
        return ""
    losers = [
        u.key
        for u in uses
        if u.outcome.type == use.outcome.type and u.key != use.key and u.status in ("overridden", "ignored")
    ]
    if not losers:
        return ""
    won = [name for name, eff in effective.items() if eff.policy == use.key]
    directives = f" for {', '.join(won)}" if won else ""
    return f"overrides {', '.join(dict.fromkeys(losers))}{directives}"


def _chain(uses: Sequence[PolicyUse], effective: Mapping[str, Effective] | None = None) -> list[RenderableType]:
    """Every reference at this place with what it became: the chain of origin."""
    if not uses:
        return [Text("No mTLS policy is referenced here.", style="dim")]
    lines: list[RenderableType] = []
    for number, use in enumerate(uses, 1):
        outcome = use.outcome
        line = Text(f"{number}. ")
        line.append(f"{outcome.type} {use.key}", style="bold")
        line.append(f" · {outcome.source.scope} · {origin_phrase(use)} · ")
        line.append(outcome.status, style=STATUS_STYLES.get(outcome.status, ""))
        if outcome.reason:
            line.append(f" — {outcome.reason}", style="italic")
        beat = beaten(use, uses, effective or {})
        if beat:
            line.append(f"; {beat}", style="italic")
        lines.append(line)
        if outcome.warning:
            lines.append(Text(f"   NIC warning: {outcome.warning.text}", style="yellow"))
        if use.source:
            lines.append(Text(f"   at {use.source}", style="dim"))
    return lines


def host_details(report: Report, host: HostReport, findings: Sequence[Finding], story: str = "") -> RenderableType:
    result = host.result
    title = Text.assemble(("Host ", "bold"), (host.host or "(no host)", "bold cyan"))
    for name in host_badges(host):
        title.append(" ")
        title.append_text(badge(name))
    rows = _resource_rows(report, host.resource)
    rows += [
        ("TLS", "terminates TLS" if result.tls else Text("no TLS termination", style="yellow")),
        ("config file", result.config_file or "—"),
        ("locations", str(sum(1 for loc in host.locations if not loc.result.internal))),
    ]
    if result.ssl_reject_handshake:
        rows.append(("handshake", Text("ssl_reject_handshake on: every TLS handshake is refused", style="bold red")))
    if story:
        rows.append(("sample story", Text(f"{story}: a deliberately broken example of the sample", style="magenta")))
    parts: list[RenderableType] = [title, *_findings_first(findings), _facts(rows), Text("")]
    parts += [
        _heading("Server-level mTLS (which policy wins and why)"),
        *_chain(host.policies, host.ingress_effective),
        Text(""),
    ]
    parts += [_effective_table(host.ingress_effective), Text("")]
    if not findings:
        parts += [_heading("Findings"), *findings_block(findings)]
    return Group(*parts)


def location_details(
    report: Report, host: HostReport, location: LocationReport, findings: Sequence[Finding]
) -> RenderableType:
    result = location.result
    title = Text.assemble(("Location ", "bold"), (location.path, "bold cyan"), f" on {host.host}")
    if result.returns_500:
        title.append(" ")
        title.append_text(badge("500"))
    rows = _resource_rows(report, result.resource)
    rows += [
        ("upstream", f"{result.upstream_scheme or '?'} {result.upstream}".strip()),
        ("service", result.service or "—"),
        ("gRPC", "yes" if result.grpc else "no"),
    ]
    if result.context:
        rows.append(("policy context", result.context))
    if result.origin_field:
        rows.append(("field", result.origin_field))
    parts: list[RenderableType] = [title, *_findings_first(findings), _facts(rows), Text("")]
    parts += [
        _heading("Policies at this location (which wins and why)"),
        *_chain(location.policies, location.effective),
        Text(""),
    ]
    parts += [_heading("Effective upstream TLS settings"), _effective_table(location.effective), Text("")]
    if not findings:
        parts += [_heading("Findings"), *findings_block(findings)]
    return Group(*parts)


CERT_KEYS = ("tls.crt", "ca.crt")
"""Secret data keys that hold certificates; ``tls.key`` is never read here."""


def cert_lines(secret: Secret) -> Sequence[str]:
    """Certificate facts of a secret (subject, issuer, expiry, fingerprint), read by the analysis layer."""
    from inspector.analysis.certs import cert_facts

    lines: list[str] = []
    for data_key in CERT_KEYS:
        pem = secret.data.get(data_key)
        if not pem:
            continue
        facts = cert_facts(pem)
        if not facts:
            lines.append(f"{data_key}: no parseable certificate")
        for number, fact in enumerate(facts, 1):
            rows = dict(fact.rows())
            lines.append(f"{data_key} #{number}: {rows['subject']}")
            lines.append(f"  issuer {rows['issuer']}")
            lines.append(f"  valid until {rows['not after']} ({rows['status']}) · CA {rows['CA']}")
            lines.append(f"  sha256 {rows['sha256']}")
    return lines


def _secret_rows(
    report: Report, namespace: str, name: str, cert_facts: Callable[[Secret], Sequence[str]]
) -> list[tuple[str, str | Text]]:
    key = f"{namespace}/{name}"
    secret: Secret | None = report.cluster.secrets.get(key)
    if secret is None:
        promised = report.cluster.promised_secrets.get(key)
        if promised is not None:
            maker = str(promised.made_by) if promised.made_by is not None else "declared made elsewhere"
            via = f" via {promised.via}" if promised.via else ""
            return [
                (key, Text(f"type {promised.type}, made by {maker}{via}", style="cyan")),
                ("", Text(f"content unknown until it exists ({promised.origin.at(promised.field or None)})", "dim")),
            ]
        reason = report.cluster.unreadable_secrets.get(key)
        note = f": {reason}" if reason else ": no object in the input creates it"
        return [(key, Text(f"not found{note}", style="red"))]
    rows: list[tuple[str, str | Text]] = [(key, f"type {secret.type}, keys {', '.join(sorted(secret.data)) or 'none'}")]
    rows.extend(("", line) for line in cert_facts(secret))
    return rows


def policy_details(
    report: Report,
    host: HostReport,
    location: LocationReport | None,
    use: PolicyUse,
    findings: Sequence[Finding],
    cert_facts: Callable[[Secret], Sequence[str]] = cert_lines,
) -> RenderableType:
    outcome = use.outcome
    title = Text.assemble(("Policy ", "bold"), (f"{outcome.type} {use.key}", "bold cyan"), " · ")
    title.append(outcome.status, style=STATUS_STYLES.get(outcome.status, ""))
    place = f"{host.host}{location.path if location is not None else ''}"
    rows: list[tuple[str, str | Text]] = [
        ("at", f"{place} · {outcome.source.scope} scope · {outcome.source.context} context"),
        ("referenced", f"{origin_phrase(use)} ({outcome.source.field})"),
    ]
    if use.source:
        rows.append(("reference at", use.source))
    uses = location.policies if location is not None else host.policies
    effective = location.effective if location is not None else host.ingress_effective
    beat = beaten(use, uses, effective)
    if outcome.reason or beat:
        rows.append(("why", "; ".join(part for part in (outcome.reason, beat) if part)))
    if outcome.warning:
        rows.append(("NIC warning", Text(outcome.warning.text, style="yellow")))
    if outcome.fatal:
        rows.append(("effect", Text("this reference makes NIC render `return 500;`", style="bold red")))
    policy_result = next((p for p in report.policies if p.key == use.key), None)
    if policy_result is not None:
        rows.append(("valid", "yes" if policy_result.valid else Text("no", style="bold red")))
        rows.extend(("NIC error", Text(e, style="red")) for e in policy_result.errors)
        rows.append(("defined at", policy_result.origin.at()))
    # Findings first, as on hosts and locations: ``n`` lands here and the reason must be on screen.
    parts: list[RenderableType] = [title, *_findings_first(findings), _facts(rows), Text("")]
    if not findings:
        parts += [Text("No findings here.", style="green"), Text("")]
    policy = report.cluster.policies.get(use.key)
    if policy is None:
        parts.append(Text(f"Policy {use.key} is not among the sources.", style="red"))
    else:
        spec = policy.ingress_mtls or policy.egress_mtls
        if spec is not None:
            parts.append(_heading("Fields"))
            parts.append(_facts((_camel(f.name), _shown(getattr(spec, f.name))) for f in dataclasses.fields(spec)))
            parts.append(Text(""))
            namespace = policy.meta.ref.namespace
            secret_rows: list[tuple[str, str | Text]] = []
            for name in _SECRET_FIELDS:
                value = getattr(spec, name, "")
                if value:
                    secret_rows += _secret_rows(report, namespace, value, cert_facts)
            if secret_rows:
                parts += [_heading("Secrets"), _facts(secret_rows), Text("")]
    parts += [_heading("Chain of origin at this place"), *_chain(uses, effective), Text("")]
    return Group(*parts)


def subtree_findings(item: Item) -> tuple[Finding, ...]:
    """Findings on ``item`` and below it, once each: a host's pane answers "why" for all its places."""
    seen: dict[int, Finding] = {}
    for node in item.walk():
        for finding in node.findings:
            seen.setdefault(id(finding), finding)
    return tuple(seen.values())


def item_details(report: Report, item: Item) -> RenderableType:
    """The details of any tree item."""
    if item.kind == "host" and item.host is not None:
        return host_details(report, item.host, subtree_findings(item), item.story)
    if item.kind == "location" and item.host is not None and item.location is not None:
        return location_details(report, item.host, item.location, subtree_findings(item))
    if item.kind == "policy" and item.host is not None and item.use is not None:
        return policy_details(report, item.host, item.location, item.use, item.findings, cert_lines)
    if item.kind == "orphan":
        return Group(_heading(item.label), Text(""), *findings_block(item.findings))
    return Group(
        Text(item.label or "mtls-inspect", style="bold"),
        Text(f"{len(item.children)} entries; select one for its details."),
    )
