"""--nic-version: one test per modelled difference between NIC releases (nic/versions.py, docs/nic-versions.md).

Each input is a real manifest read by the file loader, with real certificates; each assertion is what that release's
code does (the tag and path are in docs/nic-versions.md).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest

from inspector import pki
from inspector.cli import main
from inspector.model import ControllerSettings
from inspector.nic import versions
from inspector.report import Report, build_report, to_json
from inspector.sources.convert import build_cluster
from inspector.sources.files import load_text
from tests.test_output import validate_sarif

CA = pki.make_ca("client CA")
LEAF = pki.make_leaf("cafe.example.com", CA, sans=["cafe.example.com"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


SECRETS = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: tls-secret, namespace: default}}
type: kubernetes.io/tls
data: {{tls.crt: {_b64(LEAF.cert_pem)}, tls.key: {_b64(LEAF.key_pem)}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: ca-secret, namespace: default}}
type: nginx.org/ca
data: {{ca.crt: {_b64(CA.cert_pem)}}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {{name: mtls, namespace: default}}
spec:
  ingressMTLS: {{clientCertSecret: ca-secret, verifyClient: "on"}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {{name: egress, namespace: default}}
spec:
  egressMTLS: {{tlsSecret: tls-secret}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {{name: allow, namespace: default}}
spec:
  accessControl: {{allow: [10.0.0.0/8]}}
"""


def ingress(annotations: dict[str, str]) -> str:
    return f"""\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe
  namespace: default
  annotations: {json.dumps(annotations)}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [cafe.example.com], secretName: tls-secret}}]
  rules:
  - host: cafe.example.com
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: tea, port: {{number: 80}}}}}}}}
"""


def report(text: str, version: str, **settings: Any) -> Report:
    raws, problems = load_text(text, "cafe.yaml")
    cluster = build_cluster(raws, problems, sources=["cafe.yaml"])
    return build_report(cluster, ControllerSettings(nic_version=version, **settings))


def host(rep: Report, name: str = "cafe.example.com") -> Any:
    return next(h for h in rep.hosts if h.host == name)


def warnings(rep: Report) -> list[str]:
    return [w.text for r in rep.nic.resources for w in r.warnings]


def ids(rep: Report) -> set[str]:
    return {f.id for f in rep.active_findings()}


# --- the versions themselves --------------------------------------------------------------------------------------


def test_versions_resolve_lines_and_patch_releases() -> None:
    assert [v for v in versions.VERSIONS] == ["5.3", "5.4", "5.5", "5.6"]
    assert versions.DEFAULT == "5.6" and ControllerSettings().nic_version == "5.6"
    assert versions.resolve("v5.5.2").name == "5.5"
    assert versions.resolve("5.4.3").name == "5.4"
    assert versions.resolve("5.6.0").name == "5.6"
    with pytest.raises(ValueError, match=r"unknown NIC version '4\.0'; known versions: 5\.3, 5\.4, 5\.5, 5\.6"):
        versions.resolve("4.0")
    with pytest.raises(ValueError, match=r"NIC 5\.4\.1 is not modelled: .*#9792"):
        versions.resolve("5.4.1")
    with pytest.raises(ValueError, match="unknown"):
        versions.resolve("5.5.9")


# --- 5.3: nginx.org/policies on an Ingress is not read -------------------------------------------------------------


def test_before_5_4_the_policies_annotation_is_not_read_and_the_host_is_fail_open() -> None:
    text = SECRETS + ingress({"nginx.org/policies": "mtls"})
    new = report(text, "5.6")
    assert "ssl_verify_client on" in host(new).server_directives and not host(new).result.fail_open
    old = report(text, "5.3")
    h = host(old)
    assert not any(d.startswith("ssl_verify_client") for d in h.server_directives)
    assert h.result.fail_open and not h.result.returns_500
    assert warnings(old) == []  # NIC 5.3 says nothing
    assert [f for f in old.active_findings() if f.id == "MTLS017"] == []  # not a spec.tls problem
    (finding,) = [f for f in old.active_findings() if f.id == "MTLS034"]
    assert "NIC 5.5 or later" in finding.check.remediation
    assert finding.message.startswith("NIC 5.3 does not read nginx.org/policies on Ingress default/cafe")
    assert "ingressMTLS policy default/mtls is silently absent" in finding.message
    assert ("NIC version", "5.3") in finding.details
    (note,) = old.nic.version_notes
    assert note.fail_open and note.hosts == ("cafe.example.com",)


# --- 5.4: other types only on an Ingress (#9792), 500 for missing ones (#9463), nginx.org/policies only ----------


