"""Where the bundled sample cluster and the check pages live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # A wheel carries the folders inside the package (pyproject force-include); a checkout or an editable
    # install reads them from the repository top level.
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")


def path() -> Path:
    """The bundled sample cluster folder."""
    return _find("sample-cluster")


def rehearsal_material() -> Path:
    """Certificates for rehearsal that are not cluster objects (client cert, upstream server cert)."""
    return path() / "rehearsal"
