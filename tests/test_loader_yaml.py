"""The YAML layer: kubectl's YAML 1.1 values, field lines, bounds and safe loading (inspector.sources.yaml_loader)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
import yaml._yaml

from inspector.catalogue import UNREADABLE_SOURCE
from inspector.model import field_path
from inspector.sources import yaml_loader
from inspector.sources.convert import load_cluster
from inspector.sources.files import load_text
from inspector.sources.yaml_loader import MAX_DEPTH, MAX_RESYNC, parse_yaml

DATA = Path(__file__).parent / "data"

POLICY_AND_INGRESS = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-policy
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    verifyClient: "on"
    verifyDepth: 1
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe-ingress
  annotations:
    nginx.org/policies: "ingress-mtls-policy"
spec:
  tls:
  - hosts:
    - cafe.example.com
    - tea.example.com
    secretName: tls-secret
  rules:
  - host: cafe.example.com
"""

VS = """\
apiVersion: k8s.nginx.org/v1
kind: VirtualServer
metadata:
  name: cafe
spec:
  host: cafe.example.com
  routes:
  - path: /tea
    policies:
    - name: first
    - name: second
      namespace: other
"""


def test_the_c_parser_is_used() -> None:
    assert yaml.__with_libyaml__
    assert yaml_loader.USING_LIBYAML
    assert yaml_loader._Parser is yaml.CSafeLoader
    assert issubclass(yaml_loader._Parser, yaml._yaml.CParser)  # libyaml's Cython binding


def test_yaml_11_scalars_as_kubectl_reads_them() -> None:
    text = (
        "a: on\nb: off\nc: yes\nd: no\ne: y\nf: 'on'\ng: 010\nh: 0x1F\ni: 1_000\nj: 2.5\nk: ~\nl: 1:20\nm: 2024-01-01\n"
    )
    docs, problems = parse_yaml(text, "s.yaml")
    assert problems == []
    value = docs[0].value
    assert value["a"] is True and value["b"] is False and value["c"] is True and value["d"] is False
    assert value["e"] is True  # go-yaml v2 also reads y/n as booleans
    assert value["f"] == "on"
    assert value["g"] == 8 and value["h"] == 31 and value["i"] == 1000 and value["j"] == 2.5
    assert value["k"] is None
    assert value["l"] == "1:20"  # no sexagesimal numbers in go-yaml
    assert value["m"] == "2024-01-01"
    assert docs[0].fields.raw["a"] == "on"


def test_field_lines_of_policy_and_ingress() -> None:
    raws, problems = load_text(POLICY_AND_INGRESS, "cafe.yaml")
    assert problems == []
    policy, ingress = raws
    assert policy.origin.line == 1 and ingress.origin.line == 11
    assert policy.origin.fields["spec.ingressMTLS"] == 6
    assert policy.origin.fields["spec.ingressMTLS.verifyDepth"] == 9
    assert ingress.origin.doc == 1
    assert ingress.origin.fields[field_path("metadata", "annotations", "nginx.org/policies")] == 16
    assert ingress.origin.fields['metadata.annotations["nginx.org/policies"]'] == 16
    assert ingress.origin.fields["spec.tls"] == 18
    assert ingress.origin.fields["spec.tls[0]"] == 19
    assert ingress.origin.fields["spec.tls[0].hosts[1]"] == 21
    assert ingress.origin.fields["spec.tls[0].secretName"] == 22
    assert ingress.origin.at("spec.tls[0].hosts") == "cafe.yaml:19"


def test_field_lines_of_vs_route_policies() -> None:
    raws, _ = load_text(VS, "vs.yaml")
    fields = raws[0].origin.fields
    assert fields["spec.routes[0]"] == 8
    assert fields["spec.routes[0].policies[0]"] == 10
    assert fields["spec.routes[0].policies[1]"] == 11
    assert fields["spec.routes[0].policies[1].namespace"] == 12
    assert raws[0].origin.line_of("spec.routes[0].policies[1].nothing") == 11


def test_list_items_get_their_own_lines() -> None:
    raws, problems = load_text((DATA / "list.yaml").read_bytes(), "list.yaml")
    assert problems == []
    service, policy = raws
    assert (service.origin.line, service.origin.doc) == (4, 0)
    assert (policy.origin.line, policy.origin.doc) == (12, 1)
    assert policy.origin.fields["metadata.namespace"] == 16
    assert policy.origin.fields["spec.ingressMTLS.verifyDepth"] == 21
    assert service.origin.fields["spec.ports[0].name"] == 11


def test_merge_keys_and_aliases() -> None:
    text = "base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3\nlist: [*b, *b]\n"
    docs, problems = parse_yaml(text, "m.yaml")
    assert problems == []
    assert docs[0].value["m"] == {"p": 1, "q": 3}
    assert docs[0].value["list"] == [{"p": 1, "q": 2}] * 2
    assert docs[0].fields.lines["m.p"] == 3


def test_syntax_error_keeps_earlier_documents() -> None:
    raws, problems = load_text((DATA / "bad" / "syntax_error.yaml").read_bytes(), "cafe.yaml")
    assert [r.obj["metadata"]["name"] for r in raws] == ["good-svc"]
    assert len(problems) == 1
    assert problems[0].check_id == UNREADABLE_SOURCE
    assert problems[0].line == 15
    assert problems[0].message == "cafe.yaml:15: YAML syntax error: did not find expected key"


def test_documents_after_a_syntax_error_still_load_with_their_lines() -> None:
    # kubectl splits the stream at `---` lines before decoding: one broken document does not hide the next ones.
    text = "a: 1\n---\nb: [\n---\nc: 3\n---\n  d: x\n e: y\n---\nf: 6\n"
    docs, problems = parse_yaml(text, "s.yaml")
    assert [d.value for d in docs] == [{"a": 1}, {"c": 3}, {"f": 6}]
    assert [d.fields.lines["f"] for d in docs if "f" in d.value] == [10]
    assert [p.line for p in problems] == [4, 8]


