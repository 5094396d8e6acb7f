"""The rehearsal's sandbox: what nginx may listen on, write, read and reach, and as whom it runs.

Why it exists: the configuration under rehearsal comes from manifests, and a value NIC copies verbatim can add
directives (issue 14). ``session`` refuses a configuration with an MTLS068 finding unless ``--allow-injection``;
this module contains whatever still reaches nginx:

- ``Confiner`` re-writes every conf.d file from its parse tree: each word is checked to read the same to nginx as
  to our parser (a word the two would split differently is refused), every ``listen`` (``*:P``, ``[::]:P``,
  ``"0.0.0.0:P"``, ``unix:``, none at all) becomes a unix socket in the prefix, every path nginx writes or reads
  (logs, ``include``, temp and cache paths, stores, certificates, ``root``/``alias``) and every ``unix:`` peer is
  kept inside the prefix. The text nginx loads is the tree we checked, line numbers as rendered.
- ``Sandbox`` runs nginx in a new network namespace with no interface up (so it can reach no address, loopback
  included: probes and backends use the unix sockets, which a network namespace does not separate), as ``nobody``
  when we are root (files it needs are handed to that user, 0600/0700), in its own process group, with a
  parent-death signal so it cannot outlive us.
- ``listening`` reads ``/proc/<pid>/net`` so the session can check that nginx listens only where it was told.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from inspector.render.nginx_parse import Node, ParseError, parse

IMPLICIT_LISTEN = 8000
"""nginx's listen for a server block without one is ``*:80`` as root and ``*:8000`` otherwise
(``ngx_http_core_merge_srv_conf``); NIC's nginx runs unprivileged, so 8000. NIC writes such blocks for gRPC-only
hosts without TLS. The rehearsal makes it explicit so that it, too, becomes a socket in the prefix."""

SOCKET_PATH_MAX = 107
"""``sun_path`` holds 108 bytes with the terminating NUL."""

_WRITES = {
    "access_log": ("off",),
    "error_log": ("stderr",),
    "include": (),
    "client_body_temp_path": (),
    "proxy_temp_path": (),
    "fastcgi_temp_path": (),
    "uwsgi_temp_path": (),
    "scgi_temp_path": (),
    "proxy_cache_path": (),
    "fastcgi_cache_path": (),
    "uwsgi_cache_path": (),
    "scgi_cache_path": (),
    "proxy_store": ("on", "off"),
    "fastcgi_store": ("on", "off"),
    "uwsgi_store": ("on", "off"),
    "scgi_store": ("on", "off"),
    "pid": (),
    "lock_file": (),
    "working_directory": (),
    "load_module": (),
    "root": (),
    "alias": (),
    "auth_basic_user_file": (),
    "ssl_certificate": (),
    "ssl_certificate_key": (),
    "ssl_client_certificate": (),
    "ssl_trusted_certificate": (),
    "ssl_crl": (),
    "ssl_dhparam": (),
    "ssl_password_file": (),
    "ssl_stapling_file": (),
    "ssl_session_ticket_key": (),
    "proxy_ssl_certificate": (),
    "proxy_ssl_certificate_key": (),
    "proxy_ssl_trusted_certificate": (),
    "proxy_ssl_crl": (),
    "proxy_ssl_password_file": (),
    "grpc_ssl_certificate": (),
    "grpc_ssl_certificate_key": (),
    "grpc_ssl_trusted_certificate": (),
    "grpc_ssl_crl": (),
    "grpc_ssl_password_file": (),
}
"""Directives whose first argument is a path nginx opens (writes, creates, reads or loads), and the words that are
not paths. Everything else a file name could reach goes through ``include`` (also confined)."""

_DATA_PREFIX = ("ssl_certificate", "ssl_certificate_key", "proxy_ssl_certificate", "proxy_ssl_certificate_key")
"""Accept ``data:`` (the PEM inline, nginx >= 1.15.10): nothing is opened."""

_CONF_COMMANDS = ("ssl_conf_command", "proxy_ssl_conf_command", "grpc_ssl_conf_command")
_CONF_COMMAND_FILES = re.compile(
    r"(?i)^(Certificate|PrivateKey|ChainCAFile|ChainCAPath|VerifyCAFile|VerifyCAPath|RequestCAFile|ClientCAFile|"
    r"DHParameters|ServerInfoFile)$"
)
"""OpenSSL ``SSL_CONF`` commands whose value is a file or folder OpenSSL opens."""

_TCP_ONLY_PARAMS = re.compile(r"^(ipv6only|so_keepalive|fastopen|deferred|setfib|accept_filter|reuseport)\b")
"""``listen`` parameters of IP sockets, meaningless (or refused) on the unix socket the rehearsal listens on."""

_UNQUOTED = re.compile(r"(?!#)(?:[^\s;{}\"'\\$]|\\\S|\$\{\w+\}|\$(?!\{))+")
_QUOTED = re.compile(r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\)?", re.S)
"""One quoted string, maybe closing an ``if`` condition: nginx ends the string at its quote and takes a ``)`` right
after it as the next word (``if ($a = 'b') {``), which changes no directive boundary."""
_UNIX = re.compile(r"unix:([^\s;:\"'{}]*)", re.I)
"""nginx's URL parser takes ``unix:`` in any case (``ngx_parse_url``)."""
SECRET_DIR_VARIABLE = "$secret_dir_path/"
"""The rehearsal's main config maps it to ``<prefix>/secrets`` (``render/nginx_conf.main_config``)."""


class ConfineError(ValueError):
    """A conf.d file the sandbox cannot vouch for (unparseable, or a word nginx would read differently)."""


class SandboxError(RuntimeError):
    """nginx cannot be run contained on this machine (root without a ``nobody`` user, nginx refusing to start)."""


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", word[1:-1], flags=re.S)
    return word


def _same_to_nginx(word: str) -> bool:
    """Whether nginx's tokenizer (``ngx_conf_read_token``) reads ``word`` as exactly this one word: a plain word
    (no quote inside: nginx takes a mid-word quote literally, our parser as the start of a string), or one whole
    quoted string (with the ``)`` of an ``if`` after it)."""
    return bool(_UNQUOTED.fullmatch(word) or _QUOTED.fullmatch(word))


@dataclass
class Confiner:
    """Confines the conf.d files of one nginx instance under ``root`` (its prefix)."""

    root: Path
    peers: Path | None = None
    """A folder outside ``root`` whose unix sockets nginx may connect to (the rehearsal's backends)."""
    listens: dict[int, str] = field(default_factory=dict)
    """Rendered port -> the unix socket path it listens on instead."""
    unix_listens: dict[str, str] = field(default_factory=dict)
    """A rendered ``listen unix:PATH`` -> the socket in the prefix."""
    changes: list[str] = field(default_factory=list)
    """What was moved into the prefix (``conf.d/x.conf:12: access_log /etc/x -> ...``), for --keep users."""
    _count: int = 0

    @property
    def confined_dir(self) -> Path:
        return self.root / "confined"

    @property
    def listen_dir(self) -> Path:
        return self.root / "listen"

    def told(self) -> set[str]:
        """Every unix socket path nginx was told to listen on."""
        return set(self.listens.values()) | set(self.unix_listens.values())

    def port_socket(self, port: int) -> str:
        path = self.listens.setdefault(port, f"{self.listen_dir}/{port}.sock")
        if len(path.encode()) > SOCKET_PATH_MAX:
            raise ConfineError(f"the rehearsal prefix {self.root} is too long for a unix socket path: set TMPDIR")
        return path

    def _inside(self, path: str) -> bool:
        # a backslash: nginx keeps most escapes that our unquoting drops, so the two would name different files
        if "$" in path or "\x00" in path or "\\" in path or ".." in path.split("/"):
            return False
        return os.path.normpath(path).startswith(f"{self.root}/")

    def _moved(self, where: str, what: str, value: str, suffix: str = "") -> str:
        self._count += 1
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._-")[:60] or "value"
        target = f"{self.confined_dir}/{self._count}" + (suffix if suffix else f"-{name}")
        self.changes.append(f"{where}: {what} {value} -> {target}")
        return target

    def _path(self, node: Node, where: str) -> tuple[str, ...]:
        if not node.args:
            return node.args
        raw = node.args[0]
        value = _unquote(raw)
        if value in _WRITES[node.name] or (node.name in _DATA_PREFIX and value.startswith("data:")):
            return node.args
        if value.startswith(SECRET_DIR_VARIABLE) and self._inside(f"{self.root}/secrets/{value[17:]}"):
            return node.args
        if self._inside(value):
            return node.args
        return (self._moved(where, node.name, value), *node.args[1:])

    def _unix_peers(self, args: tuple[str, ...], where: str, name: str) -> tuple[str, ...]:
        def sub(m: re.Match[str]) -> str:
            path = m.group(1)
            if self._inside(path) or (self.peers is not None and os.path.dirname(path) == str(self.peers)):
                return m.group(0)
            return "unix:" + self._moved(where, f"{name} unix:", path, ".sock")

        return tuple(_UNIX.sub(sub, a) if "unix:" in a.lower() else a for a in args)

    def _listen(self, node: Node, where: str) -> tuple[str, tuple[str, ...]]:
        """(socket path, parameters) for one ``listen``."""
        if not node.args:
            raise ConfineError(f"{where}: listen without an address")
        addr = _unquote(node.args[0])
        params = tuple(p for p in node.args[1:] if not _TCP_ONLY_PARAMS.match(_unquote(p)))
        if addr[:5].lower() == "unix:":
            path = addr[5:]
            target = self.unix_listens.get(path)
            if target is None:
                if self._inside(path) and not path.startswith(f"{self.listen_dir}/"):
                    target = path
                else:
                    target = self._moved(where, "listen unix:", path, ".sock")
                self.unix_listens[path] = target
            return target, params
        if addr.startswith("["):
            tail = addr.partition("]")[2]
            port_text = tail[1:] if tail.startswith(":") else "80"
        elif addr.isdigit():
            port_text = addr
        elif ":" in addr:
            port_text = addr.rsplit(":", 1)[1]
        else:
            port_text = "80"  # an address without a port (``listen localhost;``): nginx listens on 80
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfineError(f"{where}: listen {addr}: not a port nginx would accept")
        return self.port_socket(int(port_text)), params

    def _server(self, node: Node, where: str) -> Node:
        assert node.children is not None
        children: list[Node] = []
        seen: dict[str, int] = {}
        for child in node.children:
            if child.name != "listen":
                children.append(child)
                continue
            path, params = self._listen(child, f"{where}:{child.line}")
            if path in seen:  # ``listen 443 ssl; listen [::]:443 ssl;`` share one socket: keep one listen
                index = seen[path]
                merged = children[index].args + tuple(p for p in params if p not in children[index].args)
                children[index] = Node("listen", merged, children[index].line, children[index].end_line)
                continue
            seen[path] = len(children)
            children.append(Node("listen", (f"unix:{path}", *params), child.line, child.end_line))
        if not seen:
            path = self.port_socket(IMPLICIT_LISTEN)
            children.insert(0, Node("listen", (f"unix:{path}",), node.line, node.line))
        return Node(node.name, node.args, node.line, node.end_line, tuple(children))

    def _node(self, node: Node, name: str, *, top: bool, listens_done: bool = False) -> Node:
        where = f"{name}:{node.line}"
        server = node.children is not None and node.name == "server" and top
        if server:
            node = self._server(node, name)
        args = node.args
        if node.name in _WRITES:
            args = self._path(node, where)
        elif node.name in _CONF_COMMANDS and len(args) > 1 and _CONF_COMMAND_FILES.match(_unquote(args[0])):
            value = _unquote(args[1])
            if not self._inside(value):
                args = (args[0], self._moved(where, f"{node.name} {_unquote(args[0])}", value), *args[2:])
        elif node.name == "listen" and not listens_done:  # a listen nested deeper: nginx refuses it, still confined
            path, params = self._listen(node, where)
            args = (f"unix:{path}", *params)
        if node.name != "listen":
            args = self._unix_peers(args, where, node.name)
        children = node.children
        if children is not None:
            children = tuple(self._node(c, name, top=False, listens_done=server) for c in children)
        return Node(node.name, args, node.line, node.end_line, children)

    def confine(self, text: str, name: str) -> str:
        """``text`` (one conf.d file) as nginx will load it; raises ``ConfineError``."""
        try:
            nodes = parse(text)
        except ParseError as exc:
            raise ConfineError(f"{name}: {exc}: the rehearsal cannot confine a file it cannot parse") from None
        return emit([self._node(_as_nginx_reads(n, name), name, top=True) for n in nodes])


_CONFINED_NAMES = frozenset({*_WRITES, *_CONF_COMMANDS, "listen", "server"})


def _as_nginx_reads(node: Node, name: str) -> Node:
    """``node`` with every word checked to read the same to nginx, and directive names unquoted as nginx does
    (``"listen" 81;`` is a listen); raises ``ConfineError``."""
    where = f"{name}:{node.line}"
    for word in (node.name, *node.args):
        if not _same_to_nginx(word):
            raise ConfineError(f"{where}: {word[:80]!r} would read differently to nginx: refused")
    directive = node.name
    if _unquote(directive) != directive and _unquote(directive) in _CONFINED_NAMES:
        directive = _unquote(directive)  # map/geo/types entries keep their quotes: they are values there
    children = node.children
    if children is not None:
        children = tuple(_as_nginx_reads(c, name) for c in children)
    return Node(directive, node.args, node.line, node.end_line, children)


def emit(nodes: Iterable[Node]) -> str:
    """nginx text for ``nodes``: each directive on its own line number, words separated by one space."""
    out: list[str] = []
    line = 1

    def put(text: str, at: int) -> None:
        nonlocal line
        if at > line:
            out.append("\n" * (at - line))
            line = at
        elif out and not out[-1].endswith(("\n", " ")):
            out.append(" ")
        out.append(text)
        line += text.count("\n")

    def walk(node: Node) -> None:
        put(node.name, node.line)
        for arg in node.args:
            put(arg, node.line)
        if node.children is None:
            out.append(";")
            return
        put("{", node.line)
        for child in node.children:
            walk(child)
        put("}", node.end_line)

    for node in nodes:
        walk(node)
    return "".join(out) + "\n"


# --- the process ----------------------------------------------------------------------------------------------

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Sandbox:
    """How the rehearsal's nginx runs: which user, which network namespace, and what could not be had."""

    uid: int | None = None
    """The user nginx runs as when we are root (``nobody``); None: our own user."""
    gid: int | None = None
    user: str = ""
    netns: bool = False
    notes: tuple[str, ...] = ()
    """What the platform did not allow (said in the output)."""

    def describe(self) -> str:
        who = f"user {self.user}" if self.user else f"uid {os.getuid()}"
        net = "a network namespace without interfaces" if self.netns else "the host network (no namespace)"
        return f"{who}, {net}, unix sockets in the prefix only"

    def own(self, *paths: Path) -> None:
        """Hand the files nginx needs to its user (everything under each path), keeping their modes."""
        if self.uid is None or self.gid is None:
            return
        for top in paths:
            if not top.is_dir():
                os.chown(top, self.uid, self.gid, follow_symlinks=False)
                continue
            for base, dirs, files in os.walk(top):
                os.chown(base, self.uid, self.gid)
                for name in (*dirs, *files):
                    os.chown(os.path.join(base, name), self.uid, self.gid, follow_symlinks=False)

    def reachable(self, path: Path) -> str | None:
        """The first folder above ``path`` that the sandbox's user cannot pass through, None when it can reach it
        (``TMPDIR`` under a 0700 home would leave nginx unable to read its own configuration)."""
        if self.uid is None:
            return None
        for parent in path.parents:
            st = parent.stat()
            if not st.st_mode & 0o001 and st.st_uid != self.uid:
                return str(parent)
        return None

    def preexec(self) -> Callable[[], None]:
        """What the child does between fork and exec: enter the namespace, drop to the user, ask for SIGKILL when
        we die. Only plain system calls (the parent has threads); resolved before the fork."""
        libc = _libc()
        parent = os.getpid()
        real_uid, real_gid = os.getuid(), os.getgid()
        netns, uid, gid = self.netns, self.uid, self.gid

        def child() -> None:
            if netns:
                flags = CLONE_NEWNET if real_uid == 0 else CLONE_NEWUSER | CLONE_NEWNET
                if libc is None or libc.unshare(flags) != 0:
                    raise OSError(ctypes.get_errno(), "unshare")
                if flags & CLONE_NEWUSER:  # map our own uid/gid so files stay ours and nginx is not "root"
                    for name, text in (
                        ("setgroups", "deny"),
                        ("uid_map", f"{real_uid} {real_uid} 1"),
                        ("gid_map", f"{real_gid} {real_gid} 1"),
                    ):
                        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
                        try:
                            os.write(fd, text.encode())
                        finally:
                            os.close(fd)
            if uid is not None and gid is not None:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            if libc is not None:  # after the uid change, which clears it
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # we died before prctl took effect
                os._exit(1)

        return child


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name or None, use_errno=True)
    except OSError:
        return None


