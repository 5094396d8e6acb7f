"""YAML documents to plain Python values, with the line of every field, bounded, the way kubectl reads them.

Why not ``yaml.safe_load_all``: findings must name ``file:line`` for the exact field, and PyYAML's constructor
forgets node marks. Why not ``yaml.compose_all`` either: the C composer recurses in C for every nesting level, and
a document of 100,000 nested ``[`` crashes the interpreter with a segmentation fault (measured with PyYAML 6.0.3
and libyaml 0.2.5) before any Python code could enforce a depth limit. So this module drives libyaml's C *parser*
(``yaml.CSafeLoader``'s event stream, which is iterative) and builds the values itself with an explicit stack. That
one pass gives, cheaply:

- the 1-based line of every mapping key and sequence item by :func:`inspector.model.field_path` path;
- YAML 1.1 scalar resolution as kubectl has it (go-yaml v2 via ``sigs.k8s.io/yaml``): ``on``/``off``/``yes``/
  ``no``/``y``/``n`` are booleans, ``010`` is octal, no sexagesimal numbers, timestamps stay strings;
- bounds: nesting depth, constructed nodes counting every alias expansion (a "billion laughs" document is refused
  after a few microseconds per alias, not after exhausting memory), recursive aliases;
- safe loading only: any tag other than the YAML core ones is a problem for that document, never code;
- a mapping key given twice refuses its document. ``kubectl apply -f`` would keep the last one silently (its
  decoder, sigs.k8s.io/yaml's non-strict ``Unmarshal`` over go-yaml v2, merges them; the API server's strict field
  validation never sees them), kustomize (go-yaml v3) refuses them. Two manifests without ``---`` between them
  merge that way into one object that neither author wrote, so the document is not used.

Aliases share the anchored Python object instead of copying it; consumers must treat values as read-only.
What this module does not do: decide what a Kubernetes object is (``files.py``) or apply API-server rules
(``convert.py``).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from inspector.catalogue import UNREADABLE_SOURCE
from inspector.model import LoadProblem

try:  # libyaml's C parser; the pure-Python one is ~10x slower and only a fallback for odd installs
    from yaml import CSafeLoader as _Parser

    USING_LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

    USING_LIBYAML = False

MAX_DEPTH = 200
"""Deepest allowed nesting of mappings/sequences in one document (Kubernetes objects need ~15)."""
MAX_NODES = 1_000_000
"""Most nodes one document may construct, counting every alias expansion as a full copy (as go-yaml would)."""

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})

# go-yaml v2's resolve table (gopkg.in/yaml.v2 resolve.go), which is what kubectl's YAML 1.1 means.
_BOOLS: dict[str, bool] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_SPECIAL_FLOATS: dict[str, float] = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
}
_INT_RE = re.compile(r"[-+]?(?:0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NUMBER_START = frozenset("+-.0123456789")
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _Merge:
    """The ``<<`` merge key (go-yaml v2 supports it, so kubectl does)."""


_MERGE = _Merge()


class _Refused(Exception):
    """A document that breaks a bound or the safe-loading rule; the rest of the file continues."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class FieldLines:
    """Lines (and raw text of non-string scalars) of one object's fields, paths relative to that object."""

    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    """Source text of plain scalars that resolved to bool/int/float/null, e.g. ``on`` for a ``True``."""
    offset: int = -1
    """JSON only: where the object starts in the text, so its field lines can be scanned when first needed."""


@dataclass
class Document:
    """One YAML document: its value, where it starts, and the lines of its fields.

    Items of a top-level sequence (``items`` of a ``kind: List``) get their own :class:`FieldLines`, keyed by
    (key, index), with paths relative to the item, so a List of 50k objects never re-roots path strings.
    """

    index: int
    line: int
    value: Any
    fields: FieldLines
    item_fields: dict[tuple[str, int], FieldLines] = field(default_factory=dict)
    json_text: str | None = None
    """The whole file's text when this document is JSON (field lines are scanned lazily from it)."""

    def merged_fields(self) -> FieldLines:
        """All fields relative to the document root (for documents that are not Lists)."""
        if not self.item_fields:
            return self.fields
        out = FieldLines(dict(self.fields.lines), dict(self.fields.raw))
        for (key, index), sub in self.item_fields.items():
            base = f"{join_path('', key)}[{index}]"
            for path, line in sub.lines.items():
                out.lines[base + ("" if path.startswith("[") else ".") + path] = line
            for path, text in sub.raw.items():
                out.raw[base + ("" if path.startswith("[") else ".") + path] = text
        return out


_SEGMENTS: dict[str, tuple[str, str]] = {}


