"""VirtualServer / VirtualServerRoute config generation: NIC 5.6's ``GenerateVirtualServerConfig`` replayed.

Given one VirtualServer, the VirtualServerRoutes NIC would attach to it, the cluster and the controller settings,
this builds the ``version2``-shaped model NIC builds (``internal/configs/virtualserver.go``), which
``render/virtualserver.py`` writes as NIC's ``version2/nginx(-plus).virtualserver.tmpl`` does, and
reports what NIC reports: the warnings per resource (VS and VSR, appended in NIC's order), the resource states
and events (``internal/k8s/controller.go :: updateVirtualServerStatusAndEvents``), and the secret references
NIC would write to disk.

Policy lookup, secret validation and ``generatePolicies`` itself live in ``inspector.nic.policies`` /
``inspector.nic.secrets``; this module decides *which* refs are evaluated in *which* context and where the
result lands (server or location), which is the VS-specific part of NIC's behaviour.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from inspector.model import (
    Action,
    Cluster,
    ControllerSettings,
    ObjectRef,
    PolicyReference,
    Route,
    Split,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic import policies as pol
from inspector.nic import validation
from inspector.nic import version2 as v2
from inspector.nic.config import ConfigParams, parse_configmap
from inspector.nic.messages import NicWarning, uncatalogued
from inspector.nic.parsing import go_quote, parse_int, parse_time
from inspector.nic.reload import (
    crl_error,
    egress_errors,
    first_statement,
    proxy_buffer_errors,
    timeout_errors,
    too_long_error,
    variable_error,
)
from inspector.nic.secrets import WILDCARD_SECRET, SecretStore, secret_files, tls_secret_warning
from inspector.nic.types import (
    AddHeader,
    ConfigFile,
    Context,
    Header,
    HostResult,
    LimitReqZoneCfg,
    LocationAction,
    LocationResult,
    NicEvent,
    PoliciesCfg,
    ResourceResult,
    ResourceState,
    SecretReference,
    UpstreamScheme,
)

VS_KIND = "VirtualServer"
VSR_KIND = "VirtualServerRoute"

NGINX_502_SERVER = "unix:/var/lib/nginx/nginx-502-server.sock"
NGINX_418_SERVER = "unix:/var/lib/nginx/nginx-418-server.sock"
INTERNAL_LOCATION_PREFIX = "internal_location_"
"""Constants of ``internal/configs/virtualserver.go``."""

GRPC_CONFLICTING_ERRORS = frozenset(
    {400, 401, 403, 404, 405, 408, 413, 414, 415, 426, 429, 495, 496, 497, 500, 501, 502, 503, 504}
)
"""``virtualserver.go :: grpcConflictingErrors``."""

# --- manifest values ----------------------------------------------------------------------------------------


def _int(value: Any, default: int) -> int:
    """An integer field of a manifest, or ``default`` when absent or not a number (never raises)."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    parsed = parse_int(str(value).strip())
    return default if parsed is None else parsed


# --- results -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VirtualServerResult:
    """Everything NIC produces for one VirtualServer (and the VirtualServerRoutes attached to it)."""

    host: HostResult
    file: ConfigFile | None
    """``conf.d/vs_<ns>_<name>.conf``; None when the VirtualServer was rejected."""
    warnings: dict[ObjectRef, list[NicWarning]]
    """Configuration warnings per object (VS and each VSR), in NIC's order (append semantics)."""
    resources: list[ResourceResult]
    """The VS first, then each VSR it references, with state, warnings and events."""
    secret_refs: dict[str, SecretReference]
    """``ns/name`` -> reference, for every secret NIC would resolve (and write to disk) for this VS."""
    config: v2.VirtualServerConfig | None = None
    """The version2 model the file was rendered from (None when rejected)."""


@dataclass(frozen=True)
class VSRSelection:
    """``configuration.go :: buildVirtualServerRoutes`` for one VS: what it attaches and what NIC says."""

    vsrs: tuple[VirtualServerRoute, ...]
    vs_warnings: tuple[str, ...]
    """Configuration warnings for the VS (``VirtualServerRoute ... doesn't exist or invalid`` and the like)."""
    ignored: Mapping[ObjectRef, str] = field(default_factory=dict)
    """VSRs the VS references but does not attach -> NIC's problem message for them."""


def _vsr_key(route_ref: str, vs_namespace: str) -> str:
    """A VS route's ``route:`` value as a store key; ``nsutils.HasNamespace`` means "contains a slash"."""
    return route_ref if "/" in route_ref else f"{vs_namespace}/{route_ref}"


def _vsr_problems_for_vs(
    vsr: VirtualServerRoute, vs: VirtualServer, vs_paths: Sequence[str], settings: ControllerSettings
) -> str:
    """``ValidateVirtualServerRouteForVirtualServer`` as one aggregate error text ("" when the VSR fits).

    ``vsr`` is one of the catalog's, which passed standalone validation: only the VS-dependent checks run."""
    errs = validation.validate_virtual_server_route(
        vsr, settings, vs_host=vs.host, vs_paths=tuple(vs_paths), standalone_valid=True
    )
    return validation.aggregate(errs)


@dataclass(frozen=True)
class VSRCatalog:
    """The cluster's VirtualServerRoutes as NIC's configuration holds them, validated once per run.

    Standalone validation (``ValidateVirtualServerRoute``) does not depend on the VS that names the VSR, so it runs
    once per snapshot instead of once per VS and VSR (that was quadratic: 4 million validations at 10k objects).
    """

    known: Mapping[str, VirtualServerRoute]
    """``ns/name`` -> VSR of the right class that passed standalone validation (``AddOrUpdateVirtualServerRoute``)."""
    rejected: Mapping[str, tuple[str, ...]]
    """``ns/name`` -> standalone validation errors of a VSR of the right class that NIC rejects."""
    by_label: Mapping[tuple[str, str], tuple[str, ...]]
    """(label, value) -> the sorted keys of the known VSRs carrying it: a ``routeSelector`` reads the VSRs with its
    first label instead of sorting and scanning every VSR of the cluster for each route (quadratic)."""

    def selected(self, selector: Mapping[str, str]) -> list[tuple[str, VirtualServerRoute]]:
        """The known VSRs whose labels match every entry of a non-empty ``selector``, by key."""
        first = next(iter(selector.items()))
        out = []
        for key in self.by_label.get(first, ()):
            vsr = self.known[key]
            if all(vsr.meta.labels.get(k) == v for k, v in selector.items()):
                out.append((key, vsr))
        return out


def vsr_catalog(cluster: Cluster, settings: ControllerSettings) -> VSRCatalog:
    """The VSRs NIC keeps in its configuration: right ingress class and passing standalone validation.

    ``configuration.go :: AddOrUpdateVirtualServerRoute``; a rejected VSR is absent, so a VS naming it gets
    ``VirtualServerRoute <key> doesn't exist or invalid``.
    """
    known: dict[str, VirtualServerRoute] = {}
    rejected: dict[str, tuple[str, ...]] = {}
    for key, vsr in cluster.virtual_server_routes.items():
        if vsr.ingress_class_name not in ("", settings.ingress_class):
            continue
        errors = validation.validate_virtual_server_route(vsr, settings)
        if errors:
            rejected[key] = errors
            continue
        known[key] = vsr
    by_label: dict[tuple[str, str], list[str]] = {}
    for key in sorted(known):
        for label in known[key].meta.labels.items():
            by_label.setdefault(label, []).append(key)
    return VSRCatalog(known=known, rejected=rejected, by_label={k: tuple(v) for k, v in by_label.items()})


