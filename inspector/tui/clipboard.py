"""Copying out of the TUI: OSC 52 (wrapped for tmux), and always a file the user can find again.

OSC 52 cannot report success (many terminals ignore it silently, tmux drops it unless passthrough is on), so
every copy also lands in a file whose path the TUI shows. Object YAML is cut from the source file at the
object's recorded line; objects without a file (live mode) are dumped from the model with secret data removed.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from inspector.model import AnyObject, Secret


def osc52(text: str, *, tmux: bool | None = None) -> str:
    """The escape sequence that puts ``text`` on the terminal's clipboard; DCS-wrapped inside tmux."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\a"
    inside_tmux = bool(os.environ.get("TMUX")) if tmux is None else tmux
    if inside_tmux:
        # tmux passes a DCS "tmux;" payload to the outer terminal when allow-passthrough is on; every ESC inside
        # the payload is doubled.
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def clip_dir() -> Path:
    """Where copies are written: ``$MTLS_INSPECT_CLIP_DIR`` or a per-user folder in the temp dir."""
    configured = os.environ.get("MTLS_INSPECT_CLIP_DIR")
    base = Path(configured) if configured else Path(tempfile.gettempdir()) / f"mtls-inspect-{os.getuid()}"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    return base


def write_clip(text: str, name: str) -> Path:
    """Write ``text`` to the clip folder under a safe version of ``name``; returns the path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "clip"
    target = clip_dir() / safe
    target.write_text(text, encoding="utf-8")
    return target


def _strip_secret(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _strip_secret(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _strip_secret(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_strip_secret(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _model_yaml(obj: AnyObject) -> str:
    data = _strip_secret(obj)
    if isinstance(obj, Secret):
        data["data"] = {key: "<redacted>" for key in obj.data}
    return "# from the model (no source file)\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _find_mapping(node: yaml.Node, line: int) -> yaml.Node | None:
    """The mapping node starting at 1-based ``line`` (a document or an item of a ``kind: List``)."""
    if isinstance(node, yaml.MappingNode):
        if node.start_mark.line + 1 == line:
            return node
        for _, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                for entry in value.value:
                    if isinstance(entry, yaml.MappingNode) and entry.start_mark.line + 1 <= line:
                        found = _find_mapping(entry, line)
                        if found is not None:
                            return found
    return None


def object_yaml(obj: AnyObject) -> str:
    """The object's manifest as the user wrote it, cut from its source file; secrets never carry data."""
    origin = obj.meta.origin
    path = Path(origin.file)
    if isinstance(obj, Secret) or not origin.line or not path.is_file():
        return _model_yaml(obj)
    try:
        text = path.read_text(encoding="utf-8")
        for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
            found = _find_mapping(document, origin.line)
            if found is not None:
                lines = text.splitlines()
                start, end = found.start_mark, found.end_mark
                chunk = lines[start.line : end.line + (1 if end.column else 0)]
                indent = start.column
                rest = [line[indent:] if line[:indent].strip() == "" else line for line in chunk[1:]]
                body = "\n".join([chunk[0][indent:], *rest])
                return f"# {origin.at()}\n{body.rstrip()}\n"
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        pass
    return _model_yaml(obj)
