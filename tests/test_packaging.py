"""A non-editable install works on its own: the sample cluster and the check pages travel inside the wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("mtls_inspect-*.whl")
    return built


def test_wheel_carries_the_sample_and_the_renderer(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "inspector/render/virtualserver.py" in names  # the NIC blocks are Python builders, no template files
    assert any(n.startswith("inspector/_data/sample-cluster/") and n.endswith(".yaml") for n in names)
    assert "inspector/samples.py" in names
    assert "inspector/_data/docs/checks.md" in names  # the check pages travel with the package


def test_wheel_metadata_for_ci_users(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(zf.read(n).decode() for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
    assert "Classifier: Environment :: Console" in meta
    requires = [ln for ln in meta.splitlines() if ln.startswith("Requires-Dist: textual")]
    assert requires and "<" in requires[0], requires  # an upper bound on Textual's major version


def test_installed_wheel_checks_the_sample(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # The runtime dependencies come from this interpreter's own path (no network), appended after the new
    # environment's site-packages by a .pth file; the checkout and its editable hook are left out, so the package
    # itself comes only from the wheel (a path added by a .pth line has its own .pth files ignored).
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = [p for p in sys.path if p and Path(p).is_dir() and not Path(p).resolve().is_relative_to(REPO)]
    (Path(purelib) / "outer-deps.pth").write_text("\n".join(outer) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
    )
    # The editable install of the checkout must not shadow the wheel: check where inspector comes from.
    where = subprocess.run(
        [str(py), "-c", "import inspector, inspector.samples as s; print(inspector.__file__); print(s.path())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.splitlines()
    assert str(env_dir) in where[0], where
    assert str(env_dir) in where[1], where
    proc = subprocess.run(
        [str(env_dir / "bin" / "mtls-inspect"), "check", "--sample", "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["hosts"] and report["resources"]
    # One check's page and the docs: lines work without a checkout.
    page = subprocess.run(
        [str(env_dir / "bin" / "mtls-inspect"), "checks", "MTLS015"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("## MTLS015 ") and "Remediation:" in page.stdout
    text = subprocess.run(
        [str(env_dir / "bin" / "mtls-inspect"), "check", "--sample", "--fail-on", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "    docs: mtls-inspect checks MTLS016" in text.stdout
    assert "docs/checks.md" not in text.stdout
