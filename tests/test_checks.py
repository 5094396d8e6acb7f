"""The check registry and run_checks, through the real pipeline (loader -> NIC replica -> report -> checks)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_checks_helpers import (
    active,
    ca_secret,
    egress_policy,
    ingress,
    ingress_policy,
    line_of,
    report_from,
    sample_report,
    service,
    tls_secret,
)

from inspector import catalogue
from inspector.analysis import checks
from inspector.analysis.checks import (
    BY_ID,
    CHECKS,
    SEED_CHECKS,
    nic_formats,
    parse_ignore_annotation,
    parse_ignores,
    run_checks,
)
from inspector.analysis.findings import Finding
from inspector.model import ControllerSettings
from inspector.nic import messages
from inspector.report import Report

NS = "t"
HOST = "a.example.com"

# --- the registry ---------------------------------------------------------------------------------------------


def test_ids_slugs_unique_and_well_formed() -> None:
    ids = [c.id for c in CHECKS]
    slugs = [c.slug for c in CHECKS]
    assert len(ids) == len(set(ids))
    assert len(slugs) == len(set(slugs))
    for c in CHECKS:
        assert re.fullmatch(r"MTLS\d{3}", c.id), c.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.slug), c.slug
        assert c.severity in ("error", "warning", "info")
        assert c.outcome in ("rejected", "500", "fail-open", "ignored", "none")
        assert c.remediation.strip() and c.title.strip()


def test_ranges_mean_what_the_catalogue_says() -> None:
    for c in CHECKS:
        n = int(c.id[4:])
        if 10 <= n <= 59:
            assert c.nic_enforced, c.id
        if 60 <= n <= 129:
            assert not c.nic_enforced, c.id
        if 100 <= n <= 129:
            assert c.category in ("certificate", "tls"), c.id


def test_catalogue_ids_are_declared() -> None:
    for name in dir(catalogue):
        value = getattr(catalogue, name)
        if isinstance(value, str) and re.fullmatch(r"MTLS\d{3}", value):
            assert value in BY_ID, f"{name}={value} missing from the registry"


def test_every_seed_rollout_check_is_covered() -> None:
    covered = {c.seed_check for c in CHECKS}
    for item in SEED_CHECKS:
        assert item in covered, item


def test_every_nic_warning_of_the_spec_has_a_check() -> None:
    texts = {f for c in CHECKS for f in nic_formats(c)}
    for name in (
        "W1",
        "W2",
        "W3",
        "W4",
        "W5",
        "W6",
        "W7",
        "W8",
        "W9",
        "W10",
        "W11",
        "W12",
        "W13",
        "W14",
        "W15",
        "W16",
        "W17A",
        "W17B",
        "W18",
        "E1",
        "E3",
        "E3R",
    ):
        assert getattr(messages, name).format in texts, name


def test_checks_table_formats() -> None:
    text = checks.checks_table("text")
    assert all(c.id in text for c in CHECKS)
    import json

    data = json.loads(checks.checks_table("json"))
    assert [d["id"] for d in data] == [c.id for c in CHECKS]
    assert checks.checks_table("markdown") == checks.checks_markdown()


# --- the sample cluster's stories -------------------------------------------------------------------------------

STORIES = {
    "no-tls": "MTLS016",
    "minion-ingress-mtls": "MTLS015",
    "egress-no-ssl-services": "MTLS062",
    "wrong-secret-type": "MTLS019",
    "secret-other-namespace": "MTLS024",
    "verify-server-no-sslname": "MTLS064",
    "two-policies-one-type": "MTLS021",
    "expired-ca": "MTLS100",
    "host-not-in-tls-hosts": "MTLS017",
    "vs-route-ingress-mtls": "MTLS015",
}


def _story_findings(story: str) -> list[Finding]:
    out = []
    for f in active(sample_report()):
        names = [f.resource.name if f.resource else "", f.host or "", f.policy or ""]
        if any(n.startswith(story) or n.startswith(f"broken/{story}") or f".{story}." in f".{n}" for n in names):
            out.append(f)
    return out


@pytest.mark.parametrize(("story", "check_id"), sorted(STORIES.items()))
def test_each_broken_story_gives_exactly_its_one_finding(story: str, check_id: str) -> None:
    found = _story_findings(story)
    assert [f.check.id for f in found] == [check_id], [(f.check.id, f.message) for f in found]
    f = found[0]
    assert f.source.startswith("sample-cluster") or "/broken/" in f.source
    assert re.search(r":\d+$", f.source), f.source
    if BY_ID[check_id].nic_enforced:
        assert f.nic_message, "a NIC-enforced finding carries NIC's exact text"


def test_broken_story_nic_texts_are_exact() -> None:
    by_story = {s: _story_findings(s)[0] for s in STORIES}
    assert by_story["no-tls"].nic_message == "TLS must be enabled for IngressMTLS policy broken/no-tls-ingress-mtls"
    assert by_story["vs-route-ingress-mtls"].nic_message == (
        "IngressMTLS policy broken/vs-route-ingress-mtls-policy is not allowed in the route context"
    )
    assert by_story["vs-route-ingress-mtls"].path == "/secure"
    assert by_story["host-not-in-tls-hosts"].host == "uncovered.host-not-in-tls-hosts.broken.example.com"
    assert by_story["host-not-in-tls-hosts"].check.outcome == "fail-open"
    other_ns = by_story["secret-other-namespace"]
    assert "broken-secrets" in other_ns.message
    # W6 and the Ingress-level W15 are one cause: one finding carrying both texts.
    assert other_ns.nic_message is not None and "Policy error for Ingress" in other_ns.nic_message


def test_seed_examples_have_no_errors() -> None:
    report = sample_report()
    for f in active(report):
        if f.resource is not None and f.resource.namespace in ("default",):
            assert f.severity != "error", f
    cafe = [f for f in active(report) if f.host == "cafe.example.com"]
    assert cafe == []


def test_check_runs_fast_on_the_sample() -> None:
    import time

    report = sample_report()
    start = time.perf_counter()
    run_checks(report)
    assert time.perf_counter() - start < 0.5


# --- NIC-enforced findings from hand-made manifests --------------------------------------------------------------


def _mtls_ingress(tmp_path: Path, policy_doc: str) -> Report:
    return report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        ca_secret("ca", NS),
        policy_doc,
        ingress("ing", NS, HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
    )


def test_valid_ingress_mtls_gives_no_findings(tmp_path: Path) -> None:
    report = _mtls_ingress(tmp_path, ingress_policy("p", NS, "ca", verifyClient="on"))
    assert active(report) == []


def test_invalid_policy_is_one_finding_with_both_texts(tmp_path: Path) -> None:
    report = _mtls_ingress(tmp_path, ingress_policy("p", NS, "ca", verifyDepth=-1))
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS010"], [(f.check.id, f.message) for f in found]
    f = found[0]
    assert f.resource is not None and f.resource.kind == "Policy"
    assert f.nic_message is not None
    assert f"Policy {NS}/p is invalid and was rejected:" in f.nic_message
    assert f"Policy {NS}/p is missing or invalid" in f.nic_message
    assert f.host == HOST
    # The line is the policy's verifyDepth field.
    assert f.source.endswith(f":{line_of(tmp_path, 'verifyDepth')}"), f.source


def test_an_invalid_policy_named_by_many_ingresses_is_one_finding_naming_each(tmp_path: Path) -> None:
    """Each Ingress's reference is folded into the Policy's one finding: its users in reference order, every host
    in the message, each Ingress's own NIC texts once (the draft writes them once all references are in)."""
    hosts = [f"app-{i}.example.com" for i in range(5)]
    docs = [service("app", NS), tls_secret("tls", NS, HOST), ca_secret("ca", NS)]
    docs += [ingress_policy("p", NS, "ca", verifyDepth=-1)]
    docs += [
        ingress(f"ing-{i}", NS, h, policies="p", tls_hosts=[h], tls_secret_name="tls") for i, h in enumerate(hosts)
    ]
    found = active(report_from(tmp_path, *docs))
    invalid = [f for f in found if f.check.id == "MTLS010"]
    assert len(invalid) == 1, [(f.check.id, f.message) for f in found]
    f = invalid[0]
    assert f.message.endswith(f": every request to {', '.join(hosts)} gets 500")
    users = dict(f.details)["users"].split(", ")
    assert [u.split(" (")[0] for u in users] == [f"Ingress {NS}/ing-{i}" for i in range(5)]
    assert len(set(users)) == 5 and dict(f.details)["hosts"] == ", ".join(hosts)
    texts = (f.nic_message or "").split("\n")
    assert len(texts) == len(set(texts)) and sum(f"Ingress {NS}/ing-" in t for t in texts) == 5


