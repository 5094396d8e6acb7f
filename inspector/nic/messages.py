"""NIC's warning and event texts as data: each catalogued cause once, in NIC's exact words, with the source it is from.

The replica emits a :class:`NicWarning` (cause, arguments, and the text NIC prints, rendered from the format with Go
verb semantics), so the checks read the cause and the arguments instead of matching the text back. Texts no check
reads (rate-limit options, deprecated annotations, VSR selection, ...) are carried as uncatalogued warnings: their
cause is empty and the checks report them as they are (MTLS030). The 5.4 wordings (``nic/versions.py``) keep their
version-dependent formats; they render to the same cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector.nic.parsing import go_quote

_VERB = re.compile(r"%[sqvd]")


def go_sprintf(fmt: str, *args: object) -> str:
    """``fmt.Sprintf`` for the verbs NIC's messages use: ``%q`` is ``strconv.Quote``, ``%s``/``%v``/``%d`` plain."""
    values = iter(args)
    out = _VERB.sub(lambda m: go_quote(next(values)) if m.group() == "%q" else str(next(values)), fmt)
    if next(values, None) is not None:
        raise ValueError(f"too many arguments for {fmt!r}")
    return out


@dataclass(frozen=True)
class NicWarning:
    """One warning NIC would emit: which cause (``W1``..``W18``, or "" when no check reads it), the values filled
    into the format's verbs, and the exact text NIC prints."""

    cause: str
    args: tuple[str, ...]
    text: str
    subject: str = ""
    """The Policy key a wrapped error is about (W15 wraps a lookup error that names one), "" otherwise."""

    def __str__(self) -> str:
        return self.text


def uncatalogued(text: str) -> NicWarning:
    """A NIC text no check reads (its cause is empty): it still travels as a warning, and MTLS030 reports it."""
    return NicWarning("", (), text)


def render(cause: str, fmt: str, *args: object) -> NicWarning:
    """A warning of ``cause`` with NIC's ``fmt`` (used directly for the version-dependent wordings)."""
    return NicWarning(cause, tuple(str(a) for a in args), go_sprintf(fmt, *args))


@dataclass(frozen=True)
class NicFormat:
    """A catalogued cause: NIC's format string and where in NIC's source it comes from."""

    cause: str
    format: str
    source: str

    def __call__(self, *args: object) -> NicWarning:
        return render(self.cause, self.format, *args)

    def __str__(self) -> str:
        return self.format


_POLICY_GO = "internal/configs/policy.go"

