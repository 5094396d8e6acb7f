"""010-059, what NIC itself enforces: read off the replica's results (each reference's warning, the resource
warnings, rejections, policy errors, the ``returns_500``/``fail_open`` flags), never re-derived.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inspector.analysis.checks.catalogue import BY_ID
from inspector.analysis.checks.drafts import (
    Builder,
    Draft,
    consequence,
    iter_outcomes,
    object_of,
    policy_field_for_secret,
    qualified_secret,
    source_at,
)
from inspector.analysis.promised import provenance, wrong_type_note
from inspector.model import Cluster, Ingress, ObjectRef, Origin, Policy, field_path
from inspector.nic.messages import E1, INTERNAL, NicWarning
from inspector.nic.secrets import MISSING_SECRET_ERROR, SUPPORTED_SECRET_TYPES, TYPE_CA, TYPE_TLS, validate_secret
from inspector.nic.types import NicEvent, PolicyOutcome
from inspector.nic.validation import FieldError

if TYPE_CHECKING:
    from inspector.analysis.report_types import Report



def outcome_findings(b: Builder) -> None:
    """Findings from each reference's outcome (W1-W13): these carry the reference's file:line."""
    report, cluster = b.report, b.cluster
    for outcome, host, path in iter_outcomes(report):
        warning = outcome.warning
        if warning is None or not warning.text:
            continue
        text, name, args = warning.text, warning.cause, warning.args
        src = outcome.source
        owner = src.owner
        b.consumed.add((owner, text))
        policy_obj = cluster.policies.get(src.key)
        ref_at = src.owner_origin.at(src.field) if src.owner_origin else source_at(cluster, owner, src.field)
        if name == "W12":
            _missing_policy(b, outcome, text, host, path, ref_at)
            continue
        check_id = _W_TO_CHECK.get(name)
        secret = ""
        if name in ("W4", "W5", "W6", "W9", "W10", "W11"):
            secret = args[1]
            b.flagged_secrets.add(secret)
            pfield = policy_field_for_secret(policy_obj, secret)
            if name in ("W9", "W10", "W11"):
                check_id = "MTLS023" if pfield == "spec.egressMTLS.trustedCertSecret" else "MTLS022"
            missing = name in ("W4", "W9") or (name in ("W6", "W11") and args[2].startswith(MISSING_SECRET_ERROR))
            elsewhere = b.other_namespaces(secret) if missing and secret not in cluster.secrets else []
            if elsewhere:
                check_id = "MTLS024"
        if check_id is None:
            check_id = "MTLS030"
        chk = BY_ID[check_id]
        key = (chk.id, owner, src.key, text if chk.id == "MTLS030" else name[:3])
        d = b.draft(key, Draft(chk, "", owner, ref_at, policy=src.key))
        d.add_nic(text)
        d.add_host(host, path)
        if d.message:
            continue
        msg = text
        if secret:
            exists = cluster.secrets.get(secret)
            if chk.id == "MTLS024":
                msg += (
                    f" (a Secret named {secret.split('/', 1)[1]} exists in namespace(s) "
                    f"{', '.join(b.other_namespaces(secret))}; NIC looks only in the Policy's namespace "
                    f"{secret.split('/', 1)[0]})"
                )
            elif exists is not None and exists.type not in SUPPORTED_SECRET_TYPES:
                msg += f" (the Secret exists with type {exists.type}, which NIC ignores as if it did not exist)"
            else:
                msg += _provenance_note(b, d, secret, policy_field_for_secret(policy_obj, secret))
            if policy_obj is not None:
                pf = policy_field_for_secret(policy_obj, secret)
                if pf:
                    d.details.append(("policy field", f"{pf} at {policy_obj.meta.origin.at(pf)}"))
        d.message = msg
    for d in b.drafts.values():
        d.settle()  # invalid Policies' messages, now that every reference is folded in
        if d.check.outcome in ("500", "fail-open", "ignored") and d.check.nic_enforced:
            tail = consequence(d.check, d.hosts, d.paths[0] if len(d.paths) == 1 else None)
            if tail and tail not in d.message:
                d.message = f"{d.message}: {tail}"


_SPEC_PATH = re.compile(r"spec(?:\.[A-Za-z]+|\[\d+\])*")
_OBJECT_PATH = re.compile(r"(?:spec|metadata)(?:\.[A-Za-z]+|\[\d+\]|\[\"[^\"]*\"\])*")
"""The part of a field path that ``Origin`` has lines for (the replica's paths go deeper, into map keys)."""


def _policy_error_field(error: str) -> str | None:
    """Where a Policy's first validation error points (the error's own field path, never its text)."""
    fld = error.field if isinstance(error, FieldError) else ""
    m = _SPEC_PATH.match(fld)
    return m.group(0) if m else None


def _e1_text(report: Report, key: str, errors: Sequence[str]) -> str:
    for r in report.nic.resources:
        if r.ref.kind == "Policy" and r.ref.key == key:
            for e in r.events:
                if e.reason == "Rejected":
                    return e.message
    agg = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    ns, _, name = key.partition("/")
    return E1(ns, name, agg).text


def _invalid_policy_draft(b: Builder, key: str) -> Draft | None:
    result = next((p for p in b.report.nic.policies if p.key == key), None)
    if result is None or result.valid:
        return None
    ref = ObjectRef("Policy", *key.split("/", 1))

    def make() -> Draft:
        first = result.errors[0] if result.errors else ""
        fld = _policy_error_field(first)
        e1 = _e1_text(b.report, key, result.errors)
        d = Draft(BY_ID["MTLS010"], e1, ref, result.origin.at(fld) if fld else result.origin.at(), policy=key)
        d.add_nic(e1)
        return d

    return b.draft(("MTLS010", key), make)


def _missing_policy(b: Builder, outcome: PolicyOutcome, text: str, host: str, path: str | None, ref_at: str) -> None:
    """W12: find the cause (invalid policy, wrong class, unwatched namespace, absent) and report it once."""
    cluster, settings = b.cluster, b.report.settings
    src = outcome.source
    invalid = _invalid_policy_draft(b, src.key)
    if invalid is not None:
        invalid.add_nic(text)
        invalid.add_host(host, path)
        b.add_user(invalid, src.owner, f"{src.owner} ({src.field})")
        invalid._message_hosts = len(invalid.hosts)  # written by settle(), once every reference is in
        return
    if not settings.enable_custom_resources:
        # W16 and W12 are one cause: NIC reads the annotation but has no Policy objects at all.
        c26 = BY_ID["MTLS026"]
        d = b.draft((c26.id, src.owner), Draft(c26, "", src.owner, ref_at, policy=src.key))
        d.add_nic(text)
        d.add_host(host, path)
        d.message = d.message or f"custom resources are disabled: {consequence(c26, d.hosts, None)}"
        return
    pol = cluster.policies.get(src.key)
    ns = src.key.split("/", 1)[0]
    if pol is not None and pol.ingress_class_name and pol.ingress_class_name != settings.ingress_class:
        chk, why = (
            BY_ID["MTLS012"],
            (
                f"Policy {src.key} has ingressClassName {pol.ingress_class_name!r}, the controller's class is "
                f"{settings.ingress_class!r}"
            ),
        )
    elif settings.watch_namespaces and ns not in settings.watch_namespaces:
        chk, why = BY_ID["MTLS011"], f"namespace {ns} is not watched by NIC (-watch-namespace)"
    elif pol is None:
        chk = BY_ID["MTLS011"]
        name = src.key.split("/", 1)[1]
        others = [p.meta.ref.namespace for p in cluster.policies.values() if p.meta.ref.name == name]
        why = f"policy {src.key} doesn't exist" + (
            f" (a Policy {name} exists in namespace(s) {', '.join(others)}; a reference without a namespace "
            f"means the referencing resource's namespace)"
            if others
            else ""
        )
    else:
        chk, why = BY_ID["MTLS011"], f"NIC did not take Policy {src.key} into its policy map"
    d = b.draft((chk.id, src.owner, src.key), Draft(chk, "", src.owner, ref_at, policy=src.key))
    d.add_nic(text)
    d.add_host(host, path)
    d.message = f"{why}: {consequence(chk, d.hosts, d.paths[0] if len(d.paths) == 1 else None)}"


def all_hosts_taken(b: Builder) -> None:
    """A resource that serves nothing because other resources own all its hosts: a finding on each host's owner."""
    report = b.report
    owners = {h.host: h.resource for h in report.hosts}
    chk = BY_ID["MTLS033"]
    for r in report.nic.resources:
        event = next((e.message for e in r.events if e.message == chk.nic_message), None)
        if event is None:
            continue
        obj = report.cluster.lookup(r.ref)
        rules = getattr(obj, "rules", ()) or ()
        hosts = [rule.host for rule in rules if rule.host]
        d = b.draft((chk.id, r.ref), Draft(chk, "", r.ref, r.origin.at()))
        d.add_nic(event)
        taken = ", ".join(f"{h} by {owners[h]}" for h in hosts if h in owners) or "its hosts"
        d.message = f"{r.ref} serves nothing: {taken}; NIC generates no configuration for it"
        for h in hosts:
            d.add_host(h)


def resource_findings(b: Builder) -> None:
    """Rejections (E2/E3) and the resource warnings no reference outcome carried (W14-W18, W15 folded)."""
    report = b.report
    for r in report.nic.resources:
        if r.ref.kind == "Policy":
            continue
        for e in r.events:
            if e.reason == "AddedOrUpdatedWithError":
                _reload_error(b, r.ref, r.origin, e, b.hosts_of(r.ref))
        reload_failed = any(e.reason == "AddedOrUpdatedWithError" for e in r.events)
        if r.state == "Invalid" and (r.rejection or not reload_failed):
            chk = BY_ID["MTLS014"] if r.ref.kind in ("VirtualServer", "VirtualServerRoute") else BY_ID["MTLS013"]
            text = r.rejection or ""
            event = next((e.message for e in r.events if e.reason == "Rejected"), "")
            fld = _rejection_field(r.rejection_field)
            d = b.draft((chk.id, r.ref), Draft(chk, "", r.ref, r.origin.at(fld) if fld else r.origin.at()))
            d.add_nic(event or text)
            d.message = f"{r.ref} is rejected: {text or event}" + " (NIC generates no configuration for it)"
            for h in b.hosts_of(r.ref):
                d.add_host(h)
        for warning in r.warnings:
            if (r.ref, warning.text) in b.consumed:
                continue
            _resource_warning(b, r.ref, r.origin, warning, b.hosts_of(r.ref))


def _tls_field(cluster: Cluster, ref: ObjectRef, secret: str, host: str, hosts: Sequence[str]) -> tuple[str, list[str]]:
    """The ``spec.tls`` entry a W17/W18 is about, and the hosts it serves (all of the resource's when unknown)."""
    obj = object_of(cluster, ref)
    if isinstance(obj, Ingress):
        for i, tls in enumerate(obj.tls or ()):
            if (secret and tls.secret_name == secret.split("/")[-1]) or (host and host in tls.hosts):
                served = [h for h in tls.hosts if h in hosts] or list(tls.hosts)
                return field_path("spec", "tls", i, "secretName" if secret else "hosts"), [host] if host else served
    if ref.kind == "VirtualServer":
        return "spec.tls.secret", list(hosts)
    return "spec.tls", [host] if host else list(hosts)


def _reload_error(b: Builder, ref: ObjectRef, origin: Origin, e: NicEvent, hosts: Sequence[str]) -> None:
    """An ``AddedOrUpdatedWithError`` event: point at the policy field whose value broke the reload, if one did."""
    chk = BY_ID["MTLS032"]
    event, reason = e.message, (e.not_applied or "").strip()
    source, policy = origin.at(), None
    for key, pol in b.cluster.policies.items():
        crl = pol.ingress_mtls.crl_file_name if pol.ingress_mtls is not None else ""
        if crl and f"/etc/nginx/secrets/{crl}" in event:
            source, policy = pol.meta.origin.at("spec.ingressMTLS.crlFileName"), key
            break
    d = b.draft((chk.id, ref, event), Draft(chk, "", ref, source, policy=policy))
    d.add_nic(event)
    for h in hosts:
        d.add_host(h)
    d.message = f"{ref}: NGINX would not load the configuration ({reason}); the change is not applied"
    if policy is not None:
        d.message += f" (crlFileName of Policy {policy}: NIC never writes that file)"


def _rejection_field(fld: str) -> str | None:
    """The manifest field a rejection points at, from its first error's field path (annotations live under
    ``metadata``; NIC's paths for them start at ``annotations``)."""
    if m := _OBJECT_PATH.match(fld):
        return m.group(0)
    if fld.startswith("annotations.") and len(fld) > len("annotations."):
        return field_path("metadata", "annotations", fld[len("annotations.") :])
    return None


def _internal_error(b: Builder, ref: ObjectRef, origin: Origin, detail: str, hosts: Sequence[str]) -> None:
    """A resource the replica could not replay: an error on each of its hosts, never a silent drop (no green run
    on a prediction that is missing)."""
    chk = BY_ID["MTLS073"]
    obj = b.cluster.lookup(ref)
    served = list(hosts) or [r.host for r in getattr(obj, "rules", ()) if getattr(r, "host", "")]
    if not served and isinstance(getattr(obj, "host", None), str) and obj.host:  # type: ignore[union-attr]
        served = [obj.host]  # type: ignore[union-attr]
    d = b.draft((chk.id, ref), Draft(chk, "", ref, origin.at()))
    where = ", ".join(served) or "its hosts"
    d.message = f"{ref} could not be replayed ({detail}): what NIC does for {where} is not predicted"
    for h in served:
        d.add_host(h)


def _resource_warning(b: Builder, ref: ObjectRef, origin: Origin, warning: NicWarning, hosts: Sequence[str]) -> None:
    text, name, args = warning.text, warning.cause, warning.args
    if name == INTERNAL:
        _internal_error(b, ref, origin, args[0], hosts)
        return
    if name == "W15":
        _fold_w15(b, ref, origin, text, warning.subject or None, hosts)
        return
    if name == "W14":
        host = args[0]
        chk = BY_ID["MTLS017"]
        obj = object_of(b.cluster, ref)
        rule = next((i for i, r in enumerate(obj.rules) if r.host == host), None) if isinstance(obj, Ingress) else None
        fld = field_path("spec", "rules", rule, "host") if rule is not None else "spec.tls"
        d = b.draft((chk.id, ref, host), Draft(chk, "", ref, origin.at(fld), host=host))
        d.add_nic(text)
        d.message = f"{text}: {consequence(chk, [host], None)}"
        return
    if name in ("W17A", "W17B", "W18"):
        chk = BY_ID["MTLS028" if name == "W18" else "MTLS027"]
        secret = args[0] if name != "W18" else ""
        fld, target = _tls_field(b.cluster, ref, secret, args[0] if name == "W18" else "", hosts)
        if secret:
            b.flagged_secrets.add(qualified_secret(ref.namespace, secret))
        d = b.draft((chk.id, ref, text), Draft(chk, "", ref, origin.at(fld)))
        d.add_nic(text)
        for h in target:
            d.add_host(h)
        served = ", ".join(target) or "the host"
        d.message = f"{text}: NIC renders ssl_reject_handshake on; every TLS handshake for {served} is refused"
        key = qualified_secret(ref.namespace, secret) if secret else ""
        if key and key not in b.cluster.secrets:
            elsewhere = b.other_namespaces(key)
            if elsewhere:
                d.message += (
                    f" (a Secret named {secret.split('/')[-1]} exists in namespace(s) {', '.join(elsewhere)}; the TLS "
                    f"secret must be in the resource's namespace {ref.namespace})"
                )
        if key and not d.details:
            d.message += _provenance_note(b, d, key, "spec.tls")
        return
    if name == "W16":
        chk = BY_ID["MTLS026"]
        d = b.draft(
            (chk.id, ref), Draft(chk, "", ref, origin.at(field_path("metadata", "annotations", "nginx.org/policies")))
        )
        if text not in d.nic_texts:
            d.nic_texts.insert(0, text)  # NIC's own explanation first, then the W12 it leads to
        for h in hosts:
            d.add_host(h)
        d.message = f"{text} (in practice NIC finds no policies and returns 500)"
        return
    chk = BY_ID[_W_TO_CHECK.get(name, "MTLS030")]
    d = b.draft((chk.id, ref, text), Draft(chk, text, ref, origin.at()))
    d.add_nic(text)
    for h in hosts:
        d.add_host(h)


_W_TO_CHECK = {
    "W1": "MTLS015",
    "W2": "MTLS016",
    "W3": "MTLS018",
    "W4": "MTLS019",
    "W5": "MTLS019",
    "W6": "MTLS019",
    "W7": "MTLS020",
    "W8": "MTLS021",
    "W9": "MTLS022",
    "W10": "MTLS022",
    "W11": "MTLS022",
    "W12": "MTLS011",
    "W13": "MTLS025",
}


def _fold_w15(
    b: Builder, ref: ObjectRef, origin: Origin, text: str, key: str | None, hosts: Sequence[str]
) -> None:
    """W15 wraps a lookup error already behind another finding of this Ingress (of its Policy ``key``, when the
    error names one): carry it there."""
    target = None
    if key is not None:
        target = next((d for d in b.drafts_of_policy(key) if d.resource == ref or d.check.id == "MTLS010"), None)
    if target is None:
        own = b.drafts_of(ref)
        secretish = [d for d in own if d.check.id in ("MTLS019", "MTLS022", "MTLS023", "MTLS024")]
        target = secretish[0] if secretish else (own[0] if own else None)
    if target is not None:
        target.add_nic(text)
        return
    chk = BY_ID["MTLS029"]
    d = b.draft(
        (chk.id, ref, text),
        Draft(chk, text, ref, origin.at(field_path("metadata", "annotations", "nginx.org/policies"))),
    )
    d.add_nic(text)
    for h in hosts:
        d.add_host(h)


def policy_findings(b: Builder) -> None:
    """E1 for every invalid Policy, referenced or not (its Rejected event is emitted either way)."""
    for p in b.report.nic.policies:
        if not p.valid:
            _invalid_policy_draft(b, p.key)



def safety_net(b: Builder) -> None:
    """A ``return 500;`` no finding explains is still reported (the replica knows more than our classifier)."""
    explained_hosts = {h for d in b.drafts.values() if d.check.outcome in ("500", "rejected") for h in d.hosts}
    chk = BY_ID["MTLS031"]
    for h in b.report.hosts:
        if h.result.rejected:
            continue
        if h.result.returns_500 and h.host not in explained_hosts:
            b.draft(
                (chk.id, h.resource, h.host),
                Draft(
                    chk,
                    f"every request to {h.host} gets 500",
                    h.resource,
                    source_at(b.cluster, h.resource),
                    host=h.host,
                ),
            )
        for loc in h.locations:
            if loc.result.returns_500 and h.host not in explained_hosts:
                b.draft(
                    (chk.id, loc.result.resource, h.host, loc.path),
                    Draft(
                        chk,
                        f"location {loc.path} on {h.host} returns 500",
                        loc.result.resource,
                        source_at(b.cluster, loc.result.resource, loc.result.origin_field),
                        host=h.host,
                        path=loc.path,
                    ),
                )
        if h.result.fail_open and not any(
            d.check.id == "MTLS017" and h.host in [*d.hosts, d.host or ""] for d in b.drafts.values()
        ):
            # An older NIC release that ignores the policy annotation says why (nic/versions.py), in its words.
            why = next((n.message for n in b.report.nic.version_notes
                        if n.fail_open and n.resource == h.resource and h.host in n.hosts), None)
            c17 = BY_ID["MTLS034" if why else "MTLS017"]
            d = b.draft(
                (c17.id, h.resource, h.host),
                Draft(
                    c17,
                    why or f"{h.host} is served without client-certificate verification",
                    h.resource,
                    source_at(b.cluster, h.resource, "metadata.annotations" if why else "spec.tls"),
                    host=h.host,
                ),
            )
            if why:
                d.details.append(("NIC version", b.report.settings.nic_version))




# --- Secrets made elsewhere (sources/promises.py) ----------------------------------------------------------------


def _provenance_note(b: Builder, d: Draft, key: str, pfield: str | None) -> str:
    """Where a flagged Secret comes from: `` (note)`` for the message (or ""); details get who makes it and, for
    a promise of a type NIC refuses here, how to get the right one. ``pfield`` tells which type NIC wants."""
    prov = provenance(b.cluster, b.report.nic.settings, key)
    if prov.promise is not None:
        d.details.append(("made by", prov.made_by))
        want = TYPE_TLS if pfield in ("spec.tls", "spec.egressMTLS.tlsSecret") else TYPE_CA
        how = wrong_type_note(prov, want)
        if how:
            d.details.append(("fix", how))
    return f" ({prov.note})" if prov.note else ""


_POLICY_SECRET_CHECKS = (
    ("spec.ingressMTLS.clientCertSecret", TYPE_CA, "MTLS019"),
    ("spec.egressMTLS.tlsSecret", TYPE_TLS, "MTLS022"),
    ("spec.egressMTLS.trustedCertSecret", TYPE_CA, "MTLS023"),
)


def policy_secret_names(pol: Policy) -> list[tuple[str, str, str, str]]:
    """(field, secret name, type NIC wants, check id) of an mTLS policy's secret references, in NIC's order."""
    values = {
        "spec.ingressMTLS.clientCertSecret": pol.ingress_mtls.client_cert_secret if pol.ingress_mtls else "",
        "spec.egressMTLS.tlsSecret": pol.egress_mtls.tls_secret if pol.egress_mtls else "",
        "spec.egressMTLS.trustedCertSecret": pol.egress_mtls.trusted_cert_secret if pol.egress_mtls else "",
    }
    return [(fld, values[fld], want, cid) for fld, want, cid in _POLICY_SECRET_CHECKS if values[fld]]


def _unusable_reason(b: Builder, key: str, want: str) -> str | None:
    """Why NIC could not use Secret ``key`` as a ``want`` Secret, None when it could (real or promised)."""
    real = b.cluster.secrets.get(key)
    if real is not None and real.type in SUPPORTED_SECRET_TYPES:
        if real.type != want:
            return f"Secret {key} is of type {real.type}, NIC needs {want} here"
        error = validate_secret(real)
        return f"Secret {key} is invalid: {error}" if error else None
    prov = provenance(b.cluster, b.report.nic.settings, key)
    if prov.promise is not None and prov.promise.type == want:
        return None
    if prov.promise is not None and prov.promise.type in SUPPORTED_SECRET_TYPES:
        return f"Secret {key} is of type {prov.promise.type} ({prov.note}), NIC needs {want} here"
    return f"Secret {key} does not exist for NIC ({prov.note})"


def every_unusable_secret(b: Builder) -> None:
    """NIC stops at the first unusable secret of a policy; the others are reported too, so one run shows them all.

    Only for policies NIC uses (referenced and valid) where NIC already flagged one secret: the others then
    surface only after that one is fixed.
    """
    report, cluster = b.report, b.cluster
    invalid = {p.key for p in report.nic.policies if not p.valid}
    for key, served in b.policy_hosts().items():
        pol = cluster.policies.get(key)
        if pol is None or key in invalid:
            continue
        ns = pol.meta.ref.namespace
        refs = policy_secret_names(pol)
        if not any(f"{ns}/{name}" in b.flagged_secrets for _, name, _, _ in refs):
            continue
        for fld, name, want, cid in refs:
            skey = f"{ns}/{name}"
            reason = None if skey in b.flagged_secrets else _unusable_reason(b, skey, want)
            if reason is None:
                continue
            chk = BY_ID[cid]
            msg = (
                f"Policy {key}: {fld.rsplit('.', 1)[1]} {name}: {reason}; NIC reports only the first unusable "
                f"secret of a policy, so it names this one once the other is fixed: {consequence(chk, served, None)}"
            )
            draft = Draft(chk, msg, pol.meta.ref, pol.meta.origin.at(fld), policy=key)
            d = b.draft((chk.id, pol.meta.ref, skey), draft)
            for h in served:
                d.add_host(h)
            b.flagged_secrets.add(skey)


