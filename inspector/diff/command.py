"""``mtls-inspect diff``: load both sides, build both reports, compare, print, and set the exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inspector.diff.compare import Change, compare
from inspector.diff.posture import posture
from inspector.diff.sides import Side, SideError, load_side
from inspector.exit_codes import UNUSABLE_INPUT_CHECKS, ExitCode
from inspector.model import Cluster, ControllerSettings

FAIL_ON = ("weakened", "changed", "never")


@dataclass(frozen=True)
class SideResult:
    side: Side
    cluster: Cluster
    unusable: str
    """Why the side's input could not all be used ("" when it could)."""


def run_diff(
    before: Side,
    after: Side,
    *,
    settings_for: Callable[[Side], ControllerSettings],
    load_paths: Callable[[Sequence[str]], Cluster],
    load_cluster: Callable[[Sequence[str]], Cluster],
    finish: Callable[[Cluster], Cluster] = lambda cluster: cluster,
) -> tuple[tuple[Change, ...], SideResult, SideResult]:
    """Both reports and their differences; raises SideError when a side cannot be used at all."""
    from inspector.report import build_report

    results = []
    reports = []
    for side in (before, after):
        cluster = load_side(side, load_paths=load_paths, load_cluster=load_cluster, finish=finish)
        results.append(SideResult(side, cluster, _unusable(side, cluster)))
        reports.append(build_report(cluster, settings_for(side)))
    return compare(posture(reports[0]), posture(reports[1])), results[0], results[1]


def _unusable(side: Side, cluster: Cluster) -> str:
    """A side with unreadable documents, or with no Kubernetes object at all, cannot be trusted for a diff."""
    if not any(True for _ in cluster.all_objects()):
        broken = [p for p in cluster.problems if p.check_id in UNUSABLE_INPUT_CHECKS]
        detail = f" ({broken[0].message})" if broken else ""
        raise SideError(f"{side.name}: {side.label}: no Kubernetes object found{detail}")
    broken = [p for p in cluster.problems if p.check_id in UNUSABLE_INPUT_CHECKS]
    if broken:
        more = f" and {len(broken) - 1} more" if len(broken) > 1 else ""
        return f"{side.name}: {broken[0].message}{more}: the diff may miss objects"
    return ""


def exit_code(changes: Sequence[Change], fail_on: str, *unusable: str) -> int:
    if any(unusable):
        return ExitCode.UNUSABLE_INPUT
    if fail_on == "never":
        return ExitCode.OK
    if fail_on == "changed":
        return ExitCode.FINDINGS if changes else ExitCode.OK
    return ExitCode.FINDINGS if any(c.verdict == "weakened" for c in changes) else ExitCode.OK