def test_missing_policy_carries_w12_and_w15(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        ingress("ing", NS, HOST, policies="nope", tls_hosts=[HOST], tls_secret_name="tls"),
    )
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS011"]
    assert found[0].nic_message is not None
    assert f"Policy {NS}/nope is missing or invalid" in found[0].nic_message
    assert f"Policy error for Ingress {NS}/ing: policy {NS}/nope doesn't exist" in found[0].nic_message


def test_wrong_ingress_class(tmp_path: Path) -> None:
    pol = ingress_policy("p", NS, "ca").replace("spec:\n", "spec:\n  ingressClassName: other\n")
    report = _mtls_ingress(tmp_path, pol)
    assert [f.check.id for f in active(report)] == ["MTLS012"]


def test_opaque_ca_secret_looks_missing(tmp_path: Path) -> None:
    from test_checks_helpers import secret

    report = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        secret("ca", NS, "Opaque", {"ca.crt": b"x"}),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
    )
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS019"]
    assert "Opaque" in found[0].message


def test_ingress_rejected_names_the_annotation_line(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", NS),
        ingress("ing", NS, HOST, annotations={"nginx.org/ssl-services": "app, other"}),
    )
    found = active(report, "MTLS013")
    assert len(found) == 1
    assert "The following services were not found" in (found[0].nic_message or "")
    assert found[0].source.endswith(f":{line_of(tmp_path, 'nginx.org/ssl-services')}"), found[0].source


