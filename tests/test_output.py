"""CI outputs: text, SARIF 2.1.0 (structure validated here; the schema is not available offline), JUnit XML,
the generated docs/checks.md, and the headless import contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
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
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "kubernetes_asyncio", "kubernetes"))
print(json.dumps(bad))
"""


def test_headless_paths_never_import_textual_or_kubernetes() -> None:
    proc = subprocess.run([sys.executable, "-c", HEADLESS], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    first = sarif_log(sample_report())["runs"][0]["results"]
    second = sarif_log(sample_report())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["mtlsInspectFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["mtlsInspectFinding/v1"] for r in second]
    assert len(prints) == len(set(prints))
