"""The replica's orchestration: settings from the ConfigMap, namespaces, classes, host ownership across kinds,
policy resources, secret files, and the promise never to raise."""

from __future__ import annotations

import pytest
from shared import texts

from inspector.model import (
    Action,
    ConfigMap,
    ControllerSettings,
    IngressPath,
    Route,
    VirtualServer,
    VSUpstream,
)
from inspector.nic import replica
from inspector.nic.replica import find_nic_configmap, run
from tests.test_nic_ingress_helpers import (
    ca_secret,
    cluster,
    egress_policy,
    ingress,
    ingress_policy,
    meta,
    path,
    resource,
    server,
    tls_secret,
)
from tests.test_nic_ingress_helpers import run as run_objects

GRPC_ING = ingress(
    "grpc",
    annotations={"nginx.org/grpc-services": "grpc-svc"},
    rules=(("grpc.example.com", (path("/hello", "grpc-svc", 50051), path("/web", "web"))),),
)


def _configmap(name: str, namespace: str = "nginx-ingress", **data: str) -> ConfigMap:
    return ConfigMap(meta("ConfigMap", namespace, name), data)


def _grpc_pass(result: object) -> bool:
    srv = server(result, "grpc.example.com")
    return srv.locations[0].directives[-1].startswith("grpc_pass")


def test_nic_configmap_found_among_sources_and_cli_keys_win() -> None:
    res = run_objects(GRPC_ING, _configmap("nginx-config", http2="true"))
    assert _grpc_pass(res) and res.settings.configmap["http2"] == "true"
    helm = run_objects(GRPC_ING, _configmap("my-release-nginx-ingress", http2="True"))
    assert _grpc_pass(helm)
    cli = run_objects(
        GRPC_ING,
        _configmap("nginx-config", http2="true"),
        settings=ControllerSettings(configmap={"http2": "false"}),
    )
    assert not _grpc_pass(cli)


def test_explicit_nic_configmap_beats_auto_detection() -> None:
    objs = (_configmap("nginx-config", http2="true"), _configmap("custom", "ops", http2="false"))
    settings = ControllerSettings(nic_configmap="ops/custom")
    assert find_nic_configmap(cluster(*objs), settings) is objs[1]
    assert not _grpc_pass(run_objects(GRPC_ING, *objs, settings=settings))
    assert find_nic_configmap(cluster(_configmap("unrelated")), ControllerSettings()) is None


def test_configmap_keys_reach_every_location() -> None:
    res = run_objects(
        ingress("cafe"), _configmap("nginx-config", **{"proxy-read-timeout": "5m", "server-tokens": "false"})
    )
    srv = server(res, "cafe.example.com")
    assert "server_tokens off" in srv.directives
    assert "proxy_read_timeout 5m" in srv.locations[0].directives


def test_watch_namespace_hides_objects_and_their_policies() -> None:
    outside = ingress("elsewhere", namespace="other", rules=(("other.example.com", (path("/", "a"),)),))
    inside = ingress("cafe", annotations={"nginx.org/policies": "other/egress-mtls-policy"})
    settings = ControllerSettings(watch_namespaces=("default",))
    res = run_objects(outside, inside, egress_policy(namespace="other"), settings=settings)
    assert [h.host for h in res.hosts] == ["cafe.example.com"]
    assert texts(resource(res, "Ingress", "cafe").warnings) == (
        "Policy error for Ingress default/cafe: failed to get namespace other",
        "Policy other/egress-mtls-policy is missing or invalid",
    )
    assert all(r.ref.namespace == "default" for r in res.resources)


def _vs(doc: int) -> VirtualServer:
    return VirtualServer(
        meta("VirtualServer", "default", "webapp", doc=doc),
        host="cafe.example.com",
        upstreams=(VSUpstream("app", "app-svc", 80),),
        routes=(Route(path="/", action=Action(pass_="app")),),
    )


def test_virtual_server_and_ingress_compete_for_a_host() -> None:
    vs_first = run_objects(_vs(0), ingress("cafe", doc=1))
    (host,) = vs_first.hosts
    assert host.resource.kind == "VirtualServer" and host.config_file == "conf.d/vs_default_webapp.conf"
    ing = resource(vs_first, "Ingress", "cafe")
    assert (ing.state, ing.events[0].message) == ("Warning", "All hosts are taken by other resources")

    ing_first = run_objects(ingress("cafe", doc=0), _vs(1))
    (host,) = ing_first.hosts
    assert host.resource.kind == "Ingress"
    vs = resource(ing_first, "VirtualServer", "webapp")
    assert (vs.events[0].reason, vs.events[0].message) == ("Rejected", "Host is taken by another resource")
    assert [f.name for f in ing_first.files] == ["conf.d/default-cafe.conf"]


def test_policy_resources_and_their_users() -> None:
    bad = ingress_policy("broken", client_cert_secret="")
    ing = ingress(
        "cafe", annotations={"nginx.org/policies": "broken"}, tls=((("cafe.example.com",), "tls-secret"),)
    )
    res = run_objects(bad, ing, tls_secret("tls-secret"))
    pol = resource(res, "Policy", "broken")
    assert pol.state == "Invalid" and pol.events[0].reason == "Rejected"
    assert pol.events[0].message == (
        "Policy default/broken is invalid and was rejected: spec.ingressMTLS.clientCertSecret: Required value"
    )
    assert "Policy default/broken is missing or invalid" in texts(resource(res, "Ingress", "cafe").warnings)
    (result,) = res.policies
    assert not result.valid and [u.name for u in result.referenced_by] == ["cafe"]


