"""The CI gate through the real command line: every false green of issue 12 exits non-zero, helm output points
at chart files in every format, and the awkward environments of issue 14 (closed stdout, /dev/full, loops) end in
one clear line instead of an internal error."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.exit_codes import UNUSABLE_INPUT_CHECKS, ExitCode, check_exit, unusable_input_note

REPO = Path(__file__).resolve().parent.parent

POLICY = """\
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: mtls
spec:
  ingressMTLS:
    clientCertSecret: ca
    verifyClient: "on"
    verifyDepth: -1
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: tea-svc
spec:
  ports:
  - port: 80
"""
HELM = f"""\
---
# Source: cafe/templates/service.yaml
{SERVICE}---
# Source: cafe/templates/policy.yaml
{POLICY}---
# Source: cafe/templates/broken.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  labels: [
"""


def run(
    *args: str,
    stdin: str | bytes | None = None,
    cwd: Path | None = None,
    stdin_file: object = None,
    stdout_file: object = None,
    close_fd: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process; ``close_fd`` 0 or 1 starts it with stdin or stdout closed (``<&-``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", *args],
        input=data,
        stdin=stdin_file if data is None else None,
        stdout=stdout_file if stdout_file is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
        cwd=cwd,
        env=env,
        preexec_fn=(lambda: os.close(close_fd)) if close_fd is not None else None,
    )
    out = proc.stdout.decode(errors="replace") if proc.stdout else ""
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, proc.stderr.decode(errors="replace"))


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """The CLI's main function in this process (fast): stdin fed from bytes, stdout and stderr captured."""

    def call(*args: str, stdin: str | bytes = b"", cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        data = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
        out = io.StringIO()
        capsys.readouterr()
        try:
            code = main(list(args), stdout=out)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return Result(code, out.getvalue(), capsys.readouterr().err)

    return call


def findings(proc: subprocess.CompletedProcess[str] | Result) -> list[dict[str, object]]:
    return list(json.loads(proc.stdout)["findings"])


def one_line(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr and "Exception ignored" not in stderr


# --- false greens ------------------------------------------------------------------------------------------------


def test_concatenated_manifests_exit_2_in_every_format(tmp_path: Path, cli: Callable[..., Result]) -> None:
    manifest = tmp_path / "cat.yaml"
    manifest.write_text(POLICY + SERVICE)  # the `---` is missing: the two would merge into one object
    for fmt in ("text", "json", "sarif", "junit"):
        proc = cli("check", "cat.yaml", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == ExitCode.UNUSABLE_INPUT, (fmt, proc.stderr)
        assert "MTLS001" in proc.stdout, fmt
        assert "apiVersion" in proc.stdout and "already defined at line 1" in proc.stdout, fmt
        assert proc.stderr == "mtls-inspect: some input could not be used (MTLS001 in the findings): exit code 2\n"
    found = findings(cli("check", "cat.yaml", "-o", "json", cwd=tmp_path))
    assert [(f["id"], f["source"]) for f in found] == [("MTLS001", "cat.yaml:10")]  # the second apiVersion


def test_fail_on_never_and_ignore_do_not_turn_unusable_input_green(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  bad: [\n")
    (tmp_path / "svc.yaml").write_text(SERVICE)
    never = cli("check", ".", "--fail-on", "never", "-o", "json", cwd=tmp_path)
    assert never.returncode == 2
    assert [f["id"] for f in findings(never)] == ["MTLS001"]
    ignored = cli("check", ".", "--ignore", "MTLS001", "-o", "json", cwd=tmp_path)
    assert ignored.returncode == 2
    [finding] = findings(ignored)
    assert finding["id"] == "MTLS001" and finding["suppressed"] is True  # still listed, marked suppressed
    both = cli("check", ".", "--ignore", "MTLS001", "--fail-on", "never", "-o", "sarif", cwd=tmp_path)
    assert both.returncode == 2
    [result] = json.loads(both.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "MTLS001" and result["suppressions"]
    text = cli("check", ".", "--ignore", "MTLS001", cwd=tmp_path)
    assert text.returncode == 2 and "MTLS001" in text.stdout


@pytest.mark.parametrize("stdin", ["", "# helm template failed before printing anything\n"])
def test_empty_stdin_exits_2(stdin: str, cli: Callable[..., Result]) -> None:
    proc = cli("check", "-", stdin=stdin)
    assert proc.returncode == 2
    assert "[MTLS006]" in proc.stdout and "nothing was checked" in proc.stdout
    assert "MTLS006" in proc.stderr
    proc = cli("check", "-", "--fail-on", "never", "--ignore", "MTLS006", "-o", "json", stdin=stdin)
    assert proc.returncode == 2 and [f["id"] for f in findings(proc)] == ["MTLS006"]


def test_empty_folder_exits_2(tmp_path: Path, cli: Callable[..., Result]) -> None:
    proc = cli("check", str(tmp_path), "-o", "json")
    assert proc.returncode == 2
    assert [f["id"] for f in findings(proc)] == ["MTLS006"]


def test_clean_input_still_exits_0_and_findings_still_exit_1(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    clean = cli("check", "svc.yaml", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stderr == ""
    (tmp_path / "policy.yaml").write_text(POLICY)  # verifyDepth -1: NIC rejects it, input is fine
    failing = cli("check", ".", "-o", "json", cwd=tmp_path)
    assert failing.returncode == 1, failing.stderr
    assert not {f["id"] for f in findings(failing)} & UNUSABLE_INPUT_CHECKS


def test_render_and_explain_name_unusable_input_on_stderr_and_exit_2(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    proc = cli("render", "-", stdin="")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "mtls-inspect: <stdin>: stdin is empty: nothing was checked (did the command before the | fail?) [MTLS006]",
        "mtls-inspect: some input could not be used (MTLS006 in the findings): exit code 2",
    ]
    sample = cli("explain", "--sample", "-", "cafe.example.com/tea", stdin=POLICY + SERVICE)
    assert sample.returncode == 2, sample.stderr
    assert "cafe.example.com" in sample.stdout  # the rest was analysed and printed
    assert "[MTLS001]" in sample.stderr


# --- helm output ---------------------------------------------------------------------------------------------


def test_helm_stream_places_findings_in_templates_in_text_json_and_sarif(cli: Callable[..., Result]) -> None:
    text = cli("check", "-", stdin=HELM)
    assert text.returncode == 2
    assert "    at Policy default/mtls cafe/templates/policy.yaml:" in text.stdout  # the place under its message
    assert "    at cafe/templates/broken.yaml:" in text.stdout
    report = json.loads(cli("check", "-", "-o", "json", stdin=HELM).stdout)
    sources = {r["name"]: r["source"] for r in report["resources"]}
    assert sources == {"tea-svc": "cafe/templates/service.yaml:1", "mtls": "cafe/templates/policy.yaml:1"}
    sarif = json.loads(cli("check", "-", "-o", "sarif", stdin=HELM).stdout)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
        if "physicalLocation" in loc
    }
    assert uris == {"cafe/templates/policy.yaml", "cafe/templates/broken.yaml"}


def test_stdin_name_names_plain_stdin_documents(cli: Callable[..., Result]) -> None:
    proc = cli("check", "-", "--stdin-name", "release.yaml", "-o", "json", stdin=POLICY)
    assert {r["source"] for r in json.loads(proc.stdout)["resources"]} == {"release.yaml:1"}
    assert all(str(f["source"]).startswith("release.yaml:") for f in findings(proc))


def test_chart_and_kustomization_folders_name_the_command_to_run(tmp_path: Path, cli: Callable[..., Result]) -> None:
    chart = tmp_path / "cafe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cafe\nversion: 0.1.0\n")
    (chart / "templates" / "svc.yaml").write_text("metadata:\n  name: {{ .Release.Name }}\n")
    proc = cli("check", ".", cwd=chart)
    assert proc.returncode == 2
    assert proc.stdout.count("[MTLS") == 1
    assert "helm template . | mtls-inspect check -" in proc.stdout
    kustomize = tmp_path / "overlay"
    kustomize.mkdir()
    (kustomize / "kustomization.yaml").write_text("resources: []\n")
    proc = cli("check", "overlay", "-o", "json", cwd=tmp_path)
    assert proc.returncode == 2
    [finding] = findings(proc)
    assert str(finding["message"]).endswith("kubectl kustomize overlay | mtls-inspect check -")


# --- bounds and awkward environments -----------------------------------------------------------------------------


def test_dev_zero_on_stdin_ends_quickly_with_a_finding() -> None:
    with open("/dev/zero", "rb") as zero:
        proc = run("check", "-", "--max-file-size", "8MiB", "-o", "json", stdin_file=zero)
    assert proc.returncode == 2
    assert [f["message"] for f in findings(proc)] == [
        "more than 8 MiB: too large to be a manifest, not read (--max-file-size)"
    ]


def test_max_file_size_is_a_setting(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE + "#" * 2000)
    small = cli("check", "svc.yaml", "--max-file-size", "1k", "-o", "json", cwd=tmp_path)
    assert small.returncode == 2 and "more than 1,000 bytes" in str(findings(small)[0]["message"])
    assert cli("check", "svc.yaml", cwd=tmp_path).returncode == 0
    bad = cli("check", "svc.yaml", "--max-file-size", "lots", cwd=tmp_path)
    assert bad.returncode == 2 and "--max-file-size" in bad.stderr and "is not a size" in bad.stderr


def test_a_file_over_16_mib_is_read_one_over_the_limit_is_mtls001(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """Issue 15: a 25 MB dump of 50k objects must be checkable (the old limit was 16 MiB), and the limit a setting
    (command line and config file) that still ends with MTLS001 and exit 2 when a file is larger."""
    line = "# " + "x" * 97 + "\n"  # comment lines: 17 MiB that YAML reads in a fraction of a second
    padding = line * (17 * 1024 * 1024 // len(line) + 1)
    dump = tmp_path / "dump.yaml"
    dump.write_text("---\n" + padding + SERVICE)
    assert dump.stat().st_size > 17 * 1024 * 1024
    read = cli("check", "dump.yaml", "-o", "json", cwd=tmp_path)
    assert read.returncode == 0, read.stderr
    [service] = json.loads(read.stdout)["resources"]
    assert (service["name"], service["source"]) == ("tea-svc", f"dump.yaml:{padding.count(chr(10)) + 2}")

    refused = cli("check", "dump.yaml", "--max-file-size", "16MiB", "-o", "json", cwd=tmp_path)
    assert refused.returncode == ExitCode.UNUSABLE_INPUT
    assert [(f["id"], f["message"]) for f in findings(refused)] == [
        ("MTLS001", "more than 16 MiB: too large to be a manifest, not read (--max-file-size)")
    ]
    (tmp_path / ".mtls-inspect.yaml").write_text("max-file-size: 16MiB\n")
    configured = cli("check", "dump.yaml", "-o", "json", cwd=tmp_path)
    assert configured.returncode == ExitCode.UNUSABLE_INPUT and findings(configured) == findings(refused)
    assert cli("check", "dump.yaml", "--max-file-size", "64MiB", cwd=tmp_path).returncode == 0  # the flag wins

    (tmp_path / ".mtls-inspect.yaml").unlink()
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as out:
        out.truncate(64 * 1024 * 1024 + 1)  # sparse: one byte over the default limit costs no disk
    over = cli("check", "huge.yaml", "-o", "json", cwd=tmp_path)
    assert over.returncode == ExitCode.UNUSABLE_INPUT
    assert [(f["id"], f["message"]) for f in findings(over)] == [
        ("MTLS001", "more than 64 MiB: too large to be a manifest, not read (--max-file-size)")
    ]


def test_closed_stdout_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    closed = run("check", "svc.yaml", cwd=tmp_path, stdout_file=subprocess.DEVNULL, close_fd=1)
    assert closed.returncode == 2
    assert closed.stderr == "mtls-inspect: stdout is closed: nothing could be printed (redirect it to a file)\n"


def test_full_disk_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    with open("/dev/full", "w") as full:
        full_disk = run("check", "svc.yaml", "-o", "json", cwd=tmp_path, stdout_file=full)
    assert full_disk.returncode == 2
    assert full_disk.stderr == "mtls-inspect: cannot write the output: No space left on device\n"


def test_closed_stdin_is_a_finding() -> None:
    stdin_closed = run("check", "-", "-o", "json", stdin_file=subprocess.DEVNULL, close_fd=0)
    assert stdin_closed.returncode == 2
    assert [f["message"] for f in findings(stdin_closed)] == ["stdin is closed"]
    one_line(stdin_closed.stderr)


def test_symlink_loop_as_source_is_one_line(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    loop = cli("check", "a.yaml", cwd=tmp_path)
    assert loop.returncode == 2
    assert loop.stderr == "mtls-inspect: a.yaml: symbolic link loop (too many levels of symbolic links)\n"


def test_symlink_out_of_the_folder_is_a_finding_and_exit_2(tmp_path: Path, cli: Callable[..., Result]) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("TOKEN=hunter2-do-not-print\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "svc.yaml").write_text(SERVICE)
    (repo / "leak.yaml").symlink_to(secret)
    proc = cli("check", "repo", "-o", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert [(f["id"], f["source"]) for f in findings(proc)] == [("MTLS009", "repo/leak.yaml")]
    assert "hunter2" not in proc.stdout and "hunter2" not in proc.stderr


# --- the decision itself -----------------------------------------------------------------------------------------


class F:
    def __init__(self, id: str, severity: str, suppressed: bool = False) -> None:
        self.id, self.severity, self.suppressed = id, severity, suppressed


@pytest.mark.parametrize(
    ("found", "fail_on", "code"),
    [
        ([], "error", 0),
        ([F("MTLS019", "error")], "error", 1),
        ([F("MTLS019", "error")], "never", 0),
        ([F("MTLS019", "error", suppressed=True)], "error", 0),
        ([F("MTLS061", "warning")], "error", 0),
        ([F("MTLS061", "warning")], "warning", 1),
        ([F("MTLS100", "info")], "warning", 0),
        ([F("MTLS001", "error", suppressed=True)], "never", 2),
        ([F("MTLS006", "error")], "never", 2),
        ([F("MTLS009", "error", suppressed=True), F("MTLS019", "error")], "error", 2),
    ],
)
def test_check_exit(found: list[F], fail_on: str, code: int) -> None:
    assert check_exit(found, fail_on) == code


def test_unusable_input_note_and_bad_fail_on() -> None:
    assert unusable_input_note([F("MTLS019", "error")]) is None
    assert unusable_input_note([F("MTLS009", "error"), F("MTLS001", "error"), F("MTLS001", "error")]) == (
        "some input could not be used (MTLS001, MTLS009 in the findings): exit code 2"
    )
    with pytest.raises(ValueError):
        check_exit([], "sometimes")


def test_tui_details_read_the_template_origin() -> None:
    """The TUI reads the same Origin the loader set: the details pane names the chart file, not the stream."""
    from rich.console import Console

    from inspector.model import ControllerSettings
    from inspector.report import build_report
    from inspector.sources.convert import load_cluster
    from inspector.tui.details import item_details
    from inspector.tui.view import build_view

    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: cafe\n  annotations:\n"
        "    nginx.org/policies: mtls\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: cafe.example.com\n"
        "    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n"
        "            name: tea-svc\n            port:\n              number: 80\n"
    )
    stream = f"---\n# Source: cafe/templates/policy.yaml\n{POLICY}---\n# Source: cafe/templates/ingress.yaml\n{ingress}"
    report = build_report(load_cluster(["-"], stdin=stream.encode()), ControllerSettings())
    host = next(i for root in build_view(report).roots for i in root.walk() if i.kind == "host")
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(item_details(report, host))
    text = console.export_text()
    assert "cafe/templates/ingress.yaml:1" in text
    assert "<stdin>" not in text


def test_non_utf8_file_name_is_printable_in_sarif_and_text(tmp_path: Path) -> None:
    with open(os.fsencode(tmp_path) + b"/caf\xe9.yaml", "wb") as out:
        out.write(b"- not an object\n")
    sarif = run("check", ".", "-o", "sarif", cwd=tmp_path)
    one_line(sarif.stderr)
    assert sarif.returncode == 2  # only a non-object: no Kubernetes object at all
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(sarif.stdout)["runs"][0]["results"]
        for loc in result["locations"]
        if "physicalLocation" in loc
    ]
    assert "caf%5Cxe9.yaml" in uris  # the printable name, percent-encoded (a raw backslash is no valid URI)
    text = run("check", ".", cwd=tmp_path)
    assert "caf\\xe9.yaml:1" in text.stdout
