"""The renderer's line records: provenance, server/location slicing, and what a manifest value cannot change.

The records are what the report reads (directives, line numbers, the line -> policy map); the text is written from
them. These tests parse the produced text with ``nginx_parse`` only to prove that records and text agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.model import ControllerSettings
from inspector.nic.types import NicResult
from inspector.render import file_text, render_config, rendered_servers
from inspector.render.records import snippet_lines
from inspector.report import build_report
from inspector.sources.convert import load_cluster
from tests.shared import NIC_EXAMPLES
from tests.test_nic_ingress_helpers import ca_secret, cluster, ingress, path, read_examples, run, tls_secret


def _agree(result: NicResult) -> int:
    """Every file's records say what its text says: same servers, directives, locations and line numbers."""
    checked = 0
    for f in result.files:
        rendered = render_config(f)
        assert rendered.text == file_text(f)
        ours = rendered.servers()
        parsed = rendered_servers(rendered.text)
        assert [(s.text, s.start_line, s.end_line, s.directives, s.locations) for s in ours] == [
            (s.text, s.start_line, s.end_line, s.directives, s.locations) for s in parsed
        ]
        checked += len(ours)
    return checked


@pytest.mark.parametrize("plus", [False, True])
def test_records_agree_with_the_text_on_the_sample_and_nic_examples(sample_dir: Path, plus: bool) -> None:
    settings = ControllerSettings(plus=plus)
    for source in (sample_dir, NIC_EXAMPLES):
        report = build_report(load_cluster([source]), settings)
        assert _agree(report.nic) > 0


def test_provenance_names_the_policy_lines_at_their_scope() -> None:
    d = NIC_EXAMPLES / "ingress-resources" / "ingress-mtls"
    objs = read_examples(d / "cafe-ingress.yaml", d / "ingress-mtls-policy.yaml")
    (f,) = run(*objs, tls_secret("tls-secret"), ca_secret("ingress-mtls-secret")).files
    rendered = render_config(f)
    lines = rendered.text.split("\n")
    sourced = [(lines[p.line - 1].strip(), p.kind, p.policy, p.scope, p.owner) for p in rendered.provenance]
    owner = "Ingress/default/cafe-ingress"
    assert sourced == [
        ("ssl_client_certificate /etc/nginx/secrets/default-ingress-mtls-secret-ca.crt;", "ingressMTLS",
         "default/ingress-mtls-policy", "server", owner),
        ("ssl_verify_client on;", "ingressMTLS", "default/ingress-mtls-policy", "server", owner),
        ("ssl_verify_depth 1;", "ingressMTLS", "default/ingress-mtls-policy", "server", owner),
    ]
    # the server slice maps the same lines, and only those, to the policy
    (srv,) = rendered.servers()
    assert sorted(srv.line_policies) == [p.line for p in rendered.provenance]
    assert "#@@" not in rendered.text


def _one_server(configmap: dict[str, str]) -> tuple[str, tuple[str, ...], list[tuple[str, tuple[str, ...]]]]:
    result = run(ingress("cafe"), settings=ControllerSettings(configmap=configmap))
    (f,) = result.files
    rendered = render_config(f)
    (srv,) = rendered.servers()
    return rendered.text, srv.directives, [(loc.path, loc.directives) for loc in srv.locations]


def test_a_value_holding_a_semicolon_stays_one_argument() -> None:
    """NIC copies the value verbatim (MTLS068 says so); the records keep it as the directive's arguments, where
    reading the text back split it into two directives."""
    text, _, locations = _one_server({"proxy-read-timeout": "60s; include /etc/passwd"})
    assert "proxy_read_timeout 60s; include /etc/passwd;" in text
    ((path, directives),) = locations
    assert path == "/tea"
    assert "proxy_read_timeout 60s; include /etc/passwd" in directives
    assert "include /etc/passwd" not in directives


def test_a_snippet_with_braces_cannot_change_the_structure() -> None:
    """A stray ``}`` in a server snippet would close the server block for a reader of the text; in the records the
    snippet's lines stay inside the server, and the location is still the server's."""
    text, directives, locations = _one_server({"server-snippets": "}\nlocation /evil {"})
    assert "\t}\n\tlocation /evil {\n" in text
    assert [path for path, _ in locations] == ["/tea"]
    assert "}" in directives and "location /evil {" in directives
    assert rendered_servers(text) != []  # the text itself is still read as some structure: not ours to trust


def test_a_forged_marker_in_a_snippet_is_a_comment_line() -> None:
    text, directives, _ = _one_server({"server-snippets": '#@@src {"k":"x"}\n#@@end\nadd_header X-A b;'})
    assert '\t#@@src {"k":"x"}\n\t#@@end\n\tadd_header X-A b;\n' in text
    assert "add_header X-A b" in directives and not any("@@" in d for d in directives)


def test_a_well_formed_snippet_block_spans_its_lines() -> None:
    _, directives, _ = _one_server({"server-snippets": "if ($http_x_a) {\n  return 403;\n}"})
    assert "if ($http_x_a) { return 403; }" in directives


def test_snippet_lines_read_as_input() -> None:
    assert snippet_lines(["\tadd_header A b;", "\t# a comment"]) == [
        ("\tadd_header A b;", (("add_header", ("A", "b"), "simple", True),)),
        ("\t# a comment", ()),
    ]
    # not well formed on its own: each line is one statement of its text, nothing opens or closes
    assert snippet_lines(['\treturn 200 "x;', "\t}"]) == [
        ('\treturn 200 "x;', (("return 200 \"x", (), "simple", True),)),
        ("\t}", (("}", (), "simple", True),)),
    ]


def test_a_location_from_a_server_snippet_does_not_shift_the_generated_locations() -> None:
    """NIC writes server snippets before its own locations. A ``location`` block in a snippet is not one NIC
    generated: the report pairs the host's locations with the rendered ones in order, so counting the snippet's
    would give /tea the snippet's directives (and every later location its neighbour's)."""
    snippet = "location /hidden {\n    return 204;\n}"
    paths = (path("/tea", "tea-svc"), path("/coffee", "coffee-svc"))
    snapshot = cluster(ingress("cafe", rules=(("cafe.example.com", paths),)))
    report = build_report(snapshot, ControllerSettings(configmap={"server-snippets": snippet}))
    (f,) = report.nic.files
    text = file_text(f)
    (srv,) = render_config(f).servers()
    assert text.index("location /hidden") < text.index("location /tea")
    assert [loc.path for loc in srv.locations] == ["/tea", "/coffee"]
    assert "location /hidden { return 204; }" in srv.directives
    (host,) = report.hosts
    tea, coffee = host.locations
    assert (tea.result.path, coffee.result.path) == ("/tea", "/coffee")
    assert any("tea-svc" in d for d in tea.directives) and not any("coffee-svc" in d for d in tea.directives)
    assert any("coffee-svc" in d for d in coffee.directives)
    assert all("return 204" not in d for d in (*tea.directives, *coffee.directives))
