"""``migrate --rehearse``: both controllers' client-certificate directives in one real nginx, same clients, compared.

For every migrated host, one server block carries what ingress-nginx rendered for it (``ssl_client_certificate``,
``ssl_verify_client``, ``ssl_verify_depth``, ``ssl_crl``, or ``return 403`` when its Secret could not be read) and
one carries what NIC will render after the migration, read from the report of the migrated objects (its effective
``ssl_*`` directives, ``return 500``, ``ssl_reject_handshake``, or nothing at all when fail-open). Everything else is
the same for both (a throwaway server certificate, ``return 200``), so a different status code can only come from
the mTLS directives. nginx runs in the rehearsal's sandbox (``inspector.rehearse.sandbox``): its own network
namespace, unix sockets in a private prefix, never as root, the prefix and its keys removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inspector import pki
from inspector.migrate import ingress_nginx
from inspector.model import Cluster, Ingress
from inspector.rehearse.material import Material, throwaway_client, write_material
from inspector.rehearse.plan import Expected, Probe
from inspector.rehearse.probes import client_context, display, send
from inspector.rehearse.run import Instance, RehearsalError, config_test, find_nginx
from inspector.rehearse.sandbox import Confiner, SandboxError, detect
from inspector.render.nginx_conf import TEMP_PATHS, main_config, write_private
from inspector.report import HostReport, Report

SIDES = ("ingress-nginx", "NIC")
_PORTS = {"ingress-nginx": 10443, "NIC": 20443}


@dataclass(frozen=True)
class Row:
    host: str
    scenario: str
    ingress_nginx: str
    nic: str

    @property
    def same(self) -> bool:
        return self.ingress_nginx == self.nic


def _write(path: Path, data: bytes) -> str:
    write_private(path, data)
    return str(path)


def _ingress_nginx_block(ingress: Ingress, cluster: Cluster, secrets: Path, n: int) -> list[str]:
    """The client-certificate lines ingress-nginx's template renders for this Ingress's server."""
    ann = ingress_nginx.parse(ingress)
    if ann.auth is None:
        return []
    secret = cluster.secrets.get(ann.auth.secret)
    if secret is None:
        return ["return 403;"]  # AuthTLSError: the Secret could not be read
    if "ca.crt" not in secret.data:
        return []  # "mutual authentication disabled"
    lines = [
        f"ssl_client_certificate {_write(secrets / f'ingress-nginx-{n}-ca.crt', secret.data['ca.crt'])};",
        f"ssl_verify_client {ann.auth.verify_client};",
        f"ssl_verify_depth {ann.auth.verify_depth};",
    ]
    if "ca.crl" in secret.data:
        lines.append(f"ssl_crl {_write(secrets / f'ingress-nginx-{n}-ca.crl', secret.data['ca.crl'])};")
    return lines


def _nic_block(host: HostReport, report: Report, secrets: Path, n: int) -> list[str]:
    """The client-certificate lines NIC will render for the migrated host, from the report's effective values."""
    result = host.result
    if result.ssl_reject_handshake:
        return ["ssl_reject_handshake on;"]
    if result.returns_500:
        return ["return 500;"]
    lines: list[str] = []
    for directive, eff in host.ingress_effective.items():
        if eff.source == "default" or not eff.value:
            continue
        value = eff.value
        if directive in ("ssl_client_certificate", "ssl_crl"):
            content = report.nic.secret_files.get(value)
            if content is None:
                return ["return 500;"]  # NIC would not load a file it does not have
            value = _write(secrets / f"nic-{n}-{Path(value).name}", content)
        lines.append(f"{directive} {value};")
    return lines


def _server(side: str, host: str, cert: Material, lines: Sequence[str]) -> str:
    body = "\n".join(f"    {line}" for line in lines)
    return (
        f"server {{\n    listen {_PORTS[side]} ssl;\n    server_name {host};\n"
        f"    ssl_certificate {cert.cert_file};\n    ssl_certificate_key {cert.key_file};\n{body}\n"
        f"    location / {{\n        return 200 \"{side}\\n\";\n    }}\n}}\n"
    )


