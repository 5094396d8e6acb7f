"""Live cluster source: read a cluster through a kubeconfig the way kubectl does, and change nothing.

Why this module exists: platform engineers inspect the cluster they are about to change. This adapter turns
what the API server holds into the same ``RawObject`` dicts the file loader produces (``kubectl get -o json``
shape), so everything downstream (``sources.convert.build_cluster``, the NIC replica, the report) cannot tell a
live cluster from files.

It is deliberately the only module that touches a Kubernetes client: ``kubernetes_asyncio`` is imported inside
functions here, so that the headless commands never import it when they read files, and so that the client can
be swapped in this one place. Its surface is small: load a kubeconfig (multi-file ``KUBECONFIG``, contexts,
exec credential plugins, OIDC, in-cluster), GET a path as raw JSON, stream a watch.

What it deliberately does not do: it sends GET requests only (get/list/watch), never lists Secrets (each
Secret a Policy or a TLS section references is fetched by name, in the namespace NIC looks in; a missing one is
looked for by name in other namespaces as metadata only), and never logs or prints key material (raw responses
are read with ``_preload_content=False``, which also keeps the client's debug log from dumping response bodies).

Use: :func:`load_live_cluster` for one snapshot; or :func:`authenticate` (before a UI owns the terminal), then
:func:`open_session` in the UI's event loop, :meth:`LiveSession.watch` and :meth:`LiveSession.cluster` on each
change. The pure half (kinds, references, NIC flag detection) lives in ``sources/_live_refs.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspector import __version__
from inspector.catalogue import KIND_NOT_INSTALLED, KIND_UNREADABLE, SECRET_UNREADABLE
from inspector.model import Cluster, LoadProblem, ObjectRef, Origin
from inspector.sources import RawObject
from inspector.sources._live_guard import (
    RedirectRefused,
    keep_key_material_off_disk,
    kill_plugins,
    redact,
    refuse_cross_host_redirects,
    remember_credential,
    track_plugins,
)
from inspector.sources._live_refs import (
    CONFIG_MAPS,
    DAEMON_SETS,
    DEPLOYMENTS,
    EVENTS,
    INGRESSES,
    LISTED,
    NAMESPACES,
    POLICIES,
    SECRETS,
    VIRTUAL_SERVER_ROUTES,
    VIRTUAL_SERVERS,
    Kind,
    as_kubectl_json,
    detected_settings,
    dig,
    digest,
    is_nic_config_map,
    meta_of,
    nic_container,
    parse_nic_args,
    referenced_policies,
    referenced_routes,
    referenced_secrets,
    text_of,
)
from inspector.sources.overlay import Proposed, not_replaced, object_key

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "LiveCredentials",
    "LiveError",
    "LiveFollower",
    "LiveOptions",
    "LiveSession",
    "LiveWatch",
    "as_kubectl_json",
    "authenticate",
    "connect",
    "describe_failure",
    "detected_settings",
    "is_nic_config_map",
    "list_contexts",
    "load_live",
    "load_live_cluster",
    "nic_container",
    "open_session",
    "parse_nic_args",
    "referenced_policies",
    "referenced_routes",
    "referenced_secrets",
    "snapshot_with",
]

log = logging.getLogger(__name__)

OnChange = Callable[[], Awaitable[None] | None]
"""The watch callback: called (debounced) after the cluster changed; may be sync or async."""

USER_AGENT = f"mtls-inspect/{__version__}"
"""Sent on every request, so a cluster's audit log shows who read what."""


# --- options and errors ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveOptions:
    """What the CLI's ``--kubeconfig``, ``--context``, ``-n`` and ``-A`` ask for."""

    kubeconfig: str | None = None
    """A path, or several joined by ``:`` like ``KUBECONFIG``; None: ``$KUBECONFIG``, then ``~/.kube/config``."""
    context: str | None = None
    """None: the kubeconfig's current-context."""
    namespaces: tuple[str, ...] = ()
    """Empty: every namespace with ``all_namespaces``, else the context's namespace (``default``), as kubectl."""
    all_namespaces: bool = False
    timeout: float = 15.0
    """Seconds for each API request (and for the first ``/version`` check)."""
    auth_timeout: float = 60.0
    """Seconds for authentication, which may run an exec plugin that prompts (MFA, browser login)."""


class LiveError(Exception):
    """The cluster cannot be used at all; ``str()`` is one line: ``context C (server URL): reason``."""

    def __init__(self, context: str, server: str, reason: str) -> None:
        self.context = context
        self.server = server
        self.reason = _one_line(reason)
        super().__init__(f"context {context} (server {server or 'unknown'}): {self.reason}")


def _one_line(text: str) -> str:
    return redact(" ".join(str(text).split()))



# --- the client adapter --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    context: str
    server: str
    namespace: str
    """The context's namespace (kubectl's default for commands without -n/-A)."""


def _kubeconfig_paths(explicit: str | None) -> str:
    if explicit:
        return explicit
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


def _existing(paths: str) -> list[str]:
    return [p for p in (os.path.expanduser(x) for x in paths.split(os.pathsep) if x) if os.path.exists(p)]


