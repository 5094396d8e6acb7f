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


def first_statement(value: str) -> tuple[tuple[str, ...], str] | None:
    """How nginx reads ``directive VALUE;`` (``ngx_conf_read_token``): the value's arguments up to the first ``;``,
    and what follows them in the file (loaded as further directives). None when the value opens or closes a block
    or leaves a quote open: nginx's verdict then depends on the text around it (MTLS068 flags those values)."""
    args: list[str] = []
    token: list[str] | None = None
    quote = ""
    i = 0
    while i < len(value):
        ch = value[i]
        if quote:
            if ch == "\\" and i + 1 < len(value):
                token = (token or []) + [value[i + 1]] if value[i + 1] in ('"', "'", "\\") else (token or []) + [ch]
                i += 2
                continue
            if ch == quote:
                args.append("".join(token or []))
                token, quote = None, ""
            else:
                token = (token or []) + [ch]
            i += 1
            continue
        if ch in " \t\r\n":
            if token is not None:
                args.append("".join(token))
                token = None
        elif ch == ";":
            if token is not None:
                args.append("".join(token))
            return tuple(args), value[i + 1 :]
        elif ch in "{}":
            return None
        elif ch == "#" and token is None:
            end = value.find("\n", i)
            if end < 0:
                return None  # the comment swallows the template's own ";"
            i = end
            continue
        elif ch in "\"'" and token is None:
            quote = ch
            token = []
        elif ch == "\\" and i + 1 < len(value):
            token = (token or []) + [value[i + 1]]
            i += 2
            continue
        else:
            token = (token or []) + [ch]
        i += 1
    if quote:
        return None
    if token is not None:
        args.append("".join(token))
    return tuple(args), ""


@lru_cache(maxsize=256)
def cipher_error(ciphers: str, directive: str = "proxy_ssl_ciphers") -> str | None:
    """nginx's message for ``directive CIPHERS;``: nginx splits the value at ``;`` (the rest is loaded as more
    directives, which MTLS068 flags), then OpenSSL (the one Python links, as nginx does) checks the one argument
    where nginx builds the SSL context."""
    statement = first_statement(ciphers)
    if statement is None:
        return None
    args, _rest = statement
    if len(args) != 1:
        return f'invalid number of arguments in "{directive}" directive'
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(args[0])
    except (ssl.SSLError, ValueError):
        return f'SSL_CTX_set_cipher_list("{args[0]}") failed (SSL: no cipher match)'
    return None


NGX_CONF_BUFFER = 4096
"""nginx reads its configuration through a 4096-byte buffer (``ngx_conf_file.c``): one parameter must fit in it."""


def too_long_error(token: str) -> str | None:
    """nginx's message for a parameter, as written in the file (with its quotes), that does not fit in the buffer
    (checked with nginx 1.22: 4094 bytes inside quotes pass, 4095 fail; unquoted, 4095 pass and 4096 fail)."""
    size = len(token.encode("utf-8", "surrogatepass"))
    quoted = token.startswith('"')
    if size <= (NGX_CONF_BUFFER if quoted else NGX_CONF_BUFFER - 1):
        return None
    if quoted:
        return 'too long parameter, probably missing terminating """ character'
    return f'too long parameter "{token[:10]}..." started'


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
