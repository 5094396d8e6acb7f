"""The probe plan: which requests to send at the rehearsal nginx, and what each one should get.

Why it exists: the rehearsal proves the report, so every expectation here is read off ``analysis/explain``'s
predictions (per host, per location, per client scenario, and its upstream-TLS facts). This module adds only
facts about the *test material* (``material.py``: does this client chain to the host's CA bundle, through how many
intermediates; does the upstream certificate we serve carry the name NGINX checks) and an NGINX fact that explain
does not model (an untrusted upstream certificate is refused exactly when ``proxy_ssl_verify`` is on), cited where
used. It never re-derives a NIC rule. Pure: no sockets, no files written (it reads the clock for the dates of the
client material).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from inspector import pki
from inspector.analysis.explain import (
    Explanation,
    Prediction,
    explain,
    select_location,
)
from inspector.nic.secrets import written_path
from inspector.rehearse.material import Material, bundle_certificates, chain_fit, covers_name
from inspector.report import HostReport, LocationReport, Report

World = Literal["main", "untrusted"]
"""``main``: upstreams serve the trusted material; ``untrusted``: a second nginx whose upstreams serve a
certificate from a CA nobody trusts (one nginx cannot hold both: upstream names are fixed by NIC)."""


@dataclass(frozen=True)
class Materials:
    """Everything a probe may carry or a backend may serve."""

    clients: tuple[Material, ...]
    """Client certificates to try against each host's CA bundle (given, or the sample's)."""
    unknown: Material
    """A client from a throwaway CA."""
    upstream: Material | None
    """The upstream server certificate the trusted CA is expected to sign (given, or the sample's)."""
    untrusted: Material
    """An upstream certificate from a throwaway CA, carrying every name NGINX checks."""
    given_client: str = ""
    """Label of the client certificate the user gave (probed even when it does not chain)."""


@dataclass(frozen=True)
class Expected:
    """What a probe should observe: the prediction, plus what the backend must report when it is reached."""

    status: int | None
    title: str
    detail: str
    upstream: str = ""
    """The upstream block that must answer (routing check), "" when not checked."""
    client_cert: str | None = None
    """Fingerprint the upstream must have seen, "" for none, None when not checked."""
    upstream_tls: bool | None = None


@dataclass(frozen=True)
class Probe:
    id: int
    host: str
    """Sent as SNI and Host."""
    path: str
    """The location as NIC writes it."""
    request: str
    scenario: str
    world: World
    scheme: Literal["https", "http"]
    listen_port: int
    """The port as rendered (443, 80); the runner maps it to the unix socket nginx listens on instead."""
    client: Material | None
    expected: Expected
    material: str = ""
    """Label of the client/upstream material used (shown in the detail)."""
    risk: str = ""


@dataclass(frozen=True)
class Skipped:
    host: str
    path: str
    scenario: str
    reason: str


@dataclass(frozen=True)
class Plan:
    probes: tuple[Probe, ...]
    skipped: tuple[Skipped, ...]
    upstream_schemes: Mapping[str, str] = field(default_factory=dict)
    """Upstream block name -> ``https`` (TLS backend) or ``http``."""

    def worlds(self) -> tuple[World, ...]:
        return tuple(w for w in ("main", "untrusted") if any(p.world == w for p in self.probes))


_LISTEN = re.compile(r"listen\s+(?:(\[[^\]]*\]|[\d.]+):)?(\d+)([^;]*);")
_LOC = re.compile(r"^(=|\^~|~\*|~)?\s*(.*)$", re.S)
_PASSING = (200, 502)
"""Statuses that mean the request got past nginx's own checks to the proxying stage."""


def listen_ports(server_text: str) -> tuple[int | None, int | None]:
    """(TLS port, plain port) of a rendered server block (IPv4/any-address listens only)."""
    tls = plain = None
    for m in _LISTEN.finditer(server_text):
        if m.group(1) and m.group(1).startswith("["):
            continue
        port = int(m.group(2))
        if re.search(r"\bssl\b", m.group(3)):
            tls = tls if tls is not None else port
        else:
            plain = plain if plain is not None else port
    return tls, plain


def secret_file(report: Report, value: str) -> bytes | None:
    """Contents of the secret file a rendered directive names (``$secret_dir_path/x`` or ``/etc/nginx/secrets/x``;
    a CA reference may carry a second field, the CRL)."""
    return report.nic.secret_files.get(written_path(value))


def probe_host(server_name: str) -> str | None:
    """A concrete host name that ``server_name`` serves (wildcards filled in), None for regex names."""
    if server_name.startswith("~"):
        return None
    if server_name.startswith("*."):
        return "rehearsal" + server_name[1:]
    if server_name.startswith("."):
        return server_name[1:]
    if server_name.endswith(".*"):
        return server_name[:-1] + "rehearsal"
    return server_name


def request_path(loc: LocationReport) -> str | None:
    """A request path that selects this location, None for regex locations (no path is derived from them)."""
    m = _LOC.match(loc.path.strip())
    if m is None:
        return None
    modifier, value = m.group(1) or "", m.group(2).strip().strip("\"'")
    if modifier in ("~", "~*") or not value.startswith("/"):
        return None
    return value


def _display_title(status: int | None, title: str) -> str:
    if status is None:
        return title
    return title if title.startswith(f"{status} ") else str(status)


def _expected(pred: Prediction) -> Expected:
    return Expected(pred.status, _display_title(pred.status, pred.title), pred.detail)


@dataclass
class _Builder:
    report: Report
    materials: Materials
    probes: list[Probe] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, probe: Probe) -> None:
        self.probes.append(replace(probe, id=len(self.probes) + 1))

    def skip(self, host: str, path: str, scenario: str, reason: str) -> None:
        self.skipped.append(Skipped(host, path, scenario, reason))


