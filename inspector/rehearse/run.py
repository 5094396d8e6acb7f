"""The rehearsal nginx: find the binary, write its private prefix, judge ``nginx -t``, start it, stop it.

Why it exists: the process lifecycle is where a tool like this leaks (stray nginx on a port, key material left in
/tmp). Everything here is owned by one ``Instance`` that ``stop`` always ends. The configuration comes from
``render/nginx_conf.write_test_config`` (NIC's http-level frame, secrets, temp paths, http2 form, ports); this
module adds what only a *running* rehearsal needs: upstream ``server`` lines pointed at our backends, the error
log at ``info`` (nginx logs client-certificate verify errors at that level), and single-process mode so nginx
never drops privileges away from the 0600 secret files.
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
from dataclasses import dataclass, replace
from pathlib import Path

from inspector.nic.types import ConfigFile, NicResult
from inspector.render.nginx_conf import write_test_config

INSTALL_HINT = (
    "nginx not found: the rehearsal runs real nginx. Install Debian's package: "
    "sudo apt-get install nginx (any nginx >= 1.22 on PATH works)"
)
GLOBALS = "daemon off; master_process off;"
"""Single process in the foreground: we own exactly one pid, and it keeps our uid (no ``user`` switch)."""
_UPSTREAM_OPEN = re.compile(r"^\s*upstream\s+(\S+)\s*\{")
_SERVER_LINE = re.compile(r"^(\s*)server\s+(\S+)(.*)$")
_LISTEN_PORT = re.compile(r"listen\s+(?:(?:\[[^\]]*\]|[\d.]+):)?(\d+)\b")
_WHERE = re.compile(r" in (\S+):(\d+)\s*$")


class RehearsalError(Exception):
    """The rehearsal cannot run (no nginx, nginx -t fails, unusable certificate files): exit 2 with this text."""


class PortTaken(RehearsalError):
    """Another process bound one of the chosen ports before nginx did: retry with fresh ports."""


def listening_ports_of(pid: int) -> set[int] | None:
    """TCP ports on which process ``pid`` holds a listening IPv4 socket (Linux ``/proc``), None when unknown."""
    try:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        table = Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return None
    ports = set()
    for row in table:
        cols = row.split()
        if len(cols) > 9 and cols[3] == "0A" and cols[9] in inodes:  # 0A: TCP_LISTEN
            ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def find_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise RehearsalError(INSTALL_HINT)
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on 127.0.0.1: all bound at once, then released (binding one at a time can
    hand out the same port twice)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def config_listen_ports(files: Sequence[ConfigFile]) -> list[int]:
    """Every port the rendered files listen on (80, 443, VS custom listeners)."""
    return sorted({int(m.group(1)) for f in files for m in _LISTEN_PORT.finditer(f.text)})


def upstream_names(files: Sequence[ConfigFile]) -> list[str]:
    return sorted({m.group(1) for f in files for line in f.text.split("\n") if (m := _UPSTREAM_OPEN.match(line))})


def point_upstreams(text: str, ports: Mapping[str, int]) -> str:
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
                line = f"{s.group(1)}server 127.0.0.1:{ports[current]}{s.group(3)}"
                seen = True
        out.append(line)
    return "\n".join(out)


def _log_level_info(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    conf.write_text(re.sub(r"^(error_log \S+) notice;", r"\1 info;", text, count=1, flags=re.M), encoding="utf-8")


IMPLICIT_LISTEN = 8000
"""nginx's listen for a server block without one is ``*:80`` as root and ``*:8000`` otherwise
(``ngx_http_core_merge_srv_conf``); NIC's nginx runs unprivileged, so 8000. NIC writes such blocks for gRPC-only
hosts without TLS. The rehearsal makes it explicit so that it, too, moves to a loopback port."""


def explicit_listens(text: str) -> str:
    """Give every top-level server block without a ``listen`` the one nginx would use; line numbers kept."""
    from inspector.render.nginx_parse import ParseError, parse

    try:
        nodes = parse(text)
    except ParseError:
        return text
    lines = text.split("\n")
    for node in nodes:
        if node.name != "server" or not node.is_block:
            continue
        if any(child.name == "listen" for child in node.children or ()):
            continue
        index = node.line - 1
        lines[index] = re.sub(r"\{", f"{{ listen {IMPLICIT_LISTEN};", lines[index], count=1)
    return "\n".join(lines)


def runnable_files(result: NicResult) -> list[ConfigFile]:
    """The conf.d files as rendered, with implicit listens made explicit."""
    return [replace(f, text=explicit_listens(f.text)) for f in result.files]


def needed_ports(result: NicResult) -> list[int]:
    """Every port the rehearsal nginx listens on: the files' and NIC's default server's (never left unmapped,
    or nginx would bind it on every interface of the machine)."""
    from inspector.render.nginx_conf import default_server_text

    default = ConfigFile("conf.d/_default-server.conf", result.files[0].resource, default_server_text(result))
    return config_listen_ports([*runnable_files(result), default])


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
    listen: Mapping[int, int],
    upstreams: Mapping[str, int],
    version: tuple[int, int, int] | None,
) -> Path:
    root = root.resolve()
    files = [
        replace(f, text=point_upstreams(f.text, upstreams).replace(f"unix:{NIC_SOCKETS}", f"unix:{root}/"))
        for f in runnable_files(result)
    ]
    if files:
        files.append(ConfigFile("conf.d/_nic-internal.conf", files[0].resource, internal_servers(root)))
    conf = write_test_config(result, root, listen_overrides=listen, files=files, version=version)
    _log_level_info(conf)
    return conf


def _command(binary: str, conf: Path, *extra: str) -> list[str]:
    root = conf.parent
    return [binary, "-p", f"{root}/", "-c", str(conf), "-e", f"{root}/error.log", "-g", GLOBALS, *extra]


def _rendered_line(path: Path, number: int, by_name: Mapping[str, ConfigFile], root: Path) -> str | None:
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
    merging) name only the value, so the rendered lines holding that quoted value are shown instead.
    """
    lines = []
    by_name = {Path(f.name).name: f for f in result.files}
    for raw in output.splitlines():
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
    return "\n".join(lines) if lines else output.strip()


