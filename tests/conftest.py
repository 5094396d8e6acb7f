"""Shared fixtures: the real nginx binary, the bundled sample."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def find_nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.fixture(scope="session")
def nginx_bin() -> str:
    """Path of Debian's nginx; skipped locally when absent, a failure in CI (scripts/test.sh installs it)."""
    found = find_nginx()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is required in CI (Debian package 'nginx')")
        pytest.skip("nginx not installed (Debian package 'nginx'): apt-get install nginx")
    return found


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    from inspector import samples

    return samples.path()
