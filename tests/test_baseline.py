"""Baselines: --create-baseline writes today's findings, --baseline reports them as such without failing on them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_checks_helpers import ca_secret, ingress, ingress_policy, service
from test_output import _schema_validate

from inspector.cli import main

NS = "t"


def _write(path: Path, *hosts: str) -> None:
    docs = [service("app", NS), ca_secret("ca", NS), ingress_policy("p", NS, "ca")]
    docs += [ingress(f"ing{n}", NS, host, policies="p") for n, host in enumerate(hosts)]  # each MTLS016 (500)
    path.write_text("---\n".join(docs), encoding="utf-8")


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["check", "--no-config", *args], stdout=out), out.getvalue()


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = _run(*args, "-o", "json")
    return code, json.loads(out)


def test_baseline_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "cafe.yaml"
    _write(manifest, "a.example.com")
    assert _run(str(manifest))[0] == 1
    code, _ = _run(str(manifest), "--create-baseline", "base.json")
    assert code == 0  # what is in the baseline just written does not fail the run that wrote it
    base = json.loads((tmp_path / "base.json").read_text())
    assert base["schema"] == "mtls-inspect/baseline/v1" and [e["id"] for e in base["findings"]] == ["MTLS016"]
    assert "tls.key" not in (tmp_path / "base.json").read_text()

    code, report = _json(str(manifest), "--baseline", "base.json")
    assert code == 0
    (f,) = [f for f in report["findings"] if f["id"] == "MTLS016"]
    assert f["baseline_state"] == "unchanged" and not f["suppressed"]
    assert report["summary"]["baselined"] == 1 and report["summary"]["errors"] == 0

    # A new finding on another host fails the run; the old one stays baselined. Moving lines keeps the fingerprint.
    _write(manifest, "a.example.com", "b.example.com")
    manifest.write_text("# a comment that moves every line\n" + manifest.read_text())
    code, report = _json(str(manifest), "--baseline", "base.json")
    assert code == 1
    states = {f["host"]: f["baseline_state"] for f in report["findings"] if f["id"] == "MTLS016"}
    assert states == {"a.example.com": "unchanged", "b.example.com": "new"}

    code, text = _run(str(manifest), "--baseline", "base.json")
    assert "in the baseline\n" in text and "1 in the baseline" in text
    body = text[: text.index("in the baseline\n")]
    assert "b.example.com" in body and "[MTLS016]" in body

    _run(str(manifest), "--baseline", "base.json", "-o", "sarif=m.sarif")
    log = json.loads((tmp_path / "m.sarif").read_text())
    _schema_validate(log)
    results = log["runs"][0]["results"]
    assert sorted(r["baselineState"] for r in results if r["ruleId"] == "MTLS016") == ["new", "unchanged"]

    # JUnit skips the baselined case, GitHub annotates only the new finding.
    _run(str(manifest), "--baseline", "base.json", "-o", "junit=m.xml", "-o", "github=gh.txt")
    xml = (tmp_path / "m.xml").read_text()
    assert 'message="in the baseline"' in xml and xml.count("<failure ") == 1
    annotations = [ln for ln in (tmp_path / "gh.txt").read_text().splitlines() if ln.startswith("::error")]
    assert len(annotations) == 1 and "b.example.com" in annotations[0]


def test_a_sarif_log_serves_as_a_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "cafe.yaml"
    _write(manifest, "a.example.com")
    _run(str(manifest), "-o", "sarif=last.sarif")
    assert _run(str(manifest), "--baseline", "last.sarif")[0] == 0


@pytest.mark.parametrize("content", ["not json", '{"schema": "other"}'])
def test_unusable_baseline_is_exit_2(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "cafe.yaml", "a.example.com")
    (tmp_path / "base.json").write_text(content)
    with pytest.raises(SystemExit) as exc:
        _run("cafe.yaml", "--baseline", "base.json")
    assert exc.value.code == 2
    assert "base.json" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run("cafe.yaml", "--baseline", "missing.json")
    assert "missing.json" in capsys.readouterr().err


def test_fingerprints_do_not_depend_on_how_the_path_was_spelt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from inspector.analysis.baseline import stable_file

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "k8s").mkdir()
    manifest = tmp_path / "k8s" / "cafe.yaml"
    manifest.write_text("")
    monkeypatch.chdir(tmp_path / "k8s")
    spellings = [f"{manifest}:3", "cafe.yaml:3", "../k8s/cafe.yaml:9", "./cafe.yaml"]
    assert {stable_file(s) for s in spellings} == {"k8s/cafe.yaml"}
    assert stable_file("<stdin>:4") == "<stdin>"
