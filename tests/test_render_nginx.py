"""Real nginx judges the rendered configuration: ``nginx -t`` on what the replica writes, with real certificates.

Uses Debian's ``/usr/sbin/nginx`` (skipped with a clear message when absent outside CI, see conftest).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.model import ControllerSettings
from inspector.render import file_text
from inspector.render.nginx_conf import adapt_file_text, nginx_test, write_test_config
from tests.shared import NIC_EXAMPLES
from tests.test_nic_ingress_helpers import (
    ca_secret,
    egress_policy,
    egress_tls_secret,
    ingress,
    ingress_policy,
    path,
    read_examples,
    run,
    tls_secret,
)


def _check(result: object, tmp_path: Path, nginx_bin: str, **kw: object) -> tuple[bool, str, Path]:
    conf = write_test_config(result, tmp_path / "nginx", **kw)  # type: ignore[arg-type]
    ok, out = nginx_test(conf, nginx_bin)
    return ok, out, conf


def test_ingress_mtls_example_with_crl_passes_nginx_t(tmp_path: Path, nginx_bin: str) -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "ingress-mtls"
    objs = read_examples(d / "cafe-ingress.yaml", d / "ingress-mtls-policy.yaml")
    result = run(*objs, tls_secret("tls-secret"), ca_secret("ingress-mtls-secret", crl=True))
    ok, out, conf = _check(result, tmp_path, nginx_bin)
    assert ok, out
    root = conf.parent
    assert (
        (root / "secrets" / "default-ingress-mtls-secret-ca.crl")
        .read_bytes()
        .startswith(b"-----BEGIN X509 CRL")
    )
    assert (root / "secrets" / "default-tls-secret").stat().st_mode & 0o777 == 0o600
    text = (root / "conf.d" / "default-cafe-ingress.conf").read_text()
    assert f"ssl_client_certificate {root}/secrets/default-ingress-mtls-secret-ca.crt;" in text
    assert "ssl_certificate $secret_dir_path/default-tls-secret;" in text
    main = conf.read_text()
    assert f'default "{root}/secrets";' in main and "ssl_protocols TLSv1.2 TLSv1.3;" in main
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert f"{name}_temp_path {root}/tmp/{name};" in main


def test_egress_example_passes_nginx_t(tmp_path: Path, nginx_bin: str) -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "egress-mtls"
    objs = read_examples(d / "ingress.yaml", d / "egress-mtls.yaml")
    result = run(*objs, egress_tls_secret("egress-mtls-secret"), ca_secret("egress-trusted-ca-secret"))
    ok, out, _ = _check(result, tmp_path, nginx_bin)
    assert ok, out


def test_mergeable_grpc_with_http2_passes_nginx_t(tmp_path: Path, nginx_bin: str) -> None:
    master = ingress(
        "master",
        annotations={
            "nginx.org/mergeable-ingress-type": "master",
            "nginx.org/policies": "ingress-mtls-policy",
        },
        rules=(("cafe.example.com", ()),),
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    minion = ingress(
        "coffee",
        doc=1,
        annotations={
            "nginx.org/mergeable-ingress-type": "minion",
            "nginx.org/grpc-services": "coffee-svc",
            "nginx.org/ssl-services": "coffee-svc",
            "nginx.org/policies": "egress-mtls-policy",
        },
        rules=(("cafe.example.com", (path("/coffee", "coffee-svc", 50051), path("/tea", "tea-svc"))),),
    )
    result = run(
        master,
        minion,
        tls_secret("tls-secret"),
        ingress_policy(),
        ca_secret("ingress-mtls-secret"),
        egress_policy(tls_secret="egress-secret", trusted_cert_secret="trusted", verify_server=True),
        egress_tls_secret("egress-secret"),
        ca_secret("trusted"),
        settings=ControllerSettings(configmap={"http2": "true"}),
    )
    assert "http2 on;" in file_text(result.files[0])
    ok, out, conf = _check(result, tmp_path, nginx_bin, version=(1, 22, 1))
    assert ok, out
    text = (conf.parent / "conf.d" / "default-master.conf").read_text()
    assert "http2 on;" not in text and "listen 443 ssl http2;listen [::]:443 ssl http2;" in text
    assert "grpc_ssl_certificate $secret_dir_path/default-egress-secret;" in text


def test_crl_file_name_nic_does_not_manage_fails_nginx_t(tmp_path: Path, nginx_bin: str) -> None:
    """§2.4: NIC renders crlFileName unchecked; nginx (the reload) is what refuses a file that is not there."""
    ing = ingress(
        "cafe",
        annotations={"nginx.org/policies": "ingress-mtls-policy"},
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    result = run(
        ing,
        tls_secret("tls-secret"),
        ingress_policy(crl_file_name="nope.crl"),
        ca_secret("ingress-mtls-secret"),
    )
    assert "ssl_crl /etc/nginx/secrets/nope.crl;" in file_text(result.files[0])
    ok, out, _ = _check(result, tmp_path, nginx_bin)
    assert not ok and "nope.crl" in out


def test_listen_overrides_move_ports_to_loopback(tmp_path: Path, nginx_bin: str) -> None:
    ing = ingress("cafe", tls=((("cafe.example.com",), "tls-secret"),))
    result = run(ing, tls_secret("tls-secret"))
    ok, out, conf = _check(result, tmp_path, nginx_bin, listen_overrides={80: 18080, 443: 18443})
    assert ok, out
    text = (conf.parent / "conf.d" / "default-cafe.conf").read_text()
    assert "listen 127.0.0.1:18080;" in text and "listen 127.0.0.1:18443 ssl;" in text
    assert "[::]" not in text and "https://$host:443$request_uri" in text
    default = (conf.parent / "conf.d" / "_default-server.conf").read_text()
    assert "listen 127.0.0.1:18080 default_server;" in default and "ssl_reject_handshake on;" in default


def test_adapt_file_text_only_touches_servers_with_http2() -> None:
    text = "server {\n\tlisten 443 ssl;\n\thttp2 on;\n}\nserver {\n\tlisten 8443 ssl;\n}\n"
    out = adapt_file_text(text, Path("/r"), version=(1, 22, 1))
    assert out == "server {\n\tlisten 443 ssl http2;\n\t\n}\nserver {\n\tlisten 8443 ssl;\n}\n"
    assert adapt_file_text(text, Path("/r"), version=(1, 25, 3)) == text


def _ca_with_crl(crl: bytes | None) -> object:
    from inspector.model import Secret

    ca = ca_secret("ingress-mtls-secret")
    data = dict(ca.data)
    if crl is not None:
        data["ca.crl"] = crl
    return Secret(ca.meta, ca.type, data)


@pytest.mark.parametrize(
    ("crl", "policy_fields", "fails"),
    [
        (None, {}, False),
        (b"", {}, True),  # key present but empty: NIC renders ssl_crl, nginx finds no CRL in it
        (b"not a crl", {}, True),
        (None, {"protocols": "TLSv1.2 TLSv9"}, True),
        (None, {"ciphers": "NOPE-CIPHER"}, True),
        (None, {"ciphers": "HIGH; return 200"}, False),  # injection that nginx accepts (the checks flag it)
    ],
    ids=["ok", "empty-crl", "garbage-crl", "bad-protocol", "bad-cipher", "injected-return"],
)
def test_predicted_reload_failure_agrees_with_nginx(
    tmp_path: Path, nginx_bin: str, crl: bytes | None, policy_fields: dict[str, str], fails: bool
) -> None:
    ing = ingress(
        "cafe",
        annotations={
            "nginx.org/policies": "ingress-mtls-policy,egress-mtls-policy",
            "nginx.org/ssl-services": "tea-svc",
        },
        tls=((("cafe.example.com",), "tls-secret"),),
    )
    result = run(
        ing, tls_secret("tls-secret"), ingress_policy(), _ca_with_crl(crl), egress_policy(**policy_fields)
    )
    ok, out, _ = _check(result, tmp_path, nginx_bin)
    assert ok is not fails, out
    (cafe,) = [r for r in result.resources if r.ref.name == "cafe"]
    event = cafe.events[0]
    if fails:
        assert cafe.state == "Invalid" and event.reason == "AddedOrUpdatedWithError"
        assert event.message.startswith(
            "Configuration for default/cafe was added or updated ; but was not applied: nginx reload failed: "
        )
    else:
        assert cafe.state == "Valid" and event.reason == "AddedOrUpdated"


def test_every_sample_cluster_config_passes_nginx_t(tmp_path: Path, nginx_bin: str, sample_dir: Path) -> None:
    """Issue 3: every config file rendered for the bundled sample cluster loads in real nginx, one at a time.

    Files NIC itself would fail to reload (a predicted ``AddedOrUpdatedWithError``) are the exception: for
    those, nginx must refuse the file too.
    """
    from inspector.nic.replica import run as replica_run
    from inspector.sources.convert import build_cluster
    from inspector.sources.files import load_paths

    raws, problems = load_paths([str(sample_dir)])
    cluster = build_cluster(raws, problems, sources=sorted({r.origin.file for r in raws}))
    result = replica_run(cluster, ControllerSettings())
    assert len(result.files) >= 10
    failing = {
        r.ref for r in result.resources if any(e.reason == "AddedOrUpdatedWithError" for e in r.events)
    }
    for index, f in enumerate(result.files):
        conf = write_test_config(result, tmp_path / f"n{index}", files=[(f.name, file_text(f))])
        ok, out = nginx_test(conf, nginx_bin)
        assert ok is (f.resource not in failing), f"{f.name}: {out}"