def _nginx_user() -> tuple[int, int, str] | None:
    import grp
    import pwd

    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return None
    gid = pw.pw_gid
    with contextlib.suppress(KeyError):
        gid = grp.getgrnam("nogroup").gr_gid
    return pw.pw_uid, gid, "nobody"


def _runs(binary: str, sandbox: Sandbox) -> bool:
    try:
        out = subprocess.run([binary, "-v"], capture_output=True, timeout=10, check=False, preexec_fn=sandbox.preexec())
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def detect(binary: str) -> Sandbox:
    """The strongest sandbox this platform gives: try a network namespace with ``nginx -v``, else say why not."""
    notes: list[str] = []
    uid = gid = None
    user = ""
    if os.getuid() == 0:
        found = _nginx_user()
        if found is None:
            raise SandboxError("running as root and there is no 'nobody' user to run nginx as: it never runs as root")
        uid, gid, user = found
    if not hasattr(os, "setgroups") or _libc() is None:
        notes.append("no network namespace: this platform has no unshare(2)")
        return Sandbox(uid, gid, user, False, tuple(notes))
    candidate = Sandbox(uid, gid, user, True)
    if _runs(binary, candidate):
        return candidate
    notes.append("no network namespace: unshare(CLONE_NEWNET) is not permitted here; nginx shares the host network")
    plain = Sandbox(uid, gid, user, False, tuple(notes))
    if not _runs(binary, plain):
        raise SandboxError(f"{binary} does not run as {user or 'this user'} in the sandbox")
    return plain


