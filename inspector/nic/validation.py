"""NIC's admission rules for Policy, Ingress, VirtualServer and VirtualServerRoute, with NIC's exact error texts.

A resource that fails these rules is Rejected by NIC (no config at all), and an invalid Policy is "missing" for
every resource that references it. The error strings are k8s ``field.Error`` strings, so this module also carries a
faithful port of the apimachinery v0.36 pieces NIC relies on: ``field.Error.Error()``, ``ErrorList.ToAggregate()``,
``IsDNS1123Subdomain``/``IsDNS1123Label``/``IsDNS1035Label``/``IsQualifiedName`` and ``RegexError``.

Sources (paths relative to github.com/nginx/kubernetes-ingress):
``pkg/apis/configuration/validation/policy.go``, ``.../common.go``, ``.../virtualserver.go``,
``internal/k8s/validation.go``; apimachinery ``pkg/util/validation/{validation.go,field/errors.go}``,
``pkg/util/errors/errors.go``, ``pkg/api/validate/content/kube.go``.

What this module deliberately does not do: the API server's own schema checks (types, required CRD fields, Ingress
host syntax) belong to ``sources/``; deep validation of policy types other than ingressMTLS/egressMTLS is not
replayed (the model does not carry their fields), only their Plus/feature gates and the "exactly one" rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.apimachinery import (
    dns1035_label_errors,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    http_header_name_errors,
    matches,
    qualified_name_errors,
    regex_error,
    wildcard_dns1123_subdomain_errors,
)
from inspector.model import (
    Action,
    ActionProxy,
    Condition,
    ControllerSettings,
    Ingress,
    Match,
    Policy,
    PolicyReference,
    Route,
    ServiceBackend,
    Split,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic import versions
from inspector.nic.parsing import (
    go_quote,
    go_trim_space,
    parse_bool,
    parse_int,
    parse_lb_method,
    parse_port_list,
    parse_proxy_buffers,
    parse_time,
)

# --- apimachinery: field.Error formatting ------------------------------------------------------


FieldValue = str | int | bool | None


def _body_value(value: FieldValue) -> str:
    """How ``field.Error.ErrorBody`` prints a bad value: strings %q, simple types %v, pointers dereferenced."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return go_quote(value)


class FieldError(str):
    """A ``field.Error`` as NIC prints it, keeping its field path as data: the checks point at the field from
    ``field``, never by reading the text back. It is the text everywhere else (NIC joins and prints these), so
    the constructors below are typed as ``str`` and the error lists stay ``list[str]``."""

    __slots__ = ("field",)
    field: str

    def __new__(cls, text: str, field: str) -> FieldError:
        self = super().__new__(cls, text)
        self.field = field
        return self


def first_field(errors: Sequence[str]) -> str:
    """The field of the first error, the one an aggregate prints first ("" when it is not a ``field.Error``)."""
    return errors[0].field if errors and isinstance(errors[0], FieldError) else ""


def invalid(path: str, value: FieldValue, detail: str) -> str:
    """``field.Invalid(path, value, detail).Error()``."""
    return FieldError(_with_detail(f"{path}: Invalid value: {_body_value(value)}", detail), path)


def required(path: str, detail: str = "") -> str:
    """``field.Required(path, detail).Error()``: the value is never printed."""
    return FieldError(_with_detail(f"{path}: Required value", detail), path)


def forbidden(path: str, detail: str) -> str:
    """``field.Forbidden(path, detail).Error()``."""
    return FieldError(_with_detail(f"{path}: Forbidden", detail), path)


def duplicate(path: str, value: FieldValue) -> str:
    """``field.Duplicate(path, value).Error()``."""
    return FieldError(f"{path}: Duplicate value: {_body_value(value)}", path)


def not_found(path: str, value: FieldValue) -> str:
    """``field.NotFound(path, value).Error()``."""
    return FieldError(f"{path}: Not found: {_body_value(value)}", path)


def too_many(path: str, actual: int, maximum: int) -> str:
    """``field.TooMany(path, actual, max).Error()``: ``Too many: 2: must have at most 1 item``."""
    if maximum >= 0:
        detail = f"must have at most {maximum} {'item' if maximum == 1 else 'items'}"
    else:
        detail = "has too many items"
    head = f"{path}: Too many: {actual}" if actual >= 0 else f"{path}: Too many"
    return FieldError(f"{head}: {detail}", path)


