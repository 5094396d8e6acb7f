"""Where a referenced Secret comes from, in words: in the input, made by another object, or made by nothing.

Findings about a Secret read this instead of repeating NIC's "doesn't exist or of an unsupported type": the user
needs to know whether the Secret will exist once cert-manager/External Secrets/Sealed Secrets run, or whether
nothing in the input creates it at all. Pure functions over the snapshot and the effective settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspector.model import Cluster, ControllerSettings, PromisedSecret
from inspector.nic.secrets import SUPPORTED_SECRET_TYPES, TYPE_CA, TYPE_TLS

MAKERS = "no Certificate, ExternalSecret, SealedSecret or cert-manager-annotated Ingress makes it"

CA_SECRET_HOWTO = (
    "NIC takes a CA (ingressMTLS clientCertSecret, egressMTLS trustedCertSecret) only from a Secret of type "
    "nginx.org/ca with the CA under ca.crt: have one made with that type (an ExternalSecret with "
    "spec.target.template.type: nginx.org/ca, which can read the cert-manager Secret through the kubernetes "
    "provider, or `kubectl create secret generic NAME --type=nginx.org/ca --from-file=ca.crt`); a cert-manager "
    "Certificate always makes kubernetes.io/tls"
)


@dataclass(frozen=True)
class Provenance:
    """What the input says about one ``ns/name`` Secret."""

    promise: PromisedSecret | None
    """The promise NIC will see (None: none, or shadowed by a real Secret, or not made with these settings)."""
    note: str
    """A parenthesis for the finding's message, "" when there is nothing to add (a real, supported Secret)."""

    @property
    def made_by(self) -> str:
        return self.promise.maker if self.promise is not None else ""


def provenance(cluster: Cluster, settings: ControllerSettings, key: str) -> Provenance:
    """Where ``key`` comes from; the note says plainly when nothing in the input creates it."""
    real = cluster.secrets.get(key)
    if real is not None:
        if real.type not in SUPPORTED_SECRET_TYPES:
            note = f"the Secret exists with type {real.type}, which NIC ignores as if it did not exist"
            return Provenance(None, note)
        return Provenance(None, "")
    promise = cluster.promised_secrets.get(key)
    if promise is not None and promise.needs_cert_manager_flag and not settings.enable_cert_manager:
        promise = None  # as nic.secrets.promised_secrets filters it (one key looked up, not the whole map)
    if promise is not None:
        if promise.type not in SUPPORTED_SECRET_TYPES:
            return Provenance(
                promise,
                f"{promise.maker} makes it with type {promise.type}, which NIC ignores as if it did not exist",
            )
        return Provenance(promise, f"made by {promise.maker}, type {promise.type}")
    dormant = cluster.promised_secrets.get(key)
    if dormant is not None and dormant.needs_cert_manager_flag:
        return Provenance(
            None,
            f"{dormant.made_by} asks for it through spec.tls.cert-manager, but NIC runs without "
            "-enable-cert-manager (--enable-cert-manager here), so nothing makes it",
        )
    return Provenance(None, f"no object in the input creates it: it is not in the input and {MAKERS}")


def wrong_type_note(prov: Provenance, want: str) -> str:
    """The extra advice when a promised Secret has a type NIC refuses for this use."""
    if prov.promise is None or prov.promise.type == want:
        return ""
    if want == TYPE_CA:
        return CA_SECRET_HOWTO
    if want == TYPE_TLS:
        return "NIC needs a kubernetes.io/tls Secret here (a cert-manager Certificate makes one)"
    return ""
