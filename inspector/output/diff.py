"""A posture diff for people (text), for programs (``mtls-inspect/diff/v1`` JSON), for a pull request
(markdown) and for GitHub's annotations (workflow commands)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from inspector.diff.command import SideResult
from inspector.diff.compare import VERDICTS, Change
from inspector.diff.posture import Responsible
from inspector.output import common

SCHEMA = "mtls-inspect/diff/v1"
FORMATS = ("text", "json", "markdown", "github")


def printable(text: str) -> str:
    """Untrusted text (names and values from manifests) on one line, every control character escaped."""
    return common.printable(text, newlines=False)


def by_host(changes: Sequence[Change]) -> list[tuple[str, list[Change]]]:
    """Hosts with a weakened change first, then changed, then strengthened; each host's changes in that order."""
    hosts: dict[str, list[Change]] = {}
    for c in changes:
        hosts.setdefault(c.host, []).append(c)
    rank = {v: i for i, v in enumerate(VERDICTS)}
    ordered = sorted(hosts.items(), key=lambda kv: (min(rank[c.verdict] for c in kv[1]), kv[0]))
    return [(host, sorted(cs, key=lambda c: rank[c.verdict])) for host, cs in ordered]


def counts(changes: Iterable[Change]) -> dict[str, int]:
    out: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for c in changes:
        out[c.verdict] += 1
    return out


def _where(c: Change) -> str:
    return "server" if c.path is None else c.path


def _objects(objs: Sequence[Responsible]) -> str:
    return ", ".join(f"{o.ref} ({o.source})" if o.source else str(o.ref) for o in objs)


def to_text(changes: Sequence[Change], before: str, after: str) -> str:
    n = counts(changes)
    lines = [f"Posture diff: {printable(before)} -> {printable(after)}: " + ", ".join(f"{n[v]} {v}" for v in VERDICTS)]
    if not changes:
        lines.append("No change to who can connect or to what is sent upstream.")
        return "\n".join(lines) + "\n"
    for host, cs in by_host(changes):
        lines += ["", f"{printable(host)}"]
        for c in cs:
            why = f" ({c.why})" if c.why else ""
            lines.append(
                f"  {c.verdict.upper():<12} {printable(_where(c))}: {c.title}: "
                f"{printable(c.before)} -> {printable(c.after)}{printable(why)}"
            )
            responsible = c.objects_after or c.objects_before
            if responsible:
                lines.append(f"  {'':<12} from {printable(_objects(responsible))}")
    return "\n".join(lines) + "\n"


def _object_json(o: Responsible) -> dict[str, str]:
    return {"kind": o.ref.kind, "namespace": o.ref.namespace, "name": o.ref.name, "source": o.source}


def to_json(changes: Sequence[Change], before: dict[str, Any], after: dict[str, Any]) -> str:
    doc = {
        "schema": SCHEMA,
        "before": before,
        "after": after,
        "summary": counts(changes),
        "changes": [
            {
                "host": c.host,
                "path": c.path,
                "aspect": c.aspect,
                "title": c.title,
                "verdict": c.verdict,
                "before": c.before,
                "after": c.after,
                "why": c.why,
                "objects": {
                    "before": [_object_json(o) for o in c.objects_before],
                    "after": [_object_json(o) for o in c.objects_after],
                },
            }
            for c in changes
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(changes: Sequence[Change], before: str, after: str) -> str:
    n = counts(changes)
    lines = [
        "## mtls-inspect posture diff",
        "",
        f"`{_cell(before)}` → `{_cell(after)}`: " + ", ".join(f"**{n[v]} {v}**" for v in VERDICTS),
        "",
    ]
    if not changes:
        lines.append("No change to who can connect or to what is sent upstream.")
        return "\n".join(lines) + "\n"
    for host, cs in by_host(changes):
        lines += [f"### `{_cell(host)}`", "", "| verdict | where | aspect | before | after | objects |"]
        lines.append("|---|---|---|---|---|---|")
        for c in cs:
            mark = {"weakened": "🔴 weakened", "changed": "🟡 changed", "strengthened": "🟢 strengthened"}[c.verdict]
            lines.append(
                f"| {mark} | {_cell(_where(c))} | {_cell(c.title)} | {_cell(c.before)} | {_cell(c.after)} "
                f"| {_cell(_objects(c.objects_after or c.objects_before))} |"
            )
        lines.append("")
    return "\n".join(lines)


def _gh_escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (``%``, CR, LF; and ``:``/``,`` in properties)."""
    out = printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        out = out.replace(":", "%3A").replace(",", "%2C")
    return out


def to_github(changes: Sequence[Change]) -> str:
    level = {"weakened": "error", "changed": "warning", "strengthened": "notice"}
    lines: list[str] = []
    for host, cs in by_host(changes):
        lines.append(f"::group::{_gh_escape(host)}")
        for c in cs:
            props = [f"title={_gh_escape(f'mTLS {c.verdict}: {c.title}', prop=True)}"]
            place = next((o.source for o in (*c.objects_after, *c.objects_before) if o.source), "")
            file, _, line = place.rpartition(":")
            if file and line.isdigit():
                props = [f"file={_gh_escape(file, prop=True)}", f"line={line}", *props]
            message = f"{host} {_where(c)}: {c.before} -> {c.after}" + (f" ({c.why})" if c.why else "")
            lines.append(f"::{level[c.verdict]} {','.join(props)}::{_gh_escape(message)}")
        lines.append("::endgroup::")
    return "\n".join(lines) + ("\n" if lines else "")


def side_json(result: SideResult) -> dict[str, Any]:
    return {"label": result.side.label, "sources": list(result.cluster.sources), "unusable": result.unusable or None}


def render(changes: Sequence[Change], before: SideResult, after: SideResult, fmt: str) -> str:
    """The diff in one of FORMATS."""
    if fmt == "json":
        return to_json(changes, side_json(before), side_json(after))
    if fmt == "markdown":
        return to_markdown(changes, before.side.label, after.side.label)
    if fmt == "github":
        return to_github(changes)
    return to_text(changes, before.side.label, after.side.label)
