"""The check catalogue and ``run_checks``: the NIC replica's verdicts, lints NIC is silent about, certificate facts.

Checks are data (kube-linter, istioctl analyze): each is declared once in ``CHECKS`` with its id, severity, what
NIC does, NIC's exact message format and a remediation; ``docs/checks.md`` is generated from this registry.

``run_checks`` never re-derives a NIC rule. What NIC enforces is read off the replica's results: the warnings
each reference produced (``PolicyOutcome.warning``), the resource warnings, rejections and policy errors, the
``returns_500``/``fail_open`` flags. The exact texts are classified against NIC's Go format strings. Lints
(060-099) and certificate facts (100-129) read the model and the replica's generated configs, because NIC does
not look at those things at all. One cause gives one finding: the texts NIC emits for the same cause (e.g. W15
and W12 for a missing policy) are carried together in one finding's ``nic_message``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inspector import catalogue
from inspector.analysis import certs, ingress_nginx
from inspector.analysis.findings import Category, Check, Finding, Outcome
from inspector.analysis.promised import provenance, wrong_type_note
from inspector.analysis.reality import DISAGREES, disagreements
from inspector.model import (
    AnyObject,
    Cluster,
    Ingress,
    ObjectRef,
    Origin,
    Policy,
    Secret,
    Severity,
    field_path,
)
from inspector.nic import verbatim, versions
from inspector.nic.replica import INTERNAL_ERROR, find_nic_configmap
from inspector.nic.secrets import MISSING_SECRET_ERROR, SUPPORTED_SECRET_TYPES, TYPE_CA, TYPE_TLS, validate_secret
from inspector.nic.types import EgressMTLSCfg, PoliciesCfg, PolicyOutcome

if TYPE_CHECKING:
    from inspector.analysis.report_types import HostReport, Report

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

# --- NIC's exact format strings (spec §7), cited by the checks ------------------------------------------------

W1 = "IngressMTLS policy %s is not allowed in the %v context"
W2 = "TLS must be enabled for IngressMTLS policy %s"
W3 = "Multiple ingressMTLS policies are not allowed. IngressMTLS policy %s will be ignored"
W4 = "IngressMTLS policy %q references a non-existent secret %s"
W5 = "IngressMTLS policy %s references a secret %s of a wrong type '%s', must be '%s'"
W6 = "IngressMTLS policy %q references an invalid secret %s: %v"
W7 = (
    "Both ca.crl in the Secret and ingressMTLS.crlFileName fields cannot be used. "
    "ca.crl in %s will be ignored and %s will be applied"
)
W8 = "Multiple egressMTLS policies in the same context is not valid. EgressMTLS policy %s will be ignored"
W9 = "EgressMTLS policy %s references an invalid secret %s: secret doesn't exist"
W10 = "EgressMTLS policy %s references a secret %s of a wrong type '%s', must be '%s'"
W11 = "EgressMTLS policy %s references an invalid secret %s: %v"
W12 = "Policy %s is missing or invalid"
W13 = "Policy %s is not supported on Ingress resources"
W14 = "IngressMTLS policy is ignored for host %q because TLS is not enabled for that host"
W15 = "Policy error for Ingress %v/%v: %v"
W16 = "Ingress %v/%v has a policies annotation but custom resources are not enabled; policies will be ignored"
W16_54 = (
    "Ingress %v/%v has the nginx.org/policies annotation but custom resources are not enabled; policies will be ignored"
)
"""W16 as NIC 5.4 words it (``nic/versions.py``)."""
W17A = "TLS secret %s is invalid: %v"
W17B = "TLS secret %s is of a wrong type '%s', must be '%s'"
W18 = "TLS termination for host '%s' requires specifying a TLS secret or configuring a global wildcard TLS secret"
E1 = "Policy %v/%v is invalid and was rejected: %v"
E3 = "VirtualServer %s was rejected with error: %s"
E3R = "VirtualServerRoute %s was rejected with error: %s"
RELOAD_ERROR = "Configuration for %s was added or updated ; but was not applied: %v"
"""``controller.go :: updateRegularIngressStatusAndEvents`` (the VS/minion/VSR variants differ in spacing)."""


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
        nic=E1,
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
        nic=W12,
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
        nic=W12,
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
        nic=E3,
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
        nic=W1,
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
        nic=W2,
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
        nic=W14,
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
        nic=W3,
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
        nic=W6,
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
        nic=W7,
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
        nic=W8,
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
        nic=W11,
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
        nic=W11,
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
        nic=W4,
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
        nic=W13,
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
        nic=W16,
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
        nic=W17A,
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
        nic=W18,
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
        nic=W15,
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
        nic=RELOAD_ERROR,
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
    "MTLS011": (W15,),
    "MTLS012": (W15,),
    "MTLS014": (E3R,),
    "MTLS019": (W4, W5),
    "MTLS022": (W9, W10),
    "MTLS023": (W9, W10),
    "MTLS024": (W9, W6, W11),
    "MTLS027": (W17B,),
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


# --- classifying NIC texts ------------------------------------------------------------------------------------


def _go_regex(fmt: str) -> re.Pattern[str]:
    """A Go format string as a regex with one group per verb (``%q`` quoted, ``%s``/``%v`` anything)."""
    out = ""
    pos = 0
    for m in re.finditer(r"%[sqvd]", fmt):
        out += re.escape(fmt[pos : m.start()])
        out += r'"((?:[^"\\]|\\.)*)"' if m.group() == "%q" else r"(.*?)"
        pos = m.end()
    return re.compile(out + re.escape(fmt[pos:]) + r"\Z", re.S)


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, _go_regex(fmt))
    for name, fmt in (
        # Order matters: W9 before W11 (W9 is a special case of W11's shape).
        ("W1", W1),
        ("W2", W2),
        ("W3", W3),
        ("W4", W4),
        ("W5", W5),
        ("W6", W6),
        ("W7", W7),
        ("W8", W8),
        ("W9", W9),
        ("W10", W10),
        ("W11", W11),
        ("W12", W12),
        ("W13", W13),
        ("W14", W14),
        ("W15", W15),
        ("W16", W16),
        ("W16", W16_54),
        ("W2", versions.V5_4.ingress_mtls_no_tls),
        ("W4", versions.V5_4.ingress_mtls_no_secret),
        ("W17B", W17B),
        ("W17A", W17A),
        ("W18", W18),
    )
)


def classify(text: str) -> tuple[str, tuple[str, ...]] | None:
    """Which NIC warning (``W1``..``W18``) a text is, with the values filled into its verbs."""
    for name, pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            return name, tuple(m.groups())
    return None


# --- building findings ----------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A finding under construction: texts for the same cause are folded in before it is frozen."""

    check: Check
    message: str
    resource: ObjectRef | None = None
    source: str = ""
    host: str | None = None
    path: str | None = None
    policy: str | None = None
    nic_texts: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def add_nic(self, text: str) -> None:
        if text and text not in self.nic_texts:
            self.nic_texts.append(text)

    def add_host(self, host: str, path: str | None = None) -> None:
        if host and host not in self.hosts:
            self.hosts.append(host)
        if path and path not in self.paths:
            self.paths.append(path)

    def freeze(self) -> Finding:
        details = list(self.details)
        if len(self.hosts) > 1:
            details.append(("hosts", ", ".join(self.hosts)))
        if len(self.paths) > 1:
            details.append(("paths", ", ".join(self.paths)))
        return Finding(
            check=self.check,
            message=self.message,
            resource=self.resource,
            source=self.source,
            host=self.host or (self.hosts[0] if self.hosts else None),
            path=self.path or (self.paths[0] if len(self.paths) == 1 else None),
            policy=self.policy,
            nic_message="\n".join(self.nic_texts) or None,
            details=tuple(dict.fromkeys(details)),
        )


def _obj(cluster: Cluster, ref: ObjectRef | None) -> AnyObject | None:
    if ref is None:
        return None
    table: Mapping[str, Mapping[str, AnyObject]] = {
        "Secret": cluster.secrets,
        "Service": cluster.services,
        "Policy": cluster.policies,
        "Ingress": cluster.ingresses,
        "VirtualServer": cluster.virtual_servers,
        "VirtualServerRoute": cluster.virtual_server_routes,
        "ConfigMap": cluster.config_maps,
    }
    return table.get(ref.kind, {}).get(ref.key)


def _origin(cluster: Cluster, ref: ObjectRef | None) -> Origin | None:
    obj = _obj(cluster, ref)
    return obj.meta.origin if obj is not None else None


def _at(cluster: Cluster, ref: ObjectRef | None, path: str | None = None) -> str:
    origin = _origin(cluster, ref)
    return origin.at(path) if origin is not None else ""


