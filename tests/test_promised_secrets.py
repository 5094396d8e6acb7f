"""Secrets made elsewhere (cert-manager, External Secrets, Sealed Secrets, --secret-made-elsewhere) and the
ingress-nginx annotations NIC ignores, through the real pipeline (``load_cluster`` -> ``build_report``).

The manifests of each operator's CRDs are written from their documentation: cert-manager.io/v1 ``Certificate``
(``spec.secretName``, ``issuerRef``), ingress-shim's ``cert-manager.io/cluster-issuer`` annotation,
external-secrets.io ``ExternalSecret`` (``spec.target.name``/``template.type``/``creationPolicy``), bitnami.com
``SealedSecret`` (``spec.encryptedData``, ``spec.template.type``). ``tests/data/made-elsewhere`` is a whole
repository of them without a single Secret.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_checks_helpers import (
    active,
    ca_secret,
    client_ca,
    egress_policy,
    ingress,
    ingress_policy,
    report_from,
    secret,
    service,
    tls_secret,
)

from inspector import pki
from inspector.analysis import explain as explain_mod
from inspector.analysis import ingress_nginx
from inspector.cli import main
from inspector.model import ControllerSettings, Origin
from inspector.nic.secrets import MISSING_SECRET_ERROR, SecretStore, promised_secrets
from inspector.report import Report, build_report
from inspector.sources import RawObject
from inspector.sources._live_refs import parse_nic_args
from inspector.sources.convert import build_cluster, load_cluster

REPO = Path(__file__).resolve().parent / "data" / "made-elsewhere"
NS = "default"


def _report(path: Path = REPO, **settings: object) -> Report:
    return build_report(load_cluster([str(path)]), ControllerSettings(**settings))  # type: ignore[arg-type]


def _host(report: Report, name: str):  # type: ignore[no-untyped-def]
    return next(h for h in report.hosts if h.host == name)


def certificate(name: str, secret_name: str, ns: str = NS) -> str:
    return (
        f"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
        f"spec:\n  secretName: {secret_name}\n  dnsNames: [a.example.com]\n"
        "  issuerRef:\n    name: ca-issuer\n    kind: Issuer\n    group: cert-manager.io\n"
    )


def external_secret(name: str, *, target: str = "", type_: str = "", version: str = "v1", policy: str = "") -> str:
    lines = [
        f"apiVersion: external-secrets.io/{version}",
        "kind: ExternalSecret",
        f"metadata:\n  name: {name}\n  namespace: {NS}",
        "spec:",
        "  refreshInterval: 1h",
        "  secretStoreRef:\n    name: vault-backend\n    kind: ClusterSecretStore",
        "  target:",
    ]
    lines.append(f"    name: {target}" if target else "    deletionPolicy: Retain")
    if policy:
        lines.append(f"    creationPolicy: {policy}")
    if type_:
        lines.append(f"    template:\n      type: {type_}")
    lines.append("  dataFrom:\n  - extract:\n      key: pki/ca")
    return "\n".join(lines) + "\n"


def sealed_secret(name: str, type_: str = "") -> str:
    template = f"  template:\n    type: {type_}\n" if type_ else ""
    return (
        f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: {name}\n  namespace: {NS}\n"
        f"spec:\n  encryptedData:\n    ca.crt: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq\n{template}"
    )


# --- the acceptance goal ---------------------------------------------------------------------------------------


def test_repository_without_secrets_gets_no_false_500_and_every_real_error() -> None:
    report = _report()
    shop, app = _host(report, "shop.example.com"), _host(report, "app.example.com")
    for h in (shop, app):
        assert not h.result.returns_500 and not h.result.ssl_reject_handshake, h.host
    assert shop.result.policies is not None and shop.result.policies.ingress_mtls is not None
    assert shop.ingress_effective["ssl_client_certificate"].value.endswith("default-shop-ca-secret-ca.crt")
    ids = sorted(f.check.id for f in active(report) if f.severity == "error")
    # Real errors: a cert-manager CA is kubernetes.io/tls (NIC wants nginx.org/ca), and two egress Secrets nothing
    # makes, both reported in one run although NIC names only the first.
    assert ids == ["MTLS019", "MTLS022", "MTLS023"]
    assert not active(report, "MTLS027")
    (missing,) = active(report, "MTLS022")
    assert "no object in the input creates it" in missing.message
    assert missing.nic_message is not None
    assert f"default/nobody-makes-this: {MISSING_SECRET_ERROR}" in missing.nic_message  # NIC's text stays exact
    (second,) = active(report, "MTLS023")
    assert "nor-this" in second.message and "no object in the input creates it" in second.message
    (ca,) = active(report, "MTLS019")
    assert "made by Certificate default/client-ca" in ca.message
    assert "nginx.org/ca" in ca.check.remediation and "ExternalSecret" in ca.check.remediation
    assert ("made by", "Certificate default/client-ca") in ca.details
    assert any(label == "fix" and "--type=nginx.org/ca" in text for label, text in ca.details)
    unknown = {f.message.split()[1] for f in active(report, "MTLS112")}
    assert unknown == {
        "default/app-tls",
        "default/cafe-secret",
        "default/egress-client",
        "default/egress-trusted-ca",
        "default/shop-ca-secret",
        "default/shop-tls",
    }
    shim = next(f for f in active(report, "MTLS112") if "shop-tls" in f.message)
    assert "Ingress default/shop (via cert-manager ingress-shim)" in shim.message
    assert shim.source.endswith("ingresses.yaml:13")  # spec.tls[0].secretName
    assert not [f for f in active(report) if f.check.category == "certificate" and f.check.id != "MTLS112"]


def test_without_the_makers_every_secret_is_missing(tmp_path: Path) -> None:
    """The same Policies and Ingresses alone: what the makers change (this test fails if promises are ignored)."""
    for name in ("policies.yaml", "ingresses.yaml", "services.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    report = _report(tmp_path)
    assert _host(report, "shop.example.com").result.returns_500  # its CA bundle: the ExternalSecret is gone
    assert _host(report, "cafe.example.com").result.ssl_reject_handshake  # its Certificate is gone
    assert {f.check.id for f in active(report)} >= {"MTLS019", "MTLS022", "MTLS027"}
    # ingress-shim still makes shop's own TLS Secret (the annotation is on the Ingress itself)
    assert [f.message.split()[1] for f in active(report, "MTLS112")] == ["default/shop-tls"]


# --- each maker ------------------------------------------------------------------------------------------------


def test_each_operator_promises_its_secret(tmp_path: Path) -> None:
    cluster = load_cluster([str(REPO)])
    promised = {k: (p.type, str(p.made_by)) for k, p in cluster.promised_secrets.items()}
    assert promised == {
        "default/cafe-secret": ("kubernetes.io/tls", "Certificate default/cafe-cert"),
        "default/client-ca-secret": ("kubernetes.io/tls", "Certificate default/client-ca"),
        "default/shop-ca-secret": ("nginx.org/ca", "ExternalSecret default/shop-client-ca"),
        "default/egress-client": ("kubernetes.io/tls", "ExternalSecret default/egress-client"),  # target.name default
        "default/egress-trusted-ca": ("nginx.org/ca", "SealedSecret default/egress-trusted-ca"),
        "default/app-tls": ("kubernetes.io/tls", "SealedSecret default/app-tls"),
        "default/shop-tls": ("kubernetes.io/tls", "Ingress default/shop"),
    }
    assert not cluster.problems
    path = tmp_path / "m.yaml"
    path.write_text(
        "---\n".join(
            [
                external_secret("plain"),  # no template: Opaque
                external_secret("merged", target="existing", policy="Merge"),  # Merge/None create nothing
                external_secret("none", target="nothing", policy="None", version="v1beta1"),
                sealed_secret("sealed"),  # no template: Opaque
            ]
        ),
        encoding="utf-8",
    )
    other = load_cluster([str(path)])
    assert {k: p.type for k, p in other.promised_secrets.items()} == {
        "default/plain": "Opaque",
        "default/sealed": "Opaque",
    }


def test_opaque_promise_is_still_invisible_to_nic(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        external_secret("client-ca"),
        ingress_policy("mtls", NS, "client-ca"),
        ingress("app", NS, "a.example.com", policies="mtls", tls_hosts=["a.example.com"], tls_secret_name="tls"),
        certificate("tls", "tls"),
        service("app", NS),
    )
    (f,) = active(report, "MTLS019")
    assert "ExternalSecret default/client-ca makes it with type Opaque, which NIC ignores" in f.message
    assert _host(report, "a.example.com").result.returns_500


def test_a_real_secret_wins_over_a_promise(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        secret("client-ca", NS, "Opaque", {"ca.crt": b"x"}),
        external_secret("client-ca", type_="nginx.org/ca"),
        ingress_policy("mtls", NS, "client-ca"),
        ingress("app", NS, "a.example.com", policies="mtls", tls_hosts=["a.example.com"], tls_secret_name="tls"),
        certificate("tls", "tls"),
        service("app", NS),
    )
    (f,) = active(report, "MTLS019")
    assert "exists with type Opaque" in f.message
    assert list(report.nic.promised_secrets) == ["default/tls"]  # the ExternalSecret's promise is shadowed


def test_a_promised_ca_with_a_real_tls_secret(tmp_path: Path) -> None:
    """A promise stands in for the missing Secret only; real Secrets keep every content check."""
    report = report_from(
        tmp_path,
        sealed_secret("client-ca", "nginx.org/ca"),
        ca_secret("other-ca", NS),
        ingress_policy("mtls", NS, "client-ca", verifyClient="on"),
        ingress("app", NS, "a.example.com", policies="mtls", tls_hosts=["a.example.com"], tls_secret_name="tls"),
        tls_secret("tls", NS, "a.example.com"),
        service("app", NS),
    )
    assert not [f for f in active(report) if f.severity == "error"]
    (info,) = active(report, "MTLS112")
    assert info.host == "a.example.com" and info.resource is not None and info.resource.kind == "SealedSecret"


VS = """apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: cafe
  namespace: default
