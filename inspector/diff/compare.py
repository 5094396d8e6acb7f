"""Two postures side by side: every aspect that differs, classified weakened, strengthened or changed.

The verdict answers a reviewer's question, "does this change let more clients in, or send less protection
upstream?": weakened when it does (verification relaxed, a host served fail-open, a trust bundle that trusts more
issuers, a policy that no longer applies), strengthened for the opposite, changed for everything else (a CA
rotated, a 500 that appears, a host that appears or disappears).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from inspector.diff.posture import NOT_USED, Fact, Place, Posture, Responsible

Verdict = Literal["weakened", "strengthened", "changed"]
VERDICTS: tuple[Verdict, ...] = ("weakened", "changed", "strengthened")
"""In the order reports list them: what needs a reviewer's attention first."""

ASPECT_TITLES = {
    "presence": "host or location",
    "outcome": "outcome",
    "tls": "TLS termination",
    "client_verification": "client verification (ssl_verify_client)",
    "ingress_policy": "ingressMTLS policy in effect",
    "client_ca": "client CA bundle",
    "client_verify_depth": "client verify depth",
    "client_crl": "client CRL",
    "upstream_tls": "upstream protocol",
    "egress_policy": "egressMTLS policy in effect",
    "upstream_client_certificate": "client certificate sent upstream",
    "upstream_verification": "upstream verification",
    "upstream_trusted_ca": "trusted CA for the upstream",
    "upstream_verify_depth": "upstream verify depth",
    "upstream_ssl_name": "upstream name verified (sslName)",
    "upstream_sni": "SNI sent upstream",
    "upstream_protocols": "upstream TLS protocols",
    "upstream_ciphers": "upstream ciphers",
}


@dataclass(frozen=True)
class Change:
    host: str
    path: str | None
    """None at server scope."""
    aspect: str
    verdict: Verdict
    before: str
    after: str
    objects_before: tuple[Responsible, ...] = ()
    objects_after: tuple[Responsible, ...] = ()
    why: str = ""
    """One phrase on the verdict, e.g. "now trusts 1 more issuer"."""

    @property
    def title(self) -> str:
        return ASPECT_TITLES.get(self.aspect, self.aspect)


def compare(before: Posture, after: Posture) -> tuple[Change, ...]:
    """Every difference between two postures, hosts in name order, server scope before its locations."""
    changes: list[Change] = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], k[1] is not None, k[1] or "")):
        old, new = before.get(key), after.get(key)
        host, path = key
        if old is None or new is None:
            changes.append(_presence(host, path, old, new))
            continue
        for aspect in [*old.facts, *(a for a in new.facts if a not in old.facts)]:
            change = _aspect(host, path, aspect, old.facts.get(aspect), new.facts.get(aspect))
            if change is not None:
                changes.append(change)
    return tuple(changes)


def _presence(host: str, path: str | None, old: Place | None, new: Place | None) -> Change:
    what = "host" if path is None else "location"
    place = new or old
    objects = place.facts["outcome"].objects if place is not None and "outcome" in place.facts else ()
    return Change(
        host,
        path,
        "presence",
        "changed",
        "absent" if old is None else "present",
        "absent" if new is None else "present",
        objects if old is not None else (),
        objects if new is not None else (),
        f"{what} {'appears' if old is None else 'disappears'}",
    )


def _aspect(host: str, path: str | None, aspect: str, old: Fact | None, new: Fact | None) -> Change | None:
    """The change of one aspect; None when equal, or when it exists on one side only (the CA of a policy that no
    longer applies): the aspect that governs it (``ingress_policy``, ``outcome``) carries that change."""
    if old is None or new is None or old.value == new.value:
        return None
    verdict, why = _RULES.get(aspect, _plain)(old.value, new.value)
    return Change(host, path, aspect, verdict, old.text, new.text, old.objects, new.objects, why)


# --- rules per aspect ----------------------------------------------------------------------------------------

Rule = Callable[[object, object], tuple[Verdict, str]]


def _plain(old: object, new: object) -> tuple[Verdict, str]:
    return "changed", ""


