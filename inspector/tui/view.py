"""The TUI's view of a Report: tree items, findings attached to them, severities rolled up, filters.

Pure and Textual-free, so that navigation logic (what is under a host, which node a finding belongs to, what
"next finding" means, what a filter keeps) is tested without a terminal and stays cheap for 10,000 objects.
It reads the Report only: every status, reason and scope shown comes from the NIC replica via the report; this
module never decides what NIC would do.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inspector import samples
from inspector.analysis.findings import Finding
from inspector.model import AnyObject
from inspector.nic.types import HostResult
from inspector.report import HostReport, LocationReport, PolicyUse, Report

ItemKind = Literal["group", "host", "location", "policy", "orphans", "orphan"]
GroupBy = Literal["none", "namespace", "resource"]

SEVERITY_RANK: Mapping[str, int] = {"error": 3, "warning": 2, "info": 1}
"""Higher is worse; 0 means no finding."""
SEVERITY_BY_RANK: Mapping[int, str] = {rank: name for name, rank in SEVERITY_RANK.items()}


def worst(severities: Iterable[str | None]) -> str | None:
    """The worst severity among ``severities`` (``None`` when there is none)."""
    best_rank = 0
    for severity in severities:
        if severity is not None:
            best_rank = max(best_rank, SEVERITY_RANK.get(severity, 0))
    return SEVERITY_BY_RANK.get(best_rank)


@dataclass(frozen=True)
class ItemKey:
    """Identity of a tree item that survives a reload (matched by host, resource, path, policy reference)."""

    kind: ItemKind
    host: str = ""
    resource: str = ""
    path: str = ""
    policy: str = ""
    field: str = ""


@dataclass(frozen=True)
class Item:
    """One node of the tree, with the findings that sit on it and the worst severity below it."""

    key: ItemKey
    kind: ItemKind
    host: HostReport | None = None
    location: LocationReport | None = None
    use: PolicyUse | None = None
    findings: tuple[Finding, ...] = ()
    """Findings attached to this very node (active and suppressed)."""
    severity: str | None = None
    """Worst active severity of this node and everything below it."""
    children: tuple[Item, ...] = ()
    label: str = ""
    """For groups and orphans: the text to show."""
    outcome: str = ""
    """A host-level outcome that decides every request (``500``, ``refused``, ``rejected``), on the host and on
    everything under it: a clean location under a host that returns 500 is not "fine"."""
    verdict: str = ""
    """Hosts: the one-line verdict shown beside the name (policies with their status, then what was found)."""
    story: str = ""
    """Hosts of the bundled sample's ``broken/`` folder: the file of the deliberate story (``broken/no-tls.yaml``)."""

    @property
    def own_severity(self) -> str | None:
        return worst(f.severity for f in self.findings if not f.suppressed)

    def walk(self) -> Iterator[Item]:
        """This item and all its descendants, in tree order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class View:
    """The whole tree for one report and one grouping."""

    report: Report
    roots: tuple[Item, ...]
    group_by: GroupBy = "none"
    index: Mapping[ItemKey, tuple[Item, ...]] = field(default_factory=dict)
    """Key -> path of items from a root to that item (for expanding ancestors lazily)."""
    terms: dict[int, dict[str, set[str]]] = field(default_factory=dict, compare=False, repr=False)
    """id(root or host item) -> its searchable facts, filled by the first filter that reads them: each keystroke
    in the filter box matched every host's facts again (a walk of all 10k objects' items per key)."""

    def find(self, key: ItemKey) -> tuple[Item, ...]:
        return self.index.get(key, ())

    def walk(self) -> Iterator[Item]:
        for root in self.roots:
            yield from root.walk()

    @property
    def line_count(self) -> int:
        """Lines the tree would take fully expanded."""
        return sum(1 for _ in self.walk())


# --- attaching findings ------------------------------------------------------------------------------------


def _resource_key(host: HostReport) -> str:
    return f"{host.resource.kind}/{host.resource.key}"


def host_key(host: HostReport) -> ItemKey:
    return ItemKey("host", host.host, _resource_key(host))


def location_key(host: HostReport, location: LocationReport) -> ItemKey:
    return ItemKey("location", host.host, _resource_key(host), location.path)


def policy_key(host: HostReport, location: LocationReport | None, use: PolicyUse) -> ItemKey:
    return ItemKey(
        "policy",
        host.host,
        _resource_key(host),
        location.path if location is not None else "",
        use.key,
        use.outcome.source.field,
    )


def _hosts_for(finding: Finding, by_name: Mapping[str, Sequence[HostReport]]) -> Sequence[HostReport]:
    """The host reports a finding names; several hosts may share a name (e.g. an Ingress and a VS)."""
    if finding.host is None:
        return ()
    candidates = by_name.get(finding.host, ())
    if len(candidates) <= 1 or finding.resource is None:
        return candidates
    owned = [
        h
        for h in candidates
        if h.resource == finding.resource or any(loc.result.resource == finding.resource for loc in h.locations)
    ]
    return owned or candidates


def _attach(report: Report) -> tuple[dict[ItemKey, list[Finding]], list[Finding]]:
    """Findings per item key; findings that name no host are returned separately (orphans)."""
    by_name: dict[str, list[HostReport]] = defaultdict(list)
    for host in report.hosts:
        by_name[host.host].append(host)
    by_resource: dict[object, list[HostReport]] = defaultdict(list)
    policy_places: dict[str, list[ItemKey]] = defaultdict(list)
    for host in report.hosts:
        by_resource[host.resource].append(host)
        for use in host.policies:
            policy_places[use.key].append(policy_key(host, None, use))
        for loc in host.locations:
            for use in loc.policies:
                if use.outcome.source.scope == "location":
                    policy_places[use.key].append(policy_key(host, loc, use))
    attached: dict[ItemKey, list[Finding]] = defaultdict(list)
    orphans: list[Finding] = []
    for finding in report.findings:
        hosts = _hosts_for(finding, by_name)
        if hosts:
            for host in hosts:
                attached[_finding_place(host, finding)].append(finding)
        elif finding.policy is not None and finding.policy in policy_places:
            # A finding about a policy itself (its secret, its fields) sits on every reference to it.
            for key in dict.fromkeys(policy_places[finding.policy]):
                attached[key].append(finding)
        elif finding.resource is not None and finding.resource in by_resource:
            for host in by_resource[finding.resource]:
                attached[host_key(host)].append(finding)
        else:
            orphans.append(finding)
    return attached, orphans


def _finding_place(host: HostReport, finding: Finding) -> ItemKey:
    """The deepest item of ``host`` the finding names: policy under location, location, policy, host."""
    location = None
    if finding.path is not None:
        location = next((loc for loc in host.locations if loc.path == finding.path), None)
    uses = location.policies if location is not None else host.policies
    if finding.policy is not None:
        use = next((u for u in uses if u.key == finding.policy), None)
        if use is not None and location is not None and _inherited(host, use):
            use = None  # shown once, at the host
        if use is None and location is not None:
            use = next((u for u in host.policies if u.key == finding.policy), None)
            if use is not None:
                return policy_key(host, None, use)
        if use is not None:
            return policy_key(host, location, use)
    if location is not None:
        return location_key(host, location)
    return host_key(host)


# --- building ----------------------------------------------------------------------------------------------


def pending_host_item(host: HostResult) -> Item:
    """A host the replica produced before the report is in: the key its item will have (so the cursor stays on it
    when the tree is built), the resource as its label, nothing else known yet."""
    resource = f"{host.resource.kind}/{host.resource.key}"
    return Item(ItemKey("host", host.host, resource), "host", label=f"{host.resource.kind} {host.resource.key}")


def _finish(item: Item, children: tuple[Item, ...]) -> Item:
    severity = worst([item.own_severity, *(c.severity for c in children)])
    return dataclasses.replace(item, severity=severity, children=children)


def host_outcome(host: HostReport) -> str:
    """The host-level outcome that decides every request to ``host``, from the report's flags ("" when none)."""
    if host.result.rejected:
        return "rejected"
    if host.result.returns_500:
        return "500"
    if host.result.ssl_reject_handshake:
        return "refused"
    return ""