def _with_detail(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def aggregate(errors: Sequence[str]) -> str:
    """``ErrorList.ToAggregate().Error()``: duplicates collapsed, one error bare, several as ``[e1, e2]``."""
    unique = list(dict.fromkeys(errors))
    if not unique:
        return ""
    if len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


def _inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


# --- Policy (pkg/apis/configuration/validation/policy.go) ----------------------------------------------------

EXACTLY_ONE_MESSAGE = (
    "must specify exactly one of: `accessControl`, `rateLimit`, `ingressMTLS`, `egressMTLS`, `basicAuth`, "
    "`apiKey`, `cache`, `cors`, `externalAuth`, `hsts`"
)
"""``validatePolicySpec``'s message; on Plus ``, `jwt`, `oidc`, `waf``` is appended."""

POLICY_FIELD_ORDER = (
    "accessControl",
    "rateLimit",
    "jwt",
    "basicAuth",
    "ingressMTLS",
    "egressMTLS",
    "externalAuth",
    "oidc",
    "apiKey",
    "waf",
    "cache",
    "cors",
    "hsts",
)
"""``policy.go :: policyFields``: the order NIC validates (and reports) the set spec fields in."""

VERIFY_CLIENT_VALUES = ("on", "off", "optional", "optional_no_ca")
"""``policy.go :: validateVerifyClientKeyParameters``. NIC prints them from a Go map, i.e. in random order."""


def validate_policy(
    policy: Policy,
    *,
    plus: bool,
    enable_oidc: bool = False,
    enable_app_protect: bool = False,
    types: Collection[str] = POLICY_FIELD_ORDER,
    exactly_one: str = EXACTLY_ONE_MESSAGE,
) -> tuple[str, ...]:
    """NIC's ``ValidatePolicy``: the field errors in NIC's order (``policy.go :: validatePolicySpec``).

    Plus/feature gates: ``jwt`` on OSS stops validation at once; ``oidc`` without ``-enable-oidc`` is an error and
    on OSS also stops; ``waf`` needs Plus and ``-enable-app-protect`` but does not stop. The field rules of
    accessControl, rateLimit, basicAuth, apiKey and hsts are replayed too when the model carries their spec
    (``Policy.other_specs``); those of jwt, oidc, waf, cache, cors and externalAuth are not. ``types`` and
    ``exactly_one`` are an older release's CRD fields (a type it lacks is pruned) and text (``nic/versions.py``).
    """
    errs: list[str] = []
    present = set(policy.set_types) & set(types)
    count = 0
    for name in POLICY_FIELD_ORDER:
        if name not in present:
            continue
        if name == "jwt" and not plus:
            errs.append(forbidden("spec.jwt", "jwt secrets are only supported in NGINX Plus"))
            return tuple(errs)
        if name == "oidc":
            if not enable_oidc:
                errs.append(
                    forbidden("spec.oidc", "OIDC must be enabled via cli argument -enable-oidc to use OIDC policy")
                )
            if not plus:
                errs.append(forbidden("spec.oidc", "OIDC is only supported in NGINX Plus"))
                return tuple(errs)
        if name == "waf":
            if not plus:
                errs.append(forbidden("spec.waf", "WAF is only supported in NGINX Plus"))
            if not enable_app_protect:
                errs.append(
                    forbidden(
                        "spec.waf", "App Protect must be enabled via cli argument -enable-app-protect to use WAF policy"
                    )
                )
        if name == "ingressMTLS" and policy.ingress_mtls is not None:
            errs.extend(_validate_ingress_mtls(policy))
        if name == "egressMTLS" and policy.egress_mtls is not None:
            errs.extend(_validate_egress_mtls(policy))
        if name in policy.other_specs:
            errs.extend(_validate_other(policy, name, plus))
        count += 1
    if count != 1:
        msg = exactly_one + (", `jwt`, `oidc`, `waf`" if plus else "")
        errs.append(invalid("spec", "", msg))
    return tuple(errs)


def _k8s_name_errors(name: str, path: str) -> list[str]:
    """``common.go :: validateK8SName``: empty is fine, else one Invalid per DNS-1123 subdomain message."""
    if not name:
        return []
    return [invalid(path, name, msg) for msg in dns1123_subdomain_errors(name)]


def _validate_ingress_mtls(policy: Policy) -> list[str]:
    """``policy.go :: validateIngressMTLS``; ``crlFileName`` is deliberately not validated by NIC."""
    spec = policy.ingress_mtls
    assert spec is not None
    base = "spec.ingressMTLS"
    if not spec.client_cert_secret:
        return [required(f"{base}.clientCertSecret")]
    errs = _k8s_name_errors(spec.client_cert_secret, f"{base}.clientCertSecret")
    if spec.verify_client and spec.verify_client not in VERIFY_CLIENT_VALUES:
        # common.go :: ValidateParameter; the list order is Go map order (random), we print the declared order.
        msg = f"'{spec.verify_client}' contains an invalid NGINX parameter. Accepted parameters are: " + ", ".join(
            VERIFY_CLIENT_VALUES
        )
        errs.append(invalid(f"{base}.verifyClient", spec.verify_client, msg))
    if spec.verify_depth is not None and spec.verify_depth < 0:
        errs.append(invalid(f"{base}.verifyDepth", spec.verify_depth, "must be positive"))
    return errs


def _validate_egress_mtls(policy: Policy) -> list[str]:
    """``policy.go :: validateEgressMTLS``; protocols/ciphers/sessionReuse/serverName are not validated by NIC."""
    spec = policy.egress_mtls
    assert spec is not None
    base = "spec.egressMTLS"
    errs = _k8s_name_errors(spec.tls_secret, f"{base}.tlsSecret")
    if spec.verify_server and not spec.trusted_cert_secret:
        errs.append(required(f"{base}.trustedCertSecret", "must be set when verifyServer is 'true'"))
        return errs
    errs.extend(_k8s_name_errors(spec.trusted_cert_secret, f"{base}.trustedCertSecret"))
    if spec.verify_depth is not None and spec.verify_depth < 0:
        errs.append(invalid(f"{base}.verifyDepth", spec.verify_depth, "must be positive"))
    if spec.ssl_name:
        errs.extend(invalid(f"{base}.sslName", spec.ssl_name, msg) for msg in dns1123_subdomain_errors(spec.ssl_name))
    return errs


# --- the other policy types (pkg/apis/configuration/validation/policy.go) -------------------------------------
# Replayed: accessControl, rateLimit, basicAuth, apiKey, hsts. Not replayed (accepted as they are): jwt, oidc, waf,
# cache, cors and externalAuth field rules.

_REALM_FMT = r'([^"$\\]|\\[^$])*'
_REALM_MSG = "a valid realm must have all '\"' escaped and must not contain any '$' or end with an unescaped '\\'"
_RATE_FMT = r"[1-9]\d*r/[sSmM]"
_RATE_MSG = "must consist of numeric characters followed by a valid rate suffix. 'r/s|r/m"
_SIZE_FMT = r"\d+[kKmM]?"
_SIZE_MSG = "must consist of numeric characters followed by a valid size suffix. 'k|K|m|M"
_ESCAPED_STRING_FMT = r'([^"\\]|\\.)*'
_ESCAPED_STRING_MSG = "must have all '\"' (double quotes) escaped and must not end with an unescaped '\\' (backslash)"
_RATE_LIMIT_KEY_SPECIAL = ("arg_", "http_", "cookie_", "jwt_claim_", "apikey_")
_RATE_LIMIT_KEY_VARIABLES = ("binary_remote_addr", "request_uri", "uri", "args", "request_method")
"""``policy.go :: rateLimitKeyVariables`` (printed from a Go map by NIC, i.e. in random order)."""
_RATE_LIMIT_LOG_LEVELS = ("info", "notice", "warn", "error")
_HTTP_HEADER_FMT = "[-A-Za-z0-9]+"
_HSTS_PRELOAD_MIN_AGE = 31536000


def _other_spec(policy: Policy, kind: str) -> Mapping[str, Any]:
    raw = policy.other_specs.get(kind)
    return raw if isinstance(raw, Mapping) else {}


def _spec_str(spec: Mapping[str, Any], key: str) -> str:
    value = spec.get(key)
    return value if isinstance(value, str) else ""


def _spec_int(spec: Mapping[str, Any], key: str) -> int | None:
    value = spec.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _spec_list(spec: Mapping[str, Any], key: str) -> list[str] | None:
    """A string list, None when absent or null (Go's nil slice); ``[]`` stays an empty, non-nil list."""
    value = spec.get(key)
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


def _ip_or_cidr_errors(value: str, path: str) -> list[str]:
    """``policy.go :: validateIPorCIDR``: Go's ``net.ParseCIDR`` (``addr/bits``) or ``net.ParseIP``."""
    try:
        if "%" not in value:
            if "/" in value:
                addr, _, bits = value.partition("/")
                if bits.isascii() and bits.isdigit():
                    ipaddress.ip_network(f"{ipaddress.ip_address(addr)}/{int(bits)}", strict=False)
                    return []
            else:
                ipaddress.ip_address(value)
                return []
    except ValueError:
        pass
    return [invalid(path, value, "must be a CIDR or IP")]


def _validate_other(policy: Policy, kind: str, plus: bool) -> list[str]:
    """The field rules of one other type; only called when the model carries that type's spec."""
    if kind == "accessControl":
        return _validate_access_control(policy)
    if kind == "rateLimit":
        return _validate_rate_limit(policy, plus)
    if kind == "basicAuth":
        return _validate_basic_auth(policy)
    if kind == "apiKey":
        return _validate_api_key(policy)
    if kind == "hsts":
        return _validate_hsts(policy)
    return []


def _validate_access_control(policy: Policy) -> list[str]:
    """``policy.go :: validateAccessControl``: each entry an IP or CIDR, exactly one of ``allow``/``deny``."""
    spec = _other_spec(policy, "accessControl")
    base = "spec.accessControl"
    errs: list[str] = []
    count = 0
    for key in ("allow", "deny"):
        items = _spec_list(spec, key)
        if items is None:
            continue
        for i, item in enumerate(items):
            errs.extend(_ip_or_cidr_errors(item, f"{base}.{key}[{i}]"))
        count += 1
    if count != 1:
        errs.append(invalid(base, "", "must specify exactly one of: `allow` or `deny`"))
    return errs


def _rate_limit_zone_size_errors(size: str, path: str) -> list[str]:
    """``policy.go :: validateRateLimitZoneSize``: required, a size, and more than 31k (Go's odd arithmetic)."""
    if size == "":
        return [required(path)]
    errs: list[str] = []
    if not _go_fullmatch(_SIZE_FMT, size):
        errs.append(invalid(path, size, regex_error(_SIZE_MSG, _SIZE_FMT, "16", "32k", "64M")))
    lower = size.lower()
    kb = lower.removesuffix("k")
    mb = lower.removesuffix("m")
    kb_num = int(kb) if re.fullmatch(r"[+-]?\d+", kb, re.ASCII) else None
    mb_num = int(mb) if re.fullmatch(r"[+-]?\d+", mb, re.ASCII) else None
    if (kb_num is not None and kb_num < 32) or (mb_num is not None and mb_num == 0):
        errs.append(invalid(path, size, "must be greater than 31k"))
    return errs


def _rate_limit_key_errors(key: str, path: str, plus: bool) -> list[str]:
    """``policy.go :: validateRateLimitKey``: escaped string, ``${var}`` from NIC's list or a special prefix."""
    if key == "":
        return [required(path)]
    errs: list[str] = []
    if not _go_fullmatch(_ESCAPED_STRING_FMT, key):
        msg = regex_error(
            _ESCAPED_STRING_MSG, _ESCAPED_STRING_FMT, "Hello World! \\n", '\\"${request_uri}\\" is unavailable. \\n'
        )
        errs.append(invalid(path, key, msg))
    if key.endswith("$"):
        return [*errs, invalid(path, key, "must not end with $")]
    for i, ch in enumerate(key):
        if ch == "$" and (key[i + 1] != "{" or "}" not in key[i + 1 :]):
            return [*errs, invalid(path, key, "variables must be enclosed in curly braces, for example ${host}")]
    for name in re.findall(r"\$\{([^}]*)\}", key):
        if name.startswith("jwt_claim_"):
            parts = name.split("_", 2)
            if len(parts) != 3:
                errs.append(invalid(path, name, "is invalid variable"))
            elif not plus:
                errs.append(forbidden(path, "is only supported in NGINX Plus"))
            else:
                errs.extend(_header_like_variable_errors(name, parts[2], path))
        elif name.startswith("apikey_"):
            errs.extend(_header_like_variable_errors(name, name.partition("_")[2], path))
        elif any(name.startswith(p) for p in _RATE_LIMIT_KEY_SPECIAL):
            errs.extend(_validate_special_variable(name, path))
        elif name not in _RATE_LIMIT_KEY_VARIABLES:
            msg = f"'{name}' contains an invalid NGINX variable. Accepted variables are: " + ", ".join(
                _RATE_LIMIT_KEY_VARIABLES
            )
            errs.append(invalid(path, name, msg))
    return errs


def _header_like_variable_errors(name: str, value: str, path: str) -> list[str]:
    """``common.go :: isValidSpecialHeaderLikeVariable``."""
    if not _go_fullmatch(_HTTP_HEADER_FMT, value.replace("_", "-")) or "-" in value:
        return [invalid(path, name, "a valid special variable must consists of alphanumeric characters or '_'")]
    return []


def _validate_rate_limit(policy: Policy, plus: bool) -> list[str]:
    """``policy.go :: validateRateLimit`` (the ``condition`` rules included)."""
    spec = _other_spec(policy, "rateLimit")
    base = "spec.rateLimit"
    errs = _rate_limit_zone_size_errors(_spec_str(spec, "zoneSize"), f"{base}.zoneSize")
    rate = _spec_str(spec, "rate")
    if rate == "":
        errs.append(required(f"{base}.rate"))
    elif not _go_fullmatch(_RATE_FMT, rate):
        errs.append(invalid(f"{base}.rate", rate, regex_error(_RATE_MSG, _RATE_FMT, "16r/s", "32r/m", "64r/s")))
    errs.extend(_rate_limit_key_errors(_spec_str(spec, "key"), f"{base}.key", plus))
    for key in ("delay", "burst"):
        number = _spec_int(spec, key)
        if number is not None and number <= 0:
            errs.append(invalid(f"{base}.{key}", number, "must be positive"))
    level = _spec_str(spec, "logLevel")
    if level and level not in _RATE_LIMIT_LOG_LEVELS:
        errs.append(invalid(f"{base}.logLevel", level, "Accepted values: " + ", ".join(_RATE_LIMIT_LOG_LEVELS)))
    reject = _spec_int(spec, "rejectCode")
    if reject is not None and not 400 <= reject <= 599:
        errs.append(invalid(f"{base}.rejectCode", reject, "must be within the range [400-599]"))
    condition = spec.get("condition")
    if isinstance(condition, Mapping):
        jwt, variables = condition.get("jwt"), condition.get("variables")
        if jwt is None and variables is None:
            errs.append(required(f"{base}.condition", "must specify either jwt or variable conditions"))
        if jwt is not None and variables is not None:
            errs.append(required(f"{base}.condition", "only one condition, jwt or variables is allowed"))
        if jwt is not None and not plus:
            errs.append(forbidden(f"{base}.condition.jwt", "is only supported in NGINX Plus"))
    return errs


def _validate_basic_auth(policy: Policy) -> list[str]:
    """``policy.go :: validateBasic``: ``secret`` required (and returns), realm escaped, secret a DNS-1123 name."""
    spec = _other_spec(policy, "basicAuth")
    base = "spec.basicAuth"
    secret = _spec_str(spec, "secret")
    if secret == "":
        return [required(f"{base}.secret")]
    errs: list[str] = []
    realm = _spec_str(spec, "realm")
    if realm and not _go_fullmatch(_REALM_FMT, realm):
        errs.append(invalid(f"{base}.realm", realm, regex_error(_REALM_MSG, _REALM_FMT, "MyAPI", "My Product API")))
    return errs + _k8s_name_errors(secret, f"{base}.secret")


def _validate_api_key(policy: Policy) -> list[str]:
    """``policy.go :: validateAPIKey``: ``suppliedIn`` (header names, escaped query names), ``clientSecret``."""
    spec = _other_spec(policy, "apiKey")
    base = "spec.apiKey"
    supplied = spec.get("suppliedIn")
    if not isinstance(supplied, Mapping):
        return [required(f"{base}.suppliedIn", "suppliedIn cannot be nil")]
    errs: list[str] = []
    headers, queries = _spec_list(supplied, "header"), _spec_list(supplied, "query")
    if headers is None and queries is None:
        errs.append(required(f"{base}.suppliedIn", "at least one query or header name must be provided"))
    for header in headers or []:
        if not _go_fullmatch(_HTTP_HEADER_FMT, header):
            msg = regex_error(
                "a valid HTTP header must consist of alphanumeric characters or '-'", _HTTP_HEADER_FMT, "X-Header-Name"
            )
            errs.append(invalid(f"{base}.suppliedIn.header", header, msg))
    for query in queries or []:
        if not _go_fullmatch(_ESCAPED_STRING_FMT, query):
            errs.append(
                invalid(f"{base}.suppliedIn.query", query, regex_error(_ESCAPED_STRING_MSG, _ESCAPED_STRING_FMT))
            )
    secret = _spec_str(spec, "clientSecret")
    if secret == "":
        errs.append(required(f"{base}.clientSecret", "clientSecret cannot be empty"))
    else:
        errs.extend(_k8s_name_errors(secret, f"{base}.clientSecret"))
    return errs


def _validate_hsts(policy: Policy) -> list[str]:
    """``policy.go :: validateHSTS``: ``maxAge`` required and >= 0; preload needs includeSubDomains and a year."""
    spec = _other_spec(policy, "hsts")
    base = "spec.hsts"
    max_age = _spec_int(spec, "maxAge")
    if max_age is None:
        return [required(f"{base}.maxAge", "maxAge is required for HSTS policy")]
    errs: list[str] = []
    if max_age < 0:
        errs.append(invalid(f"{base}.maxAge", max_age, "must be positive"))
    if spec.get("preload") is True:
        if spec.get("includeSubDomains") is not True:
            errs.append(invalid(f"{base}.preload", True, "preload requires includeSubDomains to be enabled"))
        if max_age < _HSTS_PRELOAD_MIN_AGE:
            errs.append(invalid(f"{base}.preload", True, "preload requires maxAge to be at least 31536000 (one year)"))
    return errs


def policy_rejection_message(policy: Policy, errors: Sequence[str]) -> str:
    """``internal/k8s/policy.go :: syncPolicy``'s Warning event text for an invalid Policy."""
    ref = policy.meta.ref
    return f"Policy {ref.namespace}/{ref.name} is invalid and was rejected: {aggregate(errors)}"


# --- Ingress (internal/k8s/validation.go) ---------------------------------------------------------------------

ANNOTATION_VALUE_FMT = r'([^"$\\]|\\[^$])*'
ANNOTATION_VALUE_MSG = (
    "a valid annotation value must have all '\"' escaped and must not contain any '$' or end with an unescaped '\\'"
)
POLICIES_ANNOTATION = "nginx.org/policies"
POLICIES_ANNOTATION_PLUS = "nginx.com/policies"
MERGEABLE_ANNOTATION = "nginx.org/mergeable-ingress-type"
SSL_SERVICES_ANNOTATION = "nginx.org/ssl-services"
GRPC_SERVICES_ANNOTATION = "nginx.org/grpc-services"
WEBSOCKET_SERVICES_ANNOTATION = "nginx.org/websocket-services"


@dataclass(frozen=True)
class _AnnotationContext:
    """``annotationValidationContext``: what one annotation validator sees."""

    annotations: Mapping[str, str]
    spec_services: frozenset[str]
    name: str
    value: str
    plus: bool
    snippets: bool
    app_protect: bool
    app_protect_dos: bool
    hostless: bool = False

    @property
    def path(self) -> str:
        return f"annotations.{self.name}"


_Validator = Callable[[_AnnotationContext], list[str]]


def _v_required(ctx: _AnnotationContext) -> list[str]:
    return [required(ctx.path)] if ctx.value == "" else []


def _v_plus_only(ctx: _AnnotationContext) -> list[str]:
    return [] if ctx.plus else [forbidden(ctx.path, "annotation requires NGINX Plus")]


def _v_app_protect_only(ctx: _AnnotationContext) -> list[str]:
    return [] if ctx.app_protect else [forbidden(ctx.path, "annotation requires AppProtect")]


def _v_app_protect_dos_only(ctx: _AnnotationContext) -> list[str]:
    return [] if ctx.app_protect_dos else [forbidden(ctx.path, "annotation requires AppProtectDos")]


def _v_bool(ctx: _AnnotationContext) -> list[str]:
    return [] if parse_bool(ctx.value) is not None else [invalid(ctx.path, ctx.value, "must be a boolean")]


def _v_time(ctx: _AnnotationContext) -> list[str]:
    return [] if parse_time(ctx.value) is not None else [invalid(ctx.path, ctx.value, "must be a time")]


def _v_int(ctx: _AnnotationContext) -> list[str]:
    return [] if parse_int(ctx.value) is not None else [invalid(ctx.path, ctx.value, "must be an integer")]


def _v_uint64(ctx: _AnnotationContext) -> list[str]:
    ok = parse_int(ctx.value, unsigned=True) is not None
    return [] if ok else [invalid(ctx.path, ctx.value, "must be a non-negative integer")]


def _v_offset(ctx: _AnnotationContext) -> list[str]:
    ok = re.fullmatch(r"\d+[kKmMgG]?", ctx.value.strip(), re.ASCII) is not None
    return [] if ok else [invalid(ctx.path, ctx.value, "must be an offset")]


def _v_size(ctx: _AnnotationContext) -> list[str]:
    """``common.go :: validateSize`` (empty is fine)."""
    if ctx.value == "" or re.fullmatch(r"\d+[kKmM]?", ctx.value.strip(), re.ASCII):
        return []
    msg = regex_error(
        "must consist of numeric characters followed by a valid size suffix. 'k|K|m|M",
        r"\d+[kKmM]?",
        "16",
        "32k",
        "64M",
    )
    return [invalid(ctx.path, ctx.value, msg)]


def _v_lb_method(ctx: _AnnotationContext) -> list[str]:
    """``parsing_helpers.go :: ParseLBMethod/ParseLBMethodForPlus``."""
    if parse_lb_method(ctx.value, ctx.plus) is not None:
        return []
    return [invalid(ctx.path, ctx.value, f"invalid load balancing method: {go_quote(ctx.value.strip())}")]


def _v_snippets(ctx: _AnnotationContext) -> list[str]:
    return [] if ctx.snippets else [forbidden(ctx.path, "snippet specified but snippets feature is not enabled")]


def _v_mergeable_type(ctx: _AnnotationContext) -> list[str]:
    if ctx.value in ("master", "minion"):
        return []
    return [invalid(ctx.path, ctx.value, "must be one of: 'master' or 'minion'")]


def _v_server_tokens(ctx: _AnnotationContext) -> list[str]:
    if not ctx.plus and parse_bool(ctx.value) is None:
        return [invalid(ctx.path, ctx.value, "must be a boolean")]
    if not matches(ANNOTATION_VALUE_FMT, ctx.value):
        return [invalid(ctx.path, ctx.value, ANNOTATION_VALUE_MSG)]
    return []


def _v_secret_name(ctx: _AnnotationContext) -> list[str]:
    return [invalid(ctx.path, ctx.value, msg) for msg in dns1123_subdomain_errors(ctx.value)]


def _v_path_regex(ctx: _AnnotationContext) -> list[str]:
    if ctx.value in ("case_sensitive", "case_insensitive", "exact"):
        return []
    return [invalid(ctx.path, ctx.value, "allowed values: 'case_sensitive', 'case_insensitive' or 'exact'")]


def _v_add_header_inherit(ctx: _AnnotationContext) -> list[str]:
    if ctx.value.strip().lower() in ("on", "off", "merge"):
        return []
    return [invalid(ctx.path, ctx.value, "must be one of: 'on', 'off' or 'merge'")]


def _v_service_list(ctx: _AnnotationContext) -> list[str]:
    """``validateServiceListAnnotation``: items are not trimmed, each must be a backend service of this Ingress.

    NIC collects the unknown names from a Go map, so with several unknown names its order is random; we keep the
    annotation's order.
    """
    unknown = [svc for svc in dict.fromkeys(ctx.value.split(",")) if svc not in ctx.spec_services]
    if not unknown:
        return []
    msg = "must be a comma-separated list of services. The following services were not found: " + ",".join(unknown)
    return [invalid(ctx.path, ctx.value, msg)]


def _v_comma_separated_list(ctx: _AnnotationContext) -> list[str]:
    errs = []
    for item in ctx.value.split(","):
        item = item.strip()
        if not matches(ANNOTATION_VALUE_FMT, item):
            errs.append(invalid(ctx.path, item, ANNOTATION_VALUE_MSG))
    return errs


def _v_policy_names(ctx: _AnnotationContext) -> list[str]:
    """``validatePolicyNames``: an empty part gets both the "cannot be empty" and the DNS-1123 error."""
    errs = []
    for raw in ctx.value.split(","):
        item = raw.strip()
        name = item
        if "/" in item:
            namespace, name = item.split("/", 1)
            if namespace == "":
                errs.append(invalid(ctx.path, item, "policy namespace cannot be empty"))
            dns = dns1123_subdomain_errors(namespace)
            if dns:
                msg = "policy namespace must be a valid DNS subdomain: " + "; ".join(dns)
                errs.append(invalid(ctx.path, item, msg))
        if name == "":
            errs.append(invalid(ctx.path, item, "policy name cannot be empty"))
        dns = dns1123_subdomain_errors(name)
        if dns:
            errs.append(invalid(ctx.path, item, "policy name must be a valid DNS subdomain: " + "; ".join(dns)))
    return errs


def _v_related(name: str, check: Callable[[str], str | None]) -> _Validator:
    """``validateRelatedAnnotation``: another annotation must exist and pass ``check``."""

    def validator(ctx: _AnnotationContext) -> list[str]:
        if name not in ctx.annotations:
            return [forbidden(ctx.path, f"related annotation {name}: must be set")]
        problem = check(ctx.annotations[name])
        return [forbidden(ctx.path, f"related annotation {name}: {problem}")] if problem else []

    return validator


def _is_bool(value: str) -> str | None:
    return (
        None if parse_bool(value) is not None else f"strconv.ParseBool: parsing {go_quote(value)}: invalid syntax"
    )


def _is_true(value: str) -> str | None:
    parsed = parse_bool(value)
    if parsed is None:
        return _is_bool(value)
    return None if parsed else "must be true"


# ``validation.go`` validators for the annotations NIC renders into nginx.conf: each returns NIC's exact texts.

_ASCII_SPACE = " \t\n\f\r"
"""Go RE2's ``\\s``."""



def _v_http_headers(ctx: _AnnotationContext) -> list[str]:
    """``validateHTTPHeadersAnnotation``: every comma item, trimmed, is an HTTP header name."""
    errs: list[str] = []
    for raw in ctx.value.split(","):
        header = go_trim_space(raw)
        errs.extend(invalid(ctx.path, header, msg) for msg in http_header_name_errors(header))
    return errs


def add_header_value_errors(value: str) -> list[str]:
    """``version1/header_parsing_helper.go :: ValidateAddHeaderValue``."""
    msgs = []
    if "\n" in value or "\r" in value:
        msgs.append("value must not contain newline or carriage-return characters")
    if "$" in value:
        msgs.append("invalid character in header value: $")
    if not _go_fullmatch(_ESCAPED_FMT, value):
        msgs.append(regex_error(_ESCAPED_MSG, _ESCAPED_FMT))
    return msgs


def _v_proxy_set_headers(ctx: _AnnotationContext) -> list[str]:
    """``validateProxySetHeaderAnnotation``: ``Name[: value]`` items; names are header names, values escaped."""
    errs: list[str] = []
    for raw in ctx.value.split(","):
        entry = go_trim_space(raw)
        name, sep, value = entry.partition(":")
        name = go_trim_space(name)
        if entry == "" or name == "":
            errs.append(invalid(ctx.path, entry, "empty header name"))
            continue
        errs.extend(invalid(ctx.path, name, msg) for msg in http_header_name_errors(name))
        if sep:
            errs.extend(invalid(ctx.path, entry, msg) for msg in add_header_value_errors(go_trim_space(value)))
    return errs


def _v_add_header(ctx: _AnnotationContext) -> list[str]:
    """``validateAddHeaderAnnotation``: ``Name:Value[:always]`` items."""
    errs: list[str] = []
    for raw in ctx.value.split(","):
        entry = go_trim_space(raw)
        if entry == "":
            errs.append(invalid(ctx.path, entry, "empty entry in add-header annotation"))
            continue
        parts = entry.split(":", 2)
        name = go_trim_space(parts[0])
        if name == "":
            errs.append(invalid(ctx.path, entry, "empty header name"))
            continue
        errs.extend(invalid(ctx.path, name, msg) for msg in http_header_name_errors(name))
        if len(parts) >= 2:
            errs.extend(invalid(ctx.path, entry, msg) for msg in add_header_value_errors(go_trim_space(parts[1])))
        if len(parts) == 3:
            flag = go_trim_space(parts[2])
            if flag and flag.lower() != "always":
                errs.append(invalid(ctx.path, entry, f'invalid flag {go_quote(flag)}: must be "always" or empty'))
    return errs




def _v_proxy_buffers(ctx: _AnnotationContext) -> list[str]:
    ok = parse_proxy_buffers(ctx.value) is not None
    return [] if ok else [invalid(ctx.path, ctx.value, "must be a proxy buffer spec")]


PROXY_NEXT_UPSTREAM_OPTIONS = (
    "error",
    "timeout",
    "invalid_header",
    "http_500",
    "http_502",
    "http_503",
    "http_504",
    "http_403",
    "http_404",
    "http_429",
    "non_idempotent",
    "off",
)


def _v_proxy_next_upstream(ctx: _AnnotationContext) -> list[str]:
    """``validateProxyNextUpstreamAnnotation``: space-separated known options, no repeats (Plus adds denied)."""
    options = set(PROXY_NEXT_UPSTREAM_OPTIONS) | ({"denied"} if ctx.plus else set())
    listed = ", ".join(sorted(options))
    errs: list[str] = []
    seen: set[str] = set()
    for method in ctx.value.split():
        if method in seen:
            errs.append(invalid(ctx.path, ctx.value, f"duplicate value: {method}"))
            continue
        if method not in options:
            msg = f"must be a space-separated list with any of the following values: {listed}"
            errs.append(invalid(ctx.path, ctx.value, msg))
        seen.add(method)
    return errs


_COMMON_PATH_FMT = "/[^\\s{};\\\\]*"
_COMMON_PATH_MSG = "must start with / and must not include any whitespace character, `{`, `}` or `;`"


def common_path_errors(path: str, fpath: str) -> list[str]:
    """``common.go :: validatePath`` (rewrite-target, app-root, VS route paths and rewritePath)."""
    if path == "":
        return [required(fpath)]
    if path.startswith("//"):
        return [invalid(fpath, path, "protocol-relative URIs not allowed, must not start with '//'")]
    if ".." in [seg for seg in re.split(r"[/\\]", path) if seg]:
        return [invalid(fpath, path, "path traversal not allowed, path must not contain '..' segments")]
    if not _go_fullmatch(_COMMON_PATH_FMT, path):
        msg = regex_error(_COMMON_PATH_MSG, _COMMON_PATH_FMT, "/", "/path", "/path/subpath-123")
        return [invalid(fpath, path, msg)]
    return []


def _v_rewrite_target(ctx: _AnnotationContext) -> list[str]:
    """``validateRewriteTargetAnnotation``: every failing rule is reported."""
    target = ctx.value
    errs: list[str] = []
    if target.startswith(("http://", "https://")):
        errs.append(invalid(ctx.path, target, "absolute URLs not allowed in rewrite target"))
    errs.extend(common_path_errors(target, ctx.path))
    if any(ch in target for ch in ";{}[]|<>,^`~"):
        msg = "NGINX configuration syntax characters (;{}) and []|<>,^`~ not allowed in rewrite target"
        errs.append(invalid(ctx.path, target, msg))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        errs.append(invalid(ctx.path, target, "control characters not allowed in rewrite target"))
    return errs


def _v_app_root(ctx: _AnnotationContext) -> list[str]:
    """``validateAppRootAnnotation`` (no "required" step: an empty value gets the path errors)."""
    path = ctx.value
    errs: list[str] = []
    if path == "/":
        errs.append(invalid(ctx.path, path, "cannot be '/'"))
    errs.extend(common_path_errors(path, ctx.path))
    if not re.fullmatch(r"/[A-Za-z0-9\-_.~!*'():@&=+,/?%]*", path):
        msg = (
            "path must not contain the following characters: whitespace, '{', '}', ';', '$', '|', '^', '<', '>', "
            "'\\', '\"', '#', '[', ']'"
        )
        errs.append(invalid(ctx.path, path, msg))
    if "~" in path:
        errs.append(invalid(ctx.path, path, "path must not contain the '~' character"))
    if path.endswith("/"):
        errs.append(invalid(ctx.path, path, "path should not end with '/'"))
    return errs


_REWRITE_PATH_FMT = "/[^\\s{};$]*"


def parse_rewrite_list(value: str) -> tuple[dict[str, str], str | None]:
    """``parsing_helpers.go :: ParseRewriteList``: ``serviceName=x rewrite=/y`` items split on ``;``; the first
    bad item is the error (and NIC then uses none of them)."""
    rewrites: dict[str, str] = {}
    for part in value.split(";"):
        parts = go_trim_space(part).split(" ", 1)
        if len(parts) != 2:
            return {}, f"'{part}' is not a valid rewrite format, e.g. 'serviceName=tea-svc rewrite=/'"
        svc = parts[0].split("=")
        if len(svc) != 2 or svc[0] != "serviceName":
            return {}, f"'{parts[0]}' is not a valid serviceName format, e.g. 'serviceName=tea-svc'"
        rw = parts[1].split("=")
        if len(rw) != 2 or rw[0] != "rewrite":
            return {}, f"'{parts[1]}' is not a valid rewrite path format, e.g. 'rewrite=/tea'"
        if not _go_fullmatch(_REWRITE_PATH_FMT, rw[1]):
            msg = "path must start with '/' and must not include any whitespace character, '{', '}' or '$'"
            return {}, f"{msg}: '{rw[1]}'"
        rewrites[svc[1]] = rw[1]
    return rewrites, None


def _v_rewrites(ctx: _AnnotationContext) -> list[str]:
    """``validateRewriteListAnnotation`` (NIC lists unknown services in Go map order; we keep the annotation's)."""
    rewrites, problem = parse_rewrite_list(ctx.value)
    if problem is not None:
        return [invalid(ctx.path, ctx.value, problem)]
    unknown = [svc for svc in rewrites if svc not in ctx.spec_services]
    if unknown:
        return [invalid(ctx.path, ctx.value, "The following services were not found: " + ",".join(unknown))]
    return []


def _go_slice(items: Sequence[str]) -> str:
    """Go's ``%s`` of a ``[]string``."""
    return "[" + " ".join(items) + "]"


def sticky_service_errors(value: str) -> str | None:
    """``parsing_helpers.go :: ParseStickyServiceList``: the first bad item's error."""
    for service in value.split(";"):
        parts = service.split(" ", 1)
        if len(parts) != 2:
            return (
                f"invalid sticky-cookie service format: {service}. Must be a semicolon-separated list of sticky "
                "services"
            )
        name_parts = parts[0].split("=")
        if len(name_parts) != 2:
            return f"invalid sticky-cookie service format: {_go_slice(name_parts)}"
        if not matches(ANNOTATION_VALUE_FMT, parts[1]):
            return f"invalid sticky-cookie parameters: {parts[1]}"
    return None


def _v_sticky(ctx: _AnnotationContext) -> list[str]:
    problem = sticky_service_errors(ctx.value)
    return [] if problem is None else [invalid(ctx.path, ctx.value, problem)]


def go_atoi_error(value: str) -> str | None:
    """Go's ``strconv.Atoi`` error text (64-bit ``int``), None when it parses."""
    if re.fullmatch(r"[+-]?[0-9]+", value) is None:
        return f"strconv.Atoi: parsing {go_quote(value)}: invalid syntax"
    if not -(2**63) <= int(value) < 2**63:
        return f"strconv.Atoi: parsing {go_quote(value)}: value out of range"
    return None


def http_redirect_code_error(value: str) -> str | None:
    """``configmaps.go :: ParseHTTPRedirectCode``."""
    problem = go_atoi_error(value)
    if problem is not None:
        return f"invalid redirect code: {problem}"
    if int(value) not in (301, 302, 307, 308):
        return "status code out of accepted range. accepted values are '301', '302', '307', '308'"
    return None


def _v_http_redirect_code(ctx: _AnnotationContext) -> list[str]:
    problem = http_redirect_code_error(ctx.value)
    return [] if problem is None else [invalid(ctx.path, ctx.value, problem)]


def custom_http_errors_error(value: str) -> str | None:
    """``parsing_helpers.go :: ParseCustomHTTPErrors`` (499 is refused by nginx's ``error_page``)."""
    if go_trim_space(value) == "":
        return "value must not be empty"
    codes: set[int] = set()
    for raw in value.split(","):
        token = go_trim_space(raw)
        if token == "":
            continue
        if token.lower() in ("4xx", "5xx"):
            base = 400 if token.lower() == "4xx" else 500
            codes.update(c for c in range(base, base + 100) if c != 499)
            continue
        if not re.fullmatch("[0-9]+", token) or go_atoi_error(token) is not None:
            return f"invalid status code {go_quote(token)}: must be an integer, '4xx', or '5xx'"
        code = int(token)
        if not 300 <= code <= 599:
            return f"invalid status code {code}: must be in the range [300, 599]"
        if code == 499:
            return f"invalid status code {code}: NGINX rejects this code in the error_page directive"
        codes.add(code)
    if not codes:
        return "no valid status codes found"
    if len(codes) > 300:
        return f"too many status codes ({len(codes)}), maximum is 300"
    return None


def _v_custom_http_errors(ctx: _AnnotationContext) -> list[str]:
    problem = custom_http_errors_error(ctx.value)
    return [] if problem is None else [invalid(ctx.path, ctx.value, problem)]


_PROXY_REDIRECT_MSG = "must not contain ';', '{', '}', newline, carriage return, backtick, whitespace, or '#'"


def _proxy_redirect_ok(value: str) -> bool:
    r"""``proxyRedirectValueRegex`` ``^[^;{}\x60\n\r\s#]+$``."""
    return value != "" and not any(ch in ";{}`\n\r#" + _ASCII_SPACE for ch in value)


def _re2_compiles(pattern: str) -> bool:
    """Go's ``regexp.Compile`` (RE2), approximated: Python must compile it and no Perl-only syntax is used."""
    if re.search(r"\(\?<?[=!]|\\[1-9]|\(\?>|\(\?\(", pattern):
        return False
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


def _v_proxy_redirect_from(ctx: _AnnotationContext) -> list[str]:
    v = ctx.value
    if v in ("off", "default"):
        return []
    if not _proxy_redirect_ok(v):
        return [invalid(ctx.path, v, _PROXY_REDIRECT_MSG)]
    pattern = v[2:] if v.startswith("~*") else v[1:] if v.startswith("~") else v
    if pattern != v and not _re2_compiles(pattern):
        return [invalid(ctx.path, v, "invalid regex pattern")]
    return []


def _v_proxy_redirect_to(ctx: _AnnotationContext) -> list[str]:
    return [] if _proxy_redirect_ok(ctx.value) else [invalid(ctx.path, ctx.value, _PROXY_REDIRECT_MSG)]



def _v_port_list(ctx: _AnnotationContext) -> list[str]:
    ok = parse_port_list(ctx.value) is not None
    return [] if ok else [invalid(ctx.path, ctx.value, "must be a comma-separated list of port numbers")]


def _v_hostless_forbidden(ctx: _AnnotationContext) -> list[str]:
    return [forbidden(ctx.path, "annotation is not supported for hostless Ingress")] if ctx.hostless else []


_LIMIT_REQ_KEY_FMT = r"^(\$\{[a-zA-Z_][a-zA-Z0-9_]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*)+$"


def _v_limit_req_key(ctx: _AnnotationContext) -> list[str]:
    if re.fullmatch(_LIMIT_REQ_KEY_FMT[1:-1], ctx.value):
        return []
    msg = regex_error(
        "must consist of one or more NGINX variable references ($varname or ${varname}); must not contain ';', "
        "'\"', '\\', or newline characters",
        _LIMIT_REQ_KEY_FMT,
        "$binary_remote_addr",
        "${request_uri}",
    )
    return [invalid(ctx.path, ctx.value, msg)]


def _v_realm(ctx: _AnnotationContext) -> list[str]:
    """``validateRealmAnnotation``."""
    return [] if matches(_REALM_FMT, ctx.value) else [invalid(ctx.path, ctx.value, _REALM_MSG)]


def _v_jwt_realm(ctx: _AnnotationContext) -> list[str]:
    if matches(ANNOTATION_VALUE_FMT, ctx.value):
        return []
    msg = regex_error(ANNOTATION_VALUE_MSG, ANNOTATION_VALUE_FMT, "My Realm", "Cafe App")
    return [invalid(ctx.path, ctx.value, msg)]


_JWT_TOKEN_FMT = "\\$" + ANNOTATION_VALUE_FMT
_JWT_TOKEN_MSG = (
    "a valid annotation value must start with '$', have all '\"' escaped, and must not contain any '$' or end with "
    "an unescaped '\\'"
)


def _v_jwt_token(ctx: _AnnotationContext) -> list[str]:
    if matches(_JWT_TOKEN_FMT, ctx.value):
        return []
    msg = regex_error(_JWT_TOKEN_MSG, _JWT_TOKEN_FMT, "$http_token", "$cookie_auth_token")
    return [invalid(ctx.path, ctx.value, msg)]


def _v_qualified_name(ctx: _AnnotationContext) -> list[str]:
    return [invalid(ctx.path, ctx.value, "must be a qualified name")] if qualified_name_errors(ctx.value) else []


def _v_app_protect_security_log(ctx: _AnnotationContext) -> list[str]:
    msg = "security log configuration resource name must be qualified name, e.g. namespace/name"
    return [invalid(ctx.path, ctx.value, msg) for conf in ctx.value.split(",") if qualified_name_errors(conf)]


def contains_dangerous_chars(value: str) -> bool:
    """``policy.go :: ContainsDangerousChars``: ``; { } \\n \\r $ ` ``."""
    return any(ch in ";{}\n\r$`" for ch in value)


def _v_jwt_login_url(ctx: _AnnotationContext) -> list[str]:
    """``validateJWTLoginURLAnnotation`` (``url.Parse`` approximated: control characters are its usual error)."""
    from urllib.parse import urlsplit

    name = ctx.value
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        return [invalid(ctx.path, name, f"parse {go_quote(name)}: net/url: invalid control character in URL")]
    try:
        parts = urlsplit(name)
    except ValueError as exc:
        return [invalid(ctx.path, name, f"parse {go_quote(name)}: {exc}")]
    if not parts.scheme:
        return [invalid(ctx.path, name, "scheme required, please use the prefix http(s)://")]
    if not parts.netloc:
        return [invalid(ctx.path, name, "hostname required")]
    if contains_dangerous_chars(name):
        msg = (
            "must not contain characters that could cause NGINX config injection (;, {, }, $, newline, carriage "
            "return, or backtick)"
        )
        return [invalid(ctx.path, name, msg)]
    if any(ch in " \"\\#\t" for ch in name):
        return [invalid(ctx.path, name, "must not contain spaces, quotes, backslashes, hash or tab characters")]
    return []


_ANNOTATION_VALIDATIONS: dict[str, tuple[_Validator, ...]] = {
    MERGEABLE_ANNOTATION: (_v_required, _v_mergeable_type),
    "nginx.org/lb-method": (_v_required, _v_lb_method),
    "nginx.com/health-checks": (_v_plus_only, _v_required, _v_bool),
    "nginx.com/health-checks-mandatory": (
        _v_plus_only,
        _v_related("nginx.com/health-checks", _is_true),
        _v_required,
        _v_bool,
    ),
    "nginx.com/health-checks-mandatory-queue": (
        _v_plus_only,
        _v_related("nginx.com/health-checks-mandatory", _is_true),
        _v_required,
        _v_uint64,
    ),
    "nginx.com/slow-start": (_v_plus_only, _v_required, _v_time),
    "nginx.org/server-tokens": (_v_server_tokens,),
    "nginx.org/server-snippets": (_v_snippets,),
    "nginx.org/location-snippets": (_v_snippets,),
    "nginx.org/add-header-inherit": (_v_required, _v_add_header_inherit),
    "nginx.org/proxy-connect-timeout": (_v_required, _v_time),
    "nginx.org/proxy-read-timeout": (_v_required, _v_time),
    "nginx.org/proxy-send-timeout": (_v_required, _v_time),
    "nginx.org/client-max-body-size": (_v_required, _v_offset),
    "nginx.org/client-body-buffer-size": (_v_required, _v_size),
    "nginx.org/redirect-to-https": (_v_required, _v_bool),
    "ingress.kubernetes.io/ssl-redirect": (_v_required, _v_bool),
    "nginx.org/ssl-redirect": (_v_required, _v_bool),
    "nginx.org/proxy-buffering": (_v_required, _v_bool),
    "nginx.org/hsts": (_v_required, _v_bool),
    "nginx.org/hsts-max-age": (
        _v_related("nginx.org/hsts", _is_bool),
        _v_required,
        lambda ctx: [] if parse_int(ctx.value) is not None else [invalid(ctx.path, ctx.value, "must be an integer")],
    ),
    "nginx.org/hsts-include-subdomains": (_v_related("nginx.org/hsts", _is_bool), _v_required, _v_bool),
    "nginx.org/hsts-behind-proxy": (_v_related("nginx.org/hsts", _is_bool), _v_required, _v_bool),
    "nginx.org/proxy-hide-headers": (_v_http_headers,),
    "nginx.org/proxy-pass-headers": (_v_http_headers,),
    "nginx.org/proxy-set-headers": (_v_required, _v_proxy_set_headers),
    "nginx.org/add-header": (_v_required, _v_add_header),
    "nginx.org/proxy-buffers": (_v_required, _v_proxy_buffers),
    "nginx.org/proxy-buffer-size": (_v_required, _v_size),
    "nginx.org/proxy-busy-buffers-size": (_v_size,),
    "nginx.org/proxy-max-temp-file-size": (_v_required, _v_size),
    "nginx.org/proxy-next-upstream": (_v_required, _v_proxy_next_upstream),
    "nginx.org/proxy-next-upstream-timeout": (_v_required, _v_time),
    "nginx.org/proxy-next-upstream-tries": (_v_required, _v_uint64),
    "nginx.org/upstream-zone-size": (_v_required, _v_size),
    "nginx.org/basic-auth-secret": (_v_required, _v_secret_name),
    "nginx.org/basic-auth-realm": (_v_related("nginx.org/basic-auth-secret", lambda _v: None), _v_realm),
    "nginx.org/listen-ports": (_v_hostless_forbidden, _v_required, _v_port_list),
    "nginx.org/listen-ports-ssl": (_v_hostless_forbidden, _v_required, _v_port_list),
    "nginx.org/keepalive": (_v_required, _v_int),
    "nginx.org/max-fails": (_v_required, _v_uint64),
    "nginx.org/max-conns": (_v_required, _v_uint64),
    "nginx.org/fail-timeout": (_v_required, _v_time),
    "nginx.org/limit-req-key": (_v_required, _v_limit_req_key),
    "nginx.com/jwt-realm": (_v_plus_only, _v_required, _v_jwt_realm),
    "nginx.com/jwt-key": (_v_plus_only, _v_required, _v_secret_name),
    "nginx.com/jwt-token": (_v_plus_only, _v_jwt_token),
    "nginx.com/jwt-login-url": (_v_plus_only, _v_jwt_login_url),
    "appprotect.f5.com/app-protect-enable": (_v_app_protect_only, _v_plus_only, _v_required, _v_bool),
    "appprotect.f5.com/app-protect-security-log-enable": (_v_app_protect_only, _v_plus_only, _v_required, _v_bool),
    "appprotect.f5.com/app-protect-policy": (_v_app_protect_only, _v_plus_only, _v_required, _v_qualified_name),
    "appprotect.f5.com/app-protect-security-log": (
        _v_app_protect_only,
        _v_plus_only,
        _v_required,
        _v_app_protect_security_log,
    ),
    "appprotect.f5.com/app-protect-security-log-destination": (_v_app_protect_only, _v_plus_only, _v_required),
    "appprotectdos.f5.com/app-protect-dos-resource": (_v_app_protect_dos_only, _v_plus_only, _v_qualified_name),
    WEBSOCKET_SERVICES_ANNOTATION: (_v_required, _v_service_list),
    SSL_SERVICES_ANNOTATION: (_v_required, _v_service_list),
    GRPC_SERVICES_ANNOTATION: (_v_required, _v_service_list),
    "nginx.org/rewrites": (_v_required, _v_rewrites),
    "nginx.org/rewrite-target": (_v_required, _v_rewrite_target),
    "nginx.org/sticky-cookie-services": (_v_required, _v_sticky),
    "nginx.com/sticky-cookie-services": (_v_plus_only, _v_required, _v_sticky),
    "nginx.org/path-regex": (_v_path_regex,),
    "nginx.org/use-cluster-ip": (_v_bool,),
    "nginx.org/http-redirect-code": (_v_required, _v_http_redirect_code),
    "nginx.org/app-root": (_v_app_root,),
    "nginx.org/proxy-redirect-from": (_v_required, _v_proxy_redirect_from),
    "nginx.org/proxy-redirect-to": (_v_required, _v_proxy_redirect_to),
    "nginx.org/custom-http-errors": (_v_required, _v_custom_http_errors),
    POLICIES_ANNOTATION: (_v_required, _v_comma_separated_list, _v_policy_names),
    POLICIES_ANNOTATION_PLUS: (_v_plus_only, _v_required, _v_comma_separated_list, _v_policy_names),
}
"""``internal/k8s/validation.go :: annotationValidations`` (NIC 5.6): every annotation NIC validates, in its order
of checks. Validators run in order and stop at the first one that fails. App Protect log destinations only get
their "required" check (they need App Protect, which the replica never enables)."""


def spec_services(ing: Ingress) -> frozenset[str]:
    """``validation.go :: getSpecServices``: the default backend's and every path's service names."""
    names: set[str] = set()
    if ing.default_backend is not None:
        names.add(ing.default_backend.name)
    for rule in ing.rules:
        for path in rule.paths:
            if path.backend is not None:
                names.add(path.backend.name)
    return frozenset(names)


def validate_ingress(
    ing: Ingress,
    settings: ControllerSettings,
    *,
    snippets: bool = False,
    app_protect: bool = False,
    app_protect_dos: bool = False,
    allow_empty_host: bool = False,
    api_server: bool = False,
) -> tuple[str, ...]:
    """``validation.go :: validateIngress``: annotations (sorted by name), proxy-redirect pair, spec, master/minion.

    Any error Rejects the whole Ingress (``configuration.go :: AddOrUpdateIngress``); the event message is
    :func:`aggregate` of the result. Host syntax is the API server's business, not NIC's: ``api_server=True``
    puts :func:`ingress_host_errors` first.
    """
    annotations = ing.annotations
    errs = ingress_host_errors(ing) if api_server else []
    # A policies annotation the predicted release does not read is not validated either (nic/versions.py).
    unread = versions.unread_policy_annotations(settings.nic_version)
    errs += validate_ingress_annotations(
        {k: v for k, v in annotations.items() if k not in unread} if unread else annotations,
        spec_services(ing),
        plus=settings.plus,
        snippets=snippets,
        app_protect=app_protect,
        app_protect_dos=app_protect_dos,
        hostless=allow_empty_host and any(rule.host == "" for rule in ing.rules),
    )
    errs.extend(_validate_proxy_redirect_pair(annotations))
    errs.extend(_validate_ingress_spec(ing, allow_empty_host))
    mergeable = annotations.get(MERGEABLE_ANNOTATION, "")
    if mergeable == "master":
        errs.extend(_validate_master_spec(ing))
    elif mergeable == "minion":
        errs.extend(_validate_minion_spec(ing))
    return tuple(errs)


def ingress_host_errors(ing: Ingress) -> list[str]:
    """The API server's host rules (``k8s.io/kubernetes/pkg/apis/networking/validation :: validateIngressRules``).

    Not NIC: an Ingress failing these is never stored, so NIC never sees it. :func:`validate_ingress` applies them
    only with ``api_server=True`` (for sources that did not go through an API server).
    """
    errs: list[str] = []
    for i, rule in enumerate(ing.rules):
        host = rule.host
        if not host:
            continue
        path = f"spec.rules[{i}].host"
        if _is_ip(host):
            errs.append(invalid(path, host, "must be a DNS name, not an IP address"))
        msgs = wildcard_dns1123_subdomain_errors(host) if "*" in host else dns1123_subdomain_errors(host)
        errs.extend(invalid(path, host, m) for m in msgs)
    return errs


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def validate_ingress_annotations(
    annotations: Mapping[str, str],
    services: frozenset[str],
    *,
    plus: bool,
    snippets: bool = False,
    app_protect: bool = False,
    app_protect_dos: bool = False,
    hostless: bool = False,
) -> list[str]:
    """``validation.go :: validateIngressAnnotations``: each known annotation in name order, stop at first failure."""
    errs: list[str] = []
    for name in sorted(annotations):
        chain = _ANNOTATION_VALIDATIONS.get(name)
        if chain is None:
            continue
        ctx = _AnnotationContext(
            annotations=annotations,
            spec_services=services,
            name=name,
            value=annotations[name],
            plus=plus,
            snippets=snippets,
            app_protect=app_protect,
            app_protect_dos=app_protect_dos,
            hostless=hostless,
        )
        for validator in chain:
            found = validator(ctx)
            if found:
                errs.extend(found)
                break
    return errs


def _validate_proxy_redirect_pair(annotations: Mapping[str, str]) -> list[str]:
    """``validation.go :: validateProxyRedirectPair``."""
    frm_key, to_key = "nginx.org/proxy-redirect-from", "nginx.org/proxy-redirect-to"
    has_from, has_to = frm_key in annotations, to_key in annotations
    frm = annotations.get(frm_key, "")
    if has_to and not has_from:
        return [invalid(f"annotations.{to_key}", "", f"{to_key} requires {frm_key} to also be set")]
    if has_from and frm in ("off", "default") and has_to:
        return [invalid(f"annotations.{to_key}", "", f"{to_key} cannot be set when {frm_key} is {go_quote(frm)}")]
    if has_from and frm not in ("off", "default") and not has_to:
        msg = f"{frm_key} with a URL or regex value requires {to_key} to also be set"
        return [invalid(f"annotations.{frm_key}", frm, msg)]
    return []


def _validate_backend(backend: ServiceBackend | None, path: str) -> list[str]:
    """``validation.go :: validateBackend``: the model keeps ``None`` for a resource backend."""
    if backend is None:
        return [forbidden(f"{path}.resource", "resource backends are not supported")]
    return []


def _validate_ingress_spec(ing: Ingress, allow_empty_host: bool) -> list[str]:
    """``validation.go :: validateIngressSpec``: default backend, rules present, duplicate hosts, paths."""
    errs: list[str] = []
    if ing.default_backend is not None:
        errs.extend(_validate_backend(ing.default_backend, "spec.defaultBackend"))
    if not ing.rules:
        errs.append(required("spec.rules"))
        return errs
    hosts: set[str] = set()
    has_empty = False
    for i, rule in enumerate(ing.rules):
        base = f"spec.rules[{i}]"
        if rule.host == "":
            if not allow_empty_host:
                errs.append(required(f"{base}.host"))
            elif has_empty:
                errs.append(duplicate(f"{base}.host", ""))
            else:
                has_empty = True
        elif rule.host in hosts:
            errs.append(duplicate(f"{base}.host", rule.host))
        else:
            hosts.add(rule.host)
        for j, p in enumerate(rule.paths):
            ppath = f"{base}.http.paths[{j}]"
            errs.extend(_validate_ingress_path(p.path, p.path_type, f"{ppath}.path"))
            errs.extend(_validate_backend(p.backend, f"{ppath}.backend"))
    return errs


_ING_PATH_FMT = r"/[^\s;]*"
_ING_PATH_MSG = "must start with / and must not include any whitespace character or `;`"
_ESCAPED_FMT = r'([^"\\]|\\.)*'
_ESCAPED_MSG = "must have all '\"' (double quotes) escaped and must not end with an unescaped '\\' (backslash)"


_COMPILED_ASCII: dict[str, re.Pattern[str]] = {}
"""Each format compiled once (as ``apimachinery.matches`` does): the formats are this module's constants."""


def _go_fullmatch(fmt: str, value: str) -> bool:
    """Go RE2 semantics for our patterns: ``\\s`` and ``\\d`` are ASCII-only and ``.`` excludes only ``\\n``."""
    pattern = _COMPILED_ASCII.get(fmt)
    if pattern is None:
        pattern = _COMPILED_ASCII[fmt] = re.compile(fmt, re.ASCII)
    return pattern.fullmatch(value) is not None


_STRUCTURAL_REGEX_ERRORS = (
    "missing )",
    "unbalanced parenthesis",
    "unterminated character set",
    "nothing to repeat",
    "multiple repeat",
    "bad character range",
)


def regex_compile_error(pattern: str) -> str | None:
    """Whether NIC's ``regexp2.Compile`` (a .NET/Perl-style engine) would refuse ``pattern``, with Python's text.

    Python's ``re`` is not regexp2: .NET-only syntax such as ``(?<name>...)`` is translated first, and only
    structural errors both engines share (unbalanced groups or classes, a quantifier with nothing to repeat)
    count as failures, so a pattern NIC accepts is never rejected here. NIC's own error wording differs.
    """
    candidate = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)
    try:
        re.compile(candidate)
    except re.error as exc:
        message = str(exc)
        if any(message.startswith(known) for known in _STRUCTURAL_REGEX_ERRORS):
            return message
    except (RecursionError, OverflowError):
        return None
    return None


