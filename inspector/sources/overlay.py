"""Cluster plus proposed change (istioctl analyze's model): manifests laid over a live snapshot.

Why it exists: the question before a rollout is "what happens when I apply this to that cluster". With
``--kubeconfig/--context`` and SOURCE together, the objects read from the files replace the cluster's objects of
the same kind, namespace and name (as ``kubectl apply`` would), and new ones are added; everything else is the
cluster's. This module holds the pure half (keys, which cluster objects a file replaces, which namespaces and
Secrets the files bring); ``sources.live`` does the reading and keeps every cluster read a GET.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from inspector.model import LoadProblem
from inspector.sources import RawObject
from inspector.sources.files import MAX_FILE_BYTES, STDIN_NAME, StdinInput

Key = tuple[str, str, str, str]
"""``(API group, kind, namespace, name)`` of an object, the identity ``kubectl apply`` matches on."""

_SAME_GROUP = {"extensions": "networking.k8s.io"}
"""Old group names of the same resource (an ``extensions/v1beta1`` Ingress is the ``networking.k8s.io`` one)."""


def object_key(obj: Mapping[str, Any]) -> Key | None:
    """The key of a ``kubectl get -o json`` dict, or None when it has no kind or name (the converter reports it)."""
    kind, api_version, meta = obj.get("kind"), obj.get("apiVersion"), obj.get("metadata")
    if not isinstance(kind, str) or not isinstance(api_version, str) or not isinstance(meta, Mapping):
        return None
    name, namespace = meta.get("name"), meta.get("namespace")
    if not isinstance(name, str) or not name:
        return None
    group = api_version.rpartition("/")[0]
    return (_SAME_GROUP.get(group, group), kind, namespace if isinstance(namespace, str) and namespace else "default",
            name)


@dataclass(frozen=True)
class Proposed:
    """The proposed change: what the SOURCE files hold, read once, and what could not be read."""

    raws: tuple[RawObject, ...]
    problems: tuple[LoadProblem, ...]
    paths: tuple[str, ...]

    def in_namespace(self, namespace: str) -> Proposed:
        """Objects without ``metadata.namespace`` land in the context's namespace, as ``kubectl apply -f`` does."""
        raws = []
        for raw in self.raws:
            meta = raw.obj.get("metadata")
            if isinstance(meta, Mapping) and not meta.get("namespace") and raw.obj.get("kind") != "Namespace":
                raw = replace(raw, obj={**raw.obj, "metadata": {**meta, "namespace": namespace}})
            raws.append(raw)
        return Proposed(tuple(raws), self.problems, self.paths)

    @property
    def keys(self) -> frozenset[Key]:
        return frozenset(key for raw in self.raws if (key := object_key(raw.obj)) is not None)

    def namespaces(self) -> tuple[str, ...]:
        """Namespaces the change touches, in first-seen order (each is read from the cluster too)."""
        return tuple(dict.fromkeys(key[2] for raw in self.raws if (key := object_key(raw.obj)) is not None))

    def secrets(self) -> frozenset[tuple[str, str]]:
        """``(namespace, name)`` of the Secrets the files hold: those are not fetched from the cluster."""
        return frozenset((key[2], key[3]) for key in self.keys if key[:2] == ("", "Secret"))

    def objects(self) -> list[dict[str, Any]]:
        """The files' objects as plain dicts with their namespace defaulted, for the reference finders."""
        out: list[dict[str, Any]] = []
        for raw in self.raws:
            key = object_key(raw.obj)
            if key is None:
                continue
            meta = dict(raw.obj["metadata"])
            meta["namespace"] = key[2]
            out.append({**raw.obj, "metadata": meta})
        return out


def read_proposed(
    paths: Sequence[str],
    *,
    stdin: StdinInput = None,
    stdin_name: str = STDIN_NAME,
    max_bytes: int = MAX_FILE_BYTES,
) -> Proposed:
    """Read the SOURCE files; a file that fails to parse is a problem, and the rest is still used."""
    from inspector.sources.files import load_paths

    raws, problems = load_paths(paths, stdin=stdin, stdin_name=stdin_name, max_bytes=max_bytes)
    return Proposed(tuple(raws), tuple(problems), tuple(paths))


def not_replaced(objects: Iterable[dict[str, Any]], replaced: frozenset[Key]) -> list[dict[str, Any]]:
    """The cluster's objects that no file replaces, in the cluster's order."""
    return [obj for obj in objects if object_key(obj) not in replaced]

