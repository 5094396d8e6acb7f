"""A small nginx configuration tokenizer and parser, so reports compare directives, not whitespace.

This reads nginx text that is input: ``nginx -T`` output (rehearsal, sandbox), snippets from manifests
(``records.snippet_lines``), and in tests the rendered text, to prove it says what the records say. The report
never reads our own rendered text back: the renderer's records carry each directive. This module turns text into
a tree of directives with line numbers, and cuts it into server blocks (``rendered_servers``). It understands
what NIC's output contains: quoted strings (kept verbatim, quotes and escapes included), ``#`` comments, nested
blocks, ``;`` inside quotes. It is not a validating nginx parser:
``nginx -t`` (``render/nginx_conf.py``) is the judge of validity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from inspector.render.records import RenderedLocation, RenderedServer


class ParseError(ValueError):
    """Unbalanced braces or an unterminated quote; carries the 1-based line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class Token(NamedTuple):
    """A word or ``;``/``{``/``}`` (a NamedTuple: half a million of them for a 10k-object cluster)."""

    text: str
    line: int
    kind: str
    """``word`` (quoted words keep their quotes), ``;``, ``{`` or ``}``."""


@dataclass(frozen=True)
class Node:
    """One directive: ``name args...;`` or ``name args... { children }``."""

    name: str
    args: tuple[str, ...]
    line: int
    end_line: int
    children: tuple[Node, ...] | None = None
    """None for a simple directive, a tuple (maybe empty) for a block."""

    @property
    def is_block(self) -> bool:
        return self.children is not None

    def flat(self) -> str:
        """``name arg arg`` single-spaced; a block becomes ``name args { child; child; }`` on one line."""
        head = " ".join((self.name, *self.args))
        if self.children is None:
            return head
        inner = " ".join(c.flat() + ("" if c.is_block else ";") for c in self.children)
        return f"{head} {{ {inner} }}" if inner else f"{head} {{ }}"


_QUOTED = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_TOKEN = re.compile(
    rf"""
    (?P<comment>\#[^\n]*)
  | (?P<punct>[;{{}}])
  | (?P<word>(?:{_QUOTED}|\$\{{[^}}\s]*\}}|\\.|[^\s;{{}}"'\\\#])(?:{_QUOTED}|\$\{{[^}}\s]*\}}|\\.|[^\s;{{}}"'\\])*)
  | (?P<bad>[^ \t\r\n])
    """,
    re.VERBOSE | re.DOTALL,
)
"""One regex pass over every rendered file. Blanks and newlines match nothing (the scan skips them in C instead of
returning a match per blank run); a token's line is the count of newlines before it, from the previous token."""


def tokenize(text: str) -> list[Token]:
    """Split nginx config text into words and ``;``/``{``/``}``; comments are dropped."""
    tokens: list[Token] = []
    line = 1
    last = 0
    count = text.count
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        start = m.start()
        line += count("\n", last, start)
        last = start
        if kind == "punct":
            tokens.append(Token(m.group(), line, m.group()))
        elif kind == "word":
            tokens.append(Token(m.group(), line, "word"))
        else:  # bad
            if m.group() in "\"'":
                raise ParseError("unterminated quoted string", line)
            tokens.append(Token(m.group(), line, "word"))
    return tokens


def parse(text: str) -> list[Node]:
    """Parse config text into top-level nodes. Raises ParseError on unbalanced input."""
    try:
        return _parse_well_formed(text)
    except _NotWellFormed:
        # the two passes decide which error comes first (a stray quote anywhere beats an earlier brace)
        nodes, _ = _Parser(tokenize(text)).block(0)
        return nodes


class _NotWellFormed(Exception):
    """The one-pass parser met input that ends in a ParseError; the two-pass parser reports which."""


