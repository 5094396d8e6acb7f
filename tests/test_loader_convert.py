"""API-server behaviour and model mapping of inspector.sources.convert (defaults, pruning, refusals, kinds)."""

from __future__ import annotations

import base64

from inspector.catalogue import API_SERVER_REJECTS, DUPLICATE_OBJECT, PRUNED_FIELD
from inspector.model import (
    ActionProxy,
    ActionRedirect,
    ActionReturn,
    Cluster,
    EgressMTLS,
    IngressMTLS,
    ObjectRef,
    Origin,
    PolicyReference,
    ServiceBackend,
    TLSRedirect,
)
from inspector.sources import RawObject
from inspector.sources.convert import build_cluster
from inspector.sources.files import load_text


def cluster_of(text: str, file: str = "m.yaml") -> Cluster:
    raws, problems = load_text(text, file)
    return build_cluster(raws, problems, sources=[file])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_namespace_defaults_and_secret_data_merge() -> None:
    text = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: ingress-mtls-secret
type: nginx.org/ca
data:
  ca.crt: {b64(b"-----BEGIN CERTIFICATE-----")}
  ca.crl: {b64(b"old")}
stringData:
  ca.crl: new
---
apiVersion: v1
kind: Secret
metadata:
  name: plain
  namespace: cafe
data:
  wrapped: |
    {b64(b"x" * 60)[:40]}
    {b64(b"x" * 60)[40:]}
"""
    cluster = cluster_of(text)
    assert cluster.problems == ()
    secret = cluster.secrets["default/ingress-mtls-secret"]
    assert secret.type == "nginx.org/ca"
    assert secret.data == {"ca.crt": b"-----BEGIN CERTIFICATE-----", "ca.crl": b"new"}
    plain = cluster.secrets["cafe/plain"]
    assert plain.type == "Opaque"
    assert plain.data["wrapped"] == b"x" * 60
    assert plain.meta.ref == ObjectRef("Secret", "cafe", "plain")
    assert cluster.sources == ("m.yaml",)


def test_invalid_base64_refuses_the_secret() -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  tls.crt: aGVsbG8\n"
    cluster = cluster_of(text, "s.yaml")
    assert cluster.secrets == {}
    (problem,) = cluster.problems
    assert problem.check_id == API_SERVER_REJECTS
    assert problem.line == 6 and problem.field == 'data["tls.crt"]'
    assert problem.ref == ObjectRef("Secret", "default", "s")
    assert problem.message == (
        's.yaml:6: Secret default/s: data["tls.crt"]: illegal base64 data at input byte 4 '
        "(the API server would refuse this object)"
    )


def test_pruned_field_names_the_misspelling_and_keeps_an_empty_spec() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-policy
spec:
  ingress_MTLS:
    clientCertSecret: ingress-mtls-secret
"""
    cluster = cluster_of(text, "policy.yaml")
    policy = cluster.policies["default/ingress-mtls-policy"]
    assert policy.set_types == ()
    assert policy.ingress_mtls is None
    (problem,) = cluster.problems
    assert problem.check_id == PRUNED_FIELD and problem.line == 6 and problem.field == "spec.ingress_MTLS"
    assert problem.message.startswith(
        'policy.yaml:6: Policy default/ingress-mtls-policy: unknown field "spec.ingress_MTLS" '
        '(did you mean "ingressMTLS"?)'
    )


def test_pruning_inside_mtls_vs_and_vsr() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: e}
spec:
  egressMTLS:
    tlsSecret: egress-mtls-secret
    verifyserver: true
    sslname: x
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata: {name: vs}
spec:
  host: cafe.example.com
  tls: {secert: tls-secret}
  policy: [{name: p}]
  upstreams:
  - {name: tea, service: tea-svc, port: 80, tls: {enabled: true}}
  routes:
  - path: /
    policies: [{name: p, namspace: other}]
    action: {pass: tea, proxi: {}}
sepc: {}
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServerRoute
metadata: {name: vsr}
spec:
  host: cafe.example.com
  subroutes:
  - {path: /tea, polices: [{name: p}]}
