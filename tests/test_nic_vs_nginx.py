"""Rendered VirtualServer configs load in real nginx (Debian's 1.22) with the real secrets NIC would write.

Each case renders one VS through the replica, writes the conf.d file and the secret files (real certificates,
keys and CRLs from ``inspector.pki``) under a private prefix with ``inspector.render.nginx_conf``, and runs
``nginx -t``. OSS output only: the Plus template uses Plus-only directives (``status_zone``) that OSS nginx
rejects by design.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_nic_vs_helpers import (
    ca_secret,
    client_secret,
    cluster,
    egress_example_vs,
    egress_policy,
    ingress_example_vs,
    ingress_policy,
    meta,
    ref,
    tls_secret,
)

from inspector.model import (
    VSTLS,
    Action,
    ActionRedirect,
    ActionReturn,
    Condition,
    ControllerSettings,
    Match,
    Route,
    Secret,
    Split,
    TLSRedirect,
    UpstreamTLS,
    VirtualServer,
    VirtualServerRoute,
    VSUpstream,
)
from inspector.nic.secrets import SecretStore
from inspector.nic.types import NicResult
from inspector.nic.virtualserver import VirtualServerResult, generate_virtual_server
from inspector.render import file_text
from inspector.render.nginx_conf import nginx_test, write_test_config


def nginx_check(
    tmp_path: Path,
    nginx_bin: str,
    vs: VirtualServer,
    objs: tuple[object, ...],
    secrets: list[Secret] | None = None,
    settings: ControllerSettings | None = None,
    vsrs: list[VirtualServerRoute] | None = None,
) -> VirtualServerResult:
    settings = settings or ControllerSettings()
    cl = cluster(vs, *objs, *(vsrs or []), secrets=secrets)
    store = SecretStore(cl.secrets)
    result = generate_virtual_server(vs, None, cl, settings, store)
    assert result.file is not None
    nic = NicResult(
        settings=settings, resources=(), policies=(), hosts=(), files=(result.file,), secret_files=store.files()
    )
    conf = write_test_config(nic, tmp_path / "nginx")
    ok, output = nginx_test(conf, nginx_bin)
    assert ok, f"nginx -t failed:\n{output}\n---\n{file_text(result.file)}"
    return result


def test_egress_example_loads(tmp_path: Path, nginx_bin: str) -> None:
    result = nginx_check(tmp_path, nginx_bin, egress_example_vs(), (egress_policy(),))
    written = sorted(p.name for p in (tmp_path / "nginx" / "secrets").iterdir())
    assert written == [
        "default-egress-mtls-secret",
        "default-egress-trusted-ca-secret-ca.crl",
        "default-egress-trusted-ca-secret-ca.crt",
    ]
    assert set(result.secret_refs) == {"default/egress-mtls-secret", "default/egress-trusted-ca-secret"}


def test_ingress_example_with_crl_and_redirect_loads(tmp_path: Path, nginx_bin: str) -> None:
    vs = ingress_example_vs(tls=VSTLS(secret="tls-secret", redirect=TLSRedirect(enable=True)))
    secrets = [tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True)]
    result = nginx_check(tmp_path, nginx_bin, vs, (ingress_policy(),), secrets=secrets)
    assert (
        result.file is not None
        and "ssl_crl /etc/nginx/secrets/default-ingress-mtls-secret-ca.crl;" in file_text(result.file)
    )


def test_server_500_and_reject_handshake_load(tmp_path: Path, nginx_bin: str) -> None:
    opaque = Secret(meta=meta("Secret", "tls-secret"), type="Opaque", data={})
    vs = ingress_example_vs(policies=(ref("ingress-mtls-policy"), ref("missing")))
    result = nginx_check(
        tmp_path, nginx_bin, vs, (ingress_policy(),), secrets=[opaque, ca_secret("ingress-mtls-secret")]
    )
    assert result.host.returns_500 and result.host.ssl_reject_handshake


def test_splits_matches_returns_redirects_and_vsr_load(tmp_path: Path, nginx_bin: str) -> None:
    vsr = VirtualServerRoute(
        meta=meta("VirtualServerRoute", "tea"),
        host="webapp.example.com",
        upstreams=(VSUpstream(name="tea", service="tea-svc", port=80),),
        subroutes=(
            Route(path="/tea", policies=(ref("egress-mtls-policy"),), action=Action(pass_="tea")),
            Route(path="/tea/ret", action=Action(return_=ActionReturn(code=200, type="application/json", body="{}"))),
        ),
    )
    vs = egress_example_vs(
        upstreams=(
            VSUpstream(name="secure-app", service="secure-app", port=8443, tls=UpstreamTLS(enable=True)),
            VSUpstream(name="plain", service="plain", port=80),
        ),
        routes=(
            Route(path="/", policies=(ref("egress-mtls-policy"),), action=Action(pass_="secure-app")),
            Route(
                path="/split",
                policies=(ref("egress-mtls-policy"),),
                splits=(
                    Split(weight=50, action=Action(pass_="secure-app")),
                    Split(weight=50, action=Action(return_=ActionReturn(body="half"))),
                ),
            ),
            Route(
                path="/match",
                matches=(
                    Match(
                        conditions=(Condition(header="x-v", value="2"), Condition(argument="a", value="!b")),
                        action=Action(pass_="plain"),
                    ),
                ),
                action=Action(pass_="secure-app"),
            ),
            Route(path="/old", action=Action(redirect=ActionRedirect(url="https://${host}/new", code=307))),
            Route(path="~ ^/re", policies=(ref("missing"),), action=Action(pass_="plain")),
            Route(path="/tea", route="tea"),
        ),
    )
    secrets = [client_secret("egress-mtls-secret"), ca_secret("egress-trusted-ca-secret")]
    result = nginx_check(tmp_path, nginx_bin, vs, (egress_policy(),), secrets=secrets, vsrs=[vsr])
    paths = [loc.path for loc in result.host.locations]
    assert '~ "^/re"' in paths and "/tea" in paths and "@return_1" in paths


def test_grpc_with_http2_loads(tmp_path: Path, nginx_bin: str) -> None:
    vs = ingress_example_vs(
        policies=(ref("ingress-mtls-policy"),),
        upstreams=(VSUpstream(name="grpc", service="grpc-svc", port=50051, tls=UpstreamTLS(enable=True), type="grpc"),),
        routes=(Route(path="/helloworld.Greeter", policies=(ref("egress-mtls-policy"),), action=Action(pass_="grpc")),),
    )
    secrets = [
        tls_secret("tls-secret"),
        ca_secret("ingress-mtls-secret"),
        client_secret("egress-mtls-secret"),
        ca_secret("egress-trusted-ca-secret"),
    ]
    settings = ControllerSettings(configmap={"http2": "true"})
    result = nginx_check(
        tmp_path, nginx_bin, vs, (ingress_policy(), egress_policy()), secrets=secrets, settings=settings
    )
    assert (
        result.file is not None
        and "grpc_ssl_certificate $secret_dir_path/default-egress-mtls-secret;" in file_text(result.file)
    )


@pytest.mark.parametrize("dynamic", [True, False])
def test_static_secret_paths_load(tmp_path: Path, nginx_bin: str, dynamic: bool) -> None:
    """``-ssl-dynamic-reload=false`` prints literal /etc/nginx/secrets paths for certificate/key lines."""
    settings = ControllerSettings(ssl_dynamic_reload=dynamic)
    result = nginx_check(tmp_path, nginx_bin, egress_example_vs(), (egress_policy(),), settings=settings)
    text = file_text(result.file) if result.file else ""
    expected = "$secret_dir_path" if dynamic else "/etc/nginx/secrets"
    assert f"proxy_ssl_certificate {expected}/default-egress-mtls-secret;" in text


@pytest.mark.parametrize(
    ("protocols", "ciphers", "tls", "crl_file"),
    [
        ("TLSv1.2 TLSv1.4", "DEFAULT", True, ""),
        ("", "NOT-A-CIPHER", True, ""),
        ("", "NOT-A-CIPHER", False, ""),
        ("", "HIGH:!aNULL", True, ""),
        ("", "DEFAULT", True, "webapp.crl"),
        ("", "DEFAULT", True, "default-ingress-mtls-secret-ca.crl"),
    ],
)
def test_predicted_reload_failure_agrees_with_nginx(
    tmp_path: Path, nginx_bin: str, protocols: str, ciphers: str, tls: bool, crl_file: str
) -> None:
    """The replica's Invalid/Valid verdict for unvalidated values is what nginx -t says about the same file."""
    from dataclasses import replace

    from inspector.model import IngressMTLS

    eg = egress_policy()
    assert eg.egress_mtls is not None
    eg = replace(eg, egress_mtls=replace(eg.egress_mtls, protocols=protocols, ciphers=ciphers))
    ing = replace(
        ingress_policy(), ingress_mtls=IngressMTLS(client_cert_secret="ingress-mtls-secret", crl_file_name=crl_file)
    )
    vs = ingress_example_vs(
        upstreams=(VSUpstream(name="webapp", service="webapp-svc", port=80, tls=UpstreamTLS(enable=tls)),),
        routes=(Route(path="/", policies=(ref("egress-mtls-policy"),), action=Action(pass_="webapp")),),
    )
    secrets = [
        tls_secret("tls-secret"),
        ca_secret("ingress-mtls-secret", crl=True),
        client_secret("egress-mtls-secret"),
        ca_secret("egress-trusted-ca-secret"),
    ]
    cl = cluster(vs, eg, ing, secrets=secrets)
    store = SecretStore(cl.secrets)
    result = generate_virtual_server(vs, None, cl, ControllerSettings(), store)
    assert result.file is not None
    nic = NicResult(
        settings=ControllerSettings(),
        resources=(),
        policies=(),
        hosts=(),
        files=(result.file,),
        secret_files=store.files(),
    )
    ok, output = nginx_test(write_test_config(nic, tmp_path / "nginx"), nginx_bin)
    predicted_ok = result.resources[0].state != "Invalid"
    assert predicted_ok == ok, f"replica says {result.resources[0].events[0].message!r}; nginx says {output}"
