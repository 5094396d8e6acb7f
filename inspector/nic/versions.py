"""The NIC releases modelled, and where their mTLS behaviour differs from NIC 5.6's, as data the replica reads.

Why it exists: users run 5.3, 5.4 or 5.5 as well as 5.6, and the Ingress side of mTLS changed a lot between them
(the ``nginx.org/policies`` annotation itself only arrived in 5.4). Each difference here was read in NIC's code at
the release tag (``github.com/nginx/kubernetes-ingress``); docs/nic-versions.md lists them with the paths. Anything
not listed is predicted with NIC 5.6's rules: the lines were not audited beyond these differences.

A version is a release line (``5.5`` = the tags v5.5.0 to v5.5.4); a patch release whose behaviour differs from its
line's (5.4.0 and 5.4.1) is not modelled and is refused with the list of known versions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

POLICIES_ORG = "nginx.org/policies"
POLICIES_COM = "nginx.com/policies"


@dataclass(frozen=True)
class NicVersion:
    """One modelled release line and its mTLS-relevant behaviour."""

    name: str
    """``5.6``: what ``--nic-version`` takes and the report names."""
    tags: tuple[str, ...]
    """The release tags whose code was read for this line."""
    ingress_policy_annotations: tuple[str, ...]
    """Annotations ``createIngressEx``/``generateNginxCfg`` read policy references from, in order (none: 5.3)."""
    ingress_policy_types: frozenset[str]
    """``policy.go :: IsPolicySupportedOnIngress``: the types an Ingress may use; others give "not supported" + 500."""
    ingress_mtls_secret_lookup: bool
    """``createIngressEx`` looks up the mTLS (and external-auth CA) secrets of an Ingress's policies."""
    waf_annotation_filter: bool
    """``ingress.go :: filterIngressPolicyRefs``: WAF only through ``nginx.com/policies``."""
    policy_types: tuple[str, ...]
    """``types.go :: PolicySpec`` fields (CRD order): a type the CRD lacks is pruned by the API server."""
    exactly_one_message: str
    """``validatePolicySpec``'s "exactly one of" text (Plus appends ``, `jwt`, `oidc`, `waf```)."""
    custom_resources_disabled: str
    """W16's format (``createIngressEx`` with ``-enable-custom-resources=false``); ``%v/%v`` is the Ingress."""
    ingress_mtls_tls_first: bool
    """``addIngressMTLSConfig`` checks TLS before the context (before 5.5); 5.5 checks the context first."""
    ingress_mtls_no_tls: str
    """``addIngressMTLSConfig``'s warning without TLS; ``%s`` is the policy key."""
    ingress_mtls_no_secret: str
    """``addIngressMTLSConfig``'s warning for a CA secret that was never looked up (``%s``: key, then secret)."""
    ca_rotation_reloads: bool
    """``controller.go :: handleSecretUpdate`` reloads nginx when a non-TLS Secret (``nginx.org/ca``) changes
    under ``-ssl-dynamic-reload`` (``shouldForceReloadOnSecretUpdate``, #10390); before 5.6 it does not (#10039)."""

    def __str__(self) -> str:
        return self.name


_TYPES_53 = ("accessControl", "rateLimit", "jwt", "basicAuth", "ingressMTLS", "egressMTLS", "oidc", "waf", "apiKey",
             "cache")
_TYPES_54 = (*_TYPES_53, "cors")
_TYPES_55 = (*_TYPES_54, "externalAuth")
_TYPES_56 = (*_TYPES_55, "hsts")
_ONE = "must specify exactly one of: `accessControl`, `rateLimit`, `ingressMTLS`, `egressMTLS`, `basicAuth`, `apiKey`, "
_INGRESS_56 = frozenset({"accessControl", "cors", "externalAuth", "ingressMTLS", "egressMTLS", "waf"})
_W16_56 = "Ingress %v/%v has a policies annotation but custom resources are not enabled; policies will be ignored"
_NO_TLS_54 = "TLS must be enabled in VirtualServer for IngressMTLS policy %s"
_NO_SECRET_54 = "IngressMTLS policy %s references a secret %s that is not available"
_NO_TLS_56 = "TLS must be enabled for IngressMTLS policy %s"
_NO_SECRET_56 = 'IngressMTLS policy "%s" references a non-existent secret %s'

