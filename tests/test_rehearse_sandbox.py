"""The rehearsal's sandbox: an injected directive cannot make nginx write, listen or connect outside its prefix.

The injection forms of issue 14 reach the rendered configuration through NIC ConfigMap snippets (rendered verbatim
into every server and location, as NIC does); each test rehearses the cafe sample with one of them, in real nginx,
and looks from the outside (the host's sockets and files) while nginx runs and afterwards.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inspector.model import ControllerSettings
from inspector.rehearse.sandbox import ConfineError, Confiner, listening, redact_outside
from inspector.render import file_text
from inspector.report import Report, build_report
from inspector.sources.convert import load_cluster

pytestmark = pytest.mark.usefixtures("nginx_bin")


def ns(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "host": ["cafe.example.com"],
        "client_cert": None,
        "client_key": None,
        "upstream_cert": None,
        "upstream_key": None,
        "rehearse_format": "json",
        "keep": False,
        "sample": True,
        "allow_injection": True,
    }
    base.update(kw)
    return argparse.Namespace(**base)


def cafe(sample_dir: Path, **configmap: str) -> Report:
    return build_report(load_cluster([str(sample_dir / "cafe")]), ControllerSettings(configmap=configmap))


def rehearse(report: Report, **kw: Any) -> tuple[int, dict[str, Any], str]:
    from inspector.rehearse import rehearse as run

    out, err = io.StringIO(), io.StringIO()
    code = run(report, ns(**kw), stdout=out, stderr=err)
    return code, json.loads(out.getvalue()), err.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tcp_open(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(0.2)
        try:
            s.connect((host, port))
        except OSError:
            return False
        return True


@pytest.fixture()
def while_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Calls each function appended to the list with the running nginx Instance, right after it started."""
    from inspector.rehearse import run as run_module

    hooks: list[Any] = []
    real = run_module.Instance.start

    def start(self: Any, binary: str, timeout: float = 5.0) -> None:
        real(self, binary, timeout)
        for hook in hooks:
            hook(self)

    monkeypatch.setattr(run_module.Instance, "start", start)
    yield hooks


def outside() -> Path:
    """A path outside any rehearsal prefix, in a folder everyone may write (the nginx user could, unconfined)."""
    return Path("/tmp") / f"mtls-inspect-escape-{uuid.uuid4().hex[:8]}"


# --- listen, every form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["*:{p}", "[::]:{p}", '"0.0.0.0:{p}"', "{p}", "127.0.0.1:{p} reuseport"])
def test_injected_listen_is_a_socket_in_the_prefix(sample_dir: Path, while_running: list[Any], form: str) -> None:
    port = free_port()
    seen: dict[str, Any] = {}

    def look(inst: Any) -> None:
        seen["sockets"] = listening(inst.process.pid)
        seen["v4"] = tcp_open("127.0.0.1", port)
        seen["v6"] = socket.has_ipv6 and tcp_open("::1", port)
        seen["told"] = set(inst.told)

    while_running.append(look)
    code, data, _ = rehearse(cafe(sample_dir, **{"server-snippets": f"listen {form.format(p=port)};"}))
    assert code == 0 and data["summary"]["differ"] == 0
    assert seen["v4"] is False and seen["v6"] is False
    sockets = seen["sockets"]
    assert sockets.tcp == frozenset() and sockets.udp == frozenset()
    assert sockets.unix == seen["told"]
    assert any(path.endswith(f"/listen/{port}.sock") for path in seen["told"])


def test_injected_unix_listen_stays_in_the_prefix(sample_dir: Path, while_running: list[Any]) -> None:
    target = outside().with_suffix(".sock")
    told: set[str] = set()
    while_running.append(lambda inst: told.update(inst.told))
    code, _, _ = rehearse(cafe(sample_dir, **{"server-snippets": f"listen unix:{target};"}))
    assert code == 0
    assert not target.exists()
    assert str(target) not in told and any("/confined/" in p for p in told)


def test_injected_server_without_listen_does_not_bind_port_80_or_8000(
    sample_dir: Path, while_running: list[Any]
) -> None:
    """A snippet that closes the server block and opens one without ``listen`` (nginx: ``*:80`` as root)."""
    seen: dict[str, Any] = {}

    def look(inst: Any) -> None:
        seen["sockets"] = listening(inst.process.pid)
        seen["80"] = any(tcp_open("127.0.0.1", p) for p in (80, 8000))

    while_running.append(look)
    snippet = "}\nserver {\n\tserver_name implicit.example.com;\n}\nserver {"
    code, data, _ = rehearse(cafe(sample_dir, **{"server-snippets": snippet}))
    assert code in (0, 1) and data["summary"]["probes"] > 0  # the snippet moved the locations: probes may differ
    assert seen["80"] is False and seen["sockets"].tcp == frozenset()
    assert any(path.endswith("/listen/8000.sock") for path in seen["sockets"].unix)


