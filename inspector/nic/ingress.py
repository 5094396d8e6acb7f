"""Ingress config generation: NIC's ``generateNginxCfg`` and ``generateNginxCfgForMergeableIngresses``.

Why it exists: whether an mTLS policy takes effect on an Ingress host is decided here, not in the policy code:
the policy context's result is placed per server only if that host terminates TLS (W14, fail-open), egress
goes to the server for standard/master Ingresses and to every location for minions, a minion's 500-out lands
on its locations, a bad TLS secret gives ``ssl_reject_handshake on;`` and *replaces* the warnings gathered so
far (``internal/configs/warnings.go :: Warnings.Add``). Source: ``internal/configs/ingress.go``.

The policy context result (``generatePolicies``) is computed by the caller (``replica``) once per Ingress and
passed in ``IngressEx.policies``, exactly as NIC computes ``policyCfg`` once and reuses it for every host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from inspector.model import Ingress, ObjectRef, ServiceBackend
from inspector.nic import messages
from inspector.nic.config import (
    ConfigParams,
    IngressNginxConfig,
    Location,
    MinionRef,
    Server,
    Upstream,
    UpstreamServer,
    merge_proxy_set_headers,
    parse_add_headers,
    parse_annotations,
    parse_rewrites,
    parse_service_list,
)
from inspector.nic.messages import NicWarning, uncatalogued
from inspector.nic.reload import cipher_error, crl_error, egress_errors, proxy_buffer_errors, timeout_errors
from inspector.nic.secrets import DEFAULT_SERVER_SECRET, WILDCARD_SECRET, tls_secret_warning
from inspector.nic.types import PoliciesCfg, SecretReference

EMPTY_HOST_TOKEN = "_"
"""``ingress.go :: emptyHostToken``."""

MASTER_DENYLIST = frozenset(
    {
        "nginx.org/rewrites",
        "nginx.org/ssl-services",
        "nginx.org/grpc-services",
        "nginx.org/websocket-services",
        "nginx.org/sticky-cookie-services",
        "nginx.com/sticky-cookie-services",
        "nginx.com/health-checks",
        "nginx.com/health-checks-mandatory",
        "nginx.com/health-checks-mandatory-queue",
        "nginx.org/use-cluster-ip",
    }
)
"""``annotations.go :: masterDenylist``."""

MINION_DENYLIST = frozenset(
    {
        "nginx.org/proxy-hide-headers",
        "nginx.org/proxy-pass-headers",
        "nginx.org/redirect-to-https",
        "ingress.kubernetes.io/ssl-redirect",
        "nginx.org/ssl-redirect",
        "nginx.org/http-redirect-code",
        "nginx.org/hsts",
        "nginx.org/hsts-max-age",
        "nginx.org/hsts-include-subdomains",
        "nginx.org/server-tokens",
        "nginx.org/listen-ports",
        "nginx.org/listen-ports-ssl",
        "nginx.org/server-snippets",
        "nginx.org/ssl-ciphers",
        "nginx.org/ssl-prefer-server-ciphers",
        "nginx.org/app-root",
        "appprotect.f5.com/app_protect_enable",
        "appprotect.f5.com/app_protect_policy",
        "appprotect.f5.com/app_protect_security_log_enable",
        "appprotect.f5.com/app_protect_security_log",
        "appprotectdos.f5.com/app-protect-dos-resource",
    }
)
"""``annotations.go :: minionDenylist``."""

MINION_INHERITANCE = (
    "nginx.org/proxy-connect-timeout",
    "nginx.org/proxy-read-timeout",
    "nginx.org/proxy-send-timeout",
    "nginx.org/client-max-body-size",
    "nginx.org/proxy-buffering",
    "nginx.org/proxy-buffers",
    "nginx.org/proxy-buffer-size",
    "nginx.org/proxy-busy-buffers-size",
    "nginx.org/proxy-max-temp-file-size",
    "nginx.org/upstream-zone-size",
    "nginx.org/location-snippets",
    "nginx.org/lb-method",
    "nginx.org/keepalive",
    "nginx.org/max-fails",
    "nginx.org/max-conns",
    "nginx.org/fail-timeout",
    "nginx.org/limit-req-rate",
    "nginx.org/limit-req-key",
    "nginx.org/limit-req-zone-size",
    "nginx.org/limit-req-delay",
    "nginx.org/limit-req-no-delay",
    "nginx.org/limit-req-burst",
    "nginx.org/limit-req-dry-run",
    "nginx.org/limit-req-log-level",
    "nginx.org/limit-req-reject-code",
    "nginx.org/limit-req-scale",
)
"""``annotations.go :: minionInheritanceList``."""


class Warnings(dict[ObjectRef, list[NicWarning]]):
    """NIC's ``configs.Warnings``: per-object lists where ``add`` **replaces** (``warnings.go :: Warnings.Add``)."""

    def add(self, other: Mapping[ObjectRef, Sequence[NicWarning]]) -> None:
        for ref, msgs in other.items():
            self[ref] = list(msgs)

    def add_warning(self, ref: ObjectRef, message: NicWarning | str) -> None:
        """A ``str`` is a NIC text no check reads by cause (``messages.uncatalogued``)."""
        self.setdefault(ref, []).append(message if isinstance(message, NicWarning) else uncatalogued(message))


