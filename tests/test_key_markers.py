"""Key material never leaves: no private key (PEM or its base64 as in a Secret) in any output of any command."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest

from inspector import samples
from inspector.cli import main
from inspector.sources.convert import load_cluster

SAMPLE = samples.path()


def _key_markers() -> list[str]:
    """Every sample private key as PEM body lines and as the base64 a Secret's ``tls.key`` holds."""
    markers = ["PRIVATE KEY"]
    for secret in load_cluster([str(SAMPLE)]).secrets.values():
        key = secret.data.get("tls.key")
        if key:
            body = [line for line in key.decode().splitlines() if line and "-----" not in line]
            markers += body[:2]
            markers.append(base64.b64encode(key).decode()[:40])
    return markers


MARKERS = _key_markers()


def _leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--sample", "-o", "text"],
        ["check", "--sample", "-o", "json"],
        ["check", "--sample", "-o", "yaml"],
        ["check", "--sample", "-o", "sarif"],
        ["check", "--sample", "-o", "junit"],
        ["check", "--sample", "-o", "github"],
        ["check", "--sample", "-o", "markdown"],
        ["render", "--sample"],
        ["explain", "--sample", "cafe.example.com/tea"],
        ["explain", "--sample", "shop.example.com/api", "-o", "json"],
        ["checklist", "cafe.example.com", "--sample", "-o", "json"],
        ["checklist", "shop.example.com", "--sample"],
    ],
)
def test_no_output_carries_a_private_key(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert len(MARKERS) > 5  # the sample has keys to look for
    out = io.StringIO()
    main([*args, "--fail-on", "never"] if args[0] == "check" else args, stdout=out)
    err = capsys.readouterr().err
    assert _leaks(out.getvalue()) == [] and _leaks(err) == []


def test_files_the_tool_writes_carry_no_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written = [tmp_path / "r.sarif", tmp_path / "r.xml", tmp_path / "r.json", tmp_path / "baseline.json"]
    main(
        [
            "check",
            "--sample",
            "--fail-on",
            "never",
            "-o",
            f"sarif={written[0]}",
            "-o",
            f"junit={written[1]}",
            "-o",
            f"json={written[2]}",
            "--create-baseline",
            str(written[3]),
        ],
        stdout=io.StringIO(),
    )
    main(
        ["checklist", "cafe.example.com", "--sample", "-o", f"markdown={tmp_path / 'signoff.md'}"], stdout=io.StringIO()
    )
    written.append(tmp_path / "signoff.md")
    capsys.readouterr()
    for path in written:
        assert path.exists(), path
        assert _leaks(path.read_text()) == [], path
    assert not re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY", "".join(p.read_text() for p in written))
