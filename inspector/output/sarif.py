"""SARIF 2.1.0 for code-scanning UIs: every check as a rule, every finding as a result at its file and line.

Suppressed findings stay in the log with ``suppressions`` (``inSource`` for the ``mtls-inspect/ignore``
annotation, ``external`` for ``--ignore``), as SARIF intends, so a reviewer still sees what was waived. A clean
run still has ``"results": []`` (an absent array means "not run" to some consumers).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from inspector import __version__
from inspector._json import dumps
from inspector.analysis.checks import CHECKS, IGNORE_ANNOTATION, nic_formats
from inspector.analysis.findings import Check, Finding
from inspector.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
DOCS_ENV = "MTLS_INSPECT_DOCS_URL"
"""Base URL of docs/checks.md for ``helpUri`` (e.g. the repository's web view); SARIF wants an absolute URI."""
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def docs_base() -> str:
    """``$MTLS_INSPECT_DOCS_URL``, else a ``file:`` URI of the checkout's docs/checks.md, else the relative path."""
    env = os.environ.get(DOCS_ENV, "").strip()
    if env:
        return env
    local = Path(__file__).resolve().parent.parent.parent / "docs" / "checks.md"
    if local.is_file():
        return local.as_uri()
    return "docs/checks.md"


def _rule(c: Check, base: str) -> dict[str, Any]:
    formats = nic_formats(c)
    help_lines = [c.remediation]
    if formats:
        help_lines.append("NIC message: " + " | ".join(formats))
    help_lines.append(f"NIC enforced: {'yes' if c.nic_enforced else 'no'}; outcome: {c.outcome}.")
    return {
        "id": c.id,
        "name": "".join(part.capitalize() for part in c.slug.split("-")),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description or c.title},
        "help": {"text": "\n".join(help_lines), "markdown": "\n\n".join(help_lines)},
        "helpUri": f"{base}#{c.slug}",
        "defaultConfiguration": {"level": _LEVEL[c.severity]},
        "properties": {
            "tags": [c.category, "nic-enforced" if c.nic_enforced else "lint"],
            "nic_enforced": c.nic_enforced,
            "outcome": c.outcome,
            "slug": c.slug,
        },
    }


def _split_source(source: str) -> tuple[str, int]:
    m = re.fullmatch(r"(.*):(\d+)", source)
    if m:
        return m.group(1), int(m.group(2))
    return source, 0


def _location(f: Finding) -> list[dict[str, Any]]:
    uri, line = _split_source(f.source)
    logical = (
        [{"fullyQualifiedName": f"{f.resource.kind}/{f.resource.namespace}/{f.resource.name}", "kind": "object"}]
        if f.resource
        else []
    )
    if not uri or uri.startswith(("cluster:", "<")):
        return [{"logicalLocations": logical}] if logical else []
    physical: dict[str, Any] = {"artifactLocation": {"uri": Path(uri).as_posix()}}
    if line > 0:
        physical["region"] = {"startLine": line}
    loc: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        loc["logicalLocations"] = logical
    return [loc]


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = f.message
    if f.nic_message and f.nic_message not in text:
        text += f" (NIC: {f.nic_message})"
    identity = "|".join(
        [f.check.id, str(f.resource or ""), f.host or "", f.path or "", f.policy or "", f.source.rsplit(":", 1)[0]]
    )
    result: dict[str, Any] = {
        "ruleId": f.check.id,
        "ruleIndex": index[f.check.id],
        "level": _LEVEL[f.check.severity],
        "message": {"text": text},
        "locations": _location(f),
        # Stable across runs and line moves, so code-scanning UIs track one finding instead of a new one per edit.
        "partialFingerprints": {"mtlsInspectFinding/v1": hashlib.sha256(identity.encode()).hexdigest()},
        "properties": {
            k: v
            for k, v in {
                "host": f.host,
                "path": f.path,
                "policy": f.policy,
                "nic_message": f.nic_message,
                "details": dict(f.details) or None,
            }.items()
            if v
        },
    }
    if f.suppressed:
        kind = "inSource" if f.suppression.startswith(IGNORE_ANNOTATION) else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.suppression}]
    return result


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict (for tests and for callers that embed it)."""
    base = docs_base()
    index = {c.id: n for n, c in enumerate(CHECKS)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mtls-inspect",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": base,
                        "rules": [_rule(c, base) for c in CHECKS],
                        # The NIC release the findings predict (a property bag keeps the log schema-valid).
                        "properties": {
                            "nicVersion": report.settings.nic_version,
                            "nicVersionNotes": [n.message for n in report.nic.version_notes],
                        },
                    }
                },
                "results": [_result(f, index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render_sarif(report: Report) -> str:
    return dumps(sarif_log(report), newline=True)
