"""Input that cannot be used is never silent (issues 12, 10 and 14): duplicate keys, no objects at all, helm output,
charts and kustomizations, links leaving the source folder, non-regular files, bounded reads, capped problems."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
from pathlib import Path

import pytest

from inspector.catalogue import INPUT_SKIPPED, NO_OBJECTS, NOT_AN_OBJECT, UNREADABLE_SOURCE
from inspector.model import LoadProblem
from inspector.sources.convert import load_cluster
from inspector.sources.files import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS_PER_FILE,
    STDIN_NAME,
    cap_problems,
    load_paths,
    load_text,
    parse_size,
    read_bounded,
    read_stdin,
    shown,
    source_problem,
)
from inspector.sources.yaml_loader import parse_yaml

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 80\n"


def svc(name: str) -> str:
    return SVC.format(name=name)


def names(raws: list[object]) -> list[str]:
    return [r.obj["metadata"]["name"] for r in raws]  # type: ignore[attr-defined]


# --- duplicate mapping keys --------------------------------------------------------------------------------------


def test_two_manifests_without_separator_are_refused_not_merged() -> None:
    text = svc("first") + svc("second") + "---\n" + svc("after")
    raws, problems = load_text(text, "cat.yaml")
    assert names(raws) == ["after"]  # the merged document is refused whole; the next one still loads
    assert [p.check_id for p in problems] == [UNREADABLE_SOURCE]
    second_api_version = 8
    assert problems[0].line == second_api_version
    assert problems[0].message == (
        'cat.yaml:8: mapping key "apiVersion" already defined at line 1; two manifests without a --- line between '
        "them? The document is not read"
    )


def test_nested_duplicate_key_names_both_lines_and_merge_keys_are_not_duplicates() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  labels:\n    app: a\n    app: b\n---\n"
        "base: &base {apiVersion: v1, kind: ConfigMap}\n---\n"
        "<<: {apiVersion: v1, kind: ConfigMap}\nkind: ConfigMap\nmetadata: {name: merged}\n"
    )
    raws, problems = load_text(text, "d.yaml")
    assert names(raws) == ["merged"]  # an explicit key over a merged one is YAML's override, not a duplicate
    assert [(p.check_id, p.line) for p in problems if p.check_id == UNREADABLE_SOURCE] == [(UNREADABLE_SOURCE, 7)]
    assert 'mapping key "app" already defined at line 6; the document is not read' in problems[0].message


def test_duplicate_key_does_not_break_resynchronisation_after_a_broken_document() -> None:
    text = "a: [\n---\n" + svc("one") + "kind: Service\n---\nb: {\n---\n" + svc("two")
    docs, problems = parse_yaml(text, "r.yaml")
    assert [d.value["metadata"]["name"] for d in docs if isinstance(d.value, dict)] == ["two"]
    assert [p.line for p in problems] == [2, 10, 13]


def test_json_duplicate_keys_are_refused_with_both_lines_and_the_stream_goes_on() -> None:
    text = (
        '{"apiVersion": "v1", "kind": "Service",\n "metadata": {"name": "a",\n "name": "b"}}\n'
        '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}}\n'
    )
    raws, problems = load_text(text, "s.json")
    assert names(raws) == ["c"] and raws[0].origin.line == 4
    assert [(p.check_id, p.line) for p in problems] == [(UNREADABLE_SOURCE, 3)]
    assert 'mapping key "name" already defined at line 2' in problems[0].message
    listing = {"apiVersion": "v1", "kind": "List", "items": [json.loads('{"kind": "Service"}')]}
    _, none = load_text(json.dumps(listing), "l.json")  # no false duplicates across sibling objects
    assert [p.check_id for p in none] == [NOT_AN_OBJECT]


# --- no Kubernetes object at all ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "stdin is empty: nothing was checked (did the command before the | fail?)"),
        (b"\n \n", "stdin is empty: nothing was checked (did the command before the | fail?)"),
        (b"# only a comment\n---\n# another\n", "no Kubernetes object in <stdin>: nothing was checked"),
        (b"---\n---\n", "no Kubernetes object in <stdin>: nothing was checked"),
    ],
)
def test_empty_stdin_or_only_comments_is_no_objects(content: bytes, text: str) -> None:
    raws, problems = load_paths(["-"], stdin=io.BytesIO(content))
    assert raws == []
    assert [(p.check_id, p.file, p.message) for p in problems] == [(NO_OBJECTS, STDIN_NAME, f"<stdin>: {text}")]


def test_no_objects_names_the_sources_and_is_not_added_on_top_of_an_explanation(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 1\n")
    raws, problems = load_paths([str(tmp_path)])
    assert [p.check_id for p in problems] == [NOT_AN_OBJECT, NO_OBJECTS]
    assert problems[1].message == f"{tmp_path}: no Kubernetes object in {tmp_path}: nothing was checked"
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [\n")
    _, problems = load_paths([str(broken)])
    assert [p.check_id for p in problems] == [UNREADABLE_SOURCE]  # already says why nothing was read
    empty = tmp_path / "empty"
    empty.mkdir()
    _, problems = load_paths([str(empty)])
    assert [(p.check_id, p.message) for p in problems] == [
        (NO_OBJECTS, f"{empty}: folder holds no *.yaml, *.yml or *.json files")
    ]
    raws, problems = load_paths(["-"], stdin=io.BytesIO(svc("x").encode()))
    assert names(raws) == ["x"] and problems == []


def test_unreadable_stdin_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", None)
    assert read_stdin() == "stdin is closed"
    raws, problems = load_paths(["-"], stdin="stdin is closed")
    assert raws == [] and [(p.check_id, p.message) for p in problems] == [
        (UNREADABLE_SOURCE, "<stdin>: stdin is closed")
    ]


# --- helm template output ----------------------------------------------------------------------------------------

HELM = """\
---
# Source: cafe/templates/policy.yaml
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: mtls
spec:
  ingressMTLS:
    clientCertSecret: ca
