"""``explain``: for one request (host and path), which server and location NGINX picks, which policies apply there,
the mTLS settings in force with where each value came from, and what a client would get.

The selection follows NGINX's own rules (``ngx_http_core_find_location``, ``server_name`` docs): exact server name,
then the longest leading wildcard, then the longest trailing wildcard; within the server an exact ``=`` location
wins at once, otherwise the longest prefix is remembered, ``^~`` on it stops the search, otherwise regex locations
are tried in configuration order and the first match wins, otherwise the longest prefix is used. VS routes and
VSR subroutes are locations like any other (the replica gives them as ``LocationResult``).

Predictions are data (``Prediction``), so the rehearsal can check them against real nginx. They are read off the
report (statuses, effective settings, 500/fail-open flags, what a location does, the certificate facts of the
client CA file); nothing here re-derives a NIC rule. The nginx/OpenSSL behaviour they encode (verify error numbers,
which errors ``optional_no_ca`` tolerates, the depth cut, the CA's own dates) is proven against nginx 1.22 in
``tests/test_explain_nginx.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from inspector.analysis import certs
from inspector.analysis.effective import Effective
from inspector.analysis.findings import Finding
from inspector.analysis.report_types import HostReport, LocationReport, PolicyUse, Report
from inspector.model import ObjectRef, PromisedSecret
from inspector.nic.secrets import promised_reference, written_path

NO_CERT_TITLE = "400 No required SSL certificate was sent"
"""NGINX's page title when ``ssl_verify_client on`` and the client sent no certificate (ngx_http_special_response)."""
CERT_ERROR_TITLE = "400 The SSL certificate error"
"""NGINX's page title when the client certificate fails verification."""

SCENARIOS = (
    "no-client-cert",
    "valid-client-cert",
    "unknown-ca-client-cert",
    "expired-client-cert",
    "too-deep-chain-client-cert",
)
"""The client scenarios every explanation predicts, in this order. A "valid" certificate is in date and issued
directly by a CA of the bundle (a longer chain also needs ``verifyDepth`` >= its intermediates, see
``certs.required_depth``); "unknown CA" is issued by a CA outside the bundle and sent alone; "expired" is issued by
the bundle's CA but past ``notAfter``; "too deep" is an in-date chain with more intermediates than
``ssl_verify_depth`` admits."""

# OpenSSL verify errors as nginx logs them ("client SSL certificate verify error: (N:text)") and puts them in
# $ssl_client_verify ("FAILED:text"). Seen in nginx 1.22.1 / OpenSSL 3.0 (tests/test_explain_nginx.py).
ERR_NOT_YET_VALID = "9: certificate is not yet valid"
ERR_EXPIRED = "10: certificate has expired"
ERR_NO_LOCAL_ISSUER = "20: unable to get local issuer certificate"
"""No issuer in the trust store for the last certificate of the chain: an unknown CA's chain sent with its
intermediates, and a chain cut at ``ssl_verify_depth`` (OpenSSL stops looking for issuers there; it does not
report 22 "certificate chain too long")."""
ERR_FIRST_CERT = "21: unable to verify the first certificate"
"""An unknown CA's leaf sent alone (the chain has one certificate and no issuer is found)."""


@dataclass(frozen=True)
class Prediction:
    """What one kind of client gets. ``status`` None means no HTTP response (handshake refused, no server)."""

    scenario: str
    status: int | None
    title: str
    """Short outcome: NGINX's page title for 400s, ``no check: fail-open``, ``handshake rejected``, ..."""
    detail: str


@dataclass(frozen=True)
class UpstreamTLS:
    """How NGINX talks to the upstream for this location."""

    scheme: str
    """``https``/``grpcs`` (TLS), ``http``/``grpc`` (none), or "" (no upstream: return/redirect)."""
    tls: bool
    client_cert_sent: bool
    client_cert: str
    server_verified: bool
    trusted_ca: str
    sni_sent: bool
    ssl_name: str
    protocols: str
    status: int | None
    """Predicted status for a client that got past the ingress checks: 200 (the upstream's answer) or 502."""
    detail: str