# --- files ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "directive",
    [
        "access_log {path}",
        "error_log {path} info",
        "access_log {path}/../x.log",
        "client_body_temp_path {path} 1 2",
        "proxy_store {path}$uri",
    ],
)
def test_injected_file_paths_stay_in_the_prefix(sample_dir: Path, directive: str) -> None:
    target = outside()
    code, data, _ = rehearse(cafe(sample_dir, **{"server-snippets": directive.format(path=target) + ";"}), keep=True)
    prefix = Path(data["nginx"]["prefix"])
    try:
        assert code == 0
        assert not target.exists() and not target.parent.joinpath("x.log").exists()
        assert any(str(target) in change and "/confined/" in change for change in data["nginx"]["confined"])
    finally:
        import shutil

        shutil.rmtree(prefix, ignore_errors=True)


def test_injected_include_of_a_foreign_file_is_never_read_or_printed(sample_dir: Path, tmp_path: Path) -> None:
    from inspector.rehearse import RehearsalError

    secret = tmp_path / "token.txt"
    secret.write_text("GITHUB_TOKEN=ghp_do-not-print-me;\n")
    os.chmod(tmp_path, 0o755)
    secret.chmod(0o644)  # readable by anyone: only the confinement keeps nginx from including it
    with pytest.raises(RehearsalError) as info:
        rehearse(cafe(sample_dir, **{"server-snippets": f"include {secret};"}))
    message = str(info.value)
    assert "ghp_do-not-print-me" not in message and "GITHUB_TOKEN" not in message
    assert "/confined/" in message and "No such file" in message


def test_injection_is_refused_when_flagged(sample_dir: Path, while_running: list[Any], tmp_path: Path) -> None:
    from inspector.rehearse import RehearsalError

    policy = (
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: cafe-egress\n  namespace: default\nspec:\n"
        '  egressMTLS:\n    ciphers: "HIGH; access_log /tmp/x"\n'
    )
    (tmp_path / "policy.yaml").write_text(policy)
    report = build_report(load_cluster([str(sample_dir / "cafe"), str(tmp_path)]), ControllerSettings())
    assert any(f.id == "MTLS068" for f in report.findings)
    started: list[Any] = []
    while_running.append(started.append)
    with pytest.raises(RehearsalError) as info:
        rehearse(report, allow_injection=False)
    assert "MTLS068" in str(info.value) and "--allow-injection" in str(info.value)
    assert "HIGH; access_log /tmp/x" in str(info.value)
    assert started == []


# --- connections ----------------------------------------------------------------------------------------------