def config_test(binary: str, conf: Path, result: NicResult) -> str:
    """``nginx -t``; a failure, or any ``[warn]``, is a RehearsalError naming the rendered line."""
    try:
        out = subprocess.run(_command(binary, conf, "-t"), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RehearsalError(f"cannot run {binary}: {exc}") from None
    output = (out.stderr + out.stdout).strip()
    if out.returncode != 0 or any(level in output for level in ("[warn]", "[emerg]", "[alert]", "[crit]")):
        what = "fails" if out.returncode != 0 else "warns"
        raise RehearsalError(
            f"nginx -t {what} on the configuration NIC would generate (a renderer bug or an injected value):\n"
            + explain_nginx_message(output, result, conf.parent)
        )
    return output


@dataclass
class Instance:
    """One running nginx of the rehearsal."""

    name: str
    conf: Path
    ports: Mapping[int, int]
    """Rendered listen port -> the loopback port it was moved to."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> Path:
        return self.conf.parent

    @property
    def error_log(self) -> Path:
        return self.root / "error.log"

    def start(self, binary: str, timeout: float = 5.0) -> None:
        """Start nginx and wait until it listens on every port itself.

        Ports were free when chosen, but another process may take one before nginx binds it; then nginx logs
        ``bind() ... failed`` and retries for seconds while the other listener answers our connects. So
        readiness is ownership (the listening socket is one of nginx's fds, ``/proc``), and a bind failure is a
        ``PortTaken`` the session answers with fresh ports.
        """
        stderr_path = self.root / "nginx.stderr"
        self.error_log.unlink(missing_ok=True)  # a previous attempt's bind() failure must not count again
        for stale in self.root.glob("*.sock"):  # nginx leaves its unix sockets behind when killed
            stale.unlink(missing_ok=True)
        with open(stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                _command(binary, self.conf),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # Ctrl-C reaches us, and we stop nginx ourselves (see stop)
            )
        deadline = time.monotonic() + timeout
        wanted = set(self.ports.values())
        while True:
            if self.process.poll() is not None:
                message = stderr_path.read_text(encoding="utf-8", errors="replace").strip()
                if "bind() to" in message:
                    raise PortTaken(message)
                raise RehearsalError(f"nginx ({self.name}) exited at start: {message or 'no message'}")
            if "bind() to" in self._log_text():
                self.stop()
                raise PortTaken(f"nginx ({self.name}): a chosen port was taken")
            owned = listening_ports_of(self.process.pid)
            if (owned is not None and wanted <= owned) or (owned is None and self._connectable(wanted)):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RehearsalError(f"nginx ({self.name}) did not listen on {sorted(wanted)} within {timeout:.0f}s")
            time.sleep(0.01)

    def _log_text(self) -> str:
        try:
            return self.error_log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    @staticmethod
    def _connectable(ports: set[int]) -> bool:
        for port in ports:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                return False
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGTERM), then SIGKILL after 3 s; safe to call twice, and again after an interrupt
        (the process is forgotten only once it is reaped)."""
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    proc.kill()
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
