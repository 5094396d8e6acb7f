"""Findings under construction, shared by every range of checks: one cause on one object is one finding."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inspector.analysis.findings import Check, Finding
from inspector.model import AnyObject, Cluster, ObjectRef, Origin, Policy
from inspector.nic.types import PolicyOutcome

if TYPE_CHECKING:
    from inspector.analysis.report_types import Report



# --- building findings ----------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A finding under construction: texts for the same cause are folded in before it is frozen."""

    check: Check
    message: str
    resource: ObjectRef | None = None
    source: str = ""
    host: str | None = None
    path: str | None = None
    policy: str | None = None
    nic_texts: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    users: list[ObjectRef] = field(default_factory=list)
    """For an invalid Policy: the resources whose references were folded into it (its ``users`` detail)."""
    user_labels: list[str] = field(default_factory=list, repr=False)
    """The ``users`` detail's entries (``Ingress ns/name (field)``), joined once when the draft is settled."""
    _user_label_set: set[str] = field(default_factory=set, repr=False)
    _nic_set: set[str] = field(default_factory=set, repr=False)
    _message_hosts: int = field(default=-1, repr=False)
    """For an invalid Policy's draft: how many of its hosts its message names (-1: the message is written). The
    message and the ``users`` detail grow with every reference folded in; writing them once, when the references
    are all in, keeps thousands of Ingresses naming one invalid Policy linear."""
    _seq: int = field(default=0, repr=False)
    """Position among the report's drafts (the order findings are written in)."""
    _host_set: set[str] = field(default_factory=set, repr=False)
    """``hosts`` as a set: a finding on a Secret or Policy that every host uses collects thousands of hosts, and a
    scan of the list for each made that quadratic."""

    def add_nic(self, text: str) -> None:
        if text and text not in self._nic_set:
            self._nic_set.add(text)
            self.nic_texts.append(text)

    def add_user_label(self, label: str) -> None:
        """A reference folded into this invalid-policy draft: its ``users`` detail moves to the end, as when the
        detail was rewritten for each new user."""
        if label in self._user_label_set:
            return
        self._user_label_set.add(label)
        self.user_labels.append(label)
        self.details = [(k, v) for k, v in self.details if k != "users"]
        self.details.append(("users", ""))

    def settle(self) -> None:
        """Write the message and ``users`` detail of an invalid Policy's draft from what was folded in."""
        if self._message_hosts >= 0:
            named = self.hosts[: self._message_hosts]
            self.message = self.nic_texts[0] + (f": every request to {', '.join(named)} gets 500" if named else "")
            self._message_hosts = -1
        if self.user_labels:
            users = ", ".join(self.user_labels)
            self.details = [(k, users if k == "users" else v) for k, v in self.details]

    def add_host(self, host: str, path: str | None = None) -> None:
        if host and host not in self._host_set:
            self._host_set.add(host)
            self.hosts.append(host)
        if path and path not in self.paths:
            self.paths.append(path)

    def freeze(self) -> Finding:
        self.settle()
        details = list(self.details)
        if len(self.hosts) > 1:
            details.append(("hosts", ", ".join(self.hosts)))
        if len(self.paths) > 1:
            details.append(("paths", ", ".join(self.paths)))
        return Finding(
            check=self.check,
            message=self.message,
            resource=self.resource,
            source=self.source,
            host=self.host or (self.hosts[0] if self.hosts else None),
            path=self.path or (self.paths[0] if len(self.paths) == 1 else None),
            policy=self.policy,
            nic_message="\n".join(self.nic_texts) or None,
            details=tuple(dict.fromkeys(details)),
        )


def object_of(cluster: Cluster, ref: ObjectRef | None) -> AnyObject | None:
    if ref is None:
        return None
    table: Mapping[str, Mapping[str, AnyObject]] = {
        "Secret": cluster.secrets,
        "Service": cluster.services,
        "Policy": cluster.policies,
        "Ingress": cluster.ingresses,
        "VirtualServer": cluster.virtual_servers,
        "VirtualServerRoute": cluster.virtual_server_routes,
        "ConfigMap": cluster.config_maps,
    }
    return table.get(ref.kind, {}).get(ref.key)


def origin_of(cluster: Cluster, ref: ObjectRef | None) -> Origin | None:
    obj = object_of(cluster, ref)
    return obj.meta.origin if obj is not None else None


def source_at(cluster: Cluster, ref: ObjectRef | None, path: str | None = None) -> str:
    origin = origin_of(cluster, ref)
    return origin.at(path) if origin is not None else ""


