"""Work done once per run (issue 15): what the pipeline must not repeat per object, and output bytes kept.

These are counts and equalities, not timings (timings live in scripts/bench.py): a step that runs once per
object pair is what made the report quadratic, and a count shows it on a small cluster.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model import ControllerSettings
from inspector.nic import validation
from inspector.render import file_text
from inspector.report import build_report
from inspector.sources.convert import load_cluster

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import gen_synthetic  # noqa: E402


@pytest.fixture(scope="module")
def vsr_cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five VirtualServers with four VirtualServerRoutes each (the generator's ``vsr`` shape), one file."""
    out = tmp_path_factory.mktemp("vsr")
    gen_synthetic.generate(5 * gen_synthetic.OBJECTS_PER_VSR_APP, out, shape="vsr", single_file=True)
    return out


def test_standalone_vsr_validation_runs_once_per_vsr(vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ValidateVirtualServerRoute`` does not depend on the VS: once per VSR, not once per (VS, VSR) pair."""
    cluster = load_cluster([vsr_cluster_dir])
    real = validation.validate_virtual_server_route
    standalone: list[str] = []

    def counting(vsr, settings, *, vs_host="", vs_paths=(), standalone_valid=False):  # type: ignore[no-untyped-def]
        if not vs_host:
            standalone.append(vsr.meta.ref.key)
        return real(vsr, settings, vs_host=vs_host, vs_paths=vs_paths, standalone_valid=standalone_valid)

    monkeypatch.setattr(validation, "validate_virtual_server_route", counting)
    report = build_report(cluster, ControllerSettings())
    assert len(cluster.virtual_servers) == 5 and len(cluster.virtual_server_routes) == 20
    assert sorted(standalone) == sorted(cluster.virtual_server_routes)
    # and the selection still happened: each VS attached its routes, except app 3's second route, which names a
    # VSR that does not exist (the generator's deliberate mistake), so NIC ignores the real one
    reasons = {r.ref.name: r.events[0].reason for r in report.nic.resources if r.ref.kind == "VirtualServerRoute"}
    assert len(reasons) == 20
    assert reasons.pop("vsr-3-1") == "Ignored"
    assert set(reasons.values()) == {"AddedOrUpdatedWithWarning"}


def test_vsr_checked_for_a_vs_only_on_what_depends_on_the_vs(vsr_cluster_dir: Path) -> None:
    """A VSR that passed standalone validation gets the same errors for a VS whether or not the standalone checks
    run again (``standalone_valid``): hosts, exact/prefix/regex paths that fit and that do not."""
    from inspector.nic.virtualserver import vsr_catalog

    cluster = load_cluster([vsr_cluster_dir, REPO.parent / "shared" / "nic-examples"])
    for controller in (ControllerSettings(), ControllerSettings(plus=True)):
        known = vsr_catalog(cluster, controller).known
        assert len(known) >= 20
        for vsr in known.values():
            paths = [sub.path for sub in vsr.subroutes]
            cases = [(p,) for p in paths] + [("/",), ("/nowhere",), ("=" + paths[0],), ("~ ^/x",), ("~ ^/a", "/b")]
            cases.append(tuple(p for p in paths if p.startswith("~")) or ("~ ^/y",))
            for host in (vsr.host, "other.example.com"):
                for vs_paths in cases:
                    full = validation.validate_virtual_server_route(vsr, controller, vs_host=host, vs_paths=vs_paths)
                    quick = validation.validate_virtual_server_route(
                        vsr, controller, vs_host=host, vs_paths=vs_paths, standalone_valid=True
                    )
                    assert quick == full, (vsr.meta.ref.key, host, vs_paths)


@pytest.mark.parametrize(
    "value",
    [
        "é ü ß 中文 \U0001f600 \u2028 \x7f",
        "\x00\x1f\b\f\n\r\t \"quoted\" back\\slash </script>",
        {"empty list": [], "empty dict": {}, "nested": [{}, [], [[]]], "tuple": (1, "a"), "none": None, "b": False},
        [-(2**63), 2**64 - 1, 0, True],
        2**70,  # beyond orjson's 64 bits: the standard encoder writes it
        {1: "int key"},  # orjson refuses non-str keys: the standard encoder writes "1"
        "lone \ud800 surrogate",  # orjson refuses it: the standard encoder writes it as is
    ],
)
def test_json_text_is_what_json_dumps_writes(value: object) -> None:
    import json

    from inspector._json import dumps

    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps(value, newline=True) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_report_json_and_sarif_are_what_json_dumps_writes(sample_dir: Path) -> None:
    """The whole report and SARIF log of the sample, byte for byte the standard encoder's text."""
    import json

    from inspector._json import dumps
    from inspector.output.sarif import render_sarif, sarif_log
    from inspector.report import to_json

    report = build_report(load_cluster([sample_dir]), ControllerSettings())
    data = to_json(report)
    assert dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)
    assert render_sarif(report) == json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def test_one_shot_process_exits_fast_with_every_byte_and_its_exit_code(sample_dir: Path, tmp_path: Path) -> None:
    """``python -m inspector check`` ends with os._exit: stdout and --output files complete, exit code kept."""
    import io
    import subprocess

    from inspector.cli import main

    sarif = tmp_path / "out.sarif"
    args = ["check", str(sample_dir), "--format", "json", "--format", "sarif", "--output", str(sarif)]
    proc = subprocess.run([sys.executable, "-m", "inspector", *args], capture_output=True, cwd=REPO, timeout=120)
    expected = io.StringIO()
    in_process = tmp_path / "in-process.sarif"
    code = main([*args[:-1], str(in_process)], stdout=expected)
    assert proc.returncode == code == 1  # the sample has findings
    assert proc.stdout.decode("utf-8") == expected.getvalue()
    assert sarif.read_bytes() == in_process.read_bytes()
    assert proc.stderr == b""
    listing = subprocess.run([sys.executable, "-m", "inspector", "checks"], capture_output=True, cwd=REPO, timeout=60)
    assert listing.returncode == 0 and listing.stdout.startswith(b"ID ")