def test_vs_duplicate_policy_reference_is_rejected(tmp_path: Path) -> None:
    vs = (
        "apiVersion: k8s.nginx.org/v1\nkind: VirtualServer\nmetadata:\n  name: vs\n  namespace: t\nspec:\n"
        f"  host: {HOST}\n  policies:\n  - name: p\n  - name: p\n  upstreams:\n  - name: app\n    service: app\n"
        "    port: 80\n  routes:\n  - path: /\n    action:\n      pass: app\n"
    )
    report = report_from(tmp_path, service("app", NS), egress_policy("p", NS, protocols="TLSv1.3"), vs)
    found = active(report, "MTLS014")
    assert len(found) == 1 and "Duplicate value" in (found[0].nic_message or "")


# --- lints NIC does not enforce ----------------------------------------------------------------------------------


def test_verify_client_modes(tmp_path: Path) -> None:
    for mode, check_id in (("optional_no_ca", "MTLS060"), ("off", "MTLS060"), ("optional", "MTLS061")):
        sub = tmp_path / mode
        sub.mkdir()
        report = _mtls_ingress(sub, ingress_policy("p", NS, "ca", verifyClient=mode))
        found = active(report)
        assert [f.check.id for f in found] == [check_id], mode
        assert mode in found[0].message
        assert found[0].host == HOST


def test_config_injection_in_unvalidated_fields(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        egress_policy("e", NS, ciphers="HIGH; return 200", protocols="TLSv1.3"),
        ingress_policy("i", NS, "ca", crlFileName="../../etc/passwd"),
        ca_secret("ca", NS),
    )
    found = active(report, "MTLS068")
    fields = sorted(f.message.split(" ", 1)[0] for f in found)
    assert fields == ["ciphers", "crlFileName"]
    ciphers = next(f for f in found if f.message.startswith("ciphers"))
    assert ciphers.source.endswith(f":{line_of(tmp_path, 'ciphers:')}"), ciphers.source
    assert "';'" in ciphers.message


def test_unknown_protocol_and_default_protocols(tmp_path: Path) -> None:
    report = report_from(tmp_path, egress_policy("e", NS, protocols="TLSv1.2 TLSv1.4"), egress_policy("d", NS))
    assert [f.policy for f in active(report, "MTLS069")] == [f"{NS}/e"]
    assert [f.policy for f in active(report, "MTLS067")] == [f"{NS}/d"]