def test_secret_files_only_for_configured_resources() -> None:
    ignored = ingress(
        "other-class",
        ingress_class="traefik",
        tls=((("x.example.com",), "x-tls"),),
        rules=(("x.example.com", (path("/", "a"),)),),
    )
    ing = ingress(
        "cafe",
        annotations={"nginx.org/policies": "ingress-mtls-policy"},
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    res = run_objects(
        ignored,
        ing,
        tls_secret("tls-secret"),
        tls_secret("x-tls", host="x.example.com"),
        ingress_policy(),
        ca_secret("ingress-mtls-secret"),
    )
    assert sorted(res.secret_files) == [
        "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crl",
        "/etc/nginx/secrets/default-ingress-mtls-secret-ca.crt",
        "/etc/nginx/secrets/default-tls-secret",
    ]
    leaf = res.secret_files["/etc/nginx/secrets/default-tls-secret"]
    assert b"BEGIN CERTIFICATE" in leaf and b"PRIVATE KEY" in leaf


def test_a_replica_bug_is_confined_to_its_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    real = replica.generate_ingress

    def flaky(ing_ex, *args, **kwargs):  # type: ignore[no-untyped-def]
        if ing_ex.ingress.meta.ref.name == "boom":
            raise ZeroDivisionError("synthetic")
        return real(ing_ex, *args, **kwargs)

    monkeypatch.setattr(replica, "generate_ingress", flaky)
    res = run_objects(ingress("boom", rules=(("a.example.com", (path("/", "a"),)),)), ingress("cafe"))
    boom = resource(res, "Ingress", "boom")
    assert boom.state == "Warning" and "ZeroDivisionError: synthetic" in boom.warnings[0].text
    assert "not a NIC message" in boom.warnings[0].text
    assert resource(res, "Ingress", "cafe").state == "Valid"
    assert [h.host for h in res.hosts] == ["cafe.example.com"]


def test_odd_snapshots_do_not_raise() -> None:
    odd = [
        ingress("no-rules", rules=()),
        ingress("resource-backend", rules=(("r.example.com", (IngressPath("/", "Prefix", None),)),)),
        ingress("minion-no-rules", annotations={"nginx.org/mergeable-ingress-type": "minion"}, rules=()),
        ingress("master-paths", annotations={"nginx.org/mergeable-ingress-type": "master"}),
        ingress("bad-type", annotations={"nginx.org/mergeable-ingress-type": "boss"}),
        ingress("empty-host", rules=(("", (path("/", "a"),)),)),
    ]
    res = run(cluster(*odd), ControllerSettings())
    assert {r.ref.name for r in res.resources} >= {"master-paths", "bad-type", "minion-no-rules"}
    assert resource(res, "Ingress", "master-paths").state == "Invalid"
    assert run(cluster(), ControllerSettings()).hosts == ()


def test_virtual_server_route_without_virtual_server() -> None:
    from inspector.model import VirtualServerRoute

    vsr = VirtualServerRoute(
        meta("VirtualServerRoute", "default", "coffee"),
        host="cafe.example.com",
        upstreams=(VSUpstream("coffee", "coffee-svc", 80),),
        subroutes=(Route(path="/coffee", action=Action(pass_="coffee")),),
    )
    res = run_objects(vsr)
    ev = resource(res, "VirtualServerRoute", "coffee").events[0]
    assert (ev.reason, ev.message) == ("NoVirtualServerFound", "VirtualServer is invalid or doesn't exist")
    assert run_objects(vsr, settings=ControllerSettings(enable_custom_resources=False)).resources == ()


def test_source_rank_follows_the_argument_order() -> None:
    from inspector.model import Origin
    from inspector.nic.replica import _source_rank

    sources = ("z.yaml", "manifests/")
    assert _source_rank(Origin("z.yaml", 3), sources) < _source_rank(Origin("manifests/a.yaml", 0), sources)
    assert _source_rank(Origin("manifests/a.yaml", 5), sources) < _source_rank(Origin("manifests/b.yaml", 0), sources)
    assert _source_rank(Origin("elsewhere.yaml"), sources)[0] == 2


def test_store_files_are_the_union_of_the_secrets_asked_for_in_order() -> None:
    from inspector.nic.secrets import SecretStore, secret_files

    secrets = {
        s.meta.ref.key: s
        for s in (tls_secret("tls-secret"), ca_secret("ca", crl=True), ca_secret("ca2"), tls_secret("t2"))
    }
    store = SecretStore(secrets)
    asked: dict[str, bytes] = {}
    for key in ("default/ca", "default/missing", "default/tls-secret", "default/ca", "default/ca2"):
        ref = store.get(key)
        asked = {**asked, **{p: b for p, b in secret_files(ref).items() if p not in asked}}
        assert store.files() == asked
    assert list(store.files()) == list(asked)
    assert "/etc/nginx/secrets/default-t2" not in store.files()
