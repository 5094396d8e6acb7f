"""The rehearsal nginx: find the binary, write its private prefix, judge ``nginx -t``, start it, stop it.

Why it exists: the process lifecycle is where a tool like this leaks (stray nginx, key material left in /tmp).
Everything here is owned by one ``Instance`` that ``stop`` always ends. The configuration comes from
``render/nginx_conf.write_test_config`` (NIC's http-level frame, secrets, temp paths, http2 form); this module adds
what only a *running* rehearsal needs: upstream ``server`` lines pointed at our backends, the error log at ``info``
(nginx logs client-certificate verify errors at that level), single-process mode (we own exactly one pid), and the
sandbox (``sandbox.py``: every file confined to the prefix, unix sockets only, an unprivileged user, a network
namespace, a check of what nginx actually listens on).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inspector.nic.types import ConfigFile, NicResult
from inspector.rehearse.sandbox import ConfineError, Confiner, Sandbox, listening, redact_outside
from inspector.render.nginx_conf import default_server_text, rendered_texts, write_test_config

INSTALL_HINT = (
    "nginx not found: the rehearsal runs real nginx. Install Debian's package: "
    "sudo apt-get install nginx (any nginx >= 1.22 on PATH works)"
)
GLOBALS = "daemon off; master_process off;"
"""Single process in the foreground: we own exactly one pid (its user is the sandbox's, set before exec)."""
_UPSTREAM_OPEN = re.compile(r"^\s*upstream\s+(\S+)\s*\{")
_SERVER_LINE = re.compile(r"^(\s*)server\s+(\S+)(.*)$")
_WHERE = re.compile(r" in (\S+):(\d+)\s*$")


class RehearsalError(Exception):
    """The rehearsal cannot run (no nginx, nginx -t fails, unusable certificate files): exit 2 with this text."""


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise RehearsalError(INSTALL_HINT)
    return found


def upstream_names(files: Sequence[ConfigFile]) -> list[str]:
    """Every upstream block's name, from the config models (the rendered text is not read back)."""
    return sorted({u.name for f in files for u in f.config.upstreams})


def point_upstreams(text: str, ports: Mapping[str, str]) -> str:
    """Each upstream block's ``server`` lines aimed at its backend; line numbers stay as rendered."""
    out: list[str] = []
    current: str | None = None
    seen = False
    for line in text.split("\n"):
        m = _UPSTREAM_OPEN.match(line)
        if m:
            current, seen = m.group(1), False
        elif current is not None and line.strip().startswith("}"):
            current = None
        elif current is not None and (s := _SERVER_LINE.match(line)) and current in ports:
            if seen:
                line = f"{s.group(1)}# {line.strip()} (second endpoint dropped by the rehearsal)"
            else:
                line = f"{s.group(1)}server unix:{ports[current]}{s.group(3)}"
                seen = True
        out.append(line)
    return "\n".join(out)


def _log_level_info(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    conf.write_text(re.sub(r"^(error_log \S+) notice;", r"\1 info;", text, count=1, flags=re.M), encoding="utf-8")


NIC_SOCKETS = "/var/lib/nginx/"
"""Where NIC's main template puts its internal unix-socket servers (``version1/nginx.tmpl``)."""


def internal_servers(root: Path) -> str:
    """NIC's two internal servers (``version1/nginx.tmpl``): 502 for upstreams without endpoints, and the 418 that
    VirtualServer ``return`` actions proxy to so that ``error_page 418 =<code> @return_N`` answers."""
    return (
        "# NIC's internal servers (version1/nginx.tmpl), sockets inside the rehearsal prefix\n"
        f"server {{\n\tlisten unix:{root}/nginx-502-server.sock;\n\taccess_log off;\n\treturn 502;\n}}\n"
        f"server {{\n\tlisten unix:{root}/nginx-418-server.sock;\n\taccess_log off;\n\treturn 418;\n}}\n"
    )


def write_config(
    result: NicResult,
    root: Path,
    *,
    upstreams: Mapping[str, str],
    version: tuple[int, int, int] | None,
    peers: Path | None = None,
) -> tuple[Path, Confiner]:
    """The prefix of one nginx under ``root``: NIC's files with upstreams on our backends, NIC's internal and
    default servers, all confined (``sandbox.Confiner``); raises ``RehearsalError`` when a file cannot be."""
    root = root.resolve()
    files = [
        (name, point_upstreams(text, upstreams).replace(f"unix:{NIC_SOCKETS}", f"unix:{root}/"))
        for name, text in rendered_texts(result)
    ]
    if files:
        files.append(("conf.d/_nic-internal.conf", internal_servers(root)))
        files.append(("conf.d/_default-server.conf", default_server_text(result)))
    conf = write_test_config(result, root, files=files, version=version, default_server=False)
    confiner = Confiner(root, peers.resolve() if peers is not None else None)
    for path in sorted((root / "conf.d").glob("*.conf")):
        try:
            path.write_text(confiner.confine(path.read_text(encoding="utf-8"), f"conf.d/{path.name}"), "utf-8")
        except ConfineError as exc:
            raise RehearsalError(f"the rehearsal sandbox refuses the configuration: {exc}") from None
    for folder in (confiner.confined_dir, confiner.listen_dir):
        folder.mkdir(mode=0o700, exist_ok=True)
    _log_level_info(conf)
    return conf, confiner


def _command(binary: str, conf: Path, *extra: str) -> list[str]:
    root = conf.parent
    return [binary, "-p", f"{root}/", "-c", str(conf), "-e", f"{root}/error.log", "-g", GLOBALS, *extra]


def _rendered_line(path: Path, number: int, by_name: Mapping[str, ConfigFile], root: Path) -> str | None:
    """The line nginx complains about, only when it is one of the prefix's own files (never another file's)."""
    if not os.path.normpath(path).startswith(f"{root}/") or path.is_symlink():
        return None
    try:
        text = path.read_text(encoding="utf-8").split("\n")[number - 1].strip()
    except (OSError, IndexError):
        return None
    f = by_name.get(path.name)
    if f is not None and path.parent == root / "conf.d":
        owner = f"{f.resource.kind} {f.resource.namespace}/{f.resource.name}"
        return f"  rendered line {f.name}:{number} ({owner}): {text}"
    return f"  line {path.name}:{number}: {text}"


def explain_nginx_message(output: str, result: NicResult, root: Path) -> str:
    """nginx's own words, each followed by the rendered line it is about (and the resource behind it).

    nginx names ``FILE:LINE`` for most errors; some (``SSL_CTX_set_cipher_list("...") failed``, raised while
    merging) name only the value, so the rendered lines holding that quoted value are shown instead. A message
    about a file outside the prefix is not shown (``sandbox.redact_outside``).
    """
    root = root.resolve()
    lines = []
    by_name = {Path(f.name).name: f for f in result.files}
    for raw in redact_outside(output, root).splitlines():
        if not any(level in raw for level in ("[warn]", "[emerg]", "[alert]", "[crit]")):
            continue
        lines.append(raw.strip())
        m = _WHERE.search(raw)
        if m:
            found = _rendered_line(Path(m.group(1)), int(m.group(2)), by_name, root)
            lines += [found] if found else []
            continue
        values = [v for v in re.findall(r'"([^"]+)"', raw) if len(v) > 1]
        hits = 0
        for path in sorted((root / "conf.d").glob("*.conf")):
            for number, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
                if hits < 5 and values and any(v in text for v in values):
                    found = _rendered_line(path, number, by_name, root)
                    if found:
                        lines.append(found)
                        hits += 1
    return "\n".join(lines) if lines else redact_outside(output.strip(), root)


def _run(binary: str, conf: Path, sandbox: Sandbox, *extra: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            _command(binary, conf, *extra),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            preexec_fn=sandbox.preexec(),  # only system calls: Sandbox.preexec
            start_new_session=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RehearsalError(f"cannot run {binary} in the sandbox: {exc}") from None


def config_test(binary: str, conf: Path, result: NicResult, sandbox: Sandbox) -> str:
    """``nginx -t`` (in the sandbox too: it opens the log files); a failure, or any ``[warn]``, is a
    RehearsalError naming the rendered line."""
    out = _run(binary, conf, sandbox, "-t")
    output = (out.stderr + out.stdout).strip()
    if out.returncode != 0 or any(level in output for level in ("[warn]", "[emerg]", "[alert]", "[crit]")):
        what = "fails" if out.returncode != 0 else "warns"
        raise RehearsalError(
            f"nginx -t {what} on the configuration NIC would generate (a renderer bug or an injected value):\n"
            + explain_nginx_message(output, result, conf.parent)
        )
    return redact_outside(output, conf.parent)


@dataclass
class Instance:
    """One running nginx of the rehearsal."""

    name: str
    conf: Path
    ports: Mapping[int, str]
    """Rendered listen port -> the unix socket in the prefix that nginx listens on instead."""
    told: set[str] = field(default_factory=set)
    """Every socket nginx was told to listen on (``ports`` and the unix listens of the configuration)."""
    sandbox: Sandbox = field(default_factory=Sandbox)
    process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> Path:
        return self.conf.parent

    @property
    def error_log(self) -> Path:
        return self.root / "error.log"

    def start(self, binary: str, timeout: float = 5.0) -> None:
        """Start nginx in the sandbox and wait until it listens on every socket it was told; then check that it
        listens nowhere else (``/proc/<pid>/net``), or stop it and fail."""
        stderr_path = self.root / "nginx.stderr"
        self.error_log.unlink(missing_ok=True)
        for stale in self.root.rglob("*.sock"):  # nginx leaves its unix sockets behind when killed
            stale.unlink(missing_ok=True)
        with open(stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                _command(binary, self.conf),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group, which stop() kills; Ctrl-C reaches only us
                preexec_fn=self.sandbox.preexec(),  # only system calls: Sandbox.preexec
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                message = redact_outside(stderr_path.read_text(encoding="utf-8", errors="replace").strip(), self.root)
                raise RehearsalError(f"nginx ({self.name}) exited at start: {message or 'no message'}")
            sockets = listening(self.process.pid)
            if sockets is None and self._connectable(self.told):
                return
            if sockets is not None and self.told <= sockets.unix:
                self._only_where_told(sockets.tcp, sockets.udp, sockets.unix)
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RehearsalError(f"nginx ({self.name}) did not listen on {sorted(self.told)} within {timeout:.0f}s")
            time.sleep(0.01)

    def _only_where_told(self, tcp: frozenset[str], udp: frozenset[str], unix: frozenset[str]) -> None:
        stray = [f"tcp {a}" for a in sorted(tcp)] + [f"udp {a}" for a in sorted(udp)]
        stray += [f"unix {p}" for p in sorted(unix - self.told)]
        if stray:
            self.stop()
            raise RehearsalError(
                f"nginx ({self.name}) listens where the rehearsal did not tell it to ({', '.join(stray)}): stopped"
            )

    @staticmethod
    def _connectable(paths: set[str]) -> bool:
        for path in paths:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(0.2)
                    s.connect(path)
            except OSError:
                return False
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGTERM to its process group), then SIGKILL after 3 s; safe to call twice, and again
        after an interrupt (the process is forgotten only once it is reaped)."""
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(3)
        self.process = None

    def log_index(self, name: str) -> dict[str, list[str]]:
        """Error-log lines by probe marker value (``main-7``): nginx writes the request line into each."""
        try:
            text = self.error_log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return {}
        index: dict[str, list[str]] = {}
        for line in text.splitlines():
            for value in re.findall(re.escape(name) + r"=([\w]+-\d+)", line)[:1]:
                index.setdefault(value, []).append(line)
        return index


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal nginx's process group (its pid: it leads its own session), the process itself as a fallback."""
    try:
        os.killpg(pid, sig)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
