"""Small helpers every human output shares: printable text, places relative to the current folder, docs lines.

Manifest values and API-server messages are untrusted: a VirtualServer named with an OSC 52 sequence would write the
reader's clipboard if printed raw. ``printable`` escapes C0/C1 controls (and the bidi overrides that reorder what a
reader sees) so that every byte that reaches a terminal is visible as text.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from inspector.analysis.findings import Check

DOCS_ENV = "MTLS_INSPECT_DOCS_URL"
"""Base URL of the check pages (e.g. the repository's web view of docs/checks.md); links only when it is set."""

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character written as ``\\xNN`` (tab and, with ``newlines``, newline kept)."""
    return (_CONTROL if newlines else _CONTROL_ALL).sub(_escape, text)


def xml_safe(text: str) -> str:
    """Printable, and without the characters XML 1.0 cannot carry at all (so the document stays well-formed)."""
    return _XML_ILLEGAL.sub(_escape, printable(text))


_LINE = re.compile(r"(.*):(\d+)")


def split_source(source: str) -> tuple[str, int]:
    """``file:line`` -> (file, line); a source without a line gives line 0."""
    m = _LINE.fullmatch(source)
    if m:
        return m.group(1), int(m.group(2))
    return source, 0


def relative_path(path: str, cwd: Path | None = None) -> str:
    """``path`` relative to the current folder when it lies below it; otherwise as given."""
    if not path or path.startswith(("<", "cluster:")):
        return path
    return _relative(path, os.fspath(cwd) if cwd is not None else os.getcwd())


@lru_cache(maxsize=4096)
def _relative(path: str, cwd: str) -> str:
    """Cached per (file, folder): an output names the same few files thousands of times, and each resolve is a
    walk of system calls (5,000 findings at 10k objects)."""
    base = Path(cwd).resolve()
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return path
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix() or "."
    return path


def relative_source(source: str, cwd: Path | None = None) -> str:
    """``file:line`` with the file relative to the current folder when it lies below it."""
    file, line = split_source(source)
    shown = relative_path(file, cwd)
    return f"{shown}:{line}" if line else shown


def docs_url(given: str | None = None) -> str:
    """The configured base URL of the check pages: ``--docs-url`` (or the config's ``docs-url``), else the
    ``MTLS_INSPECT_DOCS_URL`` environment variable, else none."""
    return (given if given is not None else os.environ.get(DOCS_ENV, "")).strip()


def docs_ref(check: Check, url: str | None = None) -> str:
    """What a ``docs:`` line says: the command that prints the page, plus its URL when one is configured."""
    url = docs_url(url)
    cmd = f"mtls-inspect checks {check.id}"
    return f"{cmd} ({url}#{check.slug})" if url else cmd


__all__ = [
    "DOCS_ENV",
    "docs_ref",
    "docs_url",
    "printable",
    "relative_path",
    "relative_source",
    "split_source",
    "xml_safe",
]