def test_endless_unreadable_documents_stop_with_one_summary() -> None:
    docs, problems = parse_yaml("a: [\n---\n" * 300 + "ok: 1\n", "m.yaml")
    assert docs == []
    assert len(problems) == MAX_RESYNC + 2
    assert (
        problems[-1].message
        == f"m.yaml:{2 * MAX_RESYNC + 2}: {MAX_RESYNC} unreadable documents; the rest of the file was not read"
    )


def test_missing_colon_message_names_file_and_line() -> None:
    _, problems = parse_yaml("a: b\nc\nd: e\n", "cafe.yaml")
    assert [p.message for p in problems] == ["cafe.yaml:3: YAML syntax error: could not find expected ':'"]


def test_alias_bomb_is_refused_quickly() -> None:
    started = time.monotonic()
    raws, problems = load_text((DATA / "bad" / "alias_bomb.yaml").read_bytes(), "bomb.yaml")
    assert time.monotonic() - started < 2
    assert [r.obj["metadata"]["name"] for r in raws] == ["good-svc"]
    assert "alias bomb" in problems[0].message and problems[0].check_id == UNREADABLE_SOURCE


def test_node_limit_counts_alias_expansions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_loader, "MAX_NODES", 50)
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a]\n---\nok: 1\n"
    docs, problems = parse_yaml(text, "n.yaml")
    assert [d.value for d in docs] == [{"ok": 1}]
    assert problems[0].line == 2


def test_recursive_alias_is_refused() -> None:
    docs, problems = parse_yaml("a: &x\n  b: *x\n---\nok: 1\n", "r.yaml")
    assert [d.value for d in docs] == [{"ok": 1}]
    assert "recursive alias *x" in problems[0].message


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_flow_nesting_is_refused_fast(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = "x: " + opener * 100_000 + "1" + closer * 100_000 + "\n---\nok: 1\n"
    started = time.monotonic()
    docs, problems = parse_yaml(text, "deep.yaml")
    assert time.monotonic() - started < 5
    assert [d.value for d in docs if d.value] == [{"ok": 1}]
    assert docs[-1].line == 3
    assert problems[0].message == f"deep.yaml:1: nesting deeper than {MAX_DEPTH} levels"


def test_deep_block_nesting_is_refused_without_crashing() -> None:
    text = "- " * 100_000 + "x\n---\nok: 1\n"
    docs, problems = parse_yaml(text, "deep.yaml")
    assert [d.value for d in docs] == [{"ok": 1}]
    assert "nesting deeper than" in problems[0].message


def test_chained_aliases_cannot_nest_past_the_limit() -> None:
    lines = ["a0: &a0 " + "[" * 150 + "1" + "]" * 150]
    lines += [f"a{i}: &a{i} " + "[" * 150 + f"*a{i - 1}" + "]" * 150 for i in range(1, 5)]
    docs, problems = parse_yaml("\n".join([*lines, "---", "ok: 1"]), "chain.yaml")
    assert [d.value for d in docs] == [{"ok": 1}]
    assert problems[0].message == "chain.yaml:2: nesting deeper than 200 levels (through alias *a0)"


def test_nesting_at_the_limit_is_fine() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    docs, problems = parse_yaml(text, "ok.yaml")
    assert problems == [] and docs[0].value is not None
    _, problems = parse_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "deep.yaml")
    assert "nesting deeper than" in problems[0].message


def test_python_tags_are_never_executed() -> None:
    text = 'a: !!python/object/apply:os.system ["echo pwned"]\n---\nb: !!binary aGVsbG8=\n---\nok: 1\n'
    docs, problems = parse_yaml(text, "evil.yaml")
    assert [d.value for d in docs] == [{"ok": 1}]
    assert len(problems) == 2
    assert all("unsupported YAML tag" in p.message for p in problems)


def test_explicit_core_tags() -> None:
    docs, problems = parse_yaml("a: !!str 10\nb: !!int '7'\nc: !!bool 'yes'\n", "t.yaml")
    assert problems == []
    assert docs[0].value == {"a": "10", "b": 7, "c": True}
    _, problems = parse_yaml("a: !!int seven\n", "t.yaml")
    assert "cannot decode this value as int" in problems[0].message and "seven" not in problems[0].message


def test_non_string_keys_become_json_keys() -> None:
    docs, problems = parse_yaml("on: 1\n2: b\n~: c\n&k name: x\nother: *k\n", "k.yaml")
    assert problems == []
    assert docs[0].value == {"true": 1, "2": "b", "null": "c", "name": "x", "other": "name"}
    _, problems = parse_yaml("? [a]\n: 1\n", "k.yaml")
    assert "mapping key" in problems[0].message


def test_fifty_thousand_objects_load_in_seconds(tmp_path: Path) -> None:
    one = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: ns{n}\n"
        "spec:\n  ports:\n  - port: 80\n    name: http\n"
    )
    manifest = tmp_path / "big.yaml"
    manifest.write_text("---\n".join(one.format(i=i, n=i % 40) for i in range(50_000)))
    started = time.monotonic()
    cluster = load_cluster([str(manifest)])
    elapsed = time.monotonic() - started
    assert cluster.problems == () and len(cluster.services) == 50_000
    assert cluster.services["ns39/svc-49999"].meta.origin.line == 49_999 * 10 + 1
    assert elapsed < 30, elapsed  # ~4 s on a quiet core; a quadratic regression would take minutes
