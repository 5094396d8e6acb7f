"""Suppressions from the config file: a check id, a reason, optional objects and an optional expiry date.

Applied after the checks (a pure function of the findings and the date): an active suppression marks its findings
suppressed (they stay visible as such); an expired one suppresses nothing and is itself a warning (MTLS007); one that
names no known check is a warning too (MTLS008), since it silently suppresses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from inspector import catalogue
from inspector.analysis.checks import BY_ID, BY_SLUG
from inspector.analysis.findings import Finding


@dataclass(frozen=True)
class Suppression:
    check: str
    """Check id or slug as written."""
    reason: str
    expires: dt.date | None = None
    """Last day on which it suppresses (inclusive)."""
    objects: tuple[str, ...] = ()
    """``Kind/namespace/name`` it is limited to (empty: everywhere)."""
    origin: str = ""
    """``file:line`` of the entry."""

    @property
    def check_id(self) -> str | None:
        known = BY_ID.get(self.check.upper()) or BY_SLUG.get(self.check.lower())
        return known.id if known is not None else None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def matches(self, f: Finding) -> bool:
        if f.check.id != self.check_id:
            return False
        if not self.objects:
            return True
        target = f"{f.resource.kind}/{f.resource.namespace}/{f.resource.name}".lower() if f.resource else ""
        return target in {o.lower() for o in self.objects}


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Sequence[Suppression], today: dt.date
) -> tuple[Finding, ...]:
    """Findings with the active suppressions applied, followed by MTLS007/MTLS008 for expired or unknown ones."""
    active = [s for s in suppressions if s.check_id is not None and not s.expired(today)]
    out: list[Finding] = []
    for f in findings:
        hit = next((s for s in active if not f.suppressed and s.matches(f)), None)
        if hit is not None:
            f = replace(f, suppressed=True, suppression=f"{hit.origin or 'config'}: {hit.reason}")
        out.append(f)
    for s in suppressions:
        if s.check_id is None:
            out.append(
                Finding(
                    check=BY_ID[catalogue.UNKNOWN_CHECK_ID],
                    message=f"the suppression of {s.check!r} names an unknown check: it suppresses nothing",
                    source=s.origin,
                )
            )
        elif s.expired(today):
            out.append(
                Finding(
                    check=BY_ID[catalogue.SUPPRESSION_EXPIRED],
                    message=f"the suppression of {s.check_id} ({s.reason}) expired on {s.expires}: "
                    "its findings count again",
                    source=s.origin,
                    details=(("expires", str(s.expires)), ("reason", s.reason)),
                )
            )
    rank = {"error": 0, "warning": 1, "info": 2}
    order = {id(f): n for n, f in enumerate(out)}
    return tuple(sorted(out, key=lambda f: (rank.get(f.severity, 3), order[id(f)])))


__all__ = ["Suppression", "apply_suppressions"]