def test_injected_upstreams_cannot_connect_out(sample_dir: Path, tmp_path: Path) -> None:
    """``mirror`` every request to a TCP address and to a unix socket outside the prefix; neither is reached."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    path = outside().with_suffix(".sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(path))
    os.chmod(path, 0o777)
    unix.listen(8)
    unix.setblocking(False)
    snippets = {
        "location-snippets": "mirror /leak-tcp; mirror /leak-unix;",
        "server-snippets": f"location = /leak-tcp {{ internal; proxy_pass http://127.0.0.1:{port}/; }}\n"
        f"location = /leak-unix {{ internal; proxy_pass http://unix:{path}:/; }}",
    }
    try:
        code, data, _ = rehearse(cafe(sample_dir, **snippets))
        assert data["summary"]["probes"] > 0
        for sock in (listener, unix):
            with pytest.raises(BlockingIOError):
                sock.accept()
    finally:
        listener.close()
        unix.close()
        path.unlink(missing_ok=True)
    assert code in (0, 1)


# --- the pieces -----------------------------------------------------------------------------------------------


def test_confiner_rewrites_every_listen_form_and_keeps_line_numbers(tmp_path: Path) -> None:
    text = (
        "upstream u {\n\tserver unix:/run/docker.sock;\n}\n"
        "server {\n\tlisten 80;listen [::]:80;\n\tlisten 443 ssl;listen [::]:443 ssl ipv6only=on;\n"
        '\tlisten "0.0.0.0:9000";\n\tlisten localhost;\n\tlisten unix:/tmp/x.sock;\n'
        "\taccess_log /var/log/x.log main;\n\tssl_certificate $secret_dir_path/s;\n\tinclude ../../etc/passwd;\n}\n"
        "server {\n\tserver_name implicit;\n}\n"
    )
    root = tmp_path.resolve()
    confiner = Confiner(root)
    out = confiner.confine(text, "conf.d/x.conf")
    lines = out.split("\n")
    assert len(lines) == len(text.split("\n"))
    assert lines[4] == f"listen unix:{root}/listen/80.sock;"
    assert lines[5] == f"listen unix:{root}/listen/443.sock ssl;"
    assert lines[6] == f"listen unix:{root}/listen/9000.sock;"
    assert lines[7] == ""  # an address without a port is port 80: the same socket, so one listen (line 5's)
    assert f"unix:{root}/confined/" in lines[8] and "/tmp/x.sock" not in lines[8]
    assert f"{root}/confined/" in lines[9] and lines[9].endswith(" main;")
    assert lines[10] == "ssl_certificate $secret_dir_path/s;"
    assert f"{root}/confined/" in lines[11]
    assert f"server unix:{root}/confined/" in lines[1]
    assert lines[13] == f"server {{ listen unix:{root}/listen/8000.sock;"
    assert confiner.listens.keys() == {80, 443, 9000, 8000}
    assert all(p.startswith(f"{root}/") for p in confiner.told())


def test_confiner_sees_through_nginx_spellings(tmp_path: Path) -> None:
    """nginx unquotes directive names and takes ``unix:`` in any case: neither slips past the confinement."""
    root = tmp_path.resolve()
    text = (
        "server {\n\"listen\" 0.0.0.0:81;\n'access_log' /tmp/x.log;\n"
        "location / { proxy_pass http://UNIX:/run/docker.sock:/; }\n"
        f'access_log "{root}/a\\/../../../tmp/y.log";\n'
        "ssl_conf_command ChainCAFile /etc/ssl/private/k.pem;\n}\n"
    )
    out = Confiner(root).confine(text, "conf.d/x.conf").split("\n")
    assert out[1] == f"listen unix:{root}/listen/81.sock;"
    assert out[2].startswith(f"access_log {root}/confined/")
    assert "docker.sock" not in out[3].split("unix:")[-1] and f"unix:{root}/confined/" in out[3]
    assert out[4].startswith(f"access_log {root}/confined/")
    assert out[5].startswith(f"ssl_conf_command ChainCAFile {root}/confined/")


def test_confiner_keeps_nic_quoting() -> None:
    text = (
        "server {\n\tif ($http_x_forwarded_proto = 'https') {\n\t\treturn 200 \"a; b\";\n\t}\n\tlisten 80;\n}\n"
        'map $http_x $vs_match {\n\t"~^a b" 1;\n\t*.example.com 1;\n\tdefault 0;\n}\n'
        "split_clients $request_id $vs_split {\n\t50% up_a;\n\t* up_b;\n}\n"
    )
    out = Confiner(Path("/p")).confine(text, "conf.d/x.conf").split("\n")
    assert out[1] == "if ($http_x_forwarded_proto = 'https') {"
    assert out[2] == 'return 200 "a; b";'
    assert out[7:10] == ['"~^a b" 1;', "*.example.com 1;", "default 0;"]
    assert out[12:14] == ["50% up_a;", "* up_b;"]


@pytest.mark.parametrize(
    "text",
    [
        'server { add_header a"; listen 0.0.0.0:81; x" 1; }',  # a mid-word quote: nginx splits it, we would not
        "server { return 200 x}",
        "server { listen 80;",
    ],
)
def test_confiner_refuses_what_it_cannot_read_as_nginx_does(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfineError):
        Confiner(tmp_path).confine(text, "conf.d/x.conf")


def test_messages_about_files_outside_the_prefix_are_not_shown(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    text = (
        'nginx: [emerg] unknown directive "root:x:0:0:root:/root:/bin/bash" in /etc/passwd:1\n'
        f'nginx: [emerg] unknown directive "oops" in {root}/conf.d/a.conf:3\n'
        f'nginx: [emerg] unknown directive "x" in {root}/../elsewhere.conf:2'
    )
    out = redact_outside(text, root).splitlines()
    assert "root:x:0:0" not in out[0] and "/etc/passwd:1" in out[0] and "not shown" in out[0]
    assert out[1] == text.splitlines()[1]
    assert "not shown" in out[2]


def test_without_a_network_namespace_the_rehearsal_says_so_and_runs(
    sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("inspector.rehearse.sandbox.CLONE_NEWNET", 0x8000)  # CLONE_PARENT: unshare(2) refuses it
    code, data, err = rehearse(cafe(sample_dir))
    assert code == 0 and data["summary"]["differ"] == 0
    assert data["nginx"]["sandbox"]["network_namespace"] is False
    assert "no network namespace" in err and "no network namespace" in data["nginx"]["sandbox"]["notes"][0]
    assert data["nginx"]["sandbox"]["uid"] != 0


@pytest.mark.skipif(os.getuid() != 0, reason="only root hands the prefix to another user")
def test_a_prefix_nobody_can_reach_is_refused_with_the_fix(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.rehearse import RehearsalError

    closed = tmp_path / "home"
    closed.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(closed))
    with pytest.raises(RehearsalError, match=f"inside {closed}, which the user nobody .* set TMPDIR"):
        rehearse(cafe(sample_dir))
    assert list(closed.iterdir()) == []


def test_nginx_listening_where_it_was_not_told_is_stopped(sample_dir: Path, nginx_bin: str) -> None:
    import shutil
    import tempfile

    from inspector.rehearse import RehearsalError
    from inspector.rehearse.run import Instance, write_config
    from inspector.rehearse.sandbox import detect

    report = cafe(sample_dir)
    sandbox = detect(nginx_bin)
    top = Path(tempfile.mkdtemp(prefix="mtls-inspect-test-")).resolve()
    os.chmod(top, 0o711)
    try:
        conf, confiner = write_config(report.nic, top / "main", upstreams={}, version=None)
        sandbox.own(conf.parent)
        told = set(sorted(confiner.told())[:1])  # tell it less than it will listen on
        inst = Instance("main", conf, confiner.listens, told, sandbox)
        with pytest.raises(RehearsalError, match="listens where the rehearsal did not tell it"):
            inst.start(nginx_bin)
        assert inst.process is None
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_cli_allow_injection(sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from inspector.cli import main

    shutil.copytree(sample_dir / "cafe", tmp_path / "cafe")
    (tmp_path / "cafe" / "zz-policy.yaml").write_text(
        "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: odd\n  namespace: default\nspec:\n"
        '  egressMTLS:\n    ciphers: "HIGH; access_log /tmp/x"\n'
    )
    args = ["rehearse", str(tmp_path / "cafe"), "--host", "cafe.example.com"]
    with pytest.raises(SystemExit) as exit_info:
        main(args, stdout=io.StringIO())
    assert exit_info.value.code == 2
    assert "MTLS068" in capsys.readouterr().err
    out = io.StringIO()
    assert main([*args, "--allow-injection"], stdout=out) == 0
    err = capsys.readouterr().err
    assert "--allow-injection: rehearsing despite 1 MTLS068 finding(s)" in err
    assert "sandbox: " in out.getvalue()


VIRTUAL_SERVER = """\
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: cafe
  namespace: default