def _inherited(host: HostReport, use: PolicyUse) -> bool:
    """A location's reference that only repeats the host's own server-level one (same policy, field, status)."""
    if use.outcome.source.scope != "server":
        return False
    return any(
        u.key == use.key and u.outcome.source.field == use.outcome.source.field and u.status == use.status
        for u in host.policies
    )


def _host_item(host: HostReport, attached: Mapping[ItemKey, list[Finding]], story: str = "") -> Item:
    outcome = host_outcome(host)
    children: list[Item] = []
    for use in host.policies:
        key = policy_key(host, None, use)
        policy = Item(key, "policy", host=host, use=use, findings=tuple(attached.get(key, ())), outcome=outcome)
        children.append(_finish(policy, ()))
    for location in host.locations:
        if location.result.internal and not location.policies and not location.result.returns_500:
            continue
        # Server-level policies are shown once, at the host; a location lists its own references and the
        # inherited ones whose fate differs there (e.g. partly overridden by a minion's policy).
        pols = tuple(
            _finish(
                Item(
                    policy_key(host, location, use),
                    "policy",
                    host=host,
                    location=location,
                    use=use,
                    findings=tuple(attached.get(policy_key(host, location, use), ())),
                    outcome=outcome,
                ),
                (),
            )
            for use in location.policies
            if not _inherited(host, use)
        )
        key = location_key(host, location)
        loc_item = Item(
            key, "location", host=host, location=location, findings=tuple(attached.get(key, ())), outcome=outcome
        )
        children.append(_finish(loc_item, pols))
    key = host_key(host)
    item = _finish(
        Item(key, "host", host=host, findings=tuple(attached.get(key, ())), outcome=outcome, story=story),
        tuple(children),
    )
    return dataclasses.replace(item, verdict=host_verdict(item))