def list_contexts(kubeconfig: str | None = None) -> tuple[list[str], str]:
    """Context names of the (merged) kubeconfig and its current-context, for a context picker."""
    from kubernetes_asyncio.config.kube_config import KubeConfigMerger

    paths = _kubeconfig_paths(kubeconfig)
    if not _existing(paths):
        return [], ""
    try:
        merged = KubeConfigMerger(paths).config
        if merged is None:
            return [], ""
        names = [str(node["name"]) for node in merged.value.get("contexts", [])]
        return names, str(merged.value.get("current-context") or "")
    except Exception:  # YAML syntax, unreadable file, malformed entries: nothing to pick from
        return [], ""


class LiveSession:
    """An authenticated, read-only connection to one context; see :func:`connect`."""

    def __init__(self, options: LiveOptions, target: _Target, api: Any, version: str) -> None:
        self.options = options
        self.context = target.context
        self.server = target.server
        self.namespace = target.namespace
        """The context's namespace: where kubectl puts an object without one."""
        self.origin = Origin(file=f"cluster:{target.context}", line=0)
        self.scopes: tuple[str | None, ...]
        """Namespaces listed one by one, or ``(None,)`` for a cluster-wide list (``-A``)."""
        if options.all_namespaces:
            self.scopes = (None,)
        elif options.namespaces:
            self.scopes = tuple(dict.fromkeys(options.namespaces))
        else:
            self.scopes = (target.namespace,)
        self._api = api
        self._version = version
        self.detected: dict[str, object] = {}
        """ControllerSettings fields auto-detected from the NIC workload at the last snapshot."""
        self.controller: str = ""
        """``Kind ns/name`` of the NIC workload the settings came from (empty when none was readable)."""
        self.notes: list[str] = []
        """One-line remarks from the last snapshot that are not findings (e.g. controller not readable)."""
        self._digests: dict[str, dict[tuple[str, str], str]] = {}
        self._secret_keys: list[tuple[str, str]] = []
        self._secret_digests: dict[tuple[str, str], str] = {}
        self._absent: set[str] = set()
        self._involved: set[tuple[str, str, str]] = set()
        self._watches: list[LiveWatch] = []

    # -- low level --------------------------------------------------------------------------------------------

    def _error(self, reason: str) -> LiveError:
        return LiveError(self.context, self.server, reason)

    async def _open(self, path: str, query: Sequence[tuple[str, str]], timeout: Any,
                    accept: str = "application/json") -> aiohttp.ClientResponse:
        """Send one GET; the response is raw (``_preload_content=False``): nothing is parsed or logged here."""
        try:
            response: aiohttp.ClientResponse = await self._api.call_api(
                path,
                "GET",
                query_params=list(query),
                header_params={"Accept": accept},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        except LiveError:
            raise  # from the exec-plugin refresh hook
        except Exception as exc:  # the client raises aiohttp, ssl, OS and config errors alike
            raise self._error(describe_failure(exc, self.options.timeout)) from None
        return response

    async def get(self, path: str, query: Sequence[tuple[str, str]] = (),
                  accept: str = "application/json") -> tuple[int, Any]:
        """GET ``path``: the HTTP status and the JSON body (None when it is not JSON)."""
        response = await self._open(path, query, self.options.timeout, accept)
        try:
            async with asyncio.timeout(self.options.timeout):
                body = await response.read()
        except Exception as exc:
            raise self._error(describe_failure(exc, self.options.timeout)) from None
        finally:
            response.release()
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        if response.status == 401:
            raise self._error(_status_reason(401, data))
        return response.status, data

    async def server_version(self) -> str:
        """The API server's ``gitVersion`` (e.g. ``v1.30.2``)."""
        status, data = await self.get("/version")
        if status != 200 or not isinstance(data, Mapping):
            raise self._error(_status_reason(status, data))
        self._version = text_of(data.get("gitVersion")) or f"{data.get('major', '?')}.{data.get('minor', '?')}"
        return self._version

    @property
    def version(self) -> str:
        """The server version seen by :func:`connect`."""
        return self._version

    async def _list(
        self, kind: Kind, scope: str | None, problems: list[LoadProblem]
    ) -> tuple[list[dict[str, Any]], str] | None:
        """List one kind in one scope; a missing CRD or a refusal becomes a problem (once per kind)."""
        status, data = await self.get(kind.path(scope))
        if status == 200 and isinstance(data, Mapping) and isinstance(data.get("items"), list):
            items = [as_kubectl_json(i, kind) for i in data["items"] if isinstance(i, Mapping)]
            return items, text_of(dig(data, "metadata", "resourceVersion"))
        if kind.plural in self._absent:
            return None
        self._absent.add(kind.plural)
        where = f"in namespace {scope}" if scope else "cluster-wide"
        if status == 404:
            problems.append(self._problem(
                KIND_NOT_INSTALLED,
                f"{kind.kind} ({kind.plural}.{kind.api_version.split('/')[0]}) is not installed in the cluster: "
                f"no {kind.kind} objects were read",
            ))
        else:
            reason = "not a Kubernetes list (invalid JSON)" if status == 200 else _status_reason(status, data)
            problems.append(self._problem(KIND_UNREADABLE, f"cannot list {kind.plural} {where}: {reason}"))
        return None

    def _problem(self, check_id: str, message: str, ref: ObjectRef | None = None) -> LoadProblem:
        return LoadProblem(check_id=check_id, message=message, file=self.origin.file, line=0, ref=ref)

    def include(self, namespaces: Iterable[str]) -> None:
        """Read (and watch) these namespaces too, unless every namespace is read already (``-A``)."""
        if self.scopes != (None,):
            self.scopes = tuple(dict.fromkeys((*self.scopes, *namespaces)))

    # -- snapshot -----------------------------------------------------------------------------------------------

    async def snapshot(self, proposed: Proposed | None = None) -> tuple[list[RawObject], list[LoadProblem]]:
        """Read everything NIC would see in the selected namespaces, as RawObjects, plus what could not be read.

        Lists Services, NIC-looking ConfigMaps, Policies, Ingresses, VirtualServers, VirtualServerRoutes and
        their Events; GETs by name the Policies/VSRs referenced across namespaces outside the selection and every
        Secret referenced by a Policy or a TLS section; reads the NIC workload for :attr:`detected`.

        With ``proposed`` (SOURCE files given with a kubeconfig) the files' objects replace the cluster's objects
        of the same kind, namespace and name and new ones are added; the namespaces they touch are read too, the
        Secrets they reference are fetched unless a file holds them, and the cluster's Events about replaced
        objects are left out (they describe the cluster's copy, not the proposed one).
        """
        problems: list[LoadProblem] = []
        self._absent = set()
        self.notes = []
        if proposed is not None:
            proposed = proposed.in_namespace(self.namespace)
            self.include(proposed.namespaces())
        replaced = proposed.keys if proposed is not None else frozenset()
        files = proposed.objects() if proposed is not None else []
        listed: dict[str, list[dict[str, Any]]] = {}
        read = 0
        for kind in LISTED:
            results = await asyncio.gather(*(self._list(kind, scope, problems) for scope in self.scopes))
            listed[kind.plural] = not_replaced((item for result in results if result for item in result[0]), replaced)
            read += sum(1 for result in results if result is not None)
        if not read:  # a cluster that cannot be read is unusable input, not a clean report with warnings
            reasons = "; ".join(dict.fromkeys(p.message for p in problems)) or "no answer"
            raise self._error(f"no object list could be read: {reasons}")

        await self._detect_controller()
        await self._fetch_outside_scope(listed, problems, files)
        listed[CONFIG_MAPS.plural] = await self._nic_config_maps(listed[CONFIG_MAPS.plural], files)

        # The cluster's own objects only: Events about an object a file replaces describe the cluster's copy.
        keys = {(k.kind, *meta_of(o)) for k in (INGRESSES, POLICIES, VIRTUAL_SERVERS, VIRTUAL_SERVER_ROUTES)
                for o in listed[k.plural]}
        self._involved = keys
        events: list[dict[str, Any]] = []
        for scope in self.scopes:
            status, data = await self.get(EVENTS.path(scope))
            if status != 200 or not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
                self.notes.append(f"events not readable ({_status_reason(status, data)})")
                continue
            for item in data["items"]:
                involved = item.get("involvedObject") if isinstance(item, Mapping) else None
                if isinstance(involved, Mapping) and (
                    text_of(involved.get("kind")), text_of(involved.get("namespace")), text_of(involved.get("name"))
                ) in keys:
                    events.append(as_kubectl_json(item, EVENTS))

        everything = [*(o for k in LISTED for o in listed[k.plural]), *files]
        in_files = proposed.secrets() if proposed is not None else frozenset()
        secret_keys = [key for key in referenced_secrets(everything, text_of(self.detected.get("wildcard_tls_secret")))
                       if key not in in_files]
        secrets, missing = await self._fetch_secrets(secret_keys, problems)
        elsewhere = await self._probe_elsewhere(missing, await self._namespaces(everything), set(secret_keys))

        self._digests = {
            k.plural: {meta_of(o): digest(o) for o in listed[k.plural]} for k in (*LISTED, EVENTS)
            if k is not EVENTS
        }
        self._digests[EVENTS.plural] = {meta_of(o): digest(o) for o in events}
        self._secret_keys = secret_keys
        self._secret_digests = {meta_of(s): digest(s) for s in secrets}

        ordered = [*secrets, *elsewhere, *(o for k in LISTED for o in listed[k.plural])]
        raws = [RawObject(obj=o, origin=self.origin) for o in ordered]
        if proposed is not None:
            raws += proposed.raws
            problems += proposed.problems
        return [*raws, *(RawObject(obj=o, origin=self.origin) for o in events)], problems

    async def _detect_controller(self) -> None:
        """Read the NIC Deployment/DaemonSet (cluster-wide when allowed, else in the selection) for its flags."""
        self.detected, self.controller = {}, ""
        workloads: list[dict[str, Any]] = []
        for kind in (DEPLOYMENTS, DAEMON_SETS):
            status, data = await self.get(kind.path(None))
            scopes: tuple[str | None, ...] = (None,)
            if status == 403 and self.scopes != (None,):
                scopes = self.scopes
                answers = [await self.get(kind.path(scope)) for scope in scopes]
            else:
                answers = [(status, data)]
            for status, data in answers:
                if status == 200 and isinstance(data, Mapping) and isinstance(data.get("items"), list):
                    workloads += [as_kubectl_json(i, kind) for i in data["items"] if isinstance(i, Mapping)]
        nic = [w for w in workloads if nic_container(w) is not None]
        if not nic:
            self.notes.append("no readable NGINX Ingress Controller Deployment/DaemonSet: using NIC defaults")
            return
        self.detected = detected_settings(nic)
        namespace, name = meta_of(nic[0])
        self.controller = f"{nic[0]['kind']} {namespace}/{name}"
        if len(nic) > 1:
            others = ", ".join(f"{w['kind']} {'/'.join(meta_of(w))}" for w in nic[1:])
            self.notes.append(f"several NIC workloads found; settings taken from {self.controller} (also: {others})")

    async def _fetch_outside_scope(self, listed: dict[str, list[dict[str, Any]]],
                                   problems: list[LoadProblem], files: Sequence[dict[str, Any]] = ()) -> None:
        """GET the Policies and VSRs referenced from outside the selected namespaces (NIC allows cross-namespace).

        ``files`` are the proposed change's objects: their references count, and what they hold is not fetched.
        """
        if self.scopes == (None,):
            return
        chosen = set(self.scopes)
        for kind, finder, sources in (
            (VIRTUAL_SERVER_ROUTES, referenced_routes, (VIRTUAL_SERVERS,)),
            (POLICIES, referenced_policies, (INGRESSES, VIRTUAL_SERVERS, VIRTUAL_SERVER_ROUTES)),
        ):
            if kind.plural in self._absent:
                continue
            kinds = {s.kind for s in sources}
            have = {meta_of(o) for o in listed[kind.plural]} | {meta_of(o) for o in files if o["kind"] == kind.kind}
            wanted = [key for key in finder([*(o for s in sources for o in listed[s.plural]),
                                             *(o for o in files if o["kind"] in kinds)])
                      if key[0] not in chosen and key not in have]
            for namespace, name in wanted:
                status, data = await self.get(kind.path(namespace, name))
                if status == 200 and isinstance(data, Mapping):
                    listed[kind.plural].append(as_kubectl_json(data, kind))
                elif status != 404:
                    problems.append(self._problem(
                        KIND_UNREADABLE, f"cannot read {kind.kind} {namespace}/{name}: {_status_reason(status, data)}",
                        ObjectRef(kind.kind, namespace, name),
                    ))

    async def _nic_config_maps(self, listed: list[dict[str, Any]],
                               files: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """The NIC ConfigMap named by ``-nginx-configmaps`` (fetched by name) or found by its name in the lists;
        none from the cluster when the proposed change holds it."""
        named = text_of(self.detected.get("nic_configmap"))
        if named.count("/") == 1:
            namespace, name = named.split("/")
            if any(object_key(o) == ("", "ConfigMap", namespace, name) for o in files):
                return []
            for obj in listed:
                if meta_of(obj) == (namespace, name):
                    return [obj]
            status, data = await self.get(CONFIG_MAPS.path(namespace, name))
            if status == 200 and isinstance(data, Mapping):
                return [as_kubectl_json(data, CONFIG_MAPS)]
            self.notes.append(f"NIC ConfigMap {named} not readable ({_status_reason(status, data)})")
        return [o for o in listed if is_nic_config_map(meta_of(o)[1])]

    async def _fetch_secrets(self, keys: Sequence[tuple[str, str]], problems: list[LoadProblem]
                             ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """GET each referenced Secret by name; a refusal is a finding (MTLS130), never a crash."""
        gate = asyncio.Semaphore(8)

        async def one(namespace: str, name: str) -> dict[str, Any] | LoadProblem | None:
            async with gate:
                status, data = await self.get(SECRETS.path(namespace, name))
            if status == 200 and isinstance(data, Mapping):
                return as_kubectl_json(data, SECRETS)
            if status == 404:
                return None  # NIC: "secret doesn't exist"; the replica reports it from the absence
            reason = "forbidden" if status == 403 else _status_reason(status, data)
            return self._problem(SECRET_UNREADABLE, f"cannot verify {namespace}/{name}: {reason}",
                                 ObjectRef("Secret", namespace, name))

        secrets: list[dict[str, Any]] = []
        missing: list[tuple[str, str]] = []
        for wanted, result in zip(keys, await asyncio.gather(*(one(ns, name) for ns, name in keys)), strict=True):
            if isinstance(result, LoadProblem):
                problems.append(result)
            elif result is not None:
                secrets.append(result)
            else:
                missing.append(wanted)
        return secrets, missing

    async def _namespaces(self, objects: Iterable[Mapping[str, Any]]) -> list[str]:
        """Every namespace with ``-A`` (when Namespaces may be listed), else the selected and the seen ones."""
        seen = {meta_of(o)[0] for o in objects} | {s for s in self.scopes if s}
        if self.scopes == (None,):
            status, data = await self.get(NAMESPACES.path(None))
            if status == 200 and isinstance(data, Mapping) and isinstance(data.get("items"), list):
                seen |= {meta_of(i)[1] for i in data["items"] if isinstance(i, Mapping)}
        return sorted(seen - {""})

    async def _probe_elsewhere(self, missing: Sequence[tuple[str, str]], namespaces: Sequence[str],
                               fetched: set[tuple[str, str]]) -> list[dict[str, Any]]:
        """Metadata of same-named Secrets in the other namespaces seen, for missing references.

        A Secret in the wrong namespace is a classic mistake (NIC looks only in the Policy's namespace); the
        analysis names where it is when the snapshot holds it. Only metadata is asked for (the API server's
        PartialObjectMetadata), by name, in at most 200 GETs; whatever comes back is reduced to ``metadata``, so no
        key material of a Secret NIC does not use is ever held.
        """
        probes = list(dict.fromkeys((ns, name) for _, name in missing for ns in namespaces
                                    if (ns, name) not in fetched))[:200]
        accept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
        gate = asyncio.Semaphore(8)

        async def one(namespace: str, name: str) -> dict[str, Any] | None:
            async with gate:
                status, data = await self.get(SECRETS.path(namespace, name), accept=accept)
            meta = data.get("metadata") if status == 200 and isinstance(data, Mapping) else None
            if not isinstance(meta, Mapping):
                return None
            return as_kubectl_json({"metadata": {k: v for k, v in meta.items() if k != "annotations"}}, SECRETS)

        return [found for found in await asyncio.gather(*(one(ns, name) for ns, name in probes)) if found]

    async def cluster(self, proposed: Proposed | None = None) -> Cluster:
        """A fresh snapshot converted to the model, with Events and unreadable Secrets attached.

        With ``proposed`` the sources are ``cluster:<context>`` then the files, in that order: the replica takes
        source order for creation order, so the cluster's objects are older than the proposed ones.
        """
        from inspector.sources.convert import build_cluster

        raws, problems = await self.snapshot(proposed)
        sources = [f"{self.context}/{scope or 'all namespaces'}" for scope in self.scopes]
        if proposed is not None:
            sources = [self.origin.file, *proposed.paths]
        built = build_cluster(raws, problems, sources=sources)
        unreadable = {
            p.ref.key: p.message.rsplit(": ", 1)[-1]
            for p in problems if p.check_id == SECRET_UNREADABLE and p.ref is not None
        }
        return replace(built, unreadable_secrets=unreadable)

    # -- watch ----------------------------------------------------------------------------------------------------

    def watch(self, on_change: OnChange, *, debounce: float = 0.5, watchdog: float = 330.0,
              secret_poll: float = 60.0) -> LiveWatch:
        """Start list+watch of every listed kind; ``on_change`` runs (debounced) after each real change.

        Each kind is watched from its list's resourceVersion and relisted on 410 Gone, on stream end and when the
        stream stays silent longer than ``watchdog`` seconds (watches are known to hang). Referenced Secrets are
        not watched (that would need list/watch on Secrets): they are re-read by name every ``secret_poll``
        seconds. Call :meth:`LiveWatch.stop` (or :meth:`close`) to end it; the caller then re-reads with
        :meth:`snapshot` / :meth:`cluster`.
        """
        watch = LiveWatch(self, on_change, debounce=debounce, watchdog=watchdog, secret_poll=secret_poll)
        self._watches.append(watch)
        return watch

    async def close(self) -> None:
        """Stop the watches and close the HTTP connections."""
        for watch in self._watches:
            await watch.stop()
        self._watches.clear()
        with contextlib.suppress(Exception):
            await self._api.close()


class _Relist(Exception):
    """The watch must start over from a fresh list (410 Gone, stream end, watchdog, bad line)."""


class LiveWatch:
    """The running list+watch loops of a :class:`LiveSession` and their debounced callback."""

    def __init__(self, session: LiveSession, on_change: OnChange, *, debounce: float, watchdog: float,
                 secret_poll: float) -> None:
        self._session = session
        self._on_change = on_change
        self._debounce = debounce
        self._watchdog = watchdog
        self._secret_poll = secret_poll
        self._dirty = asyncio.Event()
        self._stopping = False
        self._state: dict[tuple[str, str | None], dict[tuple[str, str], str]] = {}
        self.lists: dict[str, int] = {}
        """How many times each kind (plural) was listed by the watch: 1 + relists."""
        self.gone: int = 0
        """How many 410 Gone answers forced a relist."""
        self.changes: int = 0
        """How many times ``on_change`` was called."""
        self.last_error: str = ""
        """The last one-line error a loop recovered from (shown in a status bar)."""
        kinds = (*LISTED, EVENTS)
        self._tasks = [asyncio.create_task(self._follow(kind, scope), name=f"watch {kind.plural} {scope or '*'}")
                       for kind in kinds if kind.plural not in session._absent for scope in session.scopes]
        self._tasks.append(asyncio.create_task(self._debouncer(), name="watch debouncer"))
        if secret_poll > 0:
            self._tasks.append(asyncio.create_task(self._poll_secrets(), name="watch secrets"))

    async def stop(self) -> None:
        """Cancel every loop and wait (bounded) for them to end."""
        self._stopping = True
        pending = {task for task in self._tasks if not task.done()}
        for _ in range(50):
            if not pending:
                break
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=0.1)
        for task in self._tasks:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it at exit
        self._tasks = []

    async def __aenter__(self) -> LiveWatch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- state -----------------------------------------------------------------------------------------------------

    def _keep(self, kind: Kind, obj: Mapping[str, Any]) -> bool:
        if kind is CONFIG_MAPS:
            named = text_of(self._session.detected.get("nic_configmap"))
            return "/".join(meta_of(obj)) == named or is_nic_config_map(meta_of(obj)[1])
        if kind is EVENTS:
            involved = dig(obj, "involvedObject")
            return isinstance(involved, Mapping) and (
                text_of(involved.get("kind")), text_of(involved.get("namespace")), text_of(involved.get("name"))
            ) in self._session._involved
        return True

    def _seed(self, kind: Kind, scope: str | None) -> dict[tuple[str, str], str]:
        # Start from what the last snapshot saw, so a change between snapshot() and watch() is not lost.
        known = self._session._digests.get(kind.plural, {})
        return {key: value for key, value in known.items() if scope is None or key[0] == scope}

    def _reconcile(self, kind: Kind, scope: str | None, items: list[dict[str, Any]]) -> None:
        fresh = {meta_of(o): digest(o) for o in items if self._keep(kind, o)}
        previous = self._state.get((kind.plural, scope))
        if previous is None:
            previous = self._seed(kind, scope)
        self._state[(kind.plural, scope)] = fresh
        if fresh != previous:
            self._dirty.set()

    def _apply(self, kind: Kind, scope: str | None, event_type: str, obj: dict[str, Any]) -> None:
        if not self._keep(kind, obj):
            return
        state = self._state.setdefault((kind.plural, scope), {})
        key = meta_of(obj)
        if event_type == "DELETED":
            if state.pop(key, None) is not None:
                self._dirty.set()
            return
        fingerprint = digest(obj)
        if state.get(key) != fingerprint:
            state[key] = fingerprint
            self._dirty.set()

    # -- loops -----------------------------------------------------------------------------------------------------

    async def _follow(self, kind: Kind, scope: str | None) -> None:
        backoff = 0.2
        session = self._session
        while not self._stopping:
            listed_at = time.monotonic()
            try:
                status, data = await session.get(kind.path(scope))
                self.lists[kind.plural] = self.lists.get(kind.plural, 0) + 1
                if status in (403, 404):
                    self.last_error = f"{kind.plural}: {_status_reason(status, data)}; not watched"
                    return
                if status != 200 or not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
                    raise _Relist(f"{kind.plural}: {_status_reason(status, data)}")
                items = [as_kubectl_json(i, kind) for i in data["items"] if isinstance(i, Mapping)]
                self._reconcile(kind, scope, items)
                await self._stream(kind, scope, text_of(dig(data, "metadata", "resourceVersion")))
            except _Relist as why:
                if str(why):
                    self.last_error = str(why)
                elif time.monotonic() - listed_at > 1.0:
                    backoff = 0.2  # an ordinary relist (stream end, watchdog, 410 after a while): at once
                    continue
                # An error, or a relist right after a list (a proxy answering every watch with 410): back off.
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception as exc:  # LiveError, or a surprise: keep following, with back-off
                self.last_error = _one_line(str(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _stream(self, kind: Kind, scope: str | None, version: str) -> None:
        """Follow one watch stream until it ends, goes silent, or says 410 Gone; then the caller relists."""
        import aiohttp

        query = [("watch", "true"), ("allowWatchBookmarks", "true"),
                 ("timeoutSeconds", str(max(1, int(self._watchdog) - 30)))]
        if version:
            query.append(("resourceVersion", version))
        # No total/read timeout on the stream itself: the watchdog below bounds the silence between lines.
        timeout = aiohttp.ClientTimeout(total=None, connect=self._session.options.timeout,
                                        sock_connect=self._session.options.timeout)
        response = await self._session._open(kind.path(scope), query, timeout)
        try:
            if response.status == 410:
                self.gone += 1
                raise _Relist("")
            if response.status != 200:
                raise _Relist(f"watch {kind.plural}: HTTP {response.status}")
            while True:
                try:
                    async with asyncio.timeout(self._watchdog):
                        line = await response.content.readline()
                except TimeoutError:
                    raise _Relist("") from None  # silent too long: the watch may hang, start over
                except (aiohttp.ClientError, OSError) as exc:
                    raise _Relist(f"watch {kind.plural}: {describe_failure(exc, self._watchdog)}") from None
                if not line:
                    raise _Relist("")  # the server ended the stream (timeoutSeconds): relist
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise _Relist(f"watch {kind.plural}: unreadable event") from None
                event_type = text_of(dig(event, "type"))
                obj = dig(event, "object")
                if not isinstance(obj, Mapping):
                    raise _Relist("")
                if event_type == "ERROR":
                    if obj.get("code") == 410:
                        self.gone += 1
                        raise _Relist("")
                    raise _Relist(f"watch {kind.plural}: {_status_reason(int(obj.get('code') or 0), obj)}")
                if event_type == "BOOKMARK":
                    continue
                if event_type in ("ADDED", "MODIFIED", "DELETED"):
                    self._apply(kind, scope, event_type, as_kubectl_json(obj, kind))
        finally:
            response.release()
            response.close()

    async def _poll_secrets(self) -> None:
        session = self._session
        while True:
            await asyncio.sleep(self._secret_poll)
            for namespace, name in list(session._secret_keys):
                try:
                    status, data = await session.get(SECRETS.path(namespace, name))
                except LiveError as exc:
                    self.last_error = str(exc)
                    break
                ok = status == 200 and isinstance(data, Mapping)
                fingerprint = digest(as_kubectl_json(data, SECRETS)) if ok else ""
                if session._secret_digests.get((namespace, name), "") != fingerprint:
                    session._secret_digests[(namespace, name)] = fingerprint
                    self._dirty.set()

    async def _debouncer(self) -> None:
        while True:
            await self._dirty.wait()
            waited = 0.0
            # Quiet period: wait until no change arrived for `debounce` seconds (at most 10 periods).
            while waited < self._debounce * 10:
                self._dirty.clear()
                try:
                    async with asyncio.timeout(self._debounce):
                        await self._dirty.wait()
                except TimeoutError:
                    break
                waited += self._debounce
            self._dirty.clear()
            self.changes += 1
            try:
                result = self._on_change()
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # a view's bug must not stop the watch
                log.warning("live: change callback failed: %s", _one_line(str(exc)))




# --- connecting ------------------------------------------------------------------------------------------------------


def _status_reason(status: int, data: Any) -> str:
    """``403 Forbidden: <the API server's message>`` from a Status body."""
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
             429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
    head = f"{status} {names.get(status, 'HTTP error')}" if status else "error"
    message = text_of(dig(data, "message")) if isinstance(data, Mapping) else ""
    return _one_line(f"{head}: {message}" if message else head)


def describe_failure(exc: BaseException, timeout: float) -> str:
    """One line for a client-side failure: unreachable, certificate, TLS, timeout, plugin error."""
    import ssl

    import aiohttp
    from kubernetes_asyncio.config.config_exception import ConfigException

    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"no answer within {timeout:g}s (timeout)"
    if isinstance(exc, RedirectRefused):
        return str(exc)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"certificate: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return f"TLS handshake failed: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"unreachable: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, ConfigException):
        text = str(exc)
        if text.startswith("exec:"):
            return f"exec plugin failed: {text[5:].strip()}"
        return f"kubeconfig: {text}"
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"exec plugin failed: command not found: {exc.filename}"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return f"connection failed: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _resolve_target(options: LiveOptions, paths: str) -> tuple[Any, _Target]:
    """Merge the kubeconfig files (first definition wins, as kubectl) and find the context and its server."""
    from kubernetes_asyncio.config.config_exception import ConfigException
    from kubernetes_asyncio.config.kube_config import KubeConfigLoader, KubeConfigMerger

    context = options.context or "(current-context)"
    try:
        merger = KubeConfigMerger(paths)
        merged = merger.config
        if merged is None:
            raise LiveError(context, "", f"kubeconfig {paths} is empty")
        context = options.context or text_of(merged.value.get("current-context"))
        if not context:
            raise LiveError("(none)", "", f"kubeconfig {paths} has no current-context; pass --context")
        node = merged["contexts"].get_with_name(context, safe=True)
        if node is None:
            raise LiveError(context, "", f"context {context!r} not found in kubeconfig {paths}")
        cluster = merged["clusters"].get_with_name(node["context"]["cluster"], safe=True)
        server = text_of(cluster["cluster"].safe_get("server")) if cluster is not None else ""
        namespace = text_of(node["context"].safe_get("namespace")) or "default"
        loader = KubeConfigLoader(config_dict=merged, active_context=context, config_base_path=None,
                                  config_persister=merger.save_changes)
    except LiveError:
        raise
    except ConfigException as exc:
        raise LiveError(context, "", f"kubeconfig: {exc}") from None
    except Exception as exc:
        # YAML syntax errors, unreadable files, and malformed entries (type/key errors inside the client).
        raise LiveError(context, "", f"kubeconfig {paths} unreadable: {_one_line(str(exc)) or type(exc).__name__}") \
            from None
    return loader, _Target(context, server, namespace)


class LiveCredentials:
    """An authenticated client configuration for one context, not yet bound to an event loop.

    :func:`authenticate` makes it (kubeconfig, exec plugin, OIDC) before a UI owns the terminal, e.g. under
    ``asyncio.run``; :func:`open_session` then opens any number of sessions from it in whatever loop runs later
    (Textual's), without running the plugin again. An expiring exec-plugin token is renewed on use.
    """

    def __init__(self, options: LiveOptions, target: _Target, configuration: Any) -> None:
        self.options = options
        self.context = target.context
        self.server = target.server
        self.namespace = target.namespace
        self._target = target
        self._configuration = configuration

    def __repr__(self) -> str:  # never the token
        return f"LiveCredentials(context={self.context!r}, server={self.server!r})"


async def authenticate(options: LiveOptions) -> LiveCredentials:
    """Load the kubeconfig and authenticate like kubectl; every failure is a one-line :class:`LiveError`.

    Order as kubectl: ``--kubeconfig`` (may be ``a:b``), else ``$KUBECONFIG`` (multi-file), else
    ``~/.kube/config``, else the in-cluster service account. An exec plugin may prompt: call this before a UI
    takes the terminal. Nothing is sent to the API server yet.
    """
    from kubernetes_asyncio.client import Configuration

    configuration = Configuration()
    paths = _kubeconfig_paths(options.kubeconfig)
    if not _existing(paths) and not options.kubeconfig and os.environ.get("KUBERNETES_SERVICE_HOST"):
        return LiveCredentials(options, await _load_in_cluster(configuration), configuration)
    if not _existing(paths):
        raise LiveError(options.context or "(none)", "", f"no kubeconfig found at {paths}")
    keep_key_material_off_disk()  # client-key-data never lands in a temp file (issue 14)
    track_plugins()
    loader, target = _resolve_target(options, paths)
    try:
        async with asyncio.timeout(options.auth_timeout):
            await loader.load_and_set(configuration)
    except LiveError:
        raise
    except Exception as exc:
        raise LiveError(target.context, target.server, describe_failure(exc, options.auth_timeout)) from None
    finally:
        kill_plugins()  # a plugin still running after the timeout (or an error): killed with its group
    remember_credential(configuration.api_key.get("BearerToken"))
    _install_refresh(loader, configuration, target, options.auth_timeout)
    return LiveCredentials(options, target, configuration)


async def open_session(credentials: LiveCredentials) -> LiveSession:
    """A session in the running event loop, checked with ``/version`` (one-line :class:`LiveError` if not)."""
    from kubernetes_asyncio.client import ApiClient

    api = ApiClient(configuration=credentials._configuration)
    api.user_agent = USER_AGENT
    refuse_cross_host_redirects(api)
    session = LiveSession(credentials.options, credentials._target, api, "")
    try:
        await session.server_version()
    except BaseException:
        await session.close()
        raise
    return session


async def connect(options: LiveOptions) -> LiveSession:
    """:func:`authenticate` then :func:`open_session`: the one call for a single event loop."""
    return await open_session(await authenticate(options))


async def _load_in_cluster(configuration: Any) -> _Target:
    from kubernetes_asyncio.config import load_incluster_config

    host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
    try:
        load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise LiveError("in-cluster", host, describe_failure(exc, 0)) from None
    remember_credential(configuration.api_key.get("BearerToken"))
    namespace_file = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
    try:
        namespace = namespace_file.read_text().strip() or "default"
    except OSError:
        namespace = "default"
    return _Target("in-cluster", str(configuration.host), namespace)


def _install_refresh(loader: Any, configuration: Any, target: _Target, timeout: float = 60.0) -> None:
    """Re-run an exec plugin when its token expires (EKS tokens last 15 minutes; a watch lasts longer)."""
    if not hasattr(loader, "exec_plugin_expiry"):
        return

    async def refresh(config: Any) -> None:
        try:
            async with asyncio.timeout(timeout):
                await loader.load_from_exec_plugin()
        except Exception as exc:
            raise LiveError(target.context, target.server, describe_failure(exc, timeout)) from None
        finally:
            kill_plugins()
        remember_credential(loader.token)
        config.api_key["BearerToken"] = loader.token

    configuration.refresh_api_key_hook = refresh


async def load_live(options: LiveOptions, proposed: Proposed | None = None) -> tuple[Cluster, dict[str, object]]:
    """Connect, take one snapshot (with ``proposed`` laid over it), close: the Cluster and the auto-detected
    ControllerSettings fields."""
    session = await connect(options)
    try:
        cluster = await session.cluster(proposed)
        return cluster, dict(session.detected)
    finally:
        await session.close()


async def load_live_cluster(options: LiveOptions, proposed: Proposed | None = None) -> Cluster:
    """Connect, take one snapshot, close: the Cluster for headless commands."""
    cluster, _ = await load_live(options, proposed)
    return cluster


# --- for a UI: authenticate first, then load and follow from the UI's own threads and loop -------------------------


def snapshot_with(credentials: LiveCredentials, proposed: Proposed | None = None) -> tuple[Cluster, dict[str, object]]:
    """One snapshot from already-authenticated credentials, blocking (a UI's worker thread runs it)."""

    async def go() -> tuple[Cluster, dict[str, object]]:
        session = await open_session(credentials)
        try:
            return await session.cluster(proposed), dict(session.detected)
        finally:
            await session.close()

    return asyncio.run(go())


class LiveFollower:
    """Follows the cluster from inside a UI's event loop: its own session there, a watch, a callback per change.

    ``watch`` matches what the TUI expects of a live source (``watch(on_change)`` returning something with an async
    ``stop`` and a ``last_error``); the session is opened lazily in the loop that calls it.
    """

    def __init__(self, credentials: LiveCredentials, namespaces: Sequence[str] = ()) -> None:
        self.credentials = credentials
        self.namespaces = tuple(namespaces)
        """Namespaces watched besides the selection (those a proposed change touches)."""
        self._task: asyncio.Task[None] | None = None
        self._session: LiveSession | None = None
        self._watch: LiveWatch | None = None
        self._error = ""

    @property
    def last_error(self) -> str:
        return (self._watch.last_error if self._watch is not None else "") or self._error

    def watch(self, on_change: OnChange) -> LiveFollower:
        self._task = asyncio.get_running_loop().create_task(self._run(on_change), name="live follower")
        return self

    async def _run(self, on_change: OnChange) -> None:
        try:
            self._session = await open_session(self.credentials)
            self._session.include(self.namespaces)
            self._watch = self._session.watch(on_change)
        except LiveError as exc:
            self._error = str(exc)

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._session is not None:
            await self._session.close()  # stops its watches too
        self._session = self._watch = None
