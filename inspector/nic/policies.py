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

The other policy types go through the same loop with NIC's own ``add*Config`` checks (``policy.go ::
addAccessControlConfig, addRateLimitConfig, addJWTAuthConfig, addExternalAuthConfig, addBasicAuthConfig,
addOIDCConfig, addAPIKeyConfig, addWAFConfig, addCacheConfig, addCORSConfig, addHSTSConfig``) and the controller's
secret lookups for them (``controller.go :: addJWTSecretRefs, addBasicSecretRefs, addJWTTrustedCertSecretRefs,
addOIDCSecretRefs, addOIDCTrustedCertSecretRefs, addExternalAuthTrustedCertSecretRefs, addAPIKeySecretRefs``), so
that a fatal one 500-outs its context and discards the mTLS policies gathered before it. Their output is kept
for accessControl, rateLimit, jwt, basicAuth, CORS and hsts (rendered) and apiKey (computed, not rendered: it needs
NIC's njs module); cache, externalAuth, OIDC and WAF output is not modelled (OIDC and WAF never validate under the
controller settings modelled here: no ``-enable-oidc`` and no ``-enable-app-protect``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import urlsplit

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
from inspector.nic import messages, versions
from inspector.nic.messages import NicWarning
from inspector.nic.parsing import go_quote_meta
from inspector.nic.secrets import (
    CA_CRL_KEY,
    MISSING_SECRET_ERROR,
    SECRETS_DIR,
    TYPE_APIKEY,
    TYPE_CA,
    TYPE_HTPASSWD,
    TYPE_JWK,
    TYPE_TLS,
    SecretStore,
)
from inspector.nic.types import (
    AddHeader,
    APIKeyCfg,
    BasicAuthCfg,
    Context,
    CORSMapCfg,
    EgressMTLSCfg,
    HSTSCfg,
    IngressMTLSCfg,
    JWTAuthCfg,
    LimitReqCfg,
    LimitReqOptionsCfg,
    LimitReqZoneCfg,
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
    reference ends as "missing or invalid", see :func:`get_policies`). Only the annotations the predicted release
    reads (``versions.NicVersion.ingress_policy_annotations``: none before 5.4, ``nginx.org/policies`` in 5.4).
    """
    out: list[tuple[PolicyReference, str]] = []
    seen: set[str] = set()
    namespace = ing.meta.ref.namespace
    for annotation in versions.get(settings.nic_version).ingress_policy_annotations:
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


def ingress_lookup_refs(ing: Ingress, settings: ControllerSettings | None = None) -> list[PolicyReference]:
    """The refs ``controller.go :: createIngressEx`` looks up: both annotations, not de-duplicated, skipping empty
    (only those the predicted release reads)."""
    refs: list[PolicyReference] = []
    namespace = ing.meta.ref.namespace
    for annotation in versions.get((settings or ControllerSettings()).nic_version).ingress_policy_annotations:
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
    """``ValidatePolicy`` with the controller's configuration (OIDC and App Protect off, NIC's defaults), as the
    predicted release validates: its CRD's policy types (others are pruned) and its "exactly one of" text."""
    version = versions.get(settings.nic_version)
    if version is versions.LATEST:
        return validate_policy(policy, plus=settings.plus)
    return validate_policy(policy, plus=settings.plus, types=version.policy_types,
                           exactly_one=version.exactly_one_message)


class PolicyValidity:
    """``validate`` once per Policy in one run: every list that names a Policy reads the same result (it ran once
    per reference: 15k validations for 1k Policies at 10k objects). Keyed by ``ns/name``; the Policy object itself
    is kept to check that a lookup asks about the same one."""

    def __init__(self, settings: ControllerSettings) -> None:
        self.settings = settings
        self._errors: dict[str, tuple[Policy, tuple[str, ...]]] = {}

    def __call__(self, policy: Policy) -> tuple[str, ...]:
        key = policy.meta.ref.key
        known = self._errors.get(key)
        if known is None or known[0] is not policy:
            known = self._errors[key] = (policy, validate(policy, self.settings))
        return known[1]


class PolicyLookupError(str):
    """A ``getPolicies`` error text that keeps the key of the Policy it is about, for the checks (NIC only prints
    the text, wrapped in W15 for an Ingress)."""

    __slots__ = ("policy",)
    policy: str

    def __new__(cls, text: str, policy: str) -> PolicyLookupError:
        self = super().__new__(cls, text)
        self.policy = policy
        return self


def get_policies(
    refs: Sequence[PolicyReference | tuple[PolicyReference, str]],
    owner_namespace: str,
    cluster: Cluster,
    settings: ControllerSettings,
    validity: PolicyValidity | None = None,
) -> tuple[dict[str, Policy], list[str]]:
    """``controller.go :: getPolicies``: the usable policies by key, and one NIC error text per dropped reference.

    With custom resources disabled NIC never calls it (``createIngressEx``), so the map is empty and no error is
    reported; the Ingress then gets the W16 warning from the caller. ``validity``: the run's validation results
    (one per Policy); without it each reference validates its Policy.
    """
    check = validity if validity is not None and validity.settings is settings else PolicyValidity(settings)
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
            errors.append(PolicyLookupError(f"policy {key} doesn't exist", key))
            continue
        if not has_correct_class(policy, settings):
            errors.append(
                PolicyLookupError(
                    f"referenced policy {key} has incorrect ingress class: {policy.ingress_class_name} "
                    f"(controller ingress class: {settings.ingress_class})",
                    key,
                )
            )
            continue
        problems = check(policy)
        if problems:
            errors.append(PolicyLookupError(f"policy {key} is invalid: {aggregate(problems)}", key))
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