def _short(key: str, namespace: str) -> str:
    """``default/ingress-mtls-policy`` -> ``ingress-mtls-policy`` on a host of the same namespace."""
    ns, _, name = key.partition("/")
    return name if name and ns == namespace else key


def host_verdict(item: Item) -> str:
    """One line for a collapsed host: its policies with their status, then what was found under it."""
    host = item.host
    if host is None:
        return ""
    fates: dict[tuple[str, str], str] = {}
    for use in (*host.policies, *(u for loc in host.locations for u in loc.policies)):
        entry = (use.outcome.type, use.key)
        if fates.get(entry) != "applied":
            fates[entry] = use.status
    # Name and status first (they must survive a narrow pane), the type after them.
    parts = [f"{_short(key, host.resource.namespace)} {status} ({kind})" for (kind, key), status in fates.items()]
    if host.result.rejected:
        parts.insert(0, "NIC rejects the resource")
    elif not fates:
        parts.append("no mTLS policy")
    found = [f for node in item.walk() for f in node.findings if not f.suppressed and f.severity != "info"]
    unique = list(dict.fromkeys(f.id for f in found))
    if len(unique) == 1:
        parts.append(f"{unique[0]} {found[0].check.title}")
    elif unique:
        parts.append(f"{len(unique)} checks fail: {', '.join(unique)}")
    return " · ".join(parts)


ATTENTION_ORDER: tuple[str, ...] = ("500", "fail-open", "refused", "error", "warning")
"""How the first screen orders hosts: what breaks every request first, clean hosts last."""


def attention(item: Item) -> int:
    """Rank of a root item in ``ATTENTION_ORDER`` (lower needs attention sooner; clean hosts and groups last)."""
    host = item.host
    facts: set[str] = set()
    if host is not None:
        facts.update("error" if name == "rejected" else name for name in host_outcomes(host))
    if item.severity is not None:
        facts.add(item.severity)
    return next((rank for rank, name in enumerate(ATTENTION_ORDER) if name in facts), len(ATTENTION_ORDER))


def _story_root() -> Path | None:
    try:
        return samples.path().resolve() / "broken"
    except FileNotFoundError:
        return None


def _stories(report: Report) -> dict[str, str]:
    """Resource key -> ``broken/<file>`` for hosts whose resource comes from the bundled sample's broken/ stories."""
    root = _story_root()
    if root is None:
        return {}
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for host in report.hosts:
        owner = _owner(report, host)
        if owner is None or not owner.meta.origin.file:
            continue
        file = owner.meta.origin.file
        if file not in seen:
            path = Path(file).resolve()
            seen[file] = f"broken/{path.name}" if path.parent == root else ""
        if seen[file]:
            out[_resource_key(host)] = seen[file]
    return out


