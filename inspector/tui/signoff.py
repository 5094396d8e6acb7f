"""The seed's "Checks Before Rollout" for one host, step by step, and the Markdown sign-off made from them.

Pure and Textual-free. A step's verdict is read from the report: the findings whose ``check.seed_check`` names
the step (the checks engineer declares which checks cover which seed item), and whether the host references a
policy of the step's type at all. Steps no check covers (the request-level ones) are marked ``manual`` and
point at ``mtls-inspect rehearse``; this module never decides a NIC rule itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from inspector import __version__
from inspector.analysis import checks
from inspector.analysis.effective import Effective
from inspector.analysis.findings import Check, Finding
from inspector.report import HostReport, Report

Verdict = Literal["pass", "fail", "n/a", "manual"]


@dataclass(frozen=True)
class Step:
    id: str
    """The seed item as ``checks.SEED_CHECKS`` spells it; ``Check.seed_check`` of the checks covering it."""
    policy_type: Literal["ingressMTLS", "egressMTLS"]
    text: str
    """The seed's wording."""
    rehearse: bool = False
    """Only a request proves it: the static report cannot, ``mtls-inspect rehearse`` can."""


def _sentence(text: str) -> str:
    """Capitalise a lower-case first word; field names (``verifyClient``) keep their spelling."""
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.islower() else text


def _steps() -> tuple[Step, ...]:
    """The seed items as the checks registry declares them (``checks.SEED_CHECKS``), in the seed's order."""
    steps: list[Step] = []
    for seed in checks.SEED_CHECKS:
        kind, _, text = seed.partition(": ")
        policy_type: Literal["ingressMTLS", "egressMTLS"] = "egressMTLS" if kind == "egressMTLS" else "ingressMTLS"
        steps.append(
            Step(
                id=seed,
                policy_type=policy_type,
                text=_sentence(text) if text else seed,
                rehearse=seed in (checks.SEED_I_400, checks.SEED_E_FAIL),
            )
        )
    return tuple(steps)


SEED_STEPS: tuple[Step, ...] = _steps()
"""The seed's two "Checks Before Rollout" lists, in the seed's order."""

