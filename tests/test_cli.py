"""The command line as users and CI meet it: help, exit codes, stdout/stderr discipline, formats."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.cli import COMMANDS, build_parser, main

CAFE_NO_TLS = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: mtls
spec:
  ingressMTLS:
    clientCertSecret: ca
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe
  annotations:
    nginx.org/policies: mtls
spec:
  ingressClassName: nginx
  rules:
  - host: cafe.example.com
    http:
      paths:
      - path: /tea
        pathType: Prefix
        backend:
          service:
            name: tea-svc
            port:
              number: 80
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    assert f"mtls-inspect {command}" in capsys.readouterr().out


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("mtls-inspect ")


def test_missing_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    proc = run("check", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.yaml" in lines[0] and "Traceback" not in proc.stderr


def test_check_without_input_is_usage_error() -> None:
    proc = run("check")
    assert proc.returncode == 2
    assert "no input" in proc.stderr


def test_bad_configmap_option_is_usage_error() -> None:
    proc = run("check", "--sample", "--configmap", "http2")
    assert proc.returncode == 2
    assert "KEY=VALUE" in proc.stderr


def test_check_sample_json_lists_every_object_with_file_line() -> None:
    proc = run("check", "--sample", "--format", "json", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["schema"] == "mtls-inspect/report/v1"
    assert report["resources"], "sample resources must be listed"
    for res in report["resources"]:
        file, _, line = res["source"].rpartition(":")
        assert file.endswith((".yaml", ".yml")) and int(line) > 0, res
    listed = {(r["kind"], r["namespace"], r["name"]) for r in report["resources"]}
    # Every object of the sample is listed, those NIC judges (with a state) and the others (Secrets, Services, ...).
    assert ("Secret", "default", "tls-secret") in listed and ("Service", "default", "tea-svc") in listed
    assert next(r for r in report["resources"] if r["kind"] == "Secret")["state"] is None
    states = {r["state"] for r in report["resources"] if r["kind"] in ("Ingress", "Policy", "VirtualServer")}
    assert states <= {"Valid", "Warning", "Invalid"} and "Valid" in states
    hosts = {h["host"] for h in report["hosts"]}
    assert {"cafe.example.com", "webapp.example.com"} <= hosts


def test_fail_on_controls_exit_code(tmp_path: Path) -> None:
    manifest = tmp_path / "cafe.yaml"
    manifest.write_text(CAFE_NO_TLS)
    failing = run("check", str(manifest), "--format", "json")
    assert failing.returncode == 1, failing.stderr
    report = json.loads(failing.stdout)
    host = next(h for h in report["hosts"] if h["host"] == "cafe.example.com")
    assert host["returns_500"] is True
    never = run("check", str(manifest), "--fail-on", "never", "--format", "json")
    assert never.returncode == 0


def test_stdin_source() -> None:
    proc = run("check", "-", "--format", "json", "--fail-on", "never", stdin=CAFE_NO_TLS)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert any(r["name"] == "cafe" and r["source"].startswith("<stdin>:") for r in report["resources"])


def test_several_formats_in_one_run(tmp_path: Path) -> None:
    sarif = tmp_path / "r.sarif"
    junit = tmp_path / "r.xml"
    proc = run("check", "--sample", "--format", "json", "--format", "sarif")
    assert proc.returncode == 2  # two formats cannot share stdout
    assert "stdout" in proc.stderr
    proc = run(
        "check", "--sample", "--fail-on", "never",
        "--format", "sarif", "--output", str(sarif),
        "--format", "junit", "--output", str(junit),
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema"] == "mtls-inspect/report/v1"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().lstrip().startswith("<?xml")


def test_render_names_source_resource() -> None:
    out = io.StringIO()
    assert main(["render", "--sample", "--host", "cafe.example.com"], stdout=out) == 0
    text = out.getvalue()
    assert "# configuration file /etc/nginx/conf.d/default-cafe-ingress.conf:" in text
    assert "Ingress default/cafe-ingress" in text
    assert "ssl_verify_client on;" in text


def test_render_unknown_host_is_usage_error() -> None:
    proc = run("render", "--sample", "--host", "nowhere.example.com")
    assert proc.returncode == 2
    assert "nowhere.example.com" in proc.stderr


def test_checks_lists_catalogue() -> None:
    out = io.StringIO()
    assert main(["checks"], stdout=out) == 0
    assert "MTLS001" in out.getvalue()


def test_unknown_ignore_is_usage_error() -> None:
    proc = run("check", "--sample", "--ignore", "MTLS999")
    assert proc.returncode == 2
    assert "MTLS999" in proc.stderr and "internal error" not in proc.stderr


def test_ignore_suppresses_but_keeps_finding() -> None:
    proc = run("check", "--sample", "--format", "json", "--fail-on", "never", "--ignore", "MTLS017")
    assert proc.returncode == 0, proc.stderr
    findings = [f for f in json.loads(proc.stdout)["findings"] if f["id"] == "MTLS017"]
    assert findings and all(f["suppressed"] for f in findings)


def test_broken_file_is_a_finding_and_the_rest_is_still_analysed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  bad: [\n")
    good = tmp_path / "cafe.yaml"
    good.write_text(CAFE_NO_TLS)
    proc = run("check", str(broken), str(good), "--format", "text")
    assert proc.returncode == 2  # input that could not be used (issue 12): exit 2, after the rest is printed
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    n = next(i for i, ln in enumerate(lines) if "[MTLS001]" in ln)
    # The message first, then its place once, on its own line.
    assert "broken.yaml" not in lines[n] and lines[n + 1].startswith("    at "), lines[n : n + 2]
    assert lines[n + 1].count("broken.yaml") == 1, lines[n + 1]
    assert "cafe.example.com" in proc.stdout  # the good file is still analysed


# --- CI habits (issue 12): no terminal, kubectl's -o/-f, did you mean, help, colour, verbosity, completion -----


def _cafe(tmp_path: Path) -> Path:
    manifest = tmp_path / "cafe.yaml"
    manifest.write_text(CAFE_NO_TLS)
    return manifest


def test_default_command_without_terminal_exits_2_pointing_at_check() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", "--sample"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert "mtls-inspect check" in line


def test_mistyped_command_is_an_error_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["chekc", "--sample"], stdout=io.StringIO())
    assert exc.value.code == 2
    assert "did you mean `mtls-inspect check`" in capsys.readouterr().err


def test_a_file_named_like_a_command_is_still_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chekc").write_text(CAFE_NO_TLS)
    with pytest.raises(SystemExit):
        main(["chekc"], stdout=io.StringIO())
    err = capsys.readouterr().err
    assert "did you mean" not in err and "no terminal" in err  # read as SOURCE of the TUI, which needs a terminal


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["check", "--sample", "--fail-onn", "never"], "did you mean --fail-on?"),
        (["check", "--sample", "--fail-on", "eror"], "did you mean error?"),
        (["check", "--sample", "-o", "jsn"], "did you mean json?"),
    ],
)
def test_mistyped_options_suggest(args: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args, stdout=io.StringIO())
    assert exc.value.code == 2
    assert suggestion in capsys.readouterr().err


def test_output_format_equals_file_repeatable(tmp_path: Path) -> None:
    manifest = _cafe(tmp_path)
    sarif, junit, gh = tmp_path / "m.sarif", tmp_path / "m.xml", tmp_path / "gh.txt"
    out = io.StringIO()
    code = main(
        ["check", str(manifest), "-o", f"sarif={sarif}", "-o", "json", "-o", f"junit={junit}", "-o", f"github={gh}"],
        stdout=out,
    )
    assert code == 1
    assert json.loads(out.getvalue())["schema"] == "mtls-inspect/report/v1"  # -o json prints JSON, not a file "json"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert "::error file=" in gh.read_text()
    assert not (tmp_path / "json").exists()


def test_only_one_output_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", str(_cafe(tmp_path)), "-o", "json", "-o", "github"], stdout=io.StringIO())
    assert exc.value.code == 2
    assert "stdout" in capsys.readouterr().err


def test_dash_f_is_a_source_as_in_kubectl(tmp_path: Path) -> None:
    _cafe(tmp_path)
    out = io.StringIO()
    assert main(["check", "-f", str(tmp_path), "-o", "json"], stdout=out) == 1
    assert any(h["host"] == "cafe.example.com" for h in json.loads(out.getvalue())["hosts"])



def test_dash_f_with_a_format_name_says_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["check", "--sample", "-f", "json"], stdout=io.StringIO())
    assert exc.value.code == 2
    assert "-f names a SOURCE, as in kubectl; the output format is -o json" in capsys.readouterr().err


def test_yaml_output_is_the_json_report(tmp_path: Path) -> None:
    import yaml

    manifest = _cafe(tmp_path)
    as_yaml, as_json = io.StringIO(), io.StringIO()
    main(["check", str(manifest), "-o", "yaml", "--fail-on", "never"], stdout=as_yaml)
    main(["check", str(manifest), "-o", "json", "--fail-on", "never"], stdout=as_json)
    assert yaml.safe_load(as_yaml.getvalue()) == json.loads(as_json.getvalue())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples_and_version(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out
    assert "examples:\n  mtls-inspect" in text
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("mtls-inspect ")


def test_explain_usage_names_host_path(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["explain", "--help"])
    assert "usage: mtls-inspect explain [options] [SOURCE ...] HOST[/PATH]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mode", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_color_modes(
    mode: str, env: dict[str, str], tty: bool, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.cli import _use_color

    for var in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert _use_color(Stream(), mode) is expected


def test_color_always_and_never_reach_the_text(tmp_path: Path) -> None:
    manifest = _cafe(tmp_path)
    coloured, plain = io.StringIO(), io.StringIO()
    main(["check", str(manifest), "--color", "always"], stdout=coloured)
    main(["check", str(manifest), "--color", "never"], stdout=plain)
    assert "\x1b[" in coloured.getvalue() and "\x1b[" not in plain.getvalue()


def test_quiet_prints_findings_only_and_verbose_more(tmp_path: Path) -> None:
    manifest = _cafe(tmp_path)
    quiet, normal, verbose = io.StringIO(), io.StringIO(), io.StringIO()
    main(["check", str(manifest), "-q"], stdout=quiet)
    main(["check", str(manifest)], stdout=normal)
    main(["check", str(manifest), "-v"], stdout=verbose)
    lines = quiet.getvalue().splitlines()
    assert lines and all(ln.startswith(("error [", "warning [", "info [")) for ln in lines), lines
    assert any("[MTLS016]" in ln and "cafe.yaml:" in ln for ln in lines)
    assert "NIC enforced: yes; outcome: 500" in verbose.getvalue()
    assert "NIC enforced" not in normal.getvalue()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    out = io.StringIO()
    assert main(["completion", shell], stdout=out) == 0
    script = out.getvalue()
    assert "mtls-inspect" in script and "check" in script and "--fail-on" in script
    if shell == "bash":
        assert "_shtab_compgen_files" in script  # SOURCE and FILE arguments complete file names


def test_checks_id_prints_one_page(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert main(["checks", "MTLS016"], stdout=out) == 0
    page = out.getvalue()
    assert page.startswith("## MTLS016 ingress-mtls-without-tls")
    assert "Remediation:" in page and "Example:" in page and "TLS must be enabled" in page
    assert "MTLS017" not in page
    with pytest.raises(SystemExit) as exc:
        main(["checks", "ingress-mtls-witout-tls"], stdout=io.StringIO())
    assert exc.value.code == 2
    assert "did you mean ingress-mtls-without-tls" in capsys.readouterr().err


# --- terminal escapes (issue 14 item 5): untrusted strings are made printable in every human output -------------

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
HEADER_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cafe
  annotations:
    nginx.org/proxy-set-headers: "X-A: \\e]52;c;aGVsbG8=\\a"
spec:
  ingressClassName: nginx
  rules:
  - host: cafe.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: tea
            port:
              number: 80
"""