class Builder:
    """Collects drafts for one report; keyed so that one cause on one object is one finding."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.cluster = report.cluster
        self.drafts: dict[tuple[object, ...], Draft] = {}
        self.consumed: set[tuple[ObjectRef, str]] = set()
        """(owner, NIC text) pairs already carried by a finding."""
        self.flagged_secrets: set[str] = set()
        """``ns/name`` of secrets NIC itself reported (certificate checks stay quiet on them)."""
        self._secrets_by_name: dict[str, list[tuple[str, str]]] | None = None
        self._hosts_by_resource: dict[ObjectRef, list[str]] | None = None
        self._hosts_by_policy: dict[str, tuple[str, ...]] | None = None
        # Drafts by the resource, Policy and folded user they name, in creation order: a lookup error of each of
        # thousands of Ingresses naming one invalid Policy is folded by these, not by a scan of every draft.
        self._by_resource: dict[ObjectRef, list[Draft]] = {}
        self._by_policy: dict[str, list[Draft]] = {}
        self._by_user: dict[ObjectRef, list[Draft]] = {}

    def policy_hosts(self) -> Mapping[str, Sequence[str]]:
        """Policy key -> the hosts its references were evaluated for, both in report order (one index per report,
        two checks read it; a dict per Policy keeps it linear when every host names the same Policy)."""
        if self._hosts_by_policy is None:
            index: dict[str, dict[str, None]] = {}
            for outcome, host, _path in iter_outcomes(self.report):
                index.setdefault(outcome.source.key, {})[host] = None
            self._hosts_by_policy = {k: tuple(v) for k, v in index.items()}
        return self._hosts_by_policy

    def hosts_of(self, ref: ObjectRef) -> Sequence[str]:
        """The hosts a resource's servers and locations serve (one index per report, four checks read it)."""
        if self._hosts_by_resource is None:
            self._hosts_by_resource = hosts_by_resource(self.report)
        return self._hosts_by_resource.get(ref, ())

    def other_namespaces(self, secret_key: str) -> list[str]:
        """Namespaces holding a Secret of the same name as ``secret_key`` (one index per report, not a scan each)."""
        if self._secrets_by_name is None:
            self._secrets_by_name = {}
            for k, sec in self.cluster.secrets.items():
                self._secrets_by_name.setdefault(sec.meta.ref.name, []).append((k, sec.meta.ref.namespace))
        name = secret_key.partition("/")[2]
        return [ns for k, ns in self._secrets_by_name.get(name, ()) if k != secret_key]

    def draft(self, key: tuple[object, ...], make: Callable[[], Draft] | Draft) -> Draft:
        """The draft for ``key``, created from ``make`` the first time (so one cause stays one finding)."""
        if key not in self.drafts:
            d = make if isinstance(make, Draft) else make()
            d._seq = len(self.drafts)
            self.drafts[key] = d
            if d.resource is not None:
                self._by_resource.setdefault(d.resource, []).append(d)
            if d.policy is not None:
                self._by_policy.setdefault(d.policy, []).append(d)
        return self.drafts[key]

    def add_user(self, d: Draft, user: ObjectRef, label: str) -> None:
        """Fold ``user``'s reference (``label``: ``Ingress ns/name (field)``) into the invalid-policy draft ``d``."""
        if not any(x is d for x in self._by_user.get(user, ())):
            d.users.append(user)
            self._by_user.setdefault(user, []).append(d)
        d.add_user_label(label)

    def drafts_of_policy(self, policy: str) -> Sequence[Draft]:
        """Drafts naming Policy ``policy``, in creation order."""
        return self._by_policy.get(policy, ())

    def drafts_of(self, ref: ObjectRef) -> list[Draft]:
        """Drafts on ``ref`` or with ``ref`` folded in as a user, in creation order."""
        own = {id(d): d for d in (*self._by_resource.get(ref, ()), *self._by_user.get(ref, ()))}
        return sorted(own.values(), key=lambda d: d._seq)

    def findings(self) -> list[Finding]:
        return [d.freeze() for d in self.drafts.values()]


def hosts_by_resource(report: Report) -> dict[ObjectRef, list[str]]:
    out: dict[ObjectRef, list[str]] = {}
    for h in report.hosts:
        out.setdefault(h.resource, [])
        if h.host not in out[h.resource]:
            out[h.resource].append(h.host)
        for loc in h.locations:
            lst = out.setdefault(loc.result.resource, [])
            if h.host not in lst:
                lst.append(h.host)
    return out


def iter_outcomes(report: Report) -> Iterator[tuple[PolicyOutcome, str, str | None]]:
    """Every reference's outcome with the host (and location path) it was evaluated for."""
    for h in report.hosts:
        if h.result.policies is not None:
            for o in h.result.policies.outcomes:
                yield o, h.host, None
        for loc in h.locations:
            if loc.result.policies is not None:
                for o in loc.result.policies.outcomes:
                    yield o, h.host, loc.result.path


def qualified_secret(ns: str, value: str) -> str:
    return value if "/" in value else f"{ns}/{value}"


def policy_field_for_secret(policy: Policy | None, secret_key: str) -> str | None:
    """Which Policy field names the secret, for ``file:line`` and for telling tlsSecret from trustedCertSecret."""
    if policy is None:
        return None
    name = secret_key.split("/", 1)[-1]
    if policy.ingress_mtls is not None and policy.ingress_mtls.client_cert_secret == name:
        return "spec.ingressMTLS.clientCertSecret"
    if policy.egress_mtls is not None:
        if policy.egress_mtls.tls_secret == name:
            return "spec.egressMTLS.tlsSecret"
        if policy.egress_mtls.trusted_cert_secret == name:
            return "spec.egressMTLS.trustedCertSecret"
    return None


def consequence(check: Check, hosts: Sequence[str], path: str | None) -> str:
    where = ", ".join(hosts) or "its hosts"
    if check.outcome == "500":
        return f"location {path} on {where} returns 500" if path else f"every request to {where} gets 500"
    if check.outcome == "fail-open":
        return f"{where} is served without client-certificate verification"
    if check.id == "MTLS020":
        return "the Secret's ca.crl is ignored; ssl_crl names the crlFileName file"
    if check.outcome == "ignored":
        return "the later policy is ignored; the first one wins"
    return ""




def attach_hosts(b: Builder) -> None:
    """Findings about a Policy (lints, its secrets' certificates) are listed under the hosts that use it."""
    for d in b.drafts.values():
        if d.host is None and not d.hosts and d.policy:
            for host in b.policy_hosts().get(d.policy, ()):
                d.add_host(host)