@pytest.mark.parametrize("policy", ["mtls", "egress"])
def test_5_4_refuses_mtls_policies_on_an_ingress_with_a_500(policy: str) -> None:
    rep = report(SECRETS + ingress({"nginx.org/policies": policy}), "5.4")
    assert f"Policy default/{policy} is not supported on Ingress resources" in warnings(rep)
    assert host(rep).result.returns_500
    assert "MTLS025" in ids(rep)
    assert not host(report(SECRETS + ingress({"nginx.org/policies": policy}), "5.5")).result.returns_500


def test_5_4_applies_access_control_on_an_ingress() -> None:
    rep = report(SECRETS + ingress({"nginx.org/policies": "allow"}), "5.4")
    assert not host(rep).result.returns_500
    assert "allow 10.0.0.0/8" in host(rep).server_directives


def test_5_4_gives_500_for_a_missing_policy() -> None:
    rep = report(SECRETS + ingress({"nginx.org/policies": "nope"}), "5.4")
    assert "Policy default/nope is missing or invalid" in warnings(rep)
    assert host(rep).result.returns_500


def test_5_4_does_not_read_nginx_com_policies() -> None:
    text = SECRETS + ingress({"nginx.com/policies": "mtls"})  # a Plus-only annotation
    assert "ssl_verify_client on" in host(report(text, "5.5", plus=True)).server_directives
    rep = report(text, "5.4", plus=True)
    assert host(rep).result.fail_open and warnings(rep) == []
    assert rep.nic.version_notes[0].message.startswith("NIC 5.4 does not read nginx.com/policies")


def test_5_4_words_the_custom_resources_warning_with_the_annotation() -> None:
    text = SECRETS + ingress({"nginx.org/policies": "allow"})
    rep = report(text, "5.4", enable_custom_resources=False)
    assert ("Ingress default/cafe has the nginx.org/policies annotation but custom resources are not enabled; "
            "policies will be ignored") in warnings(rep)
    assert "MTLS026" in ids(rep) and "MTLS030" not in ids(rep)


def test_5_4_looks_up_no_policy_secret_for_an_ingress() -> None:
    text = SECRETS.replace("clientCertSecret: ca-secret", "clientCertSecret: gone") + ingress(
        {"nginx.org/policies": "mtls"})
    assert any("secret default/gone" in w for w in warnings(report(text, "5.5")))
    rep = report(text, "5.4")
    assert [w for w in warnings(rep) if "gone" in w] == []
    assert "Policy default/mtls is not supported on Ingress resources" in warnings(rep)


# --- 5.5: the invalid-policy text, and no reload on CA rotation (#10039) ------------------------------------------

TWO_TYPES = """\
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: both, namespace: default}
spec:
  accessControl: {allow: [10.0.0.0/8]}
  ingressMTLS: {clientCertSecret: ca-secret}
"""


@pytest.mark.parametrize(("version", "tail"), [
    ("5.6", "`cache`, `cors`, `externalAuth`, `hsts`"),
    ("5.5", "`cache`, `cors`, `externalAuth`"),
    ("5.4", "`cache`, `cors`"),
    ("5.3", "`cache`"),
])
def test_the_invalid_policy_text_is_the_releases_own(version: str, tail: str) -> None:
    rep = report(SECRETS + TWO_TYPES, version)
    (policy,) = [p for p in rep.nic.policies if p.key == "default/both"]
    assert not policy.valid
    assert policy.errors[-1].endswith(f"must specify exactly one of: `accessControl`, `rateLimit`, `ingressMTLS`, "
                                      f"`egressMTLS`, `basicAuth`, `apiKey`, {tail}")


def test_an_hsts_policy_is_not_a_policy_type_before_5_6() -> None:
    text = SECRETS + "---\napiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: hsts, namespace: default}\n" \
        "spec:\n  hsts: {maxAge: 600}\n"
    assert next(p for p in report(text, "5.6").nic.policies if p.key == "default/hsts").valid
    old = next(p for p in report(text, "5.5").nic.policies if p.key == "default/hsts")
    assert not old.valid and "`externalAuth`" in old.errors[-1] and "hsts" not in old.errors[-1]


def test_5_5_does_not_reload_on_ca_rotation_under_ssl_dynamic_reload() -> None:
    text = SECRETS + ingress({"nginx.org/policies": "mtls"})
    assert report(text, "5.6").nic.version_notes == ()
    (note,) = report(text, "5.5").nic.version_notes
    assert not note.fail_open
    assert "does not reload nginx when a CA Secret changes" in note.message and "default/ca-secret" in note.message
    assert report(text, "5.5", ssl_dynamic_reload=False).nic.version_notes == ()
    # A CA Secret NIC refuses (wrong type) is a finding of its own, not a rotation note.
    assert report(text.replace("type: nginx.org/ca", "type: Opaque"), "5.5").nic.version_notes == ()