class _Builder:
    """Collects drafts for one report; keyed so that one cause on one object is one finding."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.cluster = report.cluster
        self.drafts: dict[tuple[object, ...], _Draft] = {}
        self.consumed: set[tuple[ObjectRef, str]] = set()
        """(owner, NIC text) pairs already carried by a finding."""
        self.flagged_secrets: set[str] = set()
        """``ns/name`` of secrets NIC itself reported (certificate checks stay quiet on them)."""
        self._secrets_by_name: dict[str, list[tuple[str, str]]] | None = None

    def other_namespaces(self, secret_key: str) -> list[str]:
        """Namespaces holding a Secret of the same name as ``secret_key`` (one index per report, not a scan each)."""
        if self._secrets_by_name is None:
            self._secrets_by_name = {}
            for k, sec in self.cluster.secrets.items():
                self._secrets_by_name.setdefault(sec.meta.ref.name, []).append((k, sec.meta.ref.namespace))
        name = secret_key.partition("/")[2]
        return [ns for k, ns in self._secrets_by_name.get(name, ()) if k != secret_key]

    def draft(self, key: tuple[object, ...], make: Callable[[], _Draft] | _Draft) -> _Draft:
        """The draft for ``key``, created from ``make`` the first time (so one cause stays one finding)."""
        if key not in self.drafts:
            self.drafts[key] = make if isinstance(make, _Draft) else make()
        return self.drafts[key]

    def findings(self) -> list[Finding]:
        return [d.freeze() for d in self.drafts.values()]


def _hosts_of(report: Report) -> dict[ObjectRef, list[str]]:
    out: dict[ObjectRef, list[str]] = {}
    for h in report.hosts:
        out.setdefault(h.resource, [])
        if h.host not in out[h.resource]:
            out[h.resource].append(h.host)
        for loc in h.locations:
            lst = out.setdefault(loc.result.resource, [])
            if h.host not in lst:
                lst.append(h.host)
    return out


def _iter_outcomes(report: Report) -> Iterator[tuple[PolicyOutcome, str, str | None]]:
    """Every reference's outcome with the host (and location path) it was evaluated for."""
    for h in report.hosts:
        if h.result.policies is not None:
            for o in h.result.policies.outcomes:
                yield o, h.host, None
        for loc in h.locations:
            if loc.result.policies is not None:
                for o in loc.result.policies.outcomes:
                    yield o, h.host, loc.result.path


def _secret_key(ns: str, value: str) -> str:
    return value if "/" in value else f"{ns}/{value}"


def _policy_field_for_secret(policy: Policy | None, secret_key: str) -> str | None:
    """Which Policy field names the secret, for ``file:line`` and for telling tlsSecret from trustedCertSecret."""
    if policy is None:
        return None
    name = secret_key.split("/", 1)[-1]
    if policy.ingress_mtls is not None and policy.ingress_mtls.client_cert_secret == name:
        return "spec.ingressMTLS.clientCertSecret"
    if policy.egress_mtls is not None:
        if policy.egress_mtls.tls_secret == name:
            return "spec.egressMTLS.tlsSecret"
        if policy.egress_mtls.trusted_cert_secret == name:
            return "spec.egressMTLS.trustedCertSecret"
    return None


def _consequence(check: Check, hosts: Sequence[str], path: str | None) -> str:
    where = ", ".join(hosts) or "its hosts"
    if check.outcome == "500":
        return f"location {path} on {where} returns 500" if path else f"every request to {where} gets 500"
    if check.outcome == "fail-open":
        return f"{where} is served without client-certificate verification"
    if check.id == "MTLS020":
        return "the Secret's ca.crl is ignored; ssl_crl names the crlFileName file"
    if check.outcome == "ignored":
        return "the later policy is ignored; the first one wins"
    return ""


def _outcome_findings(b: _Builder) -> None:
    """Findings from each reference's outcome (W1-W13): these carry the reference's file:line."""
    report, cluster = b.report, b.cluster
    for outcome, host, path in _iter_outcomes(report):
        text = outcome.warning
        if not text:
            continue
        src = outcome.source
        owner = src.owner
        b.consumed.add((owner, text))
        hit = classify(text)
        name, args = hit if hit else ("", ())
        policy_obj = cluster.policies.get(src.key)
        ref_at = src.owner_origin.at(src.field) if src.owner_origin else _at(cluster, owner, src.field)
        if name == "W12":
            _missing_policy(b, outcome, text, host, path, ref_at)
            continue
        check_id = _W_TO_CHECK.get(name)
        secret = ""
        if name in ("W4", "W5", "W6", "W9", "W10", "W11"):
            secret = args[1]
            b.flagged_secrets.add(secret)
            pfield = _policy_field_for_secret(policy_obj, secret)
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
        d = b.draft(key, _Draft(chk, "", owner, ref_at, policy=src.key))
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
                msg += _provenance_note(b, d, secret, _policy_field_for_secret(policy_obj, secret))
            if policy_obj is not None:
                pf = _policy_field_for_secret(policy_obj, secret)
                if pf:
                    d.details.append(("policy field", f"{pf} at {policy_obj.meta.origin.at(pf)}"))
        d.message = msg
    for d in b.drafts.values():
        if d.check.outcome in ("500", "fail-open", "ignored") and d.check.nic_enforced:
            tail = _consequence(d.check, d.hosts, d.paths[0] if len(d.paths) == 1 else None)
            if tail and tail not in d.message:
                d.message = f"{d.message}: {tail}"


def _policy_error_field(error: str) -> str | None:
    m = re.match(r"\[?(spec(?:\.[A-Za-z]+|\[\d+\])*)", error)
    return m.group(1) if m else None


def _e1_text(report: Report, key: str, errors: Sequence[str]) -> str:
    for r in report.nic.resources:
        if r.ref.kind == "Policy" and r.ref.key == key:
            for e in r.events:
                if e.reason == "Rejected":
                    return e.message
    agg = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    ns, _, name = key.partition("/")
    return E1.replace("%v/%v", f"{ns}/{name}", 1).replace("%v", agg, 1)


def _invalid_policy_draft(b: _Builder, key: str) -> _Draft | None:
    result = next((p for p in b.report.nic.policies if p.key == key), None)
    if result is None or result.valid:
        return None
    ref = ObjectRef("Policy", *key.split("/", 1))

    def make() -> _Draft:
        first = result.errors[0] if result.errors else ""
        fld = _policy_error_field(first)
        e1 = _e1_text(b.report, key, result.errors)
        d = _Draft(BY_ID["MTLS010"], e1, ref, result.origin.at(fld) if fld else result.origin.at(), policy=key)
        d.add_nic(e1)
        return d

    return b.draft(("MTLS010", key), make)


def _missing_policy(b: _Builder, outcome: PolicyOutcome, text: str, host: str, path: str | None, ref_at: str) -> None:
    """W12: find the cause (invalid policy, wrong class, unwatched namespace, absent) and report it once."""
    cluster, settings = b.cluster, b.report.settings
    src = outcome.source
    invalid = _invalid_policy_draft(b, src.key)
    if invalid is not None:
        invalid.add_nic(text)
        invalid.add_host(host, path)
        users = dict(invalid.details).get("users", "")
        user = f"{src.owner} ({src.field})"
        if user not in users:
            invalid.details = [(k, v) for k, v in invalid.details if k != "users"]
            invalid.details.append(("users", f"{users}, {user}" if users else user))
        invalid.message = invalid.nic_texts[0] + (
            f": every request to {', '.join(invalid.hosts)} gets 500" if invalid.hosts else ""
        )
        return
    if not settings.enable_custom_resources:
        # W16 and W12 are one cause: NIC reads the annotation but has no Policy objects at all.
        c26 = BY_ID["MTLS026"]
        d = b.draft((c26.id, src.owner), _Draft(c26, "", src.owner, ref_at, policy=src.key))
        d.add_nic(text)
        d.add_host(host, path)
        d.message = d.message or f"custom resources are disabled: {_consequence(c26, d.hosts, None)}"
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
    d = b.draft((chk.id, src.owner, src.key), _Draft(chk, "", src.owner, ref_at, policy=src.key))
    d.add_nic(text)
    d.add_host(host, path)
    d.message = f"{why}: {_consequence(chk, d.hosts, d.paths[0] if len(d.paths) == 1 else None)}"


def _all_hosts_taken(b: _Builder) -> None:
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
        d = b.draft((chk.id, r.ref), _Draft(chk, "", r.ref, r.origin.at()))
        d.add_nic(event)
        taken = ", ".join(f"{h} by {owners[h]}" for h in hosts if h in owners) or "its hosts"
        d.message = f"{r.ref} serves nothing: {taken}; NIC generates no configuration for it"
        for h in hosts:
            d.add_host(h)


