"""Reference data that lives beside the checkout in ``../shared/`` (NIC's examples and template snapshots).

Material brought from another project stays out of this repository; CI lays ``shared/`` next to the clone. Where it
is absent (a clone on its own), the tests that read it are skipped with a message naming the folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inspector.nic.messages import NicWarning

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
NIC_EXAMPLES = SHARED / "nic-examples"
NIC_SNAPSHOTS = SHARED / "nic-snapshots"


def need(path: Path) -> Path:
    """``path`` itself, or a skip naming it when the shared folder is not beside this checkout."""
    if not path.exists():
        pytest.skip(f"{path} not found: reference data from ../shared/ is not beside this checkout")
    return path


def texts(warnings: Any) -> Any:
    """NIC's texts of the replica's warnings (``NicWarning``), in the same shape: one, a tuple/list, a dict of lists."""
    if warnings is None or isinstance(warnings, str):
        return warnings
    if isinstance(warnings, NicWarning):
        return warnings.text
    if isinstance(warnings, dict):
        return {k: texts(v) for k, v in warnings.items()}
    if isinstance(warnings, tuple):
        return tuple(texts(w) for w in warnings)
    return [texts(w) for w in warnings]