def join_path(prefix: str, key: str) -> str:
    """``field_path(*parts, key)`` given the formatted path of ``parts``.

    Cached per key because manifests repeat the same keys endlessly.
    """
    seg = _SEGMENTS.get(key)
    if seg is None:
        if _SIMPLE_KEY.fullmatch(key):
            seg = ("." + key, key)
        else:
            quoted = f'["{key}"]'
            seg = (quoted, quoted)
        if len(_SEGMENTS) < 100_000:
            _SEGMENTS[key] = seg
    if not prefix:
        return seg[1]
    # Interned: 50k objects share one "metadata.name" string instead of holding 50k copies.
    path = prefix + seg[0]
    return _PATHS.setdefault(path, path) if len(_PATHS) < 200_000 else path


_PATHS: dict[str, str] = {}


def _resolve_plain(value: str) -> Any:
    """A plain (unquoted, untagged) scalar's value under go-yaml v2's YAML 1.1 rules."""
    if value in _BOOLS:
        return _BOOLS[value]
    if value in _NULLS:
        return None
    if value and value[0] in _NUMBER_START:
        special = _SPECIAL_FLOATS.get(value)
        if special is not None:
            return special
        plain = value.replace("_", "")
        if _INT_RE.fullmatch(plain):
            return _parse_int(plain)
        if _FLOAT_RE.fullmatch(plain):
            return float(plain)
    return value


def _parse_int(text: str) -> int:
    """Go's ``strconv.ParseInt(s, 0, 64)`` prefixes: 0x, 0b, 0o and the YAML 1.1 leading-zero octal."""
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith(("0x", "0b", "0o")):
        return sign * int(digits, 0)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits, 8)
    return sign * int(digits)


def _scalar(event: Any) -> Any:
    """The value of a scalar event, honouring explicit core tags; other tags are refused (safe loading)."""
    tag = event.tag
    value: str = event.value
    if tag is None or tag == "!":
        return _resolve_plain(value) if event.implicit[0] and tag is None else value
    if tag == _STR:
        return value
    line = event.start_mark.line + 1
    resolved = _resolve_plain(value)
    if tag == _INT and isinstance(resolved, int) and not isinstance(resolved, bool):
        return resolved
    if tag == _FLOAT and isinstance(resolved, (int, float)) and not isinstance(resolved, bool):
        return float(resolved)
    if tag == _BOOL and isinstance(resolved, bool):
        return resolved
    if tag == _NULL and resolved is None:
        return None
    if tag in (_INT, _FLOAT, _BOOL, _NULL):
        # The value itself is not quoted: the document may be anything (a secret a link pulled in).
        raise _Refused(line, f"cannot decode this value as {tag.rsplit(':', 1)[-1]}")
    raise _Refused(line, f"unsupported YAML tag {_tag_shown(tag)} (only plain data is loaded, never objects)")


_TAG_SHAPE = re.compile(r"(?:tag:yaml\.org,2002:|!)[A-Za-z0-9_./:-]{1,60}")


def _tag_shown(tag: str) -> str:
    """A tag as messages may quote it: YAML's own or a short name, else only that it is one (it is content)."""
    return tag if _TAG_SHAPE.fullmatch(tag) else "(a custom tag)"


def _key_text(key: Any, line: int) -> str:
    """Mapping keys as sigs.k8s.io/yaml turns them into JSON object keys."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, (int, float)):
        return str(key)
    raise _Refused(line, "a mapping key is itself a mapping or sequence, which Kubernetes cannot represent")


def duplicate_key_message(key: str, first_line: int, top_level: bool) -> str:
    """go-yaml v3's words (what kustomize, so ``kubectl apply -k``, prints), plus the likely cause at the top."""
    shown = json.dumps(key if len(key) <= 60 else key[:57] + "...", ensure_ascii=False)
    text = f"mapping key {shown} already defined" + (f" at line {first_line}" if first_line else "")
    if top_level and key in ("apiVersion", "kind", "metadata"):
        text += "; two manifests without a --- line between them? The document is not read"
    else:
        text += "; the document is not read"
    return text