def _resource_findings(b: _Builder) -> None:
    """Rejections (E2/E3) and the resource warnings no reference outcome carried (W14-W18, W15 folded)."""
    report = b.report
    hosts_of = _hosts_of(report)
    for r in report.nic.resources:
        if r.ref.kind == "Policy":
            continue
        for e in r.events:
            if e.reason == "AddedOrUpdatedWithError":
                _reload_error(b, r.ref, r.origin, e.message, hosts_of.get(r.ref, []))
        reload_failed = any(e.reason == "AddedOrUpdatedWithError" for e in r.events)
        if r.state == "Invalid" and (r.rejection or not reload_failed):
            chk = BY_ID["MTLS014"] if r.ref.kind in ("VirtualServer", "VirtualServerRoute") else BY_ID["MTLS013"]
            text = r.rejection or ""
            event = next((e.message for e in r.events if e.reason == "Rejected"), "")
            fld = _rejection_field(text)
            d = b.draft((chk.id, r.ref), _Draft(chk, "", r.ref, r.origin.at(fld) if fld else r.origin.at()))
            d.add_nic(event or text)
            d.message = f"{r.ref} is rejected: {text or event}" + " (NIC generates no configuration for it)"
            for h in hosts_of.get(r.ref, []):
                d.add_host(h)
        for text in r.warnings:
            if (r.ref, text) in b.consumed:
                continue
            _resource_warning(b, r.ref, r.origin, text, hosts_of.get(r.ref, []))


def _tls_field(cluster: Cluster, ref: ObjectRef, secret: str, host: str, hosts: Sequence[str]) -> tuple[str, list[str]]:
    """The ``spec.tls`` entry a W17/W18 is about, and the hosts it serves (all of the resource's when unknown)."""
    obj = _obj(cluster, ref)
    if isinstance(obj, Ingress):
        for i, tls in enumerate(obj.tls or ()):
            if (secret and tls.secret_name == secret.split("/")[-1]) or (host and host in tls.hosts):
                served = [h for h in tls.hosts if h in hosts] or list(tls.hosts)
                return field_path("spec", "tls", i, "secretName" if secret else "hosts"), [host] if host else served
    if ref.kind == "VirtualServer":
        return "spec.tls.secret", list(hosts)
    return "spec.tls", [host] if host else list(hosts)


def _reload_error(b: _Builder, ref: ObjectRef, origin: Origin, event: str, hosts: Sequence[str]) -> None:
    """An ``AddedOrUpdatedWithError`` event: point at the policy field whose value broke the reload, if one did."""
    chk = BY_ID["MTLS032"]
    source, policy = origin.at(), None
    for key, pol in b.cluster.policies.items():
        crl = pol.ingress_mtls.crl_file_name if pol.ingress_mtls is not None else ""
        if crl and f"/etc/nginx/secrets/{crl}" in event:
            source, policy = pol.meta.origin.at("spec.ingressMTLS.crlFileName"), key
            break
    d = b.draft((chk.id, ref, event), _Draft(chk, "", ref, source, policy=policy))
    d.add_nic(event)
    for h in hosts:
        d.add_host(h)
    reason = event.split("but was not applied:", 1)[-1].strip()
    d.message = f"{ref}: NGINX would not load the configuration ({reason}); the change is not applied"
    if policy is not None:
        d.message += f" (crlFileName of Policy {policy}: NIC never writes that file)"


def _rejection_field(text: str) -> str | None:
    m = re.match(r"\[?((?:spec|metadata)(?:\.[A-Za-z]+|\[\d+\]|\[\"[^\"]*\"\])*)", text)
    if m:
        return m.group(1)
    m = re.match(r"\[?annotations\.([^:]+):", text)
    if m:
        return field_path("metadata", "annotations", m.group(1))
    return None


_INTERNAL_PREFIX = INTERNAL_ERROR.split("{}")[0]


def _internal_error(b: _Builder, ref: ObjectRef, origin: Origin, detail: str, hosts: Sequence[str]) -> None:
    """A resource the replica could not replay: an error on each of its hosts, never a silent drop (no green run
    on a prediction that is missing)."""
    chk = BY_ID["MTLS073"]
    obj = b.cluster.lookup(ref)
    served = list(hosts) or [r.host for r in getattr(obj, "rules", ()) if getattr(r, "host", "")]
    if not served and isinstance(getattr(obj, "host", None), str) and obj.host:  # type: ignore[union-attr]
        served = [obj.host]  # type: ignore[union-attr]
    d = b.draft((chk.id, ref), _Draft(chk, "", ref, origin.at()))
    where = ", ".join(served) or "its hosts"
    d.message = f"{ref} could not be replayed ({detail}): what NIC does for {where} is not predicted"
    for h in served:
        d.add_host(h)


def _resource_warning(b: _Builder, ref: ObjectRef, origin: Origin, text: str, hosts: Sequence[str]) -> None:
    if text.startswith(_INTERNAL_PREFIX):
        _internal_error(b, ref, origin, text[len(_INTERNAL_PREFIX) :], hosts)
        return
    hit = classify(text)
    name, args = hit if hit else ("", ())
    if name == "W15":
        _fold_w15(b, ref, origin, text, args[2], hosts)
        return
    if name == "W14":
        host = args[0]
        chk = BY_ID["MTLS017"]
        obj = _obj(b.cluster, ref)
        rule = next((i for i, r in enumerate(obj.rules) if r.host == host), None) if isinstance(obj, Ingress) else None
        fld = field_path("spec", "rules", rule, "host") if rule is not None else "spec.tls"
        d = b.draft((chk.id, ref, host), _Draft(chk, "", ref, origin.at(fld), host=host))
        d.add_nic(text)
        d.message = f"{text}: {_consequence(chk, [host], None)}"
        return
    if name in ("W17A", "W17B", "W18"):
        chk = BY_ID["MTLS028" if name == "W18" else "MTLS027"]
        secret = args[0] if name != "W18" else ""
        fld, target = _tls_field(b.cluster, ref, secret, args[0] if name == "W18" else "", hosts)
        if secret:
            b.flagged_secrets.add(_secret_key(ref.namespace, secret))
        d = b.draft((chk.id, ref, text), _Draft(chk, "", ref, origin.at(fld)))
        d.add_nic(text)
        for h in target:
            d.add_host(h)
        served = ", ".join(target) or "the host"
        d.message = f"{text}: NIC renders ssl_reject_handshake on; every TLS handshake for {served} is refused"
        key = _secret_key(ref.namespace, secret) if secret else ""
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
            (chk.id, ref), _Draft(chk, "", ref, origin.at(field_path("metadata", "annotations", "nginx.org/policies")))
        )
        if text not in d.nic_texts:
            d.nic_texts.insert(0, text)  # NIC's own explanation first, then the W12 it leads to
        for h in hosts:
            d.add_host(h)
        d.message = f"{text} (in practice NIC finds no policies and returns 500)"
        return
    chk = BY_ID[_W_TO_CHECK.get(name, "MTLS030")]
    d = b.draft((chk.id, ref, text), _Draft(chk, text, ref, origin.at()))
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


def _fold_w15(b: _Builder, ref: ObjectRef, origin: Origin, text: str, inner: str, hosts: Sequence[str]) -> None:
    """W15 wraps a lookup error already behind another finding of this Ingress: carry it there."""
    m = re.search(r"polic(?:y|ies) (?:error )?([a-z0-9.-]+/[a-z0-9.-]+)", inner)
    key = m.group(1) if m else None
    own = [d for d in b.drafts.values() if d.resource == ref or (ref in _users(d))]
    target = None
    if key is not None:
        target = next(
            (d for d in b.drafts.values() if d.policy == key and (d.resource == ref or d.check.id == "MTLS010")), None
        )
    if target is None:
        secretish = [d for d in own if d.check.id in ("MTLS019", "MTLS022", "MTLS023", "MTLS024")]
        target = secretish[0] if secretish else (own[0] if own else None)
    if target is not None:
        target.add_nic(text)
        return
    chk = BY_ID["MTLS029"]
    d = b.draft(
        (chk.id, ref, text),
        _Draft(chk, text, ref, origin.at(field_path("metadata", "annotations", "nginx.org/policies"))),
    )
    d.add_nic(text)
    for h in hosts:
        d.add_host(h)


def _users(d: _Draft) -> list[ObjectRef]:
    """The resources folded into an invalid-policy finding (its ``users`` detail)."""
    text = dict(d.details).get("users", "")
    out: list[ObjectRef] = []
    for m in re.finditer(r"(Ingress|VirtualServer|VirtualServerRoute) ([a-z0-9.-]+)/([a-z0-9.-]+)", text):
        out.append(ObjectRef(m.group(1), m.group(2), m.group(3)))
    return out


def _policy_findings(b: _Builder) -> None:
    """E1 for every invalid Policy, referenced or not (its Rejected event is emitted either way)."""
    for p in b.report.nic.policies:
        if not p.valid:
            _invalid_policy_draft(b, p.key)


