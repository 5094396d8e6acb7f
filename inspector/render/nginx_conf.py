"""A runnable nginx.conf around the rendered conf.d files, so real nginx can judge them (``nginx -t``).

Why it exists: the strongest proof that the rendered configuration is what NIC would load is to let nginx load
it. NIC's files assume NIC's main ``nginx.conf`` (``internal/configs/version1/nginx.tmpl``: the
``$secret_dir_path`` map, ``$connection_upgrade``/``$vs_connection_header`` maps, ``$grpc_status``) and NIC's
filesystem (``/etc/nginx/secrets``). ``write_test_config`` recreates both inside a private directory:
own prefix, pid, error log and temp paths, the secrets NIC would write, and, on nginx older than 1.25,
``http2 on;`` turned into the ``listen ... http2`` parameter. The rehearsal builds on it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from inspector.nic.secrets import SECRETS_DIR
from inspector.nic.types import NicResult
from inspector.render import file_text

NGINX_BINARY = "/usr/sbin/nginx"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

_LISTEN = re.compile(r"listen\s+(\[::\]:|(?:[\d.]+):)?(\d+)([^;]*);")


def nginx_version(binary: str = NGINX_BINARY) -> tuple[int, int, int] | None:
    """``nginx -v`` as a tuple, or None when nginx cannot be run."""
    try:
        out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out.stderr + out.stdout)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _server_spans(text: str) -> list[tuple[int, int]]:
    """0-based [start, end] line spans of the top-level server blocks (via the tokenizer)."""
    from inspector.render.nginx_parse import ParseError, parse

    try:
        nodes = parse(text)
    except ParseError:
        return []
    return [(n.line - 1, n.end_line - 1) for n in nodes if n.name == "server" and n.is_block]


def _http2_as_listen_parameter(text: str) -> str:
    """nginx < 1.25 has no ``http2`` directive: drop ``http2 on;`` and add ``http2`` to that server's ssl listens."""
    lines = text.split("\n")
    for start, end in _server_spans(text):
        block = lines[start : end + 1]
        if not any(re.search(r"(^|;|\s)http2\s+on\s*;", ln) for ln in block):
            continue
        for i in range(start, end + 1):
            line = re.sub(r"(^|(?<=;)|(?<=\s))http2\s+on\s*;", "", lines[i])
            lines[i] = re.sub(r"(listen\s+[^;]*\bssl\b[^;]*);", r"\1 http2;", line)
    return "\n".join(lines)


def _rewrite_listens(text: str, overrides: Mapping[int, int]) -> str:
    """Move listened ports to the given (free) loopback ports; IPv6 listens of moved ports are dropped."""

    def sub(m: re.Match[str]) -> str:
        addr, port, rest = m.group(1) or "", int(m.group(2)), m.group(3)
        if port not in overrides:
            return m.group(0)
        if addr.startswith("["):
            return ""
        return f"listen 127.0.0.1:{overrides[port]}{rest};"

    return _LISTEN.sub(sub, text)


def adapt_file_text(
    text: str,
    root: Path,
    *,
    listen_overrides: Mapping[int, int] | None = None,
    version: tuple[int, int, int] | None = None,
) -> str:
    """One conf.d file made runnable under ``root`` (secrets path, http2 form, ports)."""
    out = text.replace(SECRETS_DIR + "/", f"{root}/secrets/")
    if version is not None and version < (1, 25, 1):
        out = _http2_as_listen_parameter(out)
    if listen_overrides:
        out = _rewrite_listens(out, listen_overrides)
    return out


