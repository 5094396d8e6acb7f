"""The catalogue as text: ``mtls-inspect checks`` (text, json, markdown), one check's page, ``docs/checks.md``."""

from __future__ import annotations

import json
from collections.abc import Mapping

from inspector.analysis.checks.catalogue import CHECKS, IGNORE_ANNOTATION, nic_formats
from inspector.analysis.findings import Check


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
        "Generated from `inspector/analysis/checks/catalogue.py` by `scripts/gen_checks_doc.py`; do not edit by hand.",
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