@dataclass(frozen=True)
class PolicyStep:
    """A policy met on the way to this location, with its fate here."""

    key: str
    type: str
    scope: str
    context: str
    owner: str
    """``Kind ns/name`` of the resource whose list holds the reference."""
    field: str
    source: str
    """``file:line`` of the reference."""
    status: str
    reason: str
    nic_warning: str | None


@dataclass(frozen=True)
class Explanation:
    host: str
    path: str
    server: str | None
    """The ``server_name`` NGINX picks, None when only NIC's default server would answer."""
    server_match: str
    """``exact``, ``wildcard``, or ``default server``."""
    resource: ObjectRef | None
    location: str | None
    """The location as NIC writes it (``/tea``, ``= /exact``, ``~ ^/re``), None when none matches."""
    location_match: str
    location_resource: ObjectRef | None
    candidates: tuple[str, ...]
    """Every location of the server that the request could reach, in configuration order."""
    tls: bool
    rejected: bool
    fail_open: bool
    returns_500: bool
    """Server or location returns 500 for this request."""
    policies: tuple[PolicyStep, ...]
    ingress: tuple[Effective, ...]
    egress: tuple[Effective, ...]
    predictions: tuple[Prediction, ...]
    upstream: UpstreamTLS | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    action: str = ""
    """What the chosen location does: ``proxy``, ``grpc``, ``return``, ``redirect``, or "" (none chosen)."""
    action_code: int | None = None
    """The status a ``return``/``redirect`` action answers with."""

    def prediction(self, scenario: str) -> Prediction:
        return next(p for p in self.predictions if p.scenario == scenario)


# --- server selection -----------------------------------------------------------------------------------------


def _server_match(name: str, host: str) -> tuple[int, int] | None:
    """Rank of ``name`` for ``host`` as NGINX orders them: exact, then longest leading, then trailing wildcard."""
    n, h = name.lower(), host.lower()
    if n == h:
        return (0, 0)
    if n.startswith("*.") and h.endswith(n[1:]) and len(h) > len(n) - 1:
        return (1, -len(n))
    if n.startswith(".") and (h == n[1:] or h.endswith(n)):
        return (1, -len(n))
    if n.endswith(".*") and h.startswith(n[:-1]):
        return (2, -len(n))
    return None


def select_server(report: Report, host: str) -> tuple[HostReport | None, str]:
    """The server block NGINX picks for ``host`` (ignoring hosts whose resource NIC rejected: no config)."""
    best: tuple[tuple[int, int], HostReport] | None = None
    rejected: HostReport | None = None
    for h in report.hosts:
        rank = _server_match(h.host, host)
        if rank is None:
            continue
        if h.result.rejected:
            rejected = rejected or h
            continue
        if best is None or rank < best[0]:
            best = (rank, h)
    if best is not None:
        return best[1], "exact" if best[0][0] == 0 else "wildcard"
    if rejected is not None:
        return rejected, "rejected"
    return None, "default server"


# --- location selection ---------------------------------------------------------------------------------------

_LOC_RE = re.compile(r"^(=|\^~|~\*|~)?\s*(.*)$", re.S)


def _parse_location(path: str) -> tuple[str, str]:
    m = _LOC_RE.match(path.strip())
    modifier, value = (m.group(1) or "", m.group(2)) if m else ("", path)
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return modifier, value


def select_location(locations: Sequence[LocationReport], path: str) -> tuple[LocationReport | None, str]:
    """NGINX's location search (``ngx_http_core_find_location`` + regex pass) over the public locations."""
    public = [loc for loc in locations if not loc.result.internal and not loc.path.startswith("@")]
    longest: tuple[int, LocationReport, str] | None = None
    for loc in public:
        modifier, value = _parse_location(loc.path)
        if modifier == "=":
            if path == value:
                return loc, "exact (=)"
            continue
        if modifier in ("", "^~") and path.startswith(value) and (longest is None or len(value) > longest[0]):
            longest = (len(value), loc, modifier)
    if longest is not None and longest[2] == "^~":
        return longest[1], "longest prefix with ^~ (regexes skipped)"
    for loc in public:
        modifier, value = _parse_location(loc.path)
        if modifier in ("~", "~*"):
            try:
                if re.search(value, path, re.I if modifier == "~*" else 0):
                    return loc, f"first matching regex ({modifier})"
            except re.error:
                continue
    if longest is not None:
        return longest[1], "longest prefix"
    return None, "no location matches"


