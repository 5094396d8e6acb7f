"""The bundled sample cluster: its manifests hold together, its certificates are what the stories need.

Reads the YAML with ``yaml.safe_load_all`` on purpose (not the project's loader), so the sample is checked
independently of the code that will analyse it.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509 import verification

from inspector import pki

SAMPLE = Path(__file__).resolve().parent.parent / "sample-cluster"
REHEARSAL = SAMPLE / "rehearsal"
NOW = dt.datetime.now(dt.UTC)
FIVE_YEARS = dt.timedelta(days=5 * 365)
SEED_FOLDERS = ("cafe", "webapp")
BROKEN_STORIES = (
    "no-tls",
    "minion-ingress-mtls",
    "egress-no-ssl-services",
    "wrong-secret-type",
    "secret-other-namespace",
    "verify-server-no-sslname",
    "two-policies-one-type",
    "expired-ca",
    "host-not-in-tls-hosts",
    "vs-route-ingress-mtls",
)


@dataclass(frozen=True)
class Doc:
    file: str
    """Path relative to sample-cluster/."""
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.body["metadata"].get("namespace", "default"))

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.body.get("spec") or {}
        assert isinstance(spec, dict)
        return spec

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.body["metadata"].get("annotations") or {})


def _load() -> list[Doc]:
    import yaml

    docs: list[Doc] = []
    for path in sorted(SAMPLE.rglob("*")):
        if path.suffix in (".yaml", ".yml", ".json"):
            rel = path.relative_to(SAMPLE).as_posix()
            docs += [Doc(rel, d) for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    return docs


DOCS = _load()


def of_kind(kind: str) -> list[Doc]:
    return [d for d in DOCS if d.kind == kind]


def secret_data(doc: Doc) -> dict[str, bytes]:
    return {k: base64.b64decode(v, validate=True) for k, v in (doc.body.get("data") or {}).items()}


SECRETS = {d.key: d for d in of_kind("Secret")}
POLICIES = {d.key: d for d in of_kind("Policy")}


def certs_of(key: str, field: str) -> list[x509.Certificate]:
    return pki.load_certificates(secret_data(SECRETS[key])[field])


def rehearsal_certs(name: str) -> list[x509.Certificate]:
    return pki.load_certificates((REHEARSAL / name).read_bytes())


def policy_refs(doc: Doc) -> Iterator[tuple[str, str]]:
    """(policy key, scope) for every policy an Ingress/VS references."""
    if doc.kind == "Ingress":
        for item in doc.annotations.get("nginx.org/policies", "").split(","):
            if item.strip():
                ns, _, name = item.strip().rpartition("/")
                yield f"{ns or doc.namespace}/{name}", "ingress"
    elif doc.kind == "VirtualServer":
        for ref in doc.spec.get("policies", []):
            yield f"{ref.get('namespace', doc.namespace)}/{ref['name']}", "spec"
        for route in doc.spec.get("routes", []):
            for ref in route.get("policies", []):
                yield f"{ref.get('namespace', doc.namespace)}/{ref['name']}", "route"


# --- shape ------------------------------------------------------------------------------------------------------


def test_sample_has_every_story() -> None:
    folders = {d.file.split("/")[0] for d in DOCS}
    assert {"cafe", "webapp", "vs-ingress-mtls", "vs-egress-mtls", "mergeable", "broken"} <= folders
    broken_files = {d.file for d in DOCS if d.file.startswith("broken/")}
    assert broken_files == {f"broken/{s}.yaml" for s in BROKEN_STORIES}
    assert not [p for p in REHEARSAL.iterdir() if p.suffix in (".yaml", ".yml", ".json")]


def test_every_document_is_a_kubernetes_object() -> None:
    assert len(DOCS) > 60
    for doc in DOCS:
        assert isinstance(doc.body.get("apiVersion"), str), doc.file
        assert isinstance(doc.body.get("metadata", {}).get("name"), str), doc.file


def test_namespaces_are_explicit_except_in_the_seed_copies() -> None:
    for doc in DOCS:
        if doc.kind == "Namespace":
            continue
        top = doc.file.split("/")[0]
        explicit = "namespace" in doc.body["metadata"]
        if top in SEED_FOLDERS and doc.kind != "Secret":
            assert not explicit, f"{doc.file}: seed copies omit the namespace, as the seed does"
        else:
            assert explicit, f"{doc.file}: {doc.kind} {doc.name} needs metadata.namespace"
    declared = {d.name for d in of_kind("Namespace")}
    assert {d.namespace for d in DOCS if d.kind != "Namespace"} - {"default"} <= declared


def test_no_duplicate_objects() -> None:
    seen: dict[tuple[str, str], str] = {}
    for doc in DOCS:
        ident = (doc.kind, doc.key)
        assert ident not in seen, f"{ident} in {seen.get(ident)} and {doc.file}"
        seen[ident] = doc.file


def test_seed_examples_are_exactly_as_the_seed_describes() -> None:
    cafe = POLICIES["default/ingress-mtls-policy"].spec["ingressMTLS"]
    assert cafe == {"clientCertSecret": "ingress-mtls-secret", "verifyClient": "on", "verifyDepth": 1}
    ing = next(d for d in of_kind("Ingress") if d.key == "default/cafe-ingress")
    assert ing.annotations == {"nginx.org/policies": "ingress-mtls-policy"}
    assert ing.spec["ingressClassName"] == "nginx"
    assert ing.spec["tls"] == [{"hosts": ["cafe.example.com"], "secretName": "tls-secret"}]
    paths = [
        (p["path"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for p in ing.spec["rules"][0]["http"]["paths"]
    ]
    assert paths == [("/tea", "tea-svc", 80), ("/coffee", "coffee-svc", 80)]
    egress = POLICIES["default/egress-mtls-policy"].spec["egressMTLS"]
    assert egress == {
        "tlsSecret": "egress-mtls-secret",
        "trustedCertSecret": "egress-trusted-ca-secret",
        "verifyServer": True,
        "verifyDepth": 2,
        "serverName": True,
        "sslName": "secure-app.example.com",
    }
    web = next(d for d in of_kind("Ingress") if d.key == "default/webapp-ingress")
    assert web.annotations == {"nginx.org/policies": "egress-mtls-policy", "nginx.org/ssl-services": "secure-app"}
    assert "tls" not in web.spec
    rule = web.spec["rules"][0]
    assert rule["host"] == "webapp.example.com"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "secure-app", "port": {"number": 8443}}


def test_hosts_do_not_collide() -> None:
    owners: dict[str, set[str]] = {}
    for doc in of_kind("Ingress"):
        if doc.annotations.get("nginx.org/mergeable-ingress-type") == "minion":
            continue  # minions share their master's host by design
        for rule in doc.spec.get("rules", []):
            owners.setdefault(rule["host"], set()).add(f"Ingress {doc.key}")
    for doc in of_kind("VirtualServer"):
        owners.setdefault(doc.spec["host"], set()).add(f"VirtualServer {doc.key}")
    assert {h: o for h, o in owners.items() if len(o) > 1} == {}
    vs_hosts = {d.spec["host"] for d in of_kind("VirtualServer")}
    assert {"webapp-mtls.example.com", "secure-webapp.example.com"} <= vs_hosts


def test_broken_stories_have_their_own_host() -> None:
    for story in BROKEN_STORIES:
        hosts = {
            rule["host"]
            for d in DOCS
            if d.file == f"broken/{story}.yaml" and d.kind == "Ingress"
            for rule in d.spec.get("rules", [])
        } | {d.spec["host"] for d in DOCS if d.file == f"broken/{story}.yaml" and d.kind == "VirtualServer"}
        assert f"{story}.broken.example.com" in hosts, story


def test_backends_exist_and_ssl_services_name_own_backends() -> None:
    services = {d.key for d in of_kind("Service")}
    for doc in of_kind("Ingress"):
        backends = {
            p["backend"]["service"]["name"]
            for r in doc.spec.get("rules", [])
            for p in r.get("http", {}).get("paths", [])
        }
        assert {f"{doc.namespace}/{b}" for b in backends} <= services, doc.key
        listed = doc.annotations.get("nginx.org/ssl-services")
        if listed is not None:
            # NIC splits on "," without trimming and rejects names that are not backends of this Ingress
            assert set(listed.split(",")) <= backends, doc.key
    for doc in of_kind("VirtualServer"):
        for ups in doc.spec["upstreams"]:
            assert f"{doc.namespace}/{ups['service']}" in services, doc.key


def test_egress_policies_set_protocols_and_ssl_name_outside_the_nic_examples() -> None:
    copies = {"default/egress-mtls-policy", "vs-egress-mtls/egress-mtls-policy"}
    egress = {k: d.spec["egressMTLS"] for k, d in POLICIES.items() if "egressMTLS" in d.spec}
    assert len(egress) >= 8
    for key, spec in egress.items():
        if key in copies:
            continue
        assert spec["protocols"] == "TLSv1.2 TLSv1.3", key
        assert spec["verifyServer"] is True and spec["trustedCertSecret"], key
        if key != "broken/verify-server-no-sslname-egress":
            assert spec["serverName"] is True and spec["sslName"], key
    assert "sslName" not in egress["broken/verify-server-no-sslname-egress"]


def test_policy_secret_references_fail_only_where_a_story_says_so() -> None:
    """Every policy's secrets exist in the policy's namespace with the type NIC wants, except the two stories."""
    problems: dict[str, str] = {}
    for key, pol in POLICIES.items():
        wanted: list[tuple[str, str]] = []
        if "ingressMTLS" in pol.spec:
            wanted.append((pol.spec["ingressMTLS"]["clientCertSecret"], "nginx.org/ca"))
        if "egressMTLS" in pol.spec:
            spec = pol.spec["egressMTLS"]
            for field, want in (("tlsSecret", "kubernetes.io/tls"), ("trustedCertSecret", "nginx.org/ca")):
                if field in spec:
                    wanted.append((spec[field], want))
        for name, want in wanted:
            secret = SECRETS.get(f"{pol.namespace}/{name}")
            if secret is None:
                problems[key] = "missing"
            elif secret.body["type"] != want:
                problems[key] = f"type {secret.body['type']}"
    assert problems == {
        "broken/secret-other-namespace-ingress-mtls": "missing",
        "broken/wrong-secret-type-ingress-mtls": "type kubernetes.io/tls",
    }
    assert "broken-secrets/secret-other-namespace-client-ca" in SECRETS
    # every referenced policy exists
    for doc in of_kind("Ingress") + of_kind("VirtualServer"):
        for ref, _ in policy_refs(doc):
            assert ref in POLICIES, f"{doc.key} -> {ref}"


def test_ingress_mtls_is_misplaced_only_in_its_stories() -> None:
    misplaced = set()
    for doc in of_kind("Ingress") + of_kind("VirtualServer"):
        minion = doc.annotations.get("nginx.org/mergeable-ingress-type") == "minion"
        for ref, scope in policy_refs(doc):
            if "ingressMTLS" in POLICIES[ref].spec and (minion or scope == "route"):
                misplaced.add(doc.key)
            if "ingressMTLS" in POLICIES[ref].spec and doc.kind == "Ingress" and not doc.spec.get("tls"):
                misplaced.add(doc.key)
    assert misplaced == {"broken/minion-ingress-mtls-app", "broken/vs-route-ingress-mtls", "broken/no-tls"}


# --- secrets and certificates ---------------------------------------------------------------------------------


def test_every_secret_decodes_and_files_with_keys_say_sample_material() -> None:
    assert len(SECRETS) >= 30
    for doc in SECRETS.values():
        data = secret_data(doc)
        assert data, doc.key
        if any(k.endswith(".key") for k in data):
            text = (SAMPLE / doc.file).read_text(encoding="utf-8")
            assert "SAMPLE MATERIAL" in text.split(f"name: {doc.name}\n")[0], doc.file


def test_tls_secrets_hold_a_matching_key_pair() -> None:
    tls = [d for d in SECRETS.values() if d.body["type"] == "kubernetes.io/tls" or "tls.key" in d.body["data"]]
    assert len(tls) >= 20
    for doc in tls:
        data = secret_data(doc)
        chain = pki.load_certificates(data["tls.crt"])
        assert pki.key_matches(chain[0], data["tls.key"]), doc.key
        assert not pki.Issued(chain[0], pki.load_key(data["tls.key"])).is_ca, doc.key


def test_ca_secrets_hold_ca_certificates() -> None:
    cas = [d for d in SECRETS.values() if d.body["type"] == "nginx.org/ca"]
    assert len(cas) >= 15
    for doc in cas:
        assert set(secret_data(doc)) == {"ca.crt"}, doc.key
        for cert in certs_of(doc.key, "ca.crt"):
            bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
            assert bc.critical and bc.value.ca, doc.key


def test_tls_certificates_cover_the_hosts_that_use_them() -> None:
    uses: list[tuple[str, str]] = []  # (secret key, host)
    for doc in of_kind("Ingress"):
        for entry in doc.spec.get("tls") or []:
            uses += [(f"{doc.namespace}/{entry['secretName']}", h) for h in entry["hosts"]]
    for doc in of_kind("VirtualServer"):
        if doc.spec.get("tls"):
            uses.append((f"{doc.namespace}/{doc.spec['tls']['secret']}", doc.spec["host"]))
    assert len(uses) >= 12
    for key, host in uses:
        assert SECRETS[key].body["type"] == "kubernetes.io/tls", key
        leaf, *rest = certs_of(key, "tls.crt")
        pki.verify_chain(leaf, rest, rehearsal_certs("server-ca.crt"), server_name=host)


def test_only_the_expired_ca_expires_within_five_years() -> None:
    expired: list[str] = []
    seen = 0
    for doc in SECRETS.values():
        for field, blob in secret_data(doc).items():
            if field.endswith(".crt"):
                for cert in pki.load_certificates(blob):
                    seen += 1
                    assert cert.not_valid_before_utc <= NOW, doc.key
                    if cert.not_valid_after_utc < NOW:
                        expired.append(f"{doc.key}:{field}")
                    else:
                        assert cert.not_valid_after_utc > NOW + FIVE_YEARS, doc.key
    for path in REHEARSAL.glob("*.crt"):
        for cert in pki.load_certificates(path.read_bytes()):
            seen += 1
            assert cert.not_valid_after_utc > NOW + FIVE_YEARS, path.name
    assert seen > 40
    assert expired == ["broken/expired-ca-client-ca:ca.crt"]
    ca = certs_of("broken/expired-ca-client-ca", "ca.crt")[0]
    assert ca.not_valid_after_utc < NOW - dt.timedelta(days=7)


# --- rehearsal material chains to the right CAs ---------------------------------------------------------------

INGRESS_CA_SECRETS = [
    f"{p.namespace}/{p.spec['ingressMTLS']['clientCertSecret']}"
    for p in POLICIES.values()
    if "ingressMTLS" in p.spec and f"{p.namespace}/{p.spec['ingressMTLS']['clientCertSecret']}" in SECRETS
]


@pytest.mark.parametrize("ca_secret", INGRESS_CA_SECRETS)
def test_sample_client_is_valid_where_the_story_allows(ca_secret: str) -> None:
    roots = certs_of(ca_secret, "ca.crt") if SECRETS[ca_secret].body["type"] == "nginx.org/ca" else []
    client = rehearsal_certs("client.crt")
    assert pki.key_matches(client[0], (REHEARSAL / "client.key").read_bytes())
    if ca_secret == "broken/expired-ca-client-ca":
        with pytest.raises(verification.VerificationError):
            pki.verify_chain(client[0], client[1:], roots)
    else:
        # wrong-secret-type holds the right CA under ca.crt: only the Secret's type is wrong
        pki.verify_chain(client[0], client[1:], roots or certs_of(ca_secret, "ca.crt"))


def test_chain_clients_have_the_documented_depth() -> None:
    client_ca = certs_of("default/ingress-mtls-secret", "ca.crt")
    two = rehearsal_certs("client-chain.crt")
    one = rehearsal_certs("client-one-intermediate.crt")
    assert len(two) == 3 and len(one) == 2
    assert pki.key_matches(two[0], (REHEARSAL / "client-chain.key").read_bytes())
    assert pki.key_matches(one[0], (REHEARSAL / "client-one-intermediate.key").read_bytes())
    assert len(pki.verify_chain(two[0], two[1:], client_ca)) == 4
    assert len(pki.verify_chain(one[0], one[1:], client_ca)) == 3
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(two[0], [], client_ca)


def test_client_of_expired_ca_only_verifies_while_its_ca_was_valid() -> None:
    ca = certs_of("broken/expired-ca-client-ca", "ca.crt")
    client = rehearsal_certs("client-of-expired-ca.crt")
    with pytest.raises(verification.VerificationError):
        pki.verify_chain(client[0], [], ca)
    pki.verify_chain(client[0], [], ca, at=ca[0].not_valid_after_utc - dt.timedelta(days=1))


def test_secure_app_certificate_answers_every_ssl_name_the_sample_verifies() -> None:
    server = rehearsal_certs("secure-app.crt")
    assert pki.key_matches(server[0], (REHEARSAL / "secure-app.key").read_bytes())
    names = {"secure-app.example.com", "secure-app"}
    # cryptography's verifier refuses "_" in a DNS name; nginx/OpenSSL match it (tests/test_sample_nginx.py)
    assert "vs_vs-egress-mtls_webapp_secure-app" in server[0].extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)
    checked = 0
    for key, pol in POLICIES.items():
        spec = pol.spec.get("egressMTLS")
        if not spec or not spec.get("verifyServer"):
            continue
        trusted = certs_of(f"{pol.namespace}/{spec['trustedCertSecret']}", "ca.crt")
        for name in names | ({spec["sslName"]} if "sslName" in spec else set()):
            pki.verify_chain(server[0], server[1:], trusted, server_name=name)
            checked += 1
        if "sslName" not in spec:
            # the story: $proxy_host is the upstream block name, which the certificate does not carry
            upstream = (
                "broken-verify-server-no-sslname-verify-server-no-sslname.broken.example.com-"
                "verify-server-no-sslname-app-8443"
            )
            with pytest.raises(verification.VerificationError):
                pki.verify_chain(server[0], server[1:], trusted, server_name=upstream)
            assert key == "broken/verify-server-no-sslname-egress"
    assert checked >= 20


def test_secure_app_ca_verifies_every_egress_client_certificate() -> None:
    upstream_ca = rehearsal_certs("secure-app-ca.crt")
    for app in ("default/app-tls-secret", "vs-egress-mtls/app-tls-secret"):
        assert certs_of(app, "ca.crt") == upstream_ca
        assert certs_of(app, "tls.crt") == rehearsal_certs("secure-app.crt")
    fingerprints = set()
    for pol in POLICIES.values():
        spec = pol.spec.get("egressMTLS")
        if spec and "tlsSecret" in spec:
            chain = certs_of(f"{pol.namespace}/{spec['tlsSecret']}", "tls.crt")
            pki.verify_chain(chain[0], chain[1:], upstream_ca)
            fingerprints.add(pki.fingerprint(chain[0]))
    # each tlsSecret is its own certificate, so a rehearsal can tell from the fingerprint which policy won
    assert len(fingerprints) == len(
        {
            f"{p.namespace}/{p.spec['egressMTLS']['tlsSecret']}"
            for p in POLICIES.values()
            if "tlsSecret" in p.spec.get("egressMTLS", {})
        }
    )
    assert len(fingerprints) >= 6
