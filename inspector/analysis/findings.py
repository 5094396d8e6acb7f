"""Findings and the check declarations they come from: checks as data (kube-linter, istioctl analyze).

A Check is declared once (id, title, severity, what NIC does, remediation); a Finding is one occurrence of it on
one resource/host/path. The registry of checks is ``inspector.analysis.checks.CHECKS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from inspector.model import ObjectRef, Severity

Category = Literal["input", "ingressMTLS", "egressMTLS", "tls", "certificate", "live", "general"]
"""The docs page's sections (``docs/checks.md``)."""

Outcome = Literal["rejected", "500", "fail-open", "ignored", "none"]


@dataclass(frozen=True)
class Check:
    id: str
    """``MTLS`` + three digits, never reused."""
    slug: str
    """Stable kebab-case name, also the docs anchor (``docs/checks.md#<slug>``)."""
    title: str
    severity: Severity
    nic_enforced: bool
    """True when NIC itself reacts (rejects, 500s, warns); False for lints NIC is silent about."""
    outcome: Outcome
    """What NIC (or NGINX) does when the check fails."""
    remediation: str
    """What to change, naming the field or annotation."""
    nic_message: str | None = None
    """NIC's exact message format (Go format string as in NIC) when there is one."""
    description: str = ""
    """Why it matters, for docs and help text."""
    category: Category = "general"
    seed_check: str | None = None
    """The seed's "Checks Before Rollout" item this check covers, if any."""

    @property
    def docs(self) -> str:
        return f"docs/checks.md#{self.slug}"


@dataclass(frozen=True)
class Finding:
    check: Check
    message: str
    """This occurrence in words (names the resource/host/value)."""
    resource: ObjectRef | None = None
    source: str = ""
    """``file:line`` of the field at fault (or of the object)."""
    host: str | None = None
    path: str | None = None
    policy: str | None = None
    nic_message: str | None = None
    """The exact NIC text of this occurrence (format string filled), when NIC emits one."""
    suppressed: bool = False
    suppression: str = ""
    """Why it was suppressed (``--ignore`` or the ``mtls-inspect/ignore`` annotation's reason)."""
    details: tuple[tuple[str, str], ...] = field(default=())
    """Evidence as label/value pairs (certificate subject, expiry, ...), never key material."""
    baseline_state: str = ""
    """With ``--baseline``: ``unchanged`` (in the baseline: reported, not counted for the exit code) or ``new``."""

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def severity(self) -> str:
        return self.check.severity