def select_vsrs(
    vs: VirtualServer,
    cluster: Cluster,
    settings: ControllerSettings | None = None,
    *,
    catalog: VSRCatalog | None = None,
) -> VSRSelection:
    """Replay ``configuration.go :: buildVirtualServerRoutes`` for ``vs``: the attached VSRs and NIC's warnings.

    ``catalog`` is ``vsr_catalog(cluster, settings)``, computed once by a caller that selects for many VSs.
    """
    settings = settings if settings is not None else ControllerSettings()
    catalog = catalog if catalog is not None else vsr_catalog(cluster, settings)
    known = catalog.known
    warnings: list[str] = []
    vsrs: list[VirtualServerRoute] = []
    seen: set[str] = set()
    regex_entries: dict[str, tuple[VirtualServerRoute, list[str], int]] = {}
    referenced: list[str] = []

    def attach(key: str, vsr: VirtualServerRoute, path: str) -> None:
        """A route's VSR, validated against this VS, unless it is invalid for it or attached already."""
        err = _vsr_problems_for_vs(vsr, vs, [path], settings)
        if err:
            warnings.append(f"VirtualServerRoute {key} is invalid: {err}")
        elif key in seen:
            warnings.append(f"VS {vs.meta.ref.key} has duplicate VirtualServerRoutes {key}")
        else:
            seen.add(key)
            vsrs.append(vsr)

    for idx, route in enumerate(vs.routes):
        if route.route:
            key = _vsr_key(route.route, vs.meta.ref.namespace)
            referenced.append(key)
            vsr = known.get(key)
            if vsr is None:
                warnings.append(f"VirtualServerRoute {key} doesn't exist or invalid")
                continue
            if route.path.startswith("~"):
                # collectRegexNamedRoute: validated later with every regex path that names the VSR.
                if key in regex_entries:
                    entry = regex_entries[key]
                    if validation.normalize_path(route.path) not in {validation.normalize_path(p) for p in entry[1]}:
                        entry[1].append(route.path)
                else:
                    regex_entries[key] = (vsr, [route.path], idx)
                continue
            attach(key, vsr, route.path)
        elif route.route_selector:
            # validateVSRSelectors walks a Go map (random order); sorted keys make the result deterministic.
            for key, vsr in catalog.selected(route.route_selector):
                referenced.append(key)
                attach(key, vsr, route.path)

    for key, (vsr, regex_paths, _idx) in sorted(regex_entries.items(), key=lambda kv: kv[1][2]):
        err = _vsr_problems_for_vs(vsr, vs, regex_paths, settings)
        if err:
            warnings.append(f"VirtualServerRoute {key} is invalid: {err}")
            continue
        vsrs.append(vsr)

    # deduplicateVSRSlice
    unique: list[VirtualServerRoute] = []
    keys: set[str] = set()
    for vsr in vsrs:
        if vsr.meta.ref.key in keys:
            warnings.append(f"VS {vs.meta.ref.key} has duplicate VirtualServerRoutes {vsr.meta.ref.key}")
            continue
        keys.add(vsr.meta.ref.key)
        unique.append(vsr)

    # validateDuplicateVSRPaths: a later VSR whose subroute path is taken is dropped as a whole.
    paths: dict[str, str] = {}
    to_remove: list[str] = []
    for vsr in unique:
        own = vsr.meta.ref.key
        for sub in vsr.subroutes:
            norm = validation.normalize_path(sub.path)
            if norm in paths:
                holder = paths[norm]
                subs = holder if holder == own else f"{own} and {holder}"
                warnings.append(f"path {sub.path} has conflicting subroutes on {subs}")
                to_remove.append(own)
            else:
                paths[norm] = own
    final = list(unique)
    for key in to_remove:
        for i, vsr in enumerate(final):
            if vsr.meta.ref.key == key:
                del final[i]
                break

    attached = {v.meta.ref.key for v in final}
    ignored: dict[ObjectRef, str] = {}
    for key in referenced:
        vsr_obj = cluster.virtual_server_routes.get(key)
        if vsr_obj is None or key in attached or key not in known:
            continue
        # configuration.go :: addProblemsForOrphanOrIgnoredVsrs (the VSR's own host decides which VS it blames).
        if vsr_obj.host == vs.host:
            ignored[vsr_obj.meta.ref] = f"VirtualServer {vs.meta.ref.key} ignores VirtualServerRoute"
        else:
            ignored[vsr_obj.meta.ref] = "VirtualServer is invalid or doesn't exist"
    return VSRSelection(vsrs=tuple(final), vs_warnings=tuple(warnings), ignored=ignored)


def attached_vsrs(
    vs: VirtualServer, cluster: Cluster, settings: ControllerSettings | None = None
) -> tuple[list[VirtualServerRoute], dict[ObjectRef, str]]:
    """Which VSRs ``vs`` uses, and for each object with a problem NIC's text.

    The dict maps the VS to its configuration warnings joined with ``"; "`` (as in its event) and each referenced
    but unattached VSR to the message of the event NIC gives it. ``select_vsrs`` has the structured form.
    """
    sel = select_vsrs(vs, cluster, settings)
    problems: dict[ObjectRef, str] = dict(sel.ignored)
    if sel.vs_warnings:
        problems[vs.meta.ref] = "; ".join(sel.vs_warnings)
    return list(sel.vsrs), problems


def unattached_vsr_results(
    cluster: Cluster,
    settings: ControllerSettings,
    attached: Collection[ObjectRef],
    host_owner: Mapping[str, ObjectRef],
    catalog: VSRCatalog | None = None,
) -> list[ResourceResult]:
    """NIC's verdict on every VirtualServerRoute no VirtualServer attached (the attached ones come with their VS).

    * failing standalone validation: ``Rejected`` (``configuration.go :: AddOrUpdateVirtualServerRoute``);
    * its host held by a VirtualServer that does not attach it: ``Ignored``, ``VirtualServer <key> ignores
      VirtualServerRoute``; otherwise ``NoVirtualServerFound`` (``addProblemsForOrphanOrIgnoredVsrs``).

    ``host_owner`` maps each host to the resource holding it (NIC's ``c.hosts``); wrong-class VSRs are skipped.
    """
    rejected = (catalog if catalog is not None else vsr_catalog(cluster, settings)).rejected
    out: list[ResourceResult] = []
    for key in sorted(cluster.virtual_server_routes):
        vsr = cluster.virtual_server_routes[key]
        ref = vsr.meta.ref
        if vsr.ingress_class_name not in ("", settings.ingress_class) or ref in attached:
            continue
        errors = rejected.get(key, ())
        if errors:
            text = validation.aggregate(errors)
            out.append(
                ResourceResult(
                    ref=ref,
                    origin=vsr.meta.origin,
                    state="Invalid",
                    events=(
                        NicEvent("Warning", "Rejected", f"VirtualServerRoute {key} was rejected with error: {text}"),
                    ),
                    rejection=text,
                    rejection_field=validation.first_field(errors),
                )
            )
            continue
        owner = host_owner.get(vsr.host)
        if owner is not None and owner.kind == VS_KIND:
            event = NicEvent("Warning", "Ignored", f"VirtualServer {owner.key} ignores VirtualServerRoute")
        else:
            event = NicEvent("Warning", "NoVirtualServerFound", "VirtualServer is invalid or doesn't exist")
        out.append(ResourceResult(ref=ref, origin=vsr.meta.origin, state="Warning", events=(event,)))
    return out


# --- policies ------------------------------------------------------------------------------------------------


class _Warnings:
    """``configs.Warnings`` with VS semantics: ``mergeWarnings``/``addWarningf`` append per object."""

    def __init__(self) -> None:
        self.by_obj: dict[ObjectRef, list[NicWarning]] = {}

    def add(self, obj: ObjectRef, *msgs: NicWarning | str) -> None:
        """A ``str`` is a NIC text no check reads by cause (``messages.uncatalogued``)."""
        if msgs:
            self.by_obj.setdefault(obj, []).extend(m if isinstance(m, NicWarning) else uncatalogued(m) for m in msgs)


@dataclass(frozen=True)
class _PolicyEnv:
    """What ``createVirtualServerEx`` gathers before config generation: one policy map and the secret refs."""

    policies: dict[str, Any]
    secret_refs: dict[str, SecretReference]


def _policy_env(
    vs: VirtualServer,
    vsrs: Sequence[VirtualServerRoute],
    cluster: Cluster,
    settings: ControllerSettings,
    store: SecretStore,
    validity: pol.PolicyValidity,
) -> _PolicyEnv:
    """``controller.go :: createVirtualServerEx``: one policy map for spec, routes and subroutes (§9.1).

    IngressMTLS secrets are resolved for the spec policies only; egress secrets for every list. Lookup errors
    are only logged by NIC for VS/VSR, so they are dropped here too (generatePolicies reports the outcome).
    """
    secret_refs: dict[str, SecretReference] = {}
    if vs.tls is not None and vs.tls.secret:
        key = f"{vs.meta.ref.namespace}/{vs.tls.secret}"
        secret_refs[key] = store.get(key)

    policy_map: dict[str, Any] = {}
    lists: list[tuple[Sequence[PolicyReference], str, bool]] = [(vs.policies, vs.meta.ref.namespace, True)]
    lists += [(r.policies, vs.meta.ref.namespace, False) for r in vs.routes]
    lists += [(s.policies, vsr.meta.ref.namespace, False) for vsr in vsrs for s in vsr.subroutes]
    for refs, namespace, is_spec in lists:
        found, _errors = pol.get_policies(refs, namespace, cluster, settings, validity)
        policy_map.update(found)
        refs_found, _serrs = pol.mtls_secret_refs(found, store, ingress_mtls=is_spec)
        # controller.go :: createVirtualServerEx also resolves the JWT/basic-auth/OIDC/external-auth/API-key
        # secrets of every list (each lookup function stopping at its first error).
        refs_found.update(pol.other_secret_refs(found, store, ingress=False))
        for key, ref in refs_found.items():
            secret_refs.setdefault(key, ref)
    return _PolicyEnv(policies=policy_map, secret_refs=secret_refs)