def parse_yaml(text: str, file: str) -> tuple[list[Document], list[LoadProblem]]:
    """Every document of ``text`` with field lines; problems for the documents that could not be read.

    A document that breaks a bound or is not YAML is dropped with a problem and the following documents still
    load, as with kubectl, which splits the stream at ``---`` lines before decoding each part. libyaml cannot
    resynchronise after an error (and PyYAML >= 6.0.4's libyaml also stops at its own nesting limit while a
    refused document is skipped), so parsing restarts at the next ``---`` line after the broken part; the text
    before it is replaced by as many newlines, which keeps every later line number right.
    """
    docs: list[Document] = []
    problems: list[LoadProblem] = []
    text = _defuse_deep_flow(text, file, problems)
    index = -1
    segment = text
    resumed_at = -1  # 0-based line of the ``---`` this segment starts at (-1: the start of the file)
    starts: list[int] | None = None
    offsets: list[int] = []
    restarts = 0
    while True:
        doc_line = resumed_at  # 0-based line where the document being read started
        error_line = -1  # 0-based line of a YAML error libyaml cannot recover from, -1: none
        refused_line = -1
        parser = _Parser(segment)
        try:
            while True:
                event = parser.get_event()
                if event is None or isinstance(event, yaml.StreamEndEvent):
                    return docs, problems
                if isinstance(event, yaml.DocumentStartEvent):
                    index += 1
                    mark = event.start_mark
                    doc_line = max(mark.line if mark is not None else 0, resumed_at)
                    try:
                        docs.append(_read_document(parser, index))
                    except _Refused as refused:
                        problems.append(
                            LoadProblem(
                                UNREADABLE_SOURCE, f"{file}:{refused.line}: {refused.message}", file, refused.line
                            )
                        )
                        refused_line = doc_line
                        _skip_document(parser)
                        refused_line = -1
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else 0
            error_line = max(line - 1, doc_line)
            what = err.problem or err.context or "unreadable YAML"
            if refused_line < 0:
                problems.append(LoadProblem(UNREADABLE_SOURCE, f"{file}:{line}: YAML syntax error: {what}", file, line))
        except yaml.YAMLError as err:  # reader errors: control characters, undecodable input
            line = _reader_line(err, segment)
            error_line = max(line - 1, doc_line)
            if refused_line < 0:
                problems.append(
                    LoadProblem(UNREADABLE_SOURCE, f"{file}:{line}: unreadable YAML: {_reader_reason(err)}", file, line)
                )
        finally:
            parser.dispose()
        if starts is None:
            pairs = _document_starts(text)
            starts, offsets = [p[0] for p in pairs], [p[1] for p in pairs]
        # The broken part runs from the separator at or before the error to the next one. An error reported on a
        # separator line below the document's start belongs to that document (it ended before it was complete).
        at = error_line if refused_line < 0 else refused_line
        on_separator = bisect.bisect_left(starts, error_line)
        if refused_line < 0 and error_line > doc_line and starts[on_separator : on_separator + 1] == [error_line]:
            at, resume = doc_line, on_separator
        else:
            resume = bisect.bisect_right(starts, max(at, error_line))
        before = bisect.bisect_right(starts, at) - 1
        broken_from = max(starts[before] if before >= 0 else -1, resumed_at)
        while docs and docs[-1].line - 1 >= broken_from:
            docs.pop()  # read before libyaml noticed that its part of the stream is broken
        if resume == len(starts):
            return docs, problems
        if restarts == MAX_RESYNC:
            line = starts[resume] + 1
            problems.append(
                LoadProblem(
                    UNREADABLE_SOURCE,
                    f"{file}:{line}: {MAX_RESYNC} unreadable documents; the rest of the file was not read",
                    file,
                    line,
                )
            )
            return docs, problems
        restarts += 1
        resumed_at = starts[resume]
        segment = "\n" * resumed_at + text[offsets[resume] :]


MAX_RESYNC = 100
"""Unreadable documents one file may have before the rest of it is given up (each restart copies the text)."""


def _document_starts(text: str) -> list[tuple[int, int]]:
    """(0-based line, offset) of every ``---`` separator line, in order."""
    starts: list[tuple[int, int]] = []
    line = 0
    last = 0
    for match in _DOC_START.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        starts.append((line, last))
    return starts


_FLOW_SAFE = 2000
"""Openers (``[``/``{``) one document may hold before its flow nesting is measured; below it libyaml is fast."""
_DOC_START = re.compile(r"(?m)^(?=---(?:[ \t\r]|$))")
_BRACKET = re.compile(r"[\[\]{}]")


