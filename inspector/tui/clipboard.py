"""Copying out of the TUI: OSC 52 (wrapped for tmux), and always a file the user can find again.

OSC 52 cannot report success (many terminals ignore it silently, tmux drops it unless passthrough is on), so
every copy also lands in a file whose path the TUI shows. Object YAML is dumped from the model, never cut from
the source file's text (a one-line JSON List would carry every Secret of the file along): Secret ``data`` and
``stringData``, the ``kubectl.kubernetes.io/last-applied-configuration`` annotation (which repeats them) and any
PEM private key are redacted. Clip files go to a folder we made or verified (ours, mode 0700, not a link) and are
opened without following links, mode 0600.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from inspector.model import AnyObject, ConfigMap, Ingress, Policy, Secret, ServiceBackend

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""kubectl's copy of the whole object as applied: for a Secret it holds the base64 data."""

REDACTED = "<redacted>"

API_VERSIONS: Mapping[str, str] = {
    "Ingress": "networking.k8s.io/v1",
    "VirtualServer": "k8s.nginx.org/v1",
    "VirtualServerRoute": "k8s.nginx.org/v1",
    "Policy": "k8s.nginx.org/v1",
    "Secret": "v1",
    "Service": "v1",
    "ConfigMap": "v1",
}

_SPELLING: Mapping[str, str] = {"ingress_mtls": "ingressMTLS", "egress_mtls": "egressMTLS"}
"""Model field names whose CRD spelling is not plain camelCase."""

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def osc52(text: str, *, tmux: bool | None = None) -> str:
    """The escape sequence that puts ``text`` on the terminal's clipboard; DCS-wrapped inside tmux."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\a"
    inside_tmux = bool(os.environ.get("TMUX")) if tmux is None else tmux
    if inside_tmux:
        # tmux passes a DCS "tmux;" payload to the outer terminal when allow-passthrough is on; every ESC inside
        # the payload is doubled.
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


class UnsafeClipFolder(OSError):
    """The clip folder exists but is not one we may write key-adjacent material into."""


def _verify_folder(fd: int, path: Path) -> None:
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeClipFolder(f"{path} is not a folder")
    if info.st_uid != os.getuid():
        raise UnsafeClipFolder(f"{path} belongs to another user (uid {info.st_uid}): not used")
    if stat.S_IMODE(info.st_mode) != 0o700:
        raise UnsafeClipFolder(f"{path} has mode {stat.S_IMODE(info.st_mode):o}, not 700: not used")


def clip_dir() -> Path:
    """Where copies are written: ``$MTLS_INSPECT_CLIP_DIR`` or a per-user folder in the temp dir.

    The folder is created with mode 0700 when missing; an existing one is used only when it is a real folder
    (not a link), ours, and mode 0700. Anything else is refused with the reason (another user may have made it).
    """
    configured = os.environ.get("MTLS_INSPECT_CLIP_DIR")
    base = Path(configured) if configured else Path(tempfile.gettempdir()) / f"mtls-inspect-{os.getuid()}"
    if configured:
        base.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(base, 0o700)
        os.chmod(base, 0o700)  # whatever the umask: the folder we made is ours alone
    except FileExistsError:
        pass
    fd = _open_folder(base)
    os.close(fd)
    return base


def _open_folder(base: Path) -> int:
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        if os.path.islink(base):
            raise UnsafeClipFolder(f"{base} is a symbolic link: not used") from exc
        raise
    try:
        _verify_folder(fd, base)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_clip(text: str, name: str) -> Path:
    """Write ``text`` to the clip folder under a safe version of ``name`` (mode 0600, links not followed)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "clip"
    base = clip_dir()
    folder = _open_folder(base)
    try:
        fd = os.open(safe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    finally:
        os.close(folder)
    with open(fd, "w", encoding="utf-8") as out:
        os.fchmod(fd, 0o600)
        out.write(text)
    return base / safe


def _camel(name: str) -> str:
    if name in _SPELLING:
        return _SPELLING[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, Mapping | tuple | list) and not value)


def _plain(value: Any) -> Any:
    """Model values as YAML-able data, camelCase keys, empty fields left out; key material never kept."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if not _empty(item):
                out[_camel(f.name)] = _plain(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and _PRIVATE_KEY.search(value):
        return REDACTED
    return value


def _metadata(obj: AnyObject) -> dict[str, Any]:
    meta = obj.meta
    out: dict[str, Any] = {"name": meta.ref.name}
    if meta.ref.namespace:
        out["namespace"] = meta.ref.namespace
    if meta.labels:
        out["labels"] = _plain(meta.labels)
    if meta.annotations:
        annotations = _plain(meta.annotations)
        if LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = REDACTED
        out["annotations"] = annotations
    if meta.resource_version:
        out["resourceVersion"] = meta.resource_version
    return out


def _backend(backend: ServiceBackend | None) -> dict[str, Any]:
    if backend is None:
        return {"resource": "(not a Service)"}
    port: dict[str, Any] = {"number": backend.port_number} if backend.port_number is not None else {}
    if backend.port_name:
        port["name"] = backend.port_name
    return {"service": {"name": backend.name, "port": port}}


def _ingress_spec(obj: Ingress) -> dict[str, Any]:
    """The Ingress spec in the API's own shape (``rules[].http.paths[].backend.service``)."""
    spec: dict[str, Any] = {}
    if obj.ingress_class_name is not None:
        spec["ingressClassName"] = obj.ingress_class_name
    if obj.tls is not None:
        spec["tls"] = [_plain(tls) for tls in obj.tls]
    if obj.default_backend is not None:
        spec["defaultBackend"] = _backend(obj.default_backend)
    rules: list[dict[str, Any]] = []
    for rule in obj.rules:
        entry: dict[str, Any] = {"host": rule.host} if rule.host else {}
        if rule.has_http:
            paths = [
                {**_plain(dataclasses.replace(p, backend=None)), "backend": _backend(p.backend)} for p in rule.paths
            ]
            entry["http"] = {"paths": paths}
        rules.append(entry)
    if rules:
        spec["rules"] = rules
    return spec


def model_document(obj: AnyObject) -> dict[str, Any]:
    """The object as mtls-inspect read it, shaped like a manifest (``metadata``, ``spec``), secrets redacted."""
    kind = obj.meta.ref.kind
    doc: dict[str, Any] = {"apiVersion": API_VERSIONS.get(kind, "v1"), "kind": kind, "metadata": _metadata(obj)}
    if isinstance(obj, Secret):
        doc["type"] = obj.type
        # data and stringData were merged by the loader; neither value is ever copied.
        doc["data"] = {key: REDACTED for key in sorted(obj.data)}
        return doc
    if isinstance(obj, ConfigMap):
        doc["data"] = _plain(obj.data)
        return doc
    if isinstance(obj, Ingress):
        doc["spec"] = _ingress_spec(obj)
        return doc
    body = _plain(obj)
    body.pop("meta", None)
    if isinstance(obj, Policy):
        body.pop("otherTypes", None)
        body.update(_plain(body.pop("otherSpecs", {})))
    status = body.pop("status", None)
    doc["spec"] = body
    if status:
        doc["status"] = status
    return doc


def object_yaml(obj: AnyObject) -> str:
    """The object's YAML from the model (never the source file's text); Secret data and key material redacted."""
    origin = obj.meta.origin
    where = origin.at() if origin.file else "the model"
    header = f"# {obj.meta.ref} as mtls-inspect read it ({where}); secret data and last-applied redacted\n"
    return header + yaml.safe_dump(model_document(obj), sort_keys=False, allow_unicode=True)