def _client_scenarios(
    b: _Builder, h: HostReport, exp: Explanation, scheme: str
) -> list[tuple[str, Material | None, Expected, str]]:
    """(scenario, client material, expectation, material label) for one location."""
    out: list[tuple[str, Material | None, Expected, str]] = [
        ("no-client-cert", None, _expected(exp.prediction("no-client-cert")), "")
    ]
    if scheme != "https":
        return out
    unknown = b.materials.unknown
    out.append(("unknown-ca-client-cert", unknown, _expected(exp.prediction("unknown-ca-client-cert")), unknown.label))
    eff = h.ingress_effective
    verify = eff.get("ssl_verify_client")
    ca = eff.get("ssl_client_certificate")
    if h.result.fail_open or verify is None or verify.value in ("", "off") or ca is None or not ca.value:
        return out
    bundle = bundle_certificates(secret_file(b.report, ca.value) or b"")
    depth_value = eff.get("ssl_verify_depth")
    depth = int(depth_value.value) if depth_value is not None and depth_value.value.isdigit() else 1
    have_valid = False
    for m in b.materials.clients:
        fit = chain_fit(m, bundle)
        if fit.fit == "foreign":
            if m.label == b.materials.given_client:
                out.append(("unknown-ca-client-cert", m, _expected(exp.prediction("unknown-ca-client-cert")), m.label))
            continue
        if fit.fit == "expired" and not (fit.anchor_expired and _sent_in_date(m)):
            # A certificate the client sends is out of date: OpenSSL reports X509_V_ERR_CERT_HAS_EXPIRED for it,
            # which is explain's expired-client scenario. (An in-date client of an out-of-date CA, as with the
            # sample's expired CA, is the host's valid client: explain judges the CA's own dates.)
            out.append(("expired-client-cert", m, _expected(exp.prediction("expired-client-cert")), m.label))
            continue
        valid = exp.prediction("valid-client-cert")
        if fit.intermediates == 0:
            have_valid = True
            out.append(("valid-client-cert", m, _expected(valid), m.label))
            continue
        # nginx passes ssl_verify_depth to SSL_CTX_set_verify_depth: OpenSSL admits that many intermediates between
        # the leaf and the trust anchor. A longer chain is explain's too-deep-chain scenario (cut at that depth,
        # error 20, which optional_no_ca tolerates).
        k = fit.intermediates
        name = f"chain-client ({k} intermediate{'s' if k > 1 else ''})"
        if k <= depth:
            have_valid = True
            out.append((name, m, _expected(valid), m.label))
        else:
            deep = exp.prediction("too-deep-chain-client-cert")
            pred = replace(deep, detail=f"{k} intermediates > ssl_verify_depth {depth}: {deep.detail}")
            out.append((name, m, _expected(pred), m.label))
    if not have_valid:
        reason = "no client certificate issued by this host's CA: give --client-cert/--client-key"
        b.skip(h.host, "*", "valid-client-cert", reason)
    return out


