"""Upstreams for the rehearsal nginx: one per upstream block and world, all in one asyncio thread.

Why it exists: NIC's upstream blocks point at placeholders (``127.0.0.1:8181``, ``unix:...nginx-502-server.sock``)
because files carry no endpoints. Each block gets its own backend, because ``proxy_ssl_session_reuse on`` (NIC's
default) keeps the TLS session per upstream peer: a shared backend would let one route ride another route's
session and report the wrong client certificate. A backend answers every request with 200 and headers saying
which upstream block it is, whether the connection was TLS, and the SHA-256 of the client certificate NGINX
presented (``none`` when it sent none), so each probe reads what its own request did, with no shared state.

TLS backends request a client certificate (``CERT_OPTIONAL``, so "none" is observable) and trust every
certificate found in the cluster's secret files as a partial-chain anchor: a real upstream would trust its own
CA, which a manifest set does not name, and the point is to record the certificate, not to judge it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from inspector.rehearse.material import Material
from inspector.rehearse.sandbox import Sandbox

HEADER_UPSTREAM = "X-Rehearsal-Upstream"
HEADER_TLS = "X-Rehearsal-TLS"
HEADER_CLIENT_CERT = "X-Rehearsal-Client-Cert"
HEADER_SNI = "X-Rehearsal-SNI"
_TIMEOUT = 5.0


def server_context(material: Material, client_trust: Iterable[x509.Certificate]) -> ssl.SSLContext:
    """The TLS side of an HTTPS backend: serve ``material``, ask for a client certificate, record it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(material.cert_file), str(material.key_file))
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in client_trust)
    if pem:
        ctx.load_verify_locations(cadata=pem)
        ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        ctx.verify_mode = ssl.CERT_OPTIONAL

    def remember_sni(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _ctx: ssl.SSLContext) -> None:
        sock.rehearsal_sni = name or ""  # type: ignore[union-attr]

    ctx.sni_callback = remember_sni
    return ctx


@dataclass
class Backends:
    """Every upstream of one rehearsal, each a unix socket in ``directory``; ``close`` stops them all (also after
    errors). The sockets belong to the sandbox's user: nginx must be able to connect to them, nobody else."""

    directory: Path
    sandbox: Sandbox = field(default_factory=Sandbox)
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _servers: list[asyncio.Server] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.loop.set_exception_handler(lambda _loop, _context: None)  # failed handshakes are expected here
        self._thread = threading.Thread(target=self.loop.run_forever, name="rehearsal-backends", daemon=True)
        self._thread.start()

    def add(self, name: str, context: ssl.SSLContext | None) -> str:
        """Start one backend on a unix socket of its own and return the socket's path."""
        self.directory.mkdir(mode=0o700, exist_ok=True)
        self.sandbox.own(self.directory)
        path = str(self.directory / f"{len(self._servers)}.sock")
        future = asyncio.run_coroutine_threadsafe(self._serve(name, context, path), self.loop)
        return future.result(_TIMEOUT)

    async def _serve(self, name: str, context: ssl.SSLContext | None, path: str) -> str:
        server = await asyncio.start_unix_server(
            partial(self._handle, name),
            path,
            ssl=context,
            ssl_handshake_timeout=_TIMEOUT if context is not None else None,
        )
        self._servers.append(server)
        os.chmod(path, 0o600)
        self.sandbox.own(Path(path))
        return path

    async def _handle(self, name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _TIMEOUT)
            ssl_object = writer.get_extra_info("ssl_object")
            tls, cert, sni = "plain", "none", ""
            if ssl_object is not None:
                tls = ssl_object.version() or "TLS"
                der = ssl_object.getpeercert(binary_form=True)
                cert = hashlib.sha256(der).hexdigest() if der else "none"
                sni = getattr(ssl_object, "rehearsal_sni", "")
            body = f"{name}\n".encode()
            head = (
                "HTTP/1.1 200 OK\r\n"
                f"{HEADER_UPSTREAM}: {name}\r\n"
                f"{HEADER_TLS}: {tls}\r\n"
                f"{HEADER_CLIENT_CERT}: {cert}\r\n"
                f"{HEADER_SNI}: {sni or '-'}\r\n"
                "Content-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    async def _close_all(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(OSError, RuntimeError, TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        self._servers.clear()

    def close(self) -> None:
        """Stop every backend and the loop thread; safe to call twice and after a failed start."""
        if self._thread is not None and self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._close_all(), self.loop).result(_TIMEOUT)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(_TIMEOUT)
        self._thread = None
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()