def _input_findings(b: _Builder) -> None:
    for n, problem in enumerate(b.cluster.problems):
        chk = BY_ID.get(problem.check_id) or BY_ID[catalogue.NOT_AN_OBJECT]
        line = f"{problem.file}:{problem.line}" if problem.line else problem.file
        if problem.ref is not None and problem.field:
            line = _at(b.cluster, problem.ref, problem.field) or line
        # The loader's one-line message starts with its own file:line (it is printed alone when input is unusable);
        # a finding carries the place in ``source`` already.
        message = problem.message
        for prefix in (f"{problem.file}:{problem.line}: ", f"{problem.file}: "):
            if message.startswith(prefix):
                message = message[len(prefix) :]
                break
        b.draft(("input", n), _Draft(chk, message, problem.ref, line))
    for n, (key, reason) in enumerate(b.cluster.unreadable_secrets.items()):
        chk = BY_ID[catalogue.SECRET_UNREADABLE]
        ns, _, name = key.partition("/")
        if any(p.check_id == chk.id and p.ref is not None and p.ref.key == key for p in b.cluster.problems):
            continue
        b.draft(
            ("unreadable", n), _Draft(chk, f"Secret {key} could not be read: {reason}", ObjectRef("Secret", ns, name))
        )


def _safety_net(b: _Builder) -> None:
    """A ``return 500;`` no finding explains is still reported (the replica knows more than our classifier)."""
    explained_hosts = {h for d in b.drafts.values() if d.check.outcome in ("500", "rejected") for h in d.hosts}
    chk = BY_ID["MTLS031"]
    for h in b.report.hosts:
        if h.result.rejected:
            continue
        if h.result.returns_500 and h.host not in explained_hosts:
            b.draft(
                (chk.id, h.resource, h.host),
                _Draft(chk, f"every request to {h.host} gets 500", h.resource, _at(b.cluster, h.resource), host=h.host),
            )
        for loc in h.locations:
            if loc.result.returns_500 and h.host not in explained_hosts:
                b.draft(
                    (chk.id, loc.result.resource, h.host, loc.path),
                    _Draft(
                        chk,
                        f"location {loc.path} on {h.host} returns 500",
                        loc.result.resource,
                        _at(b.cluster, loc.result.resource, loc.result.origin_field),
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
                _Draft(
                    c17,
                    why or f"{h.host} is served without client-certificate verification",
                    h.resource,
                    _at(b.cluster, h.resource, "metadata.annotations" if why else "spec.tls"),
                    host=h.host,
                ),
            )
            if why:
                d.details.append(("NIC version", b.report.settings.nic_version))


# --- lints NIC does not enforce -------------------------------------------------------------------------------

_DANGEROUS = re.compile(r"[;{}$`\"'\\\n\r]")
"""NIC's own ``ContainsDangerousChars`` set (``validation/policy.go``) plus quotes and backslash, which also end
an nginx token."""
_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})


def _policy_lints(b: _Builder) -> None:
    invalid = {p.key for p in b.report.nic.policies if not p.valid}
    for key, pol in b.cluster.policies.items():
        ref, origin = pol.meta.ref, pol.meta.origin
        im, em = pol.ingress_mtls, pol.egress_mtls
        if im is not None:
            mode = im.verify_client or "on"
            fld = "spec.ingressMTLS.verifyClient"
            if mode in ("off", "optional_no_ca"):
                why = (
                    "nginx does not request a client certificate at all (ssl_verify_client off)"
                    if mode == "off"
                    else "nginx accepts a certificate from any issuer (only its dates are checked; "
                    "$ssl_client_verify is FAILED), and clients without one are served too"
                )
                _lint(b, "MTLS060", ref, origin.at(fld), key, f"verifyClient {mode!r}: {why}")
            elif mode == "optional":
                _lint(
                    b,
                    "MTLS061",
                    ref,
                    origin.at(fld),
                    key,
                    "verifyClient 'optional': clients without a certificate are served (no 400)",
                )
            if im.crl_file_name:
                _injection(b, ref, origin, key, "spec.ingressMTLS.crlFileName", im.crl_file_name, path=True)
                reload_errors = [d for d in b.drafts.values() if d.check.id == "MTLS032" and d.policy == key]
                if not reload_errors:
                    _lint(
                        b,
                        "MTLS070",
                        ref,
                        origin.at("spec.ingressMTLS.crlFileName"),
                        key,
                        f"ssl_crl /etc/nginx/secrets/{im.crl_file_name} must be provided on every NIC pod",
                    )
        if em is not None:
            usable = key not in invalid  # NIC rejects an invalid policy whole (MTLS010): its settings never apply
            if usable and not em.verify_server:
                _lint(
                    b,
                    "MTLS063",
                    ref,
                    origin.at("spec.egressMTLS"),
                    key,
                    "verifyServer is off: proxy_ssl_verify off accepts any upstream certificate",
                )
            elif usable and not em.ssl_name:
                _lint(
                    b,
                    "MTLS064",
                    ref,
                    origin.at("spec.egressMTLS.verifyServer"),
                    key,
                    "verifyServer is on but sslName is not set: proxy_ssl_name $proxy_host is the upstream "
                    "block name, which no upstream certificate carries",
                )
            if usable and not em.protocols:
                _lint(
                    b,
                    "MTLS067",
                    ref,
                    origin.at("spec.egressMTLS"),
                    key,
                    "protocols not set: NIC renders proxy_ssl_protocols TLSv1 TLSv1.1 TLSv1.2 (no TLSv1.3)",
                )
            _injection(b, ref, origin, key, "spec.egressMTLS.ciphers", em.ciphers)
            bad_protocols = _injection(b, ref, origin, key, "spec.egressMTLS.protocols", em.protocols)
            if em.protocols and not bad_protocols:
                unknown = [p for p in em.protocols.split() if p not in _PROTOCOLS]
                if unknown:
                    _lint(
                        b,
                        "MTLS069",
                        ref,
                        origin.at("spec.egressMTLS.protocols"),
                        key,
                        f"protocols {em.protocols!r}: unknown name(s) {', '.join(unknown)}; nginx -t fails",
                    )


def _injection(
    b: _Builder, ref: ObjectRef, origin: Origin, key: str, fld: str, value: str, *, path: bool = False
) -> bool:
    if not value:
        return False
    bad = sorted(set(_DANGEROUS.findall(value)))
    if path and ("/" in value or ".." in value or " " in value or "\t" in value):
        bad += [c for c in ("/", "..", " ") if c in value]
    if not value.strip():
        bad.append("blank")
    if not bad:
        return False
    shown = ", ".join(repr(c) for c in bad)
    _lint(
        b,
        "MTLS068",
        ref,
        origin.at(fld),
        key,
        f"{fld.rsplit('.', 1)[-1]} {value!r} contains {shown}: NIC copies it verbatim into nginx.conf",
    )
    return True


def _verbatim_lints(b: _Builder) -> None:
    """MTLS068 for the ConfigMap keys and Ingress annotations NIC renders without validating them."""
    settings = b.report.settings
    cm = find_nic_configmap(b.cluster, settings)
    for v in verbatim.configmap_values(b.report.nic.settings.configmap, b.report.nic.settings.plus):
        why = verbatim.problem(v)
        if why is None:
            continue
        fld = field_path("data", v.key)
        if cm is not None and v.key not in settings.configmap:
            ref, source = cm.meta.ref, cm.meta.origin.at(fld)
        else:
            ref, source = None, f"--configmap {v.key}"
        text = f"ConfigMap key {v.key} {v.value!r} {why}: NIC copies it verbatim into nginx.conf"
        _lint(b, "MTLS068", ref, source, None, text, extra_key=v.key)
    handled = {r.ref: r for r in b.report.nic.resources}
    hosts = _hosts_of(b.report)
    for ing in b.cluster.ingresses.values():
        res = handled.get(ing.meta.ref)
        if res is None or res.rejection:
            continue
        for v in verbatim.annotation_values(ing.annotations):
            why = verbatim.problem(v)
            if why is None:
                continue
            fld = field_path("metadata", "annotations", v.key)
            text = f"annotation {v.key} {v.value!r} {why}: NIC copies it verbatim into nginx.conf"
            d = _lint(b, "MTLS068", ing.meta.ref, ing.meta.origin.at(fld), None, text, extra_key=v.key)
            for host in hosts.get(ing.meta.ref, []):
                d.add_host(host)


def _lint(
    b: _Builder,
    check_id: str,
    ref: ObjectRef | None,
    source: str,
    policy: str | None,
    message: str,
    *,
    host: str | None = None,
    path: str | None = None,
    extra_key: object = None,
) -> _Draft:
    chk = BY_ID[check_id]
    return b.draft(
        (check_id, ref, policy, host, extra_key, message if extra_key is None else None),
        _Draft(chk, message, ref, source, host=host, path=path, policy=policy),
    )


def _applied_egress(cfg: PoliciesCfg | None) -> EgressMTLSCfg | None:
    if cfg is None or cfg.error_return is not None:
        return None
    return cfg.egress_mtls


