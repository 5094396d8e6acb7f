"""``mtls-inspect diff``: pairs of real-shaped states (the bundled sample's manifests and certificates, edited the way a
pull request would), one per verdict, and git revisions made in a temporary repository."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from inspector import samples
from inspector.cli import main
from inspector.pki import make_ca

SAMPLE = samples.path()


def _state(root: Path, *folders: str) -> Path:
    root.mkdir(parents=True)
    shutil.copy(SAMPLE / "00-namespaces.yaml", root)
    for folder in folders:
        shutil.copytree(SAMPLE / folder, root / folder)
    return root


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text, (file, old)
    file.write_text(text.replace(old, new))


def _diff(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["diff", *args], stdout=out)
    return code, out.getvalue()


def _changes(*args: str) -> list[dict[str, object]]:
    code, out = _diff(*args, "-o", "json", "--fail-on", "never")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "mtls-inspect/diff/v1"
    changes: list[dict[str, object]] = doc["changes"]
    return changes


@pytest.fixture()
def cafe(tmp_path: Path) -> tuple[Path, Path]:
    return _state(tmp_path / "before", "cafe", "vs-egress-mtls"), _state(tmp_path / "after", "cafe", "vs-egress-mtls")


def test_host_dropped_from_tls_hosts_is_weakened_fail_open_and_exits_1(cafe: tuple[Path, Path]) -> None:
    before, after = cafe
    _edit(
        after / "cafe" / "cafe-ingress.yaml",
        "    - cafe.example.com\n    secretName",
        "    - tea.example.com\n    secretName",
    )
    code, text = _diff(str(before), str(after))
    assert code == 1
    assert text.splitlines()[2] == "cafe.example.com"
    changes = _changes(str(before), str(after))
    outcome = next(c for c in changes if c["aspect"] == "outcome")
    assert outcome["verdict"] == "weakened" and outcome["path"] is None
    assert outcome["before"] == "serves" and str(outcome["after"]).startswith("fail-open")
    assert outcome["objects"]["after"][0]["source"].endswith("cafe/cafe-ingress.yaml:3")  # type: ignore[index]
    assert {c["host"] for c in changes} == {"cafe.example.com"}


def test_no_change_exits_0(cafe: tuple[Path, Path]) -> None:
    code, text = _diff(str(cafe[0]), str(cafe[1]))
    assert code == 0
    assert "No change" in text


def test_verify_client_optional_is_weakened_and_the_reverse_strengthened(cafe: tuple[Path, Path]) -> None:
    before, after = cafe
    _edit(after / "cafe" / "ingress-mtls-policy.yaml", 'verifyClient: "on"', 'verifyClient: "optional"')
    (change,) = _changes(str(before), str(after))
    assert (change["aspect"], change["verdict"], change["before"], change["after"]) == (
        "client_verification",
        "weakened",
        "on",
        "optional",
    )
    (back,) = _changes(str(after), str(before))
    assert back["verdict"] == "strengthened"
    assert _diff(str(after), str(before))[0] == 0


def test_upstream_verification_switched_off_is_weakened(cafe: tuple[Path, Path]) -> None:
    before, after = cafe
    _edit(after / "vs-egress-mtls" / "egress-mtls.yaml", "verifyServer: on", "verifyServer: off")
    (change,) = _changes(str(before), str(after))
    assert change["host"] == "secure-webapp.example.com" and change["path"] == "/"
    assert (change["aspect"], change["verdict"]) == ("upstream_verification", "weakened")


def _ca_secret_yaml(*pems: bytes) -> str:
    data = base64.b64encode(b"".join(pems)).decode()
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ingress-mtls-secret\n  namespace: default\n"
        f"type: nginx.org/ca\ndata:\n  ca.crt: {data}\n"
    )


def test_a_bundle_that_trusts_more_issuers_is_weakened_and_a_rotated_ca_changed(tmp_path: Path) -> None:
    one, two, three = (make_ca(f"diff test CA {i}") for i in range(3))
    states = {}
    for name, pems in {
        "one": (one.cert_pem,),
        "both": (one.cert_pem, two.cert_pem),
        "other": (three.cert_pem,),
    }.items():
        root = _state(tmp_path / name, "cafe")
        secrets = root / "cafe" / "secrets.yaml"
        kept = [d for d in secrets.read_text().split("\n---\n") if "name: ingress-mtls-secret" not in d]
        secrets.write_text("\n---\n".join([*kept, _ca_secret_yaml(*pems)]))
        states[name] = str(root)
    (more,) = _changes(states["one"], states["both"])
    assert (more["aspect"], more["verdict"]) == ("client_ca", "weakened")
    assert "diff test CA 1" in str(more["after"]) and "diff test CA 1" not in str(more["before"])
    assert more["objects"]["after"][1]["kind"] == "Secret"  # type: ignore[index]
    (fewer,) = _changes(states["both"], states["one"])
    assert fewer["verdict"] == "strengthened"
    (rotated,) = _changes(states["one"], states["other"])
    assert (rotated["verdict"], rotated["why"]) == ("changed", "a different CA (rotated?)")


def test_policy_that_no_longer_applies_is_weakened(cafe: tuple[Path, Path]) -> None:
    before, after = cafe
    _edit(after / "cafe" / "cafe-ingress.yaml", '    nginx.org/policies: "ingress-mtls-policy"\n', "")
    verdicts = {c["aspect"]: c["verdict"] for c in _changes(str(before), str(after))}
    assert verdicts == {"client_verification": "weakened", "ingress_policy": "weakened"}


def test_a_host_that_appears_is_changed_and_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    before = _state(tmp_path / "before", "cafe")
    after = _state(tmp_path / "after", "cafe", "webapp")
    changes = _changes(str(before), str(after))
    assert {(c["host"], c["aspect"], c["verdict"], c["after"]) for c in changes if c["path"] is None} == {
        ("webapp.example.com", "presence", "changed", "present")
    }
    assert _diff(str(before), str(after))[0] == 0
    assert _diff(str(before), str(after), "--fail-on", "changed")[0] == 1
    assert _diff(str(after), str(before), "--fail-on", "never")[0] == 0


def test_sides_by_dashes_and_by_flags(tmp_path: Path) -> None:
    before = _state(tmp_path / "before", "cafe")
    after = _state(tmp_path / "after", "webapp")
    extra = _state(tmp_path / "extra", "cafe")
    by_dash = _changes(str(before), "--", str(after), str(extra))
    by_flags = _changes("--before", str(before), "--after", str(after), "--after", str(extra))
    assert by_dash == by_flags
    assert {c["host"] for c in by_dash} == {"webapp.example.com"}


def test_markdown_and_github_outputs(cafe: tuple[Path, Path]) -> None:
    before, after = cafe
    _edit(after / "vs-egress-mtls" / "egress-mtls.yaml", "verifyServer: on", "verifyServer: off")
    code, md = _diff(str(before), str(after), "-o", "markdown")
    assert code == 1
    assert "| verdict | where | aspect | before | after | objects |" in md
    assert "### `secure-webapp.example.com`" in md and "🔴 weakened" in md
    _, gh = _diff(str(before), str(after), "-o", "github")
    lines = gh.splitlines()
    assert lines[0] == "::group::secure-webapp.example.com" and lines[-1] == "::endgroup::"
    assert lines[1].startswith("::error file=") and ",line=3,title=mTLS weakened%3A upstream verification::" in lines[1]


def test_a_side_that_cannot_be_used_exits_2_naming_it(
    cafe: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = cafe
    with pytest.raises(SystemExit) as exc:
        _diff(str(before), str(after / "missing"))
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("mtls-inspect: after: ")
    (after / "broken.yaml").write_text("kind: [\n")
    code, text = _diff(str(before), str(after))
    assert code == 2
    assert "Posture diff" in text
    assert "after: " in capsys.readouterr().err
    empty = after.parent / "empty"
    empty.mkdir()
    (empty / "notes.yaml").write_text("# nothing here\n")
    with pytest.raises(SystemExit) as exc:
        _diff(str(empty), str(before))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "before: " in err and "no Kubernetes object" in err


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def test_git_revisions_are_read_without_touching_the_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _state(tmp_path / "repo", "cafe")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "one")
    _edit(
        repo / "cafe" / "cafe-ingress.yaml",
        "    - cafe.example.com\n    secretName",
        "    - x.example.com\n    secretName",
    )
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "two")
    _edit(repo / "cafe" / "cafe-ingress.yaml", "    - x.example.com\n", "    - cafe.example.com\n")  # uncommitted
    status = _git(repo, "status", "--porcelain")
    files = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    monkeypatch.chdir(repo)
    code, text = _diff("git:HEAD", ".")
    assert code == 0 and "STRENGTHENED" in text
    committed = _changes("git:HEAD~1", "git:HEAD")
    assert any(c["aspect"] == "outcome" and c["verdict"] == "weakened" for c in committed)
    assert committed[0]["objects"]["after"][0]["source"] == "HEAD:cafe/cafe-ingress.yaml:3"  # type: ignore[index]
    uncommitted = _changes("git:HEAD:cafe", "cafe")
    assert {(c["aspect"], c["verdict"]) for c in uncommitted} >= {("outcome", "strengthened")}
    assert _diff("git:HEAD~1", ".")[0] == 0  # the revert in the work tree: back to the first commit's posture
    with pytest.raises(SystemExit) as exc:
        _diff("git:no-such-branch", ".")
    assert exc.value.code == 2
    assert "before: git:no-such-branch: unknown git revision" in capsys.readouterr().err
    assert _git(repo, "status", "--porcelain") == status
    assert sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts) == files


async def test_the_live_cluster_as_a_side(tmp_path: Path) -> None:
    """The running cluster (kmock serving the sample) against the files one would apply."""
    import asyncio
    import sys

    from live_helpers import CONTEXT, running_cluster
    from test_live_report import sample_objects

    same = tmp_path / "same"
    shutil.copytree(SAMPLE, same)
    changed = tmp_path / "changed"
    shutil.copytree(SAMPLE, changed)
    _edit(changed / "cafe" / "ingress-mtls-policy.yaml", 'verifyClient: "on"', 'verifyClient: "optional"')

    async def cli(*args: str) -> tuple[int, dict[str, object], str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "inspector",
            "diff",
            *args,
            "-o",
            "json",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        return int(proc.returncode or 0), json.loads(out) if out.strip() else {}, err.decode()

    async with running_cluster(tmp_path, sample_objects) as live:
        flags = ("--kubeconfig", str(live.kubeconfig), "--context", CONTEXT, "-A")
        code, unchanged, err = await cli(*flags, "cluster", "--", str(same))
        assert (code, err) == (0, "")
        assert unchanged["changes"] == []
        code, doc, err = await cli(*flags, "cluster", "--", str(changed))
        # The cluster against the cluster with one edited file applied (the overlay of `check --kubeconfig K FILE`).
        code2, doc2, err2 = await cli(
            *flags, "cluster", "--", "cluster", str(changed / "cafe" / "ingress-mtls-policy.yaml")
        )
    assert (code2, err2) == (1, "")
    assert [(c["host"], c["aspect"], c["verdict"]) for c in doc2["changes"]] == [  # type: ignore[attr-defined]
        ("cafe.example.com", "client_verification", "weakened")
    ]
    assert code == 1, err
    (change,) = doc["changes"]  # type: ignore[misc]
    assert (change["host"], change["aspect"], change["verdict"]) == (
        "cafe.example.com",
        "client_verification",
        "weakened",
    )
    assert change["objects"]["before"][0]["source"].startswith("cluster")
    assert change["objects"]["after"][0]["source"].endswith("cafe/ingress-mtls-policy.yaml:2")


async def test_diff_tui_marks_changes_and_shows_before_and_after(cafe: tuple[Path, Path]) -> None:
    from textual.widgets import Static, Tree

    from inspector.diff.compare import compare
    from inspector.diff.posture import posture
    from inspector.model import ControllerSettings
    from inspector.report import build_report
    from inspector.sources.convert import load_cluster
    from inspector.tui.diff_app import DiffApp

    before, after = cafe
    _edit(after / "vs-egress-mtls" / "egress-mtls.yaml", "verifyServer: on", "verifyServer: off")
    _edit(after / "cafe" / "ingress-mtls-policy.yaml", "verifyDepth: 1", "verifyDepth: 0")
    reports = [build_report(load_cluster([str(p)]), ControllerSettings()) for p in (before, after)]
    changes = compare(posture(reports[0]), posture(reports[1]))
    app = DiffApp(changes, "before", "after", exit_code=1)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        tree: Tree[object] = app.query_one("#changes", Tree)
        hosts = [str(node.label) for node in tree.root.children]
        assert hosts[0].startswith("✗ WEAKENED") and "secure-webapp.example.com" in hosts[0]
        assert hosts[1].startswith("✓ strengthened") and "cafe.example.com" in hosts[1]
        details = str(app.query_one("#details", Static).render())
        assert "upstream verification" in details and "before  on" in details and "after   off" in details
        assert "\\x0a" not in details
        await pilot.press("down", "down")
        details = str(app.query_one("#details", Static).render())
        assert "cafe.example.com" in details
        await pilot.press("n")
        assert "upstream verification" in str(app.query_one("#details", Static).render())
        await pilot.press("q")
    assert app.return_value == 1


def test_a_git_side_gets_the_declared_secrets_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _state(tmp_path / "repo", "cafe")
    secrets = repo / "cafe" / "secrets.yaml"
    kept = [d for d in secrets.read_text().split("\n---\n") if "name: ingress-mtls-secret" not in d]
    secrets.write_text("\n---\n".join(kept))  # the CA Secret is made elsewhere (Vault, CSI)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "one"]):
        _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", *args)
    monkeypatch.chdir(repo)
    declared = ("--secret-made-elsewhere", "default/ingress-mtls-secret=nginx.org/ca")
    assert _changes("git:HEAD", ".", *declared) == []
    assert _changes("git:HEAD", "--", "git:HEAD", "cafe", *declared) == []