def ingress_policy_warning(ing: Ingress, error: str) -> NicWarning:
    """W15, ``controller.go :: createIngressEx``: how a lookup error reaches the Ingress's warnings (with the
    Policy it names as the warning's subject)."""
    ref = ing.meta.ref
    warning = messages.W15(ref.namespace, ref.name, error)
    return replace(warning, subject=error.policy) if isinstance(error, PolicyLookupError) else warning


def custom_resources_disabled_warning(ing: Ingress, settings: ControllerSettings | None = None) -> NicWarning:
    """W16, ``controller.go :: createIngressEx`` when ``-enable-custom-resources=false`` (5.4 names the
    annotation)."""
    ref = ing.meta.ref
    text = versions.get((settings or ControllerSettings()).nic_version).custom_resources_disabled
    fmt = text or versions.LATEST.custom_resources_disabled
    return messages.render(messages.W16.cause, fmt, ref.namespace, ref.name)


def other_secret_refs(
    policies: Sequence[Policy] | Mapping[str, Policy],
    store: SecretStore,
    *,
    ingress: bool,
) -> dict[str, SecretReference]:
    """The controller's secret lookups for the other policy types over one list of usable policies.

    VS spec, every VS route and every VSR subroute (``controller.go :: createVirtualServerEx``): ``addJWTSecretRefs``
    (JWK secret, skipped when ``jwksURI`` is set), ``addBasicSecretRefs``, ``addJWTTrustedCertSecretRefs``,
    ``addOIDCSecretRefs`` (skipped with PKCE), ``addOIDCTrustedCertSecretRefs``,
    ``addExternalAuthTrustedCertSecretRefs`` and ``addAPIKeySecretRefs``. An Ingress (``createIngressEx``) only
    resolves the external-auth trusted CA. Each lookup function stops at its first secret with an error (what it
    did not reach stays absent); the errors are only logged, so none is returned.
    """
    items = list(policies.values()) if isinstance(policies, Mapping) else list(policies)
    refs: dict[str, SecretReference] = {}

    def lookup(kind: str, names: Callable[[Mapping[str, Any], str], list[str]]) -> None:
        for policy in items:
            if kind not in policy.other_types or kind not in policy.other_specs:
                continue
            for key in names(_spec_of(policy, kind), policy.meta.ref.namespace):
                ref = store.get(key)
                refs[key] = ref
                if ref.error is not None:
                    return

    def external_auth(spec: Mapping[str, Any], ns: str) -> list[str]:
        trusted = _str(spec, "trustedCertSecret")
        return ["/".join(_parse_reference(trusted, ns))] if trusted else []

    if not ingress:
        lookup("jwt", lambda spec, ns: [] if _str(spec, "jwksURI") else [f"{ns}/{_str(spec, 'secret')}"])
        lookup("basicAuth", lambda spec, ns: [f"{ns}/{_str(spec, 'secret')}"])
        lookup("jwt", lambda spec, ns: [f"{ns}/{t}"] if (t := _str(spec, "trustedCertSecret")) else [])
        lookup("oidc", lambda spec, ns: [] if _flag(spec, "pkceEnable") else [f"{ns}/{_str(spec, 'clientSecret')}"])
        lookup("oidc", lambda spec, ns: [f"{ns}/{t}"] if (t := _str(spec, "trustedCertSecret")) else [])
    lookup("externalAuth", external_auth)
    if not ingress:
        lookup("apiKey", lambda spec, ns: [f"{ns}/{_str(spec, 'clientSecret')}"])
    return refs


def ingress_waf_annotation_error(ing: Ingress, policies: Mapping[str, Policy]) -> tuple[str, str] | None:
    """``ingress.go :: filterIngressPolicyRefs``: a usable WAF policy listed in ``nginx.org/policies`` (WAF is only
    allowed through ``nginx.com/policies``) makes the Ingress 500-out before ``generatePolicies`` runs.

    Returns ``(policy key, warning)`` for the first such reference in the merged order, or None.
    """
    value = ing.annotations.get(POLICIES_ANNOTATION)
    if value is None or not policies:
        return None
    namespace = ing.meta.ref.namespace
    from_org = {f"{r.namespace or namespace}/{r.name}" for r in refs_from_annotation(value, namespace)}
    for ref, _path in ingress_policy_refs(ing, ControllerSettings()):
        key = f"{ref.namespace or namespace}/{ref.name}"
        policy = policies.get(key)
        if policy is not None and key in from_org and "waf" in policy.other_types:
            return key, (
                f"WAF policy {key} is not supported in annotation {POLICIES_ANNOTATION}; use {POLICIES_ANNOTATION_PLUS}"
            )
    return None