def _parse_well_formed(text: str) -> list[Node]:
    """Tokens straight into nodes in one pass, no Token objects: what every rendered file takes (the report's
    largest step for the JSON output). Any input that is not well formed goes to the two-pass parser."""
    stack: list[tuple[list[Node], list[str], int]] = []
    nodes: list[Node] = []
    words: list[str] = []
    first = line = 1
    last = 0
    count = text.count
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        start = m.start()
        line += count("\n", last, start)
        last = start
        if kind == "punct":
            char = m.group()
            if char == ";":
                if words:
                    nodes.append(Node(words[0], tuple(words[1:]), first, line))
                    words = []
            elif char == "{":
                if not words:
                    raise _NotWellFormed
                stack.append((nodes, words, first))
                nodes, words = [], []
            else:
                if not stack or words:
                    raise _NotWellFormed
                children = nodes
                nodes, head, head_line = stack.pop()
                nodes.append(Node(head[0], tuple(head[1:]), head_line, line, tuple(children)))
        else:  # a word, or a stray character the tokenizer keeps as a word
            word = m.group()
            if kind == "bad" and word in "\"'":
                raise _NotWellFormed
            if not words:
                first = line
            words.append(word)
    if stack or words:
        raise _NotWellFormed
    return nodes


class _Parser:
    """Recursive descent over the tokens. A class, not a closure: a nested recursive function is a reference cycle
    that kept every file's tokens alive until the cyclic collector ran (the one-shot CLI runs without it)."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def block(self, depth: int) -> tuple[list[Node], int]:
        tokens = self.tokens
        nodes: list[Node] = []
        words: list[Token] = []
        while self.pos < len(tokens):
            tok = tokens[self.pos]
            self.pos += 1
            if tok.kind == "word":
                words.append(tok)
            elif tok.kind == ";":
                if words:
                    nodes.append(Node(words[0].text, tuple(w.text for w in words[1:]), words[0].line, tok.line))
                words = []
            elif tok.kind == "{":
                if not words:
                    raise ParseError("block without a name", tok.line)
                children, end = self.block(depth + 1)
                nodes.append(
                    Node(words[0].text, tuple(w.text for w in words[1:]), words[0].line, end, tuple(children))
                )
                words = []
            else:  # "}"
                if depth == 0:
                    raise ParseError("unexpected '}'", tok.line)
                if words:
                    raise ParseError(f"directive {words[0].text!r} is not terminated by ';'", words[0].line)
                return nodes, tok.line
        if depth > 0:
            raise ParseError("unexpected end of file, expecting '}'", tokens[-1].line if tokens else 1)
        if words:
            raise ParseError(f"directive {words[0].text!r} is not terminated by ';'", words[0].line)
        return nodes, tokens[-1].line if tokens else 1


def _walk_servers(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        if node.name == "server" and node.children is not None:
            out.append(node)
        elif node.children is not None and node.name in ("http", "stream"):
            out.extend(_walk_servers(list(node.children)))
    return out


def rendered_servers(text: str) -> list[RenderedServer]:
    """Every ``server { }`` block of nginx config text (``nginx -T`` output, a test's text), in order, with its
    directives and locations. Rendered files need none of this: their records say it (``records.servers_of``).
    Unparseable text yields an empty list.
    """
    try:
        nodes = parse(text)
    except ParseError:
        return []
    lines = text.splitlines()
    servers: list[RenderedServer] = []
    for srv in _walk_servers(nodes):
        assert srv.children is not None
        directives: list[str] = []
        locations: list[RenderedLocation] = []
        for child in srv.children:
            if child.name == "location" and child.children is not None:
                locations.append(
                    RenderedLocation(
                        path=" ".join(child.args),
                        directives=tuple(c.flat() for c in child.children),
                        start_line=child.line,
                        end_line=child.end_line,
                    )
                )
            else:
                directives.append(child.flat())
        servers.append(
            RenderedServer(
                text="\n".join(lines[srv.line - 1 : srv.end_line]),
                start_line=srv.line,
                end_line=srv.end_line,
                directives=tuple(directives),
                locations=tuple(locations),
            )
        )
    return servers
