"""The TUI's Textual-free parts on the bundled sample: tree items, findings placement, filters, labels,
rendered blocks, the checklist verdicts and sign-off, clipboard helpers and file watching."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import os
import shutil
import time
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from rich.text import Text

from inspector import samples
from inspector.model import ControllerSettings
from inspector.report import HostReport, Report, build_report
from inspector.sources.convert import load_cluster
from inspector.tui import clipboard, signoff, watch
from inspector.tui.details import item_details
from inspector.tui.labels import host_badges, item_label, origin_phrase
from inspector.tui.rendered import INJECTED_STYLE, INJECTION_SLUG, block_for, injected_values, render_block
from inspector.tui.view import (
    Item,
    build_view,
    filter_roots,
    finding_items,
    next_item,
    parse_filter,
    policy_key,
    worst,
)
from tests.shared import NIC_EXAMPLES, need
from tests.tui_helpers import key_markers, one_line_json_list


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(load_cluster([samples.path()]), ControllerSettings())


def _host(report: Report, name: str) -> HostReport:
    return next(h for h in report.hosts if h.host == name)


def _host_item(roots: tuple[Item, ...], name: str) -> Item:
    return next(i for root in roots for i in root.walk() if i.kind == "host" and i.host and i.host.host == name)


def test_every_host_is_a_root_with_its_locations_and_policies(report: Report) -> None:
    view = build_view(report)
    hosts = [r for r in view.roots if r.kind == "host"]
    assert sorted(h.key.host for h in hosts) == sorted(h.host for h in report.hosts) and len(hosts) == 16
    # Inherited server policies are shown once, at the host; a location lists only what differs there.
    cafe = _host_item(view.roots, "cafe.example.com")
    assert [c.use.key for c in cafe.children if c.use] == ["default/ingress-mtls-policy"]
    assert all(not c.children for c in cafe.children if c.kind == "location")
    shop = _host_item(view.roots, "shop.example.com")
    paths = [c.location.path for c in shop.children if c.kind == "location" and c.location]
    assert paths == ["/api", "/static"]
    api = next(c for c in shop.children if c.location and c.location.path == "/api")
    statuses = {c.use.key: c.use.status for c in api.children if c.use}
    assert statuses == {"shop/shop-api-egress": "applied", "shop/shop-egress-mtls": "overridden"}


def test_hosts_are_ordered_by_what_matters_and_stories_are_marked(report: Report) -> None:
    from inspector.tui.view import ATTENTION_ORDER, attention

    view = build_view(report)
    hosts = [r for r in view.roots if r.kind == "host"]
    ranks = [attention(h) for h in hosts]
    assert ranks == sorted(ranks)
    names = [ATTENTION_ORDER[r] if r < len(ATTENTION_ORDER) else "clean" for r in ranks]
    assert names[:5] == ["500"] * 5 and names[5] == "fail-open" and names[-1] == "clean"
    first = hosts[0]
    assert first.host is not None and "500" in host_badges(first.host)
    stories = {h.key.host: h.story for h in hosts if h.story}
    assert stories["no-tls.broken.example.com"] == "broken/no-tls.yaml"
    assert all(name.endswith(".broken.example.com") for name in stories) and len(stories) == 11
    assert not _host_item(view.roots, "cafe.example.com").story
    cafe = _host_item(view.roots, "cafe.example.com")
    assert cafe.verdict == "ingress-mtls-policy applied (ingressMTLS)"
    webapp = _host_item(view.roots, "webapp.example.com")
    assert webapp.verdict.startswith("egress-mtls-policy applied (egressMTLS) · MTLS067 ")
    label = item_label(first).plain
    assert label.index("500") < label.index(first.key.host) and "story" in label


def test_a_host_level_outcome_marks_its_children(report: Report) -> None:
    view = build_view(report)
    no_tls = _host_item(view.roots, "no-tls.broken.example.com")
    assert no_tls.outcome == "500"
    location = next(c for c in no_tls.children if c.kind == "location")
    assert location.severity is None and location.outcome == "500"
    assert item_label(location).plain.startswith("⊘ ")
    cafe = _host_item(view.roots, "cafe.example.com")
    assert all(item_label(c).plain.startswith("✓ ") for c in cafe.children)


def test_filter_finds_what_the_header_counts(report: Report) -> None:
    view = build_view(report)

    def hosts(query: str) -> set[str]:
        return {i.key.host for r in filter_roots(view, query) for i in r.walk() if i.kind == "host"}

    five = {h.host for h in report.hosts if h.result.returns_500 or any(loc.result.returns_500 for loc in h.locations)}
    assert hosts("500") == five and len(five) == 5
    assert hosts("fail-open") == {h.host for h in report.hosts if h.result.fail_open}
    assert hosts("mtls067") >= {"webapp.example.com"} and "cafe.example.com" not in hosts("MTLS067")
    assert hosts("error") == hosts("sev:error")
    assert "cafe.example.com" not in hosts("story")


def test_severity_rolls_up_to_parents(report: Report) -> None:
    view = build_view(report)
    for item in view.walk():
        assert item.severity == worst([item.own_severity, *(c.severity for c in item.children)])
    minion = _host_item(view.roots, "minion-ingress-mtls.broken.example.com")
    assert minion.own_severity is None
    assert minion.severity == "error"


def test_every_active_finding_sits_somewhere_in_the_tree(report: Report) -> None:
    view = build_view(report)
    placed = {id(f) for item in view.walk() for f in item.findings}
    assert report.findings
    assert all(id(f) in placed for f in report.findings)
    minion_policy = next(
        i
        for i in view.walk()
        if i.kind == "policy" and i.use and i.use.key == "broken/minion-ingress-mtls-policy" and i.location
    )
    assert [f.path for f in minion_policy.findings] == ["/app"]


def test_badges_come_from_the_report_flags(report: Report) -> None:
    assert "500" in host_badges(_host(report, "no-tls.broken.example.com"))
    assert "500" in host_badges(_host(report, "minion-ingress-mtls.broken.example.com"))
    assert "fail-open" in host_badges(_host(report, "uncovered.host-not-in-tls-hosts.broken.example.com"))
    assert host_badges(_host(report, "cafe.example.com")) == []
    label = item_label(_host_item(build_view(report).roots, "no-tls.broken.example.com")).plain
    assert "500" in label and "Ingress broken/no-tls" in label


def test_origin_phrase_names_owner_context_and_field(report: Report) -> None:
    cafe = _host(report, "cafe.example.com")
    assert origin_phrase(cafe.policies[0]) == "from Ingress default/cafe-ingress annotation"
    api = next(loc for loc in _host(report, "shop.example.com").locations if loc.path == "/api")
    minion_use = next(u for u in api.policies if u.key == "shop/shop-api-egress")
    assert origin_phrase(minion_use) == "from minion Ingress shop/shop-api annotation"
    vs = _host(report, "vs-route-ingress-mtls.broken.example.com")
    route_use = next(u for loc in vs.locations for u in loc.policies)
    assert origin_phrase(route_use).startswith("from route of VirtualServer broken/vs-route-ingress-mtls spec.routes[")


def test_losing_policies_are_struck_with_their_reason(report: Report) -> None:
    view = build_view(report)
    item = next(i for i in view.walk() if i.use and i.use.status == "ignored")
    label = item_label(item)
    assert "ignored: " in label.plain
    assert any("strike" in str(span.style) for span in label.spans)


def test_grouping_by_namespace_and_resource(report: Report) -> None:
    by_ns = build_view(report, "namespace")
    groups = {r.label: r for r in by_ns.roots if r.kind == "group"}
    assert {"broken", "default", "shop", "vs-egress-mtls", "vs-ingress-mtls"} <= set(groups)
    assert [c.host.host for c in groups["shop"].children if c.host] == ["shop.example.com"]
    by_res = build_view(report, "resource")
    labels = {r.label for r in by_res.roots}
    assert "Ingress broken/host-not-in-tls-hosts" in labels
    two = next(r for r in by_res.roots if r.label == "Ingress broken/host-not-in-tls-hosts")
    assert len(two.children) == 2


def test_filter_by_host_namespace_policy_and_severity(report: Report) -> None:
    view = build_view(report)

    def hosts(query: str) -> set[str]:
        return {i.host.host for r in filter_roots(view, query) for i in r.walk() if i.kind == "host" and i.host}

    assert hosts("shop") == {"shop.example.com"}
    assert hosts("ns:vs-egress-mtls") == {"secure-webapp.example.com"}
    assert hosts("policy:ingress-mtls-policy") >= {"cafe.example.com", "webapp-mtls.example.com"}
    errors = hosts("sev:error")
    assert "no-tls.broken.example.com" in errors and "cafe.example.com" not in errors
    assert hosts("error") == errors
    assert errors < hosts("sev:warning")
    assert hosts("ns:broken sev:warning") == {h for h in hosts("sev:warning") if "broken" in h}
    assert hosts("no-such-thing") == set()
    assert filter_roots(view, "  ") == view.roots
    assert parse_filter("NS:default p:egress x") == (("ns", "default"), ("policy", "egress"), ("any", "x"))


def test_next_and_previous_finding_wrap(report: Report) -> None:
    view = build_view(report)
    order = [i.key for i in view.walk()]
    stops = finding_items(view.roots)
    assert stops and all(any(not f.suppressed for f in s.findings) for s in stops)
    first = next_item(stops, order, None, 1)
    assert first is stops[0]
    second = next_item(stops, order, first.key, 1)
    assert second is stops[1]
    assert next_item(stops, order, second.key, -1) is stops[0]
    assert next_item(stops, order, stops[-1].key, 1) is stops[0]
    assert next_item(stops, order, stops[0].key, -1) is stops[-1]
    assert next_item((), order, None, 1) is None


def test_rendered_block_for_host_location_and_500(report: Report) -> None:
    view = build_view(report)
    shop = _host_item(view.roots, "shop.example.com")
    host_block = block_for(shop)
    assert host_block is not None
    assert host_block.first == 1 and host_block.text.startswith("server {")
    api = next(c for c in shop.children if c.location and c.location.path == "/api")
    loc_block = block_for(api)
    assert loc_block is not None and api.location is not None
    assert (loc_block.first, loc_block.last) == (api.location.start_line, api.location.end_line)
    assert loc_block.text.lstrip().startswith("location /api")
    assert "proxy_ssl_name shop-api.shop.svc;" in loc_block.text
    minion = _host_item(view.roots, "minion-ingress-mtls.broken.example.com")
    app_loc = next(c for c in minion.children if c.location and c.location.path == "/app")
    block = block_for(app_loc)
    assert block is not None and "return 500;" in block.text
    syntax = render_block(block)
    assert syntax is not None
    group = next(r for r in build_view(report, "namespace").roots if r.kind == "group")
    assert block_for(group) is None


def test_checklist_for_cafe(report: Report) -> None:
    cafe = _host(report, "cafe.example.com")
    results = signoff.walk(report, cafe)
    assert [r.step for r in results] == list(signoff.SEED_STEPS)
    verdicts = {r.step.id: r.verdict for r in results}
    from inspector.analysis import checks

    assert verdicts[checks.SEED_I_TLS] == "pass"
    assert verdicts[checks.SEED_I_400] == "manual"
    assert all(v == "n/a" for k, v in verdicts.items() if k.startswith("egressMTLS"))
    tls = next(r for r in results if r.step.id == checks.SEED_I_TLS)
    assert tls.covered_by and "cafe.example.com: terminates TLS" in tls.evidence
    secret = next(r for r in results if r.step.id == checks.SEED_I_SECRET)
    assert "cafe.example.com: ssl_crl not set (default)" in secret.evidence
    assert not [line for r in results for line in r.evidence if "()" in line or line.rstrip().endswith(":")]
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    text = signoff.markdown(
        report, cafe, results, {checks.SEED_I_TLS: "checked with the app team"}, source_label="sample", when=when
    )
    assert text.startswith("# mTLS rollout sign-off: cafe.example.com")
    assert "Generated: 2026-01-02 03:04:00 UTC" in text
    assert "Note: checked with the app team" in text
    assert text.count("### ") == sum(1 for r in results if r.verdict != "n/a")


def test_checklist_fails_where_the_report_has_findings(report: Report) -> None:
    from inspector.analysis import checks

    no_tls = signoff.walk(report, _host(report, "no-tls.broken.example.com"))
    step = next(r for r in no_tls if r.step.id == checks.SEED_I_TLS)
    assert step.verdict == "fail"
    assert step.findings and step.fixes
    text = signoff.markdown(
        report, _host(report, "no-tls.broken.example.com"), no_tls, {}, source_label="s", when=dt.datetime.now(dt.UTC)
    )
    assert "returns 500 for every request" in text
    assert "[FAIL]" in text


def test_osc52_plain_and_tmux() -> None:
    plain = clipboard.osc52("hello", tmux=False)
    assert plain == "\x1b]52;c;" + base64.b64encode(b"hello").decode() + "\a"
    wrapped = clipboard.osc52("hello", tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\x1b\\")


def test_write_clip_uses_the_configured_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(tmp_path / "clips"))
    path = clipboard.write_clip("server {}\n", "cafe.example.com/tea.conf")
    assert path.parent == tmp_path / "clips"
    assert path.name == "cafe.example.com_tea.conf"
    assert path.read_text() == "server {}\n"
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


def test_clip_folder_made_by_someone_else_or_a_link_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(shared))
    with pytest.raises(clipboard.UnsafeClipFolder, match="mode 755"):
        clipboard.write_clip("x", "a.conf")
    target = tmp_path / "target"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(link))
    with pytest.raises(clipboard.UnsafeClipFolder, match="symbolic link"):
        clipboard.write_clip("x", "a.conf")
    assert not list(target.iterdir())
    # A link planted at a clip file's name is not followed.
    monkeypatch.setenv("MTLS_INSPECT_CLIP_DIR", str(target))
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (target / "a.conf").symlink_to(victim)
    with pytest.raises(OSError):
        clipboard.write_clip("x", "a.conf")
    assert victim.read_text() == "keep"


def test_the_default_clip_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTLS_INSPECT_CLIP_DIR", raising=False)
    monkeypatch.setattr(clipboard.tempfile, "gettempdir", lambda: str(tmp_path))
    folder = clipboard.clip_dir()
    assert folder == tmp_path / f"mtls-inspect-{os.getuid()}" and folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o777)
    with pytest.raises(clipboard.UnsafeClipFolder):
        clipboard.clip_dir()


def test_object_yaml_comes_from_the_model(report: Report) -> None:
    policy = report.cluster.policies["default/ingress-mtls-policy"]
    text = clipboard.object_yaml(policy)
    assert text.splitlines()[0].endswith("ingress-mtls-policy.yaml:2); secret data and last-applied redacted")
    doc = yaml.safe_load(text)
    assert doc["kind"] == "Policy"
    expected = {"clientCertSecret": "ingress-mtls-secret", "verifyClient": "on", "verifyDepth": 1}
    assert doc["spec"]["ingressMTLS"] == expected


def test_copying_any_object_of_a_one_line_json_list_carries_no_key(tmp_path: Path) -> None:
    source = one_line_json_list(tmp_path)
    listed = build_report(load_cluster([source]), ControllerSettings())
    markers = key_markers(listed)
    assert len(markers) > 2 and listed.cluster.secrets
    for obj in listed.cluster.all_objects():
        text = clipboard.object_yaml(obj)
        assert not [m for m in markers if m in text], obj.meta.ref
        assert text.count("\nkind: ") == 1
    secret = next(iter(listed.cluster.secrets.values()))
    doc = yaml.safe_load(clipboard.object_yaml(secret))
    assert doc["metadata"]["annotations"][clipboard.LAST_APPLIED] == "<redacted>"
    assert set(doc["data"].values()) == {"<redacted>"}


def test_object_yaml_never_carries_secret_data(report: Report) -> None:
    secret = report.cluster.secrets["default/tls-secret"]
    text = clipboard.object_yaml(secret)
    key = secret.data["tls.key"]
    assert b"PRIVATE KEY" in key
    assert "PRIVATE KEY" not in text
    assert base64.b64encode(key).decode()[:40] not in text
    assert "<redacted>" in text


def test_watch_notices_added_changed_and_removed_files(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text("kind: List\n")
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "skipped.yaml").write_text("kind: List\n")
    before = watch.snapshot([tmp_path])
    assert list(before) == [str(first)]
    assert watch.changed(before, watch.snapshot([tmp_path])) == ()
    later = time.time() + 5
    os.utime(first, (later, later))
    second = tmp_path / "sub" / "b.yml"
    second.parent.mkdir()
    second.write_text("kind: List\n")
    after = watch.snapshot([tmp_path])
    assert watch.changed(before, after) == (str(first), str(second))
    first.unlink()
    assert watch.changed(after, watch.snapshot([tmp_path])) == (str(first),)


def test_lines_of_the_selected_policy_are_marked(report: Report) -> None:
    # The line -> policy map comes from the renderer's provenance; give the real shop host one to check the
    # pane's marking (server-scope lines outside locations, location-scope lines inside the location only).
    shop = _host(report, "shop.example.com")
    api = next(loc for loc in shop.locations if loc.path == "/api")
    inside, outside = api.start_line + 5, 3
    host = dataclasses.replace(
        shop, line_policies={inside: "shop/shop-api-egress", outside: "shop/shop-egress-mtls", inside + 1: "x/y"}
    )
    api_use = next(u for u in api.policies if u.key == "shop/shop-api-egress")
    item = Item(policy_key(host, api, api_use), "policy", host=host, location=api, use=api_use)
    block = block_for(item)
    assert block is not None and block.highlight == frozenset({inside})
    shown = render_block(block)
    assert isinstance(shown, Text)
    marked = [line for line in shown.plain.splitlines() if line.lstrip().startswith(f"{inside}▌")]
    assert len(marked) == 1
    server_use = next(u for u in shop.policies if u.key == "shop/shop-egress-mtls")
    server_item = Item(policy_key(host, None, server_use), "policy", host=host, use=server_use)
    server_block = block_for(server_item)
    assert server_block is not None and server_block.highlight == frozenset({outside})


def test_injected_values_flagged_by_the_report_are_marked(tmp_path: Path) -> None:
    folder = tmp_path / "webapp"
    shutil.copytree(samples.path() / "webapp", folder)
    policy_file = folder / "egress-mtls.yaml"
    policy_file.write_text(policy_file.read_text() + '    ciphers: "HIGH; return 200 ok"\n')
    injected = build_report(load_cluster([folder]), ControllerSettings())
    assert any(f.check.slug == INJECTION_SLUG for f in injected.findings)
    host = injected.hosts[0]
    assert injected_values(injected, host) == ("HIGH; return 200 ok",)
    item = _host_item(build_view(injected).roots, host.host)
    shown = render_block(block_for(item), marks=injected_values(injected, host))
    assert isinstance(shown, Text)
    start = shown.plain.index("HIGH; return 200 ok")
    assert any(
        span.start <= start and span.end >= start + len("HIGH; return 200 ok") and span.style == INJECTED_STYLE
        for span in shown.spans
    )
    clean = build_report(load_cluster([samples.path() / "webapp"]), ControllerSettings())
    assert injected_values(clean, clean.hosts[0]) == ()


def _render(renderable: object) -> str:
    console = Console(width=160, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return " ".join(console.export_text().split())


def test_policy_details_show_fields_certificate_facts_and_no_key_material(report: Report) -> None:
    view = build_view(report)
    webapp = _host_item(view.roots, "webapp.example.com")
    item = next(c for c in webapp.children if c.kind == "policy")
    text = _render(item_details(report, item))
    assert "Policy egressMTLS default/egress-mtls-policy" in text
    assert "tlsSecret" in text and "egress-mtls-secret" in text and "sslName" in text
    assert "default/egress-mtls-secret type kubernetes.io/tls, keys tls.crt, tls.key" in text
    assert "sha256 " in text and "valid until" in text
    assert "BEGIN" not in text and "PRIVATE" not in text
    assert "Chain of origin at this place" in text


def test_host_details_lead_with_the_findings_below_it(report: Report) -> None:
    view = build_view(report)
    minion = _host_item(view.roots, "minion-ingress-mtls.broken.example.com")
    assert not minion.findings
    text = _render(item_details(report, minion))
    assert text.index("Findings") < text.index("resource")
    assert "MTLS015" in text and "fix" in text


def test_policy_lines_from_the_renderer_provenance(report: Report) -> None:
    view = build_view(report)
    shop = _host_item(view.roots, "shop.example.com")
    api = next(c for c in shop.children if c.location and c.location.path == "/api")
    item = next(c for c in api.children if c.use and c.use.key == "shop/shop-api-egress")
    block = block_for(item)
    assert block is not None and block.highlight
    lines = block.host.text.splitlines()
    assert all(lines[n - 1].strip().startswith("proxy_ssl_") for n in block.highlight)
    assert all(
        api.location is not None and api.location.start_line <= n <= api.location.end_line for n in block.highlight
    )


def test_signoff_for_nic_examples_without_secrets_never_passes_a_rejected_policy() -> None:
    examples = build_report(load_cluster([need(NIC_EXAMPLES / "ingress-resources")]), ControllerSettings())
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    for host in examples.hosts:
        uses = [*host.policies, *(u for loc in host.locations for u in loc.policies)]
        rejected = {u.outcome.type for u in uses if u.status != "applied"}
        assert rejected, host.host  # no Secrets: every policy is rejected
        results = signoff.walk(examples, host)
        assert not [r for r in results if r.step.policy_type in rejected and r.verdict in ("pass", "manual")]
        others = signoff.other_findings(examples, host)
        text = signoff.markdown(examples, host, results, {}, source_label="examples", when=when, others=others)
        assert "[PASS]" not in text
        assert "takes effect everywhere" in text
    webapp = _host(examples, "webapp.example.com")
    others = signoff.other_findings(examples, webapp)
    assert [f.id for f in others] == ["MTLS067"]
    text = signoff.markdown(
        examples, webapp, signoff.walk(examples, webapp), {}, source_label="x", when=when, others=others
    )
    other_part = text.split("## Other findings", 1)[1].split("##", 1)[0]
    assert "MTLS067 warning** (egressMTLS default protocols leave out TLSv1.3)" in other_part
    assert "Checked by: MTLS022 (egressMTLS tlsSecret missing" in text
    assert "### 7. [FAIL]" in text and "### 1." not in text
    assert "Not applicable (no ingressMTLS policy on webapp.example.com): steps 1, 2, 3, 4, 5, 6." in text
    assert "```nginx\nserver {" in text and "return 500;" in text
    assert not [line for line in text.splitlines() if line.rstrip().endswith(":") and line.startswith("- ")]


def test_the_winner_names_the_policy_it_beat_and_policy_findings_come_first(report: Report) -> None:
    view = build_view(report)
    shop = _host_item(view.roots, "shop.example.com")
    api = next(c for c in shop.children if c.location and c.location.path == "/api")
    winner = next(c for c in api.children if c.use and c.use.key == "shop/shop-api-egress")
    text = _render(item_details(report, winner))
    assert "overrides shop/shop-egress-mtls for proxy_ssl_trusted_certificate" in text
    assert text.index("Findings") < text.index("Fields")
    two = _host_item(view.roots, "two-policies-one-type.broken.example.com")
    first = next(c for c in two.children if c.use and c.use.key.endswith("egress-a"))
    assert "overrides broken/two-policies-one-type-egress-b" in _render(item_details(report, first))


def test_a_refused_handshake_is_badged_ranked_and_found_by_the_filter() -> None:
    from inspector.tui.view import ATTENTION_ORDER, attention

    examples = build_report(load_cluster([need(NIC_EXAMPLES / "ingress-resources")]), ControllerSettings())
    view = build_view(examples)
    cafe = _host_item(view.roots, "cafe.example.com")
    assert cafe.host is not None and cafe.host.result.ssl_reject_handshake
    assert "refused" in host_badges(cafe.host) and cafe.outcome in ("500", "refused")
    assert "REFUSED" in item_label(cafe).plain
    assert ATTENTION_ORDER[attention(cafe)] in ("500", "refused")
    assert {i.key.host for r in filter_roots(view, "refused") for i in r.walk() if i.kind == "host"} == {
        "cafe.example.com"
    }


def test_the_rendered_pane_names_who_makes_a_secret() -> None:
    from inspector.model import ControllerSettings
    from inspector.report import build_report
    from inspector.sources.convert import load_cluster
    from inspector.tui.rendered import block_for, made_elsewhere, render_block
    from inspector.tui.view import build_view

    data = Path(__file__).parent / "data" / "made-elsewhere"
    report = build_report(load_cluster([str(data)]), ControllerSettings())
    cafe = next(h for h in report.hosts if h.host == "cafe.example.com")
    notes = made_elsewhere(report, cafe)
    assert notes == (
        "Secret default/cafe-secret: made by Certificate default/cafe-cert; content unknown until it exists",
    )
    item = next(i for i in build_view(report).walk() if i.kind == "host" and i.host is cafe)
    text = render_block(block_for(item), notes=notes)
    assert "# Secret default/cafe-secret: made by Certificate default/cafe-cert" in str(text)