def _egress_lints(b: _Builder) -> None:
    """Per location, from the configs the replica generated (which egress block reaches which upstream)."""
    cluster = b.cluster
    for h in b.report.hosts:
        if h.result.rejected or h.result.returns_500:
            continue
        server_eg = _applied_egress(h.result.policies)
        for loc in h.locations:
            lr = loc.result
            # Internal split/match locations carry the upstream of VS routes: they count; named ones have none.
            if lr.returns_500 or not lr.upstream_scheme:
                continue
            loc_eg = _applied_egress(lr.policies)
            loc_at = _at(cluster, lr.resource, lr.origin_field) if lr.origin_field else _at(cluster, lr.resource)
            if server_eg is not None and loc_eg is None and lr.grpc:
                d = _lint(
                    b,
                    "MTLS065",
                    h.resource,
                    _ref_at(cluster, server_eg),
                    server_eg.source.key,
                    f"server-level egressMTLS {server_eg.source.key} renders proxy_ssl_* only; gRPC "
                    f"location(s) on {h.host} use grpc_pass and get no client certificate or verification",
                    host=h.host,
                    extra_key="grpc",
                )
                d.add_host(h.host, lr.path)
                continue
            eg = loc_eg or server_eg
            if eg is None:
                continue
            if lr.upstream_scheme in ("http", "grpc"):
                how = (
                    "set upstreams[].tls.enable: true"
                    if lr.resource.kind in ("VirtualServer", "VirtualServerRoute")
                    else f"list {lr.service or 'the service'} in nginx.org/ssl-services"
                )
                d = _lint(
                    b,
                    "MTLS062",
                    lr.resource,
                    loc_at,
                    eg.source.key,
                    f"egressMTLS {eg.source.key} applies to {lr.upstream_scheme}:// upstream(s) on {h.host} "
                    f"({lr.service or lr.upstream}): no TLS to the upstream, the policy has no effect; {how}",
                    host=h.host,
                    extra_key=("plain", lr.service),
                )
                d.add_host(h.host, lr.path)
            if loc_eg is not None and server_eg is not None and not lr.grpc:
                # Which directives still come from the server is the report's effective view (NGINX inheritance,
                # computed once in analysis.effective), not a second derivation here.
                from_server = {k for k, eff in loc.effective.items() if eff.source == "server"}
                inherited = []
                if "proxy_ssl_certificate" in from_server:
                    inherited.append(f"client certificate {server_eg.certificate}")
                if "proxy_ssl_trusted_certificate" in from_server:
                    inherited.append(f"trusted CA {server_eg.trusted_cert}")
                if inherited:
                    d = _lint(
                        b,
                        "MTLS066",
                        lr.resource,
                        _ref_at(cluster, loc_eg),
                        loc_eg.source.key,
                        f"egressMTLS {loc_eg.source.key} at {lr.path} overrides {server_eg.source.key} but "
                        f"inherits its {' and '.join(inherited)}",
                        host=h.host,
                        extra_key="partial",
                    )
                    d.add_host(h.host, lr.path)


def _ref_at(cluster: Cluster, cfg: EgressMTLSCfg) -> str:
    src = cfg.source
    return src.owner_origin.at(src.field) if src.owner_origin else _at(cluster, src.owner, src.field)


def _duplicate_refs(b: _Builder) -> None:
    for ing in b.cluster.ingresses.values():
        seen: dict[str, str] = {}
        for ann in ("nginx.org/policies", "nginx.com/policies"):
            raw = ing.annotations.get(ann)
            if not raw:
                continue
            for item in raw.split(","):
                item = item.strip()
                parts = item.split("/")
                key = item if len(parts) == 2 else f"{ing.meta.ref.namespace}/{item}"
                if not item:
                    continue
                if key in seen:
                    fld = field_path("metadata", "annotations", ann)
                    _lint(
                        b,
                        "MTLS071",
                        ing.meta.ref,
                        ing.meta.origin.at(fld),
                        key,
                        f"policy {key} is referenced twice ({seen[key]} and {ann}); NIC keeps the first",
                    )
                else:
                    seen[key] = ann


# --- Secrets made elsewhere (sources/promises.py) ----------------------------------------------------------------


def _provenance_note(b: _Builder, d: _Draft, key: str, pfield: str | None) -> str:
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


def _policy_secret_names(pol: Policy) -> list[tuple[str, str, str, str]]:
    """(field, secret name, type NIC wants, check id) of an mTLS policy's secret references, in NIC's order."""
    values = {
        "spec.ingressMTLS.clientCertSecret": pol.ingress_mtls.client_cert_secret if pol.ingress_mtls else "",
        "spec.egressMTLS.tlsSecret": pol.egress_mtls.tls_secret if pol.egress_mtls else "",
        "spec.egressMTLS.trustedCertSecret": pol.egress_mtls.trusted_cert_secret if pol.egress_mtls else "",
    }
    return [(fld, values[fld], want, cid) for fld, want, cid in _POLICY_SECRET_CHECKS if values[fld]]


def _unusable_reason(b: _Builder, key: str, want: str) -> str | None:
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


def _every_unusable_secret(b: _Builder) -> None:
    """NIC stops at the first unusable secret of a policy; the others are reported too, so one run shows them all.

    Only for policies NIC uses (referenced and valid) where NIC already flagged one secret: the others then
    surface only after that one is fixed.
    """
    report, cluster = b.report, b.cluster
    invalid = {p.key for p in report.nic.policies if not p.valid}
    hosts: dict[str, list[str]] = {}
    for outcome, host, _path in _iter_outcomes(report):
        lst = hosts.setdefault(outcome.source.key, [])
        if host not in lst:
            lst.append(host)
    for key, served in hosts.items():
        pol = cluster.policies.get(key)
        if pol is None or key in invalid:
            continue
        ns = pol.meta.ref.namespace
        refs = _policy_secret_names(pol)
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
                f"secret of a policy, so it names this one once the other is fixed: {_consequence(chk, served, None)}"
            )
            draft = _Draft(chk, msg, pol.meta.ref, pol.meta.origin.at(fld), policy=key)
            d = b.draft((chk.id, pol.meta.ref, skey), draft)
            for h in served:
                d.add_host(h)
            b.flagged_secrets.add(skey)


def _promised_findings(b: _Builder) -> None:
    """MTLS112: one info per promised Secret NIC looks up; its certificate checks wait until it exists."""
    chk = BY_ID[catalogue.SECRET_CONTENT_UNKNOWN]
    users = _secret_hosts(b)
    for key, promise in b.report.nic.promised_secrets.items():
        if key in b.flagged_secrets:
            continue  # NIC refuses it whatever its content (type); that finding says so
        msg = (
            f"Secret {key} is made by {promise.maker} (type {promise.type}): its content is unknown until it "
            "exists, so expiry, chain depth, key match, SANs and CRL are not checked; NIC is predicted as if it "
            "were valid"
        )
        where = promise.origin.at(promise.field or None)
        d = b.draft((chk.id, key), _Draft(chk, msg, promise.made_by or promise.ref, where))
        d.details.append(("made by", promise.maker))
        d.details.append(("secret type", promise.type))
        for h in users.get(key, []):
            d.add_host(h)


def _secret_hosts(b: _Builder) -> dict[str, list[str]]:
    """``ns/name`` of a Secret -> the hosts whose TLS or mTLS policies use it."""
    users: dict[str, list[str]] = {}

    def add(key: str, hosts: Iterable[str]) -> None:
        lst = users.setdefault(key, [])
        lst.extend(h for h in hosts if h not in lst)

    hosts_of = _hosts_of(b.report)
    for ing in b.cluster.ingresses.values():
        for tls in ing.tls or ():
            if tls.secret_name:
                add(f"{ing.meta.ref.namespace}/{tls.secret_name}", hosts_of.get(ing.meta.ref, []))
    for vs in b.cluster.virtual_servers.values():
        if vs.tls is not None and vs.tls.secret:
            add(f"{vs.meta.ref.namespace}/{vs.tls.secret}", hosts_of.get(vs.meta.ref, []))
    for outcome, host, _path in _iter_outcomes(b.report):
        pol = b.cluster.policies.get(outcome.source.key)
        if pol is not None:
            for _fld, name, _want, _cid in _policy_secret_names(pol):
                add(f"{pol.meta.ref.namespace}/{name}", [host])
    return users


def _nic_does_it(hosts: Sequence[HostReport], ing: Ingress, effect: str) -> bool:
    """NIC already does what the annotations meant: ingressMTLS on every host of the Ingress (fail-open), or
    ``nginx.org/ssl-services`` naming every backend and no ingress-nginx client certificate (plain HTTP)."""
    if effect == "fail-open":
        return bool(hosts) and all(
            h.result.policies is not None and h.result.policies.ingress_mtls is not None for h in hosts
        )
    if ingress_nginx.PREFIX + "proxy-ssl-secret" in ing.annotations:
        return False
    ssl = {s.strip() for s in ing.annotations.get("nginx.org/ssl-services", "").split(",") if s.strip()}
    backends = {p.backend.name for r in ing.rules for p in r.paths if p.backend is not None}
    return bool(backends) and backends <= ssl


