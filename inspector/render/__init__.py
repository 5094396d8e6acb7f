"""Rendering: the NGINX text NIC would write, from the replica's config models, through Jinja2 templates.

Why it exists: NIC renders Go ``text/template`` files (``internal/configs/version1/nginx(-plus).ingress.tmpl``,
``version2/nginx(-plus).virtualserver.tmpl``); ``templates/`` holds their Jinja2 counterparts with one macro
per NIC block (``templates/_macros.j2``), so a reader can hold both side by side. Values are printed raw, as
NIC does (no autoescape: this is nginx config, and ``ciphers``/``protocols``/``crlFileName`` pass through NIC
unvalidated; the checks flag them).

Provenance: macros wrap every policy-produced block in marker comments (``#@@src-<nonce> {...}`` /
``#@@end-<nonce>``). ``render`` strips them and returns, beside the clean text, which line came from which policy,
so a view can highlight the lines a given policy produced. The markers never reach the text NIC would write, and
the nonce is random per process, so a manifest value (copied verbatim, as NIC copies snippets) cannot forge one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2

from inspector.nic.parsing import go_quote
from inspector.nic.secrets import make_secret_path
from inspector.nic.types import ConfigFile, LineSource, PoliciesCfg, PolicySource
from inspector.render.nginx_parse import (
    Node,
    ParseError,
    RenderedLocation,
    RenderedServer,
    parse,
    rendered_servers,
    tokenize,
)

__all__ = [
    "Node",
    "ParseError",
    "Rendered",
    "RenderedLocation",
    "RenderedServer",
    "environment",
    "parse",
    "render",
    "render_file",
    "rendered_servers",
    "tokenize",
]

_NONCE = secrets.token_hex(16)
"""Per process: no manifest value can forge a marker (a value is copied verbatim into the text before stripping)."""
_BEGIN = f"#@@src-{_NONCE} "
_END = f"#@@end-{_NONCE}"


def _src_begin(source: PolicySource | None, kind: str, scope: str, policy: str = "") -> str:
    """The opening marker comment a macro puts before a policy-produced block (stripped by ``render``)."""
    payload = {
        "k": kind,
        "s": scope,
        "p": source.key if source is not None else policy,
        "o": f"{source.owner.kind}/{source.owner.namespace}/{source.owner.name}" if source is not None else "",
        "f": source.field if source is not None else "",
    }
    return _BEGIN + json.dumps(payload, separators=(",", ":"))


def _fatal_key(policies: PoliciesCfg | None) -> str:
    """Key of the reference that caused a context's 500-out, for the ``return 500;`` line's provenance."""
    if policies is None:
        return ""
    return next((o.source.key for o in policies.outcomes if o.fatal), "")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared Jinja2 environment over ``templates/`` (also used by the VirtualServer template)."""
    from inspector.samples import templates_path

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_path())),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["go_quote"] = go_quote
    env.filters["secret_path"] = make_secret_path
    env.globals["src_begin"] = _src_begin
    env.globals["src_end"] = _END
    env.globals["fatal_key"] = _fatal_key
    return env


@dataclass(frozen=True)
class Rendered:
    text: str
    provenance: tuple[LineSource, ...]


def strip_markers(raw: str) -> Rendered:
    """Remove the provenance marker lines, recording which output line each marked block produced."""
    out: list[str] = []
    stack: list[dict[str, str]] = []
    provenance: list[LineSource] = []
    for line in raw.split("\n"):
        stripped = line.strip()
        if stripped.startswith(_BEGIN):
            stack.append(json.loads(stripped[len(_BEGIN) :]))
            continue
        if stripped == _END:
            if stack:
                stack.pop()
            continue
        out.append(line)
        if stack and stripped:
            top = stack[-1]
            provenance.append(
                LineSource(
                    line=len(out),
                    kind=top["k"],  # type: ignore[arg-type]
                    policy=top["p"],
                    scope=top["s"],  # type: ignore[arg-type]
                    owner=top["o"],
                    field=top["f"],
                )
            )
    return Rendered("\n".join(out), tuple(provenance))


def render(template: str, **context: Any) -> Rendered:
    """Render one template of ``templates/`` and strip its provenance markers."""
    return strip_markers(environment().get_template(template).render(**context))


def render_file(file: ConfigFile) -> str:
    """One config file as ``nginx -T`` shows it, with a comment naming the resource NIC generated it for."""
    ref = file.resource
    text = file.text if file.text.endswith("\n") else file.text + "\n"
    return (
        f"# configuration file /etc/nginx/{file.name}:\n"
        f"# generated by NIC for {ref.kind} {ref.namespace}/{ref.name}\n" + text
    )
