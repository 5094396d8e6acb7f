"""Reload failures NIC cannot see coming: nginx's verdict on the values NIC renders without checking them.

Why it exists: NIC copies ``crlFileName`` and egress ``protocols``/``ciphers`` into the config verbatim (spec
§2.4); nginx then refuses the reload and NIC reports ``AddedOrUpdatedWithError``. The Ingress and the
VirtualServer generators ask the same questions of the blocks they render, so the answers live here once.
The texts are the cores of nginx's ``[emerg]`` messages (OpenSSL's detail varies by version).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from functools import lru_cache

from cryptography import x509

from inspector.nic.types import EgressMTLSCfg

NGINX_SSL_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})
"""The values nginx's ``*_ssl_protocols`` accept (``ngx_http_ssl_module``'s bitmask table)."""


@lru_cache(maxsize=256)
def cipher_error(ciphers: str) -> str | None:
    """nginx's message when OpenSSL (the one Python links, as nginx does) refuses the cipher list; checked
    where nginx builds the SSL context."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(ciphers)
    except (ssl.SSLError, ValueError):
        return f'SSL_CTX_set_cipher_list("{ciphers}") failed (SSL: no cipher match)'
    return None


def crl_error(path: str, files: Mapping[str, bytes]) -> str | None:
    """``ssl_crl`` must name an existing file holding a PEM CRL (nginx: ``X509_LOOKUP_load_file``)."""
    if path not in files:
        return f'X509_LOOKUP_load_file("{path}") failed (No such file or directory)'
    try:
        x509.load_pem_x509_crl(files[path])
    except ValueError:
        return f'X509_LOOKUP_load_file("{path}") failed (no certificate or crl found)'
    return None


def egress_errors(blocks: Iterable[tuple[EgressMTLSCfg | None, bool]]) -> list[str]:
    """Each egress block with whether nginx proxies over TLS there (only then does it build the upstream SSL
    context and check the cipher list); ``protocols`` are checked wherever the block is rendered."""
    errors: list[str] = []
    for egress, used in blocks:
        if egress is None:
            continue
        errors += [f'invalid value "{token}"' for token in egress.protocols.split() if token not in NGINX_SSL_PROTOCOLS]
        if used and (msg := cipher_error(egress.ciphers)) is not None:
            errors.append(msg)
    return errors