def _generate_policies(
    env: _PolicyEnv,
    owner: ObjectRef,
    owner_origin: Any,
    refs: Sequence[PolicyReference],
    field_prefix: str,
    context: Context,
    *,
    tls: bool,
    settings: ControllerSettings,
    parent: ObjectRef | None = None,
) -> PoliciesCfg:
    """One ``generatePolicies`` call (``policy.go``); ``field_prefix`` names the list in the owner.

    ``parent`` is the VS when the owner is a VSR (``ownerDetails.parentName``, used in rate-limit zone names)."""
    return pol.generate_policies(
        owner,
        refs,
        env.policies,
        context,
        tls=tls,
        secret_refs=env.secret_refs,
        is_ingress=False,
        settings=settings,
        owner_origin=owner_origin,
        field_prefix=field_prefix,
        parent=parent,
    )


# --- locations -----------------------------------------------------------------------------------------------


def _extra(obj: Any, key: str, default: Any = None) -> Any:
    extra = getattr(obj, "extra", None) or {}
    value = extra.get(key, default)
    return default if value is None else value


def _time_with_default(value: Any, default: str) -> str:
    """``generateTimeWithDefault``: the default is passed through untouched, a set value is normalised."""
    if not value:
        return default
    return parse_time(str(value)) or ""


def _str_default(value: Any, default: str) -> str:
    return default if not value else str(value)


def _service_name(service: str) -> str:
    """``ParseServiceReference(upstream.Service, "")``: the name part of ``ns/name``."""
    parts = service.split("/")
    return parts[1] if "/" in service and len(parts) == 2 else service


def generate_path(path: str) -> str:
    """``virtualserver.go :: generatePath``: modifier spacing and quoted regexes."""
    if path.startswith("^~"):
        return "^~ " + path[2:].lstrip()
    if path.startswith("~*"):
        return '~* "' + path[2:].lstrip() + '"'
    if path.startswith("~"):
        return '~ "' + path[1:].lstrip() + '"'
    if path.startswith("="):
        return "= " + path[1:].lstrip()
    return path


@dataclass(frozen=True)
class _ErrorPages:
    """``errorPageDetails``: a route's errorPages, the index of its named locations, and the owner."""

    pages: tuple[Mapping[str, Any], ...]
    index: int
    owner: ObjectRef


def _route_error_pages(route: Route) -> tuple[Mapping[str, Any], ...] | None:
    raw = _extra(route, "errorPages")
    if not isinstance(raw, list):
        return None
    # An explicit `errorPages: []` is a non-nil Go slice: the subroute then does not inherit the VS route's pages.
    # Shapes the CRD schema/validation would refuse (no codes, neither return nor redirect) are skipped.
    return tuple(
        p
        for p in raw
        if isinstance(p, Mapping)
        and isinstance(p.get("codes"), list)
        and p["codes"]
        and (isinstance(p.get("return"), Mapping) or isinstance(p.get("redirect"), Mapping))
    )


def _error_page_codes(codes: Any) -> str:
    return " ".join(str(c) for c in codes) if isinstance(codes, list) else ""


def _generate_error_pages(index: int, pages: Sequence[Mapping[str, Any]]) -> tuple[v2.ErrorPage, ...]:
    """``virtualserver.go :: generateErrorPages``."""
    out: list[v2.ErrorPage] = []
    for i, page in enumerate(pages):
        redirect = page.get("redirect")
        if isinstance(redirect, Mapping):
            code = _int(redirect.get("code"), 0) or 301
            name = str(redirect.get("url", ""))
        else:
            ret = page.get("return") if isinstance(page.get("return"), Mapping) else {}
            code = _int((ret or {}).get("code"), 0)
            name = f"@error_page_{index}_{i}"
        out.append(v2.ErrorPage(name=name, codes=_error_page_codes(page.get("codes")), response_code=code))
    return tuple(out)


def _headers(raw: Any) -> tuple[Header, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        Header(name=str(h.get("name", "")), value=str(h.get("value", ""))) for h in raw if isinstance(h, Mapping)
    )


def _generate_error_page_locations(
    index: int, pages: Sequence[Mapping[str, Any]], owner: ObjectRef, origin_field: str
) -> list[v2.ErrorPageLocation]:
    """``virtualserver.go :: generateErrorPageLocations`` (redirects need no named location)."""
    out: list[v2.ErrorPageLocation] = []
    for i, page in enumerate(pages):
        if isinstance(page.get("redirect"), Mapping):
            continue
        ret = page.get("return")
        ret = ret if isinstance(ret, Mapping) else {}
        out.append(
            v2.ErrorPageLocation(
                name=f"@error_page_{index}_{i}",
                default_type=str(ret.get("type") or "text/html"),
                text=str(ret.get("body", "")),
                headers=_headers(ret.get("headers")),
                resource=owner,
                origin_field=f"{origin_field}.errorPages[{i}]",
            )
        )
    return out


class _LocationBuilder:
    """``generateLocation`` and friends, bound to the settings and the upstreams generated so far, and by
    ``with_policies`` to one route's policies."""

    def __init__(self, params: ConfigParams, upstreams: Mapping[str, VSUpstream], warnings: _Warnings) -> None:
        self.params = params
        self.upstreams = upstreams
        self.warnings = warnings
        self.policy_fields: dict[str, Any] = {}
        self.cors: tuple[AddHeader, ...] = ()

    def with_policies(self, cfg: PoliciesCfg, context: Context, add_header_inherit: str) -> _LocationBuilder:
        """``virtualserver.go :: addPoliciesCfgToLocation`` plus ``AddHeaderInherit`` for every location of one
        route, set as each location is made (copying each location with them took a quarter of the replica at 10k).
        The other policy types' lines are read from ``policies`` by the template; the CORS headers join
        ``add_headers`` after the location's own."""
        bound = _LocationBuilder(self.params, self.upstreams, self.warnings)
        bound.policy_fields = {
            "egress_mtls": cfg.egress_mtls,
            "policies_error_return": cfg.error_return,
            "context": context,
            "policies": cfg,
            "add_header_inherit": add_header_inherit,
            "cors_enabled": bool(cfg.cors_headers),
        }
        bound.cors = cfg.cors_headers
        return bound

    def location(
        self,
        *,
        path: str,
        upstream_name: str,
        action: Action | None,
        error_pages: _ErrorPages,
        internal: bool,
        original_path: str,
        ret_loc_index: int,
        vsr: VirtualServerRoute | None,
        resource: ObjectRef,
        origin_field: str,
    ) -> tuple[v2.Location, v2.ReturnLocation | None]:
        """``virtualserver.go :: generateLocation``: redirect, return, or proxy/grpc pass."""
        params = self.params
        act = action or Action()
        snippets = params.location_snippets  # enable-snippets is off by default: route snippets are dropped
        base: dict[str, Any] = {
            "path": generate_path(path),
            "resource": resource,
            "origin_field": origin_field,
            "snippets": snippets,
            "internal": False,
            **self.policy_fields,
        }
        if act.redirect is not None:
            return (
                v2.Location(
                    **base,
                    add_headers=self.cors,
                    proxy_intercept_errors=True,
                    internal_proxy_pass=f"http://{NGINX_418_SERVER}",
                    error_pages=(
                        v2.ErrorPage(name=act.redirect.url, codes="418", response_code=act.redirect.code or 301),
                    ),
                ),
                None,
            )
        if act.return_ is not None:
            ret = act.return_
            name = f"@return_{ret_loc_index}"
            base["snippets"] = params.location_snippets
            return (
                v2.Location(
                    **base,
                    add_headers=self.cors,
                    proxy_intercept_errors=True,
                    internal_proxy_pass=f"http://{NGINX_418_SERVER}",
                    error_pages=(v2.ErrorPage(name=name, codes="418", response_code=ret.code or 200),),
                ),
                v2.ReturnLocation(
                    name=name,
                    default_type=ret.type or "text/plain",
                    text=ret.body,
                    headers=tuple(Header(name=n, value=v) for n, v in ret.headers),
                    resource=resource,
                    origin_field=origin_field,
                ),
            )

        upstream = self.upstreams.get(upstream_name, VSUpstream())
        is_grpc = upstream.type == "grpc"
        self._check_grpc_error_pages(error_pages, is_grpc, upstream.name)
        proxy = act.proxy
        tls = upstream.tls.enable
        rewrite_path = proxy.rewrite_path if proxy is not None else ""
        proxy_pass = f"{'https' if tls else 'http'}://{upstream_name}"
        if internal and not rewrite_path:
            proxy_pass += "$request_uri"
        keepalive = _extra(upstream, "keepalive")
        has_keepalive = _int(keepalive, params.keepalive) != 0
        buffers = _extra(upstream, "buffers")
        buffering = _extra(upstream, "buffering")
        request_headers = _extra(proxy, "requestHeaders", {}) if proxy is not None else {}
        response_headers = _extra(proxy, "responseHeaders", {}) if proxy is not None else {}
        set_headers = list(_headers(request_headers.get("set") if isinstance(request_headers, Mapping) else None))
        if not any(h.name.lower() == "host" for h in set_headers):
            set_headers.append(Header(name="Host", value="$host"))
        pass_headers = request_headers.get("pass") if isinstance(request_headers, Mapping) else None
        resp: Mapping[str, Any] = response_headers if isinstance(response_headers, Mapping) else {}
        add_headers = tuple(
            AddHeader(name=str(h.get("name", "")), value=str(h.get("value", "")), always=bool(h.get("always")))
            for h in (resp.get("add") or [])
            if isinstance(h, Mapping)
        )
        loc = v2.Location(
            **{**base, "internal": internal},
            service_name=_service_name(upstream.service),
            upstream=upstream_name,
            upstream_tls=tls,
            is_vsr=vsr is not None,
            vsr_name=vsr.meta.ref.name if vsr is not None else "",
            vsr_namespace=vsr.meta.ref.namespace if vsr is not None else "",
            proxy_connect_timeout=_time_with_default(_extra(upstream, "connect-timeout"), params.proxy_connect_timeout),
            proxy_read_timeout=_time_with_default(_extra(upstream, "read-timeout"), params.proxy_read_timeout),
            proxy_send_timeout=_time_with_default(_extra(upstream, "send-timeout"), params.proxy_send_timeout),
            client_max_body_size=_str_default(_extra(upstream, "client-max-body-size"), params.client_max_body_size),
            client_body_buffer_size=_str_default(
                _extra(upstream, "client-body-buffer-size"), params.client_body_buffer_size
            ),
            proxy_max_temp_file_size=params.proxy_max_temp_file_size,
            proxy_buffering=bool(buffering) if buffering is not None else params.proxy_buffering,
            proxy_buffers=(
                f"{buffers.get('number')} {buffers.get('size')}"
                if isinstance(buffers, Mapping)
                else params.proxy_buffers
            ),
            proxy_buffer_size=_str_default(_extra(upstream, "buffer-size"), params.proxy_buffer_size),
            proxy_busy_buffers_size=_str_default(_extra(upstream, "busy-buffers-size"), params.proxy_busy_buffers_size),
            proxy_pass=proxy_pass,
            proxy_next_upstream=_str_default(_extra(upstream, "next-upstream"), "error timeout"),
            proxy_next_upstream_timeout=_time_with_default(_extra(upstream, "next-upstream-timeout"), "0s"),
            proxy_next_upstream_tries=_int(_extra(upstream, "next-upstream-tries"), 0),
            proxy_intercept_errors=bool(error_pages.pages),
            proxy_pass_request_headers=bool(pass_headers) if pass_headers is not None else True,
            proxy_set_headers=tuple(set_headers),
            proxy_hide_headers=tuple(str(h) for h in (resp.get("hide") or [])),
            proxy_pass_headers=tuple(str(h) for h in (resp.get("pass") or [])),
            proxy_ignore_headers=" ".join(str(h) for h in (resp.get("ignore") or [])),
            add_headers=add_headers + self.cors,
            proxy_pass_rewrite=_proxy_pass_rewrite(path, rewrite_path, internal, proxy is not None),
            rewrites=_rewrites(path, rewrite_path, internal, original_path, is_grpc),
            has_keepalive=has_keepalive,
            error_pages=_generate_error_pages(error_pages.index, error_pages.pages),
            disable_forwarded_headers=params.disable_forwarded_headers,
            grpc_pass=f"{'grpcs' if tls else 'grpc'}://{upstream_name}" if is_grpc else "",
        )
        return loc, None

    def _check_grpc_error_pages(self, error_pages: _ErrorPages, is_grpc: bool, upstream: str) -> None:
        """``virtualserver.go :: checkGrpcErrorPageCodes``."""
        if not error_pages.pages or not is_grpc:
            return
        codes = [
            c
            for page in error_pages.pages
            for c in (page.get("codes") or [])
            if isinstance(c, int) and c in GRPC_CONFLICTING_ERRORS
        ]
        if codes:
            self.warnings.add(
                error_pages.owner,
                f"The error page configuration for the upstream {upstream} is ignored for status code(s) "
                f"[{' '.join(str(c) for c in codes)}], which cannot be used for GRPC upstreams.",
            )


