"""Where CI users meet the tool: the composite action's shell steps and the pre-commit hooks, run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BROKEN = """\
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
      - path: /
        pathType: Prefix
        backend:
          service:
            name: tea
            port:
              number: 80
"""


def _shim(tmp_path: Path) -> Path:
    """An ``mtls-inspect`` on PATH that is this checkout under this interpreter (the install step is pip's job)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "mtls-inspect"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m inspector "$@"\n')
    shim.chmod(0o755)
    return bindir


def _expr(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr == "steps.check.outputs.exit-code":
            return outputs.get("exit-code", "")
        if expr == "github.action_path":
            return str(REPO)
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", sub, value)


def _run_action(tmp_path: Path, workspace: Path, **given: str) -> tuple[int, dict[str, str], str]:
    action: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(given)
    missing = [k for k, v in action["inputs"].items() if v.get("required") and k not in given]
    assert not missing, f"required inputs: {missing}"
    outputs: dict[str, str] = {}
    gh_output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{_shim(tmp_path)}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(gh_output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
    }
    log = ""
    code = 0
    for step in action["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach the script only through env"
        step_env = {k: _expr(str(v), inputs, outputs) for k, v in step.get("env", {}).items()}
        script = tmp_path / f"{step.get('id', 'step')}.sh"
        script.write_text(step["run"])
        # GitHub runs a bash step as `bash --noprofile --norc -eo pipefail {0}`.
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        log += proc.stdout + proc.stderr
        code = proc.returncode
        if gh_output.exists():
            outputs.update(dict(ln.split("=", 1) for ln in gh_output.read_text().splitlines() if "=" in ln))
        if code != 0:
            break
    return code, outputs, log + (summary.read_text() if summary.exists() else "")


def test_action_steps_annotate_write_sarif_and_fail_the_job(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "k8s").mkdir(parents=True)
    (workspace / "k8s" / "cafe.yaml").write_text(BROKEN)
    code, outputs, log = _run_action(tmp_path, workspace, path="k8s/", args="--ignore MTLS011")
    assert outputs["exit-code"] == "1" and code == 1
    assert "::error file=k8s/cafe.yaml,line=" in log and "title=MTLS016" in log
    assert "## mtls-inspect" in (tmp_path / "summary.md").read_text()
    sarif = workspace / "mtls-inspect.sarif"
    assert sarif.is_file() and '"version": "2.1.0"' in sarif.read_text()


def test_action_steps_pass_when_nothing_fails(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "cafe.yaml").write_text(BROKEN)
    code, outputs, log = _run_action(tmp_path, workspace, path="cafe.yaml", **{"fail-on": "never"})
    assert (code, outputs["exit-code"]) == (0, "0"), log
    assert "nothing at or above fail-on" in log


def test_action_steps_report_unusable_input_as_exit_2(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    code, outputs, log = _run_action(tmp_path, workspace, path="missing.yaml")
    assert (code, outputs["exit-code"]) == (2, "2"), log
    assert "missing.yaml" in log


def test_action_uploads_sarif_only_when_asked() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    upload = next(s for s in action["runs"]["steps"] if str(s.get("uses", "")).startswith("github/codeql-action"))
    assert "inputs.upload-sarif == 'true'" in upload["if"] and upload["with"]["sarif_file"] == "${{ inputs.sarif }}"


def test_pre_commit_hook_entry_runs_on_the_changed_files(tmp_path: Path) -> None:
    """What pre-commit does with the hook, without installing its environment: the entry plus the file names."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["mtls-inspect-all"]["pass_filenames"] is False
    (tmp_path / "cafe.yaml").write_text(BROKEN)
    entry = hooks["mtls-inspect"]["entry"].split()
    assert entry[0] == "mtls-inspect"
    proc = subprocess.run(
        [sys.executable, "-m", "inspector", *entry[1:], "cafe.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "[MTLS016]" in proc.stdout and "\x1b[" not in proc.stdout


@pytest.mark.skipif(
    not (os.environ.get("MTLS_INSPECT_SLOW_TESTS") or os.environ.get("CI") == "true"),
    reason="pre-commit installs the hook's environment from PyPI (about 40 s): runs in CI, or set "
    "MTLS_INSPECT_SLOW_TESTS=1",
)
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "cafe.yaml").write_text(BROKEN)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(
        [pre_commit, "try-repo", str(REPO), "mtls-inspect", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[MTLS016]" in proc.stdout and "Failed" in proc.stdout