W1 = NicFormat(
    "W1", "IngressMTLS policy %s is not allowed in the %v context", f"{_POLICY_GO} :: addIngressMTLSConfig"
)
W2 = NicFormat("W2", "TLS must be enabled for IngressMTLS policy %s", f"{_POLICY_GO} :: addIngressMTLSConfig")
W3 = NicFormat(
    "W3",
    "Multiple ingressMTLS policies are not allowed. IngressMTLS policy %s will be ignored",
    f"{_POLICY_GO} :: addIngressMTLSConfig",
)
W4 = NicFormat(
    "W4", "IngressMTLS policy %q references a non-existent secret %s", f"{_POLICY_GO} :: addIngressMTLSConfig"
)
W5 = NicFormat(
    "W5",
    "IngressMTLS policy %s references a secret %s of a wrong type '%s', must be '%s'",
    f"{_POLICY_GO} :: addIngressMTLSConfig",
)
W6 = NicFormat(
    "W6", "IngressMTLS policy %q references an invalid secret %s: %v", f"{_POLICY_GO} :: addIngressMTLSConfig"
)
W7 = NicFormat(
    "W7",
    "Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. "
    "ca.crl in %s will be ignored and %s will be applied",
    f"{_POLICY_GO} :: addIngressMTLSConfig",
)
W8 = NicFormat(
    "W8",
    "Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy %s will be ignored",
    f"{_POLICY_GO} :: addEgressMTLSConfig",
)
W9 = NicFormat(
    "W9",
    "EgressMTLS policy %s references an invalid secret %s: secret doesn't exist",
    f"{_POLICY_GO} :: addEgressMTLSConfig",
)
W10 = NicFormat(
    "W10",
    "EgressMTLS policy %s references a secret %s of a wrong type '%s', must be '%s'",
    f"{_POLICY_GO} :: addEgressMTLSConfig",
)
W11 = NicFormat(
    "W11", "EgressMTLS policy %s references an invalid secret %s: %v", f"{_POLICY_GO} :: addEgressMTLSConfig"
)
W12 = NicFormat("W12", "Policy %s is missing or invalid", f"{_POLICY_GO} :: generatePolicies")
W13 = NicFormat("W13", "Policy %s is not supported on Ingress resources", f"{_POLICY_GO} :: generatePolicies")
W14 = NicFormat(
    "W14",
    "IngressMTLS policy is ignored for host %q because TLS is not enabled for that host",
    "internal/configs/ingress.go :: generateNginxCfg",
)
W15 = NicFormat("W15", "Policy error for Ingress %v/%v: %v", "internal/k8s/controller.go :: createIngressEx")
W16 = NicFormat(
    "W16",
    "Ingress %v/%v has a policies annotation but custom resources are not enabled; policies will be ignored",
    "internal/k8s/controller.go :: createIngressEx",
)
W17A = NicFormat(
    "W17A",
    "TLS secret %s is invalid: %v",
    "internal/configs/ingress.go :: addSSLConfig, internal/configs/virtualserver.go :: generateSSLConfig",
)
W17B = NicFormat(
    "W17B",
    "TLS secret %s is of a wrong type '%s', must be '%s'",
    "internal/configs/ingress.go :: addSSLConfig, internal/configs/virtualserver.go :: generateSSLConfig",
)
W18 = NicFormat(
    "W18",
    "TLS termination for host '%s' requires specifying a TLS secret or configuring a global wildcard TLS secret",
    "internal/configs/ingress.go :: addSSLConfig",
)
E1 = NicFormat("E1", "Policy %v/%v is invalid and was rejected: %v", "internal/k8s/controller.go :: syncPolicy")
E3 = NicFormat(
    "E3", "VirtualServer %s was rejected with error: %s", "internal/k8s/controller.go :: syncVirtualServer"
)
E3R = NicFormat(
    "E3R", "VirtualServerRoute %s was rejected with error: %s", "internal/k8s/controller.go :: syncVirtualServer"
)
RELOAD_ERROR = NicFormat(
    "RELOAD_ERROR",
    "Configuration for %s was added or updated ; but was not applied: %v",
    "internal/k8s/controller.go :: updateRegularIngressStatusAndEvents (the VS/minion/VSR variants differ in spacing)",
)

INTERNAL = "INTERNAL"
"""The cause of :data:`INTERNAL_ERROR`: the replica failed on a resource (not a NIC message)."""
INTERNAL_ERROR = NicFormat(
    INTERNAL,
    "mtls-inspect internal error while replaying NIC for this resource (not a NIC message): %v",
    "mtls-inspect (nic/replica.py)",
)

WARNINGS: tuple[NicFormat, ...] = (
    W1, W2, W3, W4, W5, W6, W7, W8, W9, W10, W11, W12, W13, W14, W15, W16, W17A, W17B, W18
)
EVENTS: tuple[NicFormat, ...] = (E1, E3, E3R, RELOAD_ERROR)

__all__ = [
    "E1",
    "E3",
    "E3R",
    "EVENTS",
    "INTERNAL",
    "INTERNAL_ERROR",
    "RELOAD_ERROR",
    "W1",
    "W2",
    "W3",
    "W4",
    "W5",
    "W6",
    "W7",
    "W8",
    "W9",
    "W10",
    "W11",
    "W12",
    "W13",
    "W14",
    "W15",
    "W16",
    "W17A",
    "W17B",
    "W18",
    "WARNINGS",
    "NicFormat",
    "NicWarning",
    "go_sprintf",
    "render",
    "uncatalogued",
]