def _ranked(order: Mapping[Any, int], weaker: str, stronger: str) -> Rule:
    """Values on a scale: lower is less protection. Unknown values only count as changed."""

    def rule(old: object, new: object) -> tuple[Verdict, str]:
        if old not in order or new not in order:
            return "changed", ""
        if order[new] < order[old]:
            return "weakened", weaker
        if order[new] > order[old]:
            return "strengthened", stronger
        return "changed", ""

    return rule


def _outcome(old: object, new: object) -> tuple[Verdict, str]:
    if new == "fail-open":
        return "weakened", "clients are no longer asked for a certificate"
    if old == "fail-open":
        return "strengthened", "no longer fail-open"
    if new in ("500", "refused", "not-served"):
        return "changed", "requests no longer reach the upstream"
    return "changed", ""


def _trust(old: object, new: object) -> tuple[Verdict, str]:
    """A trust bundle: trusting more issuers lets more certificates in."""
    if not isinstance(old, frozenset) or not isinstance(new, frozenset) or not old or not new:
        return "changed", ""
    if new > old:
        return "weakened", f"now trusts {len(new - old)} more issuer(s)"
    if new < old:
        return "strengthened", f"trusts {len(old - new)} issuer(s) fewer"
    return "changed", "a different CA (rotated?)"


def _depth(old: object, new: object) -> tuple[Verdict, str]:
    if isinstance(old, int) and isinstance(new, int):
        return ("weakened", "accepts longer chains") if new > old else ("strengthened", "accepts shorter chains only")
    return "changed", ""


def _present(what: str) -> Rule:
    """Something that protects when present (a CRL, a client certificate): dropping it weakens."""

    def rule(old: object, new: object) -> tuple[Verdict, str]:
        gone = new in ("", NOT_USED, frozenset())
        came = old in ("", NOT_USED, frozenset())
        if gone and not came:
            return "weakened", f"{what} no longer applies"
        if came and not gone:
            return "strengthened", f"{what} now applies"
        return "changed", ""

    return rule


def _protocols(old: object, new: object) -> tuple[Verdict, str]:
    if isinstance(old, frozenset) and isinstance(new, frozenset):
        if new > old:
            return "weakened", "accepts more protocol versions"
        if new < old:
            return "strengthened", "accepts fewer protocol versions"
    return _present("TLS to the upstream")(old, new) if NOT_USED in (old, new) else ("changed", "")


def _upstream_tls(old: object, new: object) -> tuple[Verdict, str]:
    tls = {"https": 1, "grpcs": 1, "http": 0, "grpc": 0}
    if old in tls and new in tls and tls[old] != tls[new]:
        return ("weakened", "talks plain text to the upstream") if tls[new] < tls[old] else ("strengthened", "")
    return "changed", ""


_VERIFY_CLIENT = {"off": 0, "optional_no_ca": 1, "optional": 2, "on": 3}
_ON_OFF = {NOT_USED: 0, "off": 0, "on": 1}

_RULES: dict[str, Rule] = {
    "outcome": _outcome,
    "tls": _ranked({False: 0, True: 1}, "no longer terminates TLS", "now terminates TLS"),
    "client_verification": _ranked(_VERIFY_CLIENT, "verification relaxed", "verification tightened"),
    "ingress_policy": _present("an ingressMTLS policy"),
    "client_ca": _trust,
    "client_verify_depth": _depth,
    "client_crl": _present("a CRL"),
    "upstream_tls": _upstream_tls,
    "egress_policy": _present("an egressMTLS policy"),
    "upstream_client_certificate": _present("a client certificate"),
    "upstream_verification": _ranked(_ON_OFF, "the upstream is no longer verified", "the upstream is now verified"),
    "upstream_trusted_ca": _trust,
    "upstream_verify_depth": _depth,
    "upstream_protocols": _protocols,
}


def worst(changes: tuple[Change, ...]) -> Verdict | None:
    """The verdict that needs attention first among ``changes``."""
    for verdict in VERDICTS:
        if any(c.verdict == verdict for c in changes):
            return verdict
    return None