spec:
  host: cafe.example.com
  upstreams:
  - name: tea
    service: tea-svc
    port: 80
  - name: tea-v2
    service: tea-v2-svc
    port: 80
  - name: coffee
    service: coffee-svc
    port: 80
  routes:
  - path: /tea
    matches:
    - conditions:
      - header: x-version
        value: v2
      - cookie: flavour
        value: "~^mint"
      action:
        pass: tea-v2
    action:
      pass: tea
  - path: /coffee
    splits:
    - weight: 80
      action:
        pass: coffee
    - weight: 20
      action:
        pass: coffee
  - path: ~ ^/re/(.*)$
    action:
      redirect:
        url: https://example.com/${request_uri}
        code: 301
  - path: /cors
    action:
      proxy:
        upstream: tea
        requestHeaders:
          set:
          - name: X-A
            value: "a b ${host}"
        responseHeaders:
          add:
          - name: X-B
            value: "x"
        rewritePath: /x
"""


def test_nic_maps_splits_and_regex_locations_are_not_refused(tmp_path: Path) -> None:
    """NIC's own output (map and split_clients entries, quoted regexes, ``${var}``) passes the confinement."""
    (tmp_path / "vs.yaml").write_text(VIRTUAL_SERVER)
    report = build_report(load_cluster([str(tmp_path / "vs.yaml")]), ControllerSettings())
    assert any("split_clients" in file_text(f) for f in report.nic.files)
    code, data, _ = rehearse(report, host=[], sample=False, allow_injection=False)
    assert code == 0 and data["summary"]["probes"] == 3
    assert data["nginx"]["confined"] == []