---
# Source: cafe/templates/services.yaml
apiVersion: v1
kind: Service
metadata:
  name: tea
---
# Source: cafe/templates/services.yaml
apiVersion: v1
kind: Service
metadata:
  name: coffee
  labels: 7
---
# Source: cafe/templates/broken.yaml
- just
- a list
---
apiVersion: v1
kind: Service
metadata:
  name: hand-made
"""


def test_helm_source_comments_place_documents_in_their_templates() -> None:
    raws, problems = load_text(HELM, "rendered.yaml")
    where = {r.obj["metadata"]["name"]: (r.origin.file, r.origin.doc, r.origin.line) for r in raws}
    assert where == {
        "mtls": ("cafe/templates/policy.yaml", 0, 1),
        "tea": ("cafe/templates/services.yaml", 0, 1),
        "coffee": ("cafe/templates/services.yaml", 1, 1),  # the template's second document
        "hand-made": ("rendered.yaml", 4, 28),  # no Source comment: the stream's own name and line
    }
    policy = next(r for r in raws if r.obj["kind"] == "Policy")
    assert policy.origin.at("spec.ingressMTLS.clientCertSecret") == "cafe/templates/policy.yaml:7"
    coffee = next(r for r in raws if r.obj["metadata"]["name"] == "coffee")
    assert coffee.origin.line_of("metadata.labels") == 5
    assert [(p.check_id, p.file, p.line) for p in problems] == [(NOT_AN_OBJECT, "cafe/templates/broken.yaml", 1)]
    assert problems[0].message == "cafe/templates/broken.yaml:1: document 1 is a list, not a Kubernetes object"


def test_helm_yaml_errors_and_api_server_findings_point_into_the_template() -> None:
    text = HELM + "---\n# Source: cafe/templates/bad.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  bad: [\n"
    _, problems = load_text(text, STDIN_NAME)
    syntax = [p for p in problems if p.check_id == UNREADABLE_SOURCE]
    assert [(p.file, p.line) for p in syntax] == [("cafe/templates/bad.yaml", 5)]
    assert syntax[0].message.startswith("cafe/templates/bad.yaml:5: YAML syntax error")
    cluster = load_cluster(["-"], stdin=HELM.encode())
    assert cluster.services["default/tea"].meta.origin.file == "cafe/templates/services.yaml"
    assert "default/coffee" not in cluster.services  # `labels: 7`: the API server refuses it
    refused = [p for p in cluster.problems if p.ref is not None and p.ref.name == "coffee"]
    assert [(p.file, p.line) for p in refused] == [("cafe/templates/services.yaml", 5)]


def test_stdin_name_names_documents_without_a_source_comment() -> None:
    cluster = load_cluster(["-"], stdin=(svc("a") + "---\n" + HELM).encode(), stdin_name="release.yaml")
    assert cluster.services["default/a"].meta.origin.at() == "release.yaml:1"
    assert cluster.services["default/hand-made"].meta.origin.file == "release.yaml"
    assert cluster.policies["default/mtls"].meta.origin.file == "cafe/templates/policy.yaml"


def test_source_comment_text_is_made_printable() -> None:
    # An escape sequence in the comment stops that document at the loader already (YAML refuses the character).
    raws, problems = load_text("---\n# Source: evil\x1b]52;c;x\x07.yaml\n" + svc("x"), "s.yaml")
    assert raws == [] and "\x1b" not in problems[0].message
    # A printable but odd path stays as written, trailing blanks trimmed.
    raws, _ = load_text("---\n# Source: a b/templates/c.yaml   \n" + svc("x"), "s.yaml")
    assert raws[0].origin.file == "a b/templates/c.yaml"
    assert shown("x\x1by\x85.yaml") == "x\\x1by\\x85.yaml"


# --- charts, kustomizations, templates ---------------------------------------------------------------------------


def make_chart(root: Path) -> Path:
    chart = root / "cafe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cafe\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("host: cafe.example.com\n")
    (chart / "templates" / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n"
        '    {{- include "cafe.labels" . | nindent 4 }}\n'
    )
    return chart


def test_chart_folder_gets_one_message_naming_helm_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = make_chart(tmp_path)
    monkeypatch.chdir(tmp_path)
    for given, expected in (("cafe", "cafe"), (str(chart), str(chart)), ("cafe/templates", "cafe")):
        raws, problems = load_paths([given])
        assert raws == []
        assert [p.check_id for p in problems] == [UNREADABLE_SOURCE], given
        assert problems[0].message.endswith(f"helm template {expected} | mtls-inspect check -"), problems[0].message
    raws, problems = load_paths(["cafe/templates/svc.yaml"])
    assert problems[0].message == (
        "cafe/templates/svc.yaml: a template of the Helm chart cafe, not manifests: check what it renders: "
        "helm template cafe | mtls-inspect check -"
    )
    monkeypatch.chdir(chart)
    _, problems = load_paths(["."])
    assert problems[0].message == (
        ".: a Helm chart (Chart.yaml), not manifests: check what it renders: helm template . | mtls-inspect check -"
    )


@pytest.mark.parametrize("name", ["kustomization.yaml", "kustomization.yml", "Kustomization"])
def test_kustomization_folder_names_kubectl_kustomize(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "overlay dir"
    folder.mkdir()
    (folder / name).write_text("resources:\n- svc.yaml\n")
    (folder / "svc.yaml").write_text(svc("base"))
    raws, problems = load_paths([str(folder)])
    assert raws == [] and [p.check_id for p in problems] == [UNREADABLE_SOURCE]
    assert problems[0].message == (
        f"{folder}: a kustomization ({name}), not plain manifests: check what it builds: "
        f"kubectl kustomize '{folder}' | mtls-inspect check -"
    )


def test_charts_and_kustomizations_inside_a_folder_are_not_read_the_rest_is(tmp_path: Path) -> None:
    make_chart(tmp_path / "charts")
    (tmp_path / "apps" / "prod").mkdir(parents=True)
    (tmp_path / "apps" / "prod" / "kustomization.yaml").write_text("resources: [svc.yaml]\n")
    (tmp_path / "apps" / "prod" / "svc.yaml").write_text(svc("kustomized"))
    (tmp_path / "plain.yaml").write_text(svc("plain"))
    raws, problems = load_paths([str(tmp_path)])
    assert names(raws) == ["plain"]
    assert sorted(p.file for p in problems) == [str(tmp_path / "apps" / "prod"), str(tmp_path / "charts" / "cafe")]
    assert all(p.check_id == UNREADABLE_SOURCE for p in problems)


def test_a_loose_template_file_is_one_message_but_braces_in_data_are_not(tmp_path: Path) -> None:
    raws, problems = load_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n---\n" + svc("kept"), "t.yaml"
    )
    assert raws == []
    assert [p.message for p in problems] == [
        "t.yaml: a Helm template ({{ }} at line 4), not a manifest: check what the chart renders: "
        "helm template CHART | mtls-inspect check -"
    ]
    data = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n  t: |\n    {{ define "x" }}\n'
    raws, problems = load_text(data + "---\nbroken: [\n---\n" + svc("kept"), "c.yaml")
    assert names(raws) == ["alerts", "kept"]
    assert [p.message for p in problems] == ["c.yaml:10: YAML syntax error: did not find expected node content"]


# --- folders are untrusted: links, FIFOs, devices --------------------------------------------------------------


def test_symlink_leaving_the_source_folder_is_not_followed_and_its_content_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "token.yaml"
    secret.parent.mkdir()
    secret.write_text("GITHUB_TOKEN=ghp_supersecretvalue\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ok.yaml").write_text(svc("ok"))
    (repo / "token.yaml").symlink_to(secret)
    (repo / "etc").symlink_to(secret.parent, target_is_directory=True)
    raws, problems = load_paths([str(repo)])
    assert names(raws) == ["ok"]
    assert [(p.check_id, p.file) for p in problems] == [
        (INPUT_SKIPPED, str(repo / "etc")),
        (INPUT_SKIPPED, str(repo / "token.yaml")),
    ]
    assert (
        problems[1].message == f"{repo / 'token.yaml'}: symbolic link to a path outside the source folder: not followed"
    )
    assert not any("ghp_" in p.message or "GITHUB" in p.message or "outside/" in p.message for p in problems)
    # Named explicitly, a link is the user's choice and is read: the content is still never quoted.
    _, problems = load_paths([str(repo / "token.yaml")])
    assert [p.check_id for p in problems] == [NOT_AN_OBJECT, NO_OBJECTS]
    assert problems[0].message.endswith("document 1 is a string, not a Kubernetes object")
    assert not any("ghp_" in p.message for p in problems)


def test_links_inside_the_source_folder_are_followed_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(svc("a"))
    (tmp_path / "alias.yaml").symlink_to("a.yaml")
    (tmp_path / ".shared").mkdir()
    (tmp_path / ".shared" / "s.yaml").write_text(svc("shared"))
    (tmp_path / "shared").symlink_to(".shared", target_is_directory=True)
    (tmp_path / "shared-too").symlink_to(".shared", target_is_directory=True)
    (tmp_path / "again").symlink_to(".", target_is_directory=True)  # a loop back to the root
    raws, problems = load_paths([str(tmp_path)])
    assert problems == []
    assert names(raws) == ["a", "shared"]
    assert [Path(r.origin.file).name for r in raws] == ["a.yaml", "s.yaml"]


def test_symlink_loops_and_broken_links_are_one_line_each(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(svc("ok"))
    (tmp_path / "x.yaml").symlink_to("y.yaml")
    (tmp_path / "y.yaml").symlink_to("x.yaml")
    (tmp_path / "gone.yaml").symlink_to("missing.yaml")
    raws, problems = load_paths([str(tmp_path)])
    assert names(raws) == ["ok"]
    assert [(Path(p.file).name, p.message.split(": ", 1)[1]) for p in problems] == [
        ("gone.yaml", "broken symbolic link"),
        ("x.yaml", "cannot read: symbolic link loop (too many levels of symbolic links)"),
        ("y.yaml", "cannot read: symbolic link loop (too many levels of symbolic links)"),
    ]
    assert source_problem(str(tmp_path / "x.yaml")) == (
        f"{tmp_path / 'x.yaml'}: symbolic link loop (too many levels of symbolic links)"
    )
    assert source_problem(str(tmp_path / "gone.yaml")) == (
        f"{tmp_path / 'gone.yaml'}: no such file or directory (a symbolic link to a missing target)"
    )
    assert source_problem(str(tmp_path / "ok.yaml")) is None


def test_fifo_inside_a_folder_is_skipped_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(svc("ok"))
    os.mkfifo(tmp_path / "pipe.yaml")
    started = time.monotonic()
    raws, problems = load_paths([str(tmp_path)])
    assert time.monotonic() - started < 5
    assert names(raws) == ["ok"]
    assert [(p.check_id, p.message) for p in problems] == [
        (INPUT_SKIPPED, f"{tmp_path / 'pipe.yaml'}: a FIFO (named pipe), not a regular file: skipped")
    ]


def test_fifo_given_as_source_is_read_with_the_size_bound(tmp_path: Path) -> None:
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)

    def writer() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as out:  # the reader stops at the bound
            out.write(svc("piped").encode() + b"#" * 5000)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    raws, problems = load_paths([str(fifo)], max_bytes=1000)
    thread.join(5)
    assert raws == []
    assert (
        problems[0].message == f"{fifo}: more than 1,000 bytes: too large to be a manifest, not read (--max-file-size)"
    )


def test_dev_zero_ends_quickly_with_a_finding() -> None:
    started = time.monotonic()
    raws, problems = load_paths(["/dev/zero"], max_bytes=4 * 1024 * 1024)
    assert time.monotonic() - started < 5
    assert raws == [] and problems[0].check_id == UNREADABLE_SOURCE and "more than 4 MiB" in problems[0].message


class Endless(io.RawIOBase):
    """A stream that never ends, counting what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        buffer[:size] = b"a" * size
        self.given += size
        return size


