"""The Report: one value that every view reads (CLI outputs, TUI, explain, rehearsal).

``build_report`` is the whole pipeline after the sources: NIC replica -> rendering (the renderer's line records
give each host its directives, text and policy lines) -> effective settings -> checks. Views never re-derive a
NIC rule; if a view needs a fact, it belongs here. ``to_json`` is the ``mtls-inspect/report/v1`` contract of
DESIGN.md (stable field names; lists keep NIC's order).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from inspector._gc import gc_paused
from inspector.analysis.effective import (
    Effective,
    effective_egress,
    effective_ingress,
    final_statuses,
    host_statuses,
)
from inspector.analysis.findings import Finding
from inspector.analysis.report_types import HostReport, LocationReport, PolicyUse, Report
from inspector.model import Cluster, ControllerSettings, ObjectRef
from inspector.nic.types import HostResult, NicResult, PolicyOutcome

if TYPE_CHECKING:
    from inspector.render import RenderedServer

__all__ = [
    "SCHEMA",
    "HostReport",
    "LocationReport",
    "PolicyUse",
    "Progress",
    "Report",
    "build_report",
    "finding_json",
    "to_json",
]

SCHEMA = "mtls-inspect/report/v1"


# --- building ------------------------------------------------------------------------------------------------


class Progress(Protocol):
    """What ``build_report`` tells a view while it runs (the TUI shows hosts and findings as they come)."""

    def host(self, host: HostResult) -> None:
        """A host as NIC's rules produce it (the replica's ``on_host``; the report's hosts are the final word)."""

    def checking(self, hosts: int) -> None:
        """The replica is done; the checks run."""

    def checked(self, report: Report) -> None:
        """The report without rendered text (``rendered=False``: the final hosts and findings), given as soon as
        the checks are done, before the files are rendered for the report ``build_report`` returns."""


def _use(outcome: PolicyOutcome) -> PolicyUse:
    origin = outcome.source.owner_origin
    return PolicyUse(outcome=outcome, source=origin.at(outcome.source.field) if origin else "")


def _host_report(nic: NicResult, host: HostResult, files: Mapping[str, list[RenderedServer]]) -> HostReport:
    rendered = files.get(host.config_file)
    server = None
    if rendered is not None and not host.rejected and host.server_index < len(rendered):
        server = rendered[host.server_index]
    rendered_locations = list(server.locations) if server is not None else []
    locations: list[LocationReport] = []
    for index, loc in enumerate(host.locations):
        rloc = rendered_locations[index] if index < len(rendered_locations) else None
        eff = effective_egress(
            host.policies, loc.policies, grpc=loc.grpc, ssl_dynamic_reload=nic.settings.ssl_dynamic_reload
        )
        statuses = final_statuses(
            host.policies, loc.policies, grpc=loc.grpc, host_tls=not host.fail_open, host=host.host
        )
        locations.append(
            LocationReport(
                result=loc,
                directives=tuple(rloc.directives) if rloc is not None else (),
                effective=eff,
                policies=tuple(_use(o) for o in statuses),
                start_line=(rloc.start_line - server.start_line + 1) if rloc is not None and server else 0,
                end_line=(rloc.end_line - server.start_line + 1) if rloc is not None and server else 0,
            )
        )
    ingress = effective_ingress(host.policies, tls=not host.fail_open)
    line_policies: dict[int, str] = {}
    if server is not None:
        for line, key in server.line_policies.items():
            line_policies[line - server.start_line + 1] = key
    return HostReport(
        result=host,
        server_directives=tuple(server.directives) if server is not None else (),
        policies=tuple(_use(o) for o in host_statuses(host.policies, host_tls=not host.fail_open, host=host.host)),
        locations=tuple(locations),
        ingress_effective=ingress,
        text=server.text if server is not None else "",
        line_policies=line_policies,
    )