def continuation(locations: Sequence[LocationReport], public: LocationReport) -> list[LocationReport]:
    """The internal locations a VS split/match route hands the request to (same route, deeper field path)."""
    base = public.result.origin_field
    if not base:
        return []
    return [
        x
        for x in locations
        if x.result.internal
        and x.result.resource == public.result.resource
        and x.result.origin_field.startswith(base)
        and x.result.origin_field[len(base) : len(base) + 1] in ("", ".")
    ]


# --- predictions ----------------------------------------------------------------------------------------------


def _value(
    settings: Mapping[str, Effective], suffix: str, prefixes: Sequence[str] = ("proxy_ssl_", "grpc_ssl_")
) -> str:
    for p in prefixes:
        eff = settings.get(p + suffix)
        if eff is not None:
            return eff.value
    return ""


def location_action(loc: LocationReport) -> str:
    """What the location does with a request. The VS replica says it (``LocationResult.action``); Ingress locations
    leave it unset because they always pass the request on (``proxy_pass``/``grpc_pass``)."""
    r = loc.result
    if r.action:
        return r.action
    if r.upstream_scheme:
        return "grpc" if r.grpc else "proxy"
    return ""


def _answered(loc: LocationReport, action: str) -> UpstreamTLS:
    """A ``return``/``redirect`` action: no upstream, the action's own code. NIC proxies the request to its 418
    server and ``error_page 418 =<code>`` turns that into the action's answer
    (``internal/configs/virtualserver.go :: generateLocationForReturn``, ``generateLocationForRedirect``)."""
    r = loc.result
    if action == "redirect":
        code = r.action_code or 301
        detail = f"redirect action: {code} to {r.action_target} (NIC's 418 server, error_page 418 ={code} <url>)"
    else:
        code = r.action_code or 200
        # nginx's header filter sends no body with 204 and 304 (ngx_http_header_filter_module.c: header_only).
        body = "no body" if code in (204, 304) else f"a body of type {r.action_type or 'text/plain'}"
        detail = f"return action: {code} with {body} (NIC's 418 server, error_page 418 ={code} {r.action_target})"
    return UpstreamTLS("", False, False, "", False, "", False, "", "", code, detail)


def _upstream(loc: LocationReport, upstream_name: str) -> UpstreamTLS:
    scheme = loc.result.upstream_scheme
    eff = loc.effective
    action = location_action(loc)
    if action in ("return", "redirect"):
        return _answered(loc, action)
    tls = scheme in ("https", "grpcs")
    cert = _value(eff, "certificate")
    verify = _value(eff, "verify") == "on"
    trusted = _value(eff, "trusted_certificate")
    sni = _value(eff, "server_name") == "on"
    name = _value(eff, "name") or "$proxy_host"
    protocols = _value(eff, "protocols")
    if not scheme:
        return UpstreamTLS(
            "", False, False, "", False, "", False, "", "", 200, "no upstream: the location answers itself"
        )
    if not tls:
        used = any(e.source != "default" for e in eff.values())
        detail = f"plain {scheme}:// to {upstream_name or loc.result.service}: no TLS, no client certificate"
        if used:
            detail += " (the egressMTLS settings are rendered but unused)"
        return UpstreamTLS(scheme, False, False, "", False, "", False, "", "", 200, detail)
    parts = [
        f"TLS to {upstream_name or loc.result.service}",
        f"client certificate {'sent: ' + cert if cert else 'not sent'}",
        f"server certificate {'verified against ' + (trusted or '(no trusted CA!)') if verify else 'not verified'}",
        f"SNI {'sent: ' + name if sni else 'not sent'}",
        f"name checked: {name}" if verify else "",
        f"protocols {protocols}" if protocols else "",
    ]
    status: int | None = 200
    if verify and name == "$proxy_host":
        status = 502
        parts.append(
            f"$proxy_host is the upstream block name ({upstream_name or '?'}), which no certificate carries: "
            "verification fails, 502"
        )
    elif verify and not trusted:
        status = 502
        parts.append("verification without a trusted CA fails: 502")
    return UpstreamTLS(
        scheme, True, bool(cert), cert, verify, trusted, sni, name, protocols, status, "; ".join(p for p in parts if p)
    )


