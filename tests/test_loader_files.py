"""Files, folders, stdin, JSON, encodings and every bad-input fixture (inspector.sources.files)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.catalogue import (
    API_SERVER_REJECTS,
    DUPLICATE_OBJECT,
    NO_OBJECTS,
    NOT_AN_OBJECT,
    PRUNED_FIELD,
    UNREADABLE_SOURCE,
)
from inspector.model import Origin
from inspector.sources import RawObject
from inspector.sources.convert import build_cluster, load_cluster
from inspector.sources.files import MAX_FILE_BYTES, load_paths, load_text
from tests.shared import NIC_EXAMPLES, need

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"

GOOD = "apiVersion: v1\nkind: Service\nmetadata:\n  name: good-svc\nspec:\n  ports:\n  - port: 80\n"

# fixture -> (check ids expected, in order; a text each message must contain; line of the first problem)
BAD_CASES: dict[str, tuple[list[str], str, int]] = {
    "syntax_error.yaml": ([UNREADABLE_SOURCE], "YAML syntax error: did not find expected key", 15),
    "binary.yaml": ([UNREADABLE_SOURCE], "binary file", 9),
    "latin1.yaml": ([UNREADABLE_SOURCE], "not UTF-8 (byte 0xe9)", 12),
    "control_char.yaml": ([UNREADABLE_SOURCE], "control character U+0007", 12),
    "not_a_mapping.yaml": ([NOT_AN_OBJECT] * 3, "not a Kubernetes object", 9),
    "missing_fields.yaml": ([NOT_AN_OBJECT] * 4, "kubectl would refuse it", 9),
    "empty_documents.yaml": ([], "", 0),
    "unknown_kind.yaml": ([], "", 0),
    "python_tag.yaml": ([UNREADABLE_SOURCE], "unsupported YAML tag", 6),
    "alias_bomb.yaml": ([UNREADABLE_SOURCE], "alias bomb", 12),
    "recursive_alias.yaml": ([UNREADABLE_SOURCE], "recursive alias *m", 5),
    "unknown_alias.yaml": ([UNREADABLE_SOURCE], "unknown alias *nowhere", 4),
    "deep_nesting.yaml": ([UNREADABLE_SOURCE], "nesting deeper than 200 levels", 6),
    "wrong_types.yaml": ([API_SERVER_REJECTS] * 6, "the API server would refuse this object", 8),
    "pruned_field.yaml": ([PRUNED_FIELD], 'unknown field "spec.ingress_MTLS" (did you mean "ingressMTLS"?)', 6),
    "bad_base64.yaml": ([API_SERVER_REJECTS], "illegal base64 data at input byte 3", 7),
    "duplicate.yaml": ([DUPLICATE_OBJECT], "the later definition replaces the earlier", 9),
    "not_served_version.yaml": ([API_SERVER_REJECTS], "apiVersion extensions/v1beta1 is not served", 1),
    "json_syntax.json": ([UNREADABLE_SOURCE], "JSON syntax error", 3),
}


def test_every_bad_fixture_is_covered() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_is_a_clean_problem_and_the_good_object_still_loads(name: str) -> None:
    ids, text, line = BAD_CASES[name]
    path = str(BAD / name)
    cluster = load_cluster([path])
    assert list(cluster.services) == ["default/good-svc"], cluster.problems
    good = cluster.services["default/good-svc"]
    assert good.meta.origin.file == path
    assert good.ports[0].port in (80, 8080)
    assert [p.check_id for p in cluster.problems] == ids
    for problem in cluster.problems:
        assert problem.file == path
        assert "\n" not in problem.message
        assert problem.message.startswith(f"{path}:{problem.line}: ")
    if ids:
        assert text in cluster.problems[0].message
        assert cluster.problems[0].line == line


def test_good_object_line_after_a_blanked_deep_document() -> None:
    cluster = load_cluster([str(BAD / "deep_nesting.yaml")])
    assert cluster.services["default/good-svc"].meta.origin.line == 8
    assert cluster.config_maps == {}


def test_python_tag_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f'a: !!python/object/apply:os.system ["touch {marker}"]\n---\n{GOOD}'
    raws, problems = load_text(text, "evil.yaml")
    assert not marker.exists()
    assert [r.obj["kind"] for r in raws] == ["Service"]
    assert problems[0].check_id == UNREADABLE_SOURCE


def test_folder_recursion_is_sorted_and_skips_hidden_and_other_files() -> None:
    raws, problems = load_paths([str(DATA / "tree")])
    assert problems == []
    assert [r.obj["metadata"]["name"] for r in raws] == ["a-svc", "b-svc", "c-svc"]
    assert [Path(r.origin.file).name for r in raws] == ["a.yaml", "b.yml", "c.json"]


def test_missing_path_and_empty_folder_are_problems(tmp_path: Path) -> None:
    raws, problems = load_paths([str(tmp_path / "nope.yaml"), str(tmp_path), str(DATA / "list.yaml")])
    assert len(raws) == 2
    assert [p.check_id for p in problems] == [UNREADABLE_SOURCE, NO_OBJECTS]
    assert problems[0].message == f"{tmp_path / 'nope.yaml'}: no such file or folder"
    assert "no *.yaml" in problems[1].message


def test_stdin_dash() -> None:
    raws, problems = load_paths(["-"], stdin=io.BytesIO(GOOD.encode()))
    assert problems == []
    assert raws[0].origin.file == "<stdin>" and raws[0].origin.line == 1
    cluster = load_cluster(["-", str(DATA / "tree" / "a.yaml")], stdin=io.BytesIO(GOOD.encode()))
    assert list(cluster.services) == ["default/good-svc", "default/a-svc"]
    assert cluster.sources == ("-", str(DATA / "tree" / "a.yaml"))


def test_kubectl_get_json_list() -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "tea-svc", "namespace": "cafe"}},
            {
                "apiVersion": "k8s.nginx.org/v1",
                "kind": "Policy",
                "metadata": {"name": "p", "namespace": "cafe"},
                "spec": {"ingressMTLS": {"clientCertSecret": "ca", "verifyDepth": 2}},
            },
        ],
    }
    text = json.dumps(listing, indent=4)
    raws, problems = load_text(text, "get.json")
    assert problems == []
    assert [r.obj["kind"] for r in raws] == ["Service", "Policy"]
    lines = text.splitlines()
    assert lines[raws[0].origin.line - 1] == "        {"
    assert lines[raws[0].origin.line].strip() == '"apiVersion": "v1",'
    assert lines[raws[1].origin.line].strip() == '"apiVersion": "k8s.nginx.org/v1",'
    assert raws[1].origin.doc == 1
    policy_fields = raws[1].origin.fields
    assert lines[policy_fields["spec.ingressMTLS.verifyDepth"] - 1].strip() == '"verifyDepth": 2'
    assert lines[policy_fields["metadata.namespace"] - 1].strip() == '"namespace": "cafe"'
    assert "items[1]" not in policy_fields and "kind" in policy_fields


def test_json_field_lines_of_a_single_object() -> None:
    text = '{"apiVersion": "k8s.nginx.org/v1", "kind": "VirtualServer",\n "metadata": {"name": "vs"},\n'
    text += ' "spec": {"routes": [\n  {"path": "/a",\n   "policies": [{"name": "p"},\n   {"name": "q\\"x"}]}]}}\n'
    raws, problems = load_text(text, "vs.json")
    assert problems == []
    fields = raws[0].origin.fields
    assert fields["kind"] == 1 and fields["metadata.name"] == 2 and fields["spec.routes"] == 3
    assert fields["spec.routes[0]"] == 4 and fields["spec.routes[0].policies[0]"] == 5
    assert fields["spec.routes[0].policies[1]"] == 6 and fields["spec.routes[0].policies[1].name"] == 6
    assert raws[0].obj["spec"]["routes"][0]["policies"][1]["name"] == 'q"x'


def test_kubectl_get_yaml_typed_list_and_json_stream() -> None:
    text = "apiVersion: v1\nkind: ServiceList\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n"
    raws, problems = load_text(text, "svc.yaml")
    assert problems == [] and raws[0].obj["metadata"]["name"] == "a" and raws[0].origin.line == 4
    stream = '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}\n\n{"apiVersion": "v1",\n'
    stream += '"kind": "Service", "metadata": {"name": "y"}}'
    raws, problems = load_text(stream, "stream.json")
    assert problems == []
    assert [(r.obj["metadata"]["name"], r.origin.line, r.origin.doc) for r in raws] == [("x", 1, 0), ("y", 3, 1)]


def test_json_nan_and_deep_json_are_problems() -> None:
    _, problems = load_text('{"apiVersion": NaN}', "nan.json")
    assert problems[0].check_id == UNREADABLE_SOURCE
    _, problems = load_text("[" * 300 + "]" * 300, "deep.json")
    assert "nesting deeper than 200" in problems[0].message
    _, problems = load_text("[" * 100_000 + "]" * 100_000, "deeper.json")
    assert "nesting deeper than 200" in problems[0].message
    _, problems = load_text('[{"kind": "Service"}]', "array.json")
    assert problems[0].check_id == NOT_AN_OBJECT


def test_utf16_and_utf8_bom_are_accepted() -> None:
    raws, problems = load_paths([str(DATA / "utf16_bom.yaml")])
    assert problems == [] and raws[0].obj["metadata"]["name"] == "utf16-svc"
    raws, problems = load_text(b"\xef\xbb\xbf" + GOOD.encode(), "bom.yaml")
    assert problems == [] and raws[0].origin.fields["metadata.name"] == 4


def test_file_size_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(GOOD.encode() + b"#" * 2 * 1024 * 1024)
    small = tmp_path / "small.yaml"
    small.write_text(GOOD.replace("good-svc", "small-svc"))
    raws, problems = load_paths([str(big), str(small)], max_bytes=2 * 1024 * 1024)
    assert [r.obj["metadata"]["name"] for r in raws] == ["small-svc"]
    assert problems[0].message == f"{big}: more than 2 MiB: too large to be a manifest, not read (--max-file-size)"
    assert MAX_FILE_BYTES == 64 * 1024 * 1024  # the default fits a 25 MB dump of 50k objects


def test_nic_examples_load_cleanly() -> None:
    need(NIC_EXAMPLES)
    for folder in sorted(p for p in NIC_EXAMPLES.glob("*/*") if p.is_dir()):
        cluster = load_cluster([str(folder)])
        assert [p for p in cluster.problems] == [], folder
        assert cluster.policies, folder
        for policy in cluster.policies.values():
            assert policy.meta.origin.line >= 1
            assert policy.set_types in (("ingressMTLS",), ("egressMTLS",))
    egress = load_cluster([str(NIC_EXAMPLES / "custom-resources" / "egress-mtls")])
    policy = egress.policies["default/egress-mtls-policy"]
    assert policy.egress_mtls is not None
    assert policy.egress_mtls.verify_server is True and policy.egress_mtls.server_name is True  # unquoted `on`
    assert policy.egress_mtls.verify_depth == 2 and policy.egress_mtls.ssl_name == "secure-app.example.com"
    vs = egress.virtual_servers["default/webapp"]
    assert any(u.tls.enable for u in vs.upstreams)


yaml_ish = st.lists(
    st.sampled_from([*"abkind:- \n\t'\"[]{}&*!|>#%@`,?~01.=\\\x00\xe9", "---\n", "apiVersion: v1\n", "<<: ", "!!int "]),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(yaml_ish, st.binary(max_size=200), yaml_ish.map(lambda t: t.encode("utf-16"))))
def test_load_text_never_raises(data: str | bytes) -> None:
    raws, problems = load_text(data, "fuzz.yaml")
    for raw in raws:
        assert isinstance(raw.obj, dict)
    for problem in problems:
        assert problem.message.startswith("fuzz.yaml")
        assert "\n" not in problem.message


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=30,
    )
)
def test_build_cluster_never_raises_on_any_spec(spec: object) -> None:
    for kind, api in (
        ("Policy", "k8s.nginx.org/v1"),
        ("VirtualServer", "k8s.nginx.org/v1"),
        ("VirtualServerRoute", "k8s.nginx.org/v1"),
        ("Ingress", "networking.k8s.io/v1"),
        ("Service", "v1"),
        ("Secret", "v1"),
    ):
        text = json.dumps({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": spec, "data": spec})
        raws, problems = load_text(text, "fuzz.json")
        cluster = build_cluster(raws, problems)
        assert len(list(cluster.all_objects())) <= 1


def test_big_json_field_lines_are_lazy_and_right(tmp_path: Path) -> None:
    items = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}"}, "spec": {"ports": [{"port": 80}]}}
        for i in range(12_000)
    ]
    manifest = tmp_path / "get.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=2))
    assert manifest.stat().st_size > 1024 * 1024
    cluster = load_cluster([str(manifest)])
    origin = cluster.services["default/s11999"].meta.origin
    lines = manifest.read_text().splitlines()
    assert lines[origin.line - 1].strip() == "{"
    assert lines[origin.line_of("spec.ports[0].port") - 1].strip() == '"port": 80'
    assert dict(origin.fields)["metadata.name"] == origin.line + 4


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["Policy", "VirtualServer", "Ingress", "Secret", "Event", "ConfigMap", "Service"]),
    api=st.sampled_from(["k8s.nginx.org/v1", "networking.k8s.io/v1", "v1", "events.k8s.io/v1", "k8s.nginx.org"]),
    metadata=json_values,
    rest=st.dictionaries(st.sampled_from(["spec", "data", "stringData", "type", "status", "regarding"]), json_values),
)
def test_build_cluster_never_raises_on_live_shaped_objects(
    kind: str, api: str, metadata: object, rest: dict[str, object]
) -> None:
    raw = RawObject({"apiVersion": api, "kind": kind, "metadata": metadata, **rest}, Origin("cluster:fuzz"))
    cluster = build_cluster([raw])
    for problem in cluster.problems:
        assert problem.message.startswith("cluster:fuzz")