EVIDENCE_DIRECTIVES: Mapping[str, tuple[str, ...]] = {
    checks.SEED_I_SECRET: ("ssl_client_certificate", "ssl_crl"),
    checks.SEED_I_VERIFY_CLIENT: ("ssl_verify_client",),
    checks.SEED_I_DEPTH: ("ssl_verify_depth",),
    checks.SEED_E_TLS_SECRET: ("proxy_ssl_certificate", "grpc_ssl_certificate"),
    checks.SEED_E_CA: ("proxy_ssl_trusted_certificate", "grpc_ssl_trusted_certificate"),
    checks.SEED_E_VERIFY: ("proxy_ssl_verify", "grpc_ssl_verify", "proxy_ssl_verify_depth", "grpc_ssl_verify_depth"),
    checks.SEED_E_SSLNAME: ("proxy_ssl_name", "proxy_ssl_server_name", "grpc_ssl_name", "grpc_ssl_server_name"),
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
    not_applied: tuple[str, ...] = ()
    """Why the step's policy does not take effect where it is referenced (a step never passes then)."""


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


def _value(value: object) -> str:
    """An evidence value; an empty one is said, never left blank."""
    text = str(value).strip() if value is not None else ""
    return text or "(empty)"


def _evidence(step: Step, host: HostReport) -> list[str]:
    lines: list[str] = []
    names = EVIDENCE_DIRECTIVES.get(step.id, ())
    places = [(host.host, host.policies), *((f"{host.host}{loc.path}", loc.policies) for loc in host.locations)]
    server = {(u.key, u.outcome.source.field, u.status) for u in host.policies}
    for number, (place, uses) in enumerate(places):
        for use in uses:
            if use.outcome.type != step.policy_type:
                continue
            if number and (use.key, use.outcome.source.field, use.status) in server:
                continue  # inherited with the host's own fate: said once, at the host
            scope = use.outcome.source.scope
            lines.append(f"{use.outcome.type} {use.key} at {place} ({scope} scope): {use.status}")

    def show(place: str, effective: Mapping[str, Effective]) -> None:
        for name in names:
            eff = effective.get(name)
            if eff is None:
                continue
            origin = f"from {_value(eff.source)}, {eff.policy}" if eff.policy else _value(eff.source)
            if str(eff.value).strip():
                lines.append(f"{place}: {name} {eff.value} ({origin})")
            else:
                lines.append(f"{place}: {name} not set ({origin})")

    show(host.host, host.ingress_effective)
    if step.policy_type == "egressMTLS":
        for loc in host.locations:
            if not loc.result.internal:
                show(f"{host.host}{loc.path}", loc.effective)
                if step.id == checks.SEED_E_SERVICES:
                    scheme = loc.result.upstream_scheme or "unknown scheme"
                    lines.append(f"{host.host}{loc.path}: upstream {scheme} {_value(loc.result.upstream)}")
    if step.id == checks.SEED_I_TLS:
        lines.append(f"{host.host}: {'terminates TLS' if host.result.tls else 'no TLS termination'}")
    return lines


def _not_applied(policy_type: str, host: HostReport) -> list[str]:
    """Places that reference a ``policy_type`` policy where none takes effect, each with NIC's reason.

    Read from the report's statuses: a rejected, ignored or overridden reference is not a pass, and neither is
    a place NIC answers with 500 or a host NIC rejected.
    """
    lines: list[str] = []
    if host.result.rejected:
        lines.append(f"NIC rejects the resource of {host.host}: no configuration for this host")
    if host.result.returns_500:
        lines.append(f"{host.host} returns 500 for every request: NIC discards the server's policies")
    places = [(host.host, host.policies, host.result.returns_500)]
    places += [(f"{host.host}{loc.path}", loc.policies, loc.result.returns_500) for loc in host.locations]
    server = {(u.key, u.outcome.source.field, u.status) for u in host.policies}
    for number, (place, uses, returns_500) in enumerate(places):
        mine = [u for u in uses if u.outcome.type == policy_type]
        if not mine:
            continue
        if not any(u.status == "applied" for u in mine):
            for use in mine:
                if number and (use.key, use.outcome.source.field, use.status) in server:
                    continue  # the host's own reference with the same fate: said once, at the host
                why = f": {use.outcome.reason}" if use.outcome.reason else ""
                lines.append(f"{place}: {policy_type} {use.key} is {use.status}{why}")
        elif returns_500 and number:
            lines.append(f"{place} returns 500: NIC discards the location's policies")
    return list(dict.fromkeys(lines))


def walk(report: Report, host: HostReport, registry: Iterable[Check] = checks.CHECKS) -> tuple[StepResult, ...]:
    """Every seed step for ``host`` with its verdict, evidence and fixes.

    ``registry`` is the check registry (to know which checks cover a step even when none fired); findings in the
    report contribute their checks too. A step passes only when its policy takes effect (status ``applied``)
    everywhere it is referenced and none of its checks fired.
    """
    findings = _host_findings(report, host)
    covering: dict[str, set[str]] = {}
    for check in [*registry, *(f.check for f in report.findings)]:
        if check.seed_check:
            covering.setdefault(check.seed_check, set()).add(check.id)
    types = _types_at(host)
    blocked = {kind: tuple(_not_applied(kind, host)) for kind in ("ingressMTLS", "egressMTLS")}
    results: list[StepResult] = []
    for step in SEED_STEPS:
        mine = [f for f in findings if f.check.seed_check == step.id]
        active = tuple(f for f in mine if not f.suppressed)
        waived = tuple(f for f in mine if f.suppressed)
        covered = tuple(sorted(covering.get(step.id, ())))
        not_applied = blocked[step.policy_type] if step.policy_type in types else ()
        verdict: Verdict
        if any(f.severity in ("error", "warning") for f in active):
            verdict = "fail"
        elif step.policy_type not in types:
            verdict = "n/a"
        elif not_applied:
            verdict = "fail"
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
        results.append(StepResult(step, verdict, active, covered, evidence, fixes, waived, not_applied))
    return tuple(results)


def other_findings(report: Report, host: HostReport) -> tuple[Finding, ...]:
    """Every finding of ``host`` that no step covers (active first): the sign-off lists them too."""
    steps = {step.id for step in SEED_STEPS}
    others = [f for f in _host_findings(report, host) if f.check.seed_check not in steps]
    return tuple(sorted(others, key=lambda f: (f.suppressed, f.id)))


def check_titles(report: Report, registry: Iterable[Check] = checks.CHECKS) -> dict[str, str]:
    """Check id -> title, for naming the checks beside their ids."""
    titles = {check.id: check.title for check in registry}
    titles.update((f.check.id, f.check.title) for f in report.findings)
    return titles


VERDICT_MARKS: Mapping[Verdict, str] = {"pass": "✓ pass", "fail": "✖ fail", "n/a": "– n/a", "manual": "? manual"}


def _finding_line(finding: Finding) -> list[str]:
    head = f"**{finding.id} {finding.severity}** ({finding.check.title})"
    if finding.suppressed:
        head = f"waived {finding.id} {finding.severity} ({finding.check.title}; {finding.suppression or 'no reason'})"
    out = [f"- {head}: {finding.message}"]
    if finding.nic_message and not finding.suppressed:
        out.append(f"  - NIC says: `{' / '.join(finding.nic_message.splitlines())}`")
    return out


def input_lines(report: Report, host: HostReport) -> list[str]:
    """What the report was made from: each file with its sha256 (read now), or the cluster and resourceVersion."""
    files = sorted({obj.meta.origin.file for obj in report.cluster.all_objects()} | set(report.cluster.sources))
    lines: list[str] = []
    for name in files:
        if not name:
            continue
        if name.startswith("cluster:"):
            lines.append(f"cluster context {name.removeprefix('cluster:')}")
            continue
        path = Path(name)
        if name == "<stdin>" or not path.is_file():
            if path.is_dir():
                continue
            lines.append(f"{name} (no digest: not a file now)")
            continue
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            lines.append(f"{name} (no digest: {exc.strerror or exc})")
            continue
        lines.append(f"{name} sha256:{digest}")
    owner = next((o for o in report.cluster.all_objects() if o.meta.ref == host.resource), None)
    if owner is not None and owner.meta.resource_version:
        lines.append(f"{host.resource.kind} {host.resource.key} at resourceVersion {owner.meta.resource_version}")
    return lines


def markdown(
    report: Report,
    host: HostReport,
    results: Sequence[StepResult],
    notes: Mapping[str, str],
    *,
    source_label: str,
    when: dt.datetime,
    inputs: Sequence[str] = (),
    others: Sequence[Finding] = (),
    verified: Collection[str] = (),
) -> str:
    """The sign-off report for a change ticket: every step with verdict, evidence, fix and the reviewer's note.

    Steps are numbered as the checklist screen numbers them; ``inputs`` says what was read (files with digests,
    or the cluster); ``others`` are the host's findings no step covers; ``verified`` are manual steps the
    reviewer marked verified by hand (with a note).
    """
    titles = check_titles(report)
    counts = {v: sum(1 for r in results if r.verdict == v) for v in ("pass", "fail", "n/a", "manual")}
    done = sum(1 for r in results if r.verdict == "manual" and r.step.id in verified)
    out = [
        f"# mTLS rollout sign-off: {host.host}",
        "",
        f"- Resource: {host.resource.kind} {host.resource.key}",
        f"- Tool: mtls-inspect {__version__}, replaying NGINX Ingress Controller "
        f"{report.settings.nic_version}'s rules",
        f"- Controller: NGINX Ingress Controller ({report.settings.edition}), ingress class "
        f"`{report.settings.ingress_class}`",
        f"- Source: {source_label}",
    ]
    if inputs:
        out.append("- Inputs:")
        out += [f"  - {line}" for line in inputs]
    out += [
        f"- Generated: {when.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"- Result: {counts['pass']} pass, {counts['fail']} fail, {counts['n/a']} not applicable, "
        f"{counts['manual']} to verify by hand ({done} verified), "
        f"{sum(1 for f in others if not f.suppressed)} other findings",
    ]
    if host.result.returns_500:
        out.append("- **This host returns 500 for every request** (a server-level policy error).")
    if host.result.ssl_reject_handshake:
        out.append("- **This host refuses every TLS handshake** (`ssl_reject_handshake on`).")
    if host.result.fail_open:
        out.append("- **ingressMTLS is fail-open on this host**: client certificates are not checked.")
    out.append("")
    numbered = list(enumerate(results, 1))
    for section in ("ingressMTLS", "egressMTLS"):
        out += [f"## {section}", ""]
        mine = [(n, r) for n, r in numbered if r.step.policy_type == section]
        skipped = [(n, r) for n, r in mine if r.verdict == "n/a"]
        blocked = next((r.not_applied for _, r in mine if r.not_applied), ())
        if blocked:
            out.append(f"**No {section} policy takes effect everywhere it is referenced**, so no step below passes:")
            out += [f"- {line}" for line in blocked]
            out.append("")
        if skipped:
            steps = ", ".join(str(n) for n, _ in skipped)
            out += [f"Not applicable (no {section} policy on {host.host}): steps {steps}.", ""]
            for number, result in skipped:
                note = notes.get(result.step.id, "").strip()
                if note:
                    out += [f"Note on step {number}: {note}", ""]
        for number, result in mine:
            if result.verdict == "n/a":
                continue
            label = "VERIFIED BY HAND" if result.step.id in verified and result.verdict == "manual" else None
            out.append(f"### {number}. [{label or result.verdict.upper()}] {result.step.text}")
            out.append("")
            if result.covered_by:
                out.append("Checked by: " + ", ".join(f"{c} ({titles.get(c, c)})" for c in result.covered_by))
                out.append("")
            if result.verdict == "manual" and label is None:
                out.append(
                    "Not provable from manifests alone: verify with `mtls-inspect rehearse` or a test request."
                    if result.step.rehearse
                    else "No automatic check covers this step: verify by hand."
                )
                out.append("")
            out += [f"- {line}" for line in result.evidence]
            if result.not_applied:
                out.append(f"- fails: the {section} policy does not take effect (see above)")
            for finding in (*result.findings, *result.waived):
                out += _finding_line(finding)
            if result.fixes:
                out.append("")
                out.append("Fix:")
                out += [f"- {fix}" for fix in result.fixes]
            note = notes.get(result.step.id, "").strip()
            out.append("")
            out.append(f"Note: {note}" if note else "Note: —")
            out.append("")
    out += ["## Other findings", ""]
    if others:
        for finding in others:
            out += _finding_line(finding)
    else:
        out.append("None: every finding of this host belongs to a step above.")
    out += ["", "## Rendered server block", ""]
    if host.text:
        out += ["```nginx", host.text.rstrip("\n"), "```"]
    else:
        out.append("None: NIC generates no server block for this host.")
    out += ["", "## Sign-off", "", "Reviewed by: ______________________  Date: ____________", ""]
    return "\n".join(out)


def as_json(
    report: Report, host: HostReport, results: Sequence[StepResult], *, when: dt.datetime, inputs: Sequence[str]
) -> dict[str, object]:
    """The same sign-off as data (``mtls-inspect checklist -o json``): steps numbered as on screen."""
    titles = check_titles(report)
    return {
        "schema": "mtls-inspect/checklist/v1",
        "host": host.host,
        "resource": {"kind": host.resource.kind, "namespace": host.resource.namespace, "name": host.resource.name},
        "tool": f"mtls-inspect {__version__}",
        "nic_version": report.settings.nic_version,
        "generated": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs": list(inputs),
        "returns_500": host.result.returns_500,
        "fail_open": host.result.fail_open,
        "ssl_reject_handshake": host.result.ssl_reject_handshake,
        "steps": [
            {
                "number": number,
                "id": r.step.id,
                "policy_type": r.step.policy_type,
                "text": r.step.text,
                "verdict": r.verdict,
                "checked_by": [{"id": c, "title": titles.get(c, c)} for c in r.covered_by],
                "evidence": list(r.evidence),
                "findings": [{"id": f.id, "severity": f.severity, "message": f.message} for f in r.findings],
                "fixes": list(r.fixes),
                "not_applied": list(r.not_applied),
            }
            for number, r in enumerate(results, 1)
        ],
        "other_findings": [
            {"id": f.id, "title": titles.get(f.id, f.id), "severity": f.severity, "message": f.message}
            for f in other_findings(report, host)
            if not f.suppressed
        ],
    }
