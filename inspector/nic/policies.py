"""Policy lookup and NIC's ``generatePolicies`` for the mTLS policy types, with the provenance NIC does not keep.

For one policy "context" (an Ingress, a mergeable minion, a VS spec, a VS route, a VSR subroute) NIC walks the
referenced policies in order: a missing/invalid one, an ingressMTLS outside the server scope or without TLS, or an
unusable secret turns the whole context into ``return 500;`` and throws away what the context had gathered; a
second policy of the same mTLS type is ignored with a warning. This module replays exactly that and records, per
reference, what became of it and why.

Sources: ``internal/k8s/controller.go :: getPolicies, addIngressMTLSSecretRefs, addEgressMTLSSecretRefs,
createIngressEx, HasCorrectIngressClass``; ``internal/k8s/policies/policy_refs.go :: GetPolicyRefsFromAnnotation``;
``internal/configs/ingress.go :: getIngressPolicyRefs``; ``internal/configs/policy.go :: generatePolicies,
addIngressMTLSConfig, addEgressMTLSConfig, IsPolicySupportedOnIngress``; ``internal/k8s/policy.go :: syncPolicy``.

Policy types other than ingressMTLS/egressMTLS are accepted without output: their own checks (JWT secrets, rate
limit zones, ...) and the WAF-only-in-``nginx.com/policies`` filter are not replayed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from inspector.model import (
    Cluster,
    ControllerSettings,
    Ingress,
    ObjectRef,
    Origin,
    Policy,
    PolicyReference,
    field_path,
)
from inspector.nic.secrets import CA_CRL_KEY, SECRETS_DIR, TYPE_CA, TYPE_TLS, SecretStore
from inspector.nic.types import (
    Context,
    EgressMTLSCfg,
    IngressMTLSCfg,
    NicEvent,
    PoliciesCfg,
    PolicyOutcome,
    PolicyResult,
    PolicySource,
    PolicyType,
    PolicyUser,
    SecretReference,
)
from inspector.nic.validation import (
    POLICIES_ANNOTATION,
    POLICIES_ANNOTATION_PLUS,
    aggregate,
    policy_rejection_message,
    validate_policy,
)

INGRESS_SUPPORTED_TYPES = frozenset({"accessControl", "cors", "externalAuth", "ingressMTLS", "egressMTLS", "waf"})
"""``policy.go :: IsPolicySupportedOnIngress``."""

DEFAULT_EGRESS_PROTOCOLS = "TLSv1 TLSv1.1 TLSv1.2"
"""``policy.go :: addEgressMTLSConfig`` default: note that it leaves out TLSv1.3."""
DEFAULT_EGRESS_CIPHERS = "DEFAULT"
DEFAULT_SSL_NAME = "$proxy_host"


def policy_type(policy: Policy | None) -> PolicyType:
    """The report's policy type: ``ingressMTLS``/``egressMTLS``/``other``, ``unknown`` when NIC cannot see it."""
    if policy is None:
        return "unknown"
    if policy.ingress_mtls is not None:
        return "ingressMTLS"
    if policy.egress_mtls is not None:
        return "egressMTLS"
    return "other"


def _result_type(policy: Policy) -> Literal["ingressMTLS", "egressMTLS", "other"]:
    kind = policy_type(policy)
    return "other" if kind == "unknown" else kind


# --- references --------------------------------------------------------------------------------------------------


def refs_from_annotation(value: str, namespace: str) -> list[PolicyReference]:
    """``policy_refs.go :: GetPolicyRefsFromAnnotation``: comma list, trimmed, ``ns/name`` only with one slash."""
    refs = []
    for item in value.split(","):
        name = item.strip()
        parts = name.split("/")
        ns = namespace
        if len(parts) == 2:
            ns, name = parts
        refs.append(PolicyReference(name=name, namespace=ns))
    return refs