def _validate_ingress_path(path: str, path_type: str, fpath: str) -> list[str]:
    """``validation.go :: validatePath`` for Ingress paths."""
    if path == "" and path_type == "ImplementationSpecific":
        return []
    if path == "":
        return [required(fpath, "path is required for Exact and Prefix PathTypes")]
    if path.startswith("//"):
        return [invalid(fpath, path, "protocol-relative URIs not allowed, must not start with '//'")]
    if ".." in [seg for seg in re.split(r"[/\\]", path) if seg]:
        return [invalid(fpath, path, "path traversal not allowed, path must not contain '..' segments")]
    if not _go_fullmatch(_ING_PATH_FMT, path):
        return [invalid(fpath, path, regex_error(_ING_PATH_MSG, _ING_PATH_FMT, "/", "/path", "/path/subpath-123"))]
    errs: list[str] = []
    problem = regex_compile_error(path)
    if problem is not None:
        errs.append(invalid(fpath, path, f"must be a valid regular expression: {problem}"))
    else:
        if not _go_fullmatch(_ESCAPED_FMT, path):
            msg = regex_error(_ESCAPED_MSG, _ESCAPED_FMT, "*.jpg", "^/images/image_*.png$")
            errs.append(invalid(fpath, path, msg))
    for inner in re.findall(r"\{(.*?)\}", path):
        if re.search(r"[A-Za-z]", inner):
            errs.append(invalid(fpath, path, "must not include curly braces containing alphabetical characters"))
            break
    if re.search(r"^/etc/|^/root(?:/|\Z)|^/var(?:/|\Z)|\\n|\\r\Z", path):
        errs.append(invalid(fpath, path, "must not contain invalid paths"))
    return errs


