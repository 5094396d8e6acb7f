"""Markdown for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment: counts, the hosts that break first, a table
per host. Cell text is made printable and its ``|`` and newlines escaped, so a value cannot break the table."""

from __future__ import annotations

from inspector.output.common import docs_ref, printable
from inspector.output.text import IMPACT_LABEL, NO_HOST, group_findings, host_impacts, place
from inspector.report import Report

_ICON = {"error": "❌ error", "warning": "⚠️ warning", "info": "ℹ️ info"}


def cell(text: str) -> str:
    flat = " ".join(text.splitlines())
    # No raw HTML from a manifest value reaches a pull-request comment either.
    return printable(flat, newlines=False).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|").strip()


def render_markdown(report: Report, *, docs_url: str | None = None) -> str:
    s = report.summary()
    out = [
        "## mtls-inspect",
        "",
        f"**{s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos** "
        f"({s['hosts']} hosts, {s['policies']} policies checked"
        + (f", {s['suppressed']} suppressed" if s["suppressed"] else "")
        + (f", {s['baselined']} in the baseline" if s["baselined"] else "")
        + ")",
        "",
    ]
    impact = report.impact()
    if any(impact.values()):
        out += ["| impact | hosts |", "|---|---|"]
        for key, label in IMPACT_LABEL.items():
            if impact[key]:
                out.append(f"| **{label}** | {cell(', '.join(impact[key]))} |")
        out.append("")
    groups = group_findings(report, report.counted_findings())
    if not groups:
        out += ["No findings.", ""]
    impacts = host_impacts(report)
    for host, items in groups:
        labels = [IMPACT_LABEL[k] for k in impacts.get(host, ())]
        title = cell(host) if host != NO_HOST else "Not tied to a host"
        out += [f"### {title}" + (f" ({', '.join(labels)})" if labels else ""), ""]
        out += ["| severity | check | message | where | fix |", "|---|---|---|---|---|"]
        for f in items:
            out.append(
                f"| {_ICON.get(f.severity, f.severity)} | `{f.check.id}` | {cell(f.message)} | {cell(place(f))} "
                f"| {cell(f.check.remediation)} ({cell(docs_ref(f.check, docs_url))}) |"
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["cell", "render_markdown"]