def _ingress_nginx_annotations(b: _Builder) -> None:
    """MTLS072: ingress-nginx's mTLS annotations on an Ingress NIC handles, one finding per effect."""
    hosts_of = _hosts_of(b.report)
    handled = {r.ref for r in b.report.nic.resources if r.ref.kind == "Ingress"}
    servers: dict[ObjectRef, list[HostReport]] = {}
    for server in b.report.hosts:
        servers.setdefault(server.result.resource, []).append(server)
    for ing in b.cluster.ingresses.values():
        if ing.meta.ref not in handled:
            continue
        found = ingress_nginx.ignored(ing.annotations)
        served = hosts_of.get(ing.meta.ref, [])
        host_words = ", ".join(served) or "its hosts"
        for effect in ("fail-open", "plain-http"):
            items = [(a, v) for a, v in found if a.effect == effect]
            if not items or not ingress_nginx.meant(ing.annotations, effect):
                continue
            if _nic_does_it(servers.get(ing.meta.ref, []), ing, effect):
                continue
            names = ", ".join(ingress_nginx.PREFIX + a.name for a, _ in items)
            if effect == "fail-open":
                tail = f"{host_words} is served without a client-certificate check (fail-open)"
                secret = ing.annotations.get(ingress_nginx.PREFIX + "auth-tls-secret", "").rpartition("/")[2]
                depth = ing.annotations.get(ingress_nginx.PREFIX + "auth-tls-verify-depth", "1")
                fix = ingress_nginx.INGRESS_MTLS_FIX.format(
                    name=ing.meta.ref.name, namespace=ing.meta.ref.namespace, secret=secret or "client-ca", depth=depth
                )
            else:
                tail = "NGINX proxies to the upstream over plain HTTP (no TLS, no certificate sent or verified)"
                secret = ing.annotations.get(ingress_nginx.PREFIX + "proxy-ssl-secret", "").rpartition("/")[2]
                services = sorted(
                    {p.backend.name for r in ing.rules for p in r.paths if p.backend is not None}
                    | ({ing.default_backend.name} if ing.default_backend else set())
                )
                fix = ingress_nginx.EGRESS_MTLS_FIX.format(
                    name=ing.meta.ref.name,
                    namespace=ing.meta.ref.namespace,
                    secret=secret or "upstream-client",
                    ssl_name=ing.annotations.get(ingress_nginx.PREFIX + "proxy-ssl-name", "") or "<upstream name>",
                    services=",".join(services) or "<service>",
                )
            chk = BY_ID[catalogue.INGRESS_NGINX_ANNOTATION]
            fld = field_path("metadata", "annotations", ingress_nginx.PREFIX + items[0][0].name)
            msg = f"{ing.meta.ref}: NIC ignores the ingress-nginx annotation(s) {names}: {tail}"
            d = b.draft((chk.id, ing.meta.ref, effect), _Draft(chk, msg, ing.meta.ref, ing.meta.origin.at(fld)))
            d.details.append(("use instead", fix))
            for a, _ in items:
                if a.nic_field:
                    d.details.append((ingress_nginx.PREFIX + a.name, f"NIC: {a.nic_field}"))
            for h in served:
                d.add_host(h)


# --- certificates ---------------------------------------------------------------------------------------------


@dataclass
class _SecretUse:
    secret: Secret
    roles: set[str] = field(default_factory=set)
    hosts: list[str] = field(default_factory=list)
    verify_depth: int | None = None
    crl: bool = False
    policy: str | None = None


def _secret_uses(cluster: Cluster, invalid: frozenset[str] = frozenset()) -> dict[str, _SecretUse]:
    """Secrets by role; policies NIC rejected (``invalid``) are left out: their finding already says why."""
    uses: dict[str, _SecretUse] = {}

    def use(key: str, role: str) -> _SecretUse | None:
        sec = cluster.secrets.get(key)
        if sec is None:
            return None
        u = uses.setdefault(key, _SecretUse(sec))
        u.roles.add(role)
        return u

    for ing in cluster.ingresses.values():
        for tls in ing.tls or ():
            if tls.secret_name:
                u = use(f"{ing.meta.ref.namespace}/{tls.secret_name}", "tls")
                if u is not None:
                    u.hosts += [h for h in tls.hosts if h not in u.hosts]
    for vs in cluster.virtual_servers.values():
        if vs.tls is not None and vs.tls.secret:
            u = use(f"{vs.meta.ref.namespace}/{vs.tls.secret}", "tls")
            if u is not None and vs.host not in u.hosts:
                u.hosts.append(vs.host)
    for key, pol in cluster.policies.items():
        if key in invalid:
            continue
        ns = pol.meta.ref.namespace
        if pol.ingress_mtls is not None and pol.ingress_mtls.client_cert_secret:
            u = use(f"{ns}/{pol.ingress_mtls.client_cert_secret}", "ca")
            if u is not None:
                depth = pol.ingress_mtls.verify_depth if pol.ingress_mtls.verify_depth is not None else 1
                u.verify_depth = depth if u.verify_depth is None else min(u.verify_depth, depth)
                u.crl = u.crl or not pol.ingress_mtls.crl_file_name
                u.policy = u.policy or key
        if pol.egress_mtls is not None:
            em = pol.egress_mtls
            if em.tls_secret:
                use(f"{ns}/{em.tls_secret}", "client")
            if em.trusted_cert_secret:
                u = use(f"{ns}/{em.trusted_cert_secret}", "trusted")
                if u is not None:
                    u.policy = u.policy or key
    return uses


def _cert_findings(b: _Builder, now: dt.datetime) -> None:
    cluster = b.cluster
    invalid = frozenset(p.key for p in b.report.nic.policies if not p.valid)
    uses = _secret_uses(cluster, invalid)
    for key, u in uses.items():
        if key in b.flagged_secrets:
            continue  # NIC already rejects this secret; its finding says why
        sec = u.secret
        origin = sec.meta.origin
        issues: list[tuple[certs.CertIssue, str]] = []
        if sec.type == TYPE_TLS and u.roles & {"tls", "client"}:
            crt = sec.data.get("tls.crt", b"")
            hosts = u.hosts if "tls" in u.roles else []
            for i in certs.tls_secret_issues(crt, sec.data.get("tls.key"), hosts, now):
                issues.append((i, field_path("data", "tls.key" if i.check_id == certs.TLS_KEY_MISMATCH else "tls.crt")))
        if sec.type == TYPE_CA and u.roles & {"ca", "trusted"}:
            ca = sec.data.get("ca.crt", b"")
            depth = u.verify_depth if "ca" in u.roles else None
            for i in certs.ca_bundle_issues(ca, now, verify_depth=depth):
                issues.append((i, field_path("data", "ca.crt")))
            if "ca" in u.roles and u.crl and "ca.crl" in sec.data:
                for i in certs.crl_issues(sec.data["ca.crl"], ca, now):
                    issues.append((i, field_path("data", "ca.crl")))
        for issue, fld in issues:
            chk = BY_ID[issue.check_id]
            d = b.draft(
                (chk.id, key, issue.message),
                _Draft(
                    chk,
                    f"Secret {key}: {issue.message}",
                    sec.meta.ref,
                    origin.at(fld),
                    host=issue.host,
                    policy=u.policy,
                ),
            )
            d.details.extend(issue.details)
            for h in [issue.host] if issue.host else u.hosts:
                d.add_host(h)
    _upstream_cert_findings(b, uses, now)


def _upstream_cert_findings(b: _Builder, uses: Mapping[str, _SecretUse], now: dt.datetime) -> None:
    cluster = b.cluster
    invalid = {p.key for p in b.report.nic.policies if not p.valid}
    # Any secret with a tls.crt may be an upstream's own certificate (often Opaque, as in NIC's
    # examples/…/egress-mtls/secure-app.yaml); NGINX's own front-end/client secrets are not upstreams.
    frontend = {k for k, u in uses.items() if u.roles & {"tls", "client"}}
    candidates = [
        (k, s.data["tls.crt"]) for k, s in cluster.secrets.items() if "tls.crt" in s.data and k not in frontend
    ]
    for key, pol in cluster.policies.items():
        em = pol.egress_mtls
        if key in invalid or em is None or not em.verify_server or not em.ssl_name or not em.trusted_cert_secret:
            continue
        ns = pol.meta.ref.namespace
        trusted_key = f"{ns}/{em.trusted_cert_secret}"
        trusted = cluster.secrets.get(trusted_key)
        if trusted is None or trusted_key in b.flagged_secrets or "ca.crt" not in trusted.data:
            continue
        for skey, crt in candidates:
            if not certs.covers_name(crt, em.ssl_name):
                continue
            depth = em.verify_depth if em.verify_depth is not None else 1
            for issue in certs.upstream_verify_issues(
                trusted.data["ca.crt"], crt, em.ssl_name, now, verify_depth=depth
            ):
                chk = BY_ID[issue.check_id]
                d = b.draft(
                    (chk.id, key, skey),
                    _Draft(
                        chk,
                        f"Policy {key}: {issue.message} (upstream certificate from Secret {skey})",
                        pol.meta.ref,
                        pol.meta.origin.at("spec.egressMTLS.trustedCertSecret"),
                        policy=key,
                    ),
                )
                d.details.extend(issue.details)