def _owner(report: Report, host: HostReport) -> AnyObject | None:
    ref = host.resource
    table: Mapping[str, AnyObject] = report.cluster.virtual_servers if ref.kind == "VirtualServer" else {}
    if ref.kind == "Ingress":
        table = report.cluster.ingresses
    return table.get(ref.key)


def _orphan_items(orphans: Sequence[Finding]) -> tuple[Item, ...]:
    if not orphans:
        return ()
    by_place: dict[str, list[Finding]] = defaultdict(list)
    for finding in orphans:
        place = str(finding.resource) if finding.resource is not None else (finding.source or "input")
        by_place[place].append(finding)
    children = tuple(
        _finish(Item(ItemKey("orphan", resource=place), "orphan", findings=tuple(fs), label=place), ())
        for place, fs in by_place.items()
    )
    group = Item(ItemKey("orphans"), "orphans", label="Findings outside any host")
    return (_finish(group, children),)


def _group_label(host: HostReport, group_by: GroupBy) -> str:
    if group_by == "namespace":
        return host.resource.namespace or "(cluster)"
    return f"{host.resource.kind} {host.resource.key}"


def build_view(report: Report, group_by: GroupBy = "none") -> View:
    """The tree for ``report``: hosts (optionally grouped) -> server policies and locations -> policies."""
    attached, orphans = _attach(report)
    stories = _stories(report)
    built = [_host_item(h, attached, stories.get(_resource_key(h), "")) for h in report.hosts]
    # What breaks requests first, then errors, warnings, clean hosts (stable within a rank).
    hosts = tuple(sorted(built, key=attention))
    roots: tuple[Item, ...]
    if group_by == "none":
        roots = hosts
    else:
        groups: dict[str, list[Item]] = defaultdict(list)
        for item in hosts:
            assert item.host is not None
            groups[_group_label(item.host, group_by)].append(item)
        grouped = [
            _finish(Item(ItemKey("group", resource=f"{group_by}:{label}"), "group", label=label), tuple(items))
            for label, items in groups.items()
        ]
        roots = tuple(sorted(grouped, key=lambda g: min((attention(c) for c in g.children), default=99)))
    roots = roots + _orphan_items(orphans)
    index: dict[ItemKey, tuple[Item, ...]] = {}

    def visit(item: Item, trail: tuple[Item, ...]) -> None:
        path = (*trail, item)
        index.setdefault(item.key, path)
        for child in item.children:
            visit(child, path)

    for root in roots:
        visit(root, ())
    return View(report=report, roots=roots, group_by=group_by, index=index)


# --- filtering and navigation ------------------------------------------------------------------------------


def _host_terms(item: Item) -> dict[str, set[str]]:
    """Searchable facts of a host subtree, per filter field."""
    terms: dict[str, set[str]] = {"host": set(), "ns": set(), "policy": set(), "severity": set(), "any": set()}
    if item.host is not None:
        terms["any"].update(host_outcomes(item.host))
    if item.story:
        terms["any"].update(("story", item.story.lower()))
    for node in item.walk():
        if node.host is not None:
            terms["host"].add(node.host.host.lower())
            terms["ns"].add(node.host.resource.namespace.lower())
            terms["any"].add(node.host.resource.name.lower())
        if node.location is not None:
            terms["ns"].add(node.location.result.resource.namespace.lower())
            terms["any"].add(node.location.path.lower())
        if node.use is not None:
            terms["policy"].add(node.use.key.lower())
            terms["policy"].add(node.use.outcome.type.lower())
            terms["any"].add(node.use.status.lower())
        for finding in node.findings:
            if not finding.suppressed:
                terms["severity"].add(finding.severity)
                terms["any"].add(finding.id.lower())
                if finding.resource is not None:
                    terms["ns"].add(finding.resource.namespace.lower())
    return terms


def host_outcomes(host: HostReport) -> list[str]:
    """What happens to a host, straight from the report's flags, in badge order: the badges, the words the
    filter finds and the attention rank all read this one list."""
    names: list[str] = []
    if host.result.rejected:
        names.append("rejected")
    if host.result.returns_500 or any(loc.result.returns_500 for loc in host.locations):
        names.append("500")
    if host.result.fail_open:
        names.append("fail-open")
    if host.result.ssl_reject_handshake:
        names.append("refused")
    if not host.result.tls and not host.result.rejected:
        names.append("no-tls")
    return names