@dataclass(frozen=True)
class ClientCA:
    """What the dates of the certificates in ``ssl_client_certificate`` mean for clients (from ``certs.fact``)."""

    error: str
    """The verify error every chain ending in the bundle gets, "" when some CA of the bundle is in date."""
    note: str


def client_ca(report: Report, h: HostReport, now: dt.datetime) -> ClientCA | None:
    """The out-of-date CA certificates of the host's ``ssl_client_certificate`` file, None when all are in date
    (or the file is unknown). OpenSSL checks the dates of every certificate on the chain, the trust anchor
    included, so a client whose own certificate is fine still fails when its CA is out of date: nginx logs
    ``(10:certificate has expired)`` and answers 400 (``sample-cluster/broken/expired-ca.yaml``)."""
    eff = h.ingress_effective.get("ssl_client_certificate")
    path = written_path(eff.value) if eff is not None else ""
    if not path:
        return None
    pem = report.nic.secret_files.get(path)
    if not pem:
        promise = _promised_at(report, path)
        if promise is None:
            return None
        return ClientCA(
            "",
            f"the CA bundle is made by {promise.maker}: which clients it admits is unknown until it exists",
        )
    facts = [certs.fact(c) for c in certs.load_bundle(pem)[0]]
    stale = [(f, f.status(now)) for f in facts if f.status(now) in ("expired", "not yet valid")]
    if not stale:
        return None
    listing = "; ".join(
        f"{f.subject} expired on {certs.fmt_time(f.not_after)}"
        if status == "expired"
        else f"{f.subject} is not valid before {certs.fmt_time(f.not_before)}"
        for f, status in stale
    )
    if len(stale) < len(facts):
        return ClientCA("", f"clients of the out-of-date CA(s) of the bundle ({listing}) get {CERT_ERROR_TITLE}")
    error = ERR_EXPIRED if any(status == "expired" for _, status in stale) else ERR_NOT_YET_VALID
    return ClientCA(
        error,
        f"the CA in ssl_client_certificate is out of date ({listing}); OpenSSL checks the trust anchor's dates "
        "too, so every client chain ending in it fails, whatever the client certificate",
    )


def _promised_at(report: Report, path: str) -> PromisedSecret | None:
    """The promised Secret whose file NIC would write at ``path`` (its content unknown), if any."""
    for promise in report.nic.promised_secrets.values():
        ref = promised_reference(promise)
        if ref is not None and path in ref.path.split():
            return promise
    return None


def _made_elsewhere_notes(report: Report, values: Sequence[Effective], directives: Sequence[str]) -> list[str]:
    """One note per directive whose file belongs to a Secret made elsewhere: who makes it, content unknown."""
    if not report.nic.promised_secrets:
        return []
    pairs = [(e.directive, written_path(e.value)) for e in values]
    for line in directives:
        fields = line.rstrip(";").split()
        if len(fields) >= 2 and fields[0] in ("ssl_certificate", "ssl_certificate_key"):
            pairs.append((fields[0], written_path(fields[1])))
    by_secret: dict[str, tuple[PromisedSecret, list[str]]] = {}
    for directive, path in pairs:
        promise = _promised_at(report, path) if path else None
        if promise is not None:
            used = by_secret.setdefault(promise.ref.key, (promise, []))[1]
            if directive not in used:
                used.append(directive)
    return [
        f"{', '.join(used)}: the file of Secret {key}, made by {promise.maker} (type {promise.type}; its content "
        "is unknown until it exists)"
        for key, (promise, used) in by_secret.items()
    ]