def test_render_and_explain_print_no_raw_escape(tmp_path: Path) -> None:
    manifest = tmp_path / "cafe.yaml"
    manifest.write_text(HEADER_INGRESS)
    out = io.StringIO()
    assert main(["render", str(manifest)], stdout=out) == 0
    assert "\x1b" not in out.getvalue() and "\\x1b]52;c;aGVsbG8=" in out.getvalue()
    out = io.StringIO()
    assert main(["explain", str(manifest), f"cafe.example.com/x{OSC52}", "--color", "always"], stdout=out) == 0
    text = out.getvalue()
    assert "]52;" in text and "\x1b]52" not in text and "\x07" not in text
    assert "\x1b[" in text  # the colours themselves still reach the terminal


def test_stderr_messages_are_printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", str(tmp_path / f"x{OSC52}.yaml")], stdout=io.StringIO())
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "x\\x1b]52;c;aGVsbG8=\\x07.yaml" in err


def test_check_text_with_an_osc52_object_name(tmp_path: Path) -> None:
    manifest = tmp_path / "ing.yaml"
    # The API server refuses the name (MTLS003), whose message quotes it: the quote must not reach a terminal raw.
    manifest.write_text(HEADER_INGRESS.replace("  name: cafe\n", '  name: "cafe\\e]52;c;aGVsbG8=\\a"\n'))
    for fmt in ("text", "github", "markdown"):
        out = io.StringIO()
        main(["check", str(manifest), "-o", fmt], stdout=out)
        assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue(), fmt
        assert "cafe\\x1b]52;c;aGVsbG8=\\x07" in out.getvalue(), fmt


