"""``--ignore`` entries and the ``mtls-inspect/ignore`` annotation: which findings are suppressed, and why."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from inspector.analysis.checks.catalogue import BY_ID, BY_SLUG, IGNORE_ANNOTATION, check
from inspector.analysis.checks.drafts import object_of
from inspector.analysis.findings import Check, Finding
from inspector.model import Cluster, ObjectRef

# --- suppression ----------------------------------------------------------------------------------------------


def parse_ignores(ignores: Sequence[str]) -> list[tuple[Check, str | None]]:
    """``--ignore ID`` / ``--ignore ID=Kind/ns/name`` (ids or slugs); ValueError names a bad entry."""
    out: list[tuple[Check, str | None]] = []
    for raw in ignores:
        ident, _, target = raw.strip().partition("=")
        try:
            chk = check(ident.strip())
        except KeyError:
            raise ValueError(f"--ignore {raw}: unknown check {ident.strip()!r} (see `mtls-inspect checks`)") from None
        target = target.strip()
        if target and len(target.split("/")) != 3:
            raise ValueError(f"--ignore {raw}: expected ID=Kind/namespace/name")
        out.append((chk, target.lower() or None))
    return out


@functools.cache
def _ignore_splitter() -> re.Pattern[str]:
    idents = "|".join(re.escape(slug) for slug in sorted(BY_SLUG, key=len, reverse=True))
    return re.compile(rf",\s*(?=(?:MTLS\w+|{idents})\s*(?::|,|$))", re.I)


def _split_ignore_annotation(value: str) -> list[tuple[str, str]]:
    """Entries of the annotation as (ident, reason). Entries are separated by newlines, or by a comma followed by
    something that names a check (``MTLS...``, even mistyped, or a known slug) and a ``:``; any other comma belongs
    to the reason."""
    out: list[tuple[str, str]] = []
    for line in value.splitlines():
        for part in _ignore_splitter().split(line):
            # ``MTLS060, bogus: x``: an id without a reason, then the next entry.
            while bare := re.match(r"\s*([\w-]+)\s*,(.*)", part, re.S):
                out.append((bare.group(1), ""))
                part = bare.group(2)
            ident, _, reason = part.partition(":")
            if ident.strip():
                out.append((ident.strip(), reason.strip()))
    return out


def parse_ignore_annotation(value: str) -> dict[str, str]:
    """``mtls-inspect/ignore: "MTLS012: reason, MTLS060: reason"`` -> check id -> reason (several by `,` or newline;
    a reason may contain commas)."""
    out: dict[str, str] = {}
    for ident, reason in _split_ignore_annotation(value):
        try:
            chk = check(ident)
        except KeyError:
            continue
        out[chk.id] = reason or "suppressed by annotation"
    return out


def unknown_ignore_ids(value: str) -> list[str]:
    """The entries of an ``mtls-inspect/ignore`` annotation that name no check (MTLS008)."""
    entries = _split_ignore_annotation(value)
    return [ident for ident, _ in entries if ident.upper() not in BY_ID and ident.lower() not in BY_SLUG]


def suppress(
    findings: Iterable[Finding], cluster: Cluster, ignores: Sequence[tuple[Check, str | None]]
) -> list[Finding]:
    from dataclasses import replace

    out: list[Finding] = []
    for f in findings:
        reason = ""
        target = f"{f.resource.kind}/{f.resource.namespace}/{f.resource.name}".lower() if f.resource else ""
        for chk, where in ignores:
            if chk.id == f.check.id and (where is None or where == target):
                reason = f"--ignore {chk.id}" + (f"={where}" if where else "")
                break
        if not reason:
            refs = [f.resource] + (
                [ObjectRef("Policy", *f.policy.split("/", 1))] if f.policy and "/" in f.policy else []
            )
            for ref in refs:
                obj = object_of(cluster, ref)
                if obj is None:
                    continue
                ann = obj.meta.annotations.get(IGNORE_ANNOTATION)
                if ann:
                    why = parse_ignore_annotation(ann).get(f.check.id)
                    if why:
                        reason = f"{IGNORE_ANNOTATION} on {ref}: {why}"
                        break
        out.append(replace(f, suppressed=True, suppression=reason) if reason else f)
    return out