def ingress_policy_refs(ing: Ingress, settings: ControllerSettings) -> list[tuple[PolicyReference, str]]:
    """``ingress.go :: getIngressPolicyRefs``: ``nginx.org/policies`` then ``nginx.com/policies``, first key wins.

    NIC reads the annotations even when custom resources are disabled (then the policy map is empty and every
    reference ends as "missing or invalid", see :func:`get_policies`).
    """
    out: list[tuple[PolicyReference, str]] = []
    seen: set[str] = set()
    namespace = ing.meta.ref.namespace
    for annotation in (POLICIES_ANNOTATION, POLICIES_ANNOTATION_PLUS):
        if annotation not in ing.annotations:
            continue
        path = field_path("metadata", "annotations", annotation)
        for ref in refs_from_annotation(ing.annotations[annotation], namespace):
            key = f"{ref.namespace or namespace}/{ref.name}"
            if key in seen:
                continue
            seen.add(key)
            out.append((ref, path))
    return out


def ingress_lookup_refs(ing: Ingress) -> list[PolicyReference]:
    """The refs ``controller.go :: createIngressEx`` looks up: both annotations, not de-duplicated, skipping empty."""
    refs: list[PolicyReference] = []
    namespace = ing.meta.ref.namespace
    for annotation in (POLICIES_ANNOTATION, POLICIES_ANNOTATION_PLUS):
        value = ing.annotations.get(annotation, "")
        if value:
            refs.extend(refs_from_annotation(value, namespace))
    return refs


def watches_namespace(settings: ControllerSettings, namespace: str) -> bool:
    """Whether NIC has informers for ``namespace`` (``-watch-namespace``; empty means all)."""
    return not settings.watch_namespaces or namespace in settings.watch_namespaces


def has_correct_class(policy: Policy, settings: ControllerSettings) -> bool:
    """``controller.go :: HasCorrectIngressClass`` for a Policy: its class or none at all."""
    return policy.ingress_class_name in ("", settings.ingress_class)


def validate(policy: Policy, settings: ControllerSettings) -> tuple[str, ...]:
    """``ValidatePolicy`` with the controller's configuration (OIDC and App Protect off, NIC's defaults)."""
    return validate_policy(policy, plus=settings.plus)


def get_policies(
    refs: Sequence[PolicyReference | tuple[PolicyReference, str]],
    owner_namespace: str,
    cluster: Cluster,
    settings: ControllerSettings,
) -> tuple[dict[str, Policy], list[str]]:
    """``controller.go :: getPolicies``: the usable policies by key, and one NIC error text per dropped reference.

    With custom resources disabled NIC never calls it (``createIngressEx``), so the map is empty and no error is
    reported; the Ingress then gets the W16 warning from the caller.
    """
    found: dict[str, Policy] = {}
    errors: list[str] = []
    if not settings.enable_custom_resources:
        return found, errors
    for item in refs:
        ref = item[0] if isinstance(item, tuple) else item
        namespace = ref.namespace or owner_namespace
        key = f"{namespace}/{ref.name}"
        if not watches_namespace(settings, namespace):
            errors.append(f"failed to get namespace {namespace}")
            continue
        policy = cluster.policies.get(key)
        if policy is None:
            errors.append(f"policy {key} doesn't exist")
            continue
        if not has_correct_class(policy, settings):
            errors.append(
                f"referenced policy {key} has incorrect ingress class: {policy.ingress_class_name} "
                f"(controller ingress class: {settings.ingress_class})"
            )
            continue
        problems = validate(policy, settings)
        if problems:
            errors.append(f"policy {key} is invalid: {aggregate(problems)}")
            continue
        found.setdefault(key, policy)
    return found, errors


def mtls_secret_refs(
    policies: Sequence[Policy] | Mapping[str, Policy],
    store: SecretStore,
    *,
    ingress_mtls: bool = True,
) -> tuple[dict[str, SecretReference], list[str]]:
    """``controller.go :: addIngressMTLSSecretRefs`` then ``addEgressMTLSSecretRefs`` over the usable policies.

    Replays both quirks: only the *first* ingressMTLS policy's secret is looked up, and egress lookups stop at the
    first secret with an error (what was not looked up is absent, which ``generatePolicies`` reports as "secret
    doesn't exist"). Secrets are always resolved in the Policy's own namespace. The returned errors are the raw
    lookup errors; for an Ingress NIC wraps each as ``Policy error for Ingress <ns>/<name>: <error>``.
    """
    items = list(policies.values()) if isinstance(policies, Mapping) else list(policies)
    refs: dict[str, SecretReference] = {}
    errors: list[str] = []
    if ingress_mtls:
        for policy in items:
            if policy.ingress_mtls is None:
                continue
            key = f"{policy.meta.ref.namespace}/{policy.ingress_mtls.client_cert_secret}"
            ref = store.get(key)
            refs[key] = ref
            if ref.error is not None:
                errors.append(ref.error)
            break
    for policy in items:
        spec = policy.egress_mtls
        if spec is None:
            continue
        failed = False
        for name in (spec.tls_secret, spec.trusted_cert_secret):
            if not name:
                continue
            key = f"{policy.meta.ref.namespace}/{name}"
            ref = store.get(key)
            refs[key] = ref
            if ref.error is not None:
                errors.append(ref.error)
                failed = True
                break
        if failed:
            break
    return refs, errors


