"""``helm template`` output: which template each document of a stream came from, and Go templates met as files.

helm prefixes every rendered document with ``# Source: chart/templates/x.yaml``; the loader places the document
there (the Origin every output and the TUI read). mtls-inspect never runs helm.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from inspector.model import LoadProblem
from inspector.sources._walk import problem, shown


def template_line(text: str, problems: Sequence[LoadProblem]) -> int:
    """1-based line of a Go template action (``{{``) where YAML broke, or 0: such a file is a Helm template.

    Only the lines of the YAML errors (and the line before, libyaml often reports the next one) are looked at: a
    ``{{`` in a ConfigMap's data elsewhere in a file with an unrelated typo is data, not a template.
    """
    if "{{" not in text or "}}" not in text:
        return 0
    lines = text.split("\n")
    for found in problems:
        for line in (found.line - 1, found.line):
            if 0 < line <= len(lines) and "{{" in lines[line - 1]:
                return line
    return 0


_HELM_SOURCE = re.compile(r"(?m)^# Source: ([^\r\n]{1,4096}?)[ \t\r]*$")
_SEPARATOR = re.compile(r"(?m)^---(?=[ \t\r]|$)")


class HelmPlaces:
    """Where ``helm template`` put each rendered document: the ``# Source:`` comment before it names the template.

    Line 1 of a template is the line after its comment, so ``chart/templates/x.yaml:7`` is the 7th line of what
    that template rendered (the template file itself has ``{{ }}`` lines in between; helm keeps no map).
    """

    __slots__ = ("_docs", "_lines", "_names")

    def __init__(self, lines: list[int], names: list[str | None]) -> None:
        self._lines, self._names = lines, names
        self._docs: dict[str, int] = {}

    @classmethod
    def scan(cls, text: str, file: str) -> HelmPlaces | None:
        if "# Source: " not in text:
            return None
        marks: list[tuple[int, str | None]] = []
        for match in _HELM_SOURCE.finditer(text):
            marks.append((text.count("\n", 0, match.start()) + 1, shown(match.group(1).strip())))
        if not marks:
            return None
        line, last = 1, 0
        for match in _SEPARATOR.finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            marks.append((line, None))
        marks.sort(key=lambda mark: mark[0])
        return cls([m[0] for m in marks], [m[1] for m in marks])

    def place(self, line: int) -> tuple[str | None, int]:
        """(template, line inside it) for a 1-based line of the stream, or (None, line) outside any template."""
        at = bisect.bisect_left(self._lines, line) - 1
        if at < 0 or line <= 0 or self._names[at] is None:
            return None, line
        return self._names[at], line - self._lines[at]

    def next_doc(self, template: str) -> int:
        """0-based index of the next document rendered from ``template`` (helm splits a template's documents)."""
        index = self._docs.get(template, 0)
        self._docs[template] = index + 1
        return index

    def placed(self, found: LoadProblem) -> LoadProblem:
        """``found`` (a YAML problem named by the stream's line) named by its template and the line inside it."""
        template, line = self.place(found.line)
        if template is None:
            return found
        prefix = f"{found.file}:{found.line}: "
        text = found.message[len(prefix) :] if found.message.startswith(prefix) else found.message
        return problem(found.check_id, template, line, text)