def _client_predictions(
    h: HostReport,
    verify_client: str,
    depth: str,
    loc_500: bool,
    after: int | None,
    after_detail: str,
    ca: ClientCA | None = None,
) -> tuple[Prediction, ...]:
    if h.result.ssl_reject_handshake:
        return tuple(
            Prediction(
                s, None, "handshake rejected", "ssl_reject_handshake on: the TLS secret of this host is unusable"
            )
            for s in SCENARIOS
        )
    if h.result.returns_500:
        return tuple(
            Prediction(s, 500, "500", "server-level return 500 (a policy failed); no client certificate is checked")
            for s in SCENARIOS
        )
    if h.result.fail_open:
        return tuple(
            Prediction(
                s,
                500 if loc_500 else after,
                "no check: fail-open",
                "host not in spec.tls.hosts: NIC leaves ingressMTLS out and serves plain HTTP",
            )
            for s in SCENARIOS
        )
    passed_status = 500 if loc_500 else after
    passed = "location returns 500" if loc_500 else after_detail
    if not h.result.tls or verify_client in ("", "off"):
        why = "no TLS on this host" if not h.result.tls else "ssl_verify_client off: no certificate is requested"
        return tuple(Prediction(s, passed_status, "no check", f"{why}; {passed}") for s in SCENARIOS)
    no_cert = (
        Prediction("no-client-cert", 400, NO_CERT_TITLE, "ssl_verify_client on and no certificate")
        if verify_client == "on"
        else Prediction("no-client-cert", passed_status, "served", f"ssl_verify_client {verify_client}; {passed}")
    )
    if ca is not None and ca.error:
        valid = Prediction("valid-client-cert", 400, CERT_ERROR_TITLE, f"{ca.error}: {ca.note}")
    else:
        caveat = f"; {ca.note}" if ca is not None else ""
        valid = Prediction(
            "valid-client-cert", passed_status, "verified", f"issued by a CA in the bundle{caveat}; {passed}"
        )
    # nginx passes ssl_verify_depth to SSL_CTX_set_verify_depth: N admits N intermediates (certs.required_depth).
    # OpenSSL stops looking for issuers at that depth, so a longer chain ends without a trusted issuer: error 20,
    # not 22 "certificate chain too long" (nginx 1.22.1 / OpenSSL 3.0).
    deep = f"more than {depth} intermediate CA(s): the chain is cut at ssl_verify_depth {depth}, {ERR_NO_LOCAL_ISSUER}"
    if verify_client == "optional_no_ca":
        # nginx ignores only the unknown-issuer family of verify errors in this mode (ngx_ssl_verify_error_optional,
        # src/event/ngx_event_openssl.h): 20 and 21 pass unverified ($ssl_client_verify FAILED:<reason>), an
        # expired certificate (10) is still refused. Proven against nginx 1.22 in tests/test_explain_nginx.py.
        unknown = Prediction(
            "unknown-ca-client-cert",
            passed_status,
            "not verified",
            f"{ERR_FIRST_CERT}, ignored by optional_no_ca ($ssl_client_verify FAILED); {passed}",
        )
        too_deep = Prediction(
            "too-deep-chain-client-cert",
            passed_status,
            "not verified",
            f"{deep}, ignored by optional_no_ca ($ssl_client_verify FAILED); {passed}",
        )
    else:
        unknown = Prediction(
            "unknown-ca-client-cert",
            400,
            CERT_ERROR_TITLE,
            f"{ERR_FIRST_CERT} (the leaf sent alone; sent with its intermediates: {ERR_NO_LOCAL_ISSUER})",
        )
        too_deep = Prediction("too-deep-chain-client-cert", 400, CERT_ERROR_TITLE, deep)
    expired = Prediction("expired-client-cert", 400, CERT_ERROR_TITLE, ERR_EXPIRED)
    return (no_cert, valid, unknown, expired, too_deep)


def _steps(uses: Sequence[PolicyUse]) -> tuple[PolicyStep, ...]:
    out = []
    for u in uses:
        o = u.outcome
        out.append(
            PolicyStep(
                key=o.source.key,
                type=o.type,
                scope=o.source.scope,
                context=o.source.context,
                owner=str(o.source.owner),
                field=o.source.field,
                source=u.source,
                status=o.status,
                reason=o.reason,
                nic_warning=o.warning.text if o.warning is not None else None,
            )
        )
    return tuple(out)