@dataclass(frozen=True)
class IngressEx:
    """NIC's ``configs.IngressEx``: an Ingress with what the controller resolved for it."""

    ingress: Ingress
    valid_hosts: Mapping[str, bool]
    """Host -> owned by this Ingress (``configuration.go :: updateActiveHostsForIngresses``)."""
    secret_refs: Mapping[str, SecretReference] = field(default_factory=dict)
    """TLS secrets keyed by the **bare** ``secretName`` (``controller.go :: createIngressEx``)."""
    policies: PoliciesCfg | None = None
    """``generatePolicies`` result for this Ingress's context (spec, or minion); None when it has no refs."""
    valid_minion_paths: Mapping[str, bool] | None = None
    """Minions only: path -> not taken by an older minion (``configuration.go :: buildMinionConfigs``)."""


@dataclass(frozen=True)
class Logs:
    """Log lines NIC prints (not events) that still explain an outcome, with the resource they are about."""

    entries: tuple[tuple[ObjectRef, str], ...] = ()

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for _, line in self.entries)


def upstream_name(ing: Ingress, host: str, backend: ServiceBackend) -> str:
    """``ingress.go :: getNameForUpstream``: ``<ns>-<ing>-<host|_>-<svc>-<port number or name>``."""
    return f"{ing.meta.ref.namespace}-{ing.meta.ref.name}-{host or EMPTY_HOST_TOKEN}-{backend.name}-{backend.port}"


def _ingress_path(path: str, path_type: str) -> str:
    """``ingress.go :: generateIngressPath``: ``= `` prefix for pathType Exact."""
    return "= " + path if path_type == "Exact" else path


def _path_with_regex(path: str, regex: str) -> str:
    """``version1/template_helper.go :: makePathWithRegex``."""
    if regex == "case_sensitive":
        return f'~ "^{path}"'
    if regex == "case_insensitive":
        return f'~* "^{path}"'
    if regex == "exact":
        return f'= "{path}"'
    return path


def _rewrite_pattern(path: str, regex: str | None) -> str:
    """``template_helper.go :: makeRewritePattern`` (the original path with the regex anchor)."""
    if regex == "case_sensitive":
        return "^" + path
    if regex == "case_insensitive":
        return "(?i)^" + path
    return path


def _create_upstream(name: str, params: ConfigParams) -> Upstream:
    """``ingress.go :: createUpstream`` without endpoints (manifests carry none).

    OSS starts from ``NewUpstreamWithDefaultServer`` (``127.0.0.1:8181`` with fixed ``max_fails=1
    fail_timeout=10s``, not the annotation values); with no endpoints that server stays. Plus has no server.
    The endpoint list is nil (not empty), so NIC emits no "No endpoints found" warning.
    """
    servers = () if params.plus else (UpstreamServer("127.0.0.1:8181", 1, "10s", 0),)
    return Upstream(name=name, zone_size=params.upstream_zone_size, lb_method=params.lb_method, servers=servers)


