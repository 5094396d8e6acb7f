"""Line records: what the builders emit, and everything the report needs read from them (no text parsed back).

A file is a list of ``Line`` records, one per line of the text NIC would write. Each carries the exact text (NIC's
odd blank lines and joined directives such as ``listen 80;listen [::]:80;`` included), the statements on it
(directive name, arguments, and whether it opens a block, closes one or is simple) and the provenance of the
policy block that produced it. The text is the lines joined; server and location boundaries, each block's
directives (``Node.flat`` strings), line numbers and the line -> policy map come from the statements and sources.

Why: a manifest value is copied into the text verbatim, as NIC copies it, so text read back could be shaped by a
value (a ``{`` or a forged comment). Records are built from the config models, so a value is only ever an argument.
The one input that is nginx text by design, a snippet, is read as input: its own lines are tokenized by
``nginx_parse`` (a malformed snippet's lines stay lines, they do not change the file's structure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from inspector.nic.types import PolicySource, Scope

__all__ = [
    "Line",
    "LineSource",
    "Lines",
    "Provenance",
    "RenderedFile",
    "RenderedLocation",
    "RenderedServer",
    "Stmt",
    "rendered_file",
    "snippet_lines",
]

Block = Literal["simple", "open", "close"]
ProvenanceKind = Literal["ingressMTLS", "egressMTLS", "return500"]


class Stmt(NamedTuple):
    """One statement on a line: ``name args;`` (simple), ``name args {`` (open) or ``}`` (close, no name)."""

    name: str
    args: tuple[str, ...]
    block: Block
    snippet: bool = False
    """Read from a snippet (manifest text), not written by NIC's template: a ``location`` opened in a server snippet
    is not one of the locations NIC generated, so it must not shift which rendered block pairs with which."""


class Provenance(NamedTuple):
    """Which policy (or policy error) produced a line, at which scope: what the ``#@@src`` markers carried."""

    kind: ProvenanceKind
    policy: str
    """Policy key ``ns/name``; for ``return500`` the key of the fatal reference (may be empty)."""
    scope: Scope
    owner: str = ""
    """``Kind/ns/name`` of the resource whose reference produced the line."""
    field: str = ""


class Line(NamedTuple):
    """One line of a rendered file (a NamedTuple: about 300k of them at 10k objects, built and dropped per file)."""

    text: str
    statements: tuple[Stmt, ...] = ()
    source: Provenance | None = None


@dataclass(frozen=True)
class LineSource:
    """Provenance of one rendered line with its 1-based line number in the file's text."""

    line: int
    kind: ProvenanceKind
    policy: str
    scope: Scope
    owner: str = ""
    field: str = ""


def provenance(source: PolicySource | None, kind: ProvenanceKind, scope: Scope, policy: str = "") -> Provenance:
    """The provenance of a policy block: the reference's key, owner and field (or only ``policy`` for a 500-out)."""
    if source is None:
        return Provenance(kind, policy, scope)
    owner = source.owner
    return Provenance(kind, source.key, scope, f"{owner.kind}/{owner.namespace}/{owner.name}", source.field)


def _is_quoted(piece: str) -> bool:
    return len(piece) > 1 and piece[0] == piece[-1] and piece[0] in "\"'"