def _attach_hosts(b: _Builder) -> None:
    """Findings about a Policy (lints, its secrets' certificates) are listed under the hosts that use it."""
    by_policy: dict[str, list[str]] = {}
    for outcome, host, _path in _iter_outcomes(b.report):
        hosts = by_policy.setdefault(outcome.source.key, [])
        if host not in hosts:
            hosts.append(host)
    for d in b.drafts.values():
        if d.host is None and not d.hosts and d.policy:
            for host in by_policy.get(d.policy, []):
                d.add_host(host)


# --- suppression ----------------------------------------------------------------------------------------------


def parse_ignores(ignores: Sequence[str]) -> list[tuple[Check, str | None]]:
    """``--ignore ID`` / ``--ignore ID=Kind/ns/name`` (ids or slugs); ValueError names a bad entry."""
    out: list[tuple[Check, str | None]] = []
    for raw in ignores:
        ident, _, target = raw.strip().partition("=")
        try:
            chk = check(ident.strip())
        except KeyError:
            raise ValueError(f"--ignore {raw}: unknown check {ident.strip()!r} (see `mtls-inspect checks`)") from None
        target = target.strip()
        if target and len(target.split("/")) != 3:
            raise ValueError(f"--ignore {raw}: expected ID=Kind/namespace/name")
        out.append((chk, target.lower() or None))
    return out


@functools.cache
def _ignore_splitter() -> re.Pattern[str]:
    idents = "|".join(re.escape(slug) for slug in sorted(BY_SLUG, key=len, reverse=True))
    return re.compile(rf",\s*(?=(?:MTLS\w+|{idents})\s*(?::|,|$))", re.I)


def _split_ignore_annotation(value: str) -> list[tuple[str, str]]:
    """Entries of the annotation as (ident, reason). Entries are separated by newlines, or by a comma followed by
    something that names a check (``MTLS...``, even mistyped, or a known slug) and a ``:``; any other comma belongs
    to the reason."""
    out: list[tuple[str, str]] = []
    for line in value.splitlines():
        for part in _ignore_splitter().split(line):
            # ``MTLS060, bogus: x``: an id without a reason, then the next entry.
            while bare := re.match(r"\s*([\w-]+)\s*,(.*)", part, re.S):
                out.append((bare.group(1), ""))
                part = bare.group(2)
            ident, _, reason = part.partition(":")
            if ident.strip():
                out.append((ident.strip(), reason.strip()))
    return out


def parse_ignore_annotation(value: str) -> dict[str, str]:
    """``mtls-inspect/ignore: "MTLS012: reason, MTLS060: reason"`` -> check id -> reason (several by `,` or newline;
    a reason may contain commas)."""
    out: dict[str, str] = {}
    for ident, reason in _split_ignore_annotation(value):
        try:
            chk = check(ident)
        except KeyError:
            continue
        out[chk.id] = reason or "suppressed by annotation"
    return out


def unknown_ignore_ids(value: str) -> list[str]:
    """The entries of an ``mtls-inspect/ignore`` annotation that name no check (MTLS008)."""
    entries = _split_ignore_annotation(value)
    return [ident for ident, _ in entries if ident.upper() not in BY_ID and ident.lower() not in BY_SLUG]


def _ignore_annotation_findings(b: _Builder) -> None:
    chk = BY_ID[catalogue.UNKNOWN_CHECK_ID]
    for obj in b.cluster.all_objects():
        value = obj.meta.annotations.get(IGNORE_ANNOTATION)
        if not value:
            continue
        for ident in unknown_ignore_ids(value):
            ref = obj.meta.ref
            where = obj.meta.origin.at(field_path("metadata", "annotations", IGNORE_ANNOTATION))
            message = f"{IGNORE_ANNOTATION} on {ref} names an unknown check {ident!r}: it suppresses nothing"
            b.draft((chk.id, ref, ident), _Draft(chk, message, ref, where))


def _suppress(
    findings: Iterable[Finding], cluster: Cluster, ignores: Sequence[tuple[Check, str | None]]
) -> list[Finding]:
    from dataclasses import replace

    out: list[Finding] = []
    for f in findings:
        reason = ""
        target = f"{f.resource.kind}/{f.resource.namespace}/{f.resource.name}".lower() if f.resource else ""
        for chk, where in ignores:
            if chk.id == f.check.id and (where is None or where == target):
                reason = f"--ignore {chk.id}" + (f"={where}" if where else "")
                break
        if not reason:
            refs = [f.resource] + (
                [ObjectRef("Policy", *f.policy.split("/", 1))] if f.policy and "/" in f.policy else []
            )
            for ref in refs:
                obj = _obj(cluster, ref)
                if obj is None:
                    continue
                ann = obj.meta.annotations.get(IGNORE_ANNOTATION)
                if ann:
                    why = parse_ignore_annotation(ann).get(f.check.id)
                    if why:
                        reason = f"{IGNORE_ANNOTATION} on {ref}: {why}"
                        break
        out.append(replace(f, suppressed=True, suppression=reason) if reason else f)
    return out


# --- entry points ---------------------------------------------------------------------------------------------

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def run_checks(report: Report, *, ignores: Sequence[str] = (), now: dt.datetime | None = None) -> list[Finding]:
    """Every finding for one report, suppressed ones included (marked), errors first, stable order.

    Raises ValueError for an unusable ``--ignore`` entry (the CLI turns it into exit code 2).
    """
    parsed = parse_ignores(ignores)
    at = now if now is not None else dt.datetime.now(dt.UTC)
    b = _Builder(report)
    _input_findings(b)
    _policy_findings(b)
    _outcome_findings(b)
    _resource_findings(b)
    _all_hosts_taken(b)
    _safety_net(b)
    _policy_lints(b)
    _verbatim_lints(b)
    _egress_lints(b)
    _duplicate_refs(b)
    _every_unusable_secret(b)
    _ingress_nginx_annotations(b)
    _cert_findings(b, at)
    _promised_findings(b)
    _ignore_annotation_findings(b)
    _attach_hosts(b)
    findings = _suppress([*b.findings(), *disagreements(report.cluster, report.nic.resources)], report.cluster, parsed)
    order = {id(f): n for n, f in enumerate(findings)}
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 3), order[id(f)]))