def generate_ingress(
    ing_ex: IngressEx,
    base: ConfigParams,
    *,
    wildcard_tls: bool = False,
    dynamic_ssl_reload: bool = True,
    is_minion: bool = False,
) -> tuple[IngressNginxConfig, Warnings, Logs]:
    """``ingress.go :: generateNginxCfg``: one server per valid host, with NIC's warnings (replace quirk kept)."""
    ing = ing_ex.ingress
    ref = ing.meta.ref
    ann = ing.annotations
    cfg = parse_annotations(ann, base)
    logs: list[tuple[ObjectRef, str]] = []

    def services(key: str) -> frozenset[str]:
        return parse_service_list(ann[key]) if key in ann else frozenset()

    ws_services = services("nginx.org/websocket-services")
    rewrites = parse_rewrites(ann["nginx.org/rewrites"]) if "nginx.org/rewrites" in ann else {}
    ssl_services = services("nginx.org/ssl-services")
    grpc_services = services("nginx.org/grpc-services")
    if grpc_services and not cfg.http2:
        # ingress.go :: generateNginxCfg: a log line only, then every service is plain HTTP.
        message = f"Ingress {ref.namespace}/{ref.name}: annotation nginx.org/grpc-services requires HTTP2, ignoring"
        logs.append((ref, message))
        grpc_services = frozenset()

    warnings = Warnings()
    rewrite_target = ""
    if "nginx.org/rewrites" in ann and "nginx.org/rewrite-target" in ann:
        warnings.add(
            {
                ref: [
                    uncatalogued(
                        "nginx.org/rewrites and nginx.org/rewrite-target annotations are mutually exclusive; "
                        "nginx.org/rewrites will take precedence"
                    )
                ]
            }
        )
    else:
        rewrite_target = ann.get("nginx.org/rewrite-target", "")
    regex = ann.get("nginx.org/path-regex")

    upstreams: dict[str, Upstream] = {}
    default_backend = ing.default_backend
    if default_backend is not None:
        name = upstream_name(ing, "", default_backend)
        upstreams[name] = _create_upstream(name, cfg)

    if "ingress.kubernetes.io/ssl-redirect" in ann:
        warnings.add_warning(
            ref,
            "The annotation 'ingress.kubernetes.io/ssl-redirect' is deprecated and will be removed. "
            "Please use 'nginx.org/ssl-redirect' instead.",
        )

    policy_cfg = ing_ex.policies
    if policy_cfg is not None and policy_cfg.warnings:
        # ingress.go :: generateNginxCfg `allWarnings.Add(warnings)`: replaces what was gathered for the Ingress.
        warnings.add({ref: list(policy_cfg.warnings)})
    error_500 = policy_cfg is not None and policy_cfg.error_return is not None
    ingress_mtls = policy_cfg.ingress_mtls if policy_cfg is not None else None
    egress_mtls = policy_cfg.egress_mtls if policy_cfg is not None else None
    cors = policy_cfg.cors_headers if policy_cfg is not None else ()

    def with_cors(loc: Location) -> Location:
        """ingress.go :: generateNginxCfg: the policy's CORS headers on every location not already CORS-enabled."""
        if loc.cors_enabled or not cors:
            return loc
        return replace(loc, add_headers=loc.add_headers + cors, cors_enabled=True)

    def make_location(path: str, path_type: str, backend: ServiceBackend, host: str, field_path: str) -> Location:
        ups = upstream_name(ing, host, backend)
        if ups not in upstreams:
            upstreams[ups] = _create_upstream(ups, cfg)
        svc = backend.name
        ssl = svc in ssl_services
        nic_path = _ingress_path(path or "/", path_type)
        return Location(
            path=nic_path,
            location_path=_path_with_regex(nic_path, regex) if regex is not None else nic_path,
            service_name=svc,
            upstream=ups,
            proxy_pass=f"{'https' if ssl else 'http'}://{ups}",
            ssl=ssl,
            grpc=svc in grpc_services,
            websocket=svc in ws_services,
            rewrite=rewrites.get(svc, ""),
            rewrite_target=rewrite_target,
            rewrite_pattern=_rewrite_pattern(nic_path, regex),
            proxy_connect_timeout=cfg.proxy_connect_timeout,
            proxy_read_timeout=cfg.proxy_read_timeout,
            proxy_send_timeout=cfg.proxy_send_timeout,
            client_max_body_size=cfg.client_max_body_size,
            client_body_buffer_size=cfg.client_body_buffer_size,
            proxy_buffering=cfg.proxy_buffering,
            proxy_buffers=cfg.proxy_buffers,
            proxy_buffer_size=cfg.proxy_buffer_size,
            proxy_busy_buffers_size=cfg.proxy_busy_buffers_size,
            proxy_max_temp_file_size=cfg.proxy_max_temp_file_size,
            proxy_set_headers=cfg.proxy_set_headers,
            location_snippets=cfg.location_snippets,
            proxy_next_upstream=cfg.proxy_next_upstream,
            proxy_next_upstream_timeout=cfg.proxy_next_upstream_timeout,
            proxy_next_upstream_tries=cfg.proxy_next_upstream_tries,
            disable_forwarded_headers=cfg.disable_forwarded_headers,
            resource=ref,
            origin_field=field_path,
        )

    servers: list[Server] = []
    for rule_index, rule in enumerate(ing.rules):
        if not ing_ex.valid_hosts.get(rule.host, False):
            continue
        is_default = rule.host == ""
        name = rule.host or EMPTY_HOST_TOKEN
        server = Server(
            name=name,
            resource=ref,
            is_default_server=is_default,
            ports=cfg.ports,
            ssl_ports=cfg.ssl_ports,
            http2=cfg.http2,
            ssl_ciphers=cfg.ssl_ciphers,
            ssl_prefer_server_ciphers=cfg.ssl_prefer_server_ciphers,
            server_tokens=cfg.server_tokens,
            redirect_to_https=cfg.redirect_to_https,
            ssl_redirect=cfg.ssl_redirect,
            http_redirect_code=cfg.http_redirect_code,
            proxy_protocol=cfg.proxy_protocol,
            hsts=cfg.hsts,
            hsts_max_age=cfg.hsts_max_age,
            hsts_include_subdomains=cfg.hsts_include_subdomains,
            hsts_behind_proxy=cfg.hsts_behind_proxy,
            status_zone=name,
            real_ip_header=cfg.real_ip_header,
            set_real_ip_from=cfg.set_real_ip_from,
            real_ip_recursive=cfg.real_ip_recursive,
            proxy_hide_headers=cfg.proxy_hide_headers,
            proxy_pass_headers=cfg.proxy_pass_headers,
            add_headers=cfg.add_headers,
            add_header_inherit="" if is_minion else cfg.add_header_inherit,
            server_snippets=cfg.server_snippets,
            app_root=cfg.app_root,
            proxy_redirect_from=cfg.proxy_redirect_from,
            proxy_redirect_to=cfg.proxy_redirect_to,
            # ingress.go: minions apply egress mTLS at location scope so minion policies can override the master.
            egress_mtls=None if is_minion else egress_mtls,
            policies_error_return=error_500,
            policies=policy_cfg,
        )
        if is_default:
            server = replace(
                server,
                ports=(80,),
                ssl_ports=(443,),
                ssl=True,
                ssl_certificate=DEFAULT_SERVER_SECRET,
                ssl_certificate_key=DEFAULT_SERVER_SECRET,
            )
        else:
            server, ssl_warnings = _add_ssl_config(server, ing, rule.host, ing_ex.secret_refs, wildcard_tls)
            if ssl_warnings:
                # ingress.go :: generateNginxCfg `allWarnings.Add(warnings)`: the TLS warning REPLACES earlier ones.
                warnings.add({ref: ssl_warnings})
        if ingress_mtls is not None:
            if server.ssl:
                server = replace(server, ingress_mtls=ingress_mtls)
            else:
                warnings.add_warning(ref, messages.W14(rule.host))
                server = replace(server, fail_open=True)

        locations: list[Location] = []
        root = False
        grpc_only = bool(grpc_services)
        has_grpc = False
        for path_index, ipath in enumerate(rule.paths):
            if is_minion and not (ing_ex.valid_minion_paths or {}).get(ipath.path, False):
                continue
            if ipath.backend is None:
                continue  # resource backends are not served by NIC
            field_path = f"spec.rules[{rule_index}].http.paths[{path_index}]"
            loc = make_location(ipath.path, ipath.path_type, ipath.backend, rule.host, field_path)
            if loc.grpc:
                has_grpc = True
            else:
                grpc_only = False
            if is_minion:
                loc = replace(
                    loc,
                    egress_mtls=egress_mtls,
                    policies_error_return=error_500,
                    policies=policy_cfg,
                    proxy_redirect_from=cfg.proxy_redirect_from,
                    proxy_redirect_to=cfg.proxy_redirect_to,
                    add_header_inherit=cfg.add_header_inherit,
                )
            locations.append(with_cors(loc))
            if loc.path == "/":
                root = True
        if not root and default_backend is not None:
            loc = make_location("/", "Prefix", default_backend, "", "spec.defaultBackend")
            if is_minion:
                loc = replace(loc, egress_mtls=egress_mtls)
            locations.append(with_cors(loc))
            if loc.grpc:
                has_grpc = True
            else:
                grpc_only = False
            root = True
        if not locations:
            grpc_only = False
        if is_default and not root:
            server = replace(server, default_server_return=cfg.default_server_return)
        servers.append(replace(server, locations=tuple(locations), grpc_only=grpc_only, has_grpc_locations=has_grpc))

    return (
        IngressNginxConfig(
            namespace=ref.namespace,
            name=ref.name,
            annotations=dict(ann),
            upstreams=tuple(upstreams[k] for k in sorted(upstreams)),  # ingress.go :: upstreamMapToSlice
            servers=tuple(servers),
            keepalive=str(cfg.keepalive) if cfg.keepalive > 0 else "",
            dynamic_ssl_reload=dynamic_ssl_reload,
            plus=cfg.plus,
            maps=(policy_cfg.cors_map,) if policy_cfg is not None and policy_cfg.cors_map is not None else (),
        ),
        warnings,
        Logs(tuple(logs)),
    )


