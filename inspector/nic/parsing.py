"""Go's ``strconv``/``regexp`` helpers and NIC's ``parsing_helpers.go``, replayed once for the whole replica.

Why it exists: NIC reads every ConfigMap key, annotation and CRD string through the same few Go functions;
validation, the Ingress and the VirtualServer generators and the templates all need the same answers, so the
replica keeps one copy of each here. Go's regexps are ASCII-only (``\\d`` is ``[0-9]``, ``\\s`` is
``[\\t\\n\\f\\r ]``) and ``$`` without multiline mode anchors at the very end of the text: ``re.fullmatch``
with explicit classes says the same.
"""

from __future__ import annotations

import re
import unicodedata

_TIME = re.compile(
    r"([0-9]+y)??[ \t\n\f\r]*([0-9]+M)??[ \t\n\f\r]*([0-9]+w)??[ \t\n\f\r]*([0-9]+d)??[ \t\n\f\r]*([0-9]+h)??"
    r"[ \t\n\f\r]*([0-9]+m)??[ \t\n\f\r]*([0-9]+s?)??[ \t\n\f\r]*([0-9]+ms)??"
)
"""``parsing_helpers.go :: timeRegexp`` (NGINX time syntax, http://nginx.org/en/docs/syntax.html)."""

_INT = re.compile(r"[+-]?[0-9]+")
_UINT = re.compile(r"[0-9]+")


def parse_bool(value: str) -> bool | None:
    """Go's ``strconv.ParseBool``: the accepted spellings; None where Go returns an error."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def parse_int(value: str, *, unsigned: bool = False) -> int | None:
    """Go's ``strconv.Atoi``/``ParseInt(s, 10, 64)`` (``ParseUint`` when ``unsigned``); None on an error.

    No surrounding space, no ``_`` separators, 64-bit range: Python's ``int()`` accepts all three, Go none.
    """
    if (_UINT if unsigned else _INT).fullmatch(value) is None:
        return None
    number = int(value)
    in_range = 0 <= number < 2**64 if unsigned else -(2**63) <= number < 2**63
    return number if in_range else None


def parse_time(value: str) -> str | None:
    """``parsing_helpers.go :: ParseTime``: validates and normalises (``"10"`` -> ``"10s"``, spaces dropped)."""
    if not value.strip():
        return None
    m = _TIME.fullmatch(value)
    if m is None:
        return None
    parts = ["" if g is None else g for g in m.groups()]
    if parts[6] and not parts[6].endswith("s"):
        parts[6] += "s"
    return "".join(parts)


_LB_METHODS = frozenset({"least_conn", "ip_hash", "random", "random two", "random two least_conn"})
"""``parsing_helpers.go :: nginxLBValidInput``."""
_LB_METHODS_PLUS = _LB_METHODS | {
    "random two least_time=header",
    "random two least_time=last_byte",
    "least_time header",
    "least_time last_byte",
    "least_time header inflight",
    "least_time last_byte inflight",
}
"""``parsing_helpers.go :: nginxPlusLBValidInput``."""


def parse_lb_method(value: str, plus: bool) -> str | None:
    """``parsing_helpers.go :: ParseLBMethod(ForPlus)``: ``round_robin`` is the empty method (no directive); None
    where NIC returns an error. ``validateHashLBMethod`` splits on single spaces: ``hash <key> [consistent]``."""
    method = value.strip()
    if method == "round_robin":
        return ""
    if method.startswith("hash"):
        words = method.split(" ")
        if words[0] == "hash" and (len(words) == 2 or (len(words) == 3 and words[2] == "consistent")):
            return method
        return None
    return method if method in (_LB_METHODS_PLUS if plus else _LB_METHODS) else None


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_printable(ch: str) -> bool:
    """Go's ``strconv.IsPrint``: letters, marks, numbers, punctuation, symbols and U+0020 only."""
    return unicodedata.category(ch)[0] in "LMNPS"


def go_quote(value: object) -> str:
    """Go's ``strconv.Quote`` (``%q``): printable runes kept, the rest escaped as Go does."""
    out = ['"']
    for ch in str(value):
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x80 or _go_printable(ch):
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_GO_REGEX_META = frozenset("\\.+*?()|[]{}^$")


def go_quote_meta(value: str) -> str:
    """Go's ``regexp.QuoteMeta``."""
    return "".join("\\" + ch if ch in _GO_REGEX_META else ch for ch in value)


_GO_SPACE = (
    " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""``unicode.IsSpace``."""


def go_trim_space(value: str) -> str:
    """Go's ``strings.TrimSpace``: Unicode white space (Python's ``str.strip`` also drops a few Go keeps)."""
    return value.strip(_GO_SPACE)


def parse_proxy_buffers(value: str) -> str | None:
    """``parsing_helpers.go :: ParseProxyBuffersSpec``: ``N SIZE`` (one space), a unit k/m in any case."""
    s = go_trim_space(value)
    if re.fullmatch(r"[0-9]+ [0-9]+[kKmM]?", s):
        return s
    m = re.fullmatch(r"([0-9]+) ([0-9]+)([a-zA-Z]?)", s)
    if m and m.group(3).lower() in ("", "k", "m"):
        return f"{m.group(1)} {m.group(2)}{m.group(3).lower()}"
    return None


def parse_size(value: str) -> str | None:
    """``parsing_helpers.go :: ParseSize``: trimmed ``\\d+[kKmM]?``."""
    s = go_trim_space(value)
    return s if re.fullmatch(r"[0-9]+[kKmM]?", s) else None


def parse_port_list(value: str) -> tuple[int, ...] | None:
    """``parsing_helpers.go :: ParsePortList``: ``strconv.ParseInt(item, 10, 32)`` (no trimming), each > 0.

    NIC has no upper bound: 65536 passes and reaches ``listen``, where nginx refuses it."""
    ports: list[int] = []
    for item in value.split(","):
        if re.fullmatch(r"[+-]?[0-9]+", item) is None or not -(2**31) <= int(item) < 2**31 or int(item) <= 0:
            return None
        ports.append(int(item))
    return tuple(ports)
