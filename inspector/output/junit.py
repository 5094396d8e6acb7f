"""JUnit XML for CI test tabs: one testsuite per resource, one testcase per check that applies to its kind.

CI systems count testcases, so a passing check is a passing testcase too: a reader sees that the CA secret of a
policy was checked and passed, not only what failed. Which checks apply to which kind is a small table here
(plus any check that actually fired on the object). Suppressed and baselined findings are ``skipped`` with the
reason; a finding below ``--fail-on`` leaves its testcase passing, with the finding in ``system-out``. Every text is
made printable and XML-safe (control characters escaped), so the document stays well-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from inspector.analysis.checks import BY_ID, CHECKS
from inspector.analysis.findings import Check, Finding
from inspector.model import ObjectRef
from inspector.output.common import xml_safe
from inspector.report import Report

_INGRESS = (
    "MTLS011",
    "MTLS012",
    "MTLS013",
    "MTLS015",
    "MTLS016",
    "MTLS017",
    "MTLS018",
    "MTLS019",
    "MTLS020",
    "MTLS021",
    "MTLS022",
    "MTLS023",
    "MTLS024",
    "MTLS026",
    "MTLS027",
    "MTLS028",
    "MTLS031",
    "MTLS032",
    "MTLS062",
    "MTLS065",
    "MTLS066",
    "MTLS071",
    "MTLS072",
)
_VS = (
    "MTLS011",
    "MTLS012",
    "MTLS014",
    "MTLS015",
    "MTLS016",
    "MTLS018",
    "MTLS019",
    "MTLS020",
    "MTLS021",
    "MTLS022",
    "MTLS023",
    "MTLS024",
    "MTLS027",
    "MTLS031",
    "MTLS032",
    "MTLS062",
    "MTLS065",
    "MTLS066",
)
APPLIES: dict[str, tuple[str, ...]] = {
    "Ingress": _INGRESS,
    "VirtualServer": _VS,
    "VirtualServerRoute": tuple(i for i in _VS if i not in ("MTLS016", "MTLS027", "MTLS065")),
    "Policy": (
        "MTLS010",
        "MTLS060",
        "MTLS061",
        "MTLS063",
        "MTLS064",
        "MTLS067",
        "MTLS068",
        "MTLS069",
        "MTLS070",
        "MTLS109",
    ),
    "Secret": (
        "MTLS100",
        "MTLS101",
        "MTLS102",
        "MTLS103",
        "MTLS104",
        "MTLS105",
        "MTLS106",
        "MTLS107",
        "MTLS108",
        "MTLS110",
        "MTLS111",
    ),
}
"""Kind -> checks that can fire on an object of that kind (ids of inspector.analysis.checks)."""
INPUT_SUITE = "(input)"


def _refs(report: Report) -> list[ObjectRef]:
    c = report.cluster
    refs = [
        o.meta.ref
        for table in (c.policies, c.ingresses, c.virtual_servers, c.virtual_server_routes)
        for o in table.values()
    ]
    flagged = {f.resource for f in report.findings}  # a set: a scan of the findings per secret was quadratic
    refs += [
        s.meta.ref
        for s in c.secrets.values()
        if s.meta.ref in flagged or s.type in ("kubernetes.io/tls", "nginx.org/ca")
    ]
    return refs


_RANK = {"error": 0, "warning": 1, "info": 2}
_THRESHOLD = {"error": 0, "warning": 1, "info": 2, "never": -1}


def _fails(f: Finding, fail_on: str) -> bool:
    """A finding fails its testcase only at or above ``--fail-on`` (as it counts for the exit code)."""
    return _RANK.get(f.severity, 3) <= _THRESHOLD.get(fail_on, 0)


def _text(f: Finding) -> str:
    lines = [f"{f.check.id} {f.check.title}", f"at {f.source}" if f.source else ""]
    if f.nic_message:
        lines.append(f"NIC: {f.nic_message}")
    lines.append(f"fix: {f.check.remediation}")
    return xml_safe("\n".join(x for x in lines if x))


def _case(
    suite: ET.Element, name: str, classname: str, findings: Sequence[Finding], fail_on: str
) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", name=name, classname=xml_safe(classname), time="0")
    active = [f for f in findings if not f.suppressed and f.baseline_state != "unchanged"]
    failing = [f for f in active if _fails(f, fail_on)]
    if failing:
        for f in failing:
            fail = ET.SubElement(case, "failure", message=xml_safe(f.message), type=f"{f.check.severity}")
            fail.text = _text(f)
    below = [f for f in active if not _fails(f, fail_on)]
    if below:
        out = ET.SubElement(case, "system-out")
        out.text = "\n\n".join(f"{f.severity}: {xml_safe(f.message)}\n{_text(f)}" for f in below)
    if failing:
        return 1, 0
    if findings and not active:
        why = [
            f"suppressed: {f.suppression}" if f.suppressed else "in the baseline" for f in findings
        ]
        ET.SubElement(case, "skipped", message=xml_safe("; ".join(why)))
        return 0, 1
    return 0, 0


def _suite(
    root: ET.Element, name: str, checks: Iterable[Check], findings: Sequence[Finding], fail_on: str
) -> tuple[int, int, int]:
    suite = ET.SubElement(root, "testsuite", name=xml_safe(name))
    tests = failures = skipped = 0
    for c in checks:
        mine = [f for f in findings if f.check.id == c.id]
        fail, skip = _case(suite, f"{c.id} {c.slug}", name, mine, fail_on)
        tests, failures, skipped = tests + 1, failures + fail, skipped + skip
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return tests, failures, skipped


def render_junit(report: Report, *, fail_on: str = "error") -> str:
    """JUnit XML; a testcase fails only for a finding at or above ``fail_on`` (``never``: none fails)."""
    root = ET.Element("testsuites", name="mtls-inspect")
    totals = [0, 0, 0]
    by_ref: dict[ObjectRef | None, list[Finding]] = {}
    for f in report.findings:
        by_ref.setdefault(f.resource, []).append(f)
    seen: set[ObjectRef] = set()
    for ref in _refs(report):
        if ref in seen:
            continue
        seen.add(ref)
        mine = by_ref.get(ref, [])
        ids = list(APPLIES.get(ref.kind, ()))
        ids += [f.check.id for f in mine if f.check.id not in ids]
        counts = _suite(root, f"{ref.kind}/{ref.namespace}/{ref.name}", (BY_ID[i] for i in ids), mine, fail_on)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    loose = [f for ref, fs in by_ref.items() if ref is None or ref not in seen for f in fs]
    if loose:
        ids = list(dict.fromkeys(f.check.id for f in loose))
        counts = _suite(root, INPUT_SUITE, (BY_ID[i] for i in ids), loose, fail_on)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")
    root.set("skipped", str(totals[2]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["APPLIES", "CHECKS", "render_junit"]
