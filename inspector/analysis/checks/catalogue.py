"""The check catalogue: every check declared once as data (id, severity, what NIC does, NIC's exact message
format, remediation), looked up by id or slug. ``docs/checks.md`` is generated from it (``docs.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from inspector import catalogue
from inspector.analysis import certs
from inspector.analysis.findings import Category, Check, Outcome
from inspector.analysis.reality import DISAGREES
from inspector.model import Severity
from inspector.nic.messages import (
    E1,
    E3,
    E3R,
    RELOAD_ERROR,
    W1,
    W2,
    W3,
    W4,
    W5,
    W6,
    W7,
    W8,
    W9,
    W10,
    W11,
    W12,
    W13,
    W14,
    W15,
    W16,
    W17A,
    W17B,
    W18,
)

IGNORE_ANNOTATION = "mtls-inspect/ignore"

# --- the seed's "Checks Before Rollout" (seed/000_3715706eace17326.txt), one check at least for each -----------

SEED_I_SECRET = "ingressMTLS: the CA secret is a valid nginx.org/ca secret in the same namespace as the policy"
SEED_I_TLS = "ingressMTLS: the Ingress has TLS termination enabled with a valid kubernetes.io/tls secret"
SEED_I_MINION = "ingressMTLS: the Ingress is not a mergeable minion (nor a VS route or VSR subroute)"
SEED_I_VERIFY_CLIENT = "ingressMTLS: verifyClient is set to the appropriate mode"
SEED_I_DEPTH = "ingressMTLS: verifyDepth matches the depth of the client certificate chain"
SEED_I_400 = (
    "ingressMTLS: requests fail with 400 No required SSL certificate was sent when no client certificate is presented"
)
SEED_E_TLS_SECRET = "egressMTLS: the tlsSecret is a valid kubernetes.io/tls secret in the same namespace as the policy"
SEED_E_CA = "egressMTLS: the trustedCertSecret is a valid nginx.org/ca secret in the same namespace as the policy"
SEED_E_SERVICES = "egressMTLS: the backend is listed under nginx.org/ssl-services or nginx.org/grpc-services"
SEED_E_VERIFY = "egressMTLS: verifyServer is enabled if the upstream certificate must be verified"
SEED_E_SSLNAME = "egressMTLS: sslName matches the hostname expected by the upstream certificate"
SEED_E_FAIL = "egressMTLS: requests fail in the expected way if the trusted CA or client certificate is wrong"

SEED_CHECKS = (
    SEED_I_SECRET,
    SEED_I_TLS,
    SEED_I_MINION,
    SEED_I_VERIFY_CLIENT,
    SEED_I_DEPTH,
    SEED_I_400,
    SEED_E_TLS_SECRET,
    SEED_E_CA,
    SEED_E_SERVICES,
    SEED_E_VERIFY,
    SEED_E_SSLNAME,
    SEED_E_FAIL,
)

def _check(
    id: str,
    slug: str,
    title: str,
    severity: Severity,
    nic_enforced: bool,
    outcome: Outcome,
    remediation: str,
    *,
    nic: str | None = None,
    description: str = "",
    category: Category = "general",
    seed: str | None = None,
) -> Check:
    return Check(
        id=id,
        slug=slug,
        title=title,
        severity=severity,
        nic_enforced=nic_enforced,
        outcome=outcome,
        remediation=remediation,
        nic_message=nic,
        description=description,
        category=category,
        seed_check=seed,
    )


CHECKS: tuple[Check, ...] = (
    # --- 001-009: input and API-server admission (produced by sources/, see inspector.catalogue) -----------------
    _check(
        catalogue.UNREADABLE_SOURCE,
        "unreadable-source",
        "A file or document cannot be read or parsed",
        "error",
        False,
        "none",
        "Fix the file so that it is valid YAML or JSON (the message names the line); for a Helm chart or a "
        "kustomization, check what it renders with the command the message names.",
        description="The rest of the input is still analysed, but objects in this document are missing from it. "
        "A mapping key given twice is refused too (two manifests without `---` between them would otherwise merge "
        "into one object). The exit code is 2 whatever `--fail-on` or `--ignore` say.",
        category="input",
    ),
    _check(
        catalogue.NOT_AN_OBJECT,
        "not-an-object",
        "A document is not a Kubernetes object",
        "error",
        False,
        "none",
        "Give the document `apiVersion`, `kind` and `metadata.name`, or remove it.",
        description="kubectl would refuse it; NIC never sees it.",
        category="input",
    ),
    _check(
        catalogue.API_SERVER_REJECTS,
        "api-server-rejects",
        "The API server would refuse this object",
        "error",
        False,
        "rejected",
        "Fix the field's type or value as the message says.",
        description="The object never reaches NIC, so whatever references it sees it as missing.",
        category="input",
    ),
    _check(
        catalogue.PRUNED_FIELD,
        "pruned-field",
        "An unknown CRD field would be pruned",
        "warning",
        False,
        "ignored",
        "Spell the field as the CRD does (e.g. `ingressMTLS`, not `ingress_MTLS`).",
        description="The structural schema drops unknown fields silently; a misspelt policy type leaves an "
        "empty spec that NIC then rejects.",
        category="input",
    ),
    _check(
        catalogue.DUPLICATE_OBJECT,
        "duplicate-object",
        "The same object appears twice in the sources",
        "warning",
        False,
        "ignored",
        "Keep one copy of the object; `kubectl apply` would keep only the later one.",
        description="The later definition replaces the earlier one, as `kubectl apply` would.",
        category="input",
    ),
    _check(
        catalogue.NO_OBJECTS,
        "no-kubernetes-objects",
        "The input holds no Kubernetes object",
        "error",
        False,
        "none",
        "Check the command that produced the input (a failed `helm template` or `kubectl kustomize` before the "
        "`|` leaves stdin empty) and the paths given: nothing was checked.",
        description="Empty stdin, an empty folder or files with only comments would otherwise read as a clean "
        "run. The exit code is 2 whatever `--fail-on` or `--ignore` say.",
        category="input",
    ),
    _check(
        catalogue.SUPPRESSION_EXPIRED,
        "suppression-expired",
        "A suppression has expired",
        "warning",
        False,
        "none",
        "Fix what the suppressed check reports, or renew the suppression with a new `expires:` date and a reason.",
        description="A suppression in the config file past its `expires:` date no longer suppresses: its findings "
        "count again, and this warning says which suppression ran out.",
        category="input",
    ),
    _check(
        catalogue.UNKNOWN_CHECK_ID,
        "unknown-check-id",
        "A suppression names a check that does not exist",
        "warning",
        False,
        "none",
        "Use an id or slug that `mtls-inspect checks` lists (a typo suppresses nothing).",
        description="An `mtls-inspect/ignore` annotation or a config-file suppression with an unknown id "
        "suppresses nothing; the finding it was meant for is still reported.",
        category="input",
    ),
    _check(
        catalogue.INPUT_SKIPPED,
        "input-skipped",
        "Part of the input was deliberately not read",
        "error",
        False,
        "none",
        "Point the link at a file inside the source folder (or give its target as a SOURCE), remove the FIFO, "
        "socket or device from the folder, or fix the file that produces so many findings.",
        description="Symbolic links that leave the source folder are not followed (a pull request could point "
        "one at a secret on the CI machine), non-regular files inside folders are skipped (a FIFO would block), "
        "and one file reports at most 100 findings. The exit code is 2 whatever `--fail-on` or `--ignore` say.",
        category="input",
    ),
    # --- 010-059: what NIC itself enforces -------------------------------------------------------------------------
    _check(
        "MTLS010",
        "policy-invalid",
        "Policy rejected by NIC's validation",
        "error",
        True,
        "rejected",
        "Fix the Policy field named in the error (see `spec.ingressMTLS`/`spec.egressMTLS` in the NIC docs).",
        nic=E1.format,
        description="An invalid Policy is missing from NIC's policy map: every resource referencing it gets "
        "`Policy <key> is missing or invalid` and `return 500;` (spec §2.3, §4.3).",
        category="general",
    ),
    _check(
        "MTLS011",
        "policy-missing",
        "Referenced policy does not exist",
        "error",
        True,
        "500",
        "Create the Policy, or fix the name/namespace in `nginx.org/policies` (Ingress) or `policies[]` (VS/VSR); "
        "a reference without namespace means the referencing resource's namespace.",
        nic=W12.format,
        description="NIC drops the reference in `getPolicies` and 500-outs the whole context "
        "(`internal/configs/policy.go :: generatePolicies`). For Ingress it also emits "
        "`Policy error for Ingress <ns>/<name>: policy <key> doesn't exist`.",
        category="general",
    ),
    _check(
        "MTLS012",
        "policy-wrong-ingress-class",
        "Referenced policy belongs to another ingress class",
        "error",
        True,
        "500",
        "Set the Policy's `spec.ingressClassName` to this controller's class, or leave it empty.",
        nic=W12.format,
        description="`HasCorrectIngressClass` fails, the reference becomes missing: W15 (Ingress) and W12, 500.",
        category="general",
    ),
    _check(
        "MTLS013",
        "ingress-rejected",
        "Ingress rejected by NIC",
        "error",
        True,
        "rejected",
        "Fix the annotation or spec field named in the error (for example every name in "
        "`nginx.org/ssl-services` must be a backend of this Ingress, without spaces after commas).",
        description="NIC generates no configuration for a rejected Ingress (event reason `Rejected`).",
        category="general",
    ),
    _check(
        "MTLS014",
        "virtualserver-rejected",
        "VirtualServer or VirtualServerRoute rejected by NIC",
        "error",
        True,
        "rejected",
        "Fix the field named in the error (e.g. a duplicate entry in `policies[]`).",
        nic=E3.format,
        description="NIC generates no configuration for a rejected VirtualServer/VirtualServerRoute.",
        category="general",
    ),
    _check(
        "MTLS015",
        "ingress-mtls-wrong-context",
        "ingressMTLS on a minion, VS route or VSR subroute",
        "error",
        True,
        "500",
        "Move the ingressMTLS policy to the mergeable master's `nginx.org/policies` or to the VirtualServer's "
        "`spec.policies`.",
        nic=W1.format,
        description="ingressMTLS is only allowed at server scope (`policy.go :: addIngressMTLSConfig`); "
        "elsewhere the location returns 500.",
        category="ingressMTLS",
        seed=SEED_I_MINION,
    ),
    _check(
        "MTLS016",
        "ingress-mtls-without-tls",
        "ingressMTLS without TLS termination",
        "error",
        True,
        "500",
        "Add `spec.tls` with a `kubernetes.io/tls` secret covering the host (Ingress), or `spec.tls.secret` "
        "(VirtualServer).",
        nic=W2.format,
        description="Without `spec.tls` NIC 500-outs every host of the resource (spec §6.1).",
        category="ingressMTLS",
        seed=SEED_I_TLS,
    ),
    _check(
        "MTLS017",
        "ingress-mtls-host-fail-open",
        "ingressMTLS silently off for a host not in spec.tls.hosts",
        "error",
        True,
        "fail-open",
        "Add the host to `spec.tls[].hosts` (exact string; NIC does no wildcard matching here).",
        nic=W14.format,
        description="The host is served without client-certificate verification: fail-open, not a 500 "
        "(`ingress.go :: generateNginxCfg`). The seed says 500; NIC's code says otherwise.",
        category="ingressMTLS",
        seed=SEED_I_TLS,
    ),
    _check(
        "MTLS018",
        "ingress-mtls-duplicate",
        "Second ingressMTLS policy in one context",
        "warning",
        True,
        "ignored",
        "Reference one ingressMTLS policy per resource; remove the later reference.",
        nic=W3.format,
        description="The first ingressMTLS policy wins; the later one is ignored.",
        category="ingressMTLS",
    ),
    _check(
        "MTLS019",
        "ingress-mtls-ca-secret-unusable",
        "ingressMTLS CA secret missing, of a wrong type, or invalid",
        "error",
        True,
        "500",
        "Create the secret named by `clientCertSecret` in the Policy's namespace with `type: nginx.org/ca` and a "
        "PEM certificate under `ca.crt`. A cert-manager Certificate always makes `kubernetes.io/tls`: get the CA "
        "into an `nginx.org/ca` Secret with an ExternalSecret (`spec.target.template.type: nginx.org/ca`) or "
        "`kubectl create secret generic NAME --type=nginx.org/ca --from-file=ca.crt`.",
        nic=W6.format,
        description="NIC looks the secret up in the Policy's namespace only; Opaque and other unsupported "
        "types look non-existent. Any failure 500-outs the context.",
        category="ingressMTLS",
        seed=SEED_I_SECRET,
    ),
    _check(
        "MTLS020",
        "ingress-mtls-crl-conflict",
        "Both ca.crl and crlFileName set",
        "warning",
        True,
        "ignored",
        "Use either the `ca.crl` key of the CA secret or `ingressMTLS.crlFileName`, not both.",
        nic=W7.format,
        description="`crlFileName` wins; the secret's `ca.crl` is ignored.",
        category="ingressMTLS",
    ),
    _check(
        "MTLS021",
        "egress-mtls-duplicate",
        "Second egressMTLS policy in one context",
        "warning",
        True,
        "ignored",
        "Reference one egressMTLS policy per context (spec, route, subroute, minion); remove the later one.",
        nic=W8.format,
        description="The first egressMTLS policy in the context wins.",
        category="egressMTLS",
    ),
    _check(
        "MTLS022",
        "egress-mtls-tls-secret-unusable",
        "egressMTLS tlsSecret missing, of a wrong type, or invalid",
        "error",
        True,
        "500",
        "Create the secret named by `tlsSecret` in the Policy's namespace with `type: kubernetes.io/tls` and a "
        "matching `tls.crt`/`tls.key`.",
        nic=W11.format,
        description="NIC looks the secret up in the Policy's namespace only; failure 500-outs the context.",
        category="egressMTLS",
        seed=SEED_E_TLS_SECRET,
    ),
    _check(
        "MTLS023",
        "egress-mtls-trusted-ca-unusable",
        "egressMTLS trustedCertSecret missing, of a wrong type, or invalid",
        "error",
        True,
        "500",
        "Create the secret named by `trustedCertSecret` in the Policy's namespace with `type: nginx.org/ca` and a "
        "PEM certificate under `ca.crt`.",
        nic=W11.format,
        description="Failure 500-outs the context.",
        category="egressMTLS",
        seed=SEED_E_CA,
    ),
    _check(
        "MTLS024",
        "secret-in-other-namespace",
        "Referenced secret exists only in another namespace",
        "error",
        True,
        "500",
        "Create the secret in the Policy's namespace (NIC resolves policy secrets there, never in the "
        "namespace of the Ingress/VirtualServer), or move the Policy next to the secret.",
        nic=W4.format,
        description="A secret with the referenced name exists, but in another namespace; NIC reports it as "
        "non-existent and 500-outs the context (spec §3.4).",
        category="general",
        seed=SEED_I_SECRET,
    ),
    _check(
        "MTLS025",
        "policy-not-supported-on-ingress",
        "Policy type not supported on Ingress",
        "error",
        True,
        "500",
        "Reference this policy from a VirtualServer instead, or remove it from `nginx.org/policies`.",
        nic=W13.format,
        description="Raised for types other than the mTLS ones; the Ingress returns 500.",
    ),
    _check(
        "MTLS026",
        "custom-resources-disabled",
        "Policies annotation while custom resources are disabled",
        "error",
        True,
        "500",
        "Run NIC with `-enable-custom-resources=true`, or remove `nginx.org/policies`.",
        nic=W16.format,
        description="The warning says 'ignored', but config generation still reads the annotation and finds "
        "no policies: W12 and 500 (spec §4.1, inferred, unverified by NIC tests).",
    ),
    _check(
        "MTLS027",
        "tls-secret-unusable",
        "TLS secret of the host invalid or of a wrong type",
        "error",
        True,
        "rejected",
        "Point `spec.tls[].secretName` (Ingress) or `spec.tls.secret` (VS) at a valid `kubernetes.io/tls` "
        "secret in the resource's namespace.",
        nic=W17A.format,
        description="NIC renders `ssl_reject_handshake on;`: every TLS handshake for the host is refused.",
        category="tls",
        seed=SEED_I_TLS,
    ),
    _check(
        "MTLS028",
        "tls-secret-not-specified",
        "TLS host without a secret and no wildcard secret",
        "error",
        True,
        "rejected",
        "Set `spec.tls[].secretName`, or run NIC with `-wildcard-tls-secret`.",
        nic=W18.format,
        description="NIC renders `ssl_reject_handshake on;` for the host.",
        category="tls",
        seed=SEED_I_TLS,
    ),
    _check(
        "MTLS029",
        "nic-policy-error",
        "NIC reported a policy error for an Ingress",
        "warning",
        True,
        "none",
        "Read the wrapped error: it names the policy or secret to fix.",
        nic=W15.format,
        description="`controller.go :: createIngressEx` wraps lookup errors for the Ingress event.",
    ),
    _check(
        "MTLS030",
        "nic-warning",
        "Other NIC configuration warning",
        "warning",
        True,
        "none",
        "Read NIC's warning text; it names what to change.",
        description="A warning the replica emits that no more specific check covers.",
    ),
    _check(
        "MTLS031",
        "host-returns-500",
        "Host or location returns 500",
        "error",
        True,
        "500",
        "See the other findings of this resource for the policy that failed.",
        description="Safety net: the replica renders `return 500;` but no specific finding explains it.",
    ),
    _check(
        "MTLS032",
        "nginx-reload-error",
        "NGINX would fail to load the generated configuration",
        "error",
        True,
        "rejected",
        "Fix the value the error names; for `crlFileName`, provide the file in `/etc/nginx/secrets` on every NIC "
        "pod or use the CA secret's `ca.crl` instead.",
        nic=RELOAD_ERROR.format,
        description="NIC writes the configuration, `nginx -s reload` fails, and the event reason is "
        "`AddedOrUpdatedWithError`: the resource's new configuration is not applied (spec §2.4, §9.6).",
    ),
    _check(
        "MTLS033",
        "all-hosts-taken",
        "Every host of the resource is served by another resource",
        "warning",
        True,
        "ignored",
        "Give each host one owner: remove the host from one of the resources, or split its paths with mergeable "
        "Ingresses (master and minions) or VirtualServerRoutes.",
        nic="All hosts are taken by other resources",
        description="When another Ingress or VirtualServer already owns every host a resource lists, NIC generates "
        "nothing for it and only emits a `Rejected` Warning event (`configuration.go :: "
        "addProblemsForResourcesWithoutActiveHost`): its policies, TLS and paths have no effect at all.",
    ),
    _check(
        "MTLS034",
        "policies-annotation-not-read",
        "This NIC release ignores the Ingress's mTLS policy",
        "error",
        True,
        "fail-open",
        "Run NIC 5.5 or later, where `nginx.org/policies` applies ingressMTLS and egressMTLS to Ingresses, or "
        "attach the policy to a VirtualServer's `spec.policies` instead.",
        description="Before 5.4 NIC does not read `nginx.org/policies` on an Ingress at all, and 5.4 supports "
        "only other policy types there: an mTLS policy referenced that way is silently absent, so the host is "
        "served without client-certificate checks (see docs/nic-versions.md; `--nic-version` picks the release).",
        category="ingressMTLS",
    ),
    # --- 060-099: lints NIC does not enforce -----------------------------------------------------------------------
    _check(
        "MTLS060",
        "ingress-mtls-verify-client-permissive",
        "verifyClient lets unverified clients through",
        "warning",
        False,
        "none",
        'Set `ingressMTLS.verifyClient: "on"` unless the application checks `$ssl_client_verify` itself.',
        description="`off` asks for no certificate at all; `optional_no_ca` requests one but ignores issuer "
        "errors, so a certificate from any CA is served (nginx sets `$ssl_client_verify` to `FAILED:...` and "
        "leaves the decision to the application).",
        category="ingressMTLS",
        seed=SEED_I_VERIFY_CLIENT,
    ),
    _check(
        "MTLS061",
        "ingress-mtls-verify-client-optional",
        "verifyClient optional serves clients without a certificate",
        "info",
        False,
        "none",
        'Set `ingressMTLS.verifyClient: "on"` if every client must present a certificate.',
        description="With `optional` a client without a certificate is served (no `400 No required SSL "
        "certificate was sent`); a presented certificate is still verified.",
        category="ingressMTLS",
        seed=SEED_I_400,
    ),
    _check(
        "MTLS062",
        "egress-upstream-not-tls",
        "egressMTLS on a plain-HTTP upstream",
        "warning",
        False,
        "none",
        "List the service in `nginx.org/ssl-services` (or `nginx.org/grpc-services` + ssl-services) on the Ingress "
        "or minion that owns the path; for a VirtualServer set `upstreams[].tls.enable: true`.",
        description="NIC does not check this (spec §6.2): the `proxy_ssl_*` lines are rendered but "
        "`proxy_pass http://` never uses them, so no client certificate is sent and nothing is verified.",
        category="egressMTLS",
        seed=SEED_E_SERVICES,
    ),
    _check(
        "MTLS063",
        "egress-verify-server-off",
        "egressMTLS does not verify the upstream",
        "info",
        False,
        "none",
        "Set `egressMTLS.verifyServer: true` with a `trustedCertSecret` if the upstream must be authenticated.",
        description="NIC's default is `proxy_ssl_verify off`: any upstream certificate is accepted.",
        category="egressMTLS",
        seed=SEED_E_VERIFY,
    ),
    _check(
        "MTLS064",
        "egress-verify-without-ssl-name",
        "verifyServer without sslName",
        "error",
        False,
        "none",
        "Set `egressMTLS.sslName` to the name in the upstream certificate (and `serverName: true` to send SNI).",
        description="The default `proxy_ssl_name $proxy_host` is the upstream block name (e.g. "
        "`vs_default_webapp_secure-app`), which no certificate carries: every request fails with 502 (spec §6.3).",
        category="egressMTLS",
        seed=SEED_E_SSLNAME,
    ),
    _check(
        "MTLS065",
        "egress-grpc-not-reached",
        "Server-level egressMTLS does not reach gRPC locations",
        "warning",
        False,
        "ignored",
        "Attach the egressMTLS policy at location scope: a mergeable minion's `nginx.org/policies`, a VS "
        "`routes[].policies` or a VSR `subroutes[].policies`.",
        description="Server scope renders `proxy_ssl_*` only; `grpc_pass` uses `grpc_ssl_*` (spec §5.5, §11.1).",
        category="egressMTLS",
    ),
    _check(
        "MTLS066",
        "egress-partial-override",
        "Route/minion egressMTLS inherits the server's certificate or CA",
        "warning",
        False,
        "none",
        "Set `tlsSecret`/`trustedCertSecret` in the route/minion policy too if it must not use the server's.",
        description="NGINX inherits per directive: a location-level egress block without `tlsSecret` (or "
        "`trustedCertSecret`) keeps the server-level certificate (or CA) (spec §5.5).",
        category="egressMTLS",
    ),
    _check(
        "MTLS067",
        "egress-protocols-without-tls13",
        "egressMTLS default protocols leave out TLSv1.3",
        "warning",
        False,
        "none",
        'Set `egressMTLS.protocols: "TLSv1.2 TLSv1.3"` (NGINX\'s own default).',
        description="NIC's default is `TLSv1 TLSv1.1 TLSv1.2`: a TLSv1.3-only upstream fails the handshake.",
        category="egressMTLS",
    ),
    _check(
        "MTLS068",
        "config-injection",
        "Unvalidated value would break or inject into nginx.conf",
        "error",
        False,
        "none",
        "Remove `;`, `{`, `}`, `$`, quotes, newlines (and, in `crlFileName`, `/` or `..`) from `ciphers`, "
        "`protocols` and `crlFileName`; give NIC ConfigMap keys and `nginx.org/ssl-ciphers` one plain value of "
        "the kind nginx expects (`60s`, `1m`, a header name); move snippets you need into a reviewed template.",
        description="NIC copies these fields verbatim into nginx.conf (spec §2.4): the Policy fields `ciphers`, "
        "`protocols` and `crlFileName`, the `nginx.org/ssl-ciphers` annotation and the NIC ConfigMap keys it does "
        "not parse (timeouts, sizes, header lists, `real-ip-header`, `set-real-ip-from`, `default-server-return`, "
        "`server-snippets`, `location-snippets`): the reload fails (`AddedOrUpdatedWithError`) or extra "
        "directives are injected. A snippet is always flagged: its lines are directives.",
    ),
    _check(
        "MTLS069",
        "egress-protocols-unknown",
        "egressMTLS protocols has a name nginx does not know",
        "error",
        False,
        "none",
        "Use only `SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3`, separated by spaces.",
        description="`proxy_ssl_protocols` with an unknown name makes `nginx -t` fail; NIC does not validate it.",
        category="egressMTLS",
    ),
    _check(
        "MTLS070",
        "crl-file-not-managed",
        "crlFileName names a file NIC does not manage",
        "info",
        False,
        "none",
        "Mount the CRL into `/etc/nginx/secrets/<crlFileName>` on every NIC pod, or use the CA secret's `ca.crl`.",
        description="NIC renders `ssl_crl /etc/nginx/secrets/<crlFileName>` but never writes that file.",
        category="ingressMTLS",
    ),
    _check(
        "MTLS071",
        "duplicate-policy-reference",
        "The same policy referenced twice",
        "info",
        False,
        "ignored",
        "Remove the repeated entry from `nginx.org/policies`/`nginx.com/policies`.",
        description="NIC silently drops the repetition (`ingress.go :: getIngressPolicyRefs`).",
    ),
    _check(
        catalogue.INGRESS_NGINX_ANNOTATION,
        "ingress-nginx-mtls-annotation-ignored",
        "ingress-nginx mTLS annotations that NIC ignores",
        "error",
        False,
        "fail-open",
        "Replace `nginx.ingress.kubernetes.io/auth-tls-*` with an `ingressMTLS` Policy (`clientCertSecret` of "
        "type `nginx.org/ca`, `verifyClient`, `verifyDepth`) listed in `nginx.org/policies`; replace "
        "`proxy-ssl-*` and `backend-protocol: HTTPS|GRPCS` with `nginx.org/ssl-services: <service>` and an "
        "`egressMTLS` Policy (`tlsSecret`, `trustedCertSecret`, `verifyServer`, `sslName`) in `nginx.org/policies`.",
        description="NIC reads none of the community ingress-nginx controller's annotations: a host meant to "
        "check client certificates serves every client (fail-open), an upstream meant to be reached over TLS is "
        "proxied plain HTTP. The finding's details show the Policy to use instead.",
        category="general",
    ),
    _check(
        "MTLS073",
        "replica-internal-error",
        "mtls-inspect could not replay NIC for a resource",
        "error",
        False,
        "none",
        "Report the input that causes it (a bug in mtls-inspect). Until then the resource's hosts are not predicted: "
        "check them another way before rolling out.",
        description="The NIC replica failed on this resource. Its hosts are missing from the prediction, so this "
        "is an error: a run that could not predict part of the input is never green.",
    ),
    # --- 100-129: certificate facts ----------------------------------------------------------------------------------
    _check(
        certs.CERT_EXPIRED,
        "cert-expired",
        "Certificate expired",
        "error",
        False,
        "none",
        "Renew the certificate and update the secret.",
        description="NIC does not check expiry; OpenSSL refuses the chain at handshake time.",
        category="certificate",
        seed=SEED_E_FAIL,
    ),
    _check(
        certs.CERT_NOT_YET_VALID,
        "cert-not-yet-valid",
        "Certificate not yet valid",
        "error",
        False,
        "none",
        "Reissue the certificate with a `notBefore` in the past, or check the issuer's clock.",
        category="certificate",
    ),
    _check(
        certs.CERT_EXPIRING_SOON,
        "cert-expiring-soon",
        "Certificate expires within 30 days",
        "warning",
        False,
        "none",
        "Renew the certificate before rollout.",
        category="certificate",
    ),
    _check(
        certs.TLS_KEY_MISMATCH,
        "tls-key-mismatch",
        "tls.key does not match tls.crt",
        "error",
        False,
        "none",
        "Put the private key that belongs to `tls.crt` into `tls.key`.",
        description="Reported only when NIC's own key-pair check did not already flag the secret.",
        category="certificate",
    ),
    _check(
        certs.CA_WITHOUT_CA_TRUE,
        "ca-without-ca-true",
        "CA certificate without basicConstraints CA:TRUE",
        "warning",
        False,
        "none",
        "Reissue the CA certificate with `basicConstraints: critical, CA:TRUE`.",
        description="OpenSSL 3 (`check_ca`, `x509_vfy.c`) does not accept such a certificate as the issuer of a "
        "chain, so chains through it fail. A self-signed root in X.509 v1 (NIC's older examples) or with keyUsage "
        "keyCertSign but no basicConstraints is accepted as the trust anchor (unless `-x509_strict`) and is not "
        "flagged; an intermediate needs CA:TRUE.",
        category="certificate",
    ),
    _check(
        certs.TLS_SAN_MISMATCH,
        "tls-san-mismatch",
        "TLS certificate does not cover the host",
        "warning",
        False,
        "none",
        "Reissue the certificate with the host (or a `*.` wildcard one label up) in its SANs.",
        description="Clients checking the server name fail the handshake.",
        category="tls",
    ),
    _check(
        certs.VERIFY_DEPTH_TOO_SMALL,
        "verify-depth-too-small",
        "verifyDepth smaller than the CA bundle's chain",
        "warning",
        False,
        "none",
        "Raise `verifyDepth` to the number of intermediate CAs between client certificates and the root.",
        description="`ssl_verify_depth N` admits N intermediate CAs (OpenSSL `SSL_CTX_set_verify_depth`): "
        "clients issued below a deeper intermediate get `400 The SSL certificate error`.",
        category="certificate",
        seed=SEED_I_DEPTH,
    ),
    _check(
        certs.CRL_UNPARSEABLE,
        "crl-unparseable",
        "ca.crl empty or not a CRL",
        "error",
        False,
        "none",
        "Put a PEM CRL signed by the CA into `ca.crl`, or remove the key.",
        description="NIC writes `ca.crl` unchecked and renders `ssl_crl`; nginx fails to load the configuration.",
        category="certificate",
    ),
    _check(
        certs.CRL_EXPIRED,
        "crl-expired",
        "ca.crl past its nextUpdate",
        "error",
        False,
        "none",
        "Publish a fresh CRL into `ca.crl`.",
        description="OpenSSL rejects every client certificate of the CA (CRL has expired): 400.",
        category="certificate",
    ),
    _check(
        certs.UPSTREAM_NOT_VERIFIABLE,
        "egress-upstream-not-verifiable",
        "Trusted CA cannot verify the upstream's certificate for sslName",
        "error",
        False,
        "none",
        "Put the CA that issued the upstream's certificate into `trustedCertSecret`, or fix `sslName`/`verifyDepth`.",
        description="Checked where the upstream's certificate is known (a TLS secret in the sources covering "
        "`sslName`): with `verifyServer: true` every request would fail with 502.",
        category="certificate",
        seed=SEED_E_FAIL,
    ),
    _check(
        certs.CA_BUNDLE_BROKEN,
        "ca-bundle-broken",
        "A later certificate in ca.crt does not parse",
        "warning",
        False,
        "none",
        "Fix or remove the broken PEM block in `ca.crt`.",
        description="NIC validates only the first PEM block; nginx reads all of them.",
        category="certificate",
    ),
    _check(
        certs.CRL_NOT_FROM_CA,
        "crl-not-from-ca",
        "ca.crl is not signed by the CA in ca.crt",
        "error",
        False,
        "none",
        "Put the CRL issued by the CA in `ca.crt` into `ca.crl`.",
        description="OpenSSL finds no valid CRL for the client chain and refuses it.",
        category="certificate",
    ),
    _check(
        catalogue.SECRET_CONTENT_UNKNOWN,
        "secret-content-unknown",
        "Secret made elsewhere: its content is unknown until it exists",
        "info",
        False,
        "none",
        "Run the check again once the Secret exists (against the cluster), or add it to the input, to check its "
        "certificates.",
        description="A Secret that a cert-manager Certificate, an ExternalSecret, a SealedSecret, cert-manager's "
        "ingress-shim or `--secret-made-elsewhere` makes is predicted as NIC would see it once it exists (with "
        "its type, and valid); expiry, chain depth, key match, SANs and CRL cannot be checked before then.",
        category="certificate",
    ),
    # --- 130-139: live cluster (produced by sources/live.py) --------------------------------------------------------
    _check(
        catalogue.SECRET_UNREADABLE,
        "secret-unreadable",
        "A referenced secret could not be read",
        "warning",
        False,
        "none",
        "Grant `get` on the secret to the identity running mtls-inspect, or check it by hand.",
        description="Its checks cannot be verified.",
        category="live",
    ),
    _check(
        catalogue.KIND_NOT_INSTALLED,
        "kind-not-installed",
        "A resource kind is not installed in the cluster",
        "info",
        False,
        "none",
        "Install NIC's CRDs if the kind is expected.",
        category="live",
    ),
    _check(
        catalogue.KIND_UNREADABLE,
        "kind-unreadable",
        "Listing a resource kind was refused",
        "warning",
        False,
        "none",
        "Grant `list` on the kind to the identity running mtls-inspect.",
        description="Objects of that kind are missing from the analysis.",
        category="live",
    ),
    DISAGREES,
)

BY_ID: Mapping[str, Check] = {c.id: c for c in CHECKS}
BY_SLUG: Mapping[str, Check] = {c.slug: c for c in CHECKS}

EXTRA_NIC_MESSAGES: Mapping[str, tuple[str, ...]] = {
    "MTLS011": (W15.format,),
    "MTLS012": (W15.format,),
    "MTLS014": (E3R.format,),
    "MTLS019": (W4.format, W5.format),
    "MTLS022": (W9.format, W10.format),
    "MTLS023": (W9.format, W10.format),
    "MTLS024": (W9.format, W6.format, W11.format),
    "MTLS027": (W17B.format,),
}
"""Further NIC formats a check stands for (one cause, several texts); the docs list them all."""


def nic_formats(check: Check) -> tuple[str, ...]:
    """Every NIC format string a check stands for, the main one first."""
    main = (check.nic_message,) if check.nic_message else ()
    return main + EXTRA_NIC_MESSAGES.get(check.id, ())


def check(id_or_slug: str) -> Check:
    """Look a check up by id (``MTLS012``) or slug; KeyError names the unknown one."""
    found = BY_ID.get(id_or_slug.upper()) or BY_SLUG.get(id_or_slug.lower())
    if found is None:
        raise KeyError(f"unknown check {id_or_slug!r}")
    return found