def _defuse_deep_flow(text: str, file: str, problems: list[LoadProblem]) -> str:
    """Blank out documents whose flow collections nest deeper than MAX_DEPTH, before libyaml sees them.

    libyaml's scanner keeps one simple-key slot per flow level and rescans them all for every token, so
    100,000 nested ``[`` take ~50 s (quadratic) before a single event reaches Python. The measure here counts
    brackets naively (closers clamp at zero), which can overestimate when brackets sit inside quoted strings;
    it only runs for documents with more than ``_FLOW_SAFE`` openers. A blanked document keeps its line count,
    so the lines of the following documents stay right.
    """
    if text.count("[") + text.count("{") <= _FLOW_SAFE:
        return text
    out: list[str] = []
    line = 1
    for part in _DOC_START.split(text):
        if part.count("[") + part.count("{") > _FLOW_SAFE:
            at = _too_deep_at(part)
            if at >= 0:
                where = line + part.count("\n", 0, at)
                problems.append(
                    LoadProblem(
                        UNREADABLE_SOURCE,
                        f"{file}:{where}: nesting deeper than {MAX_DEPTH} levels",
                        file,
                        where,
                    )
                )
                first = part.split("\n", 1)[0]
                head = "---\n" if part.startswith("---") else ""
                body_lines = part.count("\n") - (1 if head and "\n" in part else 0)
                part = head + "~" + "\n" * max(body_lines, 1 if first else 0)
        out.append(part)
        line += part.count("\n")
    return "".join(out)


def _too_deep_at(part: str) -> int:
    """Offset where naive bracket nesting first exceeds MAX_DEPTH, or -1."""
    depth = 0
    for match in _BRACKET.finditer(part):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif depth:
            depth -= 1
    return -1