def _validate_master_spec(ing: Ingress) -> list[str]:
    """``validation.go :: validateMasterSpec``: exactly one rule and no paths."""
    if len(ing.rules) != 1:
        return [too_many("spec.rules", len(ing.rules), 1)]
    if ing.rules[0].paths:
        return [too_many("spec.rules[0].http.paths", len(ing.rules[0].paths), 0)]
    return []


def _validate_minion_spec(ing: Ingress) -> list[str]:
    """``validation.go :: validateMinionSpec``: no ``spec.tls``, exactly one rule, at least one path."""
    errs = []
    if ing.tls:
        errs.append(too_many("spec.tls", len(ing.tls), 0))
    if len(ing.rules) != 1:
        errs.append(too_many("spec.rules", len(ing.rules), 1))
        return errs
    if not ing.rules[0].paths:
        errs.append(required("spec.rules[0].http.paths", "must include at least one path"))
    return errs


# --- VirtualServer / VirtualServerRoute (pkg/apis/configuration/validation/virtualserver.go) ----------------


def _validate_host(host: str, path: str) -> list[str]:
    """``virtualserver.go :: validateHost``."""
    if host == "":
        return [required(path)]
    msgs = wildcard_dns1123_subdomain_errors(host) if host.startswith("*.") else dns1123_subdomain_errors(host)
    return [invalid(path, host, msg) for msg in msgs]


