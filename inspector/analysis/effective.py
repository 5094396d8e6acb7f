"""Which policy wins: the mTLS settings a location really runs with, directive by directive, after NGINX inheritance.

NIC never merges egress policies across contexts; precedence comes only from NGINX: a directive set in a
``location`` replaces the same directive from the ``server``, one directive at a time. A route or minion egress
policy always emits verify/depth/protocols/ciphers/session-reuse/server-name/name, but the certificate lines only
when ``tlsSecret`` is set and the trusted CA only when ``trustedCertSecret`` is set, so a location can keep the
server's client certificate while everything else comes from its own policy ("partial override", spec §5.5).
Server-level egress is rendered as ``proxy_ssl_*`` only and never reaches ``grpc_pass`` locations, which read
``grpc_ssl_*`` (spec §5.5, ``nginx.ingress.tmpl`` / ``nginx.virtualserver.tmpl``).

Defaults are nginx's own (what the location gets when nothing sets a directive), not NIC's policy defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from inspector.nic import messages
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import EgressMTLSCfg, IngressMTLSCfg, PoliciesCfg, PolicyOutcome

ValueSource = Literal["server", "location", "default"]

EGRESS_SUFFIXES = (
    "certificate",
    "certificate_key",
    "trusted_certificate",
    "verify",
    "verify_depth",
    "protocols",
    "ciphers",
    "session_reuse",
    "server_name",
    "name",
)
"""The ten ``*_ssl_*`` directives of NIC's egress block, in template order."""

NGINX_EGRESS_DEFAULTS = {
    "certificate": "",
    "certificate_key": "",
    "trusted_certificate": "",
    "verify": "off",
    "verify_depth": "1",
    "protocols": "TLSv1.2 TLSv1.3",
    "ciphers": "DEFAULT",
    "session_reuse": "on",
    "server_name": "off",
    "name": "$proxy_host",
}
"""nginx's defaults for ``proxy_ssl_*``/``grpc_ssl_*`` (protocols as of nginx 1.23.4; "" means not configured: no
client certificate is sent, no trusted CA). ``grpc_ssl_name`` defaults to the gRPC host, shown as ``$proxy_host``."""

NGINX_INGRESS_DEFAULTS = {
    "ssl_client_certificate": "",
    "ssl_crl": "",
    "ssl_verify_client": "off",
    "ssl_verify_depth": "1",
}
"""nginx's defaults for the ingressMTLS directives: no client certificate is requested."""


@dataclass(frozen=True)
class Effective:
    """One directive's value at a location or server, and where it came from (the report and explain carry it)."""

    directive: str
    """The directive name as the block uses it (``proxy_ssl_verify``, ``grpc_ssl_verify``, ``ssl_verify_client``)."""
    value: str
    """As rendered (certificate/key paths with ``$secret_dir_path`` under the default dynamic reload)."""
    source: ValueSource
    """``server``, ``location`` or ``default`` (nginx's own default: nothing renders it)."""
    policy: str | None
    """Policy key that set it, None for a default."""


def egress_values(cfg: EgressMTLSCfg, *, ssl_dynamic_reload: bool = True) -> dict[str, str]:
    """The lines NIC's egress block renders for ``cfg`` (suffix -> value); certificate/trust lines only when set."""
    values: dict[str, str] = {}
    if cfg.certificate:
        values["certificate"] = make_secret_path(cfg.certificate, ssl_dynamic_reload=ssl_dynamic_reload)
        values["certificate_key"] = make_secret_path(cfg.certificate_key, ssl_dynamic_reload=ssl_dynamic_reload)
    if cfg.trusted_cert:
        values["trusted_certificate"] = cfg.trusted_cert
    values["verify"] = "on" if cfg.verify_server else "off"
    values["verify_depth"] = str(cfg.verify_depth)
    values["protocols"] = cfg.protocols
    values["ciphers"] = cfg.ciphers
    values["session_reuse"] = "on" if cfg.session_reuse else "off"
    values["server_name"] = "on" if cfg.server_name else "off"
    values["name"] = cfg.ssl_name
    return values


def ingress_values(cfg: IngressMTLSCfg) -> dict[str, str]:
    """The lines NIC's ingressMTLS block renders (``ssl_crl`` only when a CRL is configured)."""
    values = {"ssl_client_certificate": cfg.client_cert}
    if cfg.client_crl:
        values["ssl_crl"] = cfg.client_crl
    values["ssl_verify_client"] = cfg.verify_client
    values["ssl_verify_depth"] = str(cfg.verify_depth)
    return values


def _live(cfg: PoliciesCfg | None) -> PoliciesCfg | None:
    """A context that is 500-out renders nothing but ``return 500;``."""
    return cfg if cfg is not None and cfg.error_return is None else None