def _proxy_pass_rewrite(path: str, rewrite_path: str, internal: bool, has_proxy: bool) -> str:
    """``virtualserver.go :: generateProxyPassRewrite``."""
    if not has_proxy or internal:
        return ""
    if path.startswith(("/", "=", "^~")):
        return rewrite_path
    return ""


def _rewrites(path: str, rewrite_path: str, internal: bool, original_path: str, grpc: bool) -> tuple[str, ...]:
    """``virtualserver.go :: generateRewrites``."""
    if not rewrite_path:
        return ("^ $request_uri break",) if grpc and internal else ()
    if original_path:
        path = original_path
    is_regex = path.startswith("~")
    trimmed = path.removeprefix("~").removeprefix("*").strip()
    out: list[str] = []
    if internal:
        out.append("^ $request_uri_no_args")
    if is_regex:
        out.append(f'"^{trimmed}" "{rewrite_path}" break')
    elif internal:
        out.append(f'"^{trimmed}(.*)$" "{rewrite_path}$1" break')
    return tuple(out)


def _upstream_name_from_action(prefix: str, action: Action | None) -> str:
    """``upstreamNamer.GetNameForUpstreamFromAction``."""
    if action is None:
        return f"{prefix}_"
    if action.proxy is not None and action.proxy.upstream:
        return f"{prefix}_{action.proxy.upstream}"
    return f"{prefix}_{action.pass_}"


@dataclass
class _RoutingCfg:
    """``virtualserver.go :: routingCfg`` for one splits/matches route."""

    locations: list[v2.Location] = field(default_factory=list)
    return_locations: list[v2.ReturnLocation] = field(default_factory=list)
    split_clients: list[v2.SplitClient] = field(default_factory=list)
    maps: list[v2.Map] = field(default_factory=list)
    internal_redirect: v2.InternalRedirectLocation | None = None


