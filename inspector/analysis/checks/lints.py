"""060-099, lints NIC does not enforce: they read the model and the replica's generated configs, because NIC does
not look at those things at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inspector import catalogue
from inspector.analysis import ingress_nginx
from inspector.analysis.checks.catalogue import BY_ID
from inspector.analysis.checks.drafts import Builder, Draft, source_at
from inspector.model import Cluster, Ingress, ObjectRef, Origin, field_path
from inspector.nic import verbatim
from inspector.nic.replica import find_nic_configmap
from inspector.nic.types import EgressMTLSCfg, PoliciesCfg

if TYPE_CHECKING:
    from inspector.analysis.report_types import HostReport



# --- lints NIC does not enforce -------------------------------------------------------------------------------

_DANGEROUS = re.compile(r"[;{}$`\"'\\\n\r]")
"""NIC's own ``ContainsDangerousChars`` set (``validation/policy.go``) plus quotes and backslash, which also end
an nginx token."""
_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})


def policy_lints(b: Builder) -> None:
    invalid = {p.key for p in b.report.nic.policies if not p.valid}
    for key, pol in b.cluster.policies.items():
        ref, origin = pol.meta.ref, pol.meta.origin
        im, em = pol.ingress_mtls, pol.egress_mtls
        if im is not None:
            mode = im.verify_client or "on"
            fld = "spec.ingressMTLS.verifyClient"
            if mode in ("off", "optional_no_ca"):
                why = (
                    "nginx does not request a client certificate at all (ssl_verify_client off)"
                    if mode == "off"
                    else "nginx accepts a certificate from any issuer (only its dates are checked; "
                    "$ssl_client_verify is FAILED), and clients without one are served too"
                )
                _lint(b, "MTLS060", ref, origin.at(fld), key, f"verifyClient {mode!r}: {why}")
            elif mode == "optional":
                _lint(
                    b,
                    "MTLS061",
                    ref,
                    origin.at(fld),
                    key,
                    "verifyClient 'optional': clients without a certificate are served (no 400)",
                )
            if im.crl_file_name:
                _injection(b, ref, origin, key, "spec.ingressMTLS.crlFileName", im.crl_file_name, path=True)
                reload_errors = [d for d in b.drafts.values() if d.check.id == "MTLS032" and d.policy == key]
                if not reload_errors:
                    _lint(
                        b,
                        "MTLS070",
                        ref,
                        origin.at("spec.ingressMTLS.crlFileName"),
                        key,
                        f"ssl_crl /etc/nginx/secrets/{im.crl_file_name} must be provided on every NIC pod",
                    )
        if em is not None:
            usable = key not in invalid  # NIC rejects an invalid policy whole (MTLS010): its settings never apply
            if usable and not em.verify_server:
                _lint(
                    b,
                    "MTLS063",
                    ref,
                    origin.at("spec.egressMTLS"),
                    key,
                    "verifyServer is off: proxy_ssl_verify off accepts any upstream certificate",
                )
            elif usable and not em.ssl_name:
                _lint(
                    b,
                    "MTLS064",
                    ref,
                    origin.at("spec.egressMTLS.verifyServer"),
                    key,
                    "verifyServer is on but sslName is not set: proxy_ssl_name $proxy_host is the upstream "
                    "block name, which no upstream certificate carries",
                )
            if usable and not em.protocols:
                _lint(
                    b,
                    "MTLS067",
                    ref,
                    origin.at("spec.egressMTLS"),
                    key,
                    "protocols not set: NIC renders proxy_ssl_protocols TLSv1 TLSv1.1 TLSv1.2 (no TLSv1.3)",
                )
            _injection(b, ref, origin, key, "spec.egressMTLS.ciphers", em.ciphers)
            bad_protocols = _injection(b, ref, origin, key, "spec.egressMTLS.protocols", em.protocols)
            if em.protocols and not bad_protocols:
                unknown = [p for p in em.protocols.split() if p not in _PROTOCOLS]
                if unknown:
                    _lint(
                        b,
                        "MTLS069",
                        ref,
                        origin.at("spec.egressMTLS.protocols"),
                        key,
                        f"protocols {em.protocols!r}: unknown name(s) {', '.join(unknown)}; nginx -t fails",
                    )


def _injection(
    b: Builder, ref: ObjectRef, origin: Origin, key: str, fld: str, value: str, *, path: bool = False
) -> bool:
    if not value:
        return False
    bad = sorted(set(_DANGEROUS.findall(value)))
    if path and ("/" in value or ".." in value or " " in value or "\t" in value):
        bad += [c for c in ("/", "..", " ") if c in value]
    if not value.strip():
        bad.append("blank")
    if not bad:
        return False
    shown = ", ".join(repr(c) for c in bad)
    _lint(
        b,
        "MTLS068",
        ref,
        origin.at(fld),
        key,
        f"{fld.rsplit('.', 1)[-1]} {value!r} contains {shown}: NIC copies it verbatim into nginx.conf",
    )
    return True


def verbatim_lints(b: Builder) -> None:
    """MTLS068 for the ConfigMap keys and Ingress annotations NIC renders without validating them."""
    settings = b.report.settings
    cm = find_nic_configmap(b.cluster, settings)
    for v in verbatim.configmap_values(b.report.nic.settings.configmap, b.report.nic.settings.plus):
        why = verbatim.problem(v)
        if why is None:
            continue
        fld = field_path("data", v.key)
        if cm is not None and v.key not in settings.configmap:
            ref, source = cm.meta.ref, cm.meta.origin.at(fld)
        else:
            ref, source = None, f"--configmap {v.key}"
        text = f"ConfigMap key {v.key} {v.value!r} {why}: NIC copies it verbatim into nginx.conf"
        _lint(b, "MTLS068", ref, source, None, text, extra_key=v.key)
    handled = {r.ref: r for r in b.report.nic.resources}
    for ing in b.cluster.ingresses.values():
        res = handled.get(ing.meta.ref)
        if res is None or res.rejection:
            continue
        for v in verbatim.annotation_values(ing.annotations):
            why = verbatim.problem(v)
            if why is None:
                continue
            fld = field_path("metadata", "annotations", v.key)
            text = f"annotation {v.key} {v.value!r} {why}: NIC copies it verbatim into nginx.conf"
            d = _lint(b, "MTLS068", ing.meta.ref, ing.meta.origin.at(fld), None, text, extra_key=v.key)
            for host in b.hosts_of(ing.meta.ref):
                d.add_host(host)


def _lint(
    b: Builder,
    check_id: str,
    ref: ObjectRef | None,
    source: str,
    policy: str | None,
    message: str,
    *,
    host: str | None = None,
    path: str | None = None,
    extra_key: object = None,
) -> Draft:
    chk = BY_ID[check_id]
    return b.draft(
        (check_id, ref, policy, host, extra_key, message if extra_key is None else None),
        Draft(chk, message, ref, source, host=host, path=path, policy=policy),
    )


def _applied_egress(cfg: PoliciesCfg | None) -> EgressMTLSCfg | None:
    if cfg is None or cfg.error_return is not None:
        return None
    return cfg.egress_mtls


def egress_lints(b: Builder) -> None:
    """Per location, from the configs the replica generated (which egress block reaches which upstream)."""
    cluster = b.cluster
    for h in b.report.hosts:
        if h.result.rejected or h.result.returns_500:
            continue
        server_eg = _applied_egress(h.result.policies)
        for loc in h.locations:
            lr = loc.result
            # Internal split/match locations carry the upstream of VS routes: they count; named ones have none.
            if lr.returns_500 or not lr.upstream_scheme:
                continue
            loc_eg = _applied_egress(lr.policies)
            loc_at = (
                source_at(cluster, lr.resource, lr.origin_field) if lr.origin_field else source_at(cluster, lr.resource)
            )
            if server_eg is not None and loc_eg is None and lr.grpc:
                d = _lint(
                    b,
                    "MTLS065",
                    h.resource,
                    _ref_at(cluster, server_eg),
                    server_eg.source.key,
                    f"server-level egressMTLS {server_eg.source.key} renders proxy_ssl_* only; gRPC "
                    f"location(s) on {h.host} use grpc_pass and get no client certificate or verification",
                    host=h.host,
                    extra_key="grpc",
                )
                d.add_host(h.host, lr.path)
                continue
            eg = loc_eg or server_eg
            if eg is None:
                continue
            if lr.upstream_scheme in ("http", "grpc"):
                how = (
                    "set upstreams[].tls.enable: true"
                    if lr.resource.kind in ("VirtualServer", "VirtualServerRoute")
                    else f"list {lr.service or 'the service'} in nginx.org/ssl-services"
                )
                d = _lint(
                    b,
                    "MTLS062",
                    lr.resource,
                    loc_at,
                    eg.source.key,
                    f"egressMTLS {eg.source.key} applies to {lr.upstream_scheme}:// upstream(s) on {h.host} "
                    f"({lr.service or lr.upstream}): no TLS to the upstream, the policy has no effect; {how}",
                    host=h.host,
                    extra_key=("plain", lr.service),
                )
                d.add_host(h.host, lr.path)
            if loc_eg is not None and server_eg is not None and not lr.grpc:
                # Which directives still come from the server is the report's effective view (NGINX inheritance,
                # computed once in analysis.effective), not a second derivation here.
                from_server = {k for k, eff in loc.effective.items() if eff.source == "server"}
                inherited = []
                if "proxy_ssl_certificate" in from_server:
                    inherited.append(f"client certificate {server_eg.certificate}")
                if "proxy_ssl_trusted_certificate" in from_server:
                    inherited.append(f"trusted CA {server_eg.trusted_cert}")
                if inherited:
                    d = _lint(
                        b,
                        "MTLS066",
                        lr.resource,
                        _ref_at(cluster, loc_eg),
                        loc_eg.source.key,
                        f"egressMTLS {loc_eg.source.key} at {lr.path} overrides {server_eg.source.key} but "
                        f"inherits its {' and '.join(inherited)}",
                        host=h.host,
                        extra_key="partial",
                    )
                    d.add_host(h.host, lr.path)


def _ref_at(cluster: Cluster, cfg: EgressMTLSCfg) -> str:
    src = cfg.source
    return src.owner_origin.at(src.field) if src.owner_origin else source_at(cluster, src.owner, src.field)


def duplicate_refs(b: Builder) -> None:
    for ing in b.cluster.ingresses.values():
        seen: dict[str, str] = {}
        for ann in ("nginx.org/policies", "nginx.com/policies"):
            raw = ing.annotations.get(ann)
            if not raw:
                continue
            for item in raw.split(","):
                item = item.strip()
                parts = item.split("/")
                key = item if len(parts) == 2 else f"{ing.meta.ref.namespace}/{item}"
                if not item:
                    continue
                if key in seen:
                    fld = field_path("metadata", "annotations", ann)
                    _lint(
                        b,
                        "MTLS071",
                        ing.meta.ref,
                        ing.meta.origin.at(fld),
                        key,
                        f"policy {key} is referenced twice ({seen[key]} and {ann}); NIC keeps the first",
                    )
                else:
                    seen[key] = ann


def _nic_does_it(hosts: Sequence[HostReport], ing: Ingress, effect: str) -> bool:
    """NIC already does what the annotations meant: ingressMTLS on every host of the Ingress (fail-open), or
    ``nginx.org/ssl-services`` naming every backend and no ingress-nginx client certificate (plain HTTP)."""
    if effect == "fail-open":
        return bool(hosts) and all(
            h.result.policies is not None and h.result.policies.ingress_mtls is not None for h in hosts
        )
    if ingress_nginx.PREFIX + "proxy-ssl-secret" in ing.annotations:
        return False
    ssl = {s.strip() for s in ing.annotations.get("nginx.org/ssl-services", "").split(",") if s.strip()}
    backends = {p.backend.name for r in ing.rules for p in r.paths if p.backend is not None}
    return bool(backends) and backends <= ssl


def ingress_nginx_annotations(b: Builder) -> None:
    """MTLS072: ingress-nginx's mTLS annotations on an Ingress NIC handles, one finding per effect."""
    handled = {r.ref for r in b.report.nic.resources if r.ref.kind == "Ingress"}
    servers: dict[ObjectRef, list[HostReport]] = {}
    for server in b.report.hosts:
        servers.setdefault(server.result.resource, []).append(server)
    for ing in b.cluster.ingresses.values():
        if ing.meta.ref not in handled:
            continue
        found = ingress_nginx.ignored(ing.annotations)
        served = b.hosts_of(ing.meta.ref)
        host_words = ", ".join(served) or "its hosts"
        for effect in ("fail-open", "plain-http"):
            items = [(a, v) for a, v in found if a.effect == effect]
            if not items or not ingress_nginx.meant(ing.annotations, effect):
                continue
            if _nic_does_it(servers.get(ing.meta.ref, []), ing, effect):
                continue
            names = ", ".join(ingress_nginx.PREFIX + a.name for a, _ in items)
            if effect == "fail-open":
                tail = f"{host_words} is served without a client-certificate check (fail-open)"
                secret = ing.annotations.get(ingress_nginx.PREFIX + "auth-tls-secret", "").rpartition("/")[2]
                depth = ing.annotations.get(ingress_nginx.PREFIX + "auth-tls-verify-depth", "1")
                fix = ingress_nginx.INGRESS_MTLS_FIX.format(
                    name=ing.meta.ref.name, namespace=ing.meta.ref.namespace, secret=secret or "client-ca", depth=depth
                )
            else:
                tail = "NGINX proxies to the upstream over plain HTTP (no TLS, no certificate sent or verified)"
                secret = ing.annotations.get(ingress_nginx.PREFIX + "proxy-ssl-secret", "").rpartition("/")[2]
                services = sorted(
                    {p.backend.name for r in ing.rules for p in r.paths if p.backend is not None}
                    | ({ing.default_backend.name} if ing.default_backend else set())
                )
                fix = ingress_nginx.EGRESS_MTLS_FIX.format(
                    name=ing.meta.ref.name,
                    namespace=ing.meta.ref.namespace,
                    secret=secret or "upstream-client",
                    ssl_name=ing.annotations.get(ingress_nginx.PREFIX + "proxy-ssl-name", "") or "<upstream name>",
                    services=",".join(services) or "<service>",
                )
            chk = BY_ID[catalogue.INGRESS_NGINX_ANNOTATION]
            fld = field_path("metadata", "annotations", ingress_nginx.PREFIX + items[0][0].name)
            msg = f"{ing.meta.ref}: NIC ignores the ingress-nginx annotation(s) {names}: {tail}"
            d = b.draft((chk.id, ing.meta.ref, effect), Draft(chk, msg, ing.meta.ref, ing.meta.origin.at(fld)))
            d.details.append(("use instead", fix))
            for a, _ in items:
                if a.nic_field:
                    d.details.append((ingress_nginx.PREFIX + a.name, f"NIC: {a.nic_field}"))
            for h in served:
                d.add_host(h)