def _add_ssl_config(
    server: Server,
    ing: Ingress,
    host: str,
    secret_refs: Mapping[str, SecretReference],
    wildcard_tls: bool,
) -> tuple[Server, list[NicWarning]]:
    """``ingress.go :: addSSLConfig``: string-equal host match in ``spec.tls``; bad secret -> reject handshake."""
    tls_enabled = False
    tls_secret = ""
    for tls in ing.tls or ():
        for h in tls.hosts:
            if h == host:
                tls_enabled = True
                tls_secret = tls.secret_name
                break
    if not tls_enabled:
        return server, []
    warnings: list[NicWarning] = []
    pem = ""
    reject = False
    if tls_secret:
        secret_ref = secret_refs.get(tls_secret)
        if (warning := tls_secret_warning(tls_secret, secret_ref)) is not None:
            reject = True
            warnings.append(warning)
        elif secret_ref is not None:
            pem = secret_ref.path
    elif wildcard_tls:
        pem = WILDCARD_SECRET
    else:
        reject = True
        warnings.append(messages.W18(host))
    server = replace(server, ssl=True, ssl_certificate=pem, ssl_certificate_key=pem, ssl_reject_handshake=reject)
    return server, warnings


def default_server_config(params: ConfigParams, *, dynamic_ssl_reload: bool = True) -> IngressNginxConfig:
    """``configurator.go :: GenerateDefaultServerConfig``: NIC's ``conf.d/_default-server.conf``.

    Without ``-default-server-tls-secret`` there is no ``/etc/nginx/secrets/default`` file, so NIC sets
    ``SSLRejectHandshake`` (``cmd/nginx-ingress/main.go :: processDefaultServerSecret``). The server answers
    every unknown host with ``DefaultServerReturn`` (``404``).
    """
    server = Server(
        name=EMPTY_HOST_TOKEN,
        resource=ObjectRef("", "", ""),
        is_default_server=True,
        ports=(80,),
        ssl_ports=(443,),
        ssl=True,
        ssl_certificate=DEFAULT_SERVER_SECRET,
        ssl_certificate_key=DEFAULT_SERVER_SECRET,
        ssl_reject_handshake=True,
        default_server_return=params.default_server_return,
        server_tokens=params.server_tokens,
        http2=params.http2,
        proxy_protocol=params.proxy_protocol,
        real_ip_header=params.real_ip_header,
        set_real_ip_from=params.set_real_ip_from,
        real_ip_recursive=params.real_ip_recursive,
        status_zone=EMPTY_HOST_TOKEN,
        ssl_redirect=False,
    )
    return IngressNginxConfig(
        namespace="", name="", annotations={}, upstreams=(), servers=(server,),
        dynamic_ssl_reload=dynamic_ssl_reload, plus=params.plus,
    )