class _VSGenerator:
    """The state NIC's ``GenerateVirtualServerConfig`` threads through its loops, as one object."""

    def __init__(
        self,
        vs: VirtualServer,
        vsrs: Sequence[VirtualServerRoute],
        cluster: Cluster,
        settings: ControllerSettings,
        store: SecretStore,
        vs_config_warnings: Sequence[str] = (),
        validity: pol.PolicyValidity | None = None,
        params: ConfigParams | None = None,
    ) -> None:
        self.vs = vs
        self.vsrs = list(vsrs)
        self.cluster = cluster
        self.settings = settings
        self.store = store
        self.validity = validity if validity is not None else pol.PolicyValidity(settings)
        self.params = params if params is not None else parse_configmap(settings.configmap, settings.plus)
        self.warnings = _Warnings()
        self.vs_config_warnings = tuple(vs_config_warnings)
        ns_name = f"{vs.meta.ref.namespace}_{vs.meta.ref.name}".replace("-", "_")
        self.safe = ns_name
        self.upstreams: dict[str, VSUpstream] = {}
        self.upstream_blocks: list[v2.Upstream] = []
        self.health_checks: list[v2.HealthCheck] = []
        self.status_matches: list[v2.StatusMatch] = []
        self.locations: list[v2.Location] = []
        self.internal_redirects: list[v2.InternalRedirectLocation] = []
        self.return_locations: list[v2.ReturnLocation] = []
        self.error_page_locations: list[v2.ErrorPageLocation] = []
        self.split_clients: list[v2.SplitClient] = []
        self.maps: list[v2.Map] = []
        self.matches_routes = 0

    # -- SSL --------------------------------------------------------------------------------------------------

    def ssl_config(self, env: _PolicyEnv) -> v2.SSL | None:
        """``virtualserver.go :: generateSSLConfig``."""
        tls = self.vs.tls
        if tls is None:
            return None
        if not tls.secret:
            if self.settings.wildcard_tls_secret:
                return v2.SSL(
                    http2=self.params.http2,
                    certificate=WILDCARD_SECRET,
                    certificate_key=WILDCARD_SECRET,
                    reject_handshake=False,
                )
            return None
        ref = env.secret_refs.get(f"{self.vs.meta.ref.namespace}/{tls.secret}")
        warning = tls_secret_warning(tls.secret, ref)
        if warning is not None:
            self.warnings.add(self.vs.meta.ref, warning)
        name = ref.path if warning is None and ref is not None else ""
        return v2.SSL(http2=self.params.http2, certificate=name, certificate_key=name, reject_handshake=bool(warning))

    # -- upstreams --------------------------------------------------------------------------------------------

    def add_upstream(self, u: VSUpstream, owner: ObjectRef, prefix: str, ssl: v2.SSL | None) -> None:
        """``virtualserver.go :: generateUpstreams`` / ``generateUpstream`` (no Endpoints are modelled)."""
        if (ssl is None or not self.params.http2) and u.type == "grpc":
            self.warnings.add(
                owner,
                f"gRPC cannot be configured for upstream {u.name}. gRPC requires enabled HTTP/2 and TLS termination",
            )
        name = f"{prefix}_{u.name}"
        params = self.params
        lb = _extra(u, "lb-method")
        lb_method = params.lb_method if not lb else ("" if lb == "round_robin" else str(lb))
        cookie_raw = _extra(u, "sessionCookie")
        cookie = None
        if isinstance(cookie_raw, Mapping) and cookie_raw.get("enable"):
            cookie = v2.SessionCookie(
                name=str(cookie_raw.get("name", "")),
                path=str(cookie_raw.get("path", "")),
                expires=str(cookie_raw.get("expires", "")),
                domain=str(cookie_raw.get("domain", "")),
                http_only=bool(cookie_raw.get("httpOnly")),
                secure=bool(cookie_raw.get("secure")),
                same_site=str(cookie_raw.get("samesite", "")),
            )
        keepalive = _extra(u, "keepalive")
        max_fails = _extra(u, "max-fails")
        max_conns = _extra(u, "max-conns")
        # No Endpoints are modelled: OSS then points at NIC's 502 server, Plus leaves the upstream empty
        # (virtualserver.go :: generateEndpointsForUpstream).
        servers = () if params.plus else (v2.UpstreamServer(NGINX_502_SERVER),)
        self.upstream_blocks.append(
            v2.Upstream(
                name=name,
                servers=servers,
                lb_method=lb_method,
                max_fails=_int(max_fails, params.max_fails),
                fail_timeout=_time_with_default(_extra(u, "fail-timeout"), params.fail_timeout),
                max_conns=_int(max_conns, params.max_conns),
                upstream_zone_size=params.upstream_zone_size,
                keepalive=_int(keepalive, params.keepalive),
                session_cookie=cookie,
                owner=owner,
                service=u.service,
            )
        )
        self.upstreams[name] = u
        hc = self._health_check(u, name, owner)
        if hc is not None:
            self.health_checks.append(hc)
            if hc.match:
                code = str(_extra(u, "healthCheck", {}).get("statusMatch", ""))
                self.status_matches.append(v2.StatusMatch(name=hc.match, code=code))

    def _health_check(self, u: VSUpstream, name: str, owner: ObjectRef) -> v2.HealthCheck | None:
        """``virtualserver.go :: generateHealthCheck`` / ``newHealthCheckWithDefaults`` (Plus renders it)."""
        raw = _extra(u, "healthCheck")
        if not isinstance(raw, Mapping) or raw.get("enable") is not True:
            return None
        params = self.params
        is_grpc = u.type == "grpc"
        tls = u.tls.enable
        hc_tls = raw.get("tls")
        tls_for_proxy = bool(hc_tls.get("enable")) if isinstance(hc_tls, Mapping) else tls

        def time(key: str, default: str) -> str:
            value = raw.get(key)
            return (parse_time(str(value)) or "") if value else default

        headers = raw.get("headers")
        by_name: dict[str, str] = {}
        if isinstance(headers, list):
            for h in headers:
                if isinstance(h, Mapping):
                    by_name[str(h.get("name", ""))] = str(h.get("value", ""))
        grpc_status = raw.get("grpcStatus")
        return v2.HealthCheck(
            name=name,
            proxy_pass=f"{'https' if tls_for_proxy else 'http'}://{name}",
            grpc_pass=f"{'grpcs' if tls else 'grpc'}://{name}" if is_grpc else "",
            is_grpc=is_grpc,
            uri=str(raw.get("path") or ("" if is_grpc else "/")),
            interval=time("interval", "5s"),
            jitter=time("jitter", "0s"),
            keepalive_time=time("keepalive-time", "60s"),
            fails=_int(raw.get("fails"), 0) or 1,
            passes=_int(raw.get("passes"), 0) or 1,
            proxy_connect_timeout=time(
                "connect-timeout", _time_with_default(_extra(u, "connect-timeout"), params.proxy_connect_timeout)
            ),
            proxy_read_timeout=time(
                "read-timeout", _time_with_default(_extra(u, "read-timeout"), params.proxy_read_timeout)
            ),
            proxy_send_timeout=time(
                "send-timeout", _time_with_default(_extra(u, "send-timeout"), params.proxy_send_timeout)
            ),
            headers=tuple(Header(n, by_name[n]) for n in sorted(by_name)),
            port=_int(raw.get("port"), 0),
            match=f"{name}_match" if raw.get("statusMatch") else "",
            mandatory=raw.get("mandatory") is True,
            persistent=raw.get("persistent") is True,
            grpc_status=_int(grpc_status, 0) if grpc_status is not None else None,
            grpc_service=str(raw.get("grpcService") or ""),
            owner=owner,
        )

    # -- routes -----------------------------------------------------------------------------------------------

    def _splits(
        self,
        builder: _LocationBuilder,
        splits: Sequence[Split],
        prefix: str,
        sc_index: int,
        error_pages: _ErrorPages,
        original_path: str,
        ret_loc_index: int,
        vsr: VirtualServerRoute | None,
        resource: ObjectRef,
        origin_field: str,
    ) -> _RoutingCfg:
        """``virtualserver.go :: generateSplits`` (without dynamic weight-change reload, a Plus-only flag)."""
        cfg = _RoutingCfg()
        dists = tuple(
            v2.Distribution(weight=f"{s.weight}%", value=f"/{INTERNAL_LOCATION_PREFIX}splits_{sc_index}_split_{i}")
            for i, s in enumerate(splits)
            if s.weight != 0
        )
        cfg.split_clients.append(
            v2.SplitClient(source="$request_id", variable=f"$vs_{self.safe}_splits_{sc_index}", distributions=dists)
        )
        for i, s in enumerate(splits):
            path = f"/{INTERNAL_LOCATION_PREFIX}splits_{sc_index}_split_{i}"
            loc, ret = builder.location(
                path=path,
                upstream_name=_upstream_name_from_action(prefix, s.action),
                action=s.action,
                error_pages=error_pages,
                internal=True,
                original_path=original_path,
                ret_loc_index=ret_loc_index + len(cfg.return_locations),
                vsr=vsr,
                resource=resource,
                origin_field=f"{origin_field}.splits[{i}]",
            )
            cfg.locations.append(loc)
            if ret is not None:
                cfg.return_locations.append(ret)
        return cfg

    def _matches(
        self,
        builder: _LocationBuilder,
        route: Route,
        prefix: str,
        error_pages: _ErrorPages,
        vsr: VirtualServerRoute | None,
        resource: ObjectRef,
        origin_field: str,
    ) -> _RoutingCfg:
        """``virtualserver.go :: generateMatchesConfig``."""
        index = self.matches_routes
        sc_index = len(self.split_clients)
        ret_loc_index = len(self.return_locations)
        cfg = _RoutingCfg()
        for i, m in enumerate(route.matches):
            for j, c in enumerate(m.conditions):
                if c.header:
                    source = "$http_" + c.header.replace("-", "_")
                elif c.cookie:
                    source = "$cookie_" + c.cookie
                elif c.argument:
                    source = "$arg_" + c.argument
                else:
                    source = c.variable
                ok = "1" if j == len(m.conditions) - 1 else f"$vs_{self.safe}_matches_{index}_match_{i}_cond_{j + 1}"
                cfg.maps.append(
                    v2.Map(
                        source=source,
                        variable=f"$vs_{self.safe}_matches_{index}_match_{i}_cond_{j}",
                        parameters=_match_parameters(c.value, ok),
                    )
                )
        sc_local = 0
        source = ""
        params: list[v2.Parameter] = []
        for i, m in enumerate(route.matches):
            source += f"$vs_{self.safe}_matches_{index}_match_{i}_cond_0"
            result = f"/{INTERNAL_LOCATION_PREFIX}matches_{index}_match_{i}"
            if m.splits:
                result = f"$vs_{self.safe}_splits_{sc_index + sc_local}"
                sc_local += 1
            params.append(v2.Parameter(value=f"~^{'0' * i}1", result=result))
        default = f"/{INTERNAL_LOCATION_PREFIX}matches_{index}_default"
        if route.splits:
            default = f"$vs_{self.safe}_splits_{sc_index + sc_local}"
        params.append(v2.Parameter(value="default", result=default))
        variable = f"$vs_{self.safe}_matches_{index}"
        cfg.maps.append(v2.Map(source=source, variable=variable, parameters=tuple(params)))

        sc_local = 0
        for i, m in enumerate(route.matches):
            field_i = f"{origin_field}.matches[{i}]"
            if m.splits:
                sub = self._splits(
                    builder,
                    m.splits,
                    prefix,
                    sc_index + sc_local,
                    error_pages,
                    route.path,
                    ret_loc_index + len(cfg.return_locations),
                    vsr,
                    resource,
                    field_i,
                )
                sc_local += len(sub.split_clients)
                cfg.split_clients += sub.split_clients
                cfg.locations += sub.locations
                cfg.return_locations += sub.return_locations
            else:
                loc, ret = builder.location(
                    path=f"/{INTERNAL_LOCATION_PREFIX}matches_{index}_match_{i}",
                    upstream_name=_upstream_name_from_action(prefix, m.action),
                    action=m.action,
                    error_pages=error_pages,
                    internal=True,
                    original_path=route.path,
                    ret_loc_index=ret_loc_index + len(cfg.return_locations),
                    vsr=vsr,
                    resource=resource,
                    origin_field=field_i,
                )
                cfg.locations.append(loc)
                if ret is not None:
                    cfg.return_locations.append(ret)
        if route.splits:
            sub = self._splits(
                builder,
                route.splits,
                prefix,
                sc_index + sc_local,
                error_pages,
                route.path,
                ret_loc_index + len(cfg.return_locations),
                vsr,
                resource,
                origin_field,
            )
            cfg.split_clients += sub.split_clients
            cfg.locations += sub.locations
            cfg.return_locations += sub.return_locations
        else:
            loc, ret = builder.location(
                path=f"/{INTERNAL_LOCATION_PREFIX}matches_{index}_default",
                upstream_name=_upstream_name_from_action(prefix, route.action),
                action=route.action,
                error_pages=error_pages,
                internal=True,
                original_path=route.path,
                ret_loc_index=ret_loc_index + len(cfg.return_locations),
                vsr=vsr,
                resource=resource,
                origin_field=origin_field,
            )
            cfg.locations.append(loc)
            if ret is not None:
                cfg.return_locations.append(ret)
        cfg.internal_redirect = v2.InternalRedirectLocation(
            path=route.path, destination=variable, resource=resource, origin_field=origin_field
        )
        return cfg

    def add_route(
        self,
        builder: _LocationBuilder,
        route: Route,
        prefix: str,
        error_pages: _ErrorPages,
        policies: PoliciesCfg,
        context: Context,
        add_header_inherit: str,
        vsr: VirtualServerRoute | None,
        resource: ObjectRef,
        origin_field: str,
    ) -> None:
        """One VS route or VSR subroute: matches, splits or a single action (``GenerateVirtualServerConfig``)."""
        builder = builder.with_policies(policies, context, add_header_inherit)
        if route.matches or route.splits:
            if route.matches:
                cfg = self._matches(builder, route, prefix, error_pages, vsr, resource, origin_field)
                self.matches_routes += 1
            else:
                cfg = self._splits(
                    builder,
                    route.splits,
                    prefix,
                    len(self.split_clients),
                    error_pages,
                    route.path,
                    len(self.return_locations),
                    vsr,
                    resource,
                    origin_field,
                )
                cfg.internal_redirect = v2.InternalRedirectLocation(
                    path=route.path,
                    destination=f"$vs_{self.safe}_splits_{len(self.split_clients)}",
                    resource=resource,
                    origin_field=origin_field,
                )
            self.maps += cfg.maps
            self.locations += cfg.locations
            if cfg.internal_redirect is not None:
                self.internal_redirects.append(cfg.internal_redirect)
            self.return_locations += cfg.return_locations
            self.split_clients += cfg.split_clients
            return
        loc, ret = builder.location(
            path=route.path,
            upstream_name=_upstream_name_from_action(prefix, route.action),
            action=route.action,
            error_pages=error_pages,
            internal=False,
            original_path=route.path,
            ret_loc_index=len(self.return_locations),
            vsr=vsr,
            resource=resource,
            origin_field=origin_field,
        )
        self.locations.append(loc)
        if ret is not None:
            self.return_locations.append(ret)


