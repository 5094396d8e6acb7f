"""TLS and plain HTTP clients for the rehearsal: one request per probe, SNI and Host set to the probed host.

Why it exists: the probe must behave like a real client at the ingress (``curl --resolve host:443:127.0.0.1
--cert ... -k``, here over the unix socket the sandbox gives nginx instead of a port): SNI picks the server block
whose ``ssl_verify_client`` applies, Host picks it again for the request. The client does not verify nginx's own
certificate (what is under test is the client side and the upstream side), and every socket has a bounded timeout.
Each request carries a marker query argument (``mtls-rehearsal=<id>``) that nginx writes into its error-log lines,
so a failing probe can show its own line; query arguments never change which location nginx picks.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from dataclasses import dataclass

from inspector.rehearse.backends import HEADER_CLIENT_CERT, HEADER_SNI, HEADER_TLS, HEADER_UPSTREAM
from inspector.rehearse.material import Material
from inspector.rehearse.plan import Probe

MARKER = "mtls-rehearsal"
_TITLE = re.compile(rb"<title>(.*?)</title>", re.S | re.I)


@dataclass(frozen=True)
class Observation:
    status: int | None
    """None: no HTTP response (handshake refused, connection failed)."""
    title: str
    """nginx's page title for its own error pages (``400 No required SSL certificate was sent``), else ""."""
    upstream: str = ""
    upstream_tls: str = ""
    client_cert: str = ""
    """Fingerprint the backend saw, ``none``, or "" when no backend answered."""
    sni: str = ""
    error: str = ""


def marker(probe: Probe) -> str:
    """The value of the ``mtls-rehearsal`` query argument this probe sends (``main-7``)."""
    return f"{probe.world}-{probe.id}"


def client_context(material: Material | None) -> ssl.SSLContext:
    """A client context like ``curl -k``: nginx's certificate is not checked; ``material`` is offered if given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if material is not None:
        ctx.load_cert_chain(str(material.cert_file), str(material.key_file))
    return ctx


def send(probe: Probe, path: str, context: ssl.SSLContext | None, timeout: float = 5.0) -> Observation:
    """Send the probe's request to nginx's unix socket ``path`` (the sandbox's listen) and read what comes back."""
    target = probe.request + ("&" if "?" in probe.request else "?") + f"{MARKER}={marker(probe)}"
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {probe.host}\r\nUser-Agent: mtls-inspect-rehearsal\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode()
    raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        raw.settimeout(timeout)
        raw.connect(path)
    except OSError as exc:
        raw.close()
        return Observation(None, "no connection", error=str(exc))
    sock: socket.socket = raw
    try:
        if probe.scheme == "https" and context is not None:
            try:
                sock = context.wrap_socket(raw, server_hostname=probe.host)
            except (ssl.SSLError, OSError) as exc:
                return Observation(None, "handshake rejected", error=str(exc))
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read(65536)
        title = ""
        m = _TITLE.search(body)
        if m and response.status >= 300:
            title = m.group(1).decode("utf-8", "replace").strip()
        return Observation(
            response.status,
            title,
            upstream=response.getheader(HEADER_UPSTREAM, ""),
            upstream_tls=response.getheader(HEADER_TLS, ""),
            client_cert=response.getheader(HEADER_CLIENT_CERT, ""),
            sni=response.getheader(HEADER_SNI, ""),
        )
    except (OSError, http.client.HTTPException) as exc:
        return Observation(None, "no response", error=f"{type(exc).__name__}: {exc}")
    finally:
        sock.close()


def display(status: int | None, title: str) -> str:
    """``400 No required SSL certificate was sent``, ``200``, ``handshake rejected``."""
    if status is None:
        return title
    return title if title.startswith(f"{status} ") and status == 400 else str(status)


def judge(probe: Probe, obs: Observation) -> tuple[bool, str, str]:
    """(as predicted?, predicted text, observed text) for one probe."""
    exp = probe.expected
    predicted = exp.title if exp.status is None else display(exp.status, exp.title)
    observed = display(obs.status, obs.title)
    ok = obs.status == exp.status
    if ok and exp.status == 400:
        ok = obs.title == exp.title
    notes: list[str] = []
    if exp.upstream and obs.status == 200 and obs.upstream != exp.upstream:
        ok = False
        notes.append(f"answered by {obs.upstream or 'no backend'}")
    if exp.upstream_tls is not None and obs.status == 200:
        tls = bool(obs.upstream_tls) and obs.upstream_tls != "plain"
        predicted += " tls" if exp.upstream_tls else " plain"
        observed += f" {obs.upstream_tls or '?'}" if tls else " plain"
        ok = ok and tls == exp.upstream_tls
    if exp.client_cert is not None and exp.status == 200:
        predicted += f" cert {exp.client_cert[:16] or 'none'}"
        seen = "" if obs.client_cert in ("", "none") else obs.client_cert
        observed += f" cert {seen[:16] or 'none'}" if obs.status == 200 else ""
        ok = ok and obs.status == 200 and seen == exp.client_cert
    if notes:
        observed += " (" + "; ".join(notes) + ")"
    return ok, predicted, observed
