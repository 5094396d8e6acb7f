"""What the live mode adds around kubernetes_asyncio so that a hostile or broken cluster setup leaks nothing.

Why it exists (issue 14): the client library writes ``client-key-data`` (and the plugin's ``clientKeyData``) to temp
files removed only at a normal interpreter exit, leaves an exec plugin running when authentication times out,
follows redirects to other hosts with the Authorization header, and the adapter echoes server and plugin messages.
Each fix is here, applied by ``sources/live.py`` at the one place it concerns:

- ``keep_key_material_off_disk``: the library's temp files become anonymous memory files (``memfd``), opened by
  OpenSSL through ``/proc/self/fd``: nothing reaches a disk, so nothing is left behind on any exit, signals included.
- ``kill_plugins``: exec plugins run in their own process group (when not prompting on a terminal) and whatever
  still runs after the timeout is killed, group and all.
- ``refuse_cross_host_redirects``: a redirect to another scheme, host or port is an error; same-host redirects are
  followed (at most 5).
- ``redact``: the session's token, and anything shaped like a token, is cut out of every echoed message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

_CREDENTIALS: set[str] = set()
"""Every bearer token (or basic credential) the session authenticated with."""
_TOKEN_LIKE = re.compile(
    r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"  # an Authorization value
    r"|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # a JWT (service-account and OIDC tokens)
    r"|\b(?:k8s-aws-v1|ghp|gho|glpat)[._-][A-Za-z0-9._-]{8,}"  # EKS, GitHub, GitLab tokens
)
REDACTED = "[redacted]"


def remember_credential(value: object) -> None:
    """Redact ``value`` (an Authorization value such as ``Bearer abc``, or a bare token) from now on."""
    text = str(value or "").strip()
    for part in (text, text.split(" ", 1)[-1]):
        if len(part) >= 8:
            _CREDENTIALS.add(part)


def redact(text: str) -> str:
    """``text`` without the session's token or anything shaped like one (servers and plugins echo them)."""
    for secret in sorted(_CREDENTIALS, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _TOKEN_LIKE.sub(lambda m: f"{m.group(1)} {REDACTED}" if m.group(1) else REDACTED, text)


# --- key material in memory -----------------------------------------------------------------------------------

_MEMORY_FILES: dict[bytes, str] = {}
"""Content -> ``/proc/self/fd/N`` of the memory file holding it (the fd stays open for the process's life)."""


def _memory_file(content: str | bytes) -> str:
    data = content.encode() if isinstance(content, str) else bytes(content)
    path = _MEMORY_FILES.get(data)
    if path is None:
        fd = os.memfd_create("mtls-inspect-kubeconfig", os.MFD_CLOEXEC)
        os.write(fd, data)
        path = f"/proc/self/fd/{fd}"
        _MEMORY_FILES[data] = path
    return path


def keep_key_material_off_disk() -> bool:
    """Make kubernetes_asyncio keep the files it would write (client key, certificate, CA) in memory; False
    when the platform has no memfd (then its temp files, 0600, are removed only at a normal exit)."""
    from kubernetes_asyncio.config import kube_config

    if not hasattr(os, "memfd_create") or not Path("/proc/self/fd").is_dir():
        return False

    def in_memory(self: Any, content: str | bytes) -> str:
        return _memory_file(content)

    kube_config.FileOrData._create_temp_file_with_content = in_memory  # type: ignore[method-assign]
    return True


# --- exec plugins ---------------------------------------------------------------------------------------------

_PLUGINS: set[asyncio.subprocess.Process] = set()
_OWN_GROUP: set[int] = set()


class _PluginAsyncio:
    """``asyncio`` as kubernetes_asyncio's exec provider sees it: subprocesses remembered (and in their own
    process group unless the plugin may prompt on our terminal, which needs our foreground group)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def create_subprocess_exec(self, *args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        own_group = not sys.stdin.isatty()
        if own_group:
            kwargs["process_group"] = 0
        proc = await asyncio.create_subprocess_exec(*args, **kwargs)
        _PLUGINS.add(proc)
        if own_group:
            _OWN_GROUP.add(proc.pid)
        return proc


def track_plugins() -> None:
    """Route the exec provider's subprocesses through ``_PluginAsyncio`` (its module only)."""
    from kubernetes_asyncio.config import exec_provider

    if not isinstance(getattr(exec_provider, "asyncio", None), _PluginAsyncio):
        setattr(exec_provider, "asyncio", _PluginAsyncio())  # noqa: B010 - the module's own name, replaced


def kill_plugins() -> None:
    """Kill every exec plugin still running (after a timeout or an error), with its process group."""
    for proc in list(_PLUGINS):
        if proc.returncode is None:
            with contextlib.suppress(OSError):
                if proc.pid in _OWN_GROUP:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
        else:
            _PLUGINS.discard(proc)
            _OWN_GROUP.discard(proc.pid)


# --- redirects ------------------------------------------------------------------------------------------------


class RedirectRefused(Exception):
    """The API server redirected to another scheme, host or port: the token would go there."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class _SameHostOnly:
    """The client's aiohttp session with redirects followed only within the same origin."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def request(self, **args: Any) -> Any:
        args["allow_redirects"] = False
        for _ in range(5):
            response = await self._session.request(**args)
            location = response.headers.get("Location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            target = urljoin(str(args["url"]), location)
            response.release()
            if _origin(target) != _origin(str(args["url"])):
                scheme, host, port = _origin(target)
                raise RedirectRefused(
                    f"the API server redirected to {scheme}://{host}{f':{port}' if port else ''}: "
                    "redirects to another host are refused (the credentials would go along)"
                )
            args["url"] = target
        raise RedirectRefused("the API server redirected more than 5 times")


def refuse_cross_host_redirects(api: Any) -> None:
    """Wrap ``api``'s (a kubernetes_asyncio ApiClient's) HTTP session in ``_SameHostOnly``."""
    rest = api.rest_client
    if not isinstance(rest.pool_manager, _SameHostOnly):
        rest.pool_manager = _SameHostOnly(rest.pool_manager)