"""
    cluster = cluster_of(text)
    pruned = {(p.field, p.message.split("(did you mean ")[-1].split("?")[0]) for p in cluster.problems}
    assert {p.check_id for p in cluster.problems} == {PRUNED_FIELD}
    assert pruned == {
        ("spec.egressMTLS.verifyserver", '"verifyServer"'),
        ("spec.egressMTLS.sslname", '"sslName"'),
        ("spec.tls.secert", '"secret"'),
        ("spec.policy", '"policies"'),
        ("spec.upstreams[0].tls.enabled", '"enable"'),
        ("spec.routes[0].policies[0].namspace", '"namespace"'),
        ("spec.routes[0].action.proxi", '"proxy"'),
        ("sepc", '"spec"'),
        ("spec.subroutes[0].polices", '"policies"'),
    }
    egress = cluster.policies["default/e"].egress_mtls
    assert egress == EgressMTLS(tls_secret="egress-mtls-secret")
    vs = cluster.virtual_servers["default/vs"]
    assert vs.tls is not None and vs.tls.secret == ""
    assert vs.policies == () and vs.upstreams[0].tls.enable is False
    assert vs.routes[0].policies == (PolicyReference("p", ""),)
    assert cluster.virtual_server_routes["default/vsr"].subroutes[0].policies == ()
    lines = {p.field: p.line for p in cluster.problems}
    assert lines["spec.routes[0].policies[0].namspace"] == 21
    assert lines["sepc"] == 23


def test_type_refusals_name_field_line_type_and_value() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: p
spec:
  ingressMTLS:
    clientCertSecret: ca
    verifyClient: on
    verifyDepth: deep
"""
    cluster = cluster_of(text, "policy.yaml")
    assert cluster.policies == {}
    first, second = cluster.problems
    assert first.message == (
        'policy.yaml:8: Policy default/p: spec.ingressMTLS.verifyClient: Invalid value: "boolean": '
        'spec.ingressMTLS.verifyClient in body must be of type string: "boolean" '
        '(the API server would refuse this object; quote the value: "on")'
    )
    assert second.line == 9 and second.field == "spec.ingressMTLS.verifyDepth"
    assert 'must be of type integer: "string"' in second.message
    assert {first.check_id, second.check_id} == {API_SERVER_REJECTS}


def test_more_type_refusals() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: q}
spec:
  egressMTLS: {verifyServer: "yes", sslName: 12}
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata: {name: vs}
spec:
  upstreams: [{name: u, service: s, port: "80"}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  annotations: {nginx.org/redirect-to-https: yes}
spec: {tls: tls-secret}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-config}
data: {http2: true}
"""
    cluster = cluster_of(text)
    assert not cluster.policies and not cluster.virtual_servers and not cluster.ingresses and not cluster.config_maps
    by_field = {p.field: p.message for p in cluster.problems}
    assert "write true without quotes" in by_field["spec.egressMTLS.verifyServer"]
    assert 'quote the value: "12"' in by_field["spec.egressMTLS.sslName"]
    assert "remove the quotes: 80" in by_field["spec.upstreams[0].port"]
    assert 'quote the value: "yes"' in by_field['metadata.annotations["nginx.org/redirect-to-https"]']
    assert "cannot unmarshal string into a field of type array" in by_field["spec.tls"]
    assert 'quote the value: "true"' in by_field["data.http2"]


def test_whole_floats_are_integers_and_nulls_are_dropped() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: p}
spec:
  ingressMTLS: {clientCertSecret: ca, verifyDepth: 2.0, verifyClient: null, crlFileName: ~}
"""
    cluster = cluster_of(text)
    assert cluster.problems == ()
    assert cluster.policies["default/p"].ingress_mtls == IngressMTLS(client_cert_secret="ca", verify_depth=2)


def test_ingress_mapping_and_empty_tls() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe-ingress
  namespace: cafe
  annotations:
    nginx.org/policies: ingress-mtls-policy
    nginx.org/mergeable-ingress-type: master
spec:
  ingressClassName: nginx
  tls:
  - hosts: [cafe.example.com]
    secretName: tls-secret
  defaultBackend:
    service: {name: default-svc, port: {name: http}}
  rules:
  - host: cafe.example.com
    http:
      paths:
      - {path: /tea, pathType: Prefix, backend: {service: {name: tea-svc, port: {number: 80}}}}
      - {path: /static, pathType: Prefix, backend: {resource: {apiGroup: k8s.example.com, kind: Bucket, name: b}}}
  - host: other.example.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: no-tls}