def effective_egress(
    server: PoliciesCfg | None,
    location: PoliciesCfg | None,
    *,
    grpc: bool,
    ssl_dynamic_reload: bool = True,
) -> dict[str, Effective]:
    """The upstream-TLS directives a location runs with, keyed by directive name (``proxy_ssl_*``/``grpc_ssl_*``).

    Empty when the server or the location returns 500 (no request reaches the upstream).
    """
    if (server is not None and server.error_return is not None) or (
        location is not None and location.error_return is not None
    ):
        return {}
    prefix = "grpc_ssl_" if grpc else "proxy_ssl_"
    server_cfg = _live(server)
    location_cfg = _live(location)
    server_egress = server_cfg.egress_mtls if server_cfg is not None else None
    location_egress = location_cfg.egress_mtls if location_cfg is not None else None
    # Server-level egress is proxy_ssl_* only (templates); a gRPC location never sees it.
    from_server = egress_values(server_egress, ssl_dynamic_reload=ssl_dynamic_reload) if server_egress else {}
    if grpc:
        from_server = {}
    from_location = egress_values(location_egress, ssl_dynamic_reload=ssl_dynamic_reload) if location_egress else {}
    out: dict[str, Effective] = {}
    for suffix in EGRESS_SUFFIXES:
        directive = prefix + suffix
        if suffix in from_location and location_egress is not None:
            out[directive] = Effective(directive, from_location[suffix], "location", location_egress.source.key)
        elif suffix in from_server and server_egress is not None:
            out[directive] = Effective(directive, from_server[suffix], "server", server_egress.source.key)
        else:
            out[directive] = Effective(directive, NGINX_EGRESS_DEFAULTS[suffix], "default", None)
    return out


def effective_ingress(server: PoliciesCfg | None, *, tls: bool = True) -> dict[str, Effective]:
    """The client-certificate directives of a server block (ingressMTLS is server scope only).

    ``tls=False`` is the fail-open case: the host is not in ``spec.tls.hosts``, NIC leaves the block out (W14).
    Empty when the server returns 500.
    """
    if server is not None and server.error_return is not None:
        return {}
    cfg = server.ingress_mtls if server is not None and tls else None
    values = ingress_values(cfg) if cfg is not None else {}
    out: dict[str, Effective] = {}
    for directive, default in NGINX_INGRESS_DEFAULTS.items():
        if directive in values and cfg is not None:
            out[directive] = Effective(directive, values[directive], "server", cfg.source.key)
        else:
            out[directive] = Effective(directive, default, "default", None)
    return out


def host_statuses(server: PoliciesCfg | None, *, host_tls: bool = True, host: str = "") -> tuple[PolicyOutcome, ...]:
    """The server-level outcomes as they stand for one host (server block).

    ``host_tls=False`` is W14 (``ingress.go :: generateNginxCfg``): the host is not in ``spec.tls.hosts``, so NIC
    leaves the ingressMTLS block out of this server and requests are served without client-certificate checks.
    """
    out: list[PolicyOutcome] = []
    for outcome in server.outcomes if server is not None else ():
        if not host_tls and outcome.type == "ingressMTLS" and outcome.status == "applied":
            warning = messages.W14(host)
            outcome = replace(
                outcome,
                status="ignored",
                reason=(
                    f"host {host or '(this host)'} is not listed in spec.tls[].hosts: NIC leaves ingressMTLS out of "
                    "this server and serves it without client-certificate checks (fail-open)"
                ),
                warning=warning,
            )
        out.append(outcome)
    return tuple(out)


def final_statuses(
    server: PoliciesCfg | None,
    location: PoliciesCfg | None,
    *,
    grpc: bool,
    host_tls: bool = True,
    host: str = "",
) -> tuple[PolicyOutcome, ...]:
    """Every policy reference that concerns one location, with its status *at that location*.

    Server-level outcomes come first (in their order, as :func:`host_statuses` gives them), then the location's.
    A server-level egress policy that was applied becomes ``ignored`` at a gRPC location (it cannot reach it) and
    ``overridden`` where the location's own egress policy replaces it; a partial override names the directives
    still inherited.
    """
    out: list[PolicyOutcome] = []
    location_live = _live(location)
    location_egress = location_live.egress_mtls if location_live is not None else None
    location_500 = location is not None and location.error_return is not None
    for outcome in host_statuses(server, host_tls=host_tls, host=host):
        if outcome.type == "egressMTLS" and outcome.status == "applied":
            outcome = _server_egress_at_location(outcome, server, location_egress, grpc=grpc, location_500=location_500)
        out.append(outcome)
    for outcome in location.outcomes if location is not None else ():
        if outcome.type == "egressMTLS" and outcome.status == "applied" and grpc:
            outcome = replace(outcome, reason=outcome.reason + "; rendered as grpc_ssl_* for this gRPC location")
        out.append(outcome)
    return tuple(out)


def _server_egress_at_location(
    outcome: PolicyOutcome,
    server: PoliciesCfg | None,
    location_egress: EgressMTLSCfg | None,
    *,
    grpc: bool,
    location_500: bool,
) -> PolicyOutcome:
    if grpc:
        return replace(
            outcome,
            status="ignored",
            reason=(
                "server-level egressMTLS is rendered as proxy_ssl_* only; this gRPC location uses grpc_pass and "
                "reads grpc_ssl_*, so the policy does not reach it (no client certificate, no verification)"
            ),
        )
    if location_500:
        return replace(outcome, reason=outcome.reason + "; this location returns 500, so no upstream is contacted")
    if location_egress is None or server is None or server.egress_mtls is None:
        return outcome
    effective = effective_egress(server, PoliciesCfg(egress_mtls=location_egress), grpc=False)
    inherited = [name for name, value in effective.items() if value.source == "server"]
    by = location_egress.source
    if not inherited:
        reason = (
            f"overridden at this location by {by.key} ({by.owner.kind} {by.owner.key} {by.field}); every "
            "egress directive comes from the location policy"
        )
    else:
        reason = (
            f"partly overridden at this location by {by.key} ({by.owner.kind} {by.owner.key} {by.field}); "
            f"still inherited from this server-level policy: {', '.join(inherited)}"
        )
    return replace(outcome, status="overridden", reason=reason)