def test_fast_exit_still_runs_atexit_handlers(tmp_path: Path) -> None:
    """os._exit skips atexit: entry runs the handlers first (a library's temp files are removed there)."""
    import subprocess

    marker = tmp_path / "atexit-ran"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "sys.argv = ['mtls-inspect', 'checks']\n"
        "from inspector.cli import entry\n"
        "entry()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith(b"ID ")
    assert marker.read_text() == "ran"


def test_one_shot_commands_run_without_cyclic_gc(sample_dir: Path) -> None:
    """The process entry turns the cyclic collector off for check (and leaves it alone for in-process callers)."""
    import gc
    import io

    from inspector import cli

    assert gc.isenabled()
    cli.main(["check", str(sample_dir), "--fail-on", "never"], stdout=io.StringIO())
    assert gc.isenabled() and not cli._fast_exit
    try:
        cli.main(["checks"], stdout=io.StringIO(), process=True)
        assert not gc.isenabled() and cli._fast_exit
    finally:
        gc.enable()
        cli._fast_exit = False


def test_secret_validation_runs_once_per_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """One TLS secret copied into many namespaces is validated once; a different content gets its own verdict."""
    from nic_fixtures import meta

    from inspector import pki
    from inspector.model import Secret
    from inspector.nic import secrets

    ca = pki.make_ca("perf CA")
    good = pki.make_leaf("a.example.com", ca, sans=["a.example.com"])
    other = pki.make_leaf("b.example.com", ca, sans=["b.example.com"])
    copies = {
        f"ns{i}/tls": Secret(
            meta=meta("Secret", f"ns{i}", "tls"),
            type=secrets.TYPE_TLS,
            data={"tls.crt": good.chain_pem, "tls.key": good.key_pem},
        )
        for i in range(20)
    }
    mismatched = Secret(
        meta=meta("Secret", "bad", "tls"),
        type=secrets.TYPE_TLS,
        data={"tls.crt": good.chain_pem, "tls.key": other.key_pem},
    )
    real = secrets.validate_secret
    calls: list[str] = []

    def counting(secret: Secret) -> str | None:
        calls.append(secret.meta.ref.key)
        return real(secret)

    monkeypatch.setattr(secrets, "validate_secret", counting)
    store = secrets.SecretStore({**copies, "bad/tls": mismatched})
    assert calls == ["ns0/tls", "bad/tls"]
    assert all(store.get(k).error is None and store.get(k).path for k in copies)
    assert store.get("bad/tls").error == (
        "failed to validate TLS cert and key: tls: private key does not match public key"
    )