# --- where the version is named -----------------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        code = main(["check", *args], stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def test_the_report_text_and_sarif_name_the_version(tmp_path: Path) -> None:
    src = tmp_path / "cafe.yaml"
    src.write_text(SECRETS + ingress({"nginx.org/policies": "mtls"}))
    code, out = _cli(tmp_path, str(src), "--nic-version", "v5.5.4", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["controller"]["nic_version"] == "5.5"
    assert "does not reload" in data["controller"]["nic_version_notes"][0]["message"]
    assert to_json(report(src.read_text(), "5.6"))["controller"]["nic_version"] == "5.6"
    _, text = _cli(tmp_path, str(src), "--nic-version", "5.5")
    assert text.rstrip().splitlines()[-1].endswith("predicted for NIC 5.5)")
    assert "note: NIC 5.5 with -ssl-dynamic-reload does not reload nginx" in text
    _, sarif = _cli(tmp_path, str(src), "--nic-version", "5.3", "--format", "sarif")
    log = json.loads(sarif)
    validate_sarif(log)  # a property bag on the tool component keeps the log valid (sarif-2.1.0: toolComponent)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["properties"]["nicVersion"] == "5.3"
    assert driver["semanticVersion"]  # the tool's own version stays where SARIF wants it


def test_an_unknown_version_is_a_usage_error_listing_the_known_ones(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "cafe.yaml"
    src.write_text(SECRETS)
    code, out = _cli(tmp_path, str(src), "--nic-version", "5.2")
    assert (code, out) == (2, "")
    assert capsys.readouterr().err == (
        "mtls-inspect: --nic-version: unknown NIC version '5.2'; known versions: 5.3, 5.4, 5.5, 5.6\n")


def test_a_policies_annotation_a_release_does_not_read_is_not_validated_either() -> None:
    plus_only = SECRETS + ingress({"nginx.com/policies": "mtls"})
    assert state(report(plus_only, "5.5")) == "Invalid"  # Plus-only from 5.5 on
    assert state(report(plus_only, "5.4")) != "Invalid"
    bad_list = SECRETS + ingress({"nginx.org/policies": "mtls,,allow"})
    assert state(report(bad_list, "5.4")) == "Invalid"
    assert state(report(bad_list, "5.3")) != "Invalid"


def state(rep: Report) -> str:
    return next(r.state for r in rep.nic.resources if r.ref.kind == "Ingress" and r.ref.name == "cafe")


def test_a_detected_image_tag_picks_the_release_and_the_option_wins() -> None:
    from inspector.cli import build_parser, settings_from_args

    plain = build_parser().parse_args(["check", "x.yaml"])
    assert settings_from_args(plain, {"nic_version": "5.3.4"}).nic_version == "5.3"
    assert settings_from_args(plain, {"nic_version": "5.4.1"}).nic_version == "5.6"  # not modelled: the default
    given = build_parser().parse_args(["check", "x.yaml", "--nic-version", "5.4"])
    assert settings_from_args(given, {"nic_version": "5.3.4"}).nic_version == "5.4"


# --- before 5.5: addIngressMTLSConfig checks TLS first, and says "in VirtualServer" -------------------------------

VS_NO_TLS = """\
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata: {name: webapp, namespace: default}
spec:
  host: webapp.example.com
  upstreams: [{name: webapp, service: webapp-svc, port: 80}]
  routes:
  - {path: /, policies: [{name: mtls}], action: {pass: webapp}}
"""


@pytest.mark.parametrize(("version", "warning", "check"), [
    ("5.6", "IngressMTLS policy default/mtls is not allowed in the route context", "MTLS015"),
    ("5.5", "IngressMTLS policy default/mtls is not allowed in the route context", "MTLS015"),
    ("5.4", "TLS must be enabled in VirtualServer for IngressMTLS policy default/mtls", "MTLS016"),
    ("5.3", "TLS must be enabled in VirtualServer for IngressMTLS policy default/mtls", "MTLS016"),
])
def test_before_5_5_ingress_mtls_checks_tls_before_the_context(version: str, warning: str, check: str) -> None:
    rep = report(SECRETS + VS_NO_TLS, version)
    assert warning in warnings(rep)
    assert check in ids(rep) and "MTLS030" not in ids(rep)
