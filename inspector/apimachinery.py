"""apimachinery's name validators (``k8s.io/apimachinery/pkg/util/validation``, v0.36) with their exact texts.

Both the API server's admission (``sources/convert.py``) and NIC's own validation (``nic/validation.py``) use them,
so they live below both layers, once.
"""

from __future__ import annotations

import re

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
WILDCARD_FMT = "\\*\\." + DNS1123_SUBDOMAIN_FMT
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"

DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character"
)
DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character"
)
WILDCARD_MSG = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist "
    "of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
)
LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """apimachinery ``RegexError`` (note the double space it leaves before ``or``)."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    out = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            out += " or "
        out += f"'{example}', "
    return out + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


_COMPILED: dict[str, re.Pattern[str]] = {}
"""Each format compiled once: ``re.fullmatch(str, ...)`` looks its pattern up in re's cache on every call (200k
calls at 10k objects, a third of their time); the formats are this package's constants, so the dict stays small."""


def matches(fmt: str, value: str) -> bool:
    # Go's ``^...$`` without multiline mode anchors at the very end of the text, like fullmatch.
    pattern = _COMPILED.get(fmt)
    if pattern is None:
        pattern = _COMPILED[fmt] = re.compile(fmt)
    return pattern.fullmatch(value) is not None


def go_len(value: str) -> int:
    """Go's ``len(string)`` counts bytes."""
    return len(value.encode("utf-8", "surrogatepass"))


def dns1123_subdomain_errors(value: str) -> list[str]:
    """``validation.IsDNS1123Subdomain``."""
    errs = []
    if go_len(value) > 253:
        errs.append(max_len_error(253))
    if not matches(DNS1123_SUBDOMAIN_FMT, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1123_label_errors(value: str) -> list[str]:
    """``validation.IsDNS1123Label`` (v0.36: a valid subdomain that is not a label gets "must not contain dots")."""
    errs = []
    if go_len(value) > 63:
        errs.append(max_len_error(63))
    if not matches(DNS1123_LABEL_FMT, value):
        if matches(DNS1123_SUBDOMAIN_FMT, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1035_label_errors(value: str) -> list[str]:
    """``validation.IsDNS1035Label`` (VS upstream and service names)."""
    errs = []
    if go_len(value) > 63:
        errs.append(max_len_error(63))
    if not matches(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def wildcard_dns1123_subdomain_errors(value: str) -> list[str]:
    """``validation.IsWildcardDNS1123Subdomain`` (VS hosts starting with ``*.``)."""
    errs = []
    if go_len(value) > 253:
        errs.append(max_len_error(253))
    if not matches(WILDCARD_FMT, value):
        errs.append(regex_error(WILDCARD_MSG, WILDCARD_FMT, "*.example.com"))
    return errs


def qualified_name_errors(value: str) -> list[str]:
    """``validation.IsQualifiedName`` = ``content.IsLabelKey`` in apimachinery v0.36 (VS route references)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            # content.IsDNS1123Subdomain says "bytes" where util/validation says "characters".
            msgs = []
            if go_len(prefix) > 253:
                msgs.append("must be no more than 253 bytes")
            if not matches(DNS1123_SUBDOMAIN_FMT, prefix):
                msgs.append(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
            errs.extend("prefix part " + m for m in msgs)
    else:
        return [
            "a valid label key "
            + regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif go_len(name) > 63:
        errs.append("name part must be no more than 63 bytes")
    if not matches(LABEL_KEY_FMT, name):
        errs.append("name part " + regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+"
HTTP_HEADER_NAME_MSG = "a valid HTTP header must consist of alphanumeric characters or '-'"


def http_header_name_errors(value: str) -> list[str]:
    """``validation.IsHTTPHeaderName`` (Ingress header annotations, VS header names)."""
    if re.fullmatch(HTTP_HEADER_NAME_FMT, value, re.ASCII):
        return []
    return [regex_error(HTTP_HEADER_NAME_MSG, HTTP_HEADER_NAME_FMT, "X-Header-Name")]


def port_name_errors(port: str) -> list[str]:
    """``validation.IsValidPortName`` (IANA_SVC_NAME: Ingress backend and Service port names)."""
    errs = []
    if go_len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs
