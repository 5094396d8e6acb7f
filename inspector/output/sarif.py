"""SARIF 2.1.0 for code-scanning UIs: every check as a rule, every finding as a result at its file and line.

Suppressed findings stay in the log with ``suppressions`` (``inSource`` for the ``mtls-inspect/ignore``
annotation, ``external`` for ``--ignore``), as SARIF intends, so a reviewer still sees what was waived. A clean
run still has ``"results": []`` (an absent array means "not run" to some consumers). Artifact URIs are relative to
``SRCROOT`` (the working directory, in ``originalUriBaseIds``) and percent-encoded; ``helpUri`` appears only when
``$MTLS_INSPECT_DOCS_URL`` is an absolute URL, the help text travels inline in every rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from inspector import __version__
from inspector._json import dumps
from inspector.analysis.baseline import FINGERPRINT_KEY, fingerprint
from inspector.analysis.checks import CHECKS, IGNORE_ANNOTATION, check_page, nic_formats
from inspector.analysis.findings import Check, Finding
from inspector.output import common
from inspector.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
DOCS_ENV = common.DOCS_ENV
"""Base URL of the check pages for ``helpUri`` (e.g. the repository's web view of docs/checks.md)."""
SRCROOT = "SRCROOT"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def docs_base(given: str | None = None) -> str:
    """The docs URL (``--docs-url`` or ``$MTLS_INSPECT_DOCS_URL``) when it is absolute, else empty: SARIF wants
    absolute URIs, and the help text travels inline in each rule."""
    url = common.docs_url(given)
    scheme = urlsplit(url).scheme
    return url if scheme in ("http", "https") else ""


def _rule(c: Check, base: str) -> dict[str, Any]:
    formats = nic_formats(c)
    help_lines = [c.description or c.title, f"Fix: {c.remediation}"]
    if formats:
        help_lines.append("NIC message: " + " | ".join(formats))
    help_lines.append(f"NIC enforced: {'yes' if c.nic_enforced else 'no'}; outcome: {c.outcome}.")
    help_lines.append(f"More: mtls-inspect checks {c.id}")
    rule: dict[str, Any] = {
        "id": c.id,
        "name": "".join(part.capitalize() for part in c.slug.split("-")),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description or c.title},
        "help": {"text": "\n".join(help_lines), "markdown": check_page(c)},
        "defaultConfiguration": {"level": _LEVEL[c.severity]},
        "properties": {
            "tags": [c.category, "nic-enforced" if c.nic_enforced else "lint"],
            "nic_enforced": c.nic_enforced,
            "outcome": c.outcome,
            "slug": c.slug,
        },
    }
    if base:
        rule["helpUri"] = f"{base}#{c.slug}"
    return rule


def _split_source(source: str) -> tuple[str, int]:
    return common.split_source(source)


def artifact_location(file: str, cwd: Path) -> dict[str, Any]:
    """A percent-encoded URI: relative to ``SRCROOT`` (the working directory) below it, else an absolute file URI."""
    path = Path(file)
    absolute = path if path.is_absolute() else cwd / path
    try:
        rel = absolute.resolve().relative_to(cwd.resolve())
    except (ValueError, OSError, RuntimeError):
        return {"uri": absolute.resolve().as_uri()}
    # A file name that is not UTF-8 keeps its bytes (percent-encoded), as Path.as_uri does for absolute paths.
    return {"uri": quote(rel.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


class _Artifacts:
    """``artifact_location`` once per file of a log: resolving the path walks the file system (15k findings at 10k
    objects name 20 files; resolving each one's took 0.5 s)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.seen: dict[str, dict[str, Any]] = {}

    def __call__(self, file: str) -> dict[str, Any]:
        location = self.seen.get(file)
        if location is None:
            location = self.seen[file] = artifact_location(file, self.cwd)
        return dict(location)


def _location(f: Finding, artifacts: _Artifacts) -> list[dict[str, Any]]:
    uri, line = _split_source(f.source)
    logical = (
        [{"fullyQualifiedName": f"{f.resource.kind}/{f.resource.namespace}/{f.resource.name}", "kind": "object"}]
        if f.resource
        else []
    )
    if not uri or uri.startswith(("cluster:", "<")):
        return [{"logicalLocations": logical}] if logical else []
    physical: dict[str, Any] = {"artifactLocation": artifacts(uri)}
    if line > 0:
        physical["region"] = {"startLine": line}
    loc: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        loc["logicalLocations"] = logical
    return [loc]


def _result(f: Finding, index: dict[str, int], artifacts: _Artifacts) -> dict[str, Any]:
    text = f.message
    if f.nic_message and f.nic_message not in text:
        text += f" (NIC: {f.nic_message})"
    result: dict[str, Any] = {
        "ruleId": f.check.id,
        "ruleIndex": index[f.check.id],
        "level": _LEVEL[f.check.severity],
        "message": {"text": text},
        "locations": _location(f, artifacts),
        # Stable across runs and line moves, so code-scanning UIs track one finding instead of a new one per edit.
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
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
    if f.baseline_state:
        result["baselineState"] = f.baseline_state
    if f.suppressed:
        kind = "inSource" if f.suppression.startswith(IGNORE_ANNOTATION) else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f.suppression}]
    return result


def sarif_log(
    report: Report, *, exit_code: int | None = None, cwd: Path | None = None, docs_url: str | None = None
) -> dict[str, Any]:
    """The SARIF log as a dict (for tests and for callers that embed it). ``exit_code`` adds the invocation."""
    base = docs_base(docs_url)
    here = cwd or Path.cwd()
    index = {c.id: n for n, c in enumerate(CHECKS)}
    artifacts = _Artifacts(here)
    driver: dict[str, Any] = {
        "name": "mtls-inspect",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(c, base) for c in CHECKS],
        # The NIC release the findings predict (a property bag keeps the log schema-valid).
        "properties": {
            "nicVersion": report.settings.nic_version,
            "nicVersionNotes": [n.message for n in report.nic.version_notes],
        },
    }
    if base:
        driver["informationUri"] = base
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": here.resolve().as_uri().rstrip("/") + "/"}},
        "results": [_result(f, index, artifacts) for f in report.findings],
        "columnKind": "unicodeCodePoints",
        # The report's summary (the hosts that return 500, are fail-open or refuse handshakes, counted).
        "properties": {"summary": report.summary()},
    }
    if exit_code is not None:
        run["invocations"] = [
            {
                "executionSuccessful": exit_code in (0, 1),
                "exitCode": int(exit_code),
                "workingDirectory": {"uri": here.resolve().as_uri().rstrip("/") + "/"},
            }
        ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report, *, exit_code: int | None = None, docs_url: str | None = None) -> str:
    return dumps(sarif_log(report, exit_code=exit_code, docs_url=docs_url), newline=True)
