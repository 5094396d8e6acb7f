"""Baselines: accept today's findings, fail only on new ones.

A finding's fingerprint is the one SARIF carries in ``partialFingerprints`` (check id, resource, host, path, policy,
file; not the line, so moving a manifest's lines keeps it). ``--create-baseline FILE`` writes the fingerprints of the
findings that count today; ``--baseline FILE`` marks the findings found there ``unchanged`` (reported as such, not
counted for the exit code, kept in json and sarif with ``baselineState``) and the others ``new``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from inspector.analysis.findings import Finding

SCHEMA = "mtls-inspect/baseline/v1"
FINGERPRINT_KEY = "mtlsInspectFinding/v1"


class BaselineError(ValueError):
    """A baseline file that cannot be used (the CLI turns it into exit code 2)."""


def fingerprint(f: Finding) -> str:
    identity = "|".join(
        [f.check.id, str(f.resource or ""), f.host or "", f.path or "", f.policy or "", f.source.rsplit(":", 1)[0]]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def baseline_json(findings: Iterable[Finding]) -> dict[str, Any]:
    """The baseline file's content: one entry per finding that counts (not suppressed)."""
    entries: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.suppressed:
            continue
        entries.setdefault(
            fingerprint(f),
            {
                "fingerprint": fingerprint(f),
                "id": f.check.id,
                "resource": str(f.resource) if f.resource else None,
                "host": f.host,
                "message": f.message,
            },
        )
    return {"schema": SCHEMA, "findings": sorted(entries.values(), key=lambda e: (e["id"], e["fingerprint"]))}


def read_baseline(text: str, name: str) -> frozenset[str]:
    """The fingerprints in a baseline file (ours, or a SARIF log's ``partialFingerprints``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{name}:{exc.lineno}: not a baseline file: {exc.msg}") from None
    if isinstance(data, Mapping) and data.get("schema") == SCHEMA and isinstance(data.get("findings"), list):
        prints = [e.get("fingerprint") for e in data["findings"] if isinstance(e, Mapping)]
    elif isinstance(data, Mapping) and isinstance(data.get("runs"), list):
        prints = [
            (r.get("partialFingerprints") or {}).get(FINGERPRINT_KEY)
            for run in data["runs"]
            if isinstance(run, Mapping)
            for r in run.get("results") or []
            if isinstance(r, Mapping) and not r.get("suppressions")
        ]
    else:
        raise BaselineError(f"{name}: not a baseline file (expected schema {SCHEMA!r} or a SARIF log)")
    return frozenset(p for p in prints if isinstance(p, str))


def apply_baseline(findings: Iterable[Finding], known: frozenset[str]) -> tuple[Finding, ...]:
    """Each finding marked ``unchanged`` (its fingerprint is in the baseline) or ``new``."""
    return tuple(replace(f, baseline_state="unchanged" if fingerprint(f) in known else "new") for f in findings)


__all__ = ["SCHEMA", "BaselineError", "apply_baseline", "baseline_json", "fingerprint", "read_baseline"]
