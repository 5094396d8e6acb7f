"""One rehearsal from start to finish: material, plan, backends, nginx, probes, verdicts, cleanup.

Why it exists: the order matters and so does the cleanup. Everything the rehearsal creates lives in one private
temp dir (mode 0700, removed afterwards unless ``--keep``), and every process and thread it starts is stopped in
one ``finally``: after success, after an exception, and after Ctrl-C (KeyboardInterrupt propagates to the CLI,
which exits 130, only once nginx and the backends are gone).
"""

from __future__ import annotations

import argparse
import re
import shutil
import ssl
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from cryptography import x509

from inspector.exit_codes import ExitCode
from inspector.rehearse.backends import Backends, server_context
from inspector.rehearse.material import (
    Material,
    MaterialError,
    bundle_certificates,
    load_material,
    throwaway_client,
    throwaway_upstream,
)
from inspector.rehearse.output import Outcome, render_json, render_text
from inspector.rehearse.plan import Materials, Plan, Probe, World, make_plan
from inspector.rehearse.probes import MARKER, Observation, client_context, judge, marker, send
from inspector.rehearse.run import (
    Instance,
    PortTaken,
    RehearsalError,
    config_test,
    find_nginx,
    free_ports,
    needed_ports,
    upstream_names,
    write_config,
)
from inspector.render.nginx_conf import nginx_version
from inspector.report import Report

SAMPLE_CLIENTS = ("client", "client-one-intermediate", "client-chain", "client-of-expired-ca")
"""The sample's rehearsal clients (``sample-cluster/rehearsal/README.md``), tried against every CA bundle."""
PROBE_THREADS = 8
PORT_ATTEMPTS = 3
"""Fresh ports this many times when another process takes one before nginx binds it."""


def _load(label: str, cert: str | Path, key: str | Path) -> Material:
    try:
        return load_material(label, cert, key)
    except MaterialError as exc:
        raise RehearsalError(f"unusable certificate files: {exc}") from None


def _checked_names(report: Report) -> list[str]:
    """Every name nginx may check an upstream certificate against (for the throwaway upstream's SANs)."""
    names: set[str] = set()
    for h in report.hosts:
        for loc in h.locations:
            if loc.result.upstream:
                names.add(loc.result.upstream)
            for key in ("proxy_ssl_name", "grpc_ssl_name"):
                eff = loc.effective.get(key)
                if eff is not None:
                    names.add(eff.value)
    return sorted(n for n in names if n and "$" not in n)


def gather_materials(ns: argparse.Namespace, report: Report, directory: Path) -> Materials:
    """The user's files, else the sample's (with ``--sample``), plus throwaway material minted in ``directory``."""
    clients: list[Material] = []
    given = ""
    if getattr(ns, "client_cert", None) and getattr(ns, "client_key", None):
        m = _load(Path(ns.client_cert).name, ns.client_cert, ns.client_key)
        clients.append(m)
        given = m.label
    upstream: Material | None = None
    if getattr(ns, "upstream_cert", None) and getattr(ns, "upstream_key", None):
        upstream = _load(Path(ns.upstream_cert).name, ns.upstream_cert, ns.upstream_key)
    if getattr(ns, "sample", False):
        from inspector import samples

        folder = samples.rehearsal_material()
        for stem in SAMPLE_CLIENTS:
            if stem == "client" and given:
                continue
            if (folder / f"{stem}.crt").is_file():
                clients.append(_load(f"{stem}.crt", folder / f"{stem}.crt", folder / f"{stem}.key"))
        if upstream is None and (folder / "secure-app.crt").is_file():
            upstream = _load("secure-app.crt", folder / "secure-app.crt", folder / "secure-app.key")
    return Materials(
        clients=tuple(clients),
        unknown=throwaway_client(directory),
        upstream=upstream,
        untrusted=throwaway_upstream(directory, _checked_names(report)),
        given_client=given,
    )


def _trim(line: str) -> str:
    """An error-log line without its timestamp and pid (``[info] 123#123: *7 ...`` -> ``[info] ...``)."""
    return re.sub(r"^\S+ \S+ (\[\w+\]) \d+#\d+: (\*\d+ )?", r"\1 ", line)


def _client_trust(report: Report) -> list[x509.Certificate]:
    """Every certificate in the secrets NIC writes: the backends accept any of them as a client (see backends)."""
    seen: dict[int, x509.Certificate] = {}
    for data in report.nic.secret_files.values():
        for cert in bundle_certificates(data):
            seen.setdefault(hash(cert), cert)
    return list(seen.values())