def ingress_policy_warning(ing: Ingress, error: str) -> str:
    """W15, ``controller.go :: createIngressEx``: how a lookup error reaches the Ingress's warnings."""
    ref = ing.meta.ref
    return f"Policy error for Ingress {ref.namespace}/{ref.name}: {error}"


def custom_resources_disabled_warning(ing: Ingress) -> str:
    """W16, ``controller.go :: createIngressEx`` when ``-enable-custom-resources=false``."""
    ref = ing.meta.ref
    return (
        f"Ingress {ref.namespace}/{ref.name} has a policies annotation but custom resources are not enabled; "
        "policies will be ignored"
    )


# --- generatePolicies ----------------------------------------------------------------------------------------------


def generate_policies(
    owner: ObjectRef,
    refs: Sequence[tuple[PolicyReference, str] | PolicyReference],
    policies: Mapping[str, Policy],
    context: Context,
    *,
    tls: bool,
    secret_refs: Mapping[str, SecretReference],
    is_ingress: bool,
    settings: ControllerSettings,
    owner_origin: Origin | None = None,
    field_prefix: str = "",
) -> PoliciesCfg:
    """``policy.go :: generatePolicies`` for one context, restricted to the mTLS output, with an outcome per ref.

    ``refs`` are ``(ref, field path)`` pairs, or bare refs whose field path is ``<field_prefix>[i]``. ``policies``
    is the map of usable policies (:func:`get_policies`); a key absent from it is "missing or invalid".
    """
    pairs: list[tuple[PolicyReference, str]] = []
    for i, item in enumerate(refs):
        if isinstance(item, tuple):
            pairs.append(item)
        else:
            pairs.append((item, f"{field_prefix}[{i}]" if field_prefix else ""))
    run = _ContextRun(owner, context, owner_origin, tls=tls, secret_refs=secret_refs)
    for index, (ref, fpath) in enumerate(pairs):
        namespace = ref.namespace or owner.namespace
        key = f"{namespace}/{ref.name}"
        source = PolicySource(key=key, owner=owner, field=fpath, context=context, owner_origin=owner_origin)
        policy = policies.get(key)
        if policy is None:
            run.fatal(
                source,
                "unknown",
                f"Policy {key} is missing or invalid",
                f"policy {key} is missing or invalid (it does not exist, failed validation, has another ingress "
                f"class or sits in an unwatched namespace), so NIC makes the {context} context return 500",
            )
        elif is_ingress and not (set(policy.set_types) & INGRESS_SUPPORTED_TYPES):
            run.fatal(
                source,
                policy_type(policy),
                f"Policy {key} is not supported on Ingress resources",
                f"{'/'.join(policy.set_types) or 'this'} policies are not supported on Ingress resources; "
                "the Ingress returns 500",
            )
        elif policy.ingress_mtls is not None:
            run.ingress_mtls(source, policy, namespace)
        elif policy.egress_mtls is not None:
            run.egress_mtls(source, policy, namespace)
        else:
            run.outcomes.append(
                PolicyOutcome(
                    source=source,
                    type="other",
                    status="applied",
                    reason=f"{'/'.join(policy.set_types)} policy: accepted; its own output is not modelled here",
                )
            )
        if run.error_return is not None:
            _mark_unseen(run, pairs[index + 1 :], policies, owner, context, owner_origin)
            break
    return run.result()