# --- what nginx listens on ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sockets:
    """The listening sockets one process holds, from ``/proc/<pid>/net``."""

    tcp: frozenset[str]
    """``addr:port`` (hex, as /proc writes it) of listening TCP sockets, IPv4 and IPv6."""
    udp: frozenset[str]
    unix: frozenset[str]
    """Paths of listening unix sockets (``@name`` for abstract ones, ``?`` for unnamed)."""


def listening(pid: int) -> Sockets | None:
    """The sockets ``pid`` listens on (in its own network namespace), None when /proc cannot tell."""
    try:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        tables = {
            name: Path(f"/proc/{pid}/net/{name}").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
            for name in ("tcp", "tcp6", "udp", "udp6", "unix")
        }
    except OSError:
        return None
    tcp, udp, unix = set(), set(), set()
    for name in ("tcp", "tcp6", "udp", "udp6"):
        for row in tables[name]:
            cols = row.split()
            if len(cols) > 9 and cols[9] in inodes:
                if name.startswith("tcp") and cols[3] == "0A":  # TCP_LISTEN
                    tcp.add(cols[1])
                elif name.startswith("udp"):
                    udp.add(cols[1])
    for row in tables["unix"]:
        cols = row.split()
        # Num RefCount Protocol Flags Type St Inode [Path]; flag 00010000 is __SO_ACCEPTCON (listening)
        if len(cols) >= 7 and cols[6] in inodes and int(cols[3], 16) & 0x10000:
            unix.add(cols[7] if len(cols) > 7 else "?")
    return Sockets(frozenset(tcp), frozenset(udp), frozenset(unix))


def redact_outside(text: str, root: Path) -> str:
    """nginx's messages with every line that is about a file outside the prefix replaced: nginx quotes the
    offending word of a file it cannot parse, and that file's content is not ours to print."""
    prefix = f"{root.resolve()}/"
    out = []
    for line in text.splitlines():
        m = re.search(r" in (\S+):(\d+)\s*$", line)
        if m and not os.path.normpath(m.group(1)).startswith(prefix):
            level = re.search(r"\[\w+\]", line)
            out.append(
                f"{level.group(0) if level else ''} (a message about {m.group(1)}:{m.group(2)}, outside the "
                "rehearsal prefix: not shown)".strip()
            )
        else:
            out.append(line)
    return "\n".join(out)
