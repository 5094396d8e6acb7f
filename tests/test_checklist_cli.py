"""``mtls-inspect checklist HOST``: the TUI's sign-off for a pipeline, the same steps and verdicts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from inspector.cli import main
from tests.shared import NIC_EXAMPLES, need


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["checklist", *args], stdout=out)
    return code, out.getvalue()


def test_markdown_sign_off_of_a_sample_host() -> None:
    code, text = _run("cafe.example.com", "--sample")
    assert code == 0
    assert text.startswith("# mTLS rollout sign-off: cafe.example.com\n")
    assert "replaying NGINX Ingress Controller 5.6's rules" in text
    assert "[PASS]" in text and "## ingressMTLS" in text
    assert "sha256:" in text  # inputs with their digests


def test_json_never_passes_a_rejected_policy_and_lists_other_findings() -> None:
    egress = need(NIC_EXAMPLES / "ingress-resources" / "egress-mtls")
    code, text = _run("webapp.example.com", str(egress), "-o", "json")
    assert code == 0
    doc = json.loads(text)
    assert doc["schema"] == "mtls-inspect/checklist/v1" and doc["host"] == "webapp.example.com"
    assert [s["number"] for s in doc["steps"]] == list(range(1, len(doc["steps"]) + 1))
    egress_steps = [s for s in doc["steps"] if s["policy_type"] == "egressMTLS"]
    assert egress_steps and all(s["verdict"] != "pass" for s in egress_steps)  # the Secrets are not in the input
    assert "MTLS067" in {f["id"] for f in doc["other_findings"]}


def test_written_to_a_file_never_over_an_earlier_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "signoff.json"
    code, out = _run("cafe.example.com", "--sample", "-o", f"json={target}")
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["host"] == "cafe.example.com"
    with pytest.raises(SystemExit) as exc:
        _run("cafe.example.com", "--sample", "-o", f"json={target}")
    assert exc.value.code == 2
    assert "never overwritten" in capsys.readouterr().err


def test_an_unknown_host_is_exit_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _run("cafe.exmple.com", "--sample")
    assert exc.value.code == 2
    assert "did you mean cafe.example.com?" in capsys.readouterr().err