V5_3 = NicVersion(
    name="5.3",
    tags=("v5.3.0", "v5.3.1", "v5.3.2", "v5.3.3", "v5.3.4"),
    ingress_policy_annotations=(),
    ingress_policy_types=frozenset(),
    ingress_mtls_secret_lookup=False,
    waf_annotation_filter=False,
    policy_types=_TYPES_53,
    exactly_one_message=_ONE + "`cache`",
    custom_resources_disabled="",
    ingress_mtls_tls_first=True,
    ingress_mtls_no_tls=_NO_TLS_54,
    ingress_mtls_no_secret=_NO_SECRET_54,
    ca_rotation_reloads=False,
)
V5_4 = NicVersion(
    name="5.4",
    tags=("v5.4.2", "v5.4.3"),
    ingress_policy_annotations=(POLICIES_ORG,),
    ingress_policy_types=frozenset({"accessControl", "cors"}),
    ingress_mtls_secret_lookup=False,
    waf_annotation_filter=False,
    policy_types=_TYPES_54,
    exactly_one_message=_ONE + "`cache`, `cors`",
    custom_resources_disabled=(
        f"Ingress %v/%v has the {POLICIES_ORG} annotation but custom resources are not enabled; "
        "policies will be ignored"
    ),
    ingress_mtls_tls_first=True,
    ingress_mtls_no_tls=_NO_TLS_54,
    ingress_mtls_no_secret=_NO_SECRET_54,
    ca_rotation_reloads=False,
)
V5_5 = NicVersion(
    name="5.5",
    tags=("v5.5.0", "v5.5.1", "v5.5.2", "v5.5.3", "v5.5.4"),
    ingress_policy_annotations=(POLICIES_ORG, POLICIES_COM),
    ingress_policy_types=_INGRESS_56,
    ingress_mtls_secret_lookup=True,
    waf_annotation_filter=True,
    policy_types=_TYPES_55,
    exactly_one_message=_ONE + "`cache`, `cors`, `externalAuth`",
    custom_resources_disabled=_W16_56,
    ingress_mtls_tls_first=False,
    ingress_mtls_no_tls=_NO_TLS_56,
    ingress_mtls_no_secret=_NO_SECRET_56,
    ca_rotation_reloads=False,
)
V5_6 = replace(
    V5_5,  # what changed from 5.5 (docs/nic-versions.md): the hsts type, and a reload on CA rotation (#10390)
    name="5.6",
    tags=("0eb3072d1 (main, appVersion 5.6.0)",),
    policy_types=_TYPES_56,
    exactly_one_message=_ONE + "`cache`, `cors`, `externalAuth`, `hsts`",
    ca_rotation_reloads=True,
)

VERSIONS: dict[str, NicVersion] = {v.name: v for v in (V5_3, V5_4, V5_5, V5_6)}
"""Every modelled line, oldest first."""
LATEST = V5_6
DEFAULT = LATEST.name

UNMODELLED = {
    "5.4.0": "takes an Ingress's policy references from the policies it found, so a missing one is not a 500 (#9463 "
    "came in 5.4.1)",
    "5.4.1": "has no Ingress policy-type check yet (#9792 came in 5.4.2): an mTLS policy reaches "
    "addIngressMTLSConfig without its secret",
}
"""Patch releases whose behaviour differs from their line's, and how (refused by :func:`resolve`)."""


def resolve(text: str) -> NicVersion:
    """``5.5``, ``5.5.2`` or ``v5.5.2`` to its line; ValueError (one line, naming the known versions) otherwise."""
    given = text.strip()
    bare = given[1:] if given[:1] in ("v", "V") else given
    known = ", ".join(VERSIONS)
    if bare in UNMODELLED:
        raise ValueError(f"NIC {bare} is not modelled: it {UNMODELLED[bare]}; known versions: {known}")
    parts = bare.split(".")
    line = ".".join(parts[:2])
    version = VERSIONS.get(line)
    if version is None or len(parts) > 3 or (len(parts) == 3 and f"v{bare}" not in version.tags
                                              and version is not LATEST):
        raise ValueError(f"unknown NIC version {given!r}; known versions: {known}")
    return version


def fill(fmt: str, *args: str) -> str:
    """A Go format string's ``%s`` verbs filled in order (the texts here use no other verb)."""
    parts = fmt.split("%s")
    return parts[0] + "".join(str(arg) + rest for arg, rest in zip(args, parts[1:], strict=True))


def unread_policy_annotations(name: str) -> frozenset[str]:
    """The policy annotations a release neither reads nor validates (``internal/k8s/validation.go ::
    annotationValidations`` has ``nginx.org/policies`` from 5.4 and ``nginx.com/policies`` from 5.5)."""
    return frozenset({POLICIES_ORG, POLICIES_COM}) - set(get(name).ingress_policy_annotations)


@lru_cache(maxsize=32)
def get(name: str) -> NicVersion:
    """The modelled line named by ``ControllerSettings.nic_version`` (unknown names fall back to the latest:
    the CLI refuses them before, and a replica run never raises)."""
    try:
        return resolve(name)
    except ValueError:
        return LATEST


def ca_rotation_note(version: NicVersion, secrets: list[str]) -> str | None:
    """What this version does when the given ``nginx.org/ca`` Secrets rotate under ``-ssl-dynamic-reload``."""
    if version.ca_rotation_reloads or not secrets:
        return None
    return (
        f"NIC {version.name} with -ssl-dynamic-reload does not reload nginx when a CA Secret changes "
        f"(handleSecretUpdate; NIC #10039, fixed in 5.6 by #10390): a rotated {', '.join(secrets)} only takes effect "
        "at the next reload for another reason"
    )