spec: {tls: [], rules: [{host: cafe.example.com}]}
"""
    cluster = cluster_of(text)
    assert cluster.problems == ()
    ingress = cluster.ingresses["cafe/cafe-ingress"]
    assert ingress.ingress_class_name == "nginx" and ingress.effective_class == "nginx"
    assert ingress.mergeable_type == "master"
    assert ingress.annotations["nginx.org/policies"] == "ingress-mtls-policy"
    assert ingress.tls is not None and ingress.tls[0].hosts == ("cafe.example.com",)
    assert ingress.tls[0].secret_name == "tls-secret"
    assert ingress.default_backend == ServiceBackend("default-svc", None, "http")
    tea, static = ingress.rules[0].paths
    assert (tea.path, tea.path_type, tea.backend) == ("/tea", "Prefix", ServiceBackend("tea-svc", 80))
    assert static.backend is None
    assert ingress.rules[0].has_http and not ingress.rules[1].has_http
    assert ingress.meta.origin.line_of('metadata.annotations["nginx.org/policies"]') == 7
    assert cluster.ingresses["default/no-tls"].tls is None
    assert cluster.ingresses["default/no-tls"].ingress_class_name is None


def test_virtual_server_full_mapping() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata: {name: cafe, namespace: cafe}
spec:
  host: cafe.example.com
  ingressClassName: nginx
  gunzip: true
  server-snippets: "add_header X-A a;"
  http-snippets: "map $a $b {}"
  tls:
    secret: cafe-secret
    redirect: {enable: true}
  policies: [{name: ingress-mtls-policy}, {name: egress, namespace: other}]
  upstreams:
  - {name: tea, service: tea-svc, port: 8443, tls: {enable: true}, type: grpc, lb-method: round_robin,
     subselector: {version: v1}}
  routes:
  - path: /tea
    policies: [{name: egress}]
    action: {pass: tea}
  - path: /coffee
    splits:
    - {weight: 90, action: {proxy: {upstream: tea, rewritePath: /x, requestHeaders: {pass: false}}}}
    - {weight: 10, action: {return: {code: 418, type: text/plain, body: hi, headers: [{name: A, value: b}]}}}
  - path: /old
    action: {redirect: {url: "https://cafe.example.com/new"}}
    location-snippets: "deny all;"
  - path: /match
    matches:
    - conditions: [{header: x-version, value: v2}]
      action: {pass: tea}
    - conditions: [{cookie: c, value: v}]
      splits: [{weight: 100, action: {pass: tea}}]
    action: {pass: tea}
  - path: /delegate
    route: cafe/tea-routes
status: {state: Valid, reason: AddedOrUpdated, message: ok, externalEndpoints: []}
---
apiVersion: k8s.nginx.org/v1
kind: VirtualServerRoute
metadata: {name: tea-routes, namespace: cafe}
spec:
  host: cafe.example.com
  upstreams: [{name: t, service: tea-svc, port: 80}]
  subroutes:
  - path: /delegate/a
    policies: [{name: egress}]
    action: {pass: t}
status: {state: Warning, referencedBy: cafe/cafe}
"""
    cluster = cluster_of(text)
    assert cluster.problems == ()
    vs = cluster.virtual_servers["cafe/cafe"]
    assert (vs.host, vs.ingress_class_name, vs.gunzip) == ("cafe.example.com", "nginx", True)
    assert vs.server_snippets == "add_header X-A a;" and vs.http_snippets == "map $a $b {}"
    assert vs.tls is not None and vs.tls.secret == "cafe-secret"
    assert vs.tls.redirect == TLSRedirect(enable=True, code=301, based_on="scheme")
    assert vs.policies == (PolicyReference("ingress-mtls-policy"), PolicyReference("egress", "other"))
    upstream = vs.upstreams[0]
    assert (upstream.name, upstream.service, upstream.port, upstream.type) == ("tea", "tea-svc", 8443, "grpc")
    assert upstream.tls.enable and upstream.subselector == {"version": "v1"}
    assert upstream.extra == {"lb-method": "round_robin"}
    tea, coffee, old, match, delegate = vs.routes
    assert tea.action is not None and tea.action.pass_ == "tea" and tea.policies == (PolicyReference("egress"),)
    assert coffee.splits[0].weight == 90 and coffee.splits[0].action is not None
    assert coffee.splits[0].action.proxy == ActionProxy("tea", "/x", {"requestHeaders": {"pass": False}})
    assert coffee.splits[1].action is not None
    assert coffee.splits[1].action.return_ == ActionReturn(418, "text/plain", "hi", (("A", "b"),))
    assert old.action is not None and old.action.redirect == ActionRedirect("https://cafe.example.com/new", 301)
    assert old.extra == {"location-snippets": "deny all;"}
    assert match.matches[0].conditions[0].header == "x-version" and match.matches[0].conditions[0].value == "v2"
    assert match.matches[1].splits[0].weight == 100 and match.matches[1].conditions[0].cookie == "c"
    assert delegate.route == "cafe/tea-routes"
    assert vs.status == {"state": "Valid", "reason": "AddedOrUpdated", "message": "ok"}
    vsr = cluster.virtual_server_routes["cafe/tea-routes"]
    assert vsr.host == "cafe.example.com" and vsr.upstreams[0].port == 80
    assert vsr.subroutes[0].path == "/delegate/a" and vsr.subroutes[0].policies == (PolicyReference("egress"),)
    assert vsr.status == {"state": "Warning", "referencedBy": "cafe/cafe"}