def _match_parameters(matched: str, ok: str) -> tuple[v2.Parameter, ...]:
    """``generateParametersForMatchesRouteMap`` / ``generateValueForMatchesRouteMap``."""
    negative = False
    if not matched:
        value = '""'
    else:
        if matched[0] == "!":
            negative = True
            matched = matched[1:]
        value = "\\" + matched if matched in ("default", "hostnames", "include", "volatile") else f'"{matched}"'
    return (
        v2.Parameter(value=value, result="0" if negative else ok),
        v2.Parameter(value="default", result=ok if negative else "0"),
    )


def _inherit_spec_cors(cfg: PoliciesCfg, spec_cfg: PoliciesCfg) -> PoliciesCfg:
    """``GenerateVirtualServerConfig``: a route/subroute without CORS headers of its own (500-out included) takes
    the spec's."""
    if cfg.cors_headers or not spec_cfg.cors_headers:
        return cfg
    return replace(cfg, cors_headers=spec_cfg.cors_headers)


def _cors_map(cfg: PoliciesCfg) -> list[v2.Map]:
    if cfg.cors_map is None:
        return []
    m = cfg.cors_map
    return [v2.Map(source=m.source, variable=m.variable, parameters=tuple(v2.Parameter(v, r) for v, r in m.parameters))]


def predicted_reload_errors(config: v2.VirtualServerConfig, files: Mapping[str, bytes]) -> list[str]:
    """Why nginx would refuse this file, for the values NIC passes through unvalidated (``inspector.nic.reload``).

    NIC renders ``crlFileName`` as ``/etc/nginx/secrets/<name>`` without writing that file, and copies
    ``protocols``/``ciphers`` verbatim; nginx then fails the reload and NIC reports the VS (and its VSRs) as
    ``Invalid`` with ``AddedOrUpdatedWithError`` (``controller.go :: updateVirtualServerStatusAndEvents``).
    ``files`` are the files NIC writes for the secrets in use.
    """
    errors: list[str | None] = []
    s = config.server
    im = s.ingress_mtls
    if im is not None and im.client_crl:
        errors.append(crl_error(im.client_crl, files))
    # Free text NIC validates for escapes and variables only: a return body or header value longer than nginx's
    # configuration buffer fails the reload (``too long parameter``).
    returns: list[v2.ReturnLocation | v2.ErrorPageLocation] = [*s.return_locations, *s.error_page_locations]
    quoted = [f'"{r.text}"' for r in returns] + [go_quote(h.value) for r in returns for h in r.headers]
    quoted += [go_quote(h.value) for loc in s.locations for h in loc.proxy_set_headers]
    quoted += [go_quote(h.value) for loc in s.locations for h in loc.add_headers]
    errors += [too_long_error(token) for token in quoted]
    for loc in s.locations:
        # rewritePath is checked by NIC for `$` before a letter only: a trailing `$` reaches nginx.
        replacements = [loc.proxy_pass_rewrite] if loc.proxy_pass else []
        for rule in loc.rewrites:
            statement = first_statement(rule)
            if statement is not None and len(statement[0]) >= 2:
                replacements.append(statement[0][1])
        errors += [variable_error(text) for text in replacements if text]
        errors += timeout_errors(
            bool(loc.grpc_pass),
            loc.proxy_connect_timeout,
            loc.proxy_read_timeout,
            loc.proxy_send_timeout,
            loc.proxy_next_upstream_timeout,
        )
        if loc.proxy_pass:
            errors += proxy_buffer_errors(
                loc.proxy_buffers, loc.proxy_buffer_size, loc.proxy_busy_buffers_size, loc.proxy_max_temp_file_size
            )
    https_anywhere = any(loc.upstream_tls and (loc.proxy_pass or loc.grpc_pass) for loc in s.locations)
    errors += egress_errors(
        [(s.egress_mtls, https_anywhere)]
        + [(loc.egress_mtls, loc.upstream_tls and bool(loc.proxy_pass or loc.grpc_pass)) for loc in s.locations]
    )
    return list(dict.fromkeys(e for e in errors if e))


# --- the entry point -----------------------------------------------------------------------------------------


def _vs_event(
    ref: ObjectRef, config_warnings: Sequence[str], gen_warnings: Sequence[str], operation_error: str | None = None
) -> NicEvent:
    """``controller.go :: updateVirtualServerStatusAndEvents`` for the VS (note the spaces NIC leaves)."""
    message = ""
    kind: tuple[str, str] = ("Normal", "AddedOrUpdated")
    if config_warnings:
        message = "with warning(s): " + "; ".join(config_warnings)
        kind = ("Warning", "AddedOrUpdatedWithWarning")
    if gen_warnings:
        message = f"{message}; with warning(s): {'; '.join(gen_warnings)}"
        kind = ("Warning", "AddedOrUpdatedWithWarning")
    if operation_error is not None:
        message = f"{message}; but was not applied: {operation_error}"
        kind = ("Warning", "AddedOrUpdatedWithError")
    message = f"Configuration for {ref.key} was added or updated {message}"
    return NicEvent(kind[0], kind[1], message, operation_error)  # type: ignore[arg-type]


def _vsr_event(ref: ObjectRef, warnings: Sequence[str], operation_error: str | None = None) -> NicEvent:
    """The VSR half of ``updateVirtualServerStatusAndEvents`` (its odd spacing included)."""
    message = ""
    kind: tuple[str, str] = ("Normal", "AddedOrUpdated")
    if warnings:
        message = f" with warning(s): {'; '.join(warnings)}"
        kind = ("Warning", "AddedOrUpdatedWithWarning")
    if operation_error is not None:
        message = f" {message}; but was not applied:{operation_error}"
        kind = ("Warning", "AddedOrUpdatedWithError")
    message = f"Configuration for {ref.key} was added or updated{message}"
    return NicEvent(kind[0], kind[1], message, operation_error)  # type: ignore[arg-type]


