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
    line = next(ln for ln in proc.stdout.splitlines() if "[MTLS001]" in ln)
    assert line.count("broken.yaml") == 1, line  # the place is named once, in the (Kind file:line) part
    assert "cafe.example.com" in proc.stdout  # the good file is still analysed