def _rendered_files(nic: NicResult) -> dict[str, list[RenderedServer]]:
    """Each file's servers, read from its records (dropped before the next file is rendered)."""
    from inspector.render import render_config  # not imported at all by check without json

    return {f.name: render_config(f).servers() for f in nic.files}


def build_report(
    cluster: Cluster,
    settings: ControllerSettings,
    *,
    ignores: Sequence[str] = (),
    rendered: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Run the whole analysis on one snapshot. Pure: same inputs, same report.

    ``rendered=False`` renders nothing, so each host's directives, text and line policies stay empty: the checks
    never read them, nor do the SARIF, JUnit and text outputs, so ``check`` without ``--format json`` asks for
    none. The findings are the same either way. With it, each file is rendered once, its servers are read from
    the records and the records are dropped before the next file.

    ``progress`` is for a view that shows results as they come (the TUI, see ``Progress``); with it the files are
    rendered after the checks (they never read the text) instead of before. The report is the same.
    """
    from inspector.analysis.checks import run_checks
    from inspector.nic.replica import run

    render_first = rendered and progress is None
    with gc_paused():
        nic = run(cluster, settings, on_host=progress.host if progress is not None else None)
        files = _rendered_files(nic) if render_first else {}
        hosts = tuple(_host_report(nic, h, files) for h in nic.hosts)
    partial = Report(cluster=cluster, settings=settings, nic=nic, hosts=hosts, findings=(), rendered=render_first)
    if progress is not None:
        progress.checking(len(hosts))
    findings = tuple(run_checks(partial, ignores=ignores))
    if progress is not None:
        progress.checked(replace(partial, findings=findings, rendered=False))
        if rendered:
            with gc_paused():
                files = _rendered_files(nic)
                hosts = tuple(_host_report(nic, h, files) for h in nic.hosts)
    return Report(cluster=cluster, settings=settings, nic=nic, hosts=hosts, findings=findings, rendered=rendered)


# --- the JSON contract ---------------------------------------------------------------------------------------


def _ref(ref: ObjectRef | None) -> dict[str, str] | None:
    if ref is None:
        return None
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _policy_json(use: PolicyUse) -> dict[str, Any]:
    o = use.outcome
    return {
        "type": o.type,
        "key": o.source.key,
        "scope": o.source.scope,
        "context": o.source.context,
        "origin": {**(_ref(o.source.owner) or {}), "field": o.source.field},
        "source": use.source,
        "status": o.status,
        "reason": o.reason,
        "nic_warning": o.warning.text if o.warning is not None else None,
    }


def _effective_json(eff: Mapping[str, Effective]) -> dict[str, Any]:
    return {k: {"value": v.value, "from": v.source, "policy": v.policy} for k, v in eff.items()}


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "id": f.check.id,
        "slug": f.check.slug,
        "severity": f.check.severity,
        "title": f.check.title,
        "message": f.message,
        "nic_message": f.nic_message,
        "nic_enforced": f.check.nic_enforced,
        "outcome": f.check.outcome,
        "resource": _ref(f.resource),
        "source": f.source or None,
        "host": f.host,
        "path": f.path,
        "policy": f.policy,
        "remediation": f.check.remediation,
        "docs": f.check.docs,
        "suppressed": f.suppressed,
        "suppression": f.suppression or None,
        "details": dict(f.details),
        "baseline_state": f.baseline_state or None,
    }


def _other_objects(report: Report) -> list[dict[str, Any]]:
    """Every other object that was read (Secrets, Services, ConfigMaps): NIC gives them no state or events of their
    own, but a reader of the report still finds each one with its ``file:line``."""
    judged = {r.ref for r in report.nic.resources}
    return [
        {
            **(_ref(obj.meta.ref) or {}),
            "source": obj.meta.origin.at(),
            "state": None,
            "warnings": [],
            "events": [],
            "rejection": None,
        }
        for obj in report.cluster.all_objects()
        if obj.meta.ref not in judged
    ]


def json_document(report: Report) -> tuple[dict[str, Any], dict[str, Iterator[Any]]]:
    """The JSON contract as a document whose two long lists (hosts, findings) are placeholders, with those lists
    as iterators beside it: the CLI writes them an item at a time (``_json.dump_chunks``) instead of holding the
    whole document and its 50 MB text at once (10k objects)."""
    s = report.settings
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "controller": {
            "edition": s.edition,
            "ingress_class": s.ingress_class,
            "ssl_dynamic_reload": s.ssl_dynamic_reload,
            "enable_custom_resources": s.enable_custom_resources,
            "wildcard_tls_secret": s.wildcard_tls_secret or None,
            "watch_namespaces": list(s.watch_namespaces),
            "configmap": dict(s.configmap),
            "nic_version": s.nic_version,
            "nic_version_notes": [
                {"message": n.message, "resource": _ref(n.resource), "hosts": list(n.hosts), "fail_open": n.fail_open}
                for n in report.nic.version_notes
            ],
            "enable_cert_manager": s.enable_cert_manager,
        },
        "sources": list(report.cluster.sources),
        "resources": [
            {
                **(_ref(r.ref) or {}),
                "source": r.origin.at(),
                "state": r.state,
                "warnings": [w.text for w in r.warnings],
                "events": [{"type": e.type, "reason": e.reason, "message": e.message} for e in r.events],
                "rejection": r.rejection,
            }
            for r in report.nic.resources
        ]
        + _other_objects(report),
        "policies": [
            {
                "key": p.key,
                "type": p.type,
                "valid": p.valid,
                "errors": list(p.errors),
                "source": p.origin.at(),
                "referenced_by": [
                    {"kind": u.kind, "namespace": u.namespace, "name": u.name, "scope": u.scope}
                    for u in p.referenced_by
                ],
            }
            for p in report.nic.policies
        ],
        "hosts": None,
        "findings": None,
        "summary": report.summary(),
        "secrets_made_elsewhere": _promised_json(report),
    }
    lazy: dict[str, Iterator[Any]] = {
        "hosts": (_host_json(h) for h in report.hosts),
        "findings": (finding_json(f) for f in report.findings),
    }
    return doc, lazy


def to_json(report: Report) -> dict[str, Any]:
    """The JSON contract ``mtls-inspect/report/v1`` as one dict."""
    doc, lazy = json_document(report)
    return {key: list(lazy[key]) if key in lazy else value for key, value in doc.items()}


def _host_json(h: HostReport) -> dict[str, Any]:
    return {
        "host": h.result.host,
        "resource": _ref(h.result.resource),
        "config_file": h.result.config_file,
        "rejected": h.result.rejected,
        "tls": h.result.tls,
        "ssl_reject_handshake": h.result.ssl_reject_handshake,
        "returns_500": h.result.returns_500,
        "fail_open": h.result.fail_open,
        "server_directives": list(h.server_directives),
        "effective": _effective_json(h.ingress_effective),
        "policies": [_policy_json(u) for u in h.policies],
        "locations": [
            {
                "path": loc.result.path,
                "resource": _ref(loc.result.resource),
                "internal": loc.result.internal,
                "returns_500": loc.result.returns_500,
                "upstream": loc.result.upstream_scheme,
                "upstream_name": loc.result.upstream,
                "service": loc.result.service,
                "directives": list(loc.directives),
                "effective": _effective_json(loc.effective),
                "policies": [_policy_json(u) for u in loc.policies],
            }
            for loc in h.locations
        ],
    }


def _promised_json(report: Report) -> list[dict[str, Any]]:
    """The Secrets NIC looked up that exist only as promises: type and maker, never content."""
    return [
        {
            **(_ref(p.ref) or {}),
            "type": p.type,
            "made_by": _ref(p.made_by),
            "maker": p.maker,
            "source": p.origin.at(p.field or None),
        }
        for p in report.nic.promised_secrets.values()
    ]