def test_grpc_locations_do_not_get_server_level_egress(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        egress_policy("e", NS, protocols="TLSv1.3", verifyServer=True, trustedCertSecret="ca", sslName="app.t.svc"),
        ca_secret("ca", NS),
        ingress(
            "ing",
            NS,
            HOST,
            policies="e",
            tls_hosts=[HOST],
            tls_secret_name="tls",
            annotations={"nginx.org/grpc-services": "app", "nginx.org/ssl-services": "app"},
        ),
        settings=ControllerSettings(configmap={"http2": "true"}),
    )
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS065"], [(f.check.id, f.message) for f in found]
    assert found[0].host == HOST


def test_egress_on_plain_http_vs_upstream(tmp_path: Path) -> None:
    vs = (
        "apiVersion: k8s.nginx.org/v1\nkind: VirtualServer\nmetadata:\n  name: vs\n  namespace: t\nspec:\n"
        f"  host: {HOST}\n  upstreams:\n  - name: app\n    service: app\n    port: 80\n  routes:\n  - path: /\n"
        "    policies:\n    - name: e\n    action:\n      pass: app\n"
    )
    report = report_from(tmp_path, service("app", NS), egress_policy("e", NS, protocols="TLSv1.3"), vs)
    found = active(report, "MTLS062")
    assert len(found) == 1
    assert "tls.enable" in found[0].message
    assert found[0].path == "/"


def test_duplicate_reference_in_annotation(tmp_path: Path) -> None:
    rep = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies=f"p, {NS}/p", tls_hosts=[HOST], tls_secret_name="tls"),
        name="dup.yaml",
    )
    assert [f.check.id for f in active(rep)] == ["MTLS071"]


# --- suppression -----------------------------------------------------------------------------------------------


def test_ignore_flag_by_id_and_by_object(tmp_path: Path) -> None:
    docs = (
        service("app", NS),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p"),
    )
    plain = report_from(tmp_path, *docs)
    assert [f.check.id for f in active(plain)] == ["MTLS016"]
    for ignore in ("MTLS016", "ingress-mtls-without-tls", "MTLS016=Ingress/t/ing"):
        rep = report_from(tmp_path, *docs, ignores=[ignore])
        assert active(rep) == []
        assert [f.suppressed for f in rep.findings] == [True]
        assert ignore.split("=")[0] in rep.findings[0].suppression or "MTLS016" in rep.findings[0].suppression
    other = report_from(tmp_path, *docs, ignores=["MTLS016=Ingress/t/other"])
    assert len(active(other)) == 1


def test_ignore_annotation_with_reason(tmp_path: Path) -> None:
    ing = ingress(
        "ing",
        NS,
        HOST,
        policies="p",
        annotations={"mtls-inspect/ignore": "MTLS060: legacy clients\nMTLS016: TLS ends at the load balancer"},
    )
    rep = report_from(tmp_path, service("app", NS), ca_secret("ca", NS), ingress_policy("p", NS, "ca"), ing)
    assert active(rep) == []
    (f,) = rep.findings
    assert f.suppressed and "TLS ends at the load balancer" in f.suppression
    assert rep.summary()["suppressed"] == 1


def test_parse_ignores_and_annotation() -> None:
    assert parse_ignores(["mtls016"])[0][0].id == "MTLS016"
    with pytest.raises(ValueError, match="unknown check"):
        parse_ignores(["MTLS999"])
    with pytest.raises(ValueError, match="Kind/namespace/name"):
        parse_ignores(["MTLS016=ing"])
    assert parse_ignore_annotation("MTLS012: a, MTLS060 , bogus: x") == {
        "MTLS012": "a",
        "MTLS060": "suppressed by annotation",
    }


# --- the remaining NIC texts, as the replica emits them -----------------------------------------------------------

RATE_LIMIT = (
    "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata:\n  name: rl\n  namespace: t\nspec:\n  rateLimit:\n"
    "    rate: 10r/s\n    key: ${binary_remote_addr}\n    zoneSize: 10M\n"
)


def _base() -> list[str]:
    return [service("app", NS), tls_secret("tls", NS, HOST), ca_secret("ca", NS)]


