"""Baselines: accept today's findings, fail only on new ones.

A finding's fingerprint is the one SARIF carries in ``partialFingerprints`` (check id, resource, host, path, policy,
file relative to its repository's root; not the line, so moving a manifest's lines keeps it).
``--create-baseline FILE`` writes the fingerprints of the findings that count today; ``--baseline FILE`` marks the
findings found there ``unchanged`` (reported as such, not counted for the exit code, kept in json and sarif with
``baselineState``) and the others ``new``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from inspector.analysis.findings import Finding

SCHEMA = "mtls-inspect/baseline/v1"
FINGERPRINT_KEY = "mtlsInspectFinding/v1"


class BaselineError(ValueError):
    """A baseline file that cannot be used (the CLI turns it into exit code 2)."""


@functools.lru_cache(maxsize=1024)
def _repository_root(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def stable_file(source: str) -> str:
    """The file of ``file:line`` as the same text however the run spelt it: relative to its git repository's root,
    else to the current folder, else as given (so a baseline made at the root matches a run from a subfolder)."""
    m = re.fullmatch(r"(.*):\d+", source)
    return _stable(m.group(1) if m else source, Path.cwd())


@functools.lru_cache(maxsize=4096)
def _stable(file: str, cwd: Path) -> str:
    if not file or file.startswith(("<", "cluster:")):
        return file
    try:
        resolved = Path(file).resolve()
    except (OSError, RuntimeError):
        return file
    root = _repository_root(resolved.parent)
    if root is not None:
        return resolved.relative_to(root).as_posix()
    here = cwd.resolve()
    return resolved.relative_to(here).as_posix() if resolved.is_relative_to(here) else Path(file).as_posix()


def fingerprint(f: Finding) -> str:
    identity = "|".join(
        [f.check.id, str(f.resource or ""), f.host or "", f.path or "", f.policy or "", stable_file(f.source)]
    )
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()


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