def filter_master_annotations(annotations: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """``annotations.go :: filterMasterAnnotations``: the kept annotations and the removed keys."""
    removed = [k for k in annotations if k in MASTER_DENYLIST]
    return {k: v for k, v in annotations.items() if k not in MASTER_DENYLIST}, removed


def _with_annotations(ing: Ingress, annotations: Mapping[str, str]) -> Ingress:
    return replace(ing, meta=replace(ing.meta, annotations=dict(annotations)))


def generate_mergeable(
    master: IngressEx,
    minions: Sequence[IngressEx],
    base: ConfigParams,
    *,
    wildcard_tls: bool = False,
    dynamic_ssl_reload: bool = True,
) -> tuple[IngressNginxConfig, Warnings, Logs]:
    """``ingress.go :: generateNginxCfgForMergeableIngresses``: the master's server with every minion's locations.

    ``minions`` must be in NIC's order (sorted ``ns/name``, ``configuration.go :: buildMinionConfigs``).
    Warnings are keyed by the original objects' refs (master and each minion).
    """
    mref = master.ingress.meta.ref
    kept, removed = filter_master_annotations(master.ingress.annotations)
    logs: list[tuple[ObjectRef, str]] = []
    if removed:
        logs.append(
            (
                mref,
                f"Ingress Resource {mref.namespace}/{mref.name} with the annotation 'nginx.org/mergeable-ingress-type' "
                f"set to 'master' cannot contain the '{','.join(removed)}' annotation(s). They will be ignored",
            )
        )
    master_ing = _with_annotations(master.ingress, kept)
    master_cfg, warnings, master_logs = generate_ingress(
        replace(master, ingress=master_ing),
        base,
        wildcard_tls=wildcard_tls,
        dynamic_ssl_reload=dynamic_ssl_reload,
    )
    logs.extend(master_logs.entries)
    if not master_cfg.servers:
        return master_cfg, warnings, Logs(tuple(logs))
    master_server = master_cfg.servers[0]
    master_policies = master_server.policies
    master_cors = master_policies.cors_headers if master_policies else ()
    maps = list(master_cfg.maps)
    upstreams = list(master_cfg.upstreams)
    keepalive = master_cfg.keepalive
    locations: list[Location] = []
    grpc_only = True
    has_grpc = False
    for minion in minions:
        ming = minion.ingress
        mann = dict(ming.annotations)
        for key in MINION_INHERITANCE:  # annotations.go :: mergeMasterAnnotationsIntoMinion
            if key in kept and key not in mann:
                mann[key] = kept[key]
        dropped = [k for k in mann if k in MINION_DENYLIST]
        if dropped:
            logs.append(
                (
                    ming.meta.ref,
                    f"Ingress Resource {ming.meta.ref.namespace}/{ming.meta.ref.name} with the annotation "
                    f"'nginx.org/mergeable-ingress-type' set to 'minion' cannot contain the {','.join(dropped)} "
                    "annotation(s). They will be ignored",
                )
            )
        mann = {k: v for k, v in mann.items() if k not in MINION_DENYLIST}
        minion_ing = replace(_with_annotations(ming, mann), default_backend=None)
        minion_cfg, minion_warnings, minion_logs = generate_ingress(
            # controller.go: createIngressEx(minion, ingConfig.ValidHosts, minion.ValidPaths): the master's hosts
            replace(minion, ingress=minion_ing, valid_hosts=master.valid_hosts),
            base,
            wildcard_tls=wildcard_tls,
            dynamic_ssl_reload=dynamic_ssl_reload,
            is_minion=True,
        )
        warnings.add(minion_warnings)
        logs.extend(minion_logs.entries)
        minion_ref = MinionRef(ming.meta.ref.namespace, ming.meta.ref.name, mann)
        add_headers = parse_add_headers(mann["nginx.org/add-header"]) if "nginx.org/add-header" in mann else ()
        # template_helper.go :: makeRewritePattern falls back to the master's path-regex for a minion without
        # one (makeLocationPath does not): the rewrite pattern may be anchored while the location is not.
        master_regex = kept.get("nginx.org/path-regex") if "nginx.org/path-regex" not in mann else None
        for server in minion_cfg.servers:
            for loc in server.locations:
                if master_regex is not None and loc.rewrite_target:
                    loc = replace(loc, rewrite_pattern=_rewrite_pattern(loc.path, master_regex))
                if not loc.cors_enabled and master_cors:
                    # ingress.go :: generateNginxCfgForMergeableIngresses: the master's CORS is the fallback.
                    loc = replace(loc, add_headers=loc.add_headers + master_cors, cors_enabled=True)
                loc = replace(
                    loc,
                    minion=minion_ref,
                    proxy_set_headers=merge_proxy_set_headers(
                        kept.get("nginx.org/proxy-set-headers"), mann.get("nginx.org/proxy-set-headers")
                    ),
                    # the minion's nginx.org/add-header lines go before any CORS headers
                    add_headers=add_headers + loc.add_headers,
                )
                if loc.grpc:
                    has_grpc = True
                else:
                    grpc_only = False
                locations.append(loc)
        upstreams.extend(minion_cfg.upstreams)
        maps.extend(minion_cfg.maps)
    merged = replace(
        master_server,
        locations=tuple(locations),
        has_grpc_locations=has_grpc,
        grpc_only=has_grpc and grpc_only,
    )
    return (
        replace(master_cfg, servers=(merged,), upstreams=tuple(upstreams), keepalive=keepalive, maps=tuple(maps)),
        warnings,
        Logs(tuple(logs)),
    )


# --- reload failures NIC cannot see coming (spec §2.4) --------------------------------------------------------


def reload_errors(cfg: IngressNginxConfig, files: Mapping[str, bytes]) -> list[str]:
    """Why nginx would refuse this Ingress file, for values NIC renders without checking them.

    ``crlFileName`` (a file NIC never writes) and an empty or broken ``ca.crl`` break ``ssl_crl``; egress
    ``protocols`` must be nginx keywords; ``ciphers`` must satisfy OpenSSL where nginx builds the upstream SSL
    context (locations that proxy over TLS with that prefix). NIC then reports ``AddedOrUpdatedWithError``.
    ``files`` are the secret files NIC writes (``NicResult.secret_files``). Texts are nginx's ``[emerg]`` cores.
    The ``nginx.org/ssl-ciphers`` annotation is not validated by NIC either, and ``nginx.org/listen-ports(-ssl)``
    only has to parse as a positive 32-bit number: nginx refuses a port above 65535.
    """
    errors: list[str | None] = []
    for server in cfg.servers:
        listened = ([] if server.grpc_only else list(server.ports)) + (list(server.ssl_ports) if server.ssl else [])
        errors += [f'invalid port in "{port}" of the "listen" directive' for port in listened if port > 65535]
        if server.ssl and server.ssl_ciphers:
            errors.append(cipher_error(server.ssl_ciphers, "ssl_ciphers"))
        for loc in server.locations:
            if "{" in loc.location_path and '"' not in loc.location_path:
                # NIC's path check allows braces without letters (`/a{1}`); unquoted, nginx opens a block there.
                words = loc.location_path.split("{", 1)[1].split()
                errors.append(f'unknown directive "{words[0]}"' if words else 'unexpected "{"')
            errors += timeout_errors(
                loc.grpc,
                loc.proxy_connect_timeout,
                loc.proxy_read_timeout,
                loc.proxy_send_timeout,
                loc.proxy_next_upstream_timeout,
            )
            if not loc.grpc:
                errors += proxy_buffer_errors(
                    loc.proxy_buffers, loc.proxy_buffer_size, loc.proxy_busy_buffers_size, loc.proxy_max_temp_file_size
                )
        if server.ingress_mtls is not None and server.ingress_mtls.client_crl:
            errors.append(crl_error(server.ingress_mtls.client_crl, files))
        https = any(loc.ssl and not loc.grpc for loc in server.locations)
        blocks = [(server.egress_mtls, https)] + [(loc.egress_mtls, loc.ssl) for loc in server.locations]
        errors += egress_errors(blocks)
    return list(dict.fromkeys(e for e in errors if e))