def validate_policy_refs(refs: Sequence[PolicyReference], path: str, namespace: str) -> list[str]:
    """``virtualserver.go :: validatePolicies``: duplicates (by ``ns/name``), name subdomain, namespace label."""
    errs: list[str] = []
    seen: set[str] = set()
    for i, ref in enumerate(refs):
        idx = f"{path}[{i}]"
        key = f"{ref.namespace or namespace}/{ref.name}"
        if key in seen:
            errs.append(duplicate(idx, key))
        else:
            seen.add(key)
        if ref.name == "":
            errs.append(required(f"{idx}.name"))
        else:
            errs.extend(invalid(f"{idx}.name", ref.name, m) for m in dns1123_subdomain_errors(ref.name))
        if ref.namespace:
            errs.extend(invalid(f"{idx}.namespace", ref.namespace, m) for m in dns1123_label_errors(ref.namespace))
    return errs


def _validate_upstreams(upstreams: Sequence[VSUpstream], path: str, plus: bool = False) -> tuple[list[str], set[str]]:
    """``virtualserver.go :: validateUpstreams`` (name, duplicates, service, type, port; not the tuning fields)."""
    errs: list[str] = []
    names: set[str] = set()
    for i, ups in enumerate(upstreams):
        idx = f"{path}[{i}]"
        name_errs = _dns1035_field(ups.name, f"{idx}.name")
        if name_errs:
            errs.extend(name_errs)
        elif ups.name in names:
            errs.append(duplicate(f"{idx}.name", ups.name))
        else:
            names.add(ups.name)
        errs.extend(_validate_vs_service_name(ups.service, f"{idx}.service"))
        errs.extend(_validate_upstream_tuning(ups, idx, plus, "pre"))
        if ups.type not in ("", "grpc", "http"):
            errs.append(invalid(f"{idx}.type", ups.type, "must be one of `grpc` or `http`"))
        if not 1 <= ups.port <= 65535:
            errs.append(invalid(f"{idx}.port", ups.port, _inclusive_range_error(1, 65535)))
        errs.extend(_validate_upstream_tuning(ups, idx, plus, "post"))
    return errs, names