def main_config(root: Path, include: str) -> str:
    """The http-level frame NIC's main template provides (``version1/nginx.tmpl``), rooted at ``root``."""
    temp = "\n".join(f"    {name}_temp_path {root}/tmp/{name};" for name in TEMP_PATHS)
    return f"""# written by mtls-inspect: a private frame around the conf.d files NIC would write
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log notice;

events {{
    worker_connections 256;
}}

http {{
    default_type application/octet-stream;
    access_log {root}/access.log;
{temp}
    map_hash_max_size 2048;
    map_hash_bucket_size 256;
    server_names_hash_max_size 1024;
    server_names_hash_bucket_size 256;
    variables_hash_bucket_size 256;
    variables_hash_max_size 1024;

    map $upstream_trailer_grpc_status $grpc_status {{
        default $upstream_trailer_grpc_status;
        '' $sent_http_grpc_status;
    }}
    map $nginx_version $secret_dir_path {{
        default "{root}/secrets";
    }}
    map $request_uri $request_uri_no_args {{
        "~^(?P<path>[^?]*)(\\?.*)?$" $path;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    map $http_upgrade $default_connection_header {{
        default "";
    }}
    map $http_host $resource_type {{
        default "";
    }}
    map $http_host $resource_name {{
        default "";
    }}
    map $http_host $resource_namespace {{
        default "";
    }}
    map $http_host $service {{
        default "";
    }}
    map $http_upgrade $vs_connection_header {{
        default upgrade;
        ''      $default_connection_header;
    }}
    ssl_protocols TLSv1.2 TLSv1.3;

    include {include};
}}
"""


def default_server_text(result: NicResult) -> str:
    """NIC's ``conf.d/_default-server.conf`` for the result's settings (``ingress.default_server_config``)."""
    from inspector.nic.config import parse_configmap
    from inspector.nic.ingress import default_server_config
    from inspector.render.ingress import render_ingress

    params = parse_configmap(result.settings.configmap, result.settings.plus)
    cfg = default_server_config(params, dynamic_ssl_reload=result.settings.ssl_dynamic_reload)
    return render_ingress(cfg).text


def write_private(path: Path, data: bytes) -> None:
    """Secret material for nginx: mode 0600 from the first byte, its folder 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def rendered_texts(result: NicResult) -> list[tuple[str, str]]:
    """(name, text) of every config file the replica generated, rendered from its model."""
    return [(f.name, file_text(f)) for f in result.files]


def write_test_config(
    result: NicResult,
    root: Path,
    *,
    listen_overrides: Mapping[int, int] | None = None,
    files: Sequence[tuple[str, str]] | None = None,
    version: tuple[int, int, int] | None = None,
    default_server: bool = True,
) -> Path:
    """Write ``root/nginx.conf`` (+ ``conf.d/``, ``secrets/``, ``tmp/``) and return its path.

    ``files`` gives the config files as (name, text) (default: every file of ``result.files``, rendered);
    ``version`` is the target nginx version (default: what ``nginx -v`` says; unknown means 1.22, Debian's).
    ``default_server``
    adds NIC's own ``_default-server.conf`` (unknown hosts: 404, TLS handshake rejected), as NIC always has it.
    """
    root = root.resolve()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in TEMP_PATHS:
        (root / "tmp" / name).mkdir(mode=0o700, parents=True, exist_ok=True)
    secrets = root / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    for path, data in result.secret_files.items():
        if path.startswith(SECRETS_DIR + "/"):
            write_private(secrets / path[len(SECRETS_DIR) + 1 :], data)
    if version is None:
        version = nginx_version() or (1, 22, 1)
    conf_d = root / "conf.d"
    conf_d.mkdir(mode=0o700, exist_ok=True)
    texts = {Path(name).name: text for name, text in (files if files is not None else rendered_texts(result))}
    if default_server:
        texts["_default-server.conf"] = default_server_text(result)
    for name, raw in texts.items():
        text = adapt_file_text(raw, root, listen_overrides=listen_overrides, version=version)
        (conf_d / name).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    conf = root / "nginx.conf"
    conf.write_text(main_config(root, f"{conf_d}/*.conf"), encoding="utf-8")
    return conf


def nginx_test(conf: Path, binary: str = NGINX_BINARY) -> tuple[bool, str]:
    """Run ``nginx -t -p <root> -c <conf>``: (passed, nginx's output)."""
    root = conf.parent
    cmd = [binary, "-t", "-p", f"{root}/", "-c", str(conf), "-e", f"{root}/error.log"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    return out.returncode == 0, (out.stderr + out.stdout).strip()
