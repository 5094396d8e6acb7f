"""What a rehearsal prints: a table (host · path · scenario · predicted · observed · ok) or JSON.

Why it exists: the result is read by people at a rollout and by CI, so both forms carry the same facts: every
probe with its prediction and what nginx did, the error-log line of each failure, the risks that passed "as
predicted" (fail-open, unverified upstream) and what was skipped and why. JSON shape (stable):
``{"probes": [{"host","path","scenario","predicted","observed","ok","detail", ...}], "skipped": [...],
"nginx": {"version", "binary", ...}, "summary": {...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.output.common import printable
from inspector.rehearse.plan import Probe, Skipped
from inspector.rehearse.probes import Observation


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    observation: Observation
    ok: bool
    predicted: str
    observed: str
    log: tuple[str, ...] = ()
    """nginx error-log lines of this probe's request (the reason behind a 400/502, or a failure)."""

    @property
    def detail(self) -> str:
        parts = [self.probe.expected.detail]
        if self.probe.material:
            parts.append(f"with {self.probe.material}")
        if self.probe.world == "untrusted":
            parts.append("second nginx: upstreams serve an untrusted certificate")
        if self.observation.error:
            parts.append(self.observation.error)
        return "; ".join(p for p in parts if p)


def _json_probe(o: Outcome) -> dict[str, Any]:
    p = o.probe
    return {
        "host": p.host,
        "path": p.path,
        "request": p.request,
        "scenario": p.scenario,
        "predicted": o.predicted,
        "observed": o.observed,
        "ok": o.ok,
        "detail": o.detail,
        "predicted_status": p.expected.status,
        "observed_status": o.observation.status,
        "material": p.material or None,
        "risk": p.risk or None,
        "upstream": o.observation.upstream or None,
        "upstream_client_cert": o.observation.client_cert or None,
        "error_log": list(o.log),
    }


def render_json(
    outcomes: Sequence[Outcome], skipped: Sequence[Skipped], nginx: Mapping[str, Any], seconds: float
) -> str:
    data = {
        "probes": [_json_probe(o) for o in outcomes],
        "skipped": [{"host": s.host, "path": s.path, "scenario": s.scenario, "reason": s.reason} for s in skipped],
        "nginx": dict(nginx),
        "summary": summary(outcomes, skipped, seconds),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def summary(outcomes: Sequence[Outcome], skipped: Sequence[Skipped], seconds: float) -> dict[str, Any]:
    return {
        "probes": len(outcomes),
        "as_predicted": sum(1 for o in outcomes if o.ok),
        "differ": sum(1 for o in outcomes if not o.ok),
        "risks": sum(1 for o in outcomes if o.probe.risk),
        "skipped": len(skipped),
        "seconds": round(seconds, 2),
    }


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def render_text(
    outcomes: Sequence[Outcome], skipped: Sequence[Skipped], nginx: Mapping[str, Any], seconds: float
) -> str:
    # MATCH means "as predicted", not "healthy": a predicted 500 that happens matches and is listed as a risk.
    header = ("HOST", "PATH", "SCENARIO", "PREDICTED", "OBSERVED", "MATCH")
    rows = [header]
    for o in outcomes:
        p = o.probe
        mark = "match" if o.ok else "DIFF"
        if o.ok and p.risk:
            mark = "match (risk)"
        rows.append((p.host, p.path, p.scenario, o.predicted, o.observed, mark))
    lines = [f"rehearsal with nginx {nginx.get('version', '?')} ({nginx.get('binary', '')})"]
    sandbox = nginx.get("sandbox") or {}
    if sandbox:
        lines.append(f"sandbox: {sandbox.get('description', '')}")
        lines += [f"sandbox: {note}" for note in sandbox.get("notes", ())]
    lines.append("")
    table = _table(rows)
    lines.append(table[0])
    for o, line in zip(outcomes, table[1:], strict=True):
        lines.append(line)
        if not o.ok:
            lines.append(f"    expected: {o.detail}")
            for log in o.log or ("(no error-log line for this request)",):
                lines.append(f"    error.log: {log}")
        elif o.probe.risk:
            lines.append(f"    risk: {o.probe.risk}")
    if skipped:
        lines += ["", f"skipped ({len(skipped)}):"]
        for s in skipped:
            lines.append(f"  {s.host} {s.path or '*'} {s.scenario}: {s.reason}")
    total = summary(outcomes, skipped, seconds)
    lines += [
        "",
        f"{total['probes']} probes: {total['as_predicted']} as predicted, {total['differ']} differ, "
        f"{total['risks']} risks shown, {total['skipped']} skipped; {total['seconds']:.2f} s",
    ]
    if nginx.get("prefix"):
        lines.append(f"kept: {nginx['prefix']}")
    # Hosts, paths and nginx's error-log lines carry manifest values: no terminal escape is printed raw.
    return "\n".join(printable(line, newlines=False) for line in lines) + "\n"