def _extra_str(ups: VSUpstream, key: str) -> str:
    value = ups.extra.get(key)
    if isinstance(value, bool) or value is None:
        return ""
    return str(value)


def _extra_int(ups: VSUpstream, key: str) -> int | None:
    value = ups.extra.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_NEXT_UPSTREAM_PARAMS = frozenset(PROXY_NEXT_UPSTREAM_OPTIONS)
"""The same values for a VirtualServer upstream's ``next-upstream`` (``validateNextUpstream``)."""


def _validate_upstream_tuning(ups: VSUpstream, idx: str, plus: bool, part: str) -> list[str]:
    """The tuning fields of ``validateUpstreams`` that the model keeps in ``extra``, in NIC's order.

    ``part="pre"`` covers the fields NIC checks before ``type``/``port``, ``"post"`` the Plus-only rejections.
    """
    errs: list[str] = []
    if part == "post":
        if not plus:
            for key, what in (
                ("healthCheck", "active health checks are only supported in NGINX Plus"),
                ("slow-start", "slow start is only supported in NGINX Plus"),
                ("queue", "queue is only supported in NGINX Plus"),
                ("ntlm", "NTLM is only supported in NGINX Plus"),
            ):
                value = ups.extra.get(key)
                if value not in (None, "", False):
                    errs.append(forbidden(f"{idx}.{key}", what))
        return errs

    def time_field(key: str) -> None:
        value = _extra_str(ups, key)
        if value and parse_time(value) is None:
            errs.append(invalid(f"{idx}.{key}", value, "invalid time string"))

    def non_negative(key: str) -> None:
        value = _extra_int(ups, key)
        if value is not None and value < 0:
            errs.append(invalid(f"{idx}.{key}", value, "must be positive or zero"))

    for key in ("connect-timeout", "read-timeout", "send-timeout"):
        time_field(key)
    next_upstream = _extra_str(ups, "next-upstream")
    seen: set[str] = set()
    for param in next_upstream.split():
        if param not in _NEXT_UPSTREAM_PARAMS:
            errs.append(invalid(f"{idx}.next-upstream", param, "not a valid parameter"))
        if param in seen:
            errs.append(invalid(f"{idx}.next-upstream", param, "can not have duplicate parameters"))
        seen.add(param)
    time_field("next-upstream-timeout")
    non_negative("next-upstream-tries")
    lb_method = _extra_str(ups, "lb-method")
    if lb_method:
        ctx = _AnnotationContext({}, frozenset(), "lb-method", lb_method, plus, False, False, False)
        for err in _v_lb_method(ctx):
            errs.append(f"{idx}.lb-method" + err[len(ctx.path) :])
    time_field("fail-timeout")
    for key in ("max-fails", "keepalive", "max-conns"):
        non_negative(key)
    body = _extra_str(ups, "client-max-body-size")
    if body and not re.fullmatch(r"\d+[kKmMgG]?", body.strip(), re.ASCII):
        msg = regex_error(
            "must consist of numeric characters followed by a valid size suffix. 'k|K|m|M|g|G",
            r"\d+[kKmMgG]?",
            "16",
            "32k",
            "64M",
            "2G",
        )
        errs.append(invalid(f"{idx}.client-max-body-size", body, msg))
    time_field("slow-start")
    for key in ("buffer-size", "busy-buffers-size"):
        size = _extra_str(ups, key)
        if size and not re.fullmatch(r"\d+[kKmM]?", size.strip(), re.ASCII):
            msg = regex_error(
                "must consist of numeric characters followed by a valid size suffix. 'k|K|m|M",
                r"\d+[kKmM]?",
                "16",
                "32k",
                "64M",
            )
            errs.append(invalid(f"{idx}.{key}", size, msg))
    return errs


def _dns1035_field(name: str, path: str) -> list[str]:
    """``virtualserver.go :: validateDNS1035Label`` (upstream and service names)."""
    if name == "":
        return [required(path)]
    return [invalid(path, name, m) for m in dns1035_label_errors(name)]


def _validate_vs_service_name(name: str, path: str) -> list[str]:
    """``virtualserver.go :: validateVirtualServerServiceName``: ``svc`` or ``namespace/svc``."""
    if "/" in name:
        parts = name.split("/")
        if len(parts) != 2:
            return [invalid(path, name, " service reference must be in the format namespace/service-name")]
        if parts[0] == "" or dns1123_label_errors(parts[0]):
            return [invalid(path, name, "invalid namespace in service reference")]
        if _dns1035_field(parts[1], path):
            return [invalid(path, name, "invalid service name in service reference")]
        return []
    return _dns1035_field(name, path)


def _validate_route_path(path: str, fpath: str) -> list[str]:
    """``virtualserver.go :: validateRoutePath``: prefix, ``=`` exact, ``^~`` and ``~``/``~*`` regex paths."""
    if path == "":
        return [required(fpath)]
    if path.startswith("^~"):
        return common_path_errors(path[2:].lstrip(), fpath)
    if path.startswith("~"):
        regex = path[2:] if path.startswith("~*") else path[1:]
        regex = regex.lstrip()
        problem = regex_compile_error(regex)
        if problem is not None:
            return [invalid(fpath, path, f"must be a valid regular expression: {problem}")]
        if not _go_fullmatch(_ESCAPED_FMT, regex):
            return [invalid(fpath, path, regex_error(_ESCAPED_MSG, _ESCAPED_FMT, "*.jpg", "^/images/image_*.png$"))]
        return []
    if path.startswith("/"):
        return common_path_errors(path, fpath)
    if path.startswith("="):
        return common_path_errors(path[1:].lstrip(), fpath)
    return [invalid(fpath, path, "must start with /, ~, = or ^~")]


def normalize_path(path: str) -> str:
    """``virtualserver.go :: NormalizePath``: ``~ /api`` and ``~/api`` are the same location."""
    for mod in ("~*", "~", "^~", "="):
        if path.startswith(mod):
            return mod + path[len(mod) :].lstrip()
    return path


def _count_actions(action: Action) -> int:
    return sum((bool(action.pass_), action.redirect is not None, action.return_ is not None, action.proxy is not None))


def _validate_action(
    action: Action, path: str, upstreams: set[str], route_path: str = "", internal: bool = False, plus: bool = False
) -> list[str]:
    """``virtualserver.go :: validateAction``: exactly one kind; pass/proxy name an existing upstream; the proxy's
    header names and values and ``rewritePath`` (``validateActionProxy``)."""
    if _count_actions(action) != 1:
        return [required(path, "action must specify exactly one of `pass`, `redirect`, `return` or `proxy`")]
    errs: list[str] = []
    if action.pass_:
        errs.extend(_validate_referenced_upstream(action.pass_, f"{path}.pass", upstreams))
    if action.redirect is not None:
        errs.extend(_validate_redirect_url(action.redirect.url, f"{path}.redirect.url"))
        if action.redirect.code not in (0, 301, 302, 307, 308):
            msg = "status code out of accepted range. accepted values are '301', '302', '307', '308'"
            errs.append(invalid(f"{path}.redirect.code", action.redirect.code, msg))
    if action.return_ is not None:
        errs.extend(_validate_action_return(action, path))
        for i, (name, value) in enumerate(action.return_.headers):
            errs.extend(_validate_return_header(name, value, f"{path}.return.headers[{i}]"))
    if action.proxy is not None:
        errs.extend(_validate_referenced_upstream(action.proxy.upstream, f"{path}.proxy.upstream", upstreams))
        errs.extend(_validate_action_proxy_extras(action.proxy, f"{path}.proxy", route_path, internal, plus))
    return errs