def _ing(policies: str, **kw: object) -> str:
    return ingress("i", NS, HOST, policies=policies, tls_hosts=[HOST], tls_secret_name="tls", **kw)  # type: ignore[arg-type]


EGRESS = {"protocols": "TLSv1.3", "verifyServer": True, "sslName": "app.t.svc"}
SSL = {"annotations": {"nginx.org/ssl-services": "app"}}


@pytest.mark.parametrize(
    ("case", "docs", "settings", "expected", "nic_start"),
    [
        (
            "W3",
            [ingress_policy("p", NS, "ca"), ingress_policy("q", NS, "ca"), _ing("p,q")],
            None,
            "MTLS018",
            "Multiple ingressMTLS policies are not allowed. IngressMTLS policy t/q will be ignored",
        ),
        ("W13", [RATE_LIMIT, _ing("rl")], None, "MTLS025", "Policy t/rl is not supported on Ingress resources"),
        (
            "W16",
            [ingress_policy("p", NS, "ca"), _ing("p")],
            ControllerSettings(enable_custom_resources=False),
            "MTLS026",
            "Ingress t/i has a policies annotation but custom resources are not enabled",
        ),
        (
            "W18",
            [ingress_policy("p", NS, "ca"), ingress("i", NS, HOST, policies="p", tls_hosts=[HOST])],
            None,
            "MTLS028",
            "TLS termination for host 'a.example.com' requires specifying a TLS secret",
        ),
        (
            "W10",
            [egress_policy("e", NS, tlsSecret="ca", trustedCertSecret="ca", **EGRESS), _ing("e", **SSL)],
            None,
            "MTLS022",
            "EgressMTLS policy t/e references a secret t/ca of a wrong type 'nginx.org/ca'",
        ),
        (
            "W10ca",
            [egress_policy("e", NS, trustedCertSecret="tls", **EGRESS), _ing("e", **SSL)],
            None,
            "MTLS023",
            "EgressMTLS policy t/e references a secret t/tls of a wrong type 'kubernetes.io/tls'",
        ),
        (
            "W11",
            [egress_policy("e", NS, tlsSecret="nope", trustedCertSecret="ca", **EGRESS), _ing("e", **SSL)],
            None,
            "MTLS022",
            "EgressMTLS policy t/e references an invalid secret t/nope",
        ),
    ],
)
def test_nic_texts_from_the_replica(
    tmp_path: Path, case: str, docs: list[str], settings: ControllerSettings | None, expected: str, nic_start: str
) -> None:
    report = report_from(tmp_path, *_base(), *docs, settings=settings)
    found = active(report)
    assert [f.check.id for f in found] == [expected], [(f.check.id, f.message) for f in found]
    assert (found[0].nic_message or "").startswith(nic_start), found[0].nic_message
    assert found[0].host == HOST


def test_tls_secret_invalid(tmp_path: Path) -> None:
    from test_checks_helpers import secret

    report = report_from(
        tmp_path,
        service("app", NS),
        secret("tls", NS, "Opaque", {"tls.crt": b"x"}),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        _ing("p"),
    )
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS027"]
    assert "ssl_reject_handshake on" in found[0].message


def test_crl_file_name_reload_failure_is_one_finding(tmp_path: Path) -> None:
    report = report_from(tmp_path, *_base(), ingress_policy("p", NS, "ca", crlFileName="x.crl"), _ing("p"))
    found = active(report)
    assert [f.check.id for f in found] == ["MTLS032"], [(f.check.id, f.message) for f in found]
    f = found[0]
    assert f.policy == f"{NS}/p" and "but was not applied" in (f.nic_message or "")
    assert f.source.endswith(f":{line_of(tmp_path, 'crlFileName')}")


def test_tls_secret_in_other_namespace_points_at_secret_name(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", "elsewhere", HOST),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        _ing("p"),
    )
    (f,) = active(report)
    assert f.check.id == "MTLS027" and "namespace(s) elsewhere" in f.message
    assert f.source.endswith(f":{line_of(tmp_path, 'secretName: tls')}"), f.source
    assert f.host == HOST