class Lines:
    """The builders' output buffer: each method appends one line with its statements (text and data together)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def add(self, text: str, statements: tuple[Stmt, ...] = (), source: Provenance | None = None) -> None:
        """A line as written; a manifest value holding a newline makes it several lines (the statements stay on
        the first, where nginx reads the directive's name)."""
        if "\n" in text:
            first, *rest = text.split("\n")
            self.lines.append(Line(first, statements, source if first.strip() else None))
            self.lines.extend(Line(t, (), source if t.strip() else None) for t in rest)
            return
        self.lines.append(Line(text, statements, source))

    def d(self, indent: str, name: str, *pieces: str, source: Provenance | None = None) -> None:
        """``indent name piece piece;``: a piece we quoted is one argument; a value printed raw is split at blanks,
        the words nginx reads."""
        if pieces:
            self.add(f"{indent}{name} {' '.join(pieces)};", (Stmt(name, words(*pieces), "simple"),), source)
        else:
            self.add(f"{indent}{name};", (Stmt(name, (), "simple"),), source)

    def open(self, indent: str, name: str, *pieces: str) -> None:
        """``indent name pieces {``."""
        head = f"{indent}{name} {' '.join(pieces)} {{" if pieces else f"{indent}{name} {{"
        self.add(head, (Stmt(name, words(*pieces), "open"),))

    def close(self, indent: str) -> None:
        self.add(f"{indent}}}", (CLOSE,))

    def blank(self) -> None:
        self.add("")

    def comment(self, text: str) -> None:
        """A ``#`` comment line: text only, nginx reads no statement on it."""
        self.add(text)

    def snippets(self, indent: str, snippets: Sequence[str]) -> None:
        """Snippet lines, each printed after ``indent``: nginx text from the manifest, read as input."""
        texts = [f"{indent}{s}" for s in snippets]
        for text, statements in snippet_lines(texts):
            self.add(text, statements)


CLOSE = Stmt("", (), "close")


def words(*pieces: str) -> tuple[str, ...]:
    """The arguments nginx reads from pieces printed one after another: a quoted piece is one word."""
    out: list[str] = []
    for piece in pieces:
        if _is_quoted(piece):
            out.append(piece)
        else:
            out.extend(piece.split())
    return tuple(out)


def snippet_lines(texts: Sequence[str]) -> list[tuple[str, tuple[Stmt, ...]]]:
    """Statements of snippet lines (a snippet list is one piece of nginx text: a block may span its lines).

    Tokenized with ``nginx_parse``, the parser for nginx text that is input. A snippet list that is not well formed
    on its own (a stray ``}``, an unclosed ``{`` or quote, a directive without ``;``) cannot reach into the rest of
    the file: each of its lines is then one simple statement of its text.
    """
    from inspector.render.nginx_parse import ParseError, tokenize

    # physical lines: a snippet holding a newline (a manifest value) is several lines of the file
    physical = [t for text in texts for t in text.split("\n")]
    per_line: list[list[Stmt]] = [[] for _ in physical]
    try:
        tokens = tokenize("\n".join(physical))
    except ParseError:
        tokens = None
    ok = tokens is not None
    if tokens is not None:
        depth = 0
        head: list[str] = []
        head_line = 0
        for tok in tokens:
            if tok.kind == "word":
                if not head:
                    head_line = tok.line
                head.append(tok.text)
            elif tok.kind == ";":
                if head:
                    per_line[head_line - 1].append(Stmt(head[0], tuple(head[1:]), "simple", True))
                    head = []
            elif tok.kind == "{":
                if not head:
                    ok = False
                    break
                per_line[head_line - 1].append(Stmt(head[0], tuple(head[1:]), "open", True))
                head = []
                depth += 1
            else:
                if depth == 0 or head:
                    ok = False
                    break
                per_line[tok.line - 1].append(CLOSE)
                depth -= 1
        if depth or head:
            ok = False
    if not ok:
        return [
            (text, (Stmt(stripped.rstrip(";").strip(), (), "simple", True),) if (stripped := text.strip()) else ())
            for text in physical
        ]
    return [(text, tuple(stmts)) for text, stmts in zip(physical, per_line, strict=True)]


# --- reading the records: servers and locations --------------------------------------------------------------


@dataclass(frozen=True)
class RenderedLocation:
    path: str
    """As written after ``location``: ``/tea``, ``= /exact``, ``@grpcerror400``."""
    directives: tuple[str, ...]
    start_line: int
    end_line: int


@dataclass(frozen=True)
class RenderedServer:
    text: str
    """The server block's own lines, ``server {`` to ``}``."""
    start_line: int
    end_line: int
    directives: tuple[str, ...]
    """Top-level directives, ``name arg arg`` without ``;``; nested non-location blocks flattened to one string."""
    locations: tuple[RenderedLocation, ...]
    line_policies: Mapping[int, str] = field(default_factory=dict)
    """File line -> policy key, for lines a policy produced."""


@dataclass(frozen=True)
class RenderedFile:
    """One rendered config file: its records, and the text and provenance read from them."""

    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return "".join(line.text + "\n" for line in self.lines)

    @property
    def provenance(self) -> tuple[LineSource, ...]:
        return tuple(
            LineSource(number, *line.source)
            for number, line in enumerate(self.lines, 1)
            if line.source is not None
        )

    def servers(self) -> list[RenderedServer]:
        return servers_of(self.lines)


# A node of the statement tree: (name, args, first line, last line, children or None for a simple statement,
# whether a snippet opened it).
_Node = tuple[str, tuple[str, ...], int, int, "list[_Node] | None", bool]


def _flat(node: _Node) -> str:
    """``Node.flat`` of nginx_parse: ``name arg arg``; a block ``name args { child; child; }`` on one line."""
    name, args, _, _, children, _ = node
    head = " ".join((name, *args))
    if children is None:
        return head
    inner = " ".join(_flat(c) + ("" if c[4] is not None else ";") for c in children)
    return f"{head} {{ {inner} }}" if inner else f"{head} {{ }}"


def _tree(lines: Sequence[Line]) -> list[_Node]:
    """The statements as a tree of blocks, with line numbers (the records' own structure, no text read)."""
    top: list[_Node] = []
    current = top
    stack: list[tuple[list[_Node], Stmt, int]] = []
    for number, line in enumerate(lines, 1):
        for stmt in line.statements:
            if stmt.block == "simple":
                current.append((stmt.name, stmt.args, number, number, None, stmt.snippet))
            elif stmt.block == "open":
                stack.append((current, stmt, number))
                current = []
            else:
                children = current
                current, opened, first = stack.pop()
                current.append((opened.name, opened.args, first, number, children, opened.snippet))
    return top


def _walk_servers(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        children = node[4]
        if children is None:
            continue
        if node[0] == "server":
            out.append(node)
        elif node[0] in ("http", "stream"):
            out.extend(_walk_servers(children))
    return out


def servers_of(lines: Sequence[Line]) -> list[RenderedServer]:
    """Every ``server { }`` block of a file's records, in order, with its directives, locations and policy lines."""
    servers: list[RenderedServer] = []
    for _, _, start, end, children, _ in _walk_servers(_tree(lines)):
        assert children is not None
        directives: list[str] = []
        locations: list[RenderedLocation] = []
        for child in children:
            grand = child[4]
            if child[0] == "location" and grand is not None and not child[5]:
                locations.append(
                    RenderedLocation(
                        path=" ".join(child[1]),
                        directives=tuple(_flat(c) for c in grand),
                        start_line=child[2],
                        end_line=child[3],
                    )
                )
            else:
                directives.append(_flat(child))
        line_policies = {
            number: src.policy
            for number in range(start, end + 1)
            if (src := lines[number - 1].source) is not None and src.policy
        }
        servers.append(
            RenderedServer(
                text="\n".join(line.text for line in lines[start - 1 : end]),
                start_line=start,
                end_line=end,
                directives=tuple(directives),
                locations=tuple(locations),
                line_policies=line_policies,
            )
        )
    return servers


def rendered_file(lines: Lines) -> RenderedFile:
    return RenderedFile(tuple(lines.lines))
