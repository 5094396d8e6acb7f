"""The seed's "Checks Before Rollout" for one host, step by step, and the Markdown sign-off made from them.

Pure and Textual-free. A step's verdict is read from the report: the findings whose ``check.seed_check`` names
the step (the checks engineer declares which checks cover which seed item), and whether the host references a
policy of the step's type at all. Steps no check covers (the request-level ones) are marked ``manual`` and
point at ``mtls-inspect rehearse``; this module never decides a NIC rule itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from inspector.analysis.findings import Check, Finding
from inspector.report import Effective, HostReport, Report

Verdict = Literal["pass", "fail", "n/a", "manual"]


@dataclass(frozen=True)
class Step:
    id: str
    """Matches ``Check.seed_check`` of the checks that cover it."""
    policy_type: Literal["ingressMTLS", "egressMTLS"]
    text: str
    """The seed's wording."""
    rehearse: bool = False
    """Only a request proves it: the static report cannot, ``mtls-inspect rehearse`` can."""


SEED_STEPS: tuple[Step, ...] = (
    Step(
        "ingress-ca-secret",
        "ingressMTLS",
        "The policy's clientCertSecret is a valid nginx.org/ca secret in the same namespace as the policy.",
    ),
    Step(
        "ingress-tls",
        "ingressMTLS",
        "The Ingress has TLS termination enabled with a valid kubernetes.io/tls secret.",
    ),
    Step("ingress-not-minion", "ingressMTLS", "The Ingress is not a mergeable minion."),
    Step(
        "ingress-verify-client",
        "ingressMTLS",
        'verifyClient is set to the appropriate mode ("on", "off", "optional", or "optional_no_ca").',
    ),
    Step("ingress-verify-depth", "ingressMTLS", "verifyDepth matches the depth of your client certificate chain."),
    Step(
        "ingress-no-cert-400",
        "ingressMTLS",
        "Requests fail with 400 No required SSL certificate was sent when no client certificate is presented.",
        rehearse=True,
    ),
    Step(
        "egress-tls-secret",
        "egressMTLS",
        "The tlsSecret is a valid kubernetes.io/tls secret in the same namespace as the policy.",
    ),
    Step(
        "egress-trusted-ca",
        "egressMTLS",
        "The trustedCertSecret is a valid nginx.org/ca secret in the same namespace as the policy.",
    ),
    Step(
        "egress-upstream-tls",
        "egressMTLS",
        "The backend is listed under nginx.org/ssl-services or nginx.org/grpc-services "
        "(VirtualServer: the upstream's tls.enable).",
    ),
    Step("egress-verify-server", "egressMTLS", "verifyServer is enabled if the upstream certificate must be verified."),
    Step("egress-ssl-name", "egressMTLS", "sslName matches the hostname expected by the upstream certificate."),
    Step(
        "egress-wrong-cert-fails",
        "egressMTLS",
        "Requests fail in the expected way if the trusted CA or client certificate is wrong.",
        rehearse=True,
    ),
)
"""The seed's two "Checks Before Rollout" lists, in the seed's order."""

EVIDENCE_DIRECTIVES: Mapping[str, tuple[str, ...]] = {
    "ingress-ca-secret": ("ssl_client_certificate", "ssl_crl"),
    "ingress-verify-client": ("ssl_verify_client",),
    "ingress-verify-depth": ("ssl_verify_depth",),
    "egress-tls-secret": ("proxy_ssl_certificate", "grpc_ssl_certificate"),
    "egress-trusted-ca": ("proxy_ssl_trusted_certificate", "grpc_ssl_trusted_certificate"),
    "egress-verify-server": ("proxy_ssl_verify", "grpc_ssl_verify", "proxy_ssl_verify_depth"),
    "egress-ssl-name": ("proxy_ssl_name", "proxy_ssl_server_name", "grpc_ssl_name", "grpc_ssl_server_name"),
}
"""Effective directives (from the report) shown as evidence for a step."""


@dataclass(frozen=True)
class StepResult:
    step: Step
    verdict: Verdict
    findings: tuple[Finding, ...]
    """Active findings of the step's checks for this host (the evidence of a fail)."""
    covered_by: tuple[str, ...]
    """Ids of the checks that declare this step: what "pass" means."""
    evidence: tuple[str, ...]
    """Lines of evidence read from the report."""
    fixes: tuple[str, ...]
    waived: tuple[Finding, ...] = ()
    """Suppressed findings of the step (shown, not counted)."""


def _host_findings(report: Report, host: HostReport) -> list[Finding]:
    """Findings about this host, and host-less findings about its resources or the policies it references."""
    refs = {host.resource, *(loc.result.resource for loc in host.locations)}
    keys = {u.key for u in host.policies} | {u.key for loc in host.locations for u in loc.policies}
    out: list[Finding] = []
    for finding in report.findings:
        if finding.host is not None:
            if finding.host == host.host:
                out.append(finding)
        elif finding.policy in keys or finding.resource in refs:
            out.append(finding)
    return out


def _types_at(host: HostReport) -> set[str]:
    types: set[str] = {u.outcome.type for u in host.policies}
    types |= {u.outcome.type for loc in host.locations for u in loc.policies}
    return types