def _mark_unseen(
    run: _ContextRun,
    rest: Sequence[tuple[PolicyReference, str]],
    policies: Mapping[str, Policy],
    owner: ObjectRef,
    context: Context,
    owner_origin: Origin | None,
) -> None:
    """After a fatal reference NIC returns at once: later references are never looked at."""
    fatal_key = next(o.source.key for o in run.outcomes if o.fatal)
    for ref, fpath in rest:
        key = f"{ref.namespace or owner.namespace}/{ref.name}"
        source = PolicySource(key=key, owner=owner, field=fpath, context=context, owner_origin=owner_origin)
        run.outcomes.append(
            PolicyOutcome(
                source=source,
                type=policy_type(policies.get(key)),
                status="unseen",
                reason=f"never evaluated: policy {fatal_key} earlier in this context was fatal and NIC stops there",
            )
        )


class _ContextRun:
    """The mutable state of one ``generatePolicies`` call (kept local; the result is a frozen PoliciesCfg)."""

    def __init__(
        self,
        owner: ObjectRef,
        context: Context,
        owner_origin: Origin | None,
        *,
        tls: bool,
        secret_refs: Mapping[str, SecretReference],
    ) -> None:
        self.owner = owner
        self.context = context
        self.owner_origin = owner_origin
        self.tls = tls
        self.secret_refs = secret_refs
        self.ingress: IngressMTLSCfg | None = None
        self.egress: EgressMTLSCfg | None = None
        self.error_return: int | None = None
        self.warnings: list[str] = []
        self.outcomes: list[PolicyOutcome] = []

    def result(self) -> PoliciesCfg:
        if self.error_return is not None:
            return PoliciesCfg(
                error_return=self.error_return, warnings=tuple(self.warnings), outcomes=self._discarded()
            )
        return PoliciesCfg(
            ingress_mtls=self.ingress,
            egress_mtls=self.egress,
            warnings=tuple(self.warnings),
            outcomes=tuple(self.outcomes),
        )

    def _discarded(self) -> tuple[PolicyOutcome, ...]:
        """On 500-out NIC keeps only ``ErrorReturn``: what earlier policies contributed is thrown away."""
        fatal_key = next(o.source.key for o in self.outcomes if o.fatal)
        out = []
        for o in self.outcomes:
            if o.status == "applied":
                o = PolicyOutcome(
                    source=o.source,
                    type=o.type,
                    status="rejected",
                    reason=(
                        f"discarded: policy {fatal_key} later in this {self.context} context was fatal, so NIC "
                        "replaced everything the context gathered with return 500"
                    ),
                    warning=o.warning,
                )
            out.append(o)
        return tuple(out)

    def fatal(self, source: PolicySource, kind: PolicyType, warning: str, reason: str) -> None:
        self.warnings.append(warning)
        self.error_return = 500
        self.outcomes.append(
            PolicyOutcome(source=source, type=kind, status="rejected", reason=reason, warning=warning, fatal=True)
        )

    def warn_ignored(self, source: PolicySource, kind: PolicyType, warning: str, reason: str) -> None:
        self.warnings.append(warning)
        self.outcomes.append(PolicyOutcome(source=source, type=kind, status="ignored", reason=reason, warning=warning))

    def ingress_mtls(self, source: PolicySource, policy: Policy, namespace: str) -> None:
        """``policy.go :: addIngressMTLSConfig``: context, TLS, duplicate, secret checks, then defaults and CRL."""
        spec = policy.ingress_mtls
        assert spec is not None
        key = source.key
        if self.context != "spec":
            self.fatal(
                source,
                "ingressMTLS",
                f"IngressMTLS policy {key} is not allowed in the {self.context} context",
                f"ingressMTLS is only allowed at server scope (spec context), not in the {self.context} context; "
                f"the {self.context} returns 500",
            )
            return
        if not self.tls:
            self.fatal(
                source,
                "ingressMTLS",
                f"TLS must be enabled for IngressMTLS policy {key}",
                "the resource does not terminate TLS (no spec.tls / no TLS secret), so ingressMTLS cannot apply; "
                "every host of the resource returns 500",
            )
            return
        if self.ingress is not None:
            self.warn_ignored(
                source,
                "ingressMTLS",
                f"Multiple ingressMTLS policies are not allowed. IngressMTLS policy {key} will be ignored",
                f"second ingressMTLS policy in the {self.context} context; the first one "
                f"({self.ingress.source.key}) wins",
            )
            return
        secret_key = f"{namespace}/{spec.client_cert_secret}"
        ref = self.secret_refs.get(secret_key)
        if ref is None:
            self.fatal(
                source,
                "ingressMTLS",
                f'IngressMTLS policy "{key}" references a non-existent secret {secret_key}',
                f"client CA secret {secret_key} was never looked up (NIC treats it as non-existent); 500",
            )
            return
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != TYPE_CA:
            self.fatal(
                source,
                "ingressMTLS",
                f"IngressMTLS policy {key} references a secret {secret_key} of a wrong type '{secret_type}', "
                f"must be '{TYPE_CA}'",
                f"client CA secret {secret_key} is of type {secret_type}, not {TYPE_CA}; 500",
            )
            return
        if ref.error is not None:
            self.fatal(
                source,
                "ingressMTLS",
                f'IngressMTLS policy "{key}" references an invalid secret {secret_key}: {ref.error}',
                f"client CA secret {secret_key} is unusable ({ref.error}); 500",
            )
            return
        fields = ref.path.split()
        has_crl_key = ref.secret is not None and CA_CRL_KEY in ref.secret.data
        warning = None
        if has_crl_key and spec.crl_file_name:
            warning = (
                f"Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. ca.crl in "
                f"{secret_key} will be ignored and {key} will be applied"
            )
            self.warnings.append(warning)
        if spec.crl_file_name:
            crl = f"{SECRETS_DIR}/{spec.crl_file_name}"
        elif has_crl_key and len(fields) > 1:
            crl = fields[1]
        else:
            crl = ""
        self.ingress = IngressMTLSCfg(
            client_cert=fields[0] if fields else "",
            client_crl=crl,
            verify_client=spec.verify_client or "on",
            verify_depth=spec.verify_depth if spec.verify_depth is not None else 1,
            source=source,
        )
        reason = f"applied at server scope: client certificates verified against {secret_key}"
        if warning:
            reason += f"; crlFileName {spec.crl_file_name} wins over the secret's ca.crl"
        self.outcomes.append(
            PolicyOutcome(source=source, type="ingressMTLS", status="applied", reason=reason, warning=warning)
        )

    def _egress_secret(self, source: PolicySource, secret_key: str, want: str) -> SecretReference | None:
        """The three secret checks of ``addEgressMTLSConfig`` (fatal on failure, None returned)."""
        key = source.key
        ref = self.secret_refs.get(secret_key)
        if ref is None:
            self.fatal(
                source,
                "egressMTLS",
                f"EgressMTLS policy {key} references an invalid secret {secret_key}: secret doesn't exist",
                f"secret {secret_key} was never looked up (NIC stops resolving at the first bad egress secret); 500",
            )
            return None
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != want:
            self.fatal(
                source,
                "egressMTLS",
                f"EgressMTLS policy {key} references a secret {secret_key} of a wrong type '{secret_type}', "
                f"must be '{want}'",
                f"secret {secret_key} is of type {secret_type}, not {want}; 500",
            )
            return None
        if ref.error is not None:
            self.fatal(
                source,
                "egressMTLS",
                f"EgressMTLS policy {key} references an invalid secret {secret_key}: {ref.error}",
                f"secret {secret_key} is unusable ({ref.error}); 500",
            )
            return None
        return ref

    def egress_mtls(self, source: PolicySource, policy: Policy, namespace: str) -> None:
        """``policy.go :: addEgressMTLSConfig``: duplicate, TLS secret, trusted CA, then the defaults."""
        spec = policy.egress_mtls
        assert spec is not None
        key = source.key
        if self.egress is not None:
            self.warn_ignored(
                source,
                "egressMTLS",
                f"Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy {key} will be "
                "ignored",
                f"second egressMTLS policy in the {self.context} context; the first one "
                f"({self.egress.source.key}) wins",
            )
            return
        cert_path = ""
        if spec.tls_secret:
            ref = self._egress_secret(source, f"{namespace}/{spec.tls_secret}", TYPE_TLS)
            if ref is None:
                return
            cert_path = ref.path
        trusted = ""
        if spec.trusted_cert_secret:
            ref = self._egress_secret(source, f"{namespace}/{spec.trusted_cert_secret}", TYPE_CA)
            if ref is None:
                return
            # Only the -ca.crt field: a CRL in a trusted-CA secret is ignored for egress.
            fields = ref.path.split()
            trusted = fields[0] if fields else ""
        self.egress = EgressMTLSCfg(
            certificate=cert_path,
            certificate_key=cert_path,
            trusted_cert=trusted,
            verify_server=spec.verify_server,
            verify_depth=spec.verify_depth if spec.verify_depth is not None else 1,
            protocols=spec.protocols or DEFAULT_EGRESS_PROTOCOLS,
            ciphers=spec.ciphers or DEFAULT_EGRESS_CIPHERS,
            session_reuse=spec.session_reuse if spec.session_reuse is not None else True,
            server_name=spec.server_name,
            ssl_name=spec.ssl_name or DEFAULT_SSL_NAME,
            source=source,
        )
        scope = "server" if self.context == "spec" else "location"
        self.outcomes.append(
            PolicyOutcome(
                source=source,
                type="egressMTLS",
                status="applied",
                reason=f"applied at {scope} scope ({self.context} context)",
            )
        )