def _reader_line(err: yaml.YAMLError, text: str) -> int:
    position = getattr(err, "position", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        return text.count("\n", 0, position) + 1
    return 0


def _reader_reason(err: yaml.YAMLError) -> str:
    """libyaml's reader message without the ``in "<unicode string>", position N`` tail."""
    character = getattr(err, "character", None)
    reason = getattr(err, "reason", None)
    if isinstance(reason, str) and isinstance(character, str):
        return f"unacceptable character #x{ord(character):04x}: {reason}"
    if isinstance(reason, str):
        return reason
    return " ".join(str(err).split())


def _skip_document(parser: Any) -> None:
    """Consume the rest of a refused document so the next one can be read."""
    while True:
        event = parser.get_event()
        if event is None or isinstance(event, (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
            return


def _read_document(parser: Any, index: int) -> Document:
    """Build one document's value from parser events (DocumentStart already consumed), recording lines.

    Stack frames are lists for speed: [container, is_map, pending_key, path_prefix, sink, next_index,
    anchor, nodes_at_start, merges, merge_line, pending_key_path].
    """
    root_sink = FieldLines()
    item_sinks: dict[tuple[str, int], FieldLines] = {}
    anchors: dict[str, tuple[Any, int, int]] = {}
    """anchor -> (value, expanded node count, height)."""
    heights: dict[int, int] = {}
    open_anchors: set[str] = set()
    stack: list[list[Any]] = []
    nodes = 0
    root: Any = None
    root_line = 0
    scalar_event = yaml.ScalarEvent
    mapping_start = yaml.MappingStartEvent
    sequence_start = yaml.SequenceStartEvent
    alias_event = yaml.AliasEvent
    no_key = _NO_KEY

    while True:
        event = parser.get_event()
        kind = type(event)
        if kind is yaml.DocumentEndEvent:
            return Document(index, root_line, root, root_sink, item_sinks)
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            value = frame[0]
            if frame[8]:
                value = _apply_merges(value, frame[8], frame[4], frame[3], frame[9])
            if frame[6] is not None:
                # Within bounds already: every alias inside was checked where it was placed.
                anchors[frame[6]] = (value, nodes - frame[7] + 1, _height(value, heights))
                open_anchors.discard(frame[6])
            is_value_of_key = True
            line = 0
        elif kind is scalar_event or kind is alias_event or kind is mapping_start or kind is sequence_start:
            line = event.start_mark.line + 1
            is_value_of_key = False
            value = None
        else:  # pragma: no cover - libyaml only emits the events above inside a document
            raise _Refused(event.start_mark.line + 1, f"unexpected YAML event {kind.__name__}")

        parent = stack[-1] if stack else None
        if not is_value_of_key:
            # A new node starts: work out its path in the parent and record the line there.
            path = ""
            sink = root_sink
            raw_sink: FieldLines | None = None
            if parent is None:
                root_line = line
            elif parent[1]:
                if parent[2] is no_key:
                    # This node is a key.
                    if kind is scalar_event:
                        if event.tag is None and event.implicit[0] and event.value == "<<":
                            parent[2] = _MERGE
                            parent[9] = line
                            continue
                        resolved = _scalar(event)
                        if event.anchor is not None:
                            anchors[event.anchor] = (resolved, 1, 0)
                        key = _key_text(resolved, line)
                    elif kind is alias_event:
                        key = _key_text(_alias(event, anchors, open_anchors, line)[0], line)
                    else:
                        raise _Refused(line, "a mapping key is itself a mapping or sequence")
                    nodes += 1
                    key_path = join_path(parent[3], key)
                    if key in parent[0]:
                        first = parent[4].lines.get(key_path, 0)
                        raise _Refused(line, duplicate_key_message(key, first, not parent[3]))
                    parent[2] = key
                    parent[10] = key_path
                    parent[4].lines[key_path] = line
                    continue
                # The value of a key; a merged mapping's keys land in the parent, so it shares the prefix.
                path = parent[10] if parent[2] is not _MERGE else parent[3]
                sink = parent[4]
            else:
                index_in_parent = parent[5]
                parent[5] = index_in_parent + 1
                path = f"{parent[3]}[{index_in_parent}]"
                sink = parent[4]
                sink.lines[path] = line
                top_key = stack[0][2]
                if len(stack) == 2 and isinstance(top_key, str) and kind in (mapping_start, sequence_start):
                    # An item of a top-level sequence (a List's items): its own sink, paths relative to it.
                    raw_sink = FieldLines()
                    item_sinks[(top_key, index_in_parent)] = raw_sink

            if kind is scalar_event:
                nodes += 1
                value = _scalar(event)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1, 0)
                if value is not None and not isinstance(value, str) and parent is not None:
                    sink.raw[path] = event.value
            elif kind is alias_event:
                value, size, height = _alias(event, anchors, open_anchors, line)
                if len(stack) + height > MAX_DEPTH:
                    # An alias re-uses a whole subtree: chained anchors could nest far deeper than any one does.
                    raise _Refused(line, f"nesting deeper than {MAX_DEPTH} levels (through alias *{event.anchor})")
                nodes += size
            else:
                nodes += 1
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(line, f"nesting deeper than {MAX_DEPTH} levels")
                tag = event.tag
                is_map = kind is mapping_start
                if tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    shown = _tag_shown(tag)
                    raise _Refused(line, f"unsupported YAML tag {shown} (only plain data is loaded, never objects)")
                if raw_sink is not None:
                    path, sink = "", raw_sink
                anchor = event.anchor
                if anchor is not None:
                    open_anchors.add(anchor)
                container: dict[str, Any] | list[Any] = {} if is_map else []
                stack.append([container, is_map, no_key, path, sink, 0, anchor, nodes, None, 0, ""])
                continue
            if nodes > MAX_NODES:
                raise _Refused(line, f"more than {MAX_NODES:,} nodes after alias expansion (an alias bomb?)")

        if nodes > MAX_NODES:
            raise _Refused(
                line or (stack[-1][9] if stack else 0),
                f"more than {MAX_NODES:,} nodes after alias expansion (an alias bomb?)",
            )
        # Attach the finished value to its parent.
        if not stack:
            root = value
            continue
        parent = stack[-1]
        if parent[1]:
            key = parent[2]
            if key is _MERGE:
                if parent[8] is None:
                    parent[8] = []
                parent[8].append(value)
            else:
                parent[0][key] = value
            parent[2] = no_key
        else:
            parent[0].append(value)


_NO_KEY = object()


def _alias(
    event: Any, anchors: dict[str, tuple[Any, int, int]], open_anchors: set[str], line: int
) -> tuple[Any, int, int]:
    name = event.anchor
    if name in open_anchors:
        raise _Refused(line, f"recursive alias *{name} (an anchor that contains itself)")
    found = anchors.get(name)
    if found is None:
        raise _Refused(line, f"unknown alias *{name}")
    return found


def _height(value: Any, memo: dict[int, int]) -> int:
    """Nesting height of an anchored value; shared (aliased) parts are measured once via ``memo``.

    Recursion is bounded: every anchor inside ``value`` was already measured (and limited) when it closed.
    """
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return 0
    known = memo.get(id(value))
    if known is not None:
        return known
    height = 1 + max((_height(child, memo) for child in children), default=0)
    memo[id(value)] = height
    return height


def _apply_merges(value: Any, merges: list[Any], sink: FieldLines, prefix: str, line: int) -> dict[str, Any]:
    """``<<: *base`` / ``<<: [*a, *b]``: explicit keys win, earlier merged maps win over later ones."""
    sources: list[Any] = []
    for merge in merges:
        sources.extend(merge if isinstance(merge, list) else [merge])
    merged: dict[str, Any] = {}
    for source in reversed(sources):
        if not isinstance(source, dict):
            raise _Refused(line, "a merge key (<<) must refer to a mapping or a list of mappings")
        merged.update(source)
    for key in merged:
        if key not in value:
            sink.lines.setdefault(join_path(prefix, key), line)
    merged.update(value)
    return merged
