"""CI outputs: text, SARIF 2.1.0 (structure validated here; the schema is not available offline), JUnit XML,
the generated docs/checks.md, and the headless import contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_checks_helpers import ca_secret, ingress, ingress_policy, report_from, sample_report, service, tls_secret

from inspector.analysis.checks import BY_ID, CHECKS, checks_markdown
from inspector.output.junit import render_junit
from inspector.output.sarif import render_sarif, sarif_log
from inspector.output.text import render_text

REPO = Path(__file__).resolve().parent.parent
NS = "t"
HOST = "a.example.com"
LINE = re.compile(r"^(error|warning|info) \[MTLS\d{3}\] \S")
PLACE = re.compile(r"^    at (\S+ \S+/\S+ )?\S+:\d+( \[\S+\])?$")


def _clean_report(tmp_path: Path) -> Any:
    return report_from(
        tmp_path,
        service("app", NS),
        tls_secret("tls", NS, HOST),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p", tls_hosts=[HOST], tls_secret_name="tls"),
    )


# --- text ----------------------------------------------------------------------------------------------------


def test_text_lines_are_istioctl_style_and_grouped_by_host() -> None:
    out = render_text(sample_report(), color=False)
    assert "\x1b[" not in out
    finding_lines = [line for line in out.splitlines() if re.match(r"^(error|warning|info) \[", line)]
    assert finding_lines, out
    lines = out.splitlines()
    for line in finding_lines:
        assert LINE.match(line), line
        # The message comes first, its place on the next line (the impact is not at the end of a long line).
        after = lines[lines.index(line) + 1]
        assert PLACE.match(after), after
    assert "\nno-tls.broken.example.com (returns 500)\n" in out
    assert out.index("no-tls.broken.example.com") < out.index("[MTLS016]")
    assert "    fix: Add `spec.tls`" in out
    assert "    docs: mtls-inspect checks MTLS016" in out
    summary = out.rstrip().splitlines()[-1]
    pattern = (
        r"\d+ errors?, \d+ warnings?, \d+ infos?(, \d+ suppressed)? \(\d+ hosts: \d+ returning 500, \d+ fail-open, "
        r"\d+ refusing handshakes; \d+ policies checked, predicted for NIC 5\.6\)"
    )
    assert re.fullmatch(pattern, summary), summary


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[" in render_text(sample_report(), color=True)


@pytest.mark.parametrize("color", [False, True])
def test_text_is_printed_as_one_text_with_each_line_as_it_would_print_alone(
    color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render_text prints its lines as one text (one console call instead of 20k at 10k objects): each line, tabs,
    wide characters and markup-like text included, comes out as printing it on its own would."""
    import dataclasses
    import io

    from rich.text import Text

    from inspector.output import text as text_output

    report = sample_report()
    odd = "tab\there\tand [bold]not markup[/bold] 中文 \U0001f600 e\u0301 " + "long " * 40
    findings = tuple(
        dataclasses.replace(f, message=f.message + " " + odd, nic_message=f"{odd}\nsecond\tline") if n % 2 else f
        for n, f in enumerate(report.findings)
    )
    report = dataclasses.replace(report, findings=findings)
    printed: list[list[Text]] = []
    real = text_output._printed

    def keeping(console, buf, lines):  # type: ignore[no-untyped-def]
        printed.append([line.copy() for line in lines])
        return real(console, buf, lines)

    monkeypatch.setattr(text_output, "_printed", keeping)
    for quiet, verbose, width in ((False, False, 120), (False, True, 30), (True, False, 80)):
        out = render_text(report, color=color, quiet=quiet, verbose=verbose, width=width)
        alone = io.StringIO()
        console = text_output.make_console(alone, color=color, width=width, soft_wrap=True)
        for line in printed.pop():
            console.print(line)
        assert out == alone.getvalue() and len(out.splitlines()) > 10 and "中文" in out


def test_text_clean_run(tmp_path: Path) -> None:
    out = render_text(_clean_report(tmp_path))
    assert out.startswith("No findings.")
    assert "0 errors, 0 warnings, 0 infos" in out


# --- SARIF -----------------------------------------------------------------------------------------------------

