"""Exit codes are an API: CI pipelines branch on them (documented in the README).

The decision for ``check`` lives here, not in the CLI, so every output path and command shares one rule: input
that could not be used is exit 2, always, after everything else was analysed and printed. No ``--fail-on`` or
``--ignore`` turns an unreadable file, an empty stdin or a skipped link into a green run; the findings stay in
every format (marked suppressed when ignored) and only the exit code is fixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Protocol

from inspector.catalogue import INPUT_SKIPPED, NO_OBJECTS, UNREADABLE_SOURCE


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    UNUSABLE_INPUT = 2
    INTERRUPTED = 130


UNUSABLE_INPUT_CHECKS = frozenset({UNREADABLE_SOURCE, NO_OBJECTS, INPUT_SKIPPED})
"""Findings that mean part of the input was not used: their presence is exit 2, suppressed or not."""

FAIL_ON = ("error", "warning", "never")


class FindingLike(Protocol):
    """What the decision reads of a finding (``inspector.analysis.findings.Finding`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def suppressed(self) -> bool: ...


def unusable_input(findings: Iterable[FindingLike]) -> list[str]:
    """Ids (sorted, once each) of the findings that say input could not be used, suppressed ones included."""
    return sorted({f.id for f in findings if f.id in UNUSABLE_INPUT_CHECKS})


def check_exit(findings: Iterable[FindingLike], fail_on: str) -> ExitCode:
    """2 for unusable input whatever ``fail_on`` says; else 1 when an unsuppressed finding is at/above ``fail_on``."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    findings = list(findings)
    if unusable_input(findings):
        return ExitCode.UNUSABLE_INPUT
    if fail_on == "never":
        return ExitCode.OK
    failing = {"error"} if fail_on == "error" else {"error", "warning"}
    if any(f.severity in failing and not f.suppressed for f in findings):
        return ExitCode.FINDINGS
    return ExitCode.OK


def unusable_input_note(findings: Iterable[FindingLike]) -> str | None:
    """The one stderr line that says why a run ends in 2 although its output may look fine, or None."""
    ids = unusable_input(findings)
    if not ids:
        return None
    return f"some input could not be used ({', '.join(ids)} in the findings): exit code 2"
