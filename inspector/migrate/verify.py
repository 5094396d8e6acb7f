"""``migrate --verify``: what ingress-nginx enforced with the original against what NIC enforces with the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from inspector.diff.compare import Change, compare
from inspector.diff.posture import Place, posture
from inspector.migrate import ingress_nginx
from inspector.migrate.translate import Migration
from inspector.model import ControllerSettings, Origin
from inspector.sources import RawObject

_NIC_ONLY = ("ingress_policy", "egress_policy")
"""Aspects ingress-nginx has no notion of (which NIC policy is in effect)."""


def migrated_raws(raws: Sequence[RawObject], migrations: Sequence[Migration]) -> list[RawObject]:
    """The input with each migrated Ingress replaced by its translation and the new objects added after it."""
    by_place = {(m.ingress.namespace, m.ingress.name): m for m in migrations}
    out: list[RawObject] = []
    for raw in raws:
        meta = raw.obj.get("metadata") or {}
        key = (meta.get("namespace") or "default", meta.get("name", ""))
        migration = by_place.get(key) if raw.obj.get("kind") == "Ingress" else None
        if migration is None:
            out.append(raw)
            continue
        out.append(RawObject(migration.objects[0], raw.origin))
        for index, obj in enumerate(migration.objects[1:], start=1):
            out.append(RawObject(obj, Origin(f"migrated:{raw.origin.file}", raw.origin.doc, index)))
    return out


def verify(
    raws: Sequence[RawObject], migrations: Sequence[Migration], settings: ControllerSettings
) -> tuple[Change, ...]:
    """Every difference between ingress-nginx's posture on the original and NIC's on the migrated objects."""
    from inspector.report import build_report
    from inspector.sources.convert import build_cluster

    before = ingress_nginx.posture(build_cluster(raws))
    after_report = build_report(build_cluster(migrated_raws(raws, migrations)), settings)
    after_all = posture(after_report)
    after: dict[tuple[str, str | None], Place] = {}
    for key, place in after_all.items():
        if key in before:
            facts = {a: f for a, f in place.facts.items() if a not in _NIC_ONLY and a in before[key].facts}
            after[key] = replace(place, facts=facts)
    return compare(before, after)
