"""Values NIC 5.6 copies into nginx.conf without validating them, and whether nginx reads each as one safe value.

Why it exists: NIC validates most Ingress annotations (``internal/k8s/validation.go``; the Ingress is rejected) but
passes ``nginx.org/ssl-ciphers`` and most NIC ConfigMap keys (``internal/configs/configmaps.go :: ParseConfigMap``:
timeouts, sizes, header lists, snippets, ...) through verbatim. Such a value can break the reload or inject
directives (``HIGH; include /etc/passwd``). The analysis layer turns :func:`problem` into MTLS068; the facts of
which field is verbatim and what nginx accepts there live here, next to the rest of the replica.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

SNIPPET = "snippet"
TIME = "time"
TIME_SEC = "time-seconds"
SIZE = "size"
OFFSET = "offset"
ZONE_SIZE = "zone-size"
HEADERS = "header-list"
TOKEN = "token"
ADDRESSES = "address-list"
RETURN = "return"
CIPHERS = "ciphers"
QUOTED = "quoted"

CONFIGMAP_KEYS: Mapping[str, str] = {
    "proxy-connect-timeout": TIME,
    "proxy-read-timeout": TIME,
    "proxy-send-timeout": TIME,
    "fail-timeout": TIME_SEC,
    "client-max-body-size": OFFSET,
    "proxy-max-temp-file-size": SIZE,
    "upstream-zone-size": ZONE_SIZE,
    "proxy-hide-headers": HEADERS,
    "proxy-pass-headers": HEADERS,
    "real-ip-header": TOKEN,
    "set-real-ip-from": ADDRESSES,
    "default-server-return": RETURN,
    "server-snippets": SNIPPET,
    "location-snippets": SNIPPET,
}
"""The ConfigMap keys the replica renders that ``ParseConfigMap`` stores as given (no parsing, no event)."""

CONFIGMAP_PLUS_KEYS: Mapping[str, str] = {"server-tokens": QUOTED}
"""On NGINX Plus a ``server-tokens`` that is not a boolean is stored as given and printed inside quotes."""

INGRESS_ANNOTATIONS: Mapping[str, str] = {"nginx.org/ssl-ciphers": CIPHERS}
"""Rendered Ingress annotations absent from ``annotationValidations`` (``annotations.go`` copies them)."""

_TIME_RE = re.compile(
    r"(?=.)([0-9]{1,6}y)?([0-9]{1,6}M)?([0-9]{1,6}w)?([0-9]{1,6}d)?([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s?)?"
    r"([0-9]{1,6}ms)?",
    re.ASCII,
)
_SIZE_RE = re.compile(r"[0-9]{1,9}[kKmM]?", re.ASCII)
_OFFSET_RE = re.compile(r"[0-9]{1,12}[kKmMgG]?", re.ASCII)
_HEADER_RE = re.compile(r"[-A-Za-z0-9_]+", re.ASCII)
_CIPHERS_RE = re.compile(r"[-A-Za-z0-9:+!@=._]+", re.ASCII)
_WORD_RE = re.compile(r"[-A-Za-z0-9._~:/?&=%+@!*,()\[\]]+", re.ASCII)
_URL_RE = re.compile(r"https?://[-A-Za-z0-9._~:/?&=%+@!*,()\[\]]+", re.ASCII)
_MIN_ZONE = 32 * 1024
"""nginx's smallest shared zone is 8 pages (``zone "..." is too small``); 4 KiB pages."""


@dataclass(frozen=True)
class Verbatim:
    """One value NIC renders as given: which key, how nginx must read it, the value."""

    key: str
    kind: str
    value: str


def configmap_values(data: Mapping[str, str], plus: bool = False) -> list[Verbatim]:
    keys = {**CONFIGMAP_KEYS, **(CONFIGMAP_PLUS_KEYS if plus else {})}
    return [Verbatim(key, kind, data[key]) for key, kind in keys.items() if key in data]


def annotation_values(annotations: Mapping[str, str]) -> list[Verbatim]:
    return [Verbatim(key, kind, annotations[key]) for key, kind in INGRESS_ANNOTATIONS.items() if key in annotations]


def _size_bytes(value: str) -> int:
    unit = value[-1].lower()
    factor = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(unit, 1)
    return int(value.rstrip("kKmMgG")) * factor


def problem(v: Verbatim) -> str | None:
    """Why nginx would not read ``v.value`` as the one value the directive wants (None: it would).

    The answer is deliberately strict: anything but a plain value of the expected kind may inject directives or
    fail ``nginx -t``, and NIC never checks it."""
    value = v.value
    if v.kind == SNIPPET:
        return "is a snippet (its lines are nginx directives)" if value.strip() else None
    if v.kind == QUOTED:
        bad = [ch for ch in '"\\$' if ch in value]
        return f"contains {bad[0]!r} inside nginx's quotes" if bad else None
    if "\n" in value or "\r" in value:
        return "contains a newline"
    for ch in ";{}#\"'\\$`":
        if ch in value:
            return f"contains {ch!r}"
    if v.kind in (TIME, TIME_SEC):
        m = _TIME_RE.fullmatch(value)
        if m is None:
            return "is not an nginx time (e.g. 60s, 1m30s)"
        if v.kind == TIME and (m.group(1) or m.group(2)):
            return "uses y or M, which nginx refuses in a timeout (it reads milliseconds there)"
        return None
    if v.kind in (SIZE, ZONE_SIZE):
        if not _SIZE_RE.fullmatch(value):
            return "is not an nginx size (e.g. 512k, 1m)"
        if v.kind == ZONE_SIZE and _size_bytes(value) < _MIN_ZONE:
            return "is smaller than nginx's smallest zone (32k)"
        return None
    if v.kind == OFFSET:
        if not _OFFSET_RE.fullmatch(value):
            return "is not an nginx size (e.g. 1m, 2g)"
        return "is larger than nginx accepts" if _size_bytes(value) >= 2**63 else None
    if v.kind == HEADERS:
        bad = [item for item in value.split(",") if not _HEADER_RE.fullmatch(item.strip())]
        return f"has an item that is not a header name: {bad[0]!r}" if bad else None
    if v.kind == TOKEN:
        return None if _HEADER_RE.fullmatch(value) else "is not a single header name"
    if v.kind == CIPHERS:
        return None if _CIPHERS_RE.fullmatch(value) else "is not a single OpenSSL cipher list"
    if v.kind == ADDRESSES:
        for item in value.split(","):
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                if item.strip() != "unix:":
                    return f"has an item that is not an address or CIDR: {item.strip()!r}"
        return None
    if v.kind == RETURN:
        code, _, rest = value.partition(" ")
        if re.fullmatch(r"[0-9]{3}", code, re.ASCII) and (not rest or _WORD_RE.fullmatch(rest)):
            return None
        return None if _URL_RE.fullmatch(value) else "is not a status code (and URL)"
    return None