def _sent_in_date(m: Material) -> bool:
    """Every certificate the client sends (leaf and intermediates) is in date."""
    now = dt.datetime.now(dt.UTC)
    return all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in (m.leaf, *m.chain))


def _upstream_fingerprint(b: _Builder, exp: Explanation) -> tuple[str | None, str]:
    """The fingerprint the upstream must see ("" when no client certificate is sent), None when unknown."""
    up = exp.upstream
    if up is None or not up.client_cert_sent:
        return "", ""
    certs = bundle_certificates(secret_file(b.report, up.client_cert) or b"")
    if not certs:
        return None, f"cannot read {up.client_cert}"
    return pki.fingerprint(certs[0]), ""


def _upstream_name(exp: Explanation, loc: LocationReport) -> str | None:
    """The name nginx checks the upstream certificate against (``proxy_ssl_name``): ``$proxy_host`` is the host
    part of ``proxy_pass``, which NIC writes as the upstream block name."""
    name = exp.upstream.ssl_name if exp.upstream is not None else ""
    if name == "$proxy_host":
        return loc.result.upstream
    return None if "$" in name else name


def _trusted_status(b: _Builder, exp: Explanation, loc: LocationReport, material: Material) -> tuple[int | None, str]:
    """Explain's upstream status, and 502 where the upstream certificate we serve would fail nginx's check."""
    up = exp.upstream
    if up is None or not up.tls or not up.server_verified or up.status != 200:
        return (up.status if up is not None else 200), ""
    bundle = bundle_certificates(secret_file(b.report, up.trusted_ca) or b"")
    fit = chain_fit(material, bundle)
    if fit.fit != "valid":
        return 502, f"{material.label} does not chain to {up.trusted_ca} ({fit.reason})"
    name = _upstream_name(exp, loc)
    if name is not None and not covers_name(material.leaf, name):
        return 502, f"{material.label} does not carry the name nginx checks ({name})"
    return 200, ""


