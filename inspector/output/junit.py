"""JUnit XML for CI test tabs: one testsuite per resource, one testcase per check that applies to its kind.

CI systems count testcases, so a passing check is a passing testcase too: a reader sees that the CA secret of a
policy was checked and passed, not only what failed. Which checks apply to which kind is a small table here
(plus any check that actually fired on the object). Suppressed and baselined findings are ``skipped`` with the
reason; a finding below ``--fail-on`` leaves its testcase passing, with the finding in ``system-out``. Every text is
made printable and XML-safe (control characters escaped), so the document stays well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

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


# The document is written directly, with the bytes ``ElementTree.indent`` + ``tostring`` give (a test compares
# them): at 10k objects it has 120,000 testcases, and building and serialising an Element tree for them cost more
# than the whole analysis of some clusters. Escaping follows ElementTree's own rules.
_ATTR_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
"""What ElementTree escapes in an attribute beyond ``&<>`` (its own character references)."""


_SPECIAL = re.compile('[&<>"\r\n\t]')
"""Most names and messages hold none of these: one scan in C instead of seven replacements."""


def _escape_attr(value: str) -> str:
    return escape(value, _ATTR_ENTITIES) if _SPECIAL.search(value) else value


def _escape_text(text: str) -> str:
    return escape(text) if _SPECIAL.search(text) else text


def _attrs(**values: str) -> str:
    return "".join(f' {k}="{_escape_attr(v)}"' for k, v in values.items())


def _case(
    out: list[str], name: str, classname_attr: str, findings: Sequence[Finding], fail_on: str
) -> tuple[int, int]:
    """One testcase, at depth 2, into ``out``; ``classname_attr`` is the suite's already escaped attribute."""
    head = f'    <testcase name="{_escape_attr(name)}"{classname_attr} time="0"'
    if not findings:
        out.append(head + " />\n")
        return 0, 0
    active = [f for f in findings if not f.suppressed and f.baseline_state != "unchanged"]
    failing = [f for f in active if _fails(f, fail_on)]
    below = [f for f in active if not _fails(f, fail_on)]
    children: list[str] = []
    for f in failing:
        message = _attrs(message=xml_safe(f.message), type=f"{f.check.severity}")
        children.append(f"<failure{message}>{_escape_text(_text(f))}</failure>")
    if below:
        text = "\n\n".join(f"{f.severity}: {xml_safe(f.message)}\n{_text(f)}" for f in below)
        children.append(f"<system-out>{_escape_text(text)}</system-out>")
    skipped = not failing and not active
    if skipped:
        why = [f"suppressed: {f.suppression}" if f.suppressed else "in the baseline" for f in findings]
        children.append(f"<skipped{_attrs(message=xml_safe('; '.join(why)))} />")
    if not children:
        out.append(head + " />\n")
    else:
        out.append(head + ">\n      " + "\n      ".join(children) + "\n    </testcase>\n")
    if failing:
        return 1, 0
    return (0, 1) if skipped else (0, 0)


def _suite(
    out: list[str], name: str, checks: Iterable[Check], findings: Sequence[Finding], fail_on: str
) -> tuple[int, int, int]:
    safe = xml_safe(name)
    classname = _attrs(classname=safe)
    cases: list[str] = []
    tests = failures = skipped = 0
    for c in checks:
        mine = [f for f in findings if f.check.id == c.id] if findings else []
        fail, skip = _case(cases, f"{c.id} {c.slug}", classname, mine, fail_on)
        tests, failures, skipped = tests + 1, failures + fail, skipped + skip
    counts = _attrs(name=safe, tests=str(tests), failures=str(failures), errors="0", skipped=str(skipped))
    if cases:
        out.append(f"  <testsuite{counts}>\n")
        out.extend(cases)
        out.append("  </testsuite>\n")
    else:
        out.append(f"  <testsuite{counts} />\n")
    return tests, failures, skipped


def render_junit(report: Report, *, fail_on: str = "error") -> str:
    """JUnit XML; a testcase fails only for a finding at or above ``fail_on`` (``never``: none fails)."""
    suites: list[str] = []
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
        counts = _suite(suites, f"{ref.kind}/{ref.namespace}/{ref.name}", (BY_ID[i] for i in ids), mine, fail_on)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    loose = [f for ref, fs in by_ref.items() if ref is None or ref not in seen for f in fs]
    if loose:
        ids = list(dict.fromkeys(f.check.id for f in loose))
        counts = _suite(suites, INPUT_SUITE, (BY_ID[i] for i in ids), loose, fail_on)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    root = _attrs(
        name="mtls-inspect", tests=str(totals[0]), failures=str(totals[1]), errors="0", skipped=str(totals[2])
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if not suites:
        return f"{head}<testsuites{root} />\n"
    return f"{head}<testsuites{root}>\n" + "".join(suites) + "</testsuites>\n"


__all__ = ["APPLIES", "CHECKS", "render_junit"]