def checks_table(fmt: str = "text") -> str:
    """The catalogue for ``mtls-inspect checks``: ``text`` columns, ``json`` records, or ``markdown`` (the docs)."""
    if fmt == "json":
        return json.dumps([check_json(c) for c in CHECKS], indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return checks_markdown()
    lines = [f"{'ID':<8} {'SEVERITY':<8} {'NIC':<4} {'OUTCOME':<10} {'SLUG':<38} TITLE"]
    for c in CHECKS:
        lines.append(
            f"{c.id:<8} {c.severity:<8} {'yes' if c.nic_enforced else 'no':<4} {c.outcome:<10} {c.slug:<38} {c.title}"
        )
    return "\n".join(lines) + "\n"


def check_json(c: Check) -> dict[str, object]:
    return {
        "id": c.id,
        "slug": c.slug,
        "title": c.title,
        "severity": c.severity,
        "nic_enforced": c.nic_enforced,
        "outcome": c.outcome,
        "nic_messages": list(nic_formats(c)),
        "remediation": c.remediation,
        "description": c.description,
        "category": c.category,
        "seed_check": c.seed_check,
        "docs": c.docs,
    }


_EXAMPLES: Mapping[str, str] = {
    "MTLS001": "A YAML file with a tab in its indentation, or a truncated JSON document.",
    "MTLS002": "A document that is a bare list, or an object without `metadata.name`.",
    "MTLS003": "`verifyClient: on` (unquoted: a YAML boolean where the CRD wants a string).",
    "MTLS004": "`spec.ingress_MTLS:` instead of `spec.ingressMTLS:`.",
    "MTLS005": "`cafe-ingress` defined in two files given on the command line.",
    "MTLS006": "`helm template . | mtls-inspect check -` after `helm template` failed: stdin is empty.",
    "MTLS007": "`suppressions: [{id: MTLS061, reason: pilot, expires: 2026-01-31}]` in `.mtls-inspect.yaml`, "
    "read on 2026-02-01.",
    "MTLS008": '`mtls-inspect/ignore: "MTLS0l2: waived"` (a letter l for a one).',
    "MTLS009": "`manifests/token.yaml` is a symbolic link to `/home/runner/.config/gh/hosts.yml`.",
    "MTLS010": "`verifyDepth: -1`, or `verifyServer: true` without `trustedCertSecret`.",
    "MTLS011": "`nginx.org/policies: ingress-mtls-polcy` (a typo), or a Policy in another namespace referenced "
    "without `namespace/`.",
    "MTLS012": "The Policy sets `spec.ingressClassName: internal`, NIC runs with `-ingress-class=nginx`.",
    "MTLS013": '`nginx.org/ssl-services: "a, b"` (the space makes " b" an unknown service).',
    "MTLS014": "The same policy listed twice in a VirtualServer's `spec.policies`.",
    "MTLS015": "A mergeable minion with `nginx.org/policies: ingress-mtls-policy`.",
    "MTLS016": "An Ingress with `nginx.org/policies: ingress-mtls-policy` and no `spec.tls`.",
    "MTLS017": "`spec.tls[0].hosts: [cafe.example.com]` but the rule host is `www.cafe.example.com`.",
    "MTLS018": '`nginx.org/policies: "mtls-a, mtls-b"`, both ingressMTLS.',
    "MTLS019": "`clientCertSecret: ingress-mtls-secret` while the secret has `type: Opaque`.",
    "MTLS020": "The CA secret has a `ca.crl` key and the policy sets `crlFileName: my.crl`.",
    "MTLS021": '`nginx.org/policies: "egress-a, egress-b"`, both egressMTLS.',
    "MTLS022": "`tlsSecret: egress-mtls-secret` naming an `nginx.org/ca` secret.",
    "MTLS023": "`trustedCertSecret: egress-trusted-ca-secret` that does not exist in the Policy's namespace.",
    "MTLS024": "The Policy is in namespace `policies`, the CA secret in `default`.",
    "MTLS025": "An Ingress referencing a `rateLimit` policy in `nginx.org/policies`.",
    "MTLS026": "NIC runs with `-enable-custom-resources=false` and an Ingress has `nginx.org/policies`.",
    "MTLS027": "`spec.tls[0].secretName: tls-secret` naming an `Opaque` secret.",
    "MTLS028": "`spec.tls: [{hosts: [cafe.example.com]}]` without `secretName` and no `-wildcard-tls-secret`.",
    "MTLS029": "`Policy error for Ingress default/cafe: failed to get namespace other`.",
    "MTLS030": "A NIC warning text this version of mtls-inspect does not classify.",
    "MTLS031": "A `return 500;` in the rendered server with no other finding explaining it.",
    "MTLS073": "A bug in mtls-inspect on an unusual resource (the message names the exception).",
    "MTLS034": "`--nic-version 5.3` with `nginx.org/policies: ingress-mtls-policy` on `cafe-ingress`.",
    "MTLS033": "`shop-v2` lists only `shop.example.com`, which the older Ingress `shop` already serves.",
    "MTLS032": "`crlFileName: clients.crl` without the file on the NIC pods: "
    '`X509_LOOKUP_load_file("/etc/nginx/secrets/clients.crl") failed`.',
    "MTLS060": '`verifyClient: "optional_no_ca"`.',
    "MTLS061": '`verifyClient: "optional"`.',
    "MTLS062": "An Ingress with an egressMTLS policy and no `nginx.org/ssl-services`.",
    "MTLS063": "An egressMTLS policy with only `tlsSecret`.",
    "MTLS064": "`verifyServer: true` with `trustedCertSecret` and no `sslName`.",
    "MTLS065": "A standard Ingress with `nginx.org/grpc-services` and a server-level egressMTLS policy.",
    "MTLS066": "A VS route egress policy with only `verifyServer` under a spec egress policy with `tlsSecret`.",
    "MTLS067": "An egressMTLS policy without `protocols`.",
    "MTLS068": '`ciphers: "HIGH; return 200"`, or `crlFileName: ../ca.crl`.',
    "MTLS069": '`protocols: "TLSv1.2,TLSv1.3"` (commas) or `"TLSv1.4"`.',
    "MTLS070": "`crlFileName: clients.crl`.",
    "MTLS071": '`nginx.org/policies: "mtls, default/mtls"`.',
    "MTLS072": "An Ingress moved from ingress-nginx with `nginx.ingress.kubernetes.io/auth-tls-secret: default/ca`.",
    "MTLS100": "A client CA whose `notAfter` has passed: every client gets `400 The SSL certificate error`.",
    "MTLS101": "A TLS certificate issued with a `notBefore` tomorrow.",
    "MTLS102": "A TLS certificate ending in 12 days.",
    "MTLS103": "`tls.key` from a previous certificate after a renewal (when NIC did not already reject the pair).",
    "MTLS104": "A self-made CA certificate without the basicConstraints extension.",
    "MTLS105": "The TLS secret covers `*.example.com`, the host is `a.b.example.com`.",
    "MTLS106": "`verifyDepth: 1` with a bundle root -> intermediate-1 -> intermediate-2.",
    "MTLS107": '`ca.crl: ""` (an empty key) or a CRL in the wrong format.',
    "MTLS108": "A CRL whose `nextUpdate` was last week.",
    "MTLS109": "`trustedCertSecret` holds the public root, the upstream's certificate comes from a private CA.",
    "MTLS110": "`ca.crt` with a second PEM block cut off in the middle.",
    "MTLS111": "`ca.crl` published by a different CA than the one in `ca.crt`.",
    "MTLS112": "`clientCertSecret: client-ca` that an ExternalSecret makes; the repository holds no Secret.",
    "MTLS130": "Live mode without RBAC `get` on the secret a policy references.",
    "MTLS131": "Live mode against a cluster without NIC's CRDs (`virtualservers.k8s.nginx.org`).",
    "MTLS132": "Live mode without RBAC `list` on `policies.k8s.nginx.org`.",
    "MTLS133": "A VirtualServer whose live `status.state` is `Invalid` while the manifests predict `Valid`.",
}


def check_section(c: Check) -> list[str]:
    """One check's page in Markdown (``## ID slug`` down to its example): docs/checks.md, ``checks ID``, SARIF."""
    out = [
        f"## {c.id} {c.slug}",
        "",
        f"**{c.title}**",
        "",
        f"- Severity: {c.severity}",
        f"- NIC enforced: {'yes' if c.nic_enforced else 'no (NIC does not check this)'}",
        f"- Outcome: {c.outcome}",
        f"- Category: {c.category}",
    ]
    if c.seed_check:
        out.append(f"- Seed check: {c.seed_check}")
    formats = nic_formats(c)
    if formats:
        out.append("- NIC message:")
        out += [f"  - `{m}`" for m in formats]
    else:
        out.append("- NIC message: none")
    out += ["", c.description or c.title, "", f"Remediation: {c.remediation}", ""]
    out += [f"Example: {_EXAMPLES.get(c.id, '(none)')}", ""]
    return out


def check_page(c: Check) -> str:
    """``mtls-inspect checks ID``: one check's page."""
    return "\n".join(check_section(c)).rstrip("\n") + "\n"


def checks_markdown() -> str:
    """``docs/checks.md``: a section per check, anchored by its slug."""
    out = [
        "# mtls-inspect checks",
        "",
        "Generated from `inspector/analysis/checks.py` by `scripts/gen_checks_doc.py`; do not edit by hand.",
        "",
        "Ranges: 001-009 input and API-server admission, 010-059 what NIC itself enforces, 060-099 lints NIC does "
        "not enforce, 100-129 certificate facts, 130-139 live cluster. Ids are never reused.",
        "",
        "Suppress a check with `--ignore ID` or `--ignore ID=Kind/namespace/name`, or with the annotation "
        f'`{IGNORE_ANNOTATION}: "MTLS012: reason"` on the object (several separated by `,` or newlines; a '
        "reason may contain commas), or in the config file's `suppressions:` (with an optional `expires:` date). "
        "Suppressed findings stay in the json and sarif reports, marked as suppressed.",
        "",
        "| ID | Check | Severity | NIC enforced | Outcome |",
        "|---|---|---|---|---|",
    ]
    for c in CHECKS:
        out.append(
            f"| {c.id} | [{c.title}](#{c.slug}) | {c.severity} | {'yes' if c.nic_enforced else 'no'} | {c.outcome} |"
        )
    out.append("")
    for c in CHECKS:
        out += [f'<a id="{c.slug}"></a>', *check_section(c)]
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = [
    "BY_ID",
    "BY_SLUG",
    "CHECKS",
    "IGNORE_ANNOTATION",
    "SEED_CHECKS",
    "check",
    "check_json",
    "check_page",
    "check_section",
    "checks_markdown",
    "checks_table",
    "classify",
    "nic_formats",
    "parse_ignore_annotation",
    "parse_ignores",
    "run_checks",
    "unknown_ignore_ids",
]