LEVELS = {"none", "note", "warning", "error"}


def _require(obj: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    assert key in obj, f"{where}: missing required property {key!r}"
    assert isinstance(obj[key], typ), f"{where}.{key}: expected {typ}, got {type(obj[key]).__name__}"
    return obj[key]


def _message(obj: dict[str, Any], where: str) -> None:
    assert isinstance(obj, dict) and ("text" in obj or "id" in obj), f"{where}: a message needs text or id"
    if "text" in obj:
        assert isinstance(obj["text"], str) and obj["text"], where


def validate_sarif(log: dict[str, Any]) -> None:
    """The subset of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) our output uses, with its required keys."""
    assert _require(log, "version", str, "log") == "2.1.0"
    assert isinstance(log.get("$schema", ""), str)
    runs = _require(log, "runs", list, "log")
    for r, run in enumerate(runs):
        where = f"runs[{r}]"
        driver = _require(_require(run, "tool", dict, where), "driver", dict, f"{where}.tool")
        _require(driver, "name", str, f"{where}.tool.driver")
        rules = _require(driver, "rules", list, f"{where}.tool.driver")
        ids = []
        for n, rule in enumerate(rules):
            rw = f"{where}.tool.driver.rules[{n}]"
            ids.append(_require(rule, "id", str, rw))
            for key in ("shortDescription", "fullDescription", "help"):
                _message(_require(rule, key, dict, rw), f"{rw}.{key}")
            if "helpUri" in rule:
                assert re.match(r"^https?://", rule["helpUri"]), rw
            assert rule["help"].get("markdown"), f"{rw}: the help travels inline"
            level = _require(_require(rule, "defaultConfiguration", dict, rw), "level", str, rw)
            assert level in LEVELS, rw
        assert len(ids) == len(set(ids)), "rule ids must be unique"
        results = _require(run, "results", list, where)
        for n, res in enumerate(results):
            rw = f"{where}.results[{n}]"
            rule_id = _require(res, "ruleId", str, rw)
            assert rule_id in ids, f"{rw}: unknown rule {rule_id}"
            if "ruleIndex" in res:
                assert ids[res["ruleIndex"]] == rule_id, rw
            assert _require(res, "level", str, rw) in LEVELS
            _message(_require(res, "message", dict, rw), f"{rw}.message")
            for m, loc in enumerate(res.get("locations", [])):
                lw = f"{rw}.locations[{m}]"
                if "physicalLocation" in loc:
                    phys = loc["physicalLocation"]
                    uri = _require(_require(phys, "artifactLocation", dict, lw), "uri", str, lw)
                    assert uri and "\\" not in uri, lw
                    if "region" in phys:
                        assert _require(phys["region"], "startLine", int, lw) >= 1
            for m, sup in enumerate(res.get("suppressions", [])):
                assert _require(sup, "kind", str, f"{rw}.suppressions[{m}]") in ("inSource", "external")


def test_sarif_sample_is_valid_and_points_at_lines() -> None:
    log = json.loads(render_sarif(sample_report()))
    validate_sarif(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [c.id for c in CHECKS]
    no_tls = next(r for r in run["results"] if r["ruleId"] == "MTLS016")
    phys = no_tls["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"].endswith("broken/no-tls.yaml")
    assert phys["region"]["startLine"] > 1
    assert no_tls["level"] == "error"
    rule = run["tool"]["driver"]["rules"][[c.id for c in CHECKS].index("MTLS016")]
    assert "helpUri" not in rule  # no absolute docs URL configured: the help is inline
    assert BY_ID["MTLS016"].remediation in rule["help"]["text"]
    assert "## MTLS016 ingress-mtls-without-tls" in rule["help"]["markdown"]


def test_sarif_clean_run_has_empty_results(tmp_path: Path) -> None:
    log = sarif_log(_clean_report(tmp_path))
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert '"results": []' in render_sarif(_clean_report(tmp_path))


def test_sarif_keeps_suppressed_findings(tmp_path: Path) -> None:
    docs = (
        service("app", NS),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p"),
    )
    log = sarif_log(report_from(tmp_path, *docs, ignores=["MTLS016"]))
    validate_sarif(log)
    (res,) = log["runs"][0]["results"]
    assert res["suppressions"][0]["kind"] == "external"
    assert "MTLS016" in res["suppressions"][0]["justification"]


def test_sarif_validator_rejects_broken_logs() -> None:
    good = sarif_log(sample_report())
    broken = json.loads(json.dumps(good))
    del broken["runs"][0]["results"][0]["message"]
    with pytest.raises(AssertionError, match="message"):
        validate_sarif(broken)
    broken = json.loads(json.dumps(good))
    broken["runs"][0]["results"][0]["ruleId"] = "NOPE"
    with pytest.raises(AssertionError, match="unknown rule"):
        validate_sarif(broken)


# --- JUnit -----------------------------------------------------------------------------------------------------


def test_junit_one_case_per_check_per_resource() -> None:
    root = ET.fromstring(render_junit(sample_report()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    no_tls = suites["Ingress/broken/no-tls"]
    cases = no_tls.findall("testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names))
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["MTLS016 ingress-mtls-without-tls"]
    failure = failed[0].find("failure")
    assert failure is not None and "TLS must be enabled" in (failure.text or "")
    assert int(no_tls.get("failures", "0")) == 1 and int(no_tls.get("tests", "0")) == len(cases)
    total = sum(int(s.get("tests", "0")) for s in root.findall("testsuite"))
    assert int(root.get("tests", "0")) == total
    cafe = suites["Ingress/default/cafe-ingress"]
    assert cafe.findall("testcase/failure") == []


def test_junit_suppressed_is_skipped(tmp_path: Path) -> None:
    docs = (
        service("app", NS),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p"),
    )
    root = ET.fromstring(render_junit(report_from(tmp_path, *docs, ignores=["MTLS016=Ingress/t/ing"])))
    skipped = root.findall(".//testcase/skipped")
    assert len(skipped) == 1 and "suppressed" in (skipped[0].get("message") or "")
    assert root.findall(".//failure") == []


# --- docs --------------------------------------------------------------------------------------------------------


def test_docs_checks_md_is_current() -> None:
    doc = REPO / "docs" / "checks.md"
    assert doc.read_text(encoding="utf-8") == checks_markdown(), "stale: run python scripts/gen_checks_doc.py"


def test_docs_have_a_complete_section_per_check() -> None:
    text = checks_markdown()
    for c in CHECKS:
        assert f'<a id="{c.slug}"></a>\n## {c.id} {c.slug}' in text
        section = text.split(f'<a id="{c.slug}"></a>', 1)[1].split("<a id=", 1)[0]
        for label in ("Severity:", "NIC enforced:", "Outcome:", "NIC message", "Remediation:", "Example:"):
            assert label in section, (c.id, label)
        assert "Example: (none)" not in section, c.id


def test_gen_checks_doc_check_mode() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_checks_doc.py"), "--check"], capture_output=True)
    assert proc.returncode == 0, proc.stderr


# --- headless ----------------------------------------------------------------------------------------------------

HEADLESS = """
import sys, json
from inspector.sources.convert import load_cluster
from inspector.model import ControllerSettings
from inspector.report import build_report, to_json
from inspector import samples
from inspector.analysis.checks import checks_table
from inspector.analysis.explain import explain
from inspector.output.text import render_text
from inspector.output.sarif import render_sarif
from inspector.output.junit import render_junit
from inspector.output.explain import render_explanation, explanation_json
report = build_report(load_cluster([str(samples.path())]), ControllerSettings())
render_text(report); render_sarif(report); render_junit(report); json.dumps(to_json(report)); checks_table("text")
exp = explain(report, "cafe.example.com", "/tea"); render_explanation(exp); json.dumps(explanation_json(exp))
from inspector.tui import signoff
host = next(h for h in report.hosts if h.host == "cafe.example.com")
signoff.as_json(report, host, signoff.walk(report, host), when=__import__("datetime").datetime.now(), inputs=[])
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "kubernetes_asyncio", "kubernetes"))
print(json.dumps(bad))
"""


def test_headless_paths_never_import_textual_or_kubernetes() -> None:
    proc = subprocess.run([sys.executable, "-c", HEADLESS], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


@settings(max_examples=400, deadline=None)
@given(
    line=st.text(alphabet=st.sampled_from(["a", "Z", " ", "\t", "\x07", "\r", "\x7f", "é", "漢", "\u200b", "-"])),
    width=st.integers(min_value=1, max_value=12),
)
def test_text_written_without_rich_is_what_rich_writes(line: str, width: int) -> None:
    """``render_text`` joins lines itself, without importing rich, only where rich would write them unchanged."""
    import io

    from rich.text import Text

    from inspector.output.text import _as_rich_writes, make_console

    buf = io.StringIO()
    make_console(buf, color=False, width=width, soft_wrap=True).print(Text(line, style="bold"))
    if _as_rich_writes(line, width):
        assert buf.getvalue() == line + "\n"


def test_plain_check_output_never_imports_rich(tmp_path: Path) -> None:
    """``check`` writing text without colour (a pipe, CI) needs no rich: it is a third of the tool's own imports."""
    code = (
        "import sys, io; from inspector.cli import main; out = io.StringIO(); "
        "code = main(['check', '--sample', '-o', 'text', '--fail-on', 'never'], stdout=out); "
        "assert code == 0 and 'predicted for NIC' in out.getvalue(), out.getvalue(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    first = sarif_log(sample_report())["runs"][0]["results"]
    second = sarif_log(sample_report())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["mtlsInspectFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["mtlsInspectFinding/v1"] for r in second]
    assert len(prints) == len(set(prints))


# --- issue 12: SARIF against the official schema, URIs, invocations; JUnit and --fail-on; github, markdown ------

SARIF_SCHEMA_FILE = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-2.1.0-rtm.5.json"
OSC52 = "\x1b]52;c;aGVsbG8=\x07"


def _yaml_escaped(manifest: str) -> str:
    """Control characters as YAML double-quoted escapes (a raw ESC is not allowed in a YAML file)."""
    return manifest.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\x00", "\\0").replace("\x0b", "\\v")


def _schema_validate(log: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA_FILE.is_file():
        pytest.skip(f"{SARIF_SCHEMA_FILE.parent} not found: the SARIF schema from ../shared/schemas is not beside this")
    schema = json.loads(SARIF_SCHEMA_FILE.read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker()
    assert "uri" in checker.checkers, "the uri format needs rfc3986-validator (test extra)"
    validator_class = jsonschema.validators.validator_for(schema)  # the schema's own draft (04)
    validator = validator_class(schema, format_checker=checker)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, errors[:10]


def test_sarif_validates_against_the_official_schema_with_format_checks() -> None:
    from inspector.output.sarif import sarif_log

    log = sarif_log(sample_report(), exit_code=1)
    _schema_validate(log)
    validate_sarif(log)
    assert log["runs"][0]["properties"]["summary"]["hosts_returning_500"] > 0


def test_sarif_schema_check_catches_a_relative_help_uri() -> None:
    log = sarif_log(sample_report())
    log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/checks.md#x"
    with pytest.raises(AssertionError, match="helpUri"):
        _schema_validate(log)


def test_sarif_help_uri_only_when_an_absolute_url_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTLS_INSPECT_DOCS_URL", "docs/checks.md")
    rule = sarif_log(sample_report())["runs"][0]["tool"]["driver"]["rules"][0]
    assert "helpUri" not in rule and rule["help"]["markdown"].startswith("## MTLS001")
    monkeypatch.setenv("MTLS_INSPECT_DOCS_URL", "https://example.com/mtls/checks.md")
    log = sarif_log(sample_report())
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == "https://example.com/mtls/checks.md#unreadable-source"
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == "https://example.com/mtls/checks.md"
    _schema_validate(log)


def test_sarif_uris_relative_percent_encoded_with_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my dir#1"
    folder.mkdir()
    docs = (service("app", NS), ca_secret("ca", NS), ingress_policy("p", NS, "ca"))
    docs += (ingress("ing", NS, HOST, policies="p"),)
    report = report_from(folder, *docs)
    monkeypatch.chdir(tmp_path)
    log = sarif_log(report, exit_code=1)
    _schema_validate(log)
    run = log["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "my%20dir%231/manifests.yaml", "uriBaseId": "SRCROOT"}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
    (inv,) = run["invocations"]
    assert inv == {
        "executionSuccessful": True,
        "exitCode": 1,
        "workingDirectory": {"uri": tmp_path.resolve().as_uri() + "/"},
    }
    # Outside the working directory: an absolute, percent-encoded file URI.
    monkeypatch.chdir(folder.parent.parent)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    loc = sarif_log(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc["uri"].startswith("file:///") and loc["uri"].endswith("/my%20dir%231/manifests.yaml")
    assert "uriBaseId" not in loc


def _warning_and_error_report(tmp_path: Path) -> Any:
    # MTLS016 (error: no TLS) and MTLS060 (warning: verifyClient optional_no_ca) on one Ingress.
    return report_from(
        tmp_path,
        service("app", NS),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca", verifyClient="optional_no_ca"),
        ingress("ing", NS, HOST, policies="p"),
    )


def _failed_ids(xml: str) -> set[str]:
    root = ET.fromstring(xml)
    return {str(c.get("name")).split()[0] for c in root.iter("testcase") if c.find("failure") is not None}


def test_junit_fails_only_at_or_above_fail_on(tmp_path: Path) -> None:
    report = _warning_and_error_report(tmp_path)
    severities = {f.check.id: f.severity for f in report.findings}
    assert "error" in severities.values() and "warning" in severities.values(), severities
    errors = {i for i, s in severities.items() if s == "error"}
    warnings = {i for i, s in severities.items() if s == "warning"}
    assert _failed_ids(render_junit(report, fail_on="error")) == errors
    assert _failed_ids(render_junit(report, fail_on="warning")) == errors | warnings
    assert _failed_ids(render_junit(report, fail_on="never")) == set()
    # A finding below the threshold is still told, in the passing testcase's system-out.
    root = ET.fromstring(render_junit(report, fail_on="error"))
    outs = [c.findtext("system-out") or "" for c in root.iter("testcase")]
    assert any(next(iter(warnings)) in text for text in outs)


def test_junit_stays_well_formed_with_control_characters(tmp_path: Path) -> None:
    report = report_from(
        tmp_path,
        service("app", NS),
        _yaml_escaped(ingress(f'"cafe{OSC52}\x00\x0b"', NS, HOST)),
    )
    xml = render_junit(report)
    root = ET.fromstring(xml)  # well-formed
    assert "\x1b" not in xml and "\x07" not in xml and "\x00" not in xml
    texts = " ".join((e.get("message") or "") + (e.text or "") for e in root.iter())
    assert "cafe\\x1b]52;c;aGVsbG8=\\x07\\x00\\x0b" in texts  # visible as text


def test_text_and_github_and_markdown_make_escapes_printable(tmp_path: Path) -> None:
    from inspector.output.github import render_github
    from inspector.output.markdown import render_markdown

    manifest = _yaml_escaped(ingress(f'"cafe{OSC52}"', NS, HOST))  # an object name with an OSC 52 sequence
    report = report_from(tmp_path, service("app", NS), manifest)
    assert any(OSC52 in f.message for f in report.findings)  # the untrusted value reaches the finding as it is
    for out in (render_text(report), render_text(report, quiet=True), render_github(report), render_markdown(report)):
        assert "\x1b" not in out and "\x07" not in out
        assert "\\x1b]52" in out


def test_github_annotations_and_escaping() -> None:
    from inspector.analysis.findings import Finding
    from inspector.output.github import annotation, render_github

    f = Finding(check=BY_ID["MTLS016"], message="50% of it\r\nnext::warning x", source="a dir/x,y:z.yaml:12")
    line = annotation(f)
    head, _, body = line.partition("::")[2].partition("::")
    assert head.startswith("error file=a dir/x%2Cy%3Az.yaml,line=12,title=MTLS016 ")
    assert "\n" not in line and "\r" not in line
    assert body.startswith("50%25 of it\\x0d%0Anext::warning x")  # CR made printable, LF escaped for the runner
    out = render_github(sample_report())
    lines = out.splitlines()
    assert lines[0] == "::group::minion-ingress-mtls.broken.example.com"  # hosts that return 500 first
    assert lines.count("::endgroup::") == sum(1 for ln in lines if ln.startswith("::group::"))
    assert any(ln.startswith("::error file=sample-cluster/broken/no-tls.yaml,line=") for ln in lines) or any(
        ln.startswith("::error file=") and "no-tls.yaml" in ln for ln in lines
    )
    assert any(ln.startswith("::warning ") for ln in lines)


def test_markdown_summary_puts_the_breaking_hosts_first() -> None:
    from inspector.output.markdown import cell, render_markdown

    out = render_markdown(sample_report())
    assert out.startswith("## mtls-inspect\n")
    assert "| **returns 500** | " in out and "| **FAIL-OPEN** | " in out
    first_host = out.index("### ")
    assert out[first_host:].startswith("### minion-ingress-mtls.broken.example.com (returns 500)")
    assert "| ❌ error | `MTLS016` |" in out
    assert cell("a|b\nc") == "a\\|b c"
    assert cell("<img src=x> & co") == "&lt;img src=x> &amp; co"


def test_summary_counts_hosts_by_impact() -> None:
    from inspector.report import to_json

    report = sample_report()
    s = to_json(report)["summary"]
    impact = report.impact()
    assert s["hosts_returning_500"] == len(impact["returns_500"]) > 0
    assert s["hosts_fail_open"] == len(impact["fail_open"]) > 0
    assert s["hosts_refusing_handshakes"] == len(impact["refused_handshake"])
    assert "no-tls.broken.example.com" in impact["returns_500"]


def test_text_places_are_relative_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _warning_and_error_report(tmp_path)
    assert any(f.source.startswith(str(tmp_path)) for f in report.findings)
    monkeypatch.chdir(tmp_path)
    out = render_text(report)
    assert str(tmp_path) not in out
    assert "    at Ingress t/ing manifests.yaml:" in out


def test_sarif_uri_of_a_non_utf8_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.output.sarif import artifact_location

    name = os.fsdecode(b"caf\xe9 #1.yaml")  # Latin-1 bytes: not UTF-8
    monkeypatch.chdir(tmp_path)
    assert artifact_location(name, tmp_path) == {"uri": "caf%E9%20%231.yaml", "uriBaseId": "SRCROOT"}


def test_rehearsal_text_prints_no_raw_escape() -> None:
    from inspector.rehearse.output import render_text as rehearsal_text
    from inspector.rehearse.plan import Skipped

    skipped = Skipped(host=f"cafe{OSC52}.example.com", path="/", scenario="no client cert", reason=f"r{OSC52}")
    out = rehearsal_text([], [skipped], {"version": "1.22"}, 0.1)
    assert "\x1b" not in out and "\x07" not in out
    assert "cafe\\x1b]52;c;aGVsbG8=\\x07.example.com" in out


def _as_elementtree_writes_it(xml: str) -> str:
    """The same document as ``ElementTree.indent`` + ``tostring`` serialise it (what render_junit wrote before it
    wrote the bytes itself)."""
    root = ET.fromstring(xml)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def test_junit_bytes_are_elementtrees(tmp_path: Path) -> None:
    """The writer's escaping and layout equal ElementTree's, on failures, system-out, skipped cases and values
    holding quotes, ampersands, angle brackets, tabs, newlines and control characters."""
    tricky = _yaml_escaped(ingress(f'"caf<e>&\\"x\\t{OSC52}\\n"', NS, HOST))
    for sub in ("s", "t", "w"):
        (tmp_path / sub).mkdir()
    skipped = report_from(
        tmp_path / "s", service("app", NS), ca_secret("ca", NS), ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p"), ignores=["MTLS016=Ingress/t/ing"],
    )
    reports = [
        report_from(tmp_path / "t", service("app", NS), tricky),
        skipped,
        _warning_and_error_report(tmp_path / "w"),
        sample_report(),
    ]
    for report in reports:
        for fail_on in ("error", "warning", "never"):
            xml = render_junit(report, fail_on=fail_on)
            assert xml == _as_elementtree_writes_it(xml)
    assert "<skipped " in render_junit(skipped) and "<failure " in render_junit(reports[0])
    assert "<system-out>" in render_junit(reports[2], fail_on="error")