def test_policy_types_and_status() -> None:
    text = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: two, namespace: cafe}
spec:
  ingressClassName: nginx
  jwt: {realm: r, secret: s}
  egressMTLS:
    tlsSecret: t
    trustedCertSecret: ca
    verifyServer: on
    verifyDepth: 2
    protocols: TLSv1.3
    ciphers: HIGH
    sessionReuse: false
    serverName: yes
    sslName: secure-app.example.com
  ingressMTLS: {}
status: {state: Invalid, reason: Rejected, message: "spec: Invalid value"}
---
apiVersion: k8s.nginx.org/v1alpha1
kind: Policy
metadata: {name: old}
spec:
  ingressMTLS: {clientCertSecret: ca, verifyClient: optional}
"""
    cluster = cluster_of(text)
    # NIC 5.6 serves Policy v1 only: the v1alpha1 manifest is refused, the rest loads.
    assert [p.check_id for p in cluster.problems] == ["MTLS003"]
    assert "v1alpha1" in cluster.problems[0].message
    assert "default/old" not in cluster.policies
    policy = cluster.policies["cafe/two"]
    assert policy.ingress_class_name == "nginx"
    assert policy.set_types == ("ingressMTLS", "egressMTLS", "jwt")
    assert policy.ingress_mtls == IngressMTLS()
    assert policy.egress_mtls == EgressMTLS(
        "t", "ca", True, 2, "TLSv1.3", "HIGH", False, True, "secure-app.example.com"
    )
    assert policy.status == {"state": "Invalid", "reason": "Rejected", "message": "spec: Invalid value"}


def test_service_configmap_events_and_unknown_kinds() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata: {name: secure-app}
spec:
  ports:
  - {port: 8443, targetPort: 8443, name: https}
  - {port: 80, targetPort: http, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-config, namespace: nginx-ingress}
data: {http2: "true", ssl-protocols: TLSv1.3}
---
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: cafe}
involvedObject: {kind: Ingress, name: cafe-ingress}
type: Warning
reason: AddedOrUpdatedWithWarning
message: "Configuration for cafe/cafe-ingress was added or updated ; with warning(s): x"
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: e2, namespace: cafe}
regarding: {kind: VirtualServer, namespace: cafe, name: cafe}
type: Normal
reason: AddedOrUpdated
note: "Configuration for cafe/cafe was added or updated"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec: {replicas: "not checked"}
"""
    cluster = cluster_of(text)
    assert cluster.problems == ()
    secure = cluster.services["default/secure-app"]
    assert [(p.port, p.name, p.target_port, p.protocol) for p in secure.ports] == [
        (8443, "https", "8443", "TCP"),
        (80, "", "http", "UDP"),
    ]
    assert secure.type == "ClusterIP"
    assert cluster.services["default/ext"].external_name == "example.com"
    assert cluster.config_maps["nginx-ingress/nginx-config"].data == {"http2": "true", "ssl-protocols": "TLSv1.3"}
    first, second = cluster.events
    assert first.involved == ObjectRef("Ingress", "cafe", "cafe-ingress") and first.type == "Warning"
    assert first.message.endswith("with warning(s): x")
    assert second.involved == ObjectRef("VirtualServer", "cafe", "cafe") and second.reason == "AddedOrUpdated"
    assert second.message == "Configuration for cafe/cafe was added or updated"


