"""100-129, certificate facts about the Secrets NIC uses (and the ones made elsewhere, whose content is
unknown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from inspector import catalogue
from inspector.analysis import certs
from inspector.analysis.checks.catalogue import BY_ID
from inspector.analysis.checks.drafts import Builder, Draft, iter_outcomes
from inspector.analysis.checks.nic_enforced import policy_secret_names
from inspector.model import Cluster, Secret, field_path
from inspector.nic.secrets import TYPE_CA, TYPE_TLS

# --- certificates ---------------------------------------------------------------------------------------------


@dataclass
class _SecretUse:
    secret: Secret
    roles: set[str] = field(default_factory=set)
    hosts: list[str] = field(default_factory=list)
    host_set: set[str] = field(default_factory=set)
    """``hosts`` as a set (a wildcard TLS Secret serves many hosts: a scan of the list for each was quadratic)."""
    verify_depth: int | None = None
    crl: bool = False
    policy: str | None = None

    def add_hosts(self, hosts: Iterable[str]) -> None:
        """The hosts not there yet (checked against the hosts before this call, as the list scan was)."""
        new = [h for h in hosts if h not in self.host_set]
        self.hosts += new
        self.host_set.update(new)


def _secret_uses(cluster: Cluster, invalid: frozenset[str] = frozenset()) -> dict[str, _SecretUse]:
    """Secrets by role; policies NIC rejected (``invalid``) are left out: their finding already says why."""
    uses: dict[str, _SecretUse] = {}

    def use(key: str, role: str) -> _SecretUse | None:
        sec = cluster.secrets.get(key)
        if sec is None:
            return None
        u = uses.setdefault(key, _SecretUse(sec))
        u.roles.add(role)
        return u

    for ing in cluster.ingresses.values():
        for tls in ing.tls or ():
            if tls.secret_name:
                u = use(f"{ing.meta.ref.namespace}/{tls.secret_name}", "tls")
                if u is not None:
                    u.add_hosts(tls.hosts)
    for vs in cluster.virtual_servers.values():
        if vs.tls is not None and vs.tls.secret:
            u = use(f"{vs.meta.ref.namespace}/{vs.tls.secret}", "tls")
            if u is not None:
                u.add_hosts([vs.host])
    for key, pol in cluster.policies.items():
        if key in invalid:
            continue
        ns = pol.meta.ref.namespace
        if pol.ingress_mtls is not None and pol.ingress_mtls.client_cert_secret:
            u = use(f"{ns}/{pol.ingress_mtls.client_cert_secret}", "ca")
            if u is not None:
                depth = pol.ingress_mtls.verify_depth if pol.ingress_mtls.verify_depth is not None else 1
                u.verify_depth = depth if u.verify_depth is None else min(u.verify_depth, depth)
                u.crl = u.crl or not pol.ingress_mtls.crl_file_name
                u.policy = u.policy or key
        if pol.egress_mtls is not None:
            em = pol.egress_mtls
            if em.tls_secret:
                use(f"{ns}/{em.tls_secret}", "client")
            if em.trusted_cert_secret:
                u = use(f"{ns}/{em.trusted_cert_secret}", "trusted")
                if u is not None:
                    u.policy = u.policy or key
    return uses


def cert_findings(b: Builder, now: dt.datetime) -> None:
    cluster = b.cluster
    invalid = frozenset(p.key for p in b.report.nic.policies if not p.valid)
    uses = _secret_uses(cluster, invalid)
    for key, u in uses.items():
        if key in b.flagged_secrets:
            continue  # NIC already rejects this secret; its finding says why
        sec = u.secret
        origin = sec.meta.origin
        issues: list[tuple[certs.CertIssue, str]] = []
        if sec.type == TYPE_TLS and u.roles & {"tls", "client"}:
            crt = sec.data.get("tls.crt", b"")
            hosts = u.hosts if "tls" in u.roles else []
            for i in certs.tls_secret_issues(crt, sec.data.get("tls.key"), hosts, now):
                issues.append((i, field_path("data", "tls.key" if i.check_id == certs.TLS_KEY_MISMATCH else "tls.crt")))
        if sec.type == TYPE_CA and u.roles & {"ca", "trusted"}:
            ca = sec.data.get("ca.crt", b"")
            depth = u.verify_depth if "ca" in u.roles else None
            for i in certs.ca_bundle_issues(ca, now, verify_depth=depth):
                issues.append((i, field_path("data", "ca.crt")))
            if "ca" in u.roles and u.crl and "ca.crl" in sec.data:
                for i in certs.crl_issues(sec.data["ca.crl"], ca, now):
                    issues.append((i, field_path("data", "ca.crl")))
        for issue, fld in issues:
            chk = BY_ID[issue.check_id]
            d = b.draft(
                (chk.id, key, issue.message),
                Draft(
                    chk,
                    f"Secret {key}: {issue.message}",
                    sec.meta.ref,
                    origin.at(fld),
                    host=issue.host,
                    policy=u.policy,
                ),
            )
            d.details.extend(issue.details)
            for h in [issue.host] if issue.host else u.hosts:
                d.add_host(h)
    _upstream_cert_findings(b, uses, now)


def _upstream_cert_findings(b: Builder, uses: Mapping[str, _SecretUse], now: dt.datetime) -> None:
    cluster = b.cluster
    invalid = {p.key for p in b.report.nic.policies if not p.valid}
    # Any secret with a tls.crt may be an upstream's own certificate (often Opaque, as in NIC's
    # examples/…/egress-mtls/secure-app.yaml); NGINX's own front-end/client secrets are not upstreams.
    frontend = {k for k, u in uses.items() if u.roles & {"tls", "client"}}
    candidates = [
        (k, s.data["tls.crt"]) for k, s in cluster.secrets.items() if "tls.crt" in s.data and k not in frontend
    ]
    for key, pol in cluster.policies.items():
        em = pol.egress_mtls
        if key in invalid or em is None or not em.verify_server or not em.ssl_name or not em.trusted_cert_secret:
            continue
        ns = pol.meta.ref.namespace
        trusted_key = f"{ns}/{em.trusted_cert_secret}"
        trusted = cluster.secrets.get(trusted_key)
        if trusted is None or trusted_key in b.flagged_secrets or "ca.crt" not in trusted.data:
            continue
        for skey, crt in candidates:
            if not certs.covers_name(crt, em.ssl_name):
                continue
            depth = em.verify_depth if em.verify_depth is not None else 1
            for issue in certs.upstream_verify_issues(
                trusted.data["ca.crt"], crt, em.ssl_name, now, verify_depth=depth
            ):
                chk = BY_ID[issue.check_id]
                d = b.draft(
                    (chk.id, key, skey),
                    Draft(
                        chk,
                        f"Policy {key}: {issue.message} (upstream certificate from Secret {skey})",
                        pol.meta.ref,
                        pol.meta.origin.at("spec.egressMTLS.trustedCertSecret"),
                        policy=key,
                    ),
                )
                d.details.extend(issue.details)


def promised_findings(b: Builder) -> None:
    """MTLS112: one info per promised Secret NIC looks up; its certificate checks wait until it exists."""
    chk = BY_ID[catalogue.SECRET_CONTENT_UNKNOWN]
    users = _secret_hosts(b)
    for key, promise in b.report.nic.promised_secrets.items():
        if key in b.flagged_secrets:
            continue  # NIC refuses it whatever its content (type); that finding says so
        msg = (
            f"Secret {key} is made by {promise.maker} (type {promise.type}): its content is unknown until it "
            "exists, so expiry, chain depth, key match, SANs and CRL are not checked; NIC is predicted as if it "
            "were valid"
        )
        where = promise.origin.at(promise.field or None)
        d = b.draft((chk.id, key), Draft(chk, msg, promise.made_by or promise.ref, where))
        d.details.append(("made by", promise.maker))
        d.details.append(("secret type", promise.type))
        for h in users.get(key, []):
            d.add_host(h)


def _secret_hosts(b: Builder) -> dict[str, list[str]]:
    """``ns/name`` of a Secret -> the hosts whose TLS or mTLS policies use it."""
    users: dict[str, dict[str, None]] = {}  # a dict per Secret: ordered, and linear when every host uses it

    def add(key: str, hosts: Iterable[str]) -> None:
        users.setdefault(key, {}).update(dict.fromkeys(hosts))

    for ing in b.cluster.ingresses.values():
        for tls in ing.tls or ():
            if tls.secret_name:
                add(f"{ing.meta.ref.namespace}/{tls.secret_name}", b.hosts_of(ing.meta.ref))
    for vs in b.cluster.virtual_servers.values():
        if vs.tls is not None and vs.tls.secret:
            add(f"{vs.meta.ref.namespace}/{vs.tls.secret}", b.hosts_of(vs.meta.ref))
    for outcome, host, _path in iter_outcomes(b.report):
        pol = b.cluster.policies.get(outcome.source.key)
        if pol is not None:
            for _fld, name, _want, _cid in policy_secret_names(pol):
                add(f"{pol.meta.ref.namespace}/{name}", [host])
    return {key: list(hosts) for key, hosts in users.items()}