def _term_matches(field_name: str, needle: str, terms: Mapping[str, set[str]]) -> bool:
    if field_name == "severity":
        # "severity:warning" keeps hosts with a warning or worse: what needs attention at that level.
        rank = SEVERITY_RANK.get(needle, 0)
        return any(SEVERITY_RANK.get(s, 0) >= rank for s in terms["severity"]) if rank else False
    fields = (field_name,) if field_name != "any" else tuple(terms)
    return any(needle in value for name in fields for value in terms[name])


FILTER_FIELDS: Mapping[str, str] = {
    "host": "host",
    "h": "host",
    "ns": "ns",
    "namespace": "ns",
    "policy": "policy",
    "p": "policy",
    "severity": "severity",
    "sev": "severity",
    "s": "severity",
}
"""Prefixes accepted in the filter box (``ns:default``, ``sev:error``); a bare word matches any field."""


def parse_filter(query: str) -> tuple[tuple[str, str], ...]:
    """``"ns:default sev:error cafe"`` -> ``(("ns","default"), ("severity","error"), ("any","cafe"))``."""
    parts: list[tuple[str, str]] = []
    for word in query.lower().split():
        name, sep, value = word.partition(":")
        if sep and name in FILTER_FIELDS and value:
            parts.append((FILTER_FIELDS[name], value))
        elif word in SEVERITY_RANK:
            parts.append(("severity", word))
        else:
            parts.append(("any", word))
    return tuple(parts)


def filter_roots(view: View, query: str) -> tuple[Item, ...]:
    """Root items whose hosts match every term of ``query`` (groups keep only their matching hosts)."""
    terms = parse_filter(query)
    if not terms:
        return view.roots

    def host_matches(item: Item) -> bool:
        facts = view.terms.get(id(item))
        if facts is None:
            facts = view.terms[id(item)] = _host_terms(item)
            if item.kind in ("orphans", "orphan"):
                facts["any"].add(item.label.lower())
        return all(_term_matches(name, needle, facts) for name, needle in terms)

    kept: list[Item] = []
    for root in view.roots:
        if root.kind in ("group", "orphans"):
            children = tuple(c for c in root.children if host_matches(c))
            if children:
                kept.append(_finish(root, children))
        elif host_matches(root):
            kept.append(root)
    return tuple(kept)


def finding_items(roots: Sequence[Item]) -> tuple[Item, ...]:
    """Items that carry an active finding, in tree order: the stops of ``n``/``N``."""
    return tuple(item for root in roots for item in root.walk() if any(not f.suppressed for f in item.findings))


def next_item(stops: Sequence[Item], order: Sequence[ItemKey], current: ItemKey | None, step: int) -> Item | None:
    """The next (``step=1``) or previous (``step=-1``) stop after ``current`` in tree ``order``, wrapping."""
    if not stops:
        return None
    if current is None or current not in order:
        return stops[0] if step > 0 else stops[-1]
    position = {key: i for i, key in enumerate(order)}
    here = position[current]
    ranked = sorted(stops, key=lambda item: position.get(item.key, -1))
    if step > 0:
        return next((s for s in ranked if position.get(s.key, -1) > here), ranked[0])
    return next((s for s in reversed(ranked) if position.get(s.key, -1) < here), ranked[-1])


def counts(report: Report, *, compact: bool = False) -> str:
    """Header counts: hosts, 500s, fail-open, refused, findings by severity (``compact`` for 80 columns)."""
    summary = report.summary()
    five = sum(1 for h in report.hosts if h.result.returns_500 or any(loc.result.returns_500 for loc in h.locations))
    fail_open = sum(1 for h in report.hosts if h.result.fail_open)
    refused = sum(1 for h in report.hosts if h.result.ssl_reject_handshake)
    parts = [f"{summary['hosts']} hosts"]
    if five:
        parts.append(f"{five} with 500")
    if fail_open:
        parts.append(f"{fail_open} fail-open")
    if refused:
        parts.append(f"{refused} refused")
    if compact:
        parts.append(f"{summary['errors']} err, {summary['warnings']} warn")
        return " · ".join(parts).replace(" hosts", "h")
    parts.append(f"{summary['errors']} errors, {summary['warnings']} warnings")
    if summary["infos"]:
        parts[-1] += f", {summary['infos']} infos"
    return " · ".join(parts)
