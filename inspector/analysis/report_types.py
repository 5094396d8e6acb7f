"""The Report's data: what every view reads, defined below the checks that fill its findings.

Why a module of its own: the checks (``analysis/checks/``) and explain read a Report, and ``report.py`` builds
one by running them; with the dataclasses in ``report.py`` the two imported each other. Here they sit in the
analysis layer, under both (``report.py`` re-exports them, so ``from inspector.report import Report`` still works).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from inspector.analysis.effective import Effective
from inspector.analysis.findings import Finding
from inspector.model import Cluster, ControllerSettings, ObjectRef
from inspector.nic.types import (
    HostResult,
    LocationResult,
    NicResult,
    PolicyOutcome,
    PolicyResult,
    ResourceResult,
)


@dataclass(frozen=True)
class PolicyUse:
    """A policy referenced on the way to a host or location, with its fate there."""

    outcome: PolicyOutcome
    source: str = ""
    """``file:line`` of the reference in its owner."""

    @property
    def key(self) -> str:
        return self.outcome.source.key

    @property
    def status(self) -> str:
        return self.outcome.status


@dataclass(frozen=True)
class LocationReport:
    result: LocationResult
    directives: tuple[str, ...]
    effective: Mapping[str, Effective]
    policies: tuple[PolicyUse, ...]
    start_line: int = 0
    end_line: int = 0
    """Lines of this location inside the host's ``text`` (1-based, inclusive)."""

    @property
    def path(self) -> str:
        return self.result.path


@dataclass(frozen=True)
class HostReport:
    result: HostResult
    server_directives: tuple[str, ...]
    policies: tuple[PolicyUse, ...]
    locations: tuple[LocationReport, ...]
    ingress_effective: Mapping[str, Effective]
    text: str = ""
    """The rendered server block as NIC would write it (empty when the host was rejected)."""
    line_policies: Mapping[int, str] = field(default_factory=dict)
    """Line of ``text`` -> policy key that produced it (for highlighting)."""

    @property
    def host(self) -> str:
        return self.result.host

    @property
    def resource(self) -> ObjectRef:
        return self.result.resource


@dataclass(frozen=True)
class Report:
    cluster: Cluster
    settings: ControllerSettings
    nic: NicResult
    hosts: tuple[HostReport, ...]
    findings: tuple[Finding, ...]
    rendered: bool = True
    """False when built with ``build_report(rendered=False)``: the config files' text and each host's ``text``,
    ``line_policies`` and directives are then empty (only the outputs that never read them ask for that)."""

    @property
    def resources(self) -> tuple[ResourceResult, ...]:
        return self.nic.resources

    @property
    def policies(self) -> tuple[PolicyResult, ...]:
        return self.nic.policies

    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    def counted_findings(self) -> tuple[Finding, ...]:
        """The findings that count for the exit code: not suppressed and not in the ``--baseline``."""
        return tuple(f for f in self.active_findings() if f.baseline_state != "unchanged")

    def impact(self) -> dict[str, tuple[str, ...]]:
        """Hosts by what a request meets there: a 500 (host or any location), fail-open, refused TLS handshakes."""
        # Sets, sorted at the end: a scan of the list per host was quadratic (0.3 s per call at 50k vsr objects).
        out: dict[str, set[str]] = {"returns_500": set(), "fail_open": set(), "refused_handshake": set()}
        for h in self.hosts:
            flags = {
                "returns_500": h.result.returns_500 or any(loc.result.returns_500 for loc in h.locations),
                "fail_open": h.result.fail_open,
                "refused_handshake": h.result.ssl_reject_handshake,
            }
            for key, on in flags.items():
                if on:
                    out[key].add(h.host)
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def summary(self) -> dict[str, int]:
        active = self.active_findings()
        counted = self.counted_findings()
        impact = self.impact()
        return {
            "errors": sum(1 for f in counted if f.severity == "error"),
            "warnings": sum(1 for f in counted if f.severity == "warning"),
            "infos": sum(1 for f in counted if f.severity == "info"),
            "suppressed": len(self.findings) - len(active),
            "hosts": len(self.hosts),
            "policies": len(self.nic.policies),
            "baselined": len(active) - len(counted),
            "hosts_returning_500": len(impact["returns_500"]),
            "hosts_fail_open": len(impact["fail_open"]),
            "hosts_refusing_handshakes": len(impact["refused_handshake"]),
        }
