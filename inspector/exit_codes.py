"""Exit codes are an API: CI pipelines branch on them (documented in the README)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    UNUSABLE_INPUT = 2
    INTERRUPTED = 130