# --- Policy objects themselves ---------------------------------------------------------------------------------


def policy_results(
    cluster: Cluster, settings: ControllerSettings, users: Mapping[str, Sequence[PolicyUser]]
) -> tuple[PolicyResult, ...]:
    """One result per Policy in the snapshot: its validity and NIC's error texts, and who references it.

    ``handled`` is False when NIC never syncs the Policy (another ingress class, or a namespace it does not
    watch); such a Policy gets no event and counts as missing for its users.
    """
    out = []
    for key, policy in cluster.policies.items():
        errors = validate(policy, settings)
        handled = has_correct_class(policy, settings) and watches_namespace(settings, policy.meta.ref.namespace)
        out.append(
            PolicyResult(
                key=key,
                type=_result_type(policy),
                valid=not errors,
                errors=errors,
                referenced_by=tuple(users.get(key, ())),
                origin=policy.meta.origin,
                handled=handled and settings.enable_custom_resources,
            )
        )
    return tuple(out)


def policy_events(result: PolicyResult) -> tuple[NicEvent, ...]:
    """``internal/k8s/policy.go :: syncPolicy``: ``Rejected`` Warning or ``AddedOrUpdated`` Normal event."""
    if not result.handled:
        return ()
    namespace, _, name = result.key.partition("/")
    if result.errors:
        message = f"Policy {namespace}/{name} is invalid and was rejected: {aggregate(result.errors)}"
        return (NicEvent(type="Warning", reason="Rejected", message=message),)
    return (
        NicEvent(type="Normal", reason="AddedOrUpdated", message=f"Policy {namespace}/{name} was added or updated"),
    )