def _rejected(vs: VirtualServer, errors: Sequence[str]) -> VirtualServerResult:
    """``configuration.go :: AddOrUpdateVirtualServer``: a VS failing validation gets no config at all."""
    ref = vs.meta.ref
    text = validation.aggregate(list(errors))
    message = f"VirtualServer {ref.key} was rejected with error: {text}"
    res = ResourceResult(
        ref=ref,
        origin=vs.meta.origin,
        state="Invalid",
        events=(NicEvent("Warning", "Rejected", message),),
        rejection=text,
        rejection_field=validation.first_field(errors),
    )
    return VirtualServerResult(
        host=HostResult(host=vs.host, resource=ref, rejected=True),
        file=None,
        warnings={},
        resources=[res],
        secret_refs={},
    )


def config_file_name(vs: VirtualServer) -> str:
    """``configurator.go :: getFileNameForVirtualServer`` under ``conf.d``."""
    return f"conf.d/vs_{vs.meta.ref.namespace}_{vs.meta.ref.name}.conf"


def generate_virtual_server(
    vs: VirtualServer,
    vsrs: Sequence[VirtualServerRoute] | None,
    cluster: Cluster,
    settings: ControllerSettings,
    store: SecretStore,
    *,
    catalog: VSRCatalog | None = None,
    validity: pol.PolicyValidity | None = None,
    params: ConfigParams | None = None,
    errors: tuple[str, ...] | None = None,
) -> VirtualServerResult:
    """Replay NIC for one VirtualServer: validation, VSR attachment, config generation, events.

    ``vsrs`` is the list NIC attached (``attached_vsrs``); pass None to let this function compute it (then the
    VS also carries NIC's configuration warnings about the VSRs it references; ``catalog`` saves revalidating
    every VSR of the cluster for each VS). The file carries the config model; nothing is rendered here.
    ``validity`` is the run's Policy validation (``PolicyValidity``), shared by every VS. A caller that has the
    run's ``parse_configmap(settings.configmap, settings.plus)`` passes it as ``params``, and ``errors`` when it has
    validated the VS already (the replica does, to sort out rejected ones): neither is computed again.
    """
    if errors is None:
        errors = validation.validate_virtual_server(vs, settings)
    if errors:
        return _rejected(vs, errors)

    config_warnings: tuple[str, ...] = ()
    if vsrs is None:
        sel = select_vsrs(vs, cluster, settings, catalog=catalog)
        vsrs = list(sel.vsrs)
        config_warnings = sel.vs_warnings

    gen = _VSGenerator(vs, vsrs, cluster, settings, store, config_warnings, validity, params)
    config, env = _build(gen)
    vs_ref = vs.meta.ref
    warnings = gen.warnings.by_obj
    file = ConfigFile(name=config_file_name(vs), resource=vs_ref, config=config)
    host = _host_result(config, vs_ref, file.name)

    vs_gen = warnings.get(vs_ref, [])
    vs_all = [uncatalogued(w) for w in config_warnings] + list(vs_gen)
    # A view, not a copy: the store grows with the cluster, and copying it per VS made the replica quadratic.
    own = {p: b for ref in env.secret_refs.values() for p, b in secret_files(ref).items()}
    # ChainMap only ever writes to its first map; the store's read-only view is safe behind it.
    written = ChainMap(own, cast("MutableMapping[str, bytes]", store.files()))
    reload_errors = predicted_reload_errors(config, written)
    op_error = f"nginx reload failed: {'; '.join(reload_errors)}" if reload_errors else None
    resources = [
        ResourceResult(
            ref=vs_ref,
            origin=vs.meta.origin,
            state="Invalid" if op_error else _state(vs_all),
            warnings=tuple(vs_all),
            events=(_vs_event(vs_ref, config_warnings, [w.text for w in vs_gen], op_error),),
        )
    ]
    for vsr in vsrs:
        vw = warnings.get(vsr.meta.ref, [])
        resources.append(
            ResourceResult(
                ref=vsr.meta.ref,
                origin=vsr.meta.origin,
                state="Invalid" if op_error else _state(vw),
                warnings=tuple(vw),
                events=(_vsr_event(vsr.meta.ref, [w.text for w in vw], op_error),),
            )
        )
    out_warnings: dict[ObjectRef, list[NicWarning]] = {}
    if vs_all:
        out_warnings[vs_ref] = vs_all
    for vsr in vsrs:
        if vsr.meta.ref in warnings:
            out_warnings[vsr.meta.ref] = list(warnings[vsr.meta.ref])
    used = _used_secret_refs(env)
    return VirtualServerResult(
        host=host, file=file, warnings=out_warnings, resources=resources, secret_refs=used, config=config
    )


def _state(warnings: Sequence[NicWarning]) -> ResourceState:
    return "Warning" if warnings else "Valid"


def _used_secret_refs(env: _PolicyEnv) -> dict[str, SecretReference]:
    """The secret refs NIC resolved for this VS (its ``SecretRefs`` map): what it would write to disk."""
    return {k: v for k, v in env.secret_refs.items() if v.secret is not None and v.error is None}


def _build(gen: _VSGenerator) -> tuple[v2.VirtualServerConfig, _PolicyEnv]:
    """``GenerateVirtualServerConfig`` proper, in NIC's order (warnings order follows from it, §9.2)."""
    vs, settings = gen.vs, gen.settings
    vs_ref = vs.meta.ref
    env = _policy_env(vs, gen.vsrs, gen.cluster, settings, gen.store, gen.validity)
    ssl = gen.ssl_config(env)
    tls_redirect = None
    if vs.tls is not None and vs.tls.redirect is not None and vs.tls.redirect.enable:
        based_on = "$http_x_forwarded_proto" if vs.tls.redirect.based_on == "x-forwarded-proto" else "$scheme"
        tls_redirect = v2.TLSRedirect(code=vs.tls.redirect.code or 301, based_on=based_on)

    spec_cfg = _generate_policies(
        env, vs_ref, vs.meta.origin, vs.policies, "spec.policies", "spec", tls=ssl is not None, settings=settings
    )
    gen.warnings.add(vs_ref, *spec_cfg.warnings)
    gen.maps += _cors_map(spec_cfg)

    vs_prefix = f"vs_{vs_ref.namespace}_{vs_ref.name}"
    for u in vs.upstreams:
        gen.add_upstream(u, vs_ref, vs_prefix, ssl)
    vsr_prefixes: dict[str, str] = {}
    for vsr in gen.vsrs:
        prefix = f"vs_{vs_ref.namespace}_{vs_ref.name}_vsr_{vsr.meta.ref.namespace}_{vsr.meta.ref.name}"
        vsr_prefixes[vsr.meta.ref.key] = prefix
        for u in vsr.upstreams:
            gen.add_upstream(u, vsr.meta.ref, prefix, ssl)

    builder = _LocationBuilder(gen.params, gen.upstreams, gen.warnings)
    vsr_error_pages: dict[str, tuple[tuple[Mapping[str, Any], ...], int]] = {}
    vsr_policies: dict[str, tuple[Sequence[PolicyReference], int]] = {}
    vsr_add_header_inherit: dict[str, str] = {}

    for i, route in enumerate(vs.routes):
        field_path = f"spec.routes[{i}]"
        pages = _route_error_pages(route) or ()
        details = _ErrorPages(pages=pages, index=len(gen.error_page_locations), owner=vs_ref)
        gen.error_page_locations += _generate_error_page_locations(details.index, pages, vs_ref, field_path)
        route_aht = str(_extra(route, "add-header-inherit", "") or "")
        if route.route or route.route_selector:
            names: list[str]
            if route.route:
                names = [_vsr_key(route.route, vs_ref.namespace)]
            else:
                names = [
                    v.meta.ref.key
                    for v in gen.vsrs
                    if all(v.meta.labels.get(k) == val for k, val in route.route_selector.items())
                ]
            for name in names:
                if route_aht:
                    vsr_add_header_inherit[name] = route_aht
                if pages:
                    vsr_error_pages[name] = (pages, details.index)
                if route.policies:
                    vsr_policies[name] = (route.policies, i)
            continue
        route_cfg = _generate_policies(
            env,
            vs_ref,
            vs.meta.origin,
            route.policies,
            f"{field_path}.policies",
            "route",
            tls=ssl is not None,
            settings=settings,
        )
        gen.warnings.add(vs_ref, *route_cfg.warnings)
        gen.maps += _cors_map(route_cfg)
        route_cfg = _inherit_spec_cors(route_cfg, spec_cfg)
        gen.add_route(builder, route, vs_prefix, details, route_cfg, "route", route_aht, None, vs_ref, field_path)

    for vsr in gen.vsrs:
        vsr_ref = vsr.meta.ref
        prefix = vsr_prefixes[vsr_ref.key]
        for j, sub in enumerate(vsr.subroutes):
            field_path = f"spec.subroutes[{j}]"
            own_pages = _route_error_pages(sub)
            details = _ErrorPages(pages=own_pages or (), index=len(gen.error_page_locations), owner=vsr_ref)
            gen.error_page_locations += _generate_error_page_locations(
                details.index, own_pages or (), vsr_ref, field_path
            )
            if own_pages is None and vsr_ref.key in vsr_error_pages:
                inherited, index = vsr_error_pages[vsr_ref.key]
                details = _ErrorPages(pages=inherited, index=index, owner=vsr_ref)
            aht = str(_extra(sub, "add-header-inherit", "") or "") or vsr_add_header_inherit.get(vsr_ref.key, "")
            context: Context
            if not sub.policies:
                # GenerateVirtualServerConfig: a subroute without policies evaluates the VS route's list as
                # `route`, owned by the VS (its warnings go to the VS).
                refs, route_idx = vsr_policies.get(vsr_ref.key, ((), -1))
                cfg = _generate_policies(
                    env,
                    vs_ref,
                    vs.meta.origin,
                    refs,
                    f"spec.routes[{route_idx}].policies",
                    "route",
                    tls=ssl is not None,
                    settings=settings,
                )
                gen.warnings.add(vs_ref, *cfg.warnings)
                context = "route"
            else:
                cfg = _generate_policies(
                    env,
                    vsr_ref,
                    vsr.meta.origin,
                    sub.policies,
                    f"{field_path}.policies",
                    "subroute",
                    tls=ssl is not None,
                    settings=settings,
                    parent=vs_ref,
                )
                gen.warnings.add(vsr_ref, *cfg.warnings)
                context = "subroute"
            gen.maps += _cors_map(cfg)
            cfg = _inherit_spec_cors(cfg, spec_cfg)
            gen.add_route(builder, sub, prefix, details, cfg, context, aht, vsr, vsr_ref, field_path)

    server = v2.Server(
        server_name=vs.host,
        vs_name=vs_ref.name,
        vs_namespace=vs_ref.namespace,
        server_tokens=gen.params.server_tokens,
        gunzip=vs.gunzip,
        status_zone=vs.host,
        proxy_protocol=gen.params.proxy_protocol,
        ssl=ssl,
        ingress_mtls=spec_cfg.ingress_mtls,
        tls_redirect=tls_redirect,
        set_real_ip_from=gen.params.set_real_ip_from,
        real_ip_header=gen.params.real_ip_header,
        real_ip_recursive=gen.params.real_ip_recursive,
        policies_error_return=spec_cfg.error_return,
        egress_mtls=spec_cfg.egress_mtls,
        snippets=gen.params.server_snippets,
        internal_redirect_locations=tuple(gen.internal_redirects),
        error_page_locations=tuple(gen.error_page_locations),
        return_locations=tuple(gen.return_locations),
        health_checks=tuple(gen.health_checks),
        locations=tuple(gen.locations),
        policies=spec_cfg,
    )
    config = v2.VirtualServerConfig(
        server=server,
        upstreams=tuple(sorted(gen.upstream_blocks, key=lambda u: u.name)),
        split_clients=tuple(gen.split_clients),
        maps=_dedupe_maps(gen.maps),
        limit_req_zones=_limit_req_zones([spec_cfg] + [loc.policies for loc in gen.locations if loc.policies]),
        status_matches=tuple(gen.status_matches),
        plus=settings.plus,
        dynamic_ssl_reload=settings.ssl_dynamic_reload,
    )
    return config, env


