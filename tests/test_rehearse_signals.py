"""Signals during ``rehearse``: SIGINT, SIGTERM, SIGHUP and SIGQUIT stop nginx and remove the prefix with its keys;
``--keep`` says where the prefix is on every exit; nginx dies with us even when we are killed (parent-death signal).

Each test runs the real CLI in a subprocess whose probes wait (a stand-in for a slow network) so that the signal
arrives while nginx runs; the test then looks at /proc and the file system from outside.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("nginx_bin")

CHILD = """
import os, sys, time
import inspector.rehearse.session as session

real = session.send

def waiting(probe, path, context, timeout=5.0):
    print("READY", flush=True)
    deadline = time.monotonic() + 10
    while os.path.exists(path) and time.monotonic() < deadline:  # until nginx's socket is gone
        time.sleep(0.05)
    return real(probe, path, context, timeout)

session.send = waiting
session.PROBE_THREADS = 1
from inspector.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _nginx_children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if comm == "nginx" and int(rest[1]) == pid and rest[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _prefix_of(nginx: int) -> Path:
    args = Path(f"/proc/{nginx}/cmdline").read_bytes().split(b"\0")
    return Path(args[args.index(b"-p") + 1].decode()).parent  # <prefix>/main/ -> <prefix>


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int, Path]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen(
        [sys.executable, str(script), "rehearse", "--sample", "--host", "cafe.example.com", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    if not ready or proc.stdout.readline().strip() != "READY":
        proc.kill()
        pytest.fail(f"the rehearsal did not reach its probes: {proc.communicate()[1]}")
    nginx = _nginx_children(proc.pid)
    assert len(nginx) == 1, nginx
    return proc, nginx[0], _prefix_of(nginx[0])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_signal_stops_nginx_and_removes_the_keys(tmp_path: Path, sig: signal.Signals) -> None:
    proc, nginx, prefix = _start(tmp_path)
    assert list(prefix.glob("*/secrets/*")), "the prefix holds the secrets while nginx runs"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == (130 if sig == signal.SIGINT else 128 + sig), err
    assert "interrupted" in err
    assert not _alive(nginx)
    assert not prefix.exists()


def test_keep_prints_the_prefix_when_interrupted(tmp_path: Path) -> None:
    proc, nginx, prefix = _start(tmp_path, "--keep")
    try:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
        assert proc.returncode == 128 + signal.SIGTERM
        assert not _alive(nginx)
        assert f"kept at {prefix}" in err and "private keys stay" in err
        assert list(prefix.glob("*/secrets/*"))
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def test_nginx_dies_with_a_killed_rehearsal(tmp_path: Path) -> None:
    """SIGKILL cannot be handled: the parent-death signal still takes nginx down (the prefix stays: no code runs)."""
    proc, nginx, prefix = _start(tmp_path)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=15)
        deadline = time.monotonic() + 5
        while _alive(nginx) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(nginx)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
