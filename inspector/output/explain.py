"""Renderings of an ``Explanation``: rich text for people, a plain dict for ``explain --format json``.

The JSON keys are stable (the rehearsal and other tools read predictions from them).
"""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from rich.table import Table
from rich.text import Text

from inspector.analysis.explain import Explanation
from inspector.output.common import printable
from inspector.output.text import finding_line, make_console


def explanation_json(exp: Explanation) -> dict[str, Any]:
    """The explanation as JSON-ready data (schema ``mtls-inspect/explain/v1``)."""

    def ref(r: Any) -> dict[str, str] | None:
        return {"kind": r.kind, "namespace": r.namespace, "name": r.name} if r is not None else None

    return {
        "schema": "mtls-inspect/explain/v1",
        "host": exp.host,
        "path": exp.path,
        "server": {"server_name": exp.server, "match": exp.server_match, "resource": ref(exp.resource)},
        "location": {
            "path": exp.location,
            "match": exp.location_match,
            "resource": ref(exp.location_resource),
            "candidates": list(exp.candidates),
            "action": exp.action,
            "action_code": exp.action_code,
        },
        "tls": exp.tls,
        "rejected": exp.rejected,
        "fail_open": exp.fail_open,
        "returns_500": exp.returns_500,
        "policies": [asdict(p) for p in exp.policies],
        "effective": {
            "ingress": {s.directive: {"value": s.value, "from": s.source, "policy": s.policy} for s in exp.ingress},
            "egress": {s.directive: {"value": s.value, "from": s.source, "policy": s.policy} for s in exp.egress},
        },
        "predictions": [asdict(p) for p in exp.predictions],
        "upstream": asdict(exp.upstream) if exp.upstream is not None else None,
        "findings": [
            {"id": f.check.id, "severity": f.severity, "message": f.message, "source": f.source or None}
            for f in exp.findings
        ],
        "notes": list(exp.notes),
    }


def _table(*columns: str) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in columns:
        table.add_column(col)
    return table


def _p(value: object) -> str:
    """Manifest values reach this text (host, names, reasons): made printable before they meet a terminal."""
    return printable(str(value), newlines=False)


def render_explanation(exp: Explanation, *, color: bool = False, width: int = 120) -> str:
    """The explanation for a person: server and location chosen, policies on the way, effective settings,
    predicted outcomes per client."""
    buf = io.StringIO()
    console = make_console(buf, color=color, width=width)
    bold = "bold"
    console.print(Text(_p(f"{exp.host}{exp.path}"), style="bold underline"))
    if exp.server is None:
        console.print(_p(f"server: NIC's default server ({exp.server_match})"))
    else:
        console.print(_p(f"server: server_name {exp.server} ({exp.server_match}) from {exp.resource}"))
        console.print(
            _p(
                f"location: {exp.location or '(none)'} ({exp.location_match})"
                + (f" from {exp.location_resource}" if exp.location_resource else "")
                + (f", {exp.action} action ({exp.action_code})" if exp.action in ("return", "redirect") else "")
            )
        )
        if exp.candidates:
            console.print(Text(_p(f"  candidates: {', '.join(exp.candidates)}"), style="dim"))
        flags = [
            "TLS" if exp.tls else "no TLS",
            "FAIL-OPEN" if exp.fail_open else "",
            "returns 500" if exp.returns_500 else "",
        ]
        console.print("state: " + ", ".join(f for f in flags if f))
    if exp.policies:
        console.print(Text("\npolicies on the way", style=bold))
        table = _table("policy", "type", "scope", "from", "status", "reason")
        for p in exp.policies:
            row = (p.key, p.type, f"{p.scope} ({p.context})", f"{p.owner} {p.source}", p.status, p.reason)
            table.add_row(*map(_p, row))
        console.print(table)
    for title, settings in (("client certificate (server)", exp.ingress), ("upstream TLS (location)", exp.egress)):
        if settings:
            console.print(Text(f"\neffective {title}", style=bold))
            table = _table("directive", "value", "from", "policy")
            for s in settings:
                table.add_row(*map(_p, (s.directive, s.value or "(not set)", s.source, s.policy or "-")))
            console.print(table)
    console.print(Text("\npredicted outcomes", style=bold))
    table = _table("client", "status", "outcome", "why")
    for pr in exp.predictions:
        status = str(pr.status) if pr.status is not None else "-"
        table.add_row(*map(_p, (pr.scenario, status, pr.title, pr.detail)))
    console.print(table)
    if exp.upstream is not None:
        console.print(_p(f"upstream: {exp.upstream.detail}"))
    for note in exp.notes:
        console.print(Text(_p(f"note: {note}"), style="yellow"))
    if exp.findings:
        console.print(Text("\nfindings here", style=bold))
        for f in exp.findings:
            console.print(finding_line(f))
    return buf.getvalue()


__all__ = ["explanation_json", "render_explanation"]
