"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding.

``::error file=F,line=L,title=MTLS015::message`` puts the finding on the pull request's diff. One ``::group::`` per
host folds the log. Values are escaped as GitHub's runner unescapes them (``%``, CR and LF in the message; also
``:`` and ``,`` in properties), so a manifest value cannot end an annotation early or inject another command.
Suppressed findings and findings in the baseline are not annotated.
"""

from __future__ import annotations

from inspector.analysis.findings import Finding
from inspector.output.common import docs_ref, printable, relative_path, split_source
from inspector.output.text import NO_HOST, group_findings, place
from inspector.report import Report

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, docs_url: str | None = None) -> str:
    props: list[str] = []
    file, line = split_source(f.source)
    if file and not file.startswith(("<", "cluster:")):
        props.append(f"file={escape_property(relative_path(file))}")
        if line:
            props.append(f"line={line}")
    props.append(f"title={escape_property(f'{f.check.id} {f.check.title}')}")
    where = place(f)
    body = printable(f.message) + (f"\n{where}" if where else "") + f"\nfix: {f.check.remediation}"
    body += f"\ndocs: {printable(docs_ref(f.check, docs_url))}"
    return f"::{_COMMAND.get(f.severity, 'notice')} {','.join(props)}::{escape_data(body)}"


def render_github(report: Report, *, docs_url: str | None = None) -> str:
    lines: list[str] = []
    for host, items in group_findings(report, report.counted_findings()):
        lines.append(f"::group::{escape_data(printable(host if host != NO_HOST else 'not tied to a host'))}")
        lines += [annotation(f, docs_url) for f in items]
        lines.append("::endgroup::")
    s = report.summary()
    lines.append(
        f"mtls-inspect: {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos; "
        f"{s['hosts_returning_500']} hosts returning 500, {s['hosts_fail_open']} fail-open, "
        f"{s['hosts_refusing_handshakes']} refusing handshakes"
    )
    return "\n".join(lines) + "\n"


__all__ = ["annotation", "escape_data", "escape_property", "render_github"]