def _limit_req_zones(cfgs: Sequence[PoliciesCfg]) -> tuple[LimitReqZoneCfg, ...]:
    """``virtualserver.go :: removeDuplicateLimitReqZones`` over the spec, route and subroute policy configs."""
    seen: dict[str, LimitReqZoneCfg] = {}
    for cfg in cfgs:
        for zone in cfg.limit_req_zones:
            seen.setdefault(zone.zone_name, zone)
    return tuple(seen.values())


def _dedupe_maps(maps: Sequence[v2.Map]) -> tuple[v2.Map, ...]:
    """``virtualserver.go :: removeDuplicateMaps`` (by variable, first wins)."""
    seen: set[str] = set()
    out: list[v2.Map] = []
    for m in maps:
        if m.variable in seen:
            continue
        seen.add(m.variable)
        out.append(m)
    return tuple(out)


def _scheme_of(url: str) -> UpstreamScheme:
    for scheme in ("grpcs", "grpc", "https", "http"):
        if url.startswith(scheme + "://"):
            return scheme
    return ""


def _scheme(loc: v2.Location) -> UpstreamScheme:
    return _scheme_of(loc.grpc_pass or loc.proxy_pass)


def _action(loc: v2.Location, returns: Mapping[str, v2.ReturnLocation]) -> tuple[LocationAction, int | None, str, str]:
    """What the location does (``LocationResult.action``, ``action_code``, ``action_target``, ``action_type``).

    NIC answers ``return`` and ``redirect`` actions by proxying to its 418 server and catching that with
    ``error_page 418 =<code> @return_N`` (return) or ``error_page 418 =<code> <url>`` (redirect)
    (``internal/configs/virtualserver.go :: generateLocationForReturn``, ``generateLocationForRedirect``).
    """
    if loc.internal_proxy_pass and loc.error_pages:
        page = loc.error_pages[0]
        ret = returns.get(page.name)
        if ret is not None:
            return "return", page.response_code, page.name, ret.default_type
        return "redirect", page.response_code, page.name, ""
    if loc.grpc_pass:
        return "grpc", None, "", ""
    return ("proxy" if loc.proxy_pass else ""), None, "", ""


def host_locations(config: v2.VirtualServerConfig) -> tuple[LocationResult, ...]:
    """The ``location`` blocks of the server in the order the template writes them."""
    s = config.server
    vs_ref = ObjectRef(VS_KIND, s.vs_namespace, s.vs_name)
    out: list[LocationResult] = []
    for irl in s.internal_redirect_locations:
        out.append(LocationResult(path=irl.path, resource=irl.resource or vs_ref, origin_field=irl.origin_field))
    if config.plus:
        # nginx-plus.virtualserver.tmpl: health-check locations sit between the redirects and the error pages;
        # they carry no policy block, so only server-level egress reaches them (spec §5.5).
        for hc in s.health_checks:
            out.append(
                LocationResult(
                    path=f"@hc-{hc.name}",
                    resource=hc.owner or vs_ref,
                    upstream=hc.name,
                    upstream_scheme=_scheme_of(hc.grpc_pass or hc.proxy_pass),
                    grpc=bool(hc.grpc_pass),
                    internal=True,
                )
            )
    for epl in s.error_page_locations:
        out.append(
            LocationResult(path=epl.name, resource=epl.resource or vs_ref, origin_field=epl.origin_field, internal=True)
        )
    for rl in s.return_locations:
        out.append(
            LocationResult(path=rl.name, resource=rl.resource or vs_ref, origin_field=rl.origin_field, internal=True)
        )
    returns = {rl.name: rl for rl in s.return_locations}
    for loc in s.locations:
        action, code, target, body_type = _action(loc, returns)
        out.append(
            LocationResult(
                path=loc.path,
                resource=loc.resource,
                origin_field=loc.origin_field,
                returns_500=loc.policies_error_return is not None,
                upstream_scheme=_scheme(loc),
                upstream=loc.upstream,
                service=loc.service_name,
                grpc=bool(loc.grpc_pass),
                # Split/match targets are internal even when NIC omits `internal;` (return/redirect actions).
                internal=loc.internal or loc.path.startswith(f"/{INTERNAL_LOCATION_PREFIX}"),
                context=loc.context,
                policies=loc.policies,
                action=action,
                action_code=code,
                action_target=target,
                action_type=body_type,
            )
        )
    if s.ssl is not None and s.ssl.http2:
        for name in GRPC_ERROR_LOCATIONS:
            out.append(LocationResult(path=name, resource=vs_ref, internal=True))
    return tuple(out)


GRPC_ERROR_LOCATIONS = (
    "@grpc_deadline_exceeded",
    "@grpc_permission_denied",
    "@grpc_resource_exhausted",
    "@grpc_unimplemented",
    "@grpc_internal",
    "@grpc_unavailable",
    "@grpc_unauthenticated",
)
"""Named locations both VS templates add when the server has TLS with HTTP/2."""


def _host_result(config: v2.VirtualServerConfig, ref: ObjectRef, file_name: str) -> HostResult:
    s = config.server
    return HostResult(
        host=s.server_name,
        resource=ref,
        config_file=file_name,
        tls=s.ssl is not None,
        ssl_reject_handshake=s.ssl is not None and s.ssl.reject_handshake,
        returns_500=s.policies_error_return is not None,
        policies=s.policies,
        locations=host_locations(config),
    )