def rehearse_migration(
    original: Cluster, migrated: Report, hosts: Sequence[str], *, client: Material | None = None
) -> list[Row]:
    """Probe both sides of every host with the same clients; raises RehearsalError when nginx cannot run."""
    binary = find_nginx()
    try:
        sandbox = detect(binary)
    except SandboxError as exc:
        raise RehearsalError(str(exc)) from None
    root = Path(tempfile.mkdtemp(prefix="mtls-inspect-migrate-")).resolve()
    instance: Instance | None = None
    try:
        if sandbox.uid is not None:
            os.chmod(root, 0o711)
        secrets = root / "secrets"
        for name in TEMP_PATHS:
            (root / "tmp" / name).mkdir(mode=0o700, parents=True, exist_ok=True)
        server_ca = pki.make_ca("mtls-inspect migrate rehearsal server CA", days=1)
        cert = write_material(
            "throwaway server", pki.make_leaf(hosts[0], server_ca, sans=list(hosts), days=1), secrets, "server"
        )
        by_host = {h.host: h for h in migrated.hosts}
        blocks: list[str] = []
        for n, host in enumerate(hosts):
            ingress = next((i for i in original.ingresses.values() if any(r.host == host for r in i.rules)), None)
            old = _ingress_nginx_block(ingress, original, secrets, n) if ingress is not None else []
            blocks.append(_server("ingress-nginx", host, cert, old))
            nic_host = by_host.get(host)
            new = _nic_block(nic_host, migrated, secrets, n) if nic_host is not None else ["return 404;"]
            blocks.append(_server("NIC", host, cert, new))
        confiner = Confiner(root)
        conf_d = root / "conf.d"
        conf_d.mkdir(mode=0o700)
        text = confiner.confine("".join(blocks), "conf.d/migrate.conf")
        (conf_d / "migrate.conf").write_text(text, encoding="utf-8")
        for folder in (confiner.confined_dir, confiner.listen_dir):
            folder.mkdir(mode=0o700, exist_ok=True)
        conf = root / "nginx.conf"
        conf.write_text(main_config(root, f"{conf_d}/*.conf"), encoding="utf-8")
        sandbox.own(root)
        config_test(binary, conf, migrated.nic, sandbox)
        instance = Instance("migrate", conf, dict(confiner.listens), confiner.told(), sandbox)
        instance.start(binary)
        unknown = throwaway_client(root / "material")
        sandbox.own(root / "material")
        scenarios: list[tuple[str, Material | None]] = [("no client certificate", None), ("unknown CA", unknown)]
        if client is not None:
            scenarios.append((f"given ({client.label})", client))
        rows: list[Row] = []
        for host in hosts:
            for scenario, material in scenarios:
                seen: dict[str, str] = {}
                for number, side in enumerate(SIDES):
                    probe = Probe(number, host, "/", "/", scenario, "main", "https", _PORTS[side], material,
                                  Expected(None, "", ""))
                    obs = send(probe, instance.ports[_PORTS[side]], client_context(material))
                    seen[side] = display(obs.status, obs.title)
                rows.append(Row(host, scenario, seen["ingress-nginx"], seen["NIC"]))
        return rows
    finally:
        if instance is not None:
            instance.stop()
        shutil.rmtree(root, ignore_errors=True)


def render_rows(rows: Sequence[Row]) -> str:
    header = ("HOST", "CLIENT", "INGRESS-NGINX", "NIC", "SAME")
    table = [header, *((r.host, r.scenario, r.ingress_nginx, r.nic, "yes" if r.same else "DIFF") for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table]
    differ = sum(1 for r in rows if not r.same)
    return "\n".join([*lines, "", f"{len(rows)} probes, {differ} differ"]) + "\n"