class _OtherState:
    """What the other policy types gathered so far in one context (``policiesCfg`` fields besides mTLS)."""

    def __init__(self) -> None:
        self.allow: list[str] = []
        self.deny: list[str] = []
        self.basic_auth: BasicAuthCfg | None = None
        self.jwt_auth: JWTAuthCfg | None = None
        self.hsts: HSTSCfg | None = None
        self.api_key: APIKeyCfg | None = None
        self.limit_reqs: list[LimitReqCfg] = []
        self.limit_req_zones: list[LimitReqZoneCfg] = []
        self.limit_req_options: LimitReqOptionsCfg | None = None
        self.cors_headers: tuple[AddHeader, ...] = ()
        self.cors_map: CORSMapCfg | None = None
        self.seen: set[str] = set()
        """Types whose output is not modelled but whose duplicate check is (oidc, waf, cache, externalAuth)."""
        self.cors_index: int | None = None


def _spec_of(policy: Policy, kind: str) -> Mapping[str, Any]:
    raw = policy.other_specs.get(kind)
    return raw if isinstance(raw, Mapping) else {}


def _str(spec: Mapping[str, Any], key: str) -> str:
    value = spec.get(key)
    return value if isinstance(value, str) else ""


def _int(spec: Mapping[str, Any], key: str) -> int | None:
    value = spec.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flag(spec: Mapping[str, Any], key: str) -> bool | None:
    value = spec.get(key)
    return value if isinstance(value, bool) else None


def _strs(spec: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = spec.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list | tuple) else ()


def _escape_nginx(value: str) -> str:
    """``internal/configs/common.go :: escapeNginxString``: backslashes, then double quotes."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _origin_parts(origin: str) -> tuple[str, str] | None:
    """Scheme and host of an ``http(s)://`` origin as Go's ``url.Parse`` gives them, None when it is not one."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.rpartition("@")[2]


def _is_wildcard_origin(origin: str) -> bool:
    """``policy.go :: isWildcardOrigin``: ``http(s)://*.domain``."""
    parts = _origin_parts(origin) if origin != "*" else None
    return parts is not None and parts[1].startswith("*.")


def _cors_origin_map(origins: Sequence[str], variable: str) -> CORSMapCfg:
    """``policy.go :: generateCORSOriginMap`` with ``buildOriginRegex`` for ``*.domain`` origins."""
    params: list[tuple[str, str]] = [("default", '""')]
    for origin in origins:
        if not origin:
            continue
        parts = _origin_parts(origin)
        if parts is not None and parts[1].startswith("*."):
            regex = f"~^{go_quote_meta(parts[0] + '://')}[^.]+\\.{go_quote_meta(parts[1][2:])}$"
            params.append((regex, "$http_origin"))
            continue
        escaped = _escape_nginx(origin)
        params.append((f'"{escaped}"', escaped))
    return CORSMapCfg(source="$http_origin", variable=f"${variable}", parameters=tuple(params))


def _cors_headers(spec: Mapping[str, Any], origins: Sequence[str], origin_value: str) -> tuple[AddHeader, ...]:
    """``policy.go :: generateCORSHeaders``, in NIC's order."""
    out: list[AddHeader] = []
    if origins and (len(origins) != 1 or origins[0] != "*"):
        out.append(AddHeader("Vary", "Origin", always=True))
    if origin_value:
        out.append(AddHeader("Access-Control-Allow-Origin", origin_value, always=True))
    for key, name in (
        ("allowMethods", "Access-Control-Allow-Methods"),
        ("allowHeaders", "Access-Control-Allow-Headers"),
    ):
        values = _strs(spec, key)
        if values:
            out.append(AddHeader(name, _escape_nginx(", ".join(values)), always=True))
    credentials = _flag(spec, "allowCredentials")
    if credentials is not None:
        out.append(AddHeader("Access-Control-Allow-Credentials", _go_bool(credentials), always=True))
    expose = _strs(spec, "exposeHeaders")
    if expose:
        out.append(AddHeader("Access-Control-Expose-Headers", _escape_nginx(", ".join(expose)), always=True))
    max_age = _int(spec, "maxAge")
    if max_age is not None:
        out.append(AddHeader("Access-Control-Max-Age", str(max_age), always=True))
    return tuple(out)


def _snake(value: str) -> str:
    """``policy.go :: rfc1123ToSnake``."""
    return value.replace("-", "_")


def _go_bool(value: bool) -> str:
    return "true" if value else "false"


def _parse_reference(value: str, namespace: str) -> tuple[str, str]:
    """``ParseResourceReference``/``ParseServiceReference``: ``ns/name`` or a bare name in ``namespace``."""
    if "/" in value:
        ns, _, name = value.partition("/")
        return ns, name
    return namespace, value


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
    parent: ObjectRef | None = None,
) -> PoliciesCfg:
    """``policy.go :: generatePolicies`` for one context, with an outcome per ref.

    ``refs`` are ``(ref, field path)`` pairs, or bare refs whose field path is ``<field_prefix>[i]``. ``policies``
    is the map of usable policies (:func:`get_policies`); a key absent from it is "missing or invalid".
    ``parent`` is NIC's ``ownerDetails.parent*`` (the VS for a VSR subroute, the master for a minion; the owner
    itself when None): rate-limit zone and API-key map names are built from it.
    """
    pairs: list[tuple[PolicyReference, str]] = []
    for i, item in enumerate(refs):
        if isinstance(item, tuple):
            pairs.append(item)
        else:
            pairs.append((item, f"{field_prefix}[{i}]" if field_prefix else ""))
    run = _ContextRun(owner, context, owner_origin, tls=tls, secret_refs=secret_refs)
    run.parent = parent or owner
    run.is_ingress = is_ingress
    run.version = versions.get(settings.nic_version)
    for index, (ref, fpath) in enumerate(pairs):
        namespace = ref.namespace or owner.namespace
        key = f"{namespace}/{ref.name}"
        source = PolicySource(key=key, owner=owner, field=fpath, context=context, owner_origin=owner_origin)
        policy = policies.get(key)
        if policy is None:
            run.fatal(
                source,
                "unknown",
                messages.W12(key),
                f"policy {key} is missing or invalid (it does not exist, failed validation, has another ingress "
                f"class or sits in an unwatched namespace), so NIC makes the {context} context return 500",
            )
        elif is_ingress and not (set(policy.set_types) & _ingress_types(settings)):
            run.fatal(
                source,
                policy_type(policy),
                messages.W13(key),
                f"{'/'.join(policy.set_types) or 'this'} policies are not supported on Ingress resources; "
                "the Ingress returns 500",
            )
        elif policy.ingress_mtls is not None:
            run.ingress_mtls(source, policy, namespace)
        elif policy.egress_mtls is not None:
            run.egress_mtls(source, policy, namespace)
        else:
            run.other(source, policy, namespace)
        if run.error_return is not None:
            _mark_unseen(run, pairs[index + 1 :], policies, owner, context, owner_origin)
            break
    return run.result()