def test_private_key_parsed_once_per_content(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key-match check parses each distinct private key once, and still tells a mismatch from a match."""
    import datetime as dt

    from cryptography.hazmat.primitives import serialization

    from inspector import pki
    from inspector.analysis import certs

    ca = pki.make_ca("perf key CA")
    leaf = pki.make_leaf("k.example.com", ca, sans=["k.example.com"])
    stranger = pki.make_leaf("s.example.com", ca, sans=["s.example.com"])
    real = serialization.load_pem_private_key
    parsed: list[bytes] = []

    def counting(data: bytes, password: bytes | None = None, **kw: object) -> object:
        parsed.append(data)
        return real(data, password)

    monkeypatch.setattr(certs.serialization, "load_pem_private_key", counting)
    now = dt.datetime.now(dt.UTC)
    for _ in range(5):
        assert certs.tls_secret_issues(leaf.chain_pem, leaf.key_pem, ["k.example.com"], now) == []
    mismatch = certs.tls_secret_issues(leaf.chain_pem, stranger.key_pem, ["k.example.com"], now)
    assert [i.check_id for i in mismatch] == [certs.TLS_KEY_MISMATCH]
    assert parsed == [leaf.key_pem, stranger.key_pem]


@pytest.mark.parametrize("which", ["sample", "vsr"])
def test_unrendered_report_keeps_findings_and_outputs(which: str, sample_dir: Path, vsr_cluster_dir: Path) -> None:
    """``rendered=False`` (check without json) renders no text; findings, SARIF, JUnit and text are unchanged."""
    from inspector.output.junit import render_junit
    from inspector.output.sarif import render_sarif
    from inspector.output.text import render_text

    cluster = load_cluster([sample_dir if which == "sample" else vsr_cluster_dir])
    full = build_report(cluster, ControllerSettings())
    lean = build_report(cluster, ControllerSettings(), rendered=False)
    assert full.rendered and not lean.rendered
    assert [f.name for f in lean.nic.files] == [f.name for f in full.nic.files]
    assert [f.config for f in lean.nic.files] == [f.config for f in full.nic.files]
    assert lean.nic.resources == full.nic.resources and lean.nic.policies == full.nic.policies
    assert any(h.server_directives for h in full.hosts)
    assert not any(h.server_directives or h.text or any(loc.directives for loc in h.locations) for h in lean.hosts)
    assert lean.findings == full.findings
    assert render_sarif(lean) == render_sarif(full)
    assert render_junit(lean) == render_junit(full)
    assert render_text(lean, color=False) == render_text(full, color=False)


def test_parsing_rendered_text_leaves_no_cycles() -> None:
    """The one-shot CLI runs without the cyclic collector: parsing must free its tokens by reference counting."""
    import gc

    from inspector.render.nginx_parse import parse

    text = "http {\n  server {\n    listen 443 ssl;\n    location / { proxy_pass https://u; }\n  }\n}\n"
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            assert parse(text)[0].name == "http"
        assert gc.collect() == 0
    finally:
        gc.enable()


def _tokenize_reference(text: str) -> list[tuple[str, int, str]]:
    """The tokenizer as it was before blanks stopped matching: one match per blank run and per newline."""
    import re

    from inspector.render.nginx_parse import _QUOTED, ParseError

    token = re.compile(
        rf"""(?P<nl>\n)|(?P<ws>[ \t\r]+)|(?P<comment>\#[^\n]*)|(?P<punct>[;{{}}])
        |(?P<word>(?:{_QUOTED}|\$\{{[^}}\s]*\}}|\\.|[^\s;{{}}"'\\\#])(?:{_QUOTED}|\$\{{[^}}\s]*\}}|\\.|[^\s;{{}}"'\\])*)
        |(?P<bad>.)""",
        re.VERBOSE | re.DOTALL,
    )
    out: list[tuple[str, int, str]] = []
    line = 1
    for m in token.finditer(text):
        kind = m.lastgroup
        if kind == "nl":
            line += 1
        elif kind == "punct":
            out.append((m.group(), line, m.group()))
        elif kind == "word":
            out.append((m.group(), line, "word"))
            line += m.group().count("\n")
        elif kind == "bad":
            if m.group() in "\"'":
                raise ParseError("unterminated quoted string", line)
            out.append((m.group(), line, "word"))
    return out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\r\n\f\v;{}\"'\\#$ab_/\u00a0", max_size=40))
def test_tokenizer_matches_the_reference(text: str) -> None:
    from inspector.render.nginx_parse import ParseError, tokenize

    try:
        want: object = _tokenize_reference(text)
    except ParseError as exc:
        want = ("error", str(exc))
    try:
        got: object = [tuple(t) for t in tokenize(text)]
    except ParseError as exc:
        got = ("error", str(exc))
    assert got == want


def test_tokenizer_matches_the_reference_on_rendered_files(sample_dir: Path) -> None:
    from inspector.render.nginx_parse import tokenize

    report = build_report(load_cluster([sample_dir]), ControllerSettings())
    assert report.nic.files
    for f in report.nic.files:
        text = file_text(f)
        assert [tuple(t) for t in tokenize(text)] == _tokenize_reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n;{}\"'\\#$ab_x", max_size=40))
def test_one_pass_parser_matches_the_two_pass_parser(text: str) -> None:
    """Same nodes, or the same error, as tokenizing first and parsing the tokens."""
    from inspector.render.nginx_parse import ParseError, _Parser, parse, tokenize

    try:
        want: object = _Parser(tokenize(text)).block(0)[0]
    except ParseError as exc:
        want = ("error", str(exc))
    try:
        got: object = parse(text)
    except ParseError as exc:
        got = ("error", str(exc))
    assert got == want


def test_one_pass_parser_matches_on_rendered_files(sample_dir: Path) -> None:
    from inspector.render.nginx_parse import _Parser, parse, tokenize

    report = build_report(load_cluster([sample_dir]), ControllerSettings())
    for f in report.nic.files:
        text = file_text(f)
        assert parse(text) == _Parser(tokenize(text)).block(0)[0]


def test_sarif_resolves_each_file_once(vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SARIF log resolves each artifact's path once, not once per finding (15k findings name 20 files at 10k)."""
    import json

    from inspector.output import sarif

    report = build_report(load_cluster([vsr_cluster_dir]), ControllerSettings(), rendered=False)
    expected = json.loads(sarif.render_sarif(report))
    calls: list[str] = []
    real = sarif.artifact_location

    def counting(file: str, cwd: Path) -> dict[str, object]:
        calls.append(file)
        return real(file, cwd)

    monkeypatch.setattr(sarif, "artifact_location", counting)
    log = sarif.sarif_log(report)
    results = log["runs"][0]["results"]
    located = [r for r in results if r["locations"] and "physicalLocation" in r["locations"][0]]
    assert len(located) > 10 * len(set(calls)) and sorted(calls) == sorted(set(calls))
    assert json.loads(json.dumps(log)) == expected


def test_each_vs_location_is_made_once(vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A location gets its route's policies as it is made, not as a copy afterwards (a quarter of the replica)."""
    from inspector.nic import version2 as v2
    from inspector.nic import virtualserver as vsmod
    from inspector.nic.secrets import SecretStore

    cluster = load_cluster([vsr_cluster_dir])
    controller = ControllerSettings()
    store = SecretStore(dict(cluster.secrets))
    catalog = vsmod.vsr_catalog(cluster, controller)
    made: list[str] = []
    real = v2.Location.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(kwargs.get("path", ""))
        real(self, *args, **kwargs)

    monkeypatch.setattr(v2.Location, "__init__", counting)
    locations = []
    for vs in cluster.virtual_servers.values():
        result = vsmod.generate_virtual_server(vs, None, cluster, controller, store, catalog=catalog)
        assert result.config is not None
        locations += result.config.server.locations
    assert len(locations) > 20 and len(made) == len(locations)
    assert all(loc.context in ("route", "subroute") and loc.policies is not None for loc in locations)


def test_each_policy_is_validated_once_per_run(vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every list naming a Policy reads one validation of it (it ran per reference, 15x per Policy at 10k)."""
    from inspector.nic import policies as pol

    cluster = load_cluster([vsr_cluster_dir, REPO / "sample-cluster"])
    expected = build_report(cluster, ControllerSettings(), rendered=False)
    validated: list[str] = []
    real = pol.validate

    def counting(policy, controller):  # type: ignore[no-untyped-def]
        validated.append(policy.meta.ref.key)
        return real(policy, controller)

    monkeypatch.setattr(pol, "validate", counting)
    report = build_report(cluster, ControllerSettings(), rendered=False)
    assert sorted(validated) == sorted(cluster.policies)
    assert report.nic.policies == expected.nic.policies and report.findings == expected.findings
    assert report.nic.resources == expected.nic.resources


def test_checks_index_hosts_by_resource_once(vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks that name a resource's hosts read one index per report (it was rebuilt by four checks)."""
    from inspector.analysis.checks import drafts, run_checks

    report = build_report(load_cluster([vsr_cluster_dir, REPO / "sample-cluster"]), ControllerSettings())
    built: list[int] = []
    real = drafts.hosts_by_resource

    def counting(r):  # type: ignore[no-untyped-def]
        built.append(1)
        return real(r)

    monkeypatch.setattr(drafts, "hosts_by_resource", counting)
    assert run_checks(report) == list(report.findings)
    assert len(built) == 1


def test_each_vs_is_validated_once_and_the_configmap_parsed_once(
    vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replica validates a VS to sort out rejected ones and hands the result on; the ConfigMap's parameters
    are parsed once per run, not once per VS."""
    from inspector.nic import replica
    from inspector.nic import virtualserver as vsmod

    cluster = load_cluster([vsr_cluster_dir, REPO / "sample-cluster"])
    expected = replica.run(cluster, ControllerSettings())
    validated: list[str] = []
    parsed: list[int] = []
    real_validate, real_parse = validation.validate_virtual_server, vsmod.parse_configmap

    def counting_validate(vs, controller):  # type: ignore[no-untyped-def]
        validated.append(vs.meta.ref.key)
        return real_validate(vs, controller)

    def counting_parse(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(1)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(validation, "validate_virtual_server", counting_validate)
    monkeypatch.setattr(vsmod, "parse_configmap", counting_parse)
    nic = replica.run(cluster, ControllerSettings())
    assert sorted(validated) == sorted(cluster.virtual_servers) and not parsed
    assert nic.resources == expected.resources and nic.hosts == expected.hosts


def test_route_selector_reads_a_label_index(vsr_cluster_dir: Path) -> None:
    """A ``routeSelector`` gets the VSRs a sorted scan of every VSR would, from the catalog's label index (the
    scan, sorted again for each route, made selectors quadratic)."""
    from dataclasses import replace

    from inspector.nic.virtualserver import vsr_catalog

    cluster = load_cluster([vsr_cluster_dir])
    vsrs = {}
    for i, (key, vsr) in enumerate(sorted(cluster.virtual_server_routes.items(), reverse=True)):
        labels = {"team": str(i % 3), "tier": str(i % 2)} if i % 5 else {}
        vsrs[key] = replace(vsr, meta=replace(vsr.meta, labels=labels))
    catalog = vsr_catalog(replace(cluster, virtual_server_routes=vsrs), ControllerSettings())
    assert len(catalog.known) == len(vsrs) == 20
    selectors = [{"team": "0"}, {"team": "1", "tier": "0"}, {"tier": "1", "team": "2"}, {"tier": "1"}, {"no": "x"}]
    for selector in selectors:
        scanned = [
            (key, vsr)
            for key, vsr in sorted(catalog.known.items())
            if all(vsr.meta.labels.get(k) == v for k, v in selector.items())
        ]
        assert catalog.selected(selector) == scanned
        assert scanned or selector == {"no": "x"}


def _sharing_one_policy_each(cluster):  # type: ignore[no-untyped-def]
    """The cluster with every VS and VSR policy reference pointing at the first app's Policy of that type."""
    from dataclasses import replace

    def same(refs):  # type: ignore[no-untyped-def]
        return tuple(replace(r, namespace="team-000", name=r.name.rsplit("-", 1)[0] + "-0") for r in refs)

    vss = {
        k: replace(v, policies=same(v.policies), routes=tuple(replace(r, policies=same(r.policies)) for r in v.routes))
        for k, v in cluster.virtual_servers.items()
    }
    vsrs = {
        k: replace(v, subroutes=tuple(replace(r, policies=same(r.policies)) for r in v.subroutes))
        for k, v in cluster.virtual_server_routes.items()
    }
    return replace(cluster, virtual_servers=vss, virtual_server_routes=vsrs)


def test_users_of_a_shared_policy_are_recorded_without_a_scan(
    vsr_cluster_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``referenced_by`` of a Policy that every resource names: each user is recorded once, in order, without
    comparing it with every user recorded before (that was quadratic: 30 s at 10k objects sharing two Policies)."""
    from inspector.nic import replica
    from inspector.nic.types import PolicyUser

    cluster = _sharing_one_policy_each(load_cluster([vsr_cluster_dir]))
    compared: list[int] = []
    real_eq = PolicyUser.__eq__

    def counting(self, other):  # type: ignore[no-untyped-def]
        compared.append(1)
        return real_eq(self, other)

    monkeypatch.setattr(PolicyUser, "__eq__", counting)
    nic = replica.run(cluster, ControllerSettings())
    users = {p.key: p.referenced_by for p in nic.policies}
    shared = users["team-000/egress-mtls-0"]
    assert len(shared) >= 15 and len(set(shared)) == len(shared)
    assert len(compared) <= sum(len(u) for u in users.values())


def test_findings_on_a_shared_policy_list_each_host_once_in_report_order(vsr_cluster_dir: Path) -> None:
    """The checks' host lists for a Policy every resource names (kept in dicts and sets, not scanned lists): each
    host once, in the order the report evaluates them."""
    from inspector.analysis.checks.drafts import iter_outcomes

    cluster = _sharing_one_policy_each(load_cluster([vsr_cluster_dir]))
    report = build_report(cluster, ControllerSettings(), rendered=False)
    order: dict[str, dict[str, None]] = {}
    for outcome, host, _path in iter_outcomes(report):
        order.setdefault(outcome.source.key, {})[host] = None
    on_policies = [f for f in report.findings if f.policy in order and f.resource and f.resource.kind == "Policy"]
    assert on_policies
    for f in report.findings:
        hosts = dict(f.details).get("hosts", f.host or "").split(", ")
        assert len(hosts) == len(set(hosts)), f.check.id
    for f in on_policies:
        hosts = dict(f.details).get("hosts", f.host or "").split(", ")
        assert hosts == [h for h in order[f.policy or ""] if h in hosts], f.check.id


def test_impact_lists_each_host_once_sorted(vsr_cluster_dir: Path) -> None:
    """Report.impact keeps hosts in sets (a list scan per host was quadratic): each host once, sorted, as before."""
    from dataclasses import replace

    report = build_report(load_cluster([vsr_cluster_dir, REPO / "sample-cluster"]), ControllerSettings())
    doubled = replace(report, hosts=report.hosts + tuple(reversed(report.hosts)))
    impact = doubled.impact()
    assert impact == report.impact() and any(impact.values())
    for key, hosts in impact.items():
        flagged = [
            h.host
            for h in report.hosts
            if {
                "returns_500": h.result.returns_500 or any(loc.result.returns_500 for loc in h.locations),
                "fail_open": h.result.fail_open,
                "refused_handshake": h.result.ssl_reject_handshake,
            }[key]
        ]
        assert list(hosts) == sorted(set(flagged))
