"""One rehearsal from start to finish: material, plan, backends, nginx, probes, verdicts, cleanup.

Why it exists: the order matters and so does the cleanup. A configuration with an MTLS068 finding is not run
(unless ``--allow-injection``). Everything the rehearsal creates lives in one private temp dir (removed afterwards
unless ``--keep``, whose path is then printed on every exit), nginx runs in the sandbox (``sandbox.py``), and every
process and thread it starts is stopped in one ``finally``: after success, after an exception, after Ctrl-C and
after SIGTERM/SIGHUP/SIGQUIT (raised as KeyboardInterrupt; the CLI exits 128+signal only once nginx and the
backends are gone and the keys removed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from cryptography import x509

from inspector.exit_codes import ExitCode
from inspector.rehearse.backends import Backends, server_context
from inspector.rehearse.material import (
    Material,
    MaterialError,
    bundle_certificates,
    load_material,
    stand_ins,
    throwaway_client,
    throwaway_upstream,
)
from inspector.rehearse.output import Outcome, render_json, render_text
from inspector.rehearse.plan import Materials, Plan, Probe, World, make_plan
from inspector.rehearse.probes import MARKER, Observation, client_context, judge, marker, send
from inspector.rehearse.run import (
    Instance,
    RehearsalError,
    config_test,
    find_nginx,
    upstream_names,
    write_config,
)
from inspector.rehearse.sandbox import Sandbox, SandboxError, detect
from inspector.render.nginx_conf import nginx_version
from inspector.report import Report

SAMPLE_CLIENTS = ("client", "client-one-intermediate", "client-chain", "client-of-expired-ca")
"""The sample's rehearsal clients (``sample-cluster/rehearsal/README.md``), tried against every CA bundle."""
PROBE_THREADS = 8
INJECTION_CHECK = "MTLS068"
"""The check that flags values NIC copies verbatim into nginx.conf: the rehearsal never runs them by default."""
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Handled like Ctrl-C (a CI cancel, ``timeout``, a closed SSH session): nginx stopped, the prefix removed."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM, SIGHUP or SIGQUIT during a rehearsal, raised where Ctrl-C would be so the same cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While a rehearsal runs, SIGTERM/SIGHUP/SIGQUIT raise ``Interrupted`` (main thread only: Python delivers
    signals there); the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def refuse_injection(report: Report, allowed: bool, stderr: TextIO) -> None:
    """No nginx (not even ``nginx -t``, which opens log files) on a configuration with an MTLS068 finding, unless
    ``--allow-injection`` (a lab); the findings are named either way."""
    found = [f for f in report.findings if f.id == INJECTION_CHECK]
    if not found:
        return
    lines = [f"  {f.source or '-'}: {f.message}" for f in found[:20]]
    if len(found) > 20:
        lines.append(f"  ... and {len(found) - 20} more")
    listing = "\n".join(lines)
    if not allowed:
        raise RehearsalError(
            f"the configuration has {len(found)} {INJECTION_CHECK} finding(s): values NIC copies verbatim into "
            f"nginx.conf would run in the rehearsal nginx; not started (--allow-injection runs it anyway, "
            f"sandboxed, in a lab):\n{listing}"
        )
    stderr.write(
        f"mtls-inspect: --allow-injection: rehearsing despite {len(found)} {INJECTION_CHECK} finding(s), in the "
        f"sandbox:\n{listing}\n"
    )


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
        return send(probe, inst.ports.get(probe.listen_port, ""), contexts[key] if probe.scheme == "https" else None)

    pool = ThreadPoolExecutor(max_workers=PROBE_THREADS, thread_name_prefix="rehearsal-probe")
    try:
        futures: list[Future[Observation]] = [pool.submit(one, p) for p in plan.probes]
        return [(p, f.result()) for p, f in zip(plan.probes, futures, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def rehearse(report: Report, ns: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    """Run the rendered configuration in real nginx, sandboxed, and compare every probe with its prediction.

    Returns 0 when every probe came out as predicted, 1 when one differs. Raises ``RehearsalError`` (the CLI's
    exit 2) when nginx is missing, the configuration has an MTLS068 finding (without ``--allow-injection``),
    ``nginx -t`` fails or warns, a certificate file is unusable, or nginx leaves its sandbox. SIGTERM, SIGHUP and
    SIGQUIT end it like Ctrl-C (``Interrupted``, a KeyboardInterrupt) after the same cleanup.
    """
    with stop_signals_interrupt():
        return _rehearse(report, ns, stdout=stdout, stderr=stderr)


def _rehearse(report: Report, ns: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    started = time.monotonic()
    if report.settings.plus:
        raise RehearsalError(
            "the rehearsal runs NGINX Open Source; a --plus configuration uses NGINX Plus-only directives "
            "(status_zone, upstreams filled through the API) that open-source nginx refuses: rehearse without --plus"
        )
    refuse_injection(report, bool(getattr(ns, "allow_injection", False)), stderr)
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
    try:
        sandbox = detect(binary)
    except SandboxError as exc:
        raise RehearsalError(str(exc)) from None
    for note in sandbox.notes:
        stderr.write(f"mtls-inspect: rehearsal sandbox: {note}\n")
    keep = bool(getattr(ns, "keep", False))
    instances: dict[World, Instance] = {}
    root = Path(tempfile.mkdtemp(prefix="mtls-inspect-rehearsal-")).resolve()  # mode 0700
    backends = Backends(root / "backends", sandbox)
    try:
        if sandbox.uid is not None:  # nginx's user may pass through to its own folders, nothing else
            os.chmod(root, 0o711)
            closed = sandbox.reachable(root)
            if closed is not None:
                raise RehearsalError(
                    f"the rehearsal prefix {root} is inside {closed}, which the user {sandbox.user} that nginx runs "
                    "as cannot enter: set TMPDIR to a folder others may pass through (such as /tmp)"
                )
        extra = stand_ins(report.nic.promised_secrets, root / "material", [h.host for h in report.hosts])
        if extra.files:  # Secrets made elsewhere: NIC references their files; stand-ins make nginx load
            nic = replace(report.nic, secret_files={**extra.files, **report.nic.secret_files})
            report = replace(report, nic=nic)
        for note in extra.notes:
            stderr.write(f"mtls-inspect: {note}\n")
        materials = gather_materials(ns, report, root / "material")
        materials = replace(materials, clients=materials.clients + extra.clients)
        plan = make_plan(report, materials, hosts)
        worlds: tuple[World, ...] = plan.worlds() or ("main",)
        backends.start()
        trust = _client_trust(report)
        served = {"main": materials.upstream or materials.untrusted, "untrusted": materials.untrusted}
        names = upstream_names(report.nic.files)
        test_output = ""
        changes: list[str] = []
        for world in worlds:
            context = server_context(served[world], trust)
            upstreams = {
                name: backends.add(name, context if plan.upstream_schemes.get(name) == "https" else None)
                for name in names
            }
            conf, confiner = write_config(
                report.nic, root / world, upstreams=upstreams, version=version, peers=backends.directory
            )
            sandbox.own(conf.parent)
            changes = changes or confiner.changes
            if not test_output:
                test_output = config_test(binary, conf, report.nic, sandbox)
            instances[world] = Instance(world, conf, dict(confiner.listens), confiner.told(), sandbox)
            instances[world].start(binary)
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
            "sandbox": _sandbox_json(sandbox),
            "confined": changes,
            "stand_in_material": list(extra.notes),
        }
        seconds = time.monotonic() - started
        fmt = getattr(ns, "rehearse_format", "text")
        stdout.write((render_json if fmt == "json" else render_text)(outcomes, plan.skipped, nginx, seconds))
        return ExitCode.OK if all(o.ok for o in outcomes) else ExitCode.FINDINGS
    except OSError as exc:  # the machine, not the input: no space, no permission, sockets exhausted
        raise RehearsalError(f"the rehearsal could not run: {exc}") from None
    finally:
        steps: list[Callable[[], None]] = [inst.stop for inst in instances.values()]
        steps.append(backends.close)
        if keep:
            steps.append(partial(_say_kept, stderr, root))
        else:
            steps.append(partial(shutil.rmtree, root, ignore_errors=True))
        _finish(steps)


def _say_kept(stderr: TextIO, root: Path) -> None:
    """``--keep``: the prefix's path on every exit (success, failure, Ctrl-C), and what stays in it."""
    stderr.write(
        f"mtls-inspect: rehearsal prefix kept at {root} (its private keys stay in it until you remove it)\n"
    )
    with contextlib.suppress(OSError, ValueError):
        stderr.flush()


def _sandbox_json(sandbox: Sandbox) -> dict[str, Any]:
    return {
        "user": sandbox.user or None,
        "uid": sandbox.uid if sandbox.uid is not None else os.getuid(),
        "network_namespace": sandbox.netns,
        "listens": "unix sockets in the prefix",
        "notes": list(sandbox.notes),
        "description": sandbox.describe(),
    }


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