def test_dash_o_selects_the_format_of_explain_and_checks() -> None:
    out = io.StringIO()
    assert main(["explain", "--sample", "cafe.example.com/tea", "-o", "json"], stdout=out) == 0
    assert json.loads(out.getvalue())["schema"] == "mtls-inspect/explain/v1"
    out = io.StringIO()
    assert main(["checks", "-o", "json"], stdout=out) == 0
    assert json.loads(out.getvalue())[0]["id"] == "MTLS001"


def test_explain_piped_is_not_cut() -> None:
    import os as _os

    env = {k: v for k, v in _os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", "explain", "--sample", "shop.example.com/api"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    assert "sample-cluster/mergeable/api-minion.yaml" in proc.stdout


def test_json_pieces_reach_every_kind_of_stream_unchanged(tmp_path: Path) -> None:
    """The JSON report is written as UTF-8 pieces to a binary stdout (never joined or decoded into one text),
    decoded for a text stream without a buffer or with another encoding, and as bytes to a file."""
    from inspector.cli import _write

    payload = '{\n  "host": "café.example.com"\n}\n'
    pieces = [p.encode("utf-8") for p in ('{\n  "host": ', '"café.example.com"', "\n}\n")]
    raw = io.BytesIO()
    utf8 = io.TextIOWrapper(raw, encoding="utf-8")
    utf8.write("before ")  # text already written stays in order before the bytes
    _write(iter(pieces), None, utf8)
    assert raw.getvalue().decode("utf-8") == "before " + payload
    plain = io.StringIO()
    _write(iter(pieces), "-", plain)
    assert plain.getvalue() == payload
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    _write(iter(pieces), None, latin)
    latin.flush()
    assert latin.buffer.getvalue().decode("latin-1") == payload  # type: ignore[attr-defined]
    target = tmp_path / "report.json"
    _write(iter(pieces), str(target), plain)
    assert target.read_text(encoding="utf-8") == payload


def test_json_written_in_pieces_is_the_whole_documents_bytes() -> None:
    """``dump_chunks`` of the report's document equals ``dumps`` of the whole dict, for the sample (hosts and
    findings streamed) and for edge shapes: empty lists, nested empties, non-ASCII, escapes, an empty document."""
    from inspector._json import dump_chunks, dumps
    from inspector.model import ControllerSettings
    from inspector.report import build_report, json_document, to_json
    from inspector.samples import path as sample_path
    from inspector.sources.convert import load_cluster

    report = build_report(load_cluster([str(sample_path())]), ControllerSettings())
    assert b"".join(dump_chunks(*json_document(report))).decode("utf-8") == dumps(to_json(report), newline=True)
    doc = {"a": [], "b": {"c": [], "d": {}}, "e": None, "f": ["x\ny", "é\u2028", {"g": [1, [2, []]]}]}
    lazy = {"a": iter([]), "f": iter(["x\ny", "é\u2028", {"g": [1, [2, []]]}])}
    assert b"".join(dump_chunks(doc, lazy)).decode("utf-8") == dumps({**doc, "a": []}, newline=True)
    assert b"".join(dump_chunks({}, {})).decode("utf-8") == dumps({}, newline=True)