_PROXY_HEADER_SPECIAL = ("arg_", "http_", "cookie_", "jwt_claim_", "jwt_header_")
_PROXY_HEADER_SSL_VARIABLES = (
    "ssl_cipher",
    "ssl_ciphers",
    "ssl_client_cert",
    "ssl_client_escaped_cert",
    "ssl_client_fingerprint",
    "ssl_client_i_dn",
    "ssl_client_i_dn_legacy",
    "ssl_client_raw_cert",
    "ssl_client_s_dn",
    "ssl_client_s_dn_legacy",
    "ssl_client_serial",
    "ssl_client_v_end",
    "ssl_client_v_remain",
    "ssl_client_v_start",
    "ssl_client_verify",
    "ssl_curves",
    "ssl_early_data",
    "ssl_protocol",
    "ssl_server_name",
    "ssl_session_id",
    "ssl_session_reused",
)
"""``virtualserver.go :: actionProxyHeaderVariables`` adds these to the return-body variables."""
_IGNORE_HEADERS = (
    "X-Accel-Redirect",
    "X-Accel-Expires",
    "X-Accel-Limit-Rate",
    "X-Accel-Buffering",
    "X-Accel-Charset",
    "Expires",
    "Cache-Control",
    "Set-Cookie",
    "Vary",
)
"""``virtualserver.go :: validIgnoreHeaders`` (NIC prints them from a Go map: random order)."""


_HEADER_VALUE_FMT = r'([^"$\\]|\\[^$])*'
_HEADER_VALUE_MSG = (
    "a valid header must have all '\"' escaped and must not contain any '$' or end with an unescaped '\\'"
)


def _validate_return_header(name: str, value: str, path: str) -> list[str]:
    """``virtualserver.go :: validateHeader`` (``action.return.headers``): no variables at all in the value."""
    errs = [required(f"{path}.name")] if name == "" else []
    errs.extend(invalid(f"{path}.name", name, msg) for msg in http_header_name_errors(name))
    if not matches(_HEADER_VALUE_FMT, value):
        msg = regex_error(_HEADER_VALUE_MSG, _HEADER_VALUE_FMT, "my.service", "foo")
        errs.append(invalid(f"{path}.value", value, msg))
    return errs


def _header_items(raw: object) -> list[object]:
    """The list items NIC can see: anything else is refused by the API server's schema first."""
    return list(raw) if isinstance(raw, (list, tuple)) else []


def _header_objects(raw: object) -> list[tuple[int, Mapping[str, Any]]]:
    return [(i, h) for i, h in enumerate(_header_items(raw)) if isinstance(h, Mapping)]


def _validate_proxy_header(h: Mapping[str, Any], path: str, plus: bool) -> list[str]:
    """``validateActionProxyHeader``: a required header name and an escaped value with allowed variables."""
    name, value = str(h.get("name") or ""), str(h.get("value") or "")
    errs = [required(f"{path}.name")] if name == "" else []
    errs.extend(invalid(f"{path}.name", name, msg) for msg in http_header_name_errors(name))
    if not _go_fullmatch(_ESCAPED_FMT, value):
        msg = regex_error(_ESCAPED_MSG, _ESCAPED_FMT, "Hello World! \\n", '\\"${request_uri}\\" is unavailable. \\n')
        errs.append(invalid(f"{path}.value", value, msg))
    allowed = (*_RETURN_VARIABLES, *_PROXY_HEADER_SSL_VARIABLES)
    errs.extend(_validate_string_with_variables(value, f"{path}.value", _PROXY_HEADER_SPECIAL, allowed, plus))
    return errs


def _validate_action_proxy_extras(
    proxy: ActionProxy, path: str, route_path: str, internal: bool, plus: bool
) -> list[str]:
    """``validateActionProxy`` after the upstream: request/response headers, then ``rewritePath``.

    NIC's paths are its own: ``requestHeaders[i]`` for ``requestHeaders.set[i]``, ``responseHeaders.hide[i]``."""
    errs: list[str] = []
    request = proxy.extra.get("requestHeaders")
    if isinstance(request, Mapping):
        for i, header in _header_objects(request.get("set")):
            errs.extend(_validate_proxy_header(header, f"{path}.requestHeaders[{i}]", plus))
    response = proxy.extra.get("responseHeaders")
    if isinstance(response, Mapping):
        base = f"{path}.responseHeaders"
        for key in ("hide", "pass"):
            for i, name in enumerate(_header_items(response.get(key))):
                errs.extend(invalid(f"{base}.{key}[{i}]", str(name), m) for m in http_header_name_errors(str(name)))
        for i, header in _header_objects(response.get("add")):
            errs.extend(_validate_proxy_header(header, f"{base}.add[{i}]", plus))
        for i, name in enumerate(_header_items(response.get("ignore"))):
            if str(name) not in _IGNORE_HEADERS:
                msg = "not a valid ignore header name. Accepted headers are : " + ", ".join(_IGNORE_HEADERS)
                errs.append(invalid(f"{base}.ignore[{i}]", str(name), msg))
    rewrite = proxy.rewrite_path
    if rewrite:
        where = f"{path}.rewritePath"
        errs.extend(_string_no_variables_errors(rewrite, where))
        if route_path.startswith("~") or internal:
            if not _go_fullmatch(_ESCAPED_FMT, rewrite):
                errs.append(invalid(where, rewrite, regex_error(_ESCAPED_MSG, _ESCAPED_FMT, "/rewrite$1", "/images")))
        else:
            errs.extend(common_path_errors(rewrite, where))
    return errs


def _string_no_variables_errors(value: str, path: str) -> list[str]:
    """``validateStringNoVariables``: ``$`` only before a digit (a regex capture such as ``$1``)."""
    for i, ch in enumerate(value):
        if ch == "$" and i + 1 < len(value) and value[i + 1] not in "0123456789":
            return [invalid(path, value, "`$` character can be only followed by a number")]
    return []


_REDIRECT_VARIABLES = ("scheme", "http_x_forwarded_proto", "request_uri", "host")
"""``virtualserver.go :: validRedirectVariableNames`` (NIC prints them from a Go map: random order)."""
_RETURN_VARIABLES = (
    "request_uri",
    "request_method",
    "request_body",
    "scheme",
    "args",
    "host",
    "request_time",
    "request_length",
    "nginx_version",
    "pid",
    "connection",
    "remote_addr",
    "remote_port",
    "time_iso8601",
    "time_local",
    "server_addr",
    "server_port",
    "server_name",
    "server_protocol",
    "connections_active",
    "connections_reading",
    "connections_writing",
    "connections_waiting",
)
"""``virtualserver.go :: returnBodyVariables``."""
_RETURN_SPECIAL = ("arg_", "http_", "cookie_")


def _validate_redirect_url(url: str, path: str) -> list[str]:
    """``virtualserver.go :: validateRedirectURL``."""
    if url == "":
        return [required(path, "must specify a url")]
    if "://" not in url:
        return [
            invalid(path, url, "must contain the protocol with '://', for example http://, https:// or ${scheme}://")
        ]
    if not _go_fullmatch(_ESCAPED_FMT, url):
        msg = regex_error(
            _ESCAPED_MSG,
            _ESCAPED_FMT,
            "http://www.nginx.com",
            "${scheme}://${host}/green/",
            '\\"http://www.nginx.com\\"',
        )
        return [invalid(path, url, msg)]
    return _validate_string_with_variables(url, path, (), _REDIRECT_VARIABLES)


def _validate_action_return(action: Action, path: str) -> list[str]:
    """``virtualserver.go :: validateActionReturn`` and the header checks of ``validateAction``."""
    ret = action.return_
    assert ret is not None
    if ret.body == "":
        errs = [required(f"{path}.return.body")]
    else:
        errs = []
        if not _go_fullmatch(_ESCAPED_FMT, ret.body):
            msg = regex_error(
                _ESCAPED_MSG, _ESCAPED_FMT, "Hello World! \\n", '\\"${request_uri}\\" is unavailable. \\n'
            )
            errs.append(invalid(f"{path}.return.body", ret.body, msg))
        errs.extend(
            _validate_string_with_variables(ret.body, f"{path}.return.body", _RETURN_SPECIAL, _RETURN_VARIABLES)
        )
        if ret.type and not _go_fullmatch(r'([^;\{\}"\\]|\\.)*', ret.type):
            msg = regex_error(
                "must have all '\"' (double quotes), '{', '}' or ';' escaped and must not end with an unescaped '\\' "
                "(backslash)",
                r'([^;\{\}"\\]|\\.)*',
                "type/subtype",
                "application/json",
            )
            errs.append(invalid(f"{path}.return.type", ret.type, msg))
        if ret.code != 0 and not (200 <= ret.code <= 299 or 400 <= ret.code <= 599):
            msg = "must be a valid status code either 2XX, 4XX or 5XX, for example, 200 or 402."
            errs.append(invalid(f"{path}.return.code", ret.code, msg))
        return errs
    return errs


def _validate_string_with_variables(
    value: str, path: str, special: Sequence[str], allowed: Sequence[str], plus: bool = False
) -> list[str]:
    """``common.go :: validateStringWithVariables``: ``${name}`` only, names from an allow-list or special prefixes."""
    if value.endswith("$"):
        return [invalid(path, value, "must not end with $")]
    for i, ch in enumerate(value):
        if ch == "$" and (value[i + 1] != "{" or "}" not in value[i + 1 :]):
            return [invalid(path, value, "variables must be enclosed in curly braces, for example ${host}")]
    errs: list[str] = []
    for name in re.findall(r"\$\{([^}]*)\}", value):
        if any(name.startswith(prefix) for prefix in special):
            errs.extend(_validate_special_variable(name, path, plus))
        elif name not in allowed:
            msg = f"'{name}' contains an invalid NGINX variable. Accepted variables are: " + ", ".join(allowed)
            errs.append(invalid(path, name, msg))
    return errs


def _validate_special_variable(name: str, path: str, plus: bool = False) -> list[str]:
    """``common.go :: validateSpecialVariable``: ``arg_``/``http_``/``cookie_``/``apikey_``, and on Plus
    ``jwt_header_``/``jwt_claim_`` (``parseSpecialVariable`` splits those after the second ``_``)."""
    if name.startswith(("jwt_header", "jwt_claim")):
        parts = name.split("_", 2)
        if len(parts) != 3:
            return [invalid(path, name, "is invalid variable")]
        kind, rest = "_".join(parts[:2]), parts[2]
    else:
        kind, sep, rest = name.partition("_")
        if not sep:
            return [invalid(path, name, "is invalid variable")]
    if kind in ("jwt_header", "jwt_claim") and not plus:
        return [forbidden(path, "is only supported in NGINX Plus")]
    if kind in ("arg", "cookie"):
        if re.fullmatch(r"[_A-Za-z0-9]+", rest, re.ASCII) is None:
            what = "argument" if kind == "arg" else "cookie"
            example = "argument_123" if kind == "arg" else "my_cookie_123"
            msg = regex_error(
                f"a valid {what} name must consist of alphanumeric characters or '_'", "[_A-Za-z0-9]+", example
            )
            return [invalid(path, name, msg)]
        return []
    if kind in ("http", "apikey", "jwt_header", "jwt_claim"):
        header = rest.replace("_", "-")
        if re.fullmatch(r"[-A-Za-z0-9]+", header, re.ASCII) is None or "-" in rest:
            return [invalid(path, name, "a valid special variable must consists of alphanumeric characters or '_'")]
        return []
    return [invalid(path, name, "unknown special variable")]


def _validate_referenced_upstream(name: str, path: str, upstreams: set[str]) -> list[str]:
    """``virtualserver.go :: validateReferencedUpstream``: a DNS-1035 name that exists, else ``Not found``."""
    errs = _dns1035_field(name, path)
    if errs:
        return errs
    return [] if name in upstreams else [not_found(path, name)]


def _validate_splits(
    splits: Sequence[Split], path: str, upstreams: set[str], route_path: str = "", plus: bool = False
) -> list[str]:
    """``virtualserver.go :: validateSplits``: at least two, weights 0..100 summing to 100."""
    if len(splits) < 2:
        return [invalid(path, "", "must include at least 2 splits")]
    errs: list[str] = []
    total = 0
    for i, split in enumerate(splits):
        idx = f"{path}[{i}]"
        if not 0 <= split.weight <= 100:
            errs.append(invalid(f"{idx}.weight", split.weight, _inclusive_range_error(0, 100)))
        if split.action is None:
            errs.append(required(f"{idx}.action"))
        else:
            errs.extend(_validate_action(split.action, f"{idx}.action", upstreams, route_path, True, plus))
        total += split.weight
    if total != 100:
        errs.append(invalid(path, "", "the sum of the weights of all splits must be equal to 100"))
    return errs


def _validate_match(
    match: Match, path: str, upstreams: set[str], route_path: str = "", plus: bool = False
) -> list[str]:
    """``virtualserver.go :: validateMatch`` (conditions present; exactly one of action or splits)."""
    errs: list[str] = []
    if not match.conditions:
        errs.append(required(f"{path}.conditions", "must specify at least one condition"))
    for i, condition in enumerate(match.conditions):
        errs.extend(_validate_condition(condition, f"{path}.conditions[{i}]"))
    count = 0
    if match.action is not None:
        errs.extend(_validate_action(match.action, f"{path}.action", upstreams, route_path, True, plus))
        count += 1
    if match.splits:
        errs.extend(_validate_splits(match.splits, f"{path}.splits", upstreams, route_path, plus))
        count += 1
    if count != 1:
        errs.append(invalid(path, "", "must specify exactly one of `action` or `splits`"))
    return errs