def _observe(
    plan: Plan, instances: dict[World, Instance], contexts: dict[str, ssl.SSLContext]
) -> list[tuple[Probe, Observation]]:
    def one(probe: Probe) -> Observation:
        inst = instances[probe.world]
        key = str(probe.client.cert_file) if probe.client is not None else ""
        return send(probe, inst.ports[probe.listen_port], contexts[key] if probe.scheme == "https" else None)

    pool = ThreadPoolExecutor(max_workers=PROBE_THREADS, thread_name_prefix="rehearsal-probe")
    try:
        futures: list[Future[Observation]] = [pool.submit(one, p) for p in plan.probes]
        return [(p, f.result()) for p, f in zip(plan.probes, futures, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def rehearse(report: Report, ns: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    """Run the rendered configuration in real nginx on 127.0.0.1 and compare every probe with its prediction.

    Returns 0 when every probe came out as predicted, 1 when one differs. Raises ``RehearsalError`` (the CLI's
    exit 2) when nginx is missing, ``nginx -t`` fails or warns, or a certificate file is unusable.
    """
    started = time.monotonic()
    if report.settings.plus:
        raise RehearsalError(
            "the rehearsal runs NGINX Open Source; a --plus configuration uses NGINX Plus-only directives "
            "(status_zone, upstreams filled through the API) that open-source nginx refuses: rehearse without --plus"
        )
    binary = find_nginx()
    version = nginx_version(binary)
    if version is None:
        raise RehearsalError(f"{binary} -v does not say its version: is it nginx?")
    hosts: Sequence[str] = list(getattr(ns, "host", None) or [])
    for wanted in hosts:
        if not any(h.host.lower() == wanted.lower() for h in report.hosts):
            raise RehearsalError(f"--host {wanted}: no Ingress or VirtualServer in the input serves this host")
    if not report.nic.files:
        raise RehearsalError("nothing to rehearse: NIC would write no configuration for this input")
    keep = bool(getattr(ns, "keep", False))
    backends = Backends()
    instances: dict[World, Instance] = {}
    roots: list[Path] = []
    try:
        root = Path(tempfile.mkdtemp(prefix="mtls-inspect-rehearsal-"))  # mode 0700
        roots.append(root)
        materials = gather_materials(ns, report, root / "material")
        plan = make_plan(report, materials, hosts)
        worlds: tuple[World, ...] = plan.worlds() or ("main",)
        listen = needed_ports(report.nic)
        backends.start()
        trust = _client_trust(report)
        served = {"main": materials.upstream or materials.untrusted, "untrusted": materials.untrusted}
        names = upstream_names(report.nic.files)
        test_output = ""
        for world in worlds:
            context = server_context(served[world], trust)
            upstreams = {
                name: backends.add(name, context if plan.upstream_schemes.get(name) == "https" else None)
                for name in names
            }
            for attempt in range(PORT_ATTEMPTS):
                moved = dict(zip(listen, free_ports(len(listen)), strict=True))
                conf = write_config(report.nic, root / world, listen=moved, upstreams=upstreams, version=version)
                if not test_output:
                    test_output = config_test(binary, conf, report.nic)
                instances[world] = Instance(world, conf, moved)
                try:
                    instances[world].start(binary)
                    break
                except PortTaken:
                    instances[world].stop()
                    if attempt == PORT_ATTEMPTS - 1:
                        raise
        contexts = {"": client_context(None)}
        for m in (*materials.clients, materials.unknown):
            contexts[str(m.cert_file)] = client_context(m)
        observed = _observe(plan, instances, contexts)
        for inst in instances.values():
            inst.stop()
        logs = {world: inst.log_index(MARKER) for world, inst in instances.items()}
        outcomes = []
        for probe, obs in observed:
            ok, predicted, seen = judge(probe, obs)
            log = tuple(_trim(line) for line in logs[probe.world].get(marker(probe), ()))
            outcomes.append(Outcome(probe, obs, ok, predicted, seen, log))
        nginx: dict[str, Any] = {
            "version": ".".join(map(str, version)),
            "binary": binary,
            "config_test": test_output,
            "instances": {w: {str(k): v for k, v in inst.ports.items()} for w, inst in instances.items()},
            "upstream_material": materials.upstream.label if materials.upstream else None,
            "prefix": str(root) if keep else None,
        }
        seconds = time.monotonic() - started
        fmt = getattr(ns, "rehearse_format", "text")
        stdout.write((render_json if fmt == "json" else render_text)(outcomes, plan.skipped, nginx, seconds))
        if keep:
            stderr.write(f"mtls-inspect: rehearsal prefix kept at {root}\n")
        return ExitCode.OK if all(o.ok for o in outcomes) else ExitCode.FINDINGS
    except OSError as exc:  # the machine, not the input: no space, no permission, sockets exhausted
        raise RehearsalError(f"the rehearsal could not run: {exc}") from None
    finally:
        steps: list[Callable[[], None]] = [inst.stop for inst in instances.values()]
        steps.append(backends.close)
        if not keep:
            steps += [partial(shutil.rmtree, r, ignore_errors=True) for r in roots]
        _finish(steps)


def _finish(steps: Sequence[Callable[[], None]]) -> None:
    """Run every cleanup step to the end even when Ctrl-C arrives again meanwhile (half-removed key material
    or a stray nginx is worse than a second's wait) or one step fails; then raise the interrupt or failure."""
    interrupted = False
    failure: Exception | None = None
    for step in steps:
        for _ in range(10):
            try:
                step()
                break
            except KeyboardInterrupt:
                interrupted = True
            except Exception as exc:  # keep cleaning; the first failure is raised at the end
                failure = failure or exc
                break
    if interrupted:
        raise KeyboardInterrupt
    if failure is not None:
        raise failure