def test_duplicates_later_wins_in_first_position() -> None:
    policy = "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {{name: {name}}}\nspec: {{{spec}}}\n"
    text = "---\n".join(
        [
            policy.format(name="a", spec="ingressMTLS: {clientCertSecret: one}"),
            policy.format(name="b", spec="egressMTLS: {}"),
            policy.format(name="a", spec="ingressMTLS: {clientCertSecret: two}"),
        ]
    )
    cluster = cluster_of(text, "dup.yaml")
    assert list(cluster.policies) == ["default/a", "default/b"]
    a = cluster.policies["default/a"]
    assert a.ingress_mtls is not None and a.ingress_mtls.client_cert_secret == "two"
    assert a.meta.origin.line == 11
    (problem,) = cluster.problems
    assert problem.check_id == DUPLICATE_OBJECT and problem.line == 11
    assert "first at dup.yaml:1" in problem.message


def test_refused_duplicate_keeps_the_earlier_object() -> None:
    ok = "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: a}\nspec: {egressMTLS: {verifyDepth: 1}}\n"
    bad = ok.replace("verifyDepth: 1", "verifyDepth: one")
    cluster = cluster_of(ok + "---\n" + bad)
    egress = cluster.policies["default/a"].egress_mtls
    assert egress is not None and egress.verify_depth == 1
    assert [p.check_id for p in cluster.problems] == [API_SERVER_REJECTS]


def test_live_shaped_raw_objects() -> None:
    """The live adapter hands over kubectl-json dicts with ``cluster:<context>`` origins and no field lines."""
    raw = RawObject(
        {
            "apiVersion": "k8s.nginx.org/v1",
            "kind": "Policy",
            "metadata": {"name": "p", "namespace": "cafe", "uid": "u-1", "resourceVersion": "42"},
            "spec": {"ingressMTLS": {"clientCertSecret": "ca", "verifyClient": True}},
        },
        Origin("cluster:kind-dev", 0, 0),
    )
    good = RawObject(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ca", "namespace": "cafe"}, "type": "nginx.org/ca"},
        Origin("cluster:kind-dev"),
    )
    cluster = build_cluster([raw, good], sources=["kind-dev/cafe"])
    assert list(cluster.secrets) == ["cafe/ca"]
    (problem,) = cluster.problems
    assert problem.message.startswith("cluster:kind-dev: Policy cafe/p: spec.ingressMTLS.verifyClient:")
    assert 'quote the value: "true"' in problem.message
    raw_ok = RawObject({**raw.obj, "spec": {"egressMTLS": {}}}, raw.origin)
    meta = build_cluster([raw_ok]).policies["cafe/p"].meta
    assert (meta.uid, meta.resource_version) == ("u-1", "42")


def test_unserved_nic_version_is_refused() -> None:
    text = "apiVersion: k8s.nginx.org/v1alpha1\nkind: VirtualServer\nmetadata: {name: vs}\nspec: {host: a}\n"
    text += "---\napiVersion: v1\nkind: Policy\nmetadata: {name: p}\nspec: {egressMTLS: {}}\n"
    text += "---\napiVersion: k8s.nginx.org\nkind: VirtualServerRoute\nmetadata: {name: r}\n"
    text += "---\napiVersion: kyverno.io/v1\nkind: Policy\nmetadata: {name: not-nic}\n"
    cluster = cluster_of(text, "vs.yaml")
    assert cluster.virtual_servers == {} and cluster.policies == {} and cluster.virtual_server_routes == {}
    assert [p.check_id for p in cluster.problems] == [API_SERVER_REJECTS] * 3
    assert [p.line for p in cluster.problems] == [1, 6, 11]
    assert all("served: k8s.nginx.org/v1" in p.message for p in cluster.problems)