_CONDITION_VARIABLES = frozenset(
    {
        "$args",
        "$http2",
        "$https",
        "$remote_addr",
        "$remote_port",
        "$query_string",
        "$request",
        "$request_body",
        "$request_uri",
        "$request_method",
        "$scheme",
    }
)
"""``virtualserver.go :: validVariableNames``."""


def _validate_condition(condition: Condition, path: str) -> list[str]:
    """``virtualserver.go :: validateCondition``: exactly one of header/cookie/argument/variable, escaped value."""
    errs: list[str] = []
    count = 0
    if condition.header:
        if not _go_fullmatch(r"[-A-Za-z0-9]+", condition.header):
            msg = regex_error(
                "a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", "X-Header-Name"
            )
            errs.append(invalid(f"{path}.header", condition.header, msg))
        count += 1
    for key, what, example in (("cookie", "cookie", "my_cookie_123"), ("argument", "argument", "argument_123")):
        value = getattr(condition, key)
        if value:
            if not _go_fullmatch(r"[_A-Za-z0-9]+", value):
                msg = regex_error(
                    f"a valid {what} name must consist of alphanumeric characters or '_'", "[_A-Za-z0-9]+", example
                )
                errs.append(invalid(f"{path}.{key}", value, msg))
            count += 1
    if condition.variable:
        if not condition.variable.startswith("$"):
            errs.append(invalid(f"{path}.variable", condition.variable, "must start with `$`"))
        elif condition.variable not in _CONDITION_VARIABLES:
            errs.append(invalid(f"{path}.variable", condition.variable, "is not allowed or is not an NGINX variable"))
        count += 1
    if count != 1:
        errs.append(invalid(path, "", "must specify exactly one of: `header`, `cookie`, `argument` or `variable`"))
    if not _go_fullmatch(_ESCAPED_FMT, condition.value):
        msg = regex_error(_ESCAPED_MSG, _ESCAPED_FMT, "value-123")
        errs.append(invalid(f"{path}.value", condition.value, msg))
    return errs


def _validate_route(
    route: Route, path: str, upstreams: set[str], route_forbidden: bool, namespace: str, plus: bool = False
) -> list[str]:
    """``virtualserver.go :: validateRoute``: path, policies, exactly one of action/splits/route/routeSelector."""
    errs = _validate_route_path(route.path, f"{path}.path")
    errs.extend(validate_policy_refs(route.policies, f"{path}.policies", namespace))
    count = 0
    if route.action is not None:
        errs.extend(_validate_action(route.action, f"{path}.action", upstreams, route.path, False, plus))
        count += 1
    if route.splits:
        errs.extend(_validate_splits(route.splits, f"{path}.splits", upstreams, route.path, plus))
        count += 1
    for i, match in enumerate(route.matches):
        errs.extend(_validate_match(match, f"{path}.matches[{i}]", upstreams, route.path, plus))
    if route.route_selector:
        count += 1
    if route.route:
        if route_forbidden:
            errs.append(forbidden(f"{path}.route", "is not allowed"))
        else:
            errs.extend(invalid(f"{path}.route", route.route, m) for m in qualified_name_errors(route.route))
            count += 1
    if count != 1:
        msg = "must specify exactly one of `action`, `splits`, `route` or `routeSelector`"
        if route_forbidden or route.matches:
            msg = "must specify exactly one of `action` or `splits`"
        errs.append(invalid(path, "", msg))
    return errs


def _path_category(path: str) -> str:
    """``virtualserver.go :: subrouteModifierCategory``."""
    if path.startswith("~"):
        return "regex"
    if path.startswith("="):
        return "exact"
    if path.startswith("^~"):
        return "longest-prefix"
    return "prefix"


def validate_virtual_server(vs: VirtualServer, settings: ControllerSettings) -> tuple[str, ...]:
    """``virtualserver.go :: validateVirtualServerSpec``: host, tls, policies, upstreams, routes.

    A failure Rejects the VS: ``VirtualServer <ns>/<name> was rejected with error: <aggregate>``.
    """
    ns = vs.meta.ref.namespace
    errs = _validate_host(vs.host, "spec.host")
    if vs.tls is not None:
        errs.extend(_k8s_name_errors(vs.tls.secret, "spec.tls.secret"))
        redirect = vs.tls.redirect
        if redirect is not None:
            if redirect.code not in (301, 302, 307, 308):
                msg = "status code out of accepted range. accepted values are '301', '302', '307', '308'"
                errs.append(invalid("spec.tls.redirect.code", redirect.code, msg))
            if redirect.based_on not in ("", "scheme", "x-forwarded-proto"):
                msg = "accepted values are 'scheme', 'x-forwarded-proto'"
                errs.append(invalid("spec.tls.redirect.basedOn", redirect.based_on, msg))
        if vs.tls.cert_manager:  # validateTLSCmFields
            if not settings.enable_cert_manager:
                errs.append(forbidden("spec.tls.cert-manager", "field requires cert-manager enablement"))
            if not vs.tls.secret:
                errs.append(forbidden("spec.tls.cert-manager", "field requires TLS.Secret to be specified"))
    errs.extend(validate_policy_refs(vs.policies, "spec.policies", ns))
    ups_errs, upstreams = _validate_upstreams(vs.upstreams, "spec.upstreams", settings.plus)
    errs.extend(ups_errs)
    errs.extend(_validate_vs_routes(vs.routes, upstreams, ns, settings.plus))
    return tuple(errs)


def _validate_vs_routes(routes: Sequence[Route], upstreams: set[str], ns: str, plus: bool = False) -> list[str]:
    """``virtualserver.go :: validateVirtualServerRoutes`` (duplicate paths after normalisation, VSR categories)."""
    errs: list[str] = []
    seen: set[str] = set()
    categories: dict[str, list[tuple[str, int]]] = {}
    for i, route in enumerate(routes):
        idx = f"spec.routes[{i}]"
        route_errs = _validate_route(route, idx, upstreams, False, ns, plus)
        norm = normalize_path(route.path)
        if route_errs:
            errs.extend(route_errs)
        elif norm in seen:
            errs.append(duplicate(f"{idx}.path", route.path))
        else:
            seen.add(norm)
        if route.route:
            key = route.route if "/" in route.route else f"{ns}/{route.route}"
            categories.setdefault(key, []).append((_path_category(route.path), i))
    for key, infos in categories.items():
        first = infos[0][0]
        for category, i in infos[1:]:
            if category != first:
                msg = (
                    f"routes referencing the same VirtualServerRoute '{key}' must use the same modifier type, "
                    f"but got '{first}' and '{category}'"
                )
                errs.append(invalid(f"spec.routes[{i}].path", routes[i].path, msg))
    return errs


def validate_virtual_server_route(
    vsr: VirtualServerRoute,
    settings: ControllerSettings,
    *,
    vs_host: str = "",
    vs_paths: Sequence[str] = (),
    standalone_valid: bool = False,
) -> tuple[str, ...]:
    """``virtualserver.go :: validateVirtualServerRouteSpec``.

    Without ``vs_host``/``vs_paths`` this is ``ValidateVirtualServerRoute`` (the standalone check that Rejects the
    VSR); with them it is ``ValidateVirtualServerRouteForVirtualServer`` (host must equal the VS host, subroutes
    must fit the VS route paths), whose failure NIC reports as a VS warning ``VirtualServerRoute <key> is invalid:``.

    ``standalone_valid``: the VSR passed ``ValidateVirtualServerRoute`` already (a VS only ever attaches those). The
    host, upstream and per-subroute checks would run again with the same arguments and find nothing, so only the
    checks that depend on the VS run: the same errors, without validating every VSR once more per VS.
    """
    ns = vsr.meta.ref.namespace
    errs = [] if standalone_valid else _validate_host(vsr.host, "spec.host")
    if vs_host and vsr.host != vs_host:
        errs.append(invalid("spec.host", vsr.host, f"must be equal to '{vs_host}'"))
    upstreams: set[str] = set()
    if not standalone_valid:
        ups_errs, upstreams = _validate_upstreams(vsr.upstreams, "spec.upstreams", settings.plus)
        errs.extend(ups_errs)
    route_check = None if standalone_valid else _RouteCheck(upstreams, ns, settings.plus)
    errs.extend(_validate_subroutes(vsr.subroutes, list(vs_paths), route_check))
    return tuple(errs)


@dataclass(frozen=True)
class _RouteCheck:
    """``validateRoute`` for a VSR's subroutes, bound to its upstreams and namespace (None: they passed already)."""

    upstreams: set[str]
    namespace: str
    plus: bool

    def __call__(self, route: Route, path: str) -> list[str]:
        return _validate_route(route, path, self.upstreams, True, self.namespace, self.plus)


def _route_errors(check: _RouteCheck | None, route: Route, path: str) -> list[str]:
    return check(route, path) if check is not None else []


def _validate_subroutes(routes: Sequence[Route], vs_paths: list[str], check: _RouteCheck | None) -> list[str]:
    """``virtualserver.go :: validateVirtualServerRouteSubroutes`` and its standalone/exact/regex/prefix variants."""
    base = "spec.subroutes"
    if not vs_paths:
        return _validate_subroutes_standalone(routes, check) if check is not None else []
    if len(vs_paths) > 1 and any(not p.startswith("~") for p in vs_paths):
        return [invalid(base, "subroutes", "multiple VS route paths are only supported for regex routes")]
    first = vs_paths[0]
    if first.startswith("="):
        if len(routes) != 1:
            return [invalid(base, "subroutes", "must have only one subroute if exact match is being used")]
        if normalize_path(routes[0].path) != normalize_path(first):
            msg = f"must have the same path as the referenced VirtualServer route path '{first}'"
            return [invalid(f"{base}[0].path", routes[0].path, msg)]
        return _route_errors(check, routes[0], f"{base}[0]")
    if first.startswith("~"):
        return _validate_subroutes_regex(routes, vs_paths, check)
    errs: list[str] = []
    seen: set[str] = set()
    norm_vs = normalize_path(first)
    for i, route in enumerate(routes):
        idx = f"{base}[{i}]"
        route_errs = _route_errors(check, route, idx)
        norm = normalize_path(route.path)
        if norm_vs and not norm.startswith(norm_vs):
            route_errs.append(invalid(f"{idx}.path", route.path, f"must start with '{first}'"))
        if route_errs:
            errs.extend(route_errs)
        elif norm in seen:
            errs.append(duplicate(f"{idx}.path", route.path))
        else:
            seen.add(norm)
    return errs


def _validate_subroutes_standalone(routes: Sequence[Route], check: _RouteCheck) -> list[str]:
    errs: list[str] = []
    if len(routes) > 1:
        first = _path_category(routes[0].path)
        for i, route in enumerate(routes[1:], start=1):
            category = _path_category(route.path)
            if category != first:
                msg = f"all subroutes must use the same path modifier type; got '{first}' and '{category}'"
                errs.append(invalid(f"spec.subroutes[{i}].path", route.path, msg))
        if errs:
            return errs
    seen: set[str] = set()
    for i, route in enumerate(routes):
        idx = f"spec.subroutes[{i}]"
        route_errs = check(route, idx)
        norm = normalize_path(route.path)
        if route_errs:
            errs.extend(route_errs)
        elif norm in seen:
            errs.append(duplicate(f"{idx}.path", route.path))
        else:
            seen.add(norm)
    return errs


def _validate_subroutes_regex(routes: Sequence[Route], vs_paths: list[str], check: _RouteCheck | None) -> list[str]:
    errs: list[str] = []
    seen: set[str] = set()
    for i, route in enumerate(routes):
        norm = normalize_path(route.path)
        if norm in seen:
            errs.append(duplicate(f"spec.subroutes[{i}].path", route.path))
        seen.add(norm)
    if errs:
        return errs
    vs_set = {normalize_path(p) for p in vs_paths}
    for p in vs_paths:
        if normalize_path(p) not in seen:
            msg = f"subroute with path '{p}' is missing; all VS route paths must be covered by VSR subroutes"
            errs.append(invalid("spec.subroutes", "subroutes", msg))
    for i, route in enumerate(routes):
        if normalize_path(route.path) not in vs_set:
            msg = (
                f"subroute path '{route.path}' is not referenced by any VS route; all VSR subroutes must be referenced"
            )
            errs.append(invalid(f"spec.subroutes[{i}].path", route.path, msg))
    if errs:
        return errs
    for i, route in enumerate(routes):
        errs.extend(_route_errors(check, route, f"spec.subroutes[{i}]"))
    return errs