def test_stdin_is_read_with_the_bound_applied_while_reading() -> None:
    endless = Endless()
    data = read_stdin(3 * 1024 * 1024, endless)  # type: ignore[arg-type]
    assert isinstance(data, bytes) and len(data) == 3 * 1024 * 1024 + 1
    assert endless.given <= 3 * 1024 * 1024 + 1
    raws, problems = load_paths(["-"], stdin=Endless(), max_bytes=1024 * 1024)  # type: ignore[arg-type]
    assert raws == [] and "more than 1 MiB" in problems[0].message
    assert read_bounded(io.BytesIO(b"short"), 100) == b"short"


def test_max_file_size_default_and_parsing() -> None:
    assert MAX_FILE_BYTES == 64 * 1024 * 1024  # a 25 MB dump of 50k objects loads (issue 15)
    assert parse_size("64MiB") == parse_size("64Mi") == 64 * 1024 * 1024
    assert parse_size("100M") == parse_size("100MB") == 100_000_000
    assert parse_size("500k") == 500_000 and parse_size("2Ki") == 2048 and parse_size("1048576") == 1048576
    for bad in ("", "lots", "-1", "0", "1.5M", "1T"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_non_utf8_file_names_are_shown_escaped_and_still_read(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(folder + b"/caf\xe9.yaml", "wb") as out:
        out.write(b"- a list\n")
    _, problems = load_paths([str(tmp_path)])
    assert [p.check_id for p in problems] == [NOT_AN_OBJECT, NO_OBJECTS]
    assert problems[0].file == f"{tmp_path}/caf\\xe9.yaml"
    problems[0].message.encode("utf-8")  # printable by every output


# --- what is not an object is named by type only; problems are capped ------------------------------------------


def test_non_objects_are_never_quoted() -> None:
    text = "GITHUB_TOKEN=ghp_abcdef\n---\n42\n---\nkind: ghp_token value here\nmetadata: {name: x}\n"
    _, problems = load_text(text, "leak.yaml")
    messages = [p.message for p in problems]
    assert messages == [
        "leak.yaml:1: document 1 is a string, not a Kubernetes object",
        "leak.yaml:3: document 2 is a number, not a Kubernetes object",
        "leak.yaml:5: document 3: (a kind that is not a Kubernetes kind) object without apiVersion; "
        "kubectl would refuse it",
    ]


def test_a_million_tiny_documents_make_at_most_the_cap_plus_one_summary() -> None:
    count = 20_000
    raws, problems = load_text("---\nx\n" * count, "many.yaml")
    assert raws == []
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    assert problems[-1].check_id == INPUT_SKIPPED
    assert problems[-1].message == (
        f"many.yaml: {count - MAX_PROBLEMS_PER_FILE:,} more problems not listed: at most 100 per file are listed"
    )


def test_cap_problems_counts_per_file_and_keeps_skips() -> None:
    many = [LoadProblem(NOT_AN_OBJECT, f"a.yaml:{n}: x", "a.yaml", n) for n in range(1, 131)]
    few = [LoadProblem(NOT_AN_OBJECT, "b.yaml:1: x", "b.yaml", 1)]
    skip = LoadProblem(INPUT_SKIPPED, "l.yaml: link", "l.yaml", 0)
    capped = cap_problems([*many, skip, *few], cap=100)
    assert capped[:100] == many[:100] and capped[100:102] == [skip, *few]
    assert [p.message for p in capped[102:]] == ["a.yaml: 30 more problems not listed: at most 100 per file are listed"]


def test_tags_and_tagged_values_are_not_quoted_beyond_their_shape() -> None:
    _, problems = load_text(
        "a: !TOKEN=ghp_abcdef value\n---\nb: !!int ghp_abcdef\n---\nc: !!python/name:os.system\n", "t.yaml"
    )
    assert [p.message for p in problems] == [
        "t.yaml:1: unsupported YAML tag (a custom tag) (only plain data is loaded, never objects)",
        "t.yaml:3: cannot decode this value as int",
        "t.yaml:5: unsupported YAML tag tag:yaml.org,2002:python/name:os.system (only plain data is loaded, never "
        "objects)",
    ]
