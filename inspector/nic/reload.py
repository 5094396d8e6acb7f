"""Reload failures NIC cannot see coming: nginx's verdict on the values NIC renders without checking them.

Why it exists: NIC copies ``crlFileName`` and egress ``protocols``/``ciphers`` into the config verbatim (spec
§2.4); nginx then refuses the reload and NIC reports ``AddedOrUpdatedWithError``. The Ingress and the
VirtualServer generators ask the same questions of the blocks they render, so the answers live here once.
The texts are the cores of nginx's ``[emerg]`` messages (OpenSSL's detail varies by version).
"""

from __future__ import annotations

import re
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
    import ssl  # only when a policy sets ciphers (a few ms of every run's imports otherwise)

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


_PAGE_SIZE = 4096
"""nginx's defaults follow the page size: ``proxy_buffers 8 4k``, ``proxy_buffer_size 4k`` (x86-64 Linux)."""


def _nginx_size(value: str) -> int | None:
    """``ngx_parse_size``/``ngx_parse_offset``: digits with an optional k/m/g unit."""
    m = re.fullmatch(r"([0-9]{1,15})([kKmMgG]?)", value.strip())
    if m is None:
        return None
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]


def proxy_buffer_errors(buffers: str, buffer_size: str, busy: str, max_temp: str) -> list[str]:
    """The consistency nginx demands of a location's proxy buffers (``ngx_http_proxy_merge_loc_conf``); NIC only
    checks each value's syntax (its ``-enable-directive-autoadjust`` balancing is off by default)."""
    num, size = 8, _PAGE_SIZE
    if buffers.strip():
        parts = buffers.split()
        parsed = _nginx_size(parts[1]) if len(parts) == 2 and parts[0].isdigit() else None
        if parsed is None:
            return []
        num, size = int(parts[0]), parsed
    one = _nginx_size(buffer_size) if buffer_size.strip() else _PAGE_SIZE
    busy_size = _nginx_size(busy) if busy.strip() else None
    temp = _nginx_size(max_temp) if max_temp.strip() else 1024**3
    if one is None or temp is None or (busy.strip() and busy_size is None):
        return []
    if num < 2:
        return ['there must be at least 2 "proxy_buffers"']
    biggest = max(one, size)
    busy_size = 2 * biggest if busy_size is None else busy_size
    both = 'the maximum of the value of "proxy_buffer_size" and one of the "proxy_buffers"'
    if busy_size < biggest:
        return [f'"proxy_busy_buffers_size" must be equal to or greater than {both}']
    if busy_size > (num - 1) * size:
        return ['"proxy_busy_buffers_size" must be less than the size of all "proxy_buffers" minus one buffer']
    if temp != 0 and temp < biggest:
        return [
            '"proxy_max_temp_file_size" must be equal to zero to disable temporary files usage or must be equal to '
            f"or greater than {both}"
        ]
    return []


def variable_error(value: str) -> str | None:
    """nginx's complaint about ``$`` in a value it compiles as a script (``proxy_pass``, ``rewrite``): a ``$`` must
    start a name, a capture number or ``{name}`` (``ngx_http_script_compile``)."""
    i = 0
    while i < len(value):
        if value[i] == "$":
            nxt = value[i + 1] if i + 1 < len(value) else ""
            if nxt == "{":
                end = value.find("}", i + 2)
                if end < 0:
                    return f'the closing bracket in "{value[i + 2 :]}" variable is missing'
                if end == i + 2:
                    return "invalid variable name"
                i = end
            elif not (nxt.isascii() and (nxt.isalnum() or nxt == "_")):
                return "invalid variable name"
        i += 1
    return None


def msec_time_error(directive: str, value: str) -> str | None:
    """NIC's ``ParseTime`` accepts years and months (``1y``, ``2M``); nginx refuses them where it reads a time in
    milliseconds (``ngx_conf_set_msec_slot``: every ``proxy_*_timeout``), checked with nginx 1.22."""
    if re.search(r"[0-9](y|M)", value):
        return f'"{directive}" directive invalid value'
    return None


def timeout_errors(grpc: bool, connect: str, read: str, send: str, next_upstream: str) -> list[str | None]:
    """``msec_time_error`` for a location's four proxy (or grpc) timeouts, Ingress and VirtualServer alike."""
    prefix = "grpc" if grpc else "proxy"
    names = ("connect_timeout", "read_timeout", "send_timeout", "next_upstream_timeout")
    values = (connect, read, send, next_upstream)
    return [msec_time_error(f"{prefix}_{name}", value) for name, value in zip(names, values, strict=True)]


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