spec:
  host: cafe.example.com
  tls:
    secret: cafe-tls
    cert-manager:
      cluster-issuer: letsencrypt
  upstreams:
  - name: tea
    service: tea
    port: 80
  routes:
  - path: /
    action:
      pass: tea
"""


def test_virtual_server_cert_manager_needs_the_flag(tmp_path: Path) -> None:
    """NIC's validateTLSCmFields (pkg/apis/configuration/validation/virtualserver.go): without
    -enable-cert-manager the VirtualServer is rejected; with it cert-manager makes spec.tls.secret."""
    off = report_from(tmp_path, VS, service("tea", NS))
    (f,) = active(off, "MTLS014")
    assert "spec.tls.cert-manager: Forbidden: field requires cert-manager enablement" in f.message
    assert not off.nic.promised_secrets
    shared = ingress("tea", NS, "tea.example.com", tls_hosts=["tea.example.com"], tls_secret_name="cafe-tls")
    (h,) = active(report_from(tmp_path, VS, shared, service("app", NS), service("tea", NS)), "MTLS027")
    assert "spec.tls.cert-manager, but NIC runs without -enable-cert-manager" in h.message
    no_secret = VS.replace("    secret: cafe-tls\n", "")
    settings = ControllerSettings(enable_cert_manager=True)
    (g,) = active(report_from(tmp_path, no_secret, service("tea", NS), settings=settings), "MTLS014")
    assert "field requires TLS.Secret to be specified" in g.message
    on = report_from(tmp_path, VS, service("tea", NS), settings=ControllerSettings(enable_cert_manager=True))
    assert not _host(on, "cafe.example.com").result.ssl_reject_handshake
    assert not active(on, "MTLS027")
    (info,) = active(on, "MTLS112")
    assert "VirtualServer default/cafe (via NIC's cert-manager controller" in info.message


# --- bad input -------------------------------------------------------------------------------------------------


BAD = [
    "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: a}\nspec:\n  secretName: 12\n",
    "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: b}\nspec: {issuerRef: {name: x}}\n",
    "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\nspec: just-text\n",
    "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: d}\nspec: {secretName: Bad_Name}\n",
    "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata: {name: e}\nspec: {secretName: e}\n",
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: f}\nspec: {target: [x]}\n",
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: g}\n"
    "spec: {target: {template: {type: 5}}}\n",
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: h}\nspec: {template: {type: [a]}}\n",
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {}\nspec: {}\n",
]


def test_odd_maker_fields_are_findings(tmp_path: Path) -> None:
    report = report_from(tmp_path, *BAD, certificate("ok", "ok-tls"))
    problems = [(f.check.id, f.source.rsplit(":", 1)[-1]) for f in active(report) if f.check.category == "input"]
    assert len(problems) == len(BAD)
    assert {cid for cid, _ in problems} == {"MTLS002", "MTLS003"}
    messages = " | ".join(f.message for f in active(report))
    assert "spec.secretName in body must be of type string" in messages
    assert "spec.secretName: Required value" in messages
    assert '"Bad_Name": not a valid Secret name' in messages
    assert "apiVersion cert-manager.io/v1alpha2 is not served" in messages
    assert list(report.cluster.promised_secrets) == ["default/ok-tls"]  # the rest is still read


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(
        [
            ("cert-manager.io/v1", "Certificate"),
            ("external-secrets.io/v1beta1", "ExternalSecret"),
            ("bitnami.com/v1alpha1", "SealedSecret"),
        ]
    ),
    spec=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["secretName", "target", "name", "template", "type", "creationPolicy", "x"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    ),
)
def test_garbage_in_maker_specs_never_raises(kind: tuple[str, str], spec: object) -> None:
    obj = {"apiVersion": kind[0], "kind": kind[1], "metadata": {"name": "m", "namespace": NS}, "spec": spec}
    cluster = build_cluster([RawObject(obj, Origin("g.yaml", 0, 1))])
    assert len(cluster.promised_secrets) + len(cluster.problems) <= 1


# --- --secret-made-elsewhere -------------------------------------------------------------------------------------


def test_secret_made_elsewhere_flag(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "---\n".join(
            [
                egress_policy(
                    "egress",
                    NS,
                    tlsSecret="vault-client",
                    trustedCertSecret="vault-ca",
                    verifyServer=True,
                    sslName="up.example.com",
                    protocols="TLSv1.3",
                ),
                ingress("app", NS, "a.example.com", policies="egress", annotations={"nginx.org/ssl-services": "app"}),
                service("app", NS),
            ]
        ),
        encoding="utf-8",
    )
    src = str(tmp_path / "m.yaml")
    out = io.StringIO()
    assert main(["check", src, "--format", "json"], stdout=out) == 1
    before = {f["id"] for f in json.loads(out.getvalue())["findings"]}
    assert {"MTLS022", "MTLS023"} <= before
    out = io.StringIO()
    args = ["--secret-made-elsewhere", "default/vault-client=kubernetes.io/tls"]
    args += ["--secret-made-elsewhere", "default/vault-ca=nginx.org/ca"]
    assert main(["check", src, *args, "--format", "json"], stdout=out) == 0
    found = json.loads(out.getvalue())["findings"]
    assert {f["id"] for f in found} == {"MTLS112"}
    assert all("something outside the input (--secret-made-elsewhere)" in f["message"] for f in found)
    made = json.loads(out.getvalue())["secrets_made_elsewhere"]
    assert {(m["name"], m["type"], m["made_by"]) for m in made} == {
        ("vault-client", "kubernetes.io/tls", None),
        ("vault-ca", "nginx.org/ca", None),
    }
    with pytest.raises(SystemExit) as exc:
        main(["check", src, "--secret-made-elsewhere", "vault-ca"], stdout=io.StringIO())
    assert exc.value.code == 2


# --- ingress-nginx annotations ------------------------------------------------------------------------------------


def test_ingress_nginx_annotations_are_flagged(tmp_path: Path) -> None:
    p = ingress_nginx.PREFIX
    report = report_from(
        tmp_path,
        ingress(
            "migrated",
            NS,
            "m.example.com",
            tls_hosts=["m.example.com"],
            tls_secret_name="m-tls",
            annotations={
                p + "auth-tls-secret": "default/client-ca",
                p + "auth-tls-verify-client": "on",
                p + "auth-tls-verify-depth": "2",
                p + "backend-protocol": "HTTPS",
                p + "proxy-ssl-secret": "default/upstream-client",
                p + "proxy-ssl-name": "app.internal",
            },
        ),
        ingress("plain", NS, "p.example.com", annotations={p + "backend-protocol": "HTTP"}),
        ingress("off", NS, "o.example.com", annotations={p + "auth-tls-verify-client": "off"}),
        ingress("theirs", NS, "t.example.com", annotations={p + "auth-tls-secret": "default/ca"}).replace(
            "ingressClassName: nginx", "ingressClassName: community-nginx"
        ),
        certificate("m-tls", "m-tls"),
        service("app", NS),
    )
    found = active(report, "MTLS072")
    assert [f.severity for f in found] == ["error", "error"]
    fail_open, plain = found
    assert fail_open.host == "m.example.com" and "fail-open" in fail_open.message
    assert "auth-tls-secret" in fail_open.message and "auth-tls-verify-depth" in fail_open.message
    policy = dict(fail_open.details)["use instead"]
    assert "ingressMTLS:" in policy and "clientCertSecret: client-ca" in policy and "verifyDepth: 2" in policy
    assert "nginx.org/policies: migrated-mtls" in policy
    assert "plain HTTP" in plain.message and "backend-protocol" in plain.message
    egress = dict(plain.details)["use instead"]
    assert "egressMTLS:" in egress and "sslName: app.internal" in egress and "nginx.org/ssl-services: app" in egress
    assert fail_open.source.endswith(":7")  # the first annotation's line


def test_the_annotation_table_is_the_issues_list() -> None:
    names = {a.name for a in ingress_nginx.ANNOTATIONS}
    assert len(names) == 14 and "auth-tls-match-cn" in names and "proxy-ssl-ciphers" in names


# --- explain and rehearsal -----------------------------------------------------------------------------------------


def test_explain_names_the_maker_of_the_ca() -> None:
    report = _report()
    exp = explain_mod.explain(report, "shop.example.com", "/")
    valid = next(p for p in exp.predictions if p.scenario == "valid-client-cert")
    assert "made by ExternalSecret default/shop-client-ca" in valid.detail
    app = explain_mod.explain(report, "app.example.com", "/")
    assert (
        "ssl_certificate, ssl_certificate_key: the file of Secret default/app-tls, made by SealedSecret "
        "default/app-tls (type kubernetes.io/tls; its content is unknown until it exists)"
    ) in app.notes
    assert any(
        n.startswith("proxy_ssl_trusted_certificate: the file of Secret default/egress-trusted-ca") for n in app.notes
    )


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="no nginx")
def test_rehearsal_uses_stand_in_material(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    code = main(["rehearse", str(REPO), "--host", "shop.example.com", "--format", "json"], stdout=out)
    result = json.loads(out.getvalue())
    assert code == 0, out.getvalue()
    assert any(
        "default/shop-ca-secret" in n and "stand-in nginx.org/ca" in n for n in result["nginx"]["stand_in_material"]
    )
    assert "stand-in" in capsys.readouterr().err
    assert {p["scenario"]: p["ok"] for p in result["probes"]}["valid-client-cert"]


# --- also found on real manifests ----------------------------------------------------------------------------------


def test_nic_store_holds_a_promise_with_type_and_no_content() -> None:
    cluster = load_cluster([str(REPO)])
    store = SecretStore(cluster.secrets, promised_secrets(cluster, ControllerSettings()))
    ref = store.get("default/shop-ca-secret")
    assert ref.error is None and ref.secret is not None and ref.secret.type == "nginx.org/ca"
    assert (
        ref.path == "/etc/nginx/secrets/default-shop-ca-secret-ca.crt /etc/nginx/secrets/default-shop-ca-secret-ca.crl"
    )
    assert not ref.secret.data and not store.files()
    assert list(store.promised()) == ["default/shop-ca-secret"]
    assert store.get("default/nobody").error == MISSING_SECRET_ERROR


def test_enable_cert_manager_is_read_from_nics_args() -> None:
    assert parse_nic_args(["-enable-cert-manager"]) == {"enable_cert_manager": True}
    assert parse_nic_args(["-enable-cert-manager=false"]) == {"enable_cert_manager": False}


def test_crl_conflict_says_crl_file_name_wins(tmp_path: Path) -> None:
    crl = pki.make_crl(client_ca())
    report = report_from(
        tmp_path,
        ca_secret("ca", NS, **{"ca.crl": crl}),
        ingress_policy("mtls", NS, "ca", crlFileName="my.crl"),
        ingress("app", NS, "a.example.com", policies="mtls", tls_hosts=["a.example.com"], tls_secret_name="tls"),
        tls_secret("tls", NS, "a.example.com"),
        service("app", NS),
    )
    (f,) = active(report, "MTLS020")
    assert f.message.endswith("the Secret's ca.crl is ignored; ssl_crl names the crlFileName file")
    assert "first one wins" not in f.message


def test_api_server_refusal_fix_is_not_verify_client_advice(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        secret("bad", NS, "Opaque", {}).replace("data:\n", "data:\n  x: '%%%'\n"),
        ingress_policy("m", NS, "c"),
    )
    (f,) = active(report, "MTLS003")
    assert "base64" in f.message and "verifyClient" not in f.check.remediation
    unquoted = report_from(
        tmp_path,
        ingress_policy("m", NS, "c").replace("clientCertSecret: c", "clientCertSecret: c\n    verifyClient: on"),
    )
    (g,) = active(unquoted, "MTLS003")
    assert 'quote the value: "on"' in g.message  # the advice stays where it applies


def test_no_egress_lints_on_a_policy_nic_rejects(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        egress_policy("bad", NS, verifyServer=True, verifyDepth=-1, trustedCertSecret="ca"),
        egress_policy("good", NS, verifyServer=True, trustedCertSecret="ca"),
        ca_secret("ca", NS),
    )
    assert [f.policy for f in active(report, "MTLS010")] == ["default/bad"]
    for cid in ("MTLS064", "MTLS067"):
        assert [f.policy for f in active(report, cid)] == ["default/good"], cid


def test_ingress_nginx_annotations_that_change_nothing(tmp_path: Path) -> None:
    """No finding when ingress-nginx itself did nothing (no auth-tls-secret) or NIC already does the job."""
    p = ingress_nginx.PREFIX
    report = report_from(
        tmp_path,
        ingress("depth-only", NS, "d.example.com", annotations={p + "auth-tls-verify-depth": "2"}),
        ingress(
            "moved",
            NS,
            "m.example.com",
            policies="mtls",
            tls_hosts=["m.example.com"],
            tls_secret_name="tls",
            annotations={
                p + "auth-tls-secret": "default/ca",
                p + "backend-protocol": "HTTPS",
                "nginx.org/ssl-services": "app",
            },
        ),
        ingress_policy("mtls", NS, "ca"),
        ca_secret("ca", NS),
        tls_secret("tls", NS, "m.example.com"),
        service("app", NS),
    )
    assert not active(report, "MTLS072")


def test_a_redefined_maker_replaces_its_promise(tmp_path: Path) -> None:
    cluster = load_cluster([str(_write(tmp_path, certificate("c", "first"), certificate("c", "second")))])
    assert list(cluster.promised_secrets) == ["default/second"]
    assert [p.check_id for p in cluster.problems] == ["MTLS005"]


def _write(tmp_path: Path, *docs: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text("---\n".join(docs), encoding="utf-8")
    return path
