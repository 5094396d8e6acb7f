"""The config file .mtls-inspect.yaml: where it is found, how it merges with the command line, what it refuses,
and suppressions with a reason and an expiry date (MTLS007) or an unknown id (MTLS008)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_checks_helpers import ca_secret, ingress, ingress_policy, service

from inspector.cli import main

NS = "t"
HOST = "a.example.com"


def _manifest(tmp_path: Path, annotations: dict[str, str] | None = None) -> Path:
    """An Ingress with an ingressMTLS policy and no TLS: MTLS016 (error, 500)."""
    docs = (
        service("app", NS),
        ca_secret("ca", NS),
        ingress_policy("p", NS, "ca"),
        ingress("ing", NS, HOST, policies="p", annotations=annotations),
    )
    path = tmp_path / "k8s" / "cafe.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("---\n".join(docs), encoding="utf-8")
    return path


def _check(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["check", *args, "-o", "json"], stdout=out)
    return code, json.loads(out.getvalue())


def _usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args, stdout=io.StringIO())
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_config_in_the_current_folder_sets_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("fail-on: never\nconfigmap:\n  http2: true\nplus: true\n")
    code, report = _check(str(manifest))
    assert code == 0
    assert report["controller"]["configmap"]["http2"] == "true"
    assert report["controller"]["edition"] == "plus"


def test_config_at_the_git_root_is_found_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    manifest = _manifest(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("fail-on: never\n")
    monkeypatch.chdir(manifest.parent)
    assert _check("cafe.yaml")[0] == 0
    assert _check("cafe.yaml", "--no-config")[0] == 1


def test_the_command_line_wins_and_config_flag_names_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "ci.yaml"
    other.write_text("fail-on: never\n")
    assert _check(str(manifest), "--config", str(other))[0] == 0
    assert _check(str(manifest), "--config", str(other), "--fail-on", "error")[0] == 1
    with pytest.raises(SystemExit) as exc:
        _check(str(manifest), "--config", str(tmp_path / "nope.yaml"))
    assert exc.value.code == 2


def test_show_config_says_where_each_setting_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text(
        "ingress-class: internal\nignore: [MTLS017]\nsuppressions:\n- id: MTLS016\n  reason: pilot\n"
    )
    out = io.StringIO()
    assert main(["check", "--show-config", "--ignore", "MTLS060", "--fail-on", "warning"], stdout=out) == 0
    text = out.getvalue()
    cfg = tmp_path / ".mtls-inspect.yaml"
    assert f'ingress-class: "internal"  # {cfg}:1' in text
    assert f'ignore: ["MTLS017", "MTLS060"]  # {cfg}:2 + command line' in text
    assert 'fail-on: "warning"  # command line' in text
    assert "wildcard-tls-secret: null  # default" in text
    assert f'- {{"id": "MTLS016", "reason": "pilot"}}  # {cfg}:4' in text
    out = io.StringIO()
    main(["check", "--show-config", "-o", "sarif=m.sarif", "-o", "text"], stdout=out)
    assert 'outputs: ["sarif=m.sarif", "text"]  # command line' in out.getvalue()
    (tmp_path / ".mtls-inspect.yaml").write_text("fail-on: never\n")
    out = io.StringIO()
    main(["check", "--show-config", "--fail-on", "error"], stdout=out)  # the default value, given explicitly
    assert 'fail-on: "error"  # command line' in out.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("fail-on: never\nfail_onn: x\n", ":2: unknown key 'fail_onn'; did you mean 'fail-on'?"),
        ("plus: 'yes'\n", ":1: plus: expected true or false"),
        ("fail-on: sometimes\n", ":1: fail-on: argument --fail-on: invalid choice: 'sometimes'"),
        ("ingress-class: 1.5\n", ":1: ingress-class: write 1.5 in quotes"),
        ("ingress-class: [a, b]\n", ":1: ingress-class: expected one value"),
        ("ingress-class:\n", ":1: ingress-class: no value"),
        ("fail-on: never\nfail-on: error\n", ":2: key 'fail-on' is already defined"),
        ("suppressions:\n- id: MTLS016\n", ":2: suppressions: reason must be a non-empty string"),
        ("suppressions:\n- id: MTLS016\n  reason: x\n  expires: soon\n", ":4: expires: expected a date"),
        ("suppressions:\n- id: MTLS016\n  reason: x\n  until: 2030-01-01\n", ":4: suppressions: unknown key 'until'"),
        ("fail-on: [never\n", ":2: not valid YAML"),
        ("- a\n", ":1: expected a mapping"),
    ],
)
def test_bad_config_is_exit_2_naming_file_and_line(
    content: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text(content)
    err = _usage_error(["check", "--sample"], capsys)
    assert f"{tmp_path / '.mtls-inspect.yaml'}{expected}" in err, err


def test_a_key_of_another_command_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("fail-on: never\n")
    out = io.StringIO()
    assert main(["render", "--sample", "--host", "cafe.example.com"], stdout=out) == 0
    assert "ssl_verify_client on;" in out.getvalue()


def test_outputs_key_and_the_command_line_replacing_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("outputs: [json, sarif=out/m.sarif]\n")
    (tmp_path / "out").mkdir()
    out = io.StringIO()
    assert main(["check", str(manifest)], stdout=out) == 1
    assert json.loads(out.getvalue())["schema"] == "mtls-inspect/report/v1"
    assert json.loads((tmp_path / "out" / "m.sarif").read_text())["version"] == "2.1.0"
    out = io.StringIO()
    main(["check", str(manifest), "-o", "text"], stdout=out)
    assert out.getvalue().lstrip().startswith(("returns 500", HOST))


def _suppressions(tmp_path: Path, body: str) -> None:
    (tmp_path / ".mtls-inspect.yaml").write_text("suppressions:\n" + body)


def test_active_suppression_suppresses_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    _suppressions(tmp_path, "- id: MTLS016\n  reason: TLS lands in CHG-1, then mTLS\n  expires: 2999-12-31\n")
    code, report = _check(str(manifest))
    assert code == 0
    (f,) = [f for f in report["findings"] if f["id"] == "MTLS016"]
    assert f["suppressed"] and f["suppression"] == f"{tmp_path / '.mtls-inspect.yaml'}:2: TLS lands in CHG-1, then mTLS"
    assert not [f for f in report["findings"] if f["id"] == "MTLS007"]


def test_expired_suppression_no_longer_suppresses_and_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    _suppressions(tmp_path, "- id: MTLS016\n  reason: pilot\n  expires: 2020-01-31\n")
    code, report = _check(str(manifest))
    assert code == 1
    assert not next(f for f in report["findings"] if f["id"] == "MTLS016")["suppressed"]
    (expired,) = [f for f in report["findings"] if f["id"] == "MTLS007"]
    assert expired["severity"] == "warning"
    assert expired["source"] == f"{tmp_path / '.mtls-inspect.yaml'}:2"
    assert "expired on 2020-01-31" in expired["message"]


def test_suppression_limited_to_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    _suppressions(tmp_path, "- id: MTLS016\n  reason: other\n  objects: [Ingress/t/other]\n")
    assert _check(str(manifest))[0] == 1
    _suppressions(tmp_path, "- id: ingress-mtls-without-tls\n  reason: this one\n  objects: [Ingress/t/ing]\n")
    assert _check(str(manifest))[0] == 0


def test_unknown_id_in_config_suppression_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    _suppressions(tmp_path, "- id: MTLS0l6\n  reason: typo\n")
    code, report = _check(str(manifest))
    assert code == 1
    (unknown,) = [f for f in report["findings"] if f["id"] == "MTLS008"]
    assert "'MTLS0l6'" in unknown["message"] and unknown["source"].endswith(".mtls-inspect.yaml:2")


def test_ignore_annotation_warns_on_unknown_ids_and_keeps_commas_in_reasons(tmp_path: Path) -> None:
    reason = "waived until the CA lands, see CHG-1, CHG-2"
    manifest = _manifest(tmp_path, {"mtls-inspect/ignore": f"MTLS016: {reason}, MTLS0l7: typo"})
    code, report = _check(str(manifest), "--no-config")
    assert code == 0
    f = next(f for f in report["findings"] if f["id"] == "MTLS016")
    assert f["suppressed"] and f["suppression"].endswith(f": {reason}")
    (unknown,) = [f for f in report["findings"] if f["id"] == "MTLS008"]
    assert "'MTLS0l7'" in unknown["message"] and unknown["resource"]["name"] == "ing"
    assert unknown["source"].startswith(str(manifest) + ":")


def test_parse_ignore_annotation_splits_only_at_check_names() -> None:
    from inspector.analysis.checks import parse_ignore_annotation, unknown_ignore_ids

    value = "MTLS016: a, b: c\ningress-mtls-verify-client-permissive: pilot, MTLS999: nope"
    assert parse_ignore_annotation(value) == {"MTLS016": "a, b: c", "MTLS060": "pilot"}
    assert unknown_ignore_ids(value) == ["MTLS999"]


def test_keys_of_options_a_command_does_not_have_do_not_break_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("color: never\nfail-on: never\n")
    out = io.StringIO()
    assert main(["completion", "bash"], stdout=out) == 0  # completion's SHELL argument is required: not the file's
    assert "mtls-inspect" in out.getvalue()


def test_secrets_made_elsewhere_maps_onto_its_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inspector.cli import build_parser
    from inspector.config import configurable, subparsers

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("secrets-made-elsewhere: [default/tls-secret=kubernetes.io/tls]\n")
    if "secret_made_elsewhere" not in configurable(subparsers(build_parser())["check"]):
        err = _usage_error(["check", "--sample"], capsys)
        assert ":1: secrets-made-elsewhere: this mtls-inspect has no --secret-made-elsewhere option" in err
        return
    out = io.StringIO()
    main(["check", "--show-config"], stdout=out)
    assert 'secrets-made-elsewhere: ["default/tls-secret=kubernetes.io/tls"]' in out.getvalue()


def test_files_in_the_config_are_relative_to_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-config", str(manifest), "--create-baseline", "base.json"], stdout=io.StringIO()) == 0
    (tmp_path / ".mtls-inspect.yaml").write_text("baseline: base.json\noutputs: [text, sarif=m.sarif]\n")
    monkeypatch.chdir(manifest.parent)
    assert main(["check", "cafe.yaml"], stdout=io.StringIO()) == 0  # the baseline at the root was found
    assert (tmp_path / "m.sarif").is_file() and not (manifest.parent / "m.sarif").exists()


def test_docs_url_from_the_config_reaches_docs_lines_and_sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MTLS_INSPECT_DOCS_URL", raising=False)
    manifest = _manifest(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mtls-inspect.yaml").write_text("docs-url: https://example.com/mtls/checks.md\n")
    out = io.StringIO()
    main(["check", str(manifest), "-o", "text", "-o", "sarif=m.sarif"], stdout=out)
    assert "docs: mtls-inspect checks MTLS016 (https://example.com/mtls/checks.md#ingress-mtls-without-tls)" in (
        out.getvalue()
    )
    rules = json.loads((tmp_path / "m.sarif").read_text())["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == "https://example.com/mtls/checks.md#unreadable-source"