def explain(report: Report, host: str, path: str = "/", *, now: dt.datetime | None = None) -> Explanation:
    """Explain one request. Never raises for an unknown host or path: the explanation says what NGINX would do.

    ``now`` is the moment certificate dates are judged at (default: the current time).
    """
    at = now if now is not None else dt.datetime.now(dt.UTC)
    path = path if path.startswith("/") else "/" + path
    h, how = select_server(report, host)
    related = tuple(f for f in report.findings if f.host == host or (h is not None and f.host == h.host))
    if h is None or h.result.rejected:
        note = (
            f"{h.resource} is rejected by NIC: no configuration, NIC's default server answers"
            if h is not None
            else "no Ingress or VirtualServer serves this host"
        )
        preds = tuple(Prediction(s, 404, "default server", note) for s in SCENARIOS)
        return Explanation(
            host,
            path,
            None,
            "default server",
            h.resource if h else None,
            None,
            "",
            None,
            (),
            False,
            h is not None,
            False,
            False,
            (),
            (),
            (),
            preds,
            None,
            related,
            (note,),
        )
    loc, loc_how = select_location(h.locations, path)
    notes: list[str] = []
    if loc is not None and location_action(loc) == "":
        inner = continuation(h.locations, loc)
        if inner:
            chosen = next(
                (x for x in inner if x.path.endswith("_default")),
                next((x for x in inner if not x.path.startswith("@")), inner[0]),
            )
            notes.append(
                f"route {loc.path} continues in internal location(s) {', '.join(x.path for x in inner)} "
                f"(splits/matches); shown: {chosen.path}"
            )
            loc, loc_how = chosen, f"{loc_how}, then internal {chosen.path}"
    candidates = tuple(x.path for x in h.locations if not x.result.internal and not x.path.startswith("@"))
    uses = loc.policies if loc is not None else h.policies
    ingress = tuple(h.ingress_effective.values())
    egress = tuple(loc.effective.values()) if loc is not None else ()
    verify_client = h.ingress_effective.get("ssl_verify_client")
    depth = h.ingress_effective.get("ssl_verify_depth")
    vc = verify_client.value if verify_client is not None and not h.result.fail_open else ""
    upstream: UpstreamTLS | None = None
    loc_500 = bool(loc is not None and loc.result.returns_500)
    after: int | None
    if loc is None:
        after, after_detail = 404, "no location matches: 404"
    else:
        upstream = _upstream(loc, loc.result.upstream)
        after = upstream.status
        if upstream.status == 502:
            after_detail = "upstream TLS verification fails: 502"
        elif location_action(loc) in ("return", "redirect"):
            after_detail = upstream.detail
        elif not upstream.scheme:
            after_detail = "the location answers itself"
        else:
            after_detail = f"proxied to the upstream ({upstream.scheme}://)"
        if loc.result.grpc:
            notes.append("gRPC location: only location-level egress (grpc_ssl_*) applies here")
    if h.result.fail_open:
        notes.append("ingressMTLS is ignored for this host (W14): requests are not checked for a client certificate")
    notes += _made_elsewhere_notes(report, [*ingress, *egress], h.server_directives)
    ca = client_ca(report, h, at) if vc not in ("", "off") else None
    preds = _client_predictions(h, vc, depth.value if depth is not None else "1", loc_500, after, after_detail, ca)
    if loc is not None:
        related = tuple(f for f in related if f.path in (None, loc.path) or f.path not in candidates)
    return Explanation(
        host=host,
        path=path,
        server=h.host,
        server_match=how,
        resource=h.resource,
        location=loc.path if loc is not None else None,
        location_match=loc_how,
        location_resource=loc.result.resource if loc is not None else None,
        candidates=candidates,
        tls=h.result.tls,
        rejected=False,
        fail_open=h.result.fail_open,
        returns_500=h.result.returns_500 or loc_500,
        policies=_steps(uses),
        ingress=ingress,
        egress=egress,
        predictions=preds,
        upstream=upstream,
        findings=related,
        notes=tuple(notes),
        action=location_action(loc) if loc is not None else "",
        action_code=loc.result.action_code if loc is not None else None,
    )


__all__ = [
    "CERT_ERROR_TITLE",
    "ERR_EXPIRED",
    "ERR_FIRST_CERT",
    "ERR_NOT_YET_VALID",
    "ERR_NO_LOCAL_ISSUER",
    "NO_CERT_TITLE",
    "SCENARIOS",
    "ClientCA",
    "Explanation",
    "PolicyStep",
    "Prediction",
    "UpstreamTLS",
    "client_ca",
    "continuation",
    "explain",
    "location_action",
    "select_location",
    "select_server",
]