def _ingress_types(settings: ControllerSettings) -> frozenset[str]:
    """``IsPolicySupportedOnIngress`` of the predicted release (5.4: accessControl and cors only)."""
    version = versions.get(settings.nic_version)
    return INGRESS_SUPPORTED_TYPES if version is versions.LATEST else version.ingress_policy_types


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
        self.warnings: list[NicWarning] = []
        self.outcomes: list[PolicyOutcome] = []
        self.parent = owner
        self.is_ingress = False
        self.other_state = _OtherState()
        self.version = versions.LATEST
        """The release predicted: before 5.5 ``addIngressMTLSConfig`` checks TLS first, in other words."""

    def result(self) -> PoliciesCfg:
        if self.error_return is not None:
            return PoliciesCfg(
                error_return=self.error_return, warnings=tuple(self.warnings), outcomes=self._discarded()
            )
        o = self.other_state
        return PoliciesCfg(
            ingress_mtls=self.ingress,
            egress_mtls=self.egress,
            warnings=tuple(self.warnings),
            outcomes=tuple(self.outcomes),
            allow=tuple(o.allow),
            deny=tuple(o.deny),
            basic_auth=o.basic_auth,
            jwt_auth=o.jwt_auth,
            hsts=o.hsts,
            api_key=o.api_key,
            cors_headers=tuple(o.cors_headers),
            cors_map=o.cors_map,
            limit_reqs=tuple(o.limit_reqs),
            limit_req_zones=tuple(o.limit_req_zones),
            limit_req_options=o.limit_req_options,
        )

    def _discarded(self) -> tuple[PolicyOutcome, ...]:
        """On 500-out NIC keeps only ``ErrorReturn``: what earlier policies contributed is thrown away."""
        fatal_key = next(o.source.key for o in self.outcomes if o.fatal)
        out = []
        for o in self.outcomes:
            if o.status in ("applied", "overridden"):
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

    def fatal(self, source: PolicySource, kind: PolicyType, warning: NicWarning, reason: str) -> None:
        self.warnings.append(warning)
        self.error_return = 500
        self.outcomes.append(
            PolicyOutcome(source=source, type=kind, status="rejected", reason=reason, warning=warning, fatal=True)
        )

    def warn_ignored(self, source: PolicySource, kind: PolicyType, warning: NicWarning, reason: str) -> None:
        self.warnings.append(warning)
        self.outcomes.append(PolicyOutcome(source=source, type=kind, status="ignored", reason=reason, warning=warning))

    def ingress_mtls(self, source: PolicySource, policy: Policy, namespace: str) -> None:
        """``policy.go :: addIngressMTLSConfig``: context, TLS, duplicate, secret checks, then defaults and CRL."""
        spec = policy.ingress_mtls
        assert spec is not None
        key = source.key
        if self.version.ingress_mtls_tls_first and not self.tls:
            self._no_tls(source, key)
            return
        if self.context != "spec":
            self.fatal(
                source,
                "ingressMTLS",
                messages.W1(key, self.context),
                f"ingressMTLS is only allowed at server scope (spec context), not in the {self.context} context; "
                f"the {self.context} returns 500",
            )
            return
        if not self.tls:
            self._no_tls(source, key)
            return
        if self.ingress is not None:
            self.warn_ignored(
                source,
                "ingressMTLS",
                messages.W3(key),
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
                messages.render(messages.W4.cause, self.version.ingress_mtls_no_secret, key, secret_key),
                f"client CA secret {secret_key} was never looked up (NIC treats it as non-existent); 500",
            )
            return
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != TYPE_CA:
            self.fatal(
                source,
                "ingressMTLS",
                messages.W5(key, secret_key, secret_type, TYPE_CA),
                f"client CA secret {secret_key} is of type {secret_type}, not {TYPE_CA}; 500",
            )
            return
        if ref.error is not None:
            self.fatal(
                source,
                "ingressMTLS",
                messages.W6(key, secret_key, ref.error),
                f"client CA secret {secret_key} is unusable ({ref.error}); 500",
            )
            return
        fields = ref.path.split()
        has_crl_key = ref.secret is not None and CA_CRL_KEY in ref.secret.data
        warning = None
        if has_crl_key and spec.crl_file_name:
            warning = messages.W7(secret_key, key)
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

    def _no_tls(self, source: PolicySource, key: str) -> None:
        self.fatal(
            source,
            "ingressMTLS",
            messages.render(messages.W2.cause, self.version.ingress_mtls_no_tls, key),
            "the resource does not terminate TLS (no spec.tls / no TLS secret), so ingressMTLS cannot apply; "
            "every host of the resource returns 500",
        )

    def _egress_secret(self, source: PolicySource, secret_key: str, want: str) -> SecretReference | None:
        """The three secret checks of ``addEgressMTLSConfig`` (fatal on failure, None returned)."""
        key = source.key
        ref = self.secret_refs.get(secret_key)
        if ref is None:
            self.fatal(
                source,
                "egressMTLS",
                messages.W9(key, secret_key),
                f"secret {secret_key} was never looked up (NIC stops resolving at the first bad egress secret); 500",
            )
            return None
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != want:
            self.fatal(
                source,
                "egressMTLS",
                messages.W10(key, secret_key, secret_type, want),
                f"secret {secret_key} is of type {secret_type}, not {want}; 500",
            )
            return None
        if ref.error is not None:
            self.fatal(
                source,
                "egressMTLS",
                messages.W11(key, secret_key, ref.error),
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
                messages.W8(key),
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

    # --- the other policy types (policy.go :: add*Config) ----------------------------------------------------

    def other(self, source: PolicySource, policy: Policy, namespace: str) -> None:
        """Dispatch a non-mTLS policy to its ``add*Config`` replay (``policy.go :: generatePolicies`` switch)."""
        kind = policy.other_types[0] if policy.other_types else ""
        spec = _spec_of(policy, kind)
        o = self.other_state
        if kind not in policy.other_specs:
            # A model built without the spec (e.g. by an older source): nothing to replay but the dispatch.
            self._applied(source, kind or "unknown", "its spec is not in the model, so NIC's checks are not replayed")
        elif kind == "accessControl":
            self._access_control(source, spec)
        elif kind == "rateLimit":
            self._rate_limit(source, policy, spec)
        elif kind == "jwt":
            self._jwt(source, spec, namespace)
        elif kind == "externalAuth":
            self._external_auth(source, spec, namespace)
        elif kind == "basicAuth":
            self._basic_auth(source, spec, namespace)
        elif kind == "oidc":
            self._simple_duplicate(
                source,
                kind,
                o.seen,
                f"Multiple oidc policies in the same context is not valid. OIDC policy {source.key} will be ignored",
            )
        elif kind == "apiKey":
            self._api_key(source, spec, namespace)
        elif kind == "waf":
            self._simple_duplicate(
                source,
                kind,
                o.seen,
                f"Multiple WAF policies in the same context is not valid. WAF policy {source.key} will be ignored",
            )
        elif kind == "cache":
            self._simple_duplicate(
                source,
                kind,
                o.seen,
                f"Multiple cache policies in the same context is not valid. Cache policy {source.key} will be ignored",
            )
        elif kind == "cors":
            self._cors(source, spec)
        elif kind == "hsts":
            self._hsts(source, spec)
        else:
            self._applied(source, kind or "unknown", "accepted; NIC generates nothing for it")

    def _applied(self, source: PolicySource, kind: str, reason: str, warning: str | None = None) -> None:
        """``warning``: an uncatalogued NIC text (no check reads the other types' warnings by cause)."""
        nic_warning = messages.uncatalogued(warning) if warning is not None else None
        self.outcomes.append(
            PolicyOutcome(
                source=source, type="other", status="applied", reason=f"{kind} policy: {reason}", warning=nic_warning
            )
        )

    def _other_fatal(self, source: PolicySource, kind: str, warning: str, reason: str) -> None:
        self.fatal(
            source,
            "other",
            messages.uncatalogued(warning),
            f"{kind} policy: {reason}; the {self.context} context returns 500",
        )

    def _other_ignored(self, source: PolicySource, kind: str, warning: str) -> None:
        self.warn_ignored(
            source,
            "other",
            messages.uncatalogued(warning),
            f"{kind} policy: second {kind} policy in the {self.context} context; the first one wins",
        )

    def _simple_duplicate(self, source: PolicySource, kind: str, seen: set[str], warning: str) -> None:
        """``addOIDCConfig``/``addWAFConfig``/``addCacheConfig``: the first of the type wins, later ones warn.

        Their output (OIDC locations, App Protect directives, proxy_cache) is not modelled."""
        if kind in seen:
            self._other_ignored(source, kind, warning)
            return
        seen.add(kind)
        self._applied(source, kind, f"applied at {source.scope} scope (its directives are not modelled here)")

    def _typed_secret(
        self, source: PolicySource, kind: str, secret_key: str, want: str, wrong: str, invalid: str
    ) -> SecretReference | None:
        """The wrong-type-then-error checks the auth configs share; ``wrong``/``invalid`` are NIC's formats.

        NIC dereferences the reference without a nil check (``addBasicAuthConfig``, ``addJWTAuthConfig``,
        ``addAPIKeyConfig``): the controller always looks the secret up first, so a missing ref only happens for a
        secret it never reached; it is reported here as the store's "doesn't exist" error (NIC would panic)."""
        ref = self.secret_refs.get(secret_key) or SecretReference(secret=None, path="", error=MISSING_SECRET_ERROR)
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != want:
            self._other_fatal(
                source,
                kind,
                wrong.format(key=source.key, secret=secret_key, type=secret_type, want=want),
                f"secret {secret_key} is of type {secret_type}, not {want}",
            )
            return None
        if ref.error is not None:
            self._other_fatal(
                source,
                kind,
                invalid.format(key=source.key, secret=secret_key, error=ref.error),
                f"secret {secret_key} is unusable ({ref.error})",
            )
            return None
        return ref

    def _trusted_cert(self, source: PolicySource, kind: str, label: str, secret_key: str) -> str | None:
        """The JWT/ExternalAuth trusted-CA checks (nil, wrong type, error); the ``-ca.crt`` path or None on fatal."""
        ref = self.secret_refs.get(secret_key)
        if ref is None:
            self._other_fatal(
                source,
                kind,
                f"{label} policy {source.key} references a non-existent trusted cert secret {secret_key}",
                f"trusted CA secret {secret_key} was never looked up (the controller stopped at an earlier error)",
            )
            return None
        secret_type = ref.secret.type if ref.secret is not None else ""
        if secret_type and secret_type != TYPE_CA:
            self._other_fatal(
                source,
                kind,
                f"{label} policy {source.key} references a secret {secret_key} of a wrong type '{secret_type}', "
                f"must be '{TYPE_CA}'",
                f"trusted CA secret {secret_key} is of type {secret_type}, not {TYPE_CA}",
            )
            return None
        if ref.error is not None:
            self._other_fatal(
                source,
                kind,
                f"{label} policy {source.key} references an invalid trusted cert secret {secret_key}: {ref.error}",
                f"trusted CA secret {secret_key} is unusable ({ref.error})",
            )
            return None
        fields = ref.path.split()
        return fields[0] if fields else ""

    def _access_control(self, source: PolicySource, spec: Mapping[str, Any]) -> None:
        """``addAccessControlConfig``: allow/deny lists append across policies; both set gives a warning (each time)."""
        o = self.other_state
        allow, deny = _strs(spec, "allow"), _strs(spec, "deny")
        o.allow.extend(allow)
        o.deny.extend(deny)
        warning = None
        if o.allow and o.deny:
            warning = (
                "AccessControl policy (or policies) with deny rules is overridden by policy (or policies) with "
                "allow rules"
            )
            self.warnings.append(messages.uncatalogued(warning))
        what = f"allow {', '.join(allow)}" if allow else f"deny {', '.join(deny)}" if deny else "no rules"
        reason = f"{what} at {source.scope} scope"
        if warning:
            reason += "; allow rules and deny rules meet in this context, the allow list (ending in 'deny all') wins"
        self._applied(source, "accessControl", reason, warning)

    def _rate_limit(self, source: PolicySource, policy: Policy, spec: Mapping[str, Any]) -> None:
        """``addRateLimitConfig``: one zone and one ``limit_req`` per policy; options come from the first one."""
        o = self.other_state
        if spec.get("condition") is not None:
            self._applied(source, "rateLimit", "tiered (condition) rate limit; its zones and maps are not modelled")
            return
        ref = policy.meta.ref
        parent_type = "ing" if self.is_ingress else "vs"
        zone = _snake(f"pol_rl_{ref.namespace}_{ref.name}_{self.parent.namespace}_{self.parent.name}_{parent_type}")
        o.limit_req_zones.append(
            LimitReqZoneCfg(
                zone_name=zone, key=_str(spec, "key"), zone_size=_str(spec, "zoneSize"), rate=_str(spec, "rate")
            )
        )
        no_delay = bool(_flag(spec, "noDelay"))
        o.limit_reqs.append(
            LimitReqCfg(
                zone_name=zone,
                burst=_int(spec, "burst") or 0,
                delay=0 if no_delay else _int(spec, "delay") or 0,
                no_delay=no_delay,
            )
        )
        reject = _int(spec, "rejectCode")
        options = LimitReqOptionsCfg(
            dry_run=bool(_flag(spec, "dryRun")),
            log_level=_str(spec, "logLevel") or "error",
            reject_code=503 if reject is None else reject,
        )
        warnings: list[str] = []
        first = o.limit_req_options
        if first is None:
            o.limit_req_options = options
        else:
            key = source.key
            if options.dry_run != first.dry_run:
                warnings.append(
                    f"RateLimit policy {key} with limit request option dryRun='{_go_bool(options.dry_run)}' is "
                    f"overridden to dryRun='{_go_bool(first.dry_run)}' by the first policy reference in this context"
                )
            if options.log_level != first.log_level:
                warnings.append(
                    f"RateLimit policy {key} with limit request option logLevel='{options.log_level}' is overridden "
                    f"to logLevel='{first.log_level}' by the first policy reference in this context"
                )
            if options.reject_code != first.reject_code:
                warnings.append(
                    f"RateLimit policy {key} with limit request option rejectCode='{options.reject_code}' is "
                    f"overridden to rejectCode='{first.reject_code}' by the first policy reference in this context"
                )
        self.warnings.extend(messages.uncatalogued(w) for w in warnings)
        self._applied(
            source,
            "rateLimit",
            f"limit_req zone {zone} at {source.scope} scope",
            "; ".join(warnings) if warnings else None,
        )

    def _jwt(self, source: PolicySource, spec: Mapping[str, Any], namespace: str) -> None:
        """``addJWTAuthConfig`` (Plus): duplicate, then the JWK secret or the JWKS URI (with its trusted CA)."""
        o = self.other_state
        key = source.key
        if o.jwt_auth is not None:
            self._other_ignored(
                source,
                "jwt",
                f"Multiple jwt policies in the same context is not valid. JWT policy {key} will be ignored",
            )
            return
        realm, token = _str(spec, "realm"), _str(spec, "token")
        secret = _str(spec, "secret")
        jwks_uri = _str(spec, "jwksURI")
        if secret:
            secret_key = f"{namespace}/{secret}"
            ref = self._typed_secret(
                source,
                "jwt",
                secret_key,
                TYPE_JWK,
                "JWT policy {key} references a secret {secret} of a wrong type '{type}', must be '{want}'",
                "JWT policy {key} references an invalid secret {secret}: {error}",
            )
            if ref is None:
                return
            o.jwt_auth = JWTAuthCfg(realm=realm, token=token, source=source, secret=ref.path)
            self._applied(source, "jwt", f"auth_jwt with the JWK file of {secret_key} at {source.scope} scope")
        elif jwks_uri:
            if _flag(spec, "sslVerify") and _str(spec, "trustedCertSecret"):
                trusted = self._trusted_cert(source, "jwt", "JWT", f"{namespace}/{_str(spec, 'trustedCertSecret')}")
                if trusted is None:
                    return
            host = urlsplit(jwks_uri).hostname or ""
            o.jwt_auth = JWTAuthCfg(
                realm=realm, token=token, source=source, key=key, jwks_host=host, key_cache=_str(spec, "keyCache")
            )
            self._applied(source, "jwt", f"auth_jwt with keys fetched from {jwks_uri} at {source.scope} scope")
        else:
            self._applied(source, "jwt", "neither secret nor jwksURI: NIC generates nothing")

    def _external_auth(self, source: PolicySource, spec: Mapping[str, Any], namespace: str) -> None:
        """``addExternalAuthConfig``: duplicate, then (sslEnabled and sslVerify) the trusted CA secret."""
        o = self.other_state
        if "externalAuth" in o.seen:
            self._other_ignored(
                source,
                "externalAuth",
                "Multiple external auth policies in the same context is not valid. External auth policy "
                f"{source.key} will be ignored",
            )
            return
        o.seen.add("externalAuth")
        trusted = _str(spec, "trustedCertSecret")
        if _flag(spec, "sslEnabled") and _flag(spec, "sslVerify") and trusted:
            secret_ns, secret_name = _parse_reference(trusted, namespace)
            if self._trusted_cert(source, "externalAuth", "ExternalAuth", f"{secret_ns}/{secret_name}") is None:
                return
        self._applied(
            source, "externalAuth", f"auth_request at {source.scope} scope (its locations are not modelled here)"
        )

    def _basic_auth(self, source: PolicySource, spec: Mapping[str, Any], namespace: str) -> None:
        """``addBasicAuthConfig``: duplicate, then the htpasswd secret (wrong type, then its store error)."""
        o = self.other_state
        key = source.key
        if o.basic_auth is not None:
            self._other_ignored(
                source,
                "basicAuth",
                f"Multiple basic auth policies in the same context is not valid. Basic auth policy {key} will be "
                "ignored",
            )
            return
        secret_key = f"{namespace}/{_str(spec, 'secret')}"
        ref = self._typed_secret(
            source,
            "basicAuth",
            secret_key,
            TYPE_HTPASSWD,
            "Basic Auth policy {key} references a secret {secret} of a wrong type '{type}', must be '{want}'",
            "Basic Auth policy {key} references an invalid secret {secret}: {error}",
        )
        if ref is None:
            return
        o.basic_auth = BasicAuthCfg(secret=ref.path, realm=_str(spec, "realm"), source=source)
        self._applied(source, "basicAuth", f"auth_basic with the htpasswd file of {secret_key} at {source.scope} scope")

    def _api_key(self, source: PolicySource, spec: Mapping[str, Any], namespace: str) -> None:
        """``addAPIKeyConfig``: a second API key policy is *fatal* (unlike the other duplicates), then the secret."""
        o = self.other_state
        key = source.key
        if o.api_key is not None:
            self._other_fatal(
                source,
                "apiKey",
                f"Multiple API Key policies in the same context is not valid. API Key policy {key} will be ignored",
                "a second apiKey policy in one context is fatal in NIC (despite the warning's 'will be ignored')",
            )
            return
        secret_key = f"{namespace}/{_str(spec, 'clientSecret')}"
        ref = self._typed_secret(
            source,
            "apiKey",
            secret_key,
            TYPE_APIKEY,
            "API Key policy {key} references a secret {secret} of a wrong type '{type}', must be '{want}'",
            "API Key {key} references an invalid secret {secret}: {error}",
        )
        if ref is None:
            return
        supplied = spec.get("suppliedIn")
        supplied = supplied if isinstance(supplied, Mapping) else {}
        parent_type = "ing" if self.is_ingress else "vs"
        map_name = (
            f"apikey_auth_client_name_{_snake(self.parent.namespace)}_{_snake(self.parent.name)}_"
            f"{_snake(parent_type)}_{_snake(key).split('/')[1]}"
        )
        o.api_key = APIKeyCfg(
            header=_strs(supplied, "header"), query=_strs(supplied, "query"), map_name=map_name, source=source
        )
        self._applied(source, "apiKey", f"API keys of {secret_key} checked at {source.scope} scope")

    def _cors(self, source: PolicySource, spec: Mapping[str, Any]) -> None:
        """``addCORSConfig``: no duplicate check; a later CORS policy silently replaces the earlier headers.

        One ``*`` origin or one exact origin goes straight into ``Access-Control-Allow-Origin``; several origins
        or a ``*.domain`` wildcard go through an http-level map on ``$http_origin`` (``generateCORSOriginMap``).
        """
        o = self.other_state
        origins = list(_strs(spec, "allowOrigin"))
        origin_value = ""
        if origins:
            if len(origins) == 1 and origins[0] == "*":
                origin_value = "*"
            elif len(origins) == 1 and not _is_wildcard_origin(origins[0]):
                origin_value = _escape_nginx(origins[0])
            else:
                variable = self._cors_variable(source.key)
                origin_value = f"${variable}"
                o.cors_map = _cors_origin_map(origins, variable)
        o.cors_headers = _cors_headers(spec, origins, origin_value)
        if o.cors_index is not None:
            old = self.outcomes[o.cors_index]
            self.outcomes[o.cors_index] = PolicyOutcome(
                source=old.source,
                type=old.type,
                status="overridden",
                reason=f"cors policy: replaced by the later CORS policy {source.key} in this context (NIC keeps "
                "only the last CORS policy's headers, without a warning)",
                warning=old.warning,
            )
        o.cors_index = len(self.outcomes)
        self._applied(source, "cors", f"CORS headers and an OPTIONS preflight in every location of the {self.context}")

    def _cors_variable(self, key: str) -> str:
        """``policy.go :: generateCORSVariableName`` (the policy key always has its namespace here)."""
        parent_type = "ing" if self.is_ingress else "vs"
        pol_ns, _, pol_name = key.partition("/")
        head = f"cors_origin_{_snake(self.parent.namespace)}_{_snake(self.parent.name)}_{_snake(parent_type)}"
        if (self.parent.namespace, self.parent.name) != (self.owner.namespace, self.owner.name):
            head += f"_{_snake(self.owner.namespace)}_{_snake(self.owner.name)}"
        return f"{head}_{_snake(pol_ns)}_{_snake(pol_name)}"

    def _hsts(self, source: PolicySource, spec: Mapping[str, Any]) -> None:
        """``addHSTSConfig``: spec context only, TLS unless behindProxy, first wins, ``maxAge`` required."""
        o = self.other_state
        key = source.key
        behind_proxy = bool(_flag(spec, "behindProxy"))
        if self.context != "spec":
            self._other_fatal(
                source,
                "hsts",
                f"HSTS policy {key} is not allowed in the {self.context} context",
                f"HSTS is only allowed at server scope (spec context), not in the {self.context} context",
            )
            return
        if not self.tls and not behind_proxy:
            self._other_fatal(
                source, "hsts", f"TLS must be enabled for HSTS policy {key}", "the resource does not terminate TLS"
            )
            return
        if o.hsts is not None:
            self.warn_ignored(
                source,
                "other",
                messages.uncatalogued(
                    f"Multiple HSTS policies in the same context are not valid. HSTS policy {key} will be ignored"
                ),
                f"hsts policy: second hsts policy in the {self.context} context; the first one wins",
            )
            return
        max_age = _int(spec, "maxAge")
        if max_age is None:
            self._other_fatal(
                source, "hsts", f"HSTS policy {key} is missing required field maxAge", "maxAge is not set"
            )
            return
        o.hsts = HSTSCfg(
            max_age=max_age,
            include_subdomains=bool(_flag(spec, "includeSubDomains")),
            behind_proxy=behind_proxy,
            preload=bool(_flag(spec, "preload")),
            source=source,
        )
        self._applied(source, "hsts", f"Strict-Transport-Security max-age={max_age} at server scope")


# --- Policy objects themselves ---------------------------------------------------------------------------------


def policy_results(
    cluster: Cluster,
    settings: ControllerSettings,
    users: Mapping[str, Sequence[PolicyUser]],
    validity: PolicyValidity | None = None,
) -> tuple[PolicyResult, ...]:
    """One result per Policy in the snapshot: its validity and NIC's error texts, and who references it.

    ``handled`` is False when NIC never syncs the Policy (another ingress class, or a namespace it does not
    watch); such a Policy gets no event and counts as missing for its users.
    """
    check = validity if validity is not None and validity.settings is settings else PolicyValidity(settings)
    out = []
    for key, policy in cluster.policies.items():
        errors = check(policy)
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
    "PolicyValidity",
    "custom_resources_disabled_warning",
    "generate_policies",
    "get_policies",
    "has_correct_class",
    "ingress_lookup_refs",
    "ingress_policy_refs",
    "ingress_policy_warning",
    "ingress_waf_annotation_error",
    "mtls_secret_refs",
    "other_secret_refs",
    "policy_events",
    "policy_rejection_message",
    "policy_results",
    "policy_type",
    "refs_from_annotation",
    "unsupported_on_ingress_event",
    "validate",
    "watches_namespace",
]