def unsupported_on_ingress_event(policy: Policy, ing: Ingress) -> NicEvent | None:
    """``internal/k8s/policy.go :: syncPolicy``: the ``Rejected`` event on an Ingress that references a Policy of a
    type Ingress does not support (never for the mTLS types). NIC still regenerates the Ingress (W13 + 500)."""
    if set(policy.set_types) & INGRESS_SUPPORTED_TYPES:
        return None
    pol, ref = policy.meta.ref, ing.meta.ref
    message = f"Policy {pol.namespace}/{pol.name} has unsupported type on Ingress resource {ref.namespace}/{ref.name}"
    return NicEvent(type="Warning", reason="Rejected", message=message)


__all__ = [
    "DEFAULT_EGRESS_CIPHERS",
    "DEFAULT_EGRESS_PROTOCOLS",
    "DEFAULT_SSL_NAME",
    "INGRESS_SUPPORTED_TYPES",
    "custom_resources_disabled_warning",
    "generate_policies",
    "get_policies",
    "has_correct_class",
    "ingress_lookup_refs",
    "ingress_policy_refs",
    "ingress_policy_warning",
    "mtls_secret_refs",
    "policy_events",
    "policy_rejection_message",
    "policy_results",
    "policy_type",
    "refs_from_annotation",
    "unsupported_on_ingress_event",
    "validate",
    "watches_namespace",
]