def _evidence(step: Step, host: HostReport) -> list[str]:
    lines: list[str] = []
    names = EVIDENCE_DIRECTIVES.get(step.id, ())
    uses = [u for u in host.policies if u.outcome.type == step.policy_type]
    uses += [u for loc in host.locations for u in loc.policies if u.outcome.type == step.policy_type]
    seen: set[tuple[str, str, str]] = set()
    for use in uses:
        entry = (use.key, use.outcome.source.scope, use.status)
        if entry not in seen:
            seen.add(entry)
            lines.append(f"{use.outcome.type} {use.key} at {use.outcome.source.scope} scope: {use.status}")

    def show(place: str, effective: Mapping[str, Effective]) -> None:
        for name in names:
            eff = effective.get(name)
            if eff is not None:
                lines.append(f"{place}: {name} {eff.value} (from {eff.source}, {eff.policy or 'no policy'})")

    show(host.host, host.ingress_effective)
    if step.policy_type == "egressMTLS":
        for loc in host.locations:
            if not loc.result.internal:
                show(f"{host.host}{loc.path}", loc.effective)
                if step.id == "egress-upstream-tls":
                    lines.append(
                        f"{host.host}{loc.path}: upstream {loc.result.upstream_scheme or '?'} {loc.result.upstream}"
                    )
    if step.id == "ingress-tls":
        lines.append(f"{host.host}: {'terminates TLS' if host.result.tls else 'no TLS termination'}")
    return lines


def walk(report: Report, host: HostReport, checks: Iterable[Check] = ()) -> tuple[StepResult, ...]:
    """Every seed step for ``host`` with its verdict, evidence and fixes.

    ``checks`` is the check registry (to know which checks cover a step even when none fired); findings in the
    report contribute their checks too.
    """
    findings = _host_findings(report, host)
    covering: dict[str, set[str]] = {}
    for check in [*checks, *(f.check for f in report.findings)]:
        if check.seed_check:
            covering.setdefault(check.seed_check, set()).add(check.id)
    types = _types_at(host)
    results: list[StepResult] = []
    for step in SEED_STEPS:
        mine = [f for f in findings if f.check.seed_check == step.id]
        active = tuple(f for f in mine if not f.suppressed)
        waived = tuple(f for f in mine if f.suppressed)
        covered = tuple(sorted(covering.get(step.id, ())))
        verdict: Verdict
        if any(f.severity in ("error", "warning") for f in active):
            verdict = "fail"
        elif step.policy_type not in types:
            verdict = "n/a"
        elif step.rehearse or not covered:
            verdict = "manual"
        else:
            verdict = "pass"
        fixes = tuple(dict.fromkeys(f.check.remediation for f in active if f.severity != "info"))
        evidence = (
            tuple(_evidence(step, host))
            if step.policy_type in types
            else (f"no {step.policy_type} policy on {host.host}",)
        )
        results.append(StepResult(step, verdict, active, covered, evidence, fixes, waived))
    return tuple(results)


VERDICT_MARKS: Mapping[Verdict, str] = {"pass": "✓ pass", "fail": "✖ fail", "n/a": "– n/a", "manual": "? manual"}


def markdown(
    report: Report,
    host: HostReport,
    results: Sequence[StepResult],
    notes: Mapping[str, str],
    *,
    source_label: str,
    when: dt.datetime,
) -> str:
    """The sign-off report for a change ticket: every step with verdict, evidence, fix and the reviewer's note."""
    counts = {v: sum(1 for r in results if r.verdict == v) for v in ("pass", "fail", "n/a", "manual")}
    out = [
        f"# mTLS rollout sign-off: {host.host}",
        "",
        f"- Resource: {host.resource.kind} {host.resource.key}",
        f"- Source: {source_label}",
        f"- Controller: NGINX Ingress Controller ({report.settings.edition}), ingress class "
        f"`{report.settings.ingress_class}`",
        f"- Generated: {when.strftime('%Y-%m-%d %H:%M UTC')} by mtls-inspect",
        f"- Result: {counts['pass']} pass, {counts['fail']} fail, {counts['n/a']} not applicable, "
        f"{counts['manual']} to verify by hand",
    ]
    if host.result.returns_500:
        out.append("- **This host returns 500 for every request** (a server-level policy error).")
    if host.result.fail_open:
        out.append("- **ingressMTLS is fail-open on this host**: client certificates are not checked.")
    out.append("")
    for section in ("ingressMTLS", "egressMTLS"):
        out += [f"## {section}", ""]
        for number, result in enumerate((r for r in results if r.step.policy_type == section), 1):
            out.append(f"### {number}. [{result.verdict.upper()}] {result.step.text}")
            out.append("")
            if result.covered_by:
                out.append(f"Checked by: {', '.join(result.covered_by)}")
            if result.verdict == "manual":
                out.append(
                    "Not provable from manifests alone: verify with `mtls-inspect rehearse` or a test request."
                    if result.step.rehearse
                    else "No automatic check covers this step: verify by hand."
                )
            out += [f"- {line}" for line in result.evidence]
            for finding in result.findings:
                out.append(f"- **{finding.id} {finding.severity}**: {finding.message}")
                if finding.nic_message:
                    out.append(f"  - NIC says: `{finding.nic_message}`")
            for finding in result.waived:
                out.append(f"- waived {finding.id}: {finding.message} ({finding.suppression or 'no reason'})")
            if result.fixes:
                out.append("")
                out.append("Fix:")
                out += [f"- {fix}" for fix in result.fixes]
            note = notes.get(result.step.id, "").strip()
            out.append("")
            out.append(f"Note: {note}" if note else "Note: —")
            out.append("")
    out += ["## Sign-off", "", "Reviewed by: ______________________  Date: ____________", ""]
    return "\n".join(out)
