"""The NIC replica's entry point: one Cluster snapshot in, everything NIC 5.6 would do with it out.

Why it exists: NIC's outcome for one resource depends on the others (who holds a host, which minions a master
gets, which policies are valid, which secrets exist), and on the controller's ConfigMap and flags. ``run``
replays the controller loop once, in NIC's order (``internal/k8s/configuration.go :: rebuildHosts`` then
``controller.go :: processChanges``): effective settings, namespace and class filtering, validation, host
ownership, Ingress and VirtualServer generation, rendering, events and the secret files NIC would write.

It never raises: a failure while replaying one resource becomes an internal-error warning on that resource,
and the rest of the snapshot is still analysed.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from inspector.model import (
    Cluster,
    ConfigMap,
    ControllerSettings,
    Ingress,
    ObjectRef,
    Origin,
    VirtualServer,
)
from inspector.nic import policies as pol
from inspector.nic import validation, versions
from inspector.nic import virtualserver as vsmod
from inspector.nic.config import ConfigParams, IngressNginxConfig, Location, Server, parse_configmap
from inspector.nic.ingress import IngressEx, generate_ingress, generate_mergeable, reload_errors
from inspector.nic.messages import INTERNAL_ERROR, NicWarning, uncatalogued
from inspector.nic.secrets import TYPE_CA, SecretStore, promised_secrets
from inspector.nic.types import (
    ConfigFile,
    Context,
    HostResult,
    LocationResult,
    NicEvent,
    NicLog,
    NicResult,
    PoliciesCfg,
    PolicyOutcome,
    PolicyResult,
    PolicySource,
    PolicyUser,
    ResourceResult,
    SecretReference,
    UpstreamScheme,
    VersionNote,
)

INGRESS = "Ingress"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
GRPC_ERROR_CODES = (400, 401, 403, 404, 405, 408, 414, 426, 500, 501, 502, 503, 504)


# --- settings ------------------------------------------------------------------------------------------------


def find_nic_configmap(cluster: Cluster, settings: ControllerSettings) -> ConfigMap | None:
    """The NIC ConfigMap among the sources: ``settings.nic_configmap`` (``-nginx-configmaps``), else by name.

    Auto-detection takes the first ConfigMap (source order) named ``nginx-config`` (the manifests' and Helm's
    usual name) or whose name contains ``nginx-ingress`` (Helm's ``<release>-nginx-ingress``).
    """
    if settings.nic_configmap:
        return cluster.config_maps.get(settings.nic_configmap)
    for cm in cluster.config_maps.values():
        name = cm.meta.ref.name
        if name == "nginx-config" or "nginx-ingress" in name:
            return cm
    return None


def effective_settings(cluster: Cluster, settings: ControllerSettings) -> ControllerSettings:
    """Settings with the ConfigMap found among the sources folded in (command-line keys win)."""
    cm = find_nic_configmap(cluster, settings)
    if cm is None:
        return settings
    merged = {**cm.data, **settings.configmap}
    return replace(settings, configmap=merged)


def watched(namespace: str, settings: ControllerSettings) -> bool:
    """``-watch-namespace``: objects elsewhere are invisible to NIC's informers."""
    return not settings.watch_namespaces or namespace in settings.watch_namespaces


def watched_cluster(cluster: Cluster, settings: ControllerSettings) -> Cluster:
    """The snapshot as NIC's informers see it with ``-watch-namespace``."""
    if not settings.watch_namespaces:
        return cluster

    def keep(objs: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in objs.items() if watched(k.split("/", 1)[0], settings)}

    return replace(
        cluster,
        secrets=keep(cluster.secrets),
        services=keep(cluster.services),
        policies=keep(cluster.policies),
        ingresses=keep(cluster.ingresses),
        virtual_servers=keep(cluster.virtual_servers),
        virtual_server_routes=keep(cluster.virtual_server_routes),
    )


def ingress_class(ing: Ingress) -> str:
    """``controller.go :: HasCorrectIngressClass``: the legacy annotation wins over ``spec.ingressClassName``."""
    annotated = ing.annotations.get(CLASS_ANNOTATION, "")
    if annotated:
        return annotated
    return ing.ingress_class_name or ""


def has_correct_class(ing: Ingress, settings: ControllerSettings) -> bool:
    """Is this Ingress NIC's? A class-less Ingress counts as ours (see the module note in the report).

    NIC itself requires ``class == -ingress-class``; a class-less Ingress gets one from the API server only
    when an IngressClass is marked default. Manifests checked before rollout rarely carry that, so a
    class-less Ingress is treated as if nginx were the default class.
    """
    cls = ingress_class(ing)
    return cls in ("", settings.ingress_class)


# --- host ownership (internal/k8s/configuration.go) ----------------------------------------------------------


def _source_rank(origin: Origin, sources: Sequence[str]) -> tuple[int, str, int, int]:
    """Creation order stand-in: files carry no ``creationTimestamp``, so earlier in the sources = older.

    The rank is the position of the source argument (file, or folder containing the file), then the file
    path (folders load sorted), then the document and line.
    """
    index = next(
        (i for i, src in enumerate(sources) if origin.file == src or origin.file.startswith(src.rstrip("/") + "/")),
        len(sources),
    )
    return (index, origin.file, origin.doc, origin.line)


@dataclass
class _Holder:
    ref: ObjectRef
    rank: tuple[int, str, int, int]
    warnings: list[NicWarning] = field(default_factory=list)


@dataclass
class Ownership:
    """``configuration.go :: buildHostsAndResources`` result: who holds each host, and the losers' warnings."""

    hosts: dict[str, ObjectRef]
    warnings: dict[ObjectRef, list[NicWarning]]


def host_ownership(
    ingresses: Sequence[Ingress], virtual_servers: Sequence[VirtualServer], sources: Sequence[str]
) -> Ownership:
    """Ingresses (sorted ``ns/name``) then VirtualServers claim hosts; the older resource wins a collision.

    ``chooseObjectMetaWinner``: earlier ``creationTimestamp`` wins (UID breaks ties). Without timestamps the
    source order stands in for creation order. The resource that loses a host gets
    ``host <h> is taken by another resource`` (only reported if it still has another host).
    """
    holders: dict[str, _Holder] = {}
    by_ref: dict[ObjectRef, _Holder] = {}
    claims: list[tuple[ObjectRef, Origin, Sequence[str]]] = []
    for ing in sorted(ingresses, key=lambda i: i.meta.ref.key):
        claims.append((ing.meta.ref, ing.meta.origin, [r.host for r in ing.rules]))
    for vs in sorted(virtual_servers, key=lambda v: v.meta.ref.key):
        claims.append((vs.meta.ref, vs.meta.origin, [vs.host]))
    for ref, origin, hosts in claims:
        me = by_ref.setdefault(ref, _Holder(ref, _source_rank(origin, sources)))
        for host in hosts:
            holder = holders.get(host)
            if holder is None:
                holders[host] = me
                continue
            if holder.ref == ref:
                continue
            warning = uncatalogued(f"host {host} is taken by another resource")
            if me.rank < holder.rank:
                holder.warnings.append(warning)
                holders[host] = me
            else:
                me.warnings.append(warning)
    return Ownership(
        hosts={h: holder.ref for h, holder in holders.items()},
        warnings={ref: list(h.warnings) for ref, h in by_ref.items()},
    )


def minion_paths(
    minions: Sequence[Ingress], sources: Sequence[str]
) -> tuple[dict[ObjectRef, dict[str, bool]], dict[ObjectRef, list[NicWarning]]]:
    """``configuration.go :: buildMinionConfigs``: the older minion keeps a contested path; the other is told."""
    holders: dict[str, tuple[Ingress, tuple[int, str, int, int]]] = {}
    valid: dict[ObjectRef, dict[str, bool]] = {}
    child_warnings: dict[ObjectRef, list[NicWarning]] = {}
    for ing in sorted(minions, key=lambda i: i.meta.ref.key):
        rank = _source_rank(ing.meta.origin, sources)
        mine = valid.setdefault(ing.meta.ref, {})
        paths = ing.rules[0].paths if ing.rules else ()
        for p in paths:
            held = holders.get(p.path)
            if held is None:
                holders[p.path] = (ing, rank)
                mine[p.path] = True
                continue
            warning = uncatalogued(f"path {p.path} is taken by another resource")
            holder, holder_rank = held
            if holder.meta.ref == ing.meta.ref:
                continue
            if not holder_rank < rank:
                holders[p.path] = (ing, rank)
                mine[p.path] = True
                valid[holder.meta.ref][p.path] = False
                child_warnings.setdefault(holder.meta.ref, []).append(warning)
            else:
                child_warnings.setdefault(ing.meta.ref, []).append(warning)
    return valid, child_warnings


# --- events (internal/k8s/controller.go) --------------------------------------------------------------------


def regular_ingress_event(
    ref: ObjectRef,
    config_warnings: Sequence[NicWarning],
    warnings: Sequence[NicWarning],
    operation_error: str | None = None,
) -> NicEvent:
    """``updateRegularIngressStatusAndEvents``: note the space before ``;`` when only config warnings are empty."""
    message = ""
    kind: Any = "Normal"
    reason = "AddedOrUpdated"
    if config_warnings:
        kind, reason = "Warning", "AddedOrUpdatedWithWarning"
        message = f"with warning(s): {_joined(config_warnings)}"
    if warnings:
        kind, reason = "Warning", "AddedOrUpdatedWithWarning"
        message = f"{message}; with warning(s): {_joined(warnings)}"
    if operation_error is not None:
        kind, reason = "Warning", "AddedOrUpdatedWithError"
        message = f"{message}; but was not applied: {operation_error}"
    return NicEvent(kind, reason, f"Configuration for {ref.key} was added or updated {message}", operation_error)


def _joined(warnings: Sequence[NicWarning]) -> str:
    """``strings.Join(warnings, "; ")``: the event carries the warnings' texts."""
    return "; ".join(w.text for w in warnings)


def mergeable_event(
    ref: ObjectRef,
    config_warnings: Sequence[NicWarning],
    warnings: Sequence[NicWarning],
    operation_error: str | None = None,
    *,
    minion: bool = False,
) -> NicEvent:
    """``updateMergeableIngressStatusAndEvents`` for the master or a minion (the minion's ``; ;`` kept)."""
    message, suffix = "", ""
    kind: Any = "Normal"
    reason = "AddedOrUpdated"
    if config_warnings:
        kind, reason = "Warning", "AddedOrUpdatedWithWarning"
        message, suffix = f"with warning(s): {_joined(config_warnings)}", "; "
    if warnings:
        kind, reason = "Warning", "AddedOrUpdatedWithWarning"
        message, suffix = f"{message}{suffix}with warning(s): {_joined(warnings)}", "; "
    if operation_error is not None:
        kind, reason = "Warning", "AddedOrUpdatedWithError"
        joint = f"{suffix}; " if minion else suffix
        message = f"{message}{joint}but was not applied: {operation_error}"
    prefixed = f" {message}" if message else ""
    return NicEvent(kind, reason, f"Configuration for {ref.key} was added or updated{prefixed}", operation_error)


def _operation_error(cfg: IngressNginxConfig, files: Mapping[str, bytes]) -> str | None:
    """The reload error NIC would report for this file (``ingress.reload_errors``), or None."""
    errors = reload_errors(cfg, files)
    return f"nginx reload failed: {'; '.join(errors)}" if errors else None


# --- policies (inspector.nic.policies, imported lazily: written in parallel) ----------------------------------


@dataclass
class _PolicyRun:
    """What createIngressEx resolves for one Ingress's policies."""

    cfg: PoliciesCfg | None = None
    policy_warnings: list[NicWarning] = field(default_factory=list)
    secret_refs: dict[str, SecretReference] = field(default_factory=dict)


def _has_policy_annotation(ing: Ingress, settings: ControllerSettings) -> bool:
    return any(ing.annotations.get(a) for a in versions.get(settings.nic_version).ingress_policy_annotations)


def ingress_policies(
    ing: Ingress,
    context: Context,
    cluster: Cluster,
    settings: ControllerSettings,
    store: SecretStore,
    parent: ObjectRef | None = None,
    validity: pol.PolicyValidity | None = None,
) -> _PolicyRun:
    """``controller.go :: createIngressEx`` (policy lookup, mTLS secrets, W15/W16) + ``generatePolicies``.

    ``parent`` is the master for a minion (``ownerDetails.parentName``: CORS map names are built from it)."""
    run = _PolicyRun()
    ref = ing.meta.ref
    version = versions.get(settings.nic_version)
    if not version.ingress_policy_annotations:
        return run  # before 5.4 NIC does not read policy annotations on an Ingress at all
    refs = list(pol.ingress_policy_refs(ing, settings))
    policy_map: dict[str, Any] = {}
    if settings.enable_custom_resources:
        # createIngressEx looks up both annotations' refs without de-duplication (errors may repeat).
        lookup = pol.ingress_lookup_refs(ing, settings)
        policy_map, errors = pol.get_policies(lookup, ref.namespace, cluster, settings, validity)
        run.policy_warnings += [pol.ingress_policy_warning(ing, e) for e in errors]
        if version.ingress_mtls_secret_lookup:  # 5.4 looks up no policy secret for an Ingress
            secret_refs, secret_errors = pol.mtls_secret_refs(policy_map, store, ingress_mtls=True)
            run.secret_refs.update(secret_refs)
            run.policy_warnings += [pol.ingress_policy_warning(ing, e) for e in secret_errors]
            # createIngressEx: the external-auth trusted CA is resolved too; its errors are only logged.
            run.secret_refs.update(pol.other_secret_refs(policy_map, store, ingress=True))
    elif _has_policy_annotation(ing, settings):
        run.policy_warnings.append(pol.custom_resources_disabled_warning(ing, settings))
    waf = pol.ingress_waf_annotation_error(ing, policy_map) if version.waf_annotation_filter else None
    if refs and waf is not None:
        # ingress.go :: filterIngressPolicyRefs: WAF through nginx.org/policies, 500-out before generatePolicies.
        run.cfg = _waf_annotation_cfg(ing, refs, waf, policy_map, context)
    elif refs:
        # ingress.go :: generateNginxCfg reads the annotation even when custom resources are off: every ref is
        # then "missing or invalid" (policy map empty) and the Ingress is 500-out (spec §4.1, inferred).
        run.cfg = pol.generate_policies(
            ref,
            refs,
            policy_map,
            context,
            tls=ing.tls is not None,
            secret_refs=run.secret_refs,
            is_ingress=True,
            settings=settings,
            owner_origin=ing.meta.origin,
            parent=parent,
        )
    return run


def _waf_annotation_cfg(
    ing: Ingress, refs: Sequence[Any], waf: tuple[str, str], policy_map: Mapping[str, Any], context: Context
) -> PoliciesCfg:
    """The 500-out of ``filterIngressPolicyRefs``: the WAF reference is fatal, no other reference is evaluated."""
    key, text = waf
    warning = uncatalogued(text)
    owner = ing.meta.ref
    outcomes = []
    for ref, fpath in refs:
        ref_key = f"{ref.namespace or owner.namespace}/{ref.name}"
        source = PolicySource(
            key=ref_key, owner=owner, field=fpath, context=context, owner_origin=ing.meta.origin
        )
        if ref_key == key:
            outcomes.append(
                PolicyOutcome(
                    source=source,
                    type="other",
                    status="rejected",
                    reason="waf policy: WAF policies are only allowed in nginx.com/policies; the Ingress returns 500",
                    warning=warning,
                    fatal=True,
                )
            )
        else:
            outcomes.append(
                PolicyOutcome(
                    source=source,
                    type=pol.policy_type(policy_map.get(ref_key)),
                    status="unseen",
                    reason=f"never evaluated: the WAF policy {key} in nginx.org/policies 500-outs the Ingress first",
                )
            )
    return PoliciesCfg(error_return=500, warnings=(warning,), outcomes=tuple(outcomes))


# --- results --------------------------------------------------------------------------------------------------


def _scheme(loc: Location) -> UpstreamScheme:
    if loc.grpc:
        return "grpcs" if loc.ssl else "grpc"
    return "https" if loc.ssl else "http"


def _location_results(server: Server, owner: ObjectRef) -> tuple[LocationResult, ...]:
    """One LocationResult per rendered ``location``, in the template's order (report aligns them by index)."""
    out: list[LocationResult] = []
    for loc in server.locations:
        minion_ref = ObjectRef(INGRESS, loc.minion.namespace, loc.minion.name) if loc.minion else None
        out.append(
            LocationResult(
                path=loc.location_path,
                resource=minion_ref or loc.resource or owner,
                origin_field=loc.origin_field,
                returns_500=loc.policies_error_return,
                upstream_scheme=_scheme(loc),
                upstream=loc.upstream,
                service=loc.service_name,
                grpc=loc.grpc,
                context="minion" if minion_ref else None,
                policies=loc.policies if minion_ref else None,
            )
        )
    if server.default_server_return:
        out.append(LocationResult(path="/", resource=owner, internal=True))
    if server.has_grpc_locations:
        out.extend(LocationResult(path=f"@grpcerror{c}", resource=owner, internal=True) for c in GRPC_ERROR_CODES)
    return tuple(out)


def _host_results(cfg: IngressNginxConfig, file_name: str) -> list[HostResult]:
    hosts: list[HostResult] = []
    for index, server in enumerate(cfg.servers):
        hosts.append(
            HostResult(
                host=server.name,
                resource=server.resource,
                config_file=file_name,
                tls=server.ssl,
                ssl_reject_handshake=server.ssl_reject_handshake,
                returns_500=server.policies_error_return,
                fail_open=server.fail_open,
                policies=server.policies,
                locations=_location_results(server, server.resource),
                server_index=index,
            )
        )
    return hosts


def ingress_file(cfg: IngressNginxConfig, resource: ObjectRef) -> ConfigFile:
    """``conf.d/<ns>-<name>.conf`` (``configurator.go :: getFileNameForIngress``) with the model it is rendered
    from (``render/`` writes the text when a view asks for it)."""
    return ConfigFile(name=f"conf.d/{resource.namespace}-{resource.name}.conf", resource=resource, config=cfg)


def _tls_secret_refs(ing: Ingress, store: SecretStore) -> dict[str, SecretReference]:
    """``createIngressEx``: TLS secrets keyed by the bare name; an empty name is never looked up."""
    refs: dict[str, SecretReference] = {}
    for tls in ing.tls or ():
        if not tls.secret_name:
            refs[""] = SecretReference(secret=None)
            continue
        refs[tls.secret_name] = store.get(f"{ing.meta.ref.namespace}/{tls.secret_name}")
    return refs


def _internal_error(ref: ObjectRef, origin: Origin, exc: BaseException) -> ResourceResult:
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return ResourceResult(ref=ref, origin=origin, state="Warning", warnings=(INTERNAL_ERROR(detail),))


@dataclass
class _Acc:
    """Mutable accumulator private to one ``run`` call."""

    resources: dict[ObjectRef, ResourceResult] = field(default_factory=dict)
    hosts: list[HostResult] = field(default_factory=list)
    files: list[ConfigFile] = field(default_factory=list)
    users: dict[str, list[PolicyUser]] = field(default_factory=dict)
    logs: list[NicLog] = field(default_factory=list)
    pending: list[tuple[IngressNginxConfig, Callable[[str | None], list[ResourceResult]]]] = field(
        default_factory=list
    )
    """Ingress files whose resource results wait for the reload verdict (judged once every secret is written)."""
    recorded: set[tuple[str, PolicyUser]] = field(default_factory=set)
    """(policy key, user) pairs already in ``users``: a Policy many resources name made the list scan quadratic."""
    validity: pol.PolicyValidity | None = None
    """Each Policy's validation, once per run (``getPolicies`` and ``syncPolicy`` read it)."""
    on_host: Callable[[HostResult], None] | None = None
    """Told of each host as soon as its resource is generated (``run(on_host=...)``: the TUI's progress)."""

    def add_hosts(self, hosts: Sequence[HostResult]) -> None:
        self.hosts.extend(hosts)
        if self.on_host is not None:
            for host in hosts:
                self.on_host(host)

    def use(self, key: str, kind: str, namespace: str, name: str, scope: Any) -> None:
        user = PolicyUser(kind, namespace, name, scope)
        if (key, user) not in self.recorded:
            self.recorded.add((key, user))
            self.users.setdefault(key, []).append(user)


def _record_users(acc: _Acc, cfg: PoliciesCfg | None, owner: ObjectRef, scope: Any) -> None:
    if cfg is None:
        return
    for outcome in cfg.outcomes:
        acc.use(outcome.source.key, owner.kind, owner.namespace, owner.name, scope)


def _ingress_state(config_warnings: Sequence[NicWarning], warnings: Sequence[NicWarning]) -> Any:
    return "Warning" if config_warnings or warnings else "Valid"


def _run_ingresses(
    acc: _Acc,
    cluster: Cluster,
    settings: ControllerSettings,
    params: ConfigParams,
    store: SecretStore,
    ingresses: Sequence[Ingress],
    owner_of: Mapping[str, ObjectRef],
    host_warnings: Mapping[ObjectRef, list[NicWarning]],
) -> None:
    masters_by_host: dict[str, Ingress] = {}
    minions_by_host: dict[str, list[Ingress]] = {}
    for ing in ingresses:
        if ing.mergeable_type == "minion":
            host = ing.rules[0].host if ing.rules else ""
            minions_by_host.setdefault(host, []).append(ing)
    for ing in sorted(ingresses, key=lambda i: i.meta.ref.key):
        if ing.mergeable_type == "minion":
            continue
        ref = ing.meta.ref
        valid_hosts = {r.host: owner_of.get(r.host) == ref for r in ing.rules}
        config_warnings = list(host_warnings.get(ref, []))
        if not any(valid_hosts.values()):
            # configuration.go :: addProblemsForResourcesWithoutActiveHost: only this problem event is emitted;
            # the "host ... is taken" warnings it collected never reach an event (no AddOrUpdate happens).
            acc.resources[ref] = ResourceResult(
                ref=ref,
                origin=ing.meta.origin,
                state="Warning",
                events=(NicEvent("Warning", "Rejected", "All hosts are taken by other resources"),),
            )
            continue
        try:
            if ing.mergeable_type == "master":
                masters_by_host[ing.rules[0].host] = ing
                _run_mergeable(acc, cluster, settings, params, store, ing, valid_hosts, config_warnings,
                               minions_by_host.get(ing.rules[0].host, []))
            else:
                _run_regular(acc, cluster, settings, params, store, ing, valid_hosts, config_warnings)
        except Exception as exc:  # a replica bug must not hide the rest of the snapshot
            acc.resources[ref] = _internal_error(ref, ing.meta.origin, exc)
    for host, minions in minions_by_host.items():
        if host in masters_by_host:
            continue
        for minion in minions:
            # configuration.go :: addProblemsForOrphanMinions
            acc.resources[minion.meta.ref] = ResourceResult(
                ref=minion.meta.ref,
                origin=minion.meta.origin,
                state="Warning",
                events=(NicEvent("Warning", "NoIngressMasterFound", "Ingress master is invalid or doesn't exist"),),
            )


def _run_regular(
    acc: _Acc,
    cluster: Cluster,
    settings: ControllerSettings,
    params: ConfigParams,
    store: SecretStore,
    ing: Ingress,
    valid_hosts: Mapping[str, bool],
    config_warnings: list[NicWarning],
) -> None:
    ref = ing.meta.ref
    tls_refs = _tls_secret_refs(ing, store)
    policy_run = ingress_policies(ing, "spec", cluster, settings, store, validity=acc.validity)
    config_warnings = config_warnings + policy_run.policy_warnings  # controller.go :: mergeIngressPolicyWarnings
    ing_ex = IngressEx(ing, valid_hosts, tls_refs, policy_run.cfg)
    cfg, warnings, logs = generate_ingress(
        ing_ex,
        params,
        wildcard_tls=bool(settings.wildcard_tls_secret),
        dynamic_ssl_reload=settings.ssl_dynamic_reload,
    )
    acc.logs.extend(NicLog(r, line) for r, line in logs.entries)
    file = ingress_file(cfg, ref)
    acc.files.append(file)
    acc.add_hosts(_host_results(cfg, file.name))
    _record_users(acc, policy_run.cfg, ref, "spec")
    own = warnings.get(ref, [])

    def results(op_error: str | None) -> list[ResourceResult]:
        return [
            ResourceResult(
                ref=ref,
                origin=ing.meta.origin,
                state="Invalid" if op_error else _ingress_state(config_warnings, own),
                warnings=tuple(config_warnings + own),
                events=(regular_ingress_event(ref, config_warnings, own, op_error),),
            )
        ]

    acc.pending.append((cfg, results))


def _run_mergeable(
    acc: _Acc,
    cluster: Cluster,
    settings: ControllerSettings,
    params: ConfigParams,
    store: SecretStore,
    master: Ingress,
    valid_hosts: Mapping[str, bool],
    config_warnings: list[NicWarning],
    minions: Sequence[Ingress],
) -> None:
    mref = master.meta.ref
    valid_paths, child_warnings = minion_paths(minions, cluster.sources)
    master_run = ingress_policies(master, "spec", cluster, settings, store, validity=acc.validity)
    master_ex = IngressEx(master, valid_hosts, _tls_secret_refs(master, store), master_run.cfg)
    minion_exes: list[IngressEx] = []
    minion_runs: dict[ObjectRef, Any] = {}
    ordered = sorted(minions, key=lambda i: i.meta.ref.key)
    for minion in ordered:
        run = ingress_policies(
            minion, "minion", cluster, settings, store, parent=master.meta.ref, validity=acc.validity
        )
        minion_runs[minion.meta.ref] = run
        minion_exes.append(
            IngressEx(minion, {minion.rules[0].host: True}, _tls_secret_refs(minion, store), run.cfg,
                      valid_paths.get(minion.meta.ref, {}))
        )
    cfg, warnings, logs = generate_mergeable(
        master_ex,
        minion_exes,
        params,
        wildcard_tls=bool(settings.wildcard_tls_secret),
        dynamic_ssl_reload=settings.ssl_dynamic_reload,
    )
    acc.logs.extend(NicLog(r, line) for r, line in logs.entries)
    file = ingress_file(cfg, mref)
    acc.files.append(file)
    acc.add_hosts(_host_results(cfg, file.name))
    _record_users(acc, master_run.cfg, mref, "spec")
    master_config = config_warnings + master_run.policy_warnings
    for minion in ordered:
        _record_users(acc, minion_runs[minion.meta.ref].cfg, minion.meta.ref, "minion")

    def results(op_error: str | None) -> list[ResourceResult]:
        own = warnings.get(mref, [])
        out = [
            ResourceResult(
                ref=mref,
                origin=master.meta.origin,
                state="Invalid" if op_error else _ingress_state(master_config, own),
                warnings=tuple(master_config + own),
                events=(mergeable_event(mref, master_config, own, op_error),),
            )
        ]
        for minion in ordered:
            ref = minion.meta.ref
            child = child_warnings.get(ref, []) + minion_runs[ref].policy_warnings
            mine = warnings.get(ref, [])
            out.append(
                ResourceResult(
                    ref=ref,
                    origin=minion.meta.origin,
                    state="Invalid" if op_error else _ingress_state(child, mine),
                    warnings=tuple(child + mine),
                    events=(mergeable_event(ref, child, mine, op_error, minion=True),),
                )
            )
        return out

    acc.pending.append((cfg, results))


def _run_virtual_servers(
    acc: _Acc,
    cluster: Cluster,
    settings: ControllerSettings,
    params: ConfigParams,
    store: SecretStore,
    virtual_servers: Sequence[VirtualServer],
    validated: Collection[ObjectRef],
    owner_of: Mapping[str, ObjectRef],
    catalog: vsmod.VSRCatalog | None,
) -> set[ObjectRef]:
    """Generate every VirtualServer that holds its host; returns the VSRs some VS attached. ``validated``: the VSs
    whose validation found nothing already."""
    attached: set[ObjectRef] = set()
    for vs in sorted(virtual_servers, key=lambda v: v.meta.ref.key):
        ref = vs.meta.ref
        if owner_of.get(vs.host) != ref:
            # configuration.go :: addProblemsForResourcesWithoutActiveHost
            acc.resources[ref] = ResourceResult(
                ref=ref,
                origin=vs.meta.origin,
                state="Warning",
                events=(NicEvent("Warning", "Rejected", "Host is taken by another resource"),),
            )
            continue
        try:
            result = vsmod.generate_virtual_server(
                vs,
                None,
                cluster,
                settings,
                store,
                catalog=catalog,
                validity=acc.validity,
                params=params,
                errors=() if ref in validated else None,
            )
        except Exception as exc:
            acc.resources[ref] = _internal_error(ref, vs.meta.origin, exc)
            continue
        for res in result.resources:
            acc.resources[res.ref] = res
            if res.ref.kind == "VirtualServerRoute":
                attached.add(res.ref)
        if result.file is not None:
            acc.files.append(result.file)
        acc.add_hosts((result.host,))
        for cfg, owner, scope in _vs_policy_contexts(result):
            _record_users(acc, cfg, owner, scope)
    return attached


def _vs_policy_contexts(result: Any) -> list[tuple[PoliciesCfg | None, ObjectRef, Any]]:
    """Each generatePolicies result of a VS result with its owner and context (for ``referenced_by``)."""
    out: list[tuple[PoliciesCfg | None, ObjectRef, Any]] = []
    host: HostResult = result.host
    out.append((host.policies, host.resource, "spec"))
    for loc in host.locations:
        if loc.policies is not None:
            owner = loc.policies.outcomes[0].source.owner if loc.policies.outcomes else loc.resource
            out.append((loc.policies, owner, loc.context or "route"))
    return out


def _run_policies(acc: _Acc, cluster: Cluster, settings: ControllerSettings) -> tuple[PolicyResult, ...]:
    users = {k: tuple(v) for k, v in acc.users.items()}
    results: tuple[PolicyResult, ...] = tuple(pol.policy_results(cluster, settings, users, acc.validity))
    for result in results:
        policy = cluster.policies.get(result.key)
        if policy is None or not result.handled:
            continue  # NIC never syncs it (other class, unwatched namespace, custom resources off): no status
        acc.resources[policy.meta.ref] = ResourceResult(
            ref=policy.meta.ref,
            origin=policy.meta.origin,
            state="Valid" if result.valid else "Invalid",
            events=tuple(pol.policy_events(result)),
            rejection=None if result.valid else validation.aggregate(list(result.errors)),
            rejection_field="" if result.valid else validation.first_field(result.errors),
        )
    return results


def _run_unattached_vsrs(
    acc: _Acc,
    cluster: Cluster,
    settings: ControllerSettings,
    attached: set[ObjectRef],
    owners: Mapping[str, ObjectRef],
    catalog: vsmod.VSRCatalog | None,
) -> None:
    """VSRs no VS attached: Rejected, Ignored or NoVirtualServerFound (``addProblemsForOrphanOrIgnoredVsrs``)."""
    done = attached | set(acc.resources)
    try:
        results = vsmod.unattached_vsr_results(cluster, settings, done, owners, catalog)
    except Exception as exc:  # confined to these VSRs, like every other step
        results = [
            _internal_error(vsr.meta.ref, vsr.meta.origin, exc)
            for vsr in cluster.virtual_server_routes.values()
            if vsr.meta.ref not in done and vsr.ingress_class_name in ("", settings.ingress_class)
        ]
    for res in results:
        acc.resources.setdefault(res.ref, res)


def _rejected_hosts(rejected: Sequence[Ingress | VirtualServer], served: set[str]) -> list[HostResult]:
    out: list[HostResult] = []
    seen: set[tuple[str, ObjectRef]] = set()
    for obj in rejected:
        hosts = [r.host for r in obj.rules] if isinstance(obj, Ingress) else [obj.host]
        for host in hosts:
            if host in served or (host, obj.meta.ref) in seen:
                continue
            seen.add((host, obj.meta.ref))
            out.append(HostResult(host=host, resource=obj.meta.ref, rejected=True))
    return out


def run(
    cluster: Cluster, settings: ControllerSettings, *, on_host: Callable[[HostResult], None] | None = None
) -> NicResult:
    """Replay NIC 5.6 on one snapshot. Never raises (see the module docstring).

    Nothing is rendered here: each ConfigFile carries its config model, and ``render/`` writes the text only for
    the outputs that read it (the checks never do). ``on_host`` is told of each served host as its resource is
    generated, before the run ends (a view can show hosts while the rest runs); the result's hosts are the final
    word (fail-open notes and rejected hosts are settled at the end).
    """
    try:
        return _run(cluster, settings, on_host)
    except Exception as exc:  # last resort: every per-resource step already guards itself
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        objects: list[Ingress | VirtualServer] = [*cluster.ingresses.values(), *cluster.virtual_servers.values()]
        resources = tuple(
            ResourceResult(o.meta.ref, o.meta.origin, "Warning", warnings=(INTERNAL_ERROR(detail),))
            for o in objects
        )
        return NicResult(settings=settings, resources=resources, policies=(), hosts=())


def _run(
    cluster: Cluster, settings: ControllerSettings, on_host: Callable[[HostResult], None] | None = None
) -> NicResult:
    settings = effective_settings(cluster, settings)
    params = parse_configmap(settings.configmap, settings.plus)
    seen = watched_cluster(cluster, settings)
    promised = promised_secrets(seen, settings)
    store = SecretStore(seen.secrets, {k: p for k, p in promised.items() if watched(k.split("/", 1)[0], settings)})
    acc = _Acc(validity=pol.PolicyValidity(settings), on_host=on_host)

    # configuration.go :: AddOrUpdateIngress: class first (ignored, no event), then validation (Rejected).
    valid_ings: list[Ingress] = []
    rejected: list[Ingress | VirtualServer] = []
    for ing in seen.ingresses.values():
        if not has_correct_class(ing, settings):
            continue
        try:
            errors = validation.validate_ingress(ing, settings)
        except Exception as exc:
            acc.resources[ing.meta.ref] = _internal_error(ing.meta.ref, ing.meta.origin, exc)
            continue
        if errors:
            message = validation.aggregate(errors)
            acc.resources[ing.meta.ref] = ResourceResult(
                ref=ing.meta.ref,
                origin=ing.meta.origin,
                state="Invalid",
                events=(NicEvent("Warning", "Rejected", message),),
                rejection=message,
                rejection_field=validation.first_field(errors),
            )
            rejected.append(ing)
        else:
            valid_ings.append(ing)

    valid_vss: list[VirtualServer] = []
    validated: set[ObjectRef] = set()
    """VSs whose validation ran and found nothing (generate_virtual_server need not run it again)."""
    catalog: vsmod.VSRCatalog | None = None
    if settings.enable_custom_resources:
        try:
            catalog = vsmod.vsr_catalog(seen, settings)  # once per run, not once per VS
        except Exception:
            catalog = None  # each VS step then meets the same error and reports it, confined to that VS
        for vs in seen.virtual_servers.values():
            if vs.ingress_class_name not in ("", settings.ingress_class):
                continue
            try:
                errors = validation.validate_virtual_server(vs, settings)
                if not errors:
                    validated.add(vs.meta.ref)
            except Exception:
                errors = ()  # generate_virtual_server validates again and reports the error as the VS's
            if errors:
                rejected.append(vs)  # generate_virtual_server reports the rejection itself
                try:
                    result = vsmod.generate_virtual_server(
                        vs, None, seen, settings, store, catalog=catalog
                    )
                    for res in result.resources:
                        acc.resources[res.ref] = res
                except Exception as exc:
                    acc.resources[vs.meta.ref] = _internal_error(vs.meta.ref, vs.meta.origin, exc)
            else:
                valid_vss.append(vs)

    non_minions = [i for i in valid_ings if i.mergeable_type != "minion"]
    ownership = host_ownership(non_minions, valid_vss, cluster.sources)
    _run_ingresses(acc, seen, settings, params, store, valid_ings, ownership.hosts, ownership.warnings)
    attached = _run_virtual_servers(
        acc, seen, settings, params, store, valid_vss, validated, ownership.hosts, catalog
    )
    if settings.enable_custom_resources:
        _run_unattached_vsrs(acc, seen, settings, attached, ownership.hosts, catalog)
    policies = _run_policies(acc, seen, settings)

    # Reload verdicts once every secret file NIC writes is known (a crlFileName may name another's file).
    files = store.files()
    for cfg, results in acc.pending:
        try:
            verdict = results(_operation_error(cfg, files))
        except Exception as exc:  # confined to this file's resources, like every other step
            ref = ObjectRef(INGRESS, cfg.namespace, cfg.name)
            origin = seen.ingresses[ref.key].meta.origin if ref.key in seen.ingresses else Origin("")
            verdict = [_internal_error(ref, origin, exc)]
        for res in verdict:
            acc.resources[res.ref] = res

    notes = _version_notes(seen, settings, valid_ings, policies)
    open_hosts = {(ref, h) for n in notes if n.fail_open and n.resource for ref in (n.resource,) for h in n.hosts}
    acc.hosts = [replace(h, fail_open=True) if (h.resource, h.host) in open_hosts else h for h in acc.hosts]
    served = {h.host for h in acc.hosts}
    hosts = [*acc.hosts, *_rejected_hosts(rejected, served)]
    order = {o.meta.ref: i for i, o in enumerate(cluster.all_objects())}
    resources = sorted(acc.resources.values(), key=lambda r: order.get(r.ref, len(order)))
    return NicResult(
        settings=settings,
        resources=tuple(resources),
        policies=policies,
        hosts=tuple(hosts),
        files=tuple(acc.files),
        secret_files=dict(files),
        logs=tuple(acc.logs),
        version_notes=tuple(notes),
        promised_secrets=dict(store.promised()),
    )


def _version_notes(
    cluster: Cluster, settings: ControllerSettings, ingresses: Sequence[Ingress], policies: Sequence[PolicyResult]
) -> list[VersionNote]:
    """Where the predicted release (``settings.nic_version``) silently does something else than NIC 5.6.

    An Ingress's policy annotation that release does not read (any before 5.4, ``nginx.com/policies`` in 5.4) drops
    its policies without a word: an ingressMTLS policy there leaves the hosts fail-open. Before 5.6 a rotated CA
    Secret is not reloaded under ``-ssl-dynamic-reload``.
    """
    version = versions.get(settings.nic_version)
    notes: list[VersionNote] = []
    if version is versions.LATEST:
        return notes
    for ing in ingresses:
        if ing.mergeable_type == "minion" or not settings.enable_custom_resources:
            continue
        for annotation in (versions.POLICIES_ORG, versions.POLICIES_COM):
            value = ing.annotations.get(annotation, "")
            if not value or annotation in version.ingress_policy_annotations:
                continue
            keys = [f"{r.namespace or ing.meta.ref.namespace}/{r.name}"
                    for r in pol.refs_from_annotation(value, ing.meta.ref.namespace)]
            mtls = [k for k in keys if (p := cluster.policies.get(k)) is not None and p.ingress_mtls is not None]
            tls_hosts = {h for t in ing.tls or () for h in t.hosts}
            hosts = tuple(r.host for r in ing.rules if r.host in tls_hosts) if mtls else ()
            what = f"ingressMTLS policy {', '.join(mtls)} is silently absent" if mtls else "its policies are ignored"
            tail = (f": {', '.join(hosts)} served without client-certificate verification (fail-open); NIC 5.5 and "
                    "later apply it, or attach the policy to a VirtualServer") if hosts else ""
            notes.append(VersionNote(
                f"NIC {version.name} does not read {annotation} on Ingress {ing.meta.ref.key} ({', '.join(keys)}), "
                f"without a warning; {what}{tail}",
                resource=ing.meta.ref, hosts=hosts, fail_open=bool(hosts),
            ))
    if settings.ssl_dynamic_reload and not version.ca_rotation_reloads:
        cas: list[str] = []
        for result in policies:
            policy = cluster.policies.get(result.key)
            if policy is None or not result.valid or not result.referenced_by:
                continue
            namespace = policy.meta.ref.namespace
            if policy.ingress_mtls is not None and policy.ingress_mtls.client_cert_secret:
                cas.append(f"{namespace}/{policy.ingress_mtls.client_cert_secret}")
            if policy.egress_mtls is not None and policy.egress_mtls.trusted_cert_secret:
                cas.append(f"{namespace}/{policy.egress_mtls.trusted_cert_secret}")
        # Only CA Secrets NIC writes (they exist and are nginx.org/ca); the others are findings already.
        usable = [key for key in dict.fromkeys(cas)
                  if (secret := cluster.secrets.get(key)) is not None and secret.type == TYPE_CA]
        note = versions.ca_rotation_note(version, usable)
        if note:
            notes.append(VersionNote(note))
    return notes