def _location(b: _Builder, h: HostReport, host: str, loc: LocationReport, scheme: str, port: int) -> None:
    path = request_path(loc)
    if path is None:
        b.skip(h.host, loc.path, "*", "regex location: no request path is derived from it")
        return
    chosen, _ = select_location(h.locations, path)
    if chosen is not loc:
        b.skip(h.host, loc.path, "*", f"request {path} selects {chosen.path if chosen else 'no location'}")
        return
    exp = explain(b.report, host, path)
    public = {x.path for x in h.locations if not x.result.internal and not x.path.startswith("@")}
    if exp.location != loc.path and exp.location in public:
        # explain may continue into an internal location (VS split/match/return: @return_0); another *public*
        # location would mean explain and the rehearsal disagree on the request path itself
        b.skip(h.host, loc.path, "*", f"explain picks {exp.location} for {path}")
        return
    # The location that proxies: the public one, or the internal one explain continues into (VS splits/matches)
    target = next((x for x in h.locations if x.path == exp.location), loc)
    up = exp.upstream
    tls_up = up is not None and up.tls
    verified = up is not None and up.tls and up.server_verified
    upstream_material = b.materials.upstream
    base = Probe(
        0,
        host,
        loc.path,
        path,
        "",
        "main",
        "https" if scheme == "https" else "http",
        port,
        None,
        Expected(None, "", ""),
    )
    passing: list[Material | None] = []
    """The first client that gets past nginx's own checks here: it carries the egress probes."""
    for scenario, client, expected, label in _client_scenarios(b, h, exp, scheme):
        risk = ""
        if expected.status in _PASSING:
            if target.result.grpc:
                b.skip(h.host, loc.path, scenario, "gRPC upstream: the rehearsal has no HTTP/2 gRPC backend")
                continue
            if not passing:
                passing.append(client)
            if verified and upstream_material is None and expected.status == 200:
                # Without a certificate the trusted CA signed (--upstream-cert), the upstream serves an untrusted
                # one and nginx answers 502: still proof that the request got past the client checks.
                expected = replace(
                    expected,
                    status=502,
                    title="502",
                    detail=f"{expected.detail}; the rehearsal upstream's certificate is untrusted "
                    "(no --upstream-cert): 502 shows the request passed the client checks",
                )
            elif tls_up and upstream_material is not None:
                status, why = _trusted_status(b, exp, target, upstream_material)
                if status != expected.status:
                    expected = replace(expected, status=status, title=str(status), detail=why)
            if expected.status == 200 and target.result.upstream:
                expected = replace(expected, upstream=target.result.upstream)
            if h.result.fail_open and client is None:
                risk = "fail-open: served without any client certificate (ingressMTLS is not enforced here)"
        elif client is None and expected.status == 500:
            risk = "500: NIC renders `return 500;` here, no request reaches the upstream"
        elif client is None and h.result.ssl_reject_handshake:
            risk = "refused: every TLS handshake for this host is refused (ssl_reject_handshake on)"
        b.add(replace(base, scenario=scenario, client=client, expected=expected, material=label, risk=risk))
    if not passing or up is None or not up.scheme or target.result.grpc:
        return
    client = passing[0]
    fingerprint, why = _upstream_fingerprint(b, exp)
    client_label = client.label if client is not None else "no client certificate"

    def reached(status: int | None, detail: str, tls: bool) -> Expected:
        ok = status == 200
        return Expected(
            status,
            str(status),
            detail,
            upstream=target.result.upstream if ok else "",
            client_cert=fingerprint if ok else None,
            upstream_tls=tls if ok else None,
        )

    if tls_up:
        if upstream_material is not None:
            status, reason = _trusted_status(b, exp, target, upstream_material)
            b.add(
                replace(
                    base,
                    scenario="egress-upstream",
                    client=client,
                    expected=reached(status, reason or why or up.detail, True),
                    material=f"{client_label}; upstream {upstream_material.label}",
                )
            )
        # An upstream whose certificate no trusted CA signed: nginx refuses it exactly when proxy_ssl_verify is on
        # (ngx_http_upstream_ssl_handshake: SSL_get_verify_result), whatever the name.
        status = 502 if up.server_verified else 200
        b.add(
            replace(
                base,
                scenario="untrusted-upstream",
                world="untrusted" if upstream_material is not None else "main",
                client=client,
                expected=reached(
                    status,
                    "proxy_ssl_verify on: an upstream certificate from an unknown CA is refused"
                    if up.server_verified
                    else "proxy_ssl_verify off: any upstream certificate is accepted",
                    True,
                ),
                material=f"{client_label}; upstream {b.materials.untrusted.label}",
                risk="" if up.server_verified else "the upstream's identity is not checked",
            )
        )
    elif any(e.source != "default" for e in target.effective.values()):
        b.add(
            replace(
                base,
                scenario="egress-upstream",
                client=client,
                expected=reached(200, up.detail, False),
                material=client_label,
                risk="egressMTLS is rendered but the upstream is plain HTTP: no client certificate, no TLS",
            )
        )


def _upstream_schemes(report: Report) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in report.hosts:
        for loc in h.locations:
            if loc.result.upstream:
                tls = loc.result.upstream_scheme in ("https", "grpcs")
                if tls or loc.result.upstream not in out:
                    out[loc.result.upstream] = "https" if tls else "http"
    return out


def make_plan(report: Report, materials: Materials, hosts: Sequence[str] = ()) -> Plan:
    """Probes for every host of the report (or only ``hosts``), in report order."""
    b = _Builder(report, materials)
    wanted = {x.lower() for x in hosts}
    for h in report.hosts:
        if wanted and h.host.lower() not in wanted:
            continue
        if h.result.rejected:
            b.skip(h.host, "", "*", f"{h.resource} is rejected by NIC: it has no configuration to rehearse")
            continue
        host = probe_host(h.host)
        if host is None:
            b.skip(h.host, "", "*", "regex server_name: no host name is derived from it")
            continue
        tls_port, plain_port = listen_ports(h.text)
        scheme: Literal["https", "http"] = "https" if h.result.tls and tls_port is not None else "http"
        port = tls_port if scheme == "https" else plain_port
        if port is None:
            b.skip(
                h.host,
                "",
                "*",
                "NIC writes no listen for this server (gRPC without TLS): nginx falls back to *:8000 as an "
                "unprivileged process, a port NIC's Service does not expose; not probed",
            )
            continue
        for loc in h.locations:
            if loc.result.internal or loc.path.startswith("@"):
                continue
            _location(b, h, host, loc, scheme, port)
    return Plan(tuple(b.probes), tuple(dict.fromkeys(b.skipped)), _upstream_schemes(report))