def test_api_server_value_validation() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad-paths}
spec:
  rules:
  - host: 10.0.0.1
  - host: Cafe.example.com
    http:
      paths:
      - {path: /tea, backend: {service: {name: tea-svc, port: {number: 80}}}}
      - {path: tea, pathType: Prefix, backend: {service: {name: tea-svc, port: {number: 80, name: http}}}}
      - {path: /c, pathType: Regex, backend: {}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nothing}
spec: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: wildcard}
spec:
  rules:
  - host: "*.example.com"
    http:
      paths: [{path: /, pathType: ImplementationSpecific, backend: {service: {name: s, port: {name: http}}}}]
---
apiVersion: v1
kind: Secret
metadata: {name: half-tls}
type: kubernetes.io/tls
data: {tls.crt: ""}
---
apiVersion: v1
kind: Service
metadata: {name: 1-bad-service-name}
spec: {ports: [{port: 0}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: Upper_Case, namespace: Bad.Namespace}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: Custom_Resources.May-Use_This}
spec: {egressMTLS: {}}
---
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: bad-meta
  labels: {app: "my app", "-x": ok, example.com/tier: web}
  annotations: {"nginx.org/policies": a, "bad key": b}
spec: {egressMTLS: {}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad-tls-host}
spec:
  tls: [{hosts: ["*.example.com", "Bad_Host"], secretName: s}]
  rules: [{host: a.example.com}]
"""
    cluster = cluster_of(text, "v.yaml")
    assert list(cluster.ingresses) == ["default/wildcard"]
    assert list(cluster.policies) == []  # custom resources need DNS-subdomain names too (NameIsDNSSubdomain)
    assert not cluster.secrets and not cluster.services and not cluster.config_maps
    assert {p.check_id for p in cluster.problems} == {API_SERVER_REJECTS}
    found = {(p.ref.name if p.ref else "", p.field, p.line) for p in cluster.problems}
    assert found == {
        ("bad-paths", "spec.rules[0].host", 6),
        ("bad-paths", "spec.rules[1].host", 7),
        ("bad-paths", "spec.rules[1].http.paths[0].pathType", 10),
        ("bad-paths", "spec.rules[1].http.paths[1].path", 11),
        ("bad-paths", "spec.rules[1].http.paths[1].backend", 11),
        ("bad-paths", "spec.rules[1].http.paths[2].pathType", 12),
        ("bad-paths", "spec.rules[1].http.paths[2].backend", 12),
        ("nothing", "spec", 17),
        ("half-tls", 'data["tls.key"]', 32),
        ("1-bad-service-name", "metadata.name", 36),
        ("1-bad-service-name", "spec.ports[0].port", 37),
        ("Upper_Case", "metadata.name", 41),
        ("Upper_Case", "metadata.namespace", 41),
        ("bad-meta", "metadata.labels.app", 52),
        ("bad-meta", 'metadata.labels["-x"]', 52),
        ("bad-meta", 'metadata.annotations["bad key"]', 53),
        ("bad-tls-host", "spec.tls[0].hosts[1]", 60),
        ("Custom_Resources.May-Use_This", "metadata.name", 45),
    }
    messages = " ".join(p.message for p in cluster.problems)
    assert 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address' in messages
    assert "pathType: Required value: pathType must be specified" in messages
    assert "data[tls.key]: Required value (the API server would refuse this object)" in messages


def test_missing_path_type_is_reported_but_the_ingress_is_still_analysed() -> None:
    text = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: old-style}
spec:
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /tea
        backend: {service: {name: tea, port: {number: 80}}}
"""
    cluster = cluster_of(text)
    (problem,) = cluster.problems
    assert problem.check_id == "MTLS003" and "pathType: Required value" in problem.message
    assert "the API server would refuse this object" in problem.message
    ing = cluster.ingresses["default/old-style"]
    assert ing.rules[0].paths[0].path == "/tea" and ing.rules[0].paths[0].path_type == ""