def test_safety_nets_on_a_hand_built_replica_result() -> None:
    """Warnings no check reads by cause, and flags no warning explains, still become findings."""
    from inspector.model import Cluster, ObjectRef, Origin
    from inspector.nic.types import HostResult, LocationResult, NicResult, ResourceResult
    from inspector.report import HostReport, LocationReport

    settings = ControllerSettings()
    ref = ObjectRef("Ingress", "t", "i")
    future = messages.uncatalogued("A future warning")
    resource = ResourceResult(ref=ref, origin=Origin("x.yaml", line=3), state="Warning", warnings=(future,))
    loc = LocationResult(path="/api", resource=ref, returns_500=True)
    hosts = (
        HostResult(host="a.example.com", resource=ref, returns_500=True),
        HostResult(host="b.example.com", resource=ref, tls=False, fail_open=True, locations=(loc,)),
    )
    reports = tuple(
        HostReport(
            result=h,
            server_directives=(),
            policies=(),
            locations=tuple(LocationReport(result=x, directives=(), effective={}, policies=()) for x in h.locations),
            ingress_effective={},
        )
        for h in hosts
    )
    nic = NicResult(settings=settings, resources=(resource,), policies=(), hosts=hosts)
    report = Report(cluster=Cluster(), settings=settings, nic=nic, hosts=reports, findings=())
    found = {(f.check.id, f.host, f.path) for f in run_checks(report)}
    assert found == {
        ("MTLS030", "a.example.com", None),
        ("MTLS031", "a.example.com", None),
        ("MTLS031", "b.example.com", "/api"),
        ("MTLS017", "b.example.com", None),
    }
    unclassified = next(f for f in run_checks(report) if f.check.id == "MTLS030")
    assert unclassified.nic_message == "A future warning" and unclassified.source == "x.yaml:3"


def test_a_resource_whose_hosts_are_all_taken_gets_a_finding_on_the_host(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        ingress("shop", "default", "shop.example.com"),
        ingress("shop-v2", "default", "shop.example.com", policies="ingress-mtls"),
        service("app", "default"),
    )
    (finding,) = [f for f in active(report) if f.id == "MTLS033"]
    assert finding.resource is not None and finding.resource.name == "shop-v2"
    assert finding.host == "shop.example.com"
    assert finding.nic_message == "All hosts are taken by other resources"
    assert finding.message == (
        "Ingress default/shop-v2 serves nothing: shop.example.com by Ingress default/shop; "
        "NIC generates no configuration for it"
    )


def test_a_san_gap_in_a_shared_tls_secret_is_filed_under_the_host_it_concerns(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        tls_secret("shared-tls", "default", "a.example.com"),
        ingress("a", "default", "a.example.com", tls_hosts=["a.example.com"], tls_secret_name="shared-tls"),
        ingress("b", "default", "b.example.com", tls_hosts=["b.example.com"], tls_secret_name="shared-tls"),
        service("app", "default"),
    )
    (gap,) = [f for f in active(report) if "does not cover host" in f.message]
    assert gap.host == "b.example.com"
    assert "b.example.com" in gap.message


def test_a_resource_the_replica_cannot_replay_is_an_error_on_its_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.nic import replica

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(replica, "_run_regular", broken)
    report = report_from(tmp_path, ingress("shop", "default", "shop.example.com"), service("app", "default"))
    (finding,) = [f for f in active(report) if f.id == "MTLS073"]
    assert finding.severity == "error" and finding.host == "shop.example.com"
    assert "RuntimeError: boom" in finding.message and "not predicted" in finding.message
    assert [f.id for f in active(report) if f.id == "MTLS030"] == []


def test_a_forged_provenance_marker_in_a_snippet_is_only_a_comment(tmp_path: Path) -> None:
    configmap = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx-config\n  namespace: nginx-ingress\ndata:\n"
        '  server-snippets: "#@@src {\\"k\\":\\"x\\"}\\n#@@end\\nadd_header X-A b;"\n'
    )
    report = report_from(
        tmp_path, configmap, ingress("shop", "default", "shop.example.com"), service("app", "default"),
        settings=ControllerSettings(nic_configmap="nginx-ingress/nginx-config"),
    )
    (host,) = report.hosts
    assert host.host == "shop.example.com" and "add_header X-A b" in host.server_directives
    assert "#@@src" in host.text  # written as NIC writes it: a comment line
    assert {f.id for f in active(report)} == {"MTLS068"}
