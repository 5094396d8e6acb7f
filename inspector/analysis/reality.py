"""Prediction next to reality: what NIC itself reported on a live cluster, against what the replica predicts.

Only live mode has NIC's own verdicts: the ``status`` of Policies, VirtualServers and VirtualServerRoutes, and the
Events NIC emitted for every resource. A disagreement is worth a finding either way: the cluster may hold changes the
manifests do not (someone edited it), NIC may be another version or run with other flags than assumed, or the
replica is wrong. Nothing here re-derives a NIC rule; it compares two results.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from inspector import catalogue
from inspector.analysis.findings import Check, Finding
from inspector.model import Cluster, Event, ObjectRef
from inspector.nic.types import ResourceResult

DISAGREES = Check(
    id=catalogue.PREDICTION_DISAGREES,
    slug="prediction-disagrees-with-cluster",
    title="NIC's own status or event disagrees with the prediction",
    severity="warning",
    nic_enforced=False,
    outcome="none",
    remediation=(
        "Compare the live object with your manifests (`kubectl get -o yaml`), and the controller's flags and version "
        "with the options given to mtls-inspect (`--plus`, `--ingress-class`, `--configmap`, ...); then re-run."
    ),
    description=(
        "Live mode reads NIC's `status` (Policy, VirtualServer, VirtualServerRoute) and its Events. When they say "
        "something else than the replica predicts, the cluster is not what the analysis assumed."
    ),
    category="live",
)


def _status(cluster: Cluster, ref: ObjectRef) -> Mapping[str, str]:
    status = getattr(cluster.lookup(ref), "status", None)
    return status if isinstance(status, Mapping) else {}


def _latest_nic_event(events: list[Event]) -> Event | None:
    # Events arrive in API order (oldest first); NIC's own reasons are the ones the replica predicts.
    ours = [e for e in events if e.reason in ("AddedOrUpdated", "AddedOrUpdatedWithWarning", "AddedOrUpdatedWithError",
                                               "Rejected", "NoVirtualServerFound", "Ignored")]
    return ours[-1] if ours else None


def disagreements(cluster: Cluster, resources: tuple[ResourceResult, ...]) -> Iterator[Finding]:
    """One finding per resource whose live status or latest NIC event contradicts the predicted one."""
    by_ref: dict[ObjectRef, list[Event]] = {}
    for event in cluster.events:
        by_ref.setdefault(event.involved, []).append(event)
    for r in resources:
        status = _status(cluster, r.ref)
        observed_state = status.get("state", "")
        if observed_state and observed_state != r.state:
            said = status.get("message") or status.get("reason") or ""
            yield Finding(
                check=DISAGREES,
                message=(
                    f"{r.ref}: NIC's status says {observed_state}" + (f" ({said})" if said else "")
                    + f", the prediction is {r.state}"
                ),
                resource=r.ref,
                source=r.origin.at(),
                nic_message=said or None,
                details=(("observed state", observed_state), ("predicted state", r.state)),
            )
            continue
        latest = _latest_nic_event(by_ref.get(r.ref, []))
        predicted = {e.reason for e in r.events}
        if latest is not None and predicted and latest.reason not in predicted:
            yield Finding(
                check=DISAGREES,
                message=(
                    f"{r.ref}: NIC's latest event is {latest.reason} ({latest.message}), the prediction is "
                    + " or ".join(sorted(predicted))
                ),
                resource=r.ref,
                source=r.origin.at(),
                nic_message=latest.message,
                details=(("observed event", latest.reason), ("predicted event", ", ".join(sorted(predicted)))),
            )
