"""The check catalogue and ``run_checks``: the NIC replica's verdicts, lints NIC is silent about, certificate facts.

Checks are data (kube-linter, istioctl analyze): each is declared once in ``CHECKS`` with its id, severity, what
NIC does, NIC's exact message format and a remediation; ``docs/checks.md`` is generated from this registry.

``run_checks`` never re-derives a NIC rule. What NIC enforces is read off the replica's results: the warnings
each reference produced (``PolicyOutcome.warning``), the resource warnings, rejections and policy errors, the
``returns_500``/``fail_open`` flags. Each warning is read by its cause and arguments (``nic/messages.py``). Lints
(060-099) and certificate facts (100-129) read the model and the replica's generated configs, because NIC does
not look at those things at all. One cause gives one finding: the texts NIC emits for the same cause (e.g. W15
and W12 for a missing policy) are carried together in one finding's ``nic_message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inspector.analysis.checks.catalogue import (
    BY_ID,
    BY_SLUG,
    CHECKS,
    IGNORE_ANNOTATION,
    SEED_CHECKS,
    SEED_E_CA,
    SEED_E_FAIL,
    SEED_E_SERVICES,
    SEED_E_SSLNAME,
    SEED_E_TLS_SECRET,
    SEED_E_VERIFY,
    SEED_I_400,
    SEED_I_DEPTH,
    SEED_I_MINION,
    SEED_I_SECRET,
    SEED_I_TLS,
    SEED_I_VERIFY_CLIENT,
    check,
    nic_formats,
)
from inspector.analysis.checks.certs import cert_findings, promised_findings
from inspector.analysis.checks.docs import check_json, check_page, check_section, checks_markdown, checks_table
from inspector.analysis.checks.drafts import Builder, attach_hosts
from inspector.analysis.checks.input import ignore_annotation_findings, input_findings
from inspector.analysis.checks.lints import (
    duplicate_refs,
    egress_lints,
    ingress_nginx_annotations,
    policy_lints,
    verbatim_lints,
)
from inspector.analysis.checks.nic_enforced import (
    all_hosts_taken,
    every_unusable_secret,
    outcome_findings,
    policy_findings,
    resource_findings,
    safety_net,
)
from inspector.analysis.checks.suppression import parse_ignore_annotation, parse_ignores, suppress, unknown_ignore_ids
from inspector.analysis.findings import Finding
from inspector.analysis.reality import disagreements

if TYPE_CHECKING:
    from inspector.analysis.report_types import Report


# --- entry points ---------------------------------------------------------------------------------------------

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def run_checks(report: Report, *, ignores: Sequence[str] = (), now: dt.datetime | None = None) -> list[Finding]:
    """Every finding for one report, suppressed ones included (marked), errors first, stable order.

    Raises ValueError for an unusable ``--ignore`` entry (the CLI turns it into exit code 2).
    """
    parsed = parse_ignores(ignores)
    at = now if now is not None else dt.datetime.now(dt.UTC)
    b = Builder(report)
    input_findings(b)
    policy_findings(b)
    outcome_findings(b)
    resource_findings(b)
    all_hosts_taken(b)
    safety_net(b)
    policy_lints(b)
    verbatim_lints(b)
    egress_lints(b)
    duplicate_refs(b)
    every_unusable_secret(b)
    ingress_nginx_annotations(b)
    cert_findings(b, at)
    promised_findings(b)
    ignore_annotation_findings(b)
    attach_hosts(b)
    findings = suppress([*b.findings(), *disagreements(report.cluster, report.nic.resources)], report.cluster, parsed)
    order = {id(f): n for n, f in enumerate(findings)}
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 3), order[id(f)]))


__all__ = [
    "BY_ID",
    "BY_SLUG",
    "CHECKS",
    "IGNORE_ANNOTATION",
    "SEED_CHECKS",
    "SEED_E_CA",
    "SEED_E_FAIL",
    "SEED_E_SERVICES",
    "SEED_E_SSLNAME",
    "SEED_E_TLS_SECRET",
    "SEED_E_VERIFY",
    "SEED_I_400",
    "SEED_I_DEPTH",
    "SEED_I_MINION",
    "SEED_I_SECRET",
    "SEED_I_TLS",
    "SEED_I_VERIFY_CLIENT",
    "check",
    "check_json",
    "check_page",
    "check_section",
    "checks_markdown",
    "checks_table",
    "nic_formats",
    "parse_ignore_annotation",
    "parse_ignores",
    "run_checks",
    "unknown_ignore_ids",
]
