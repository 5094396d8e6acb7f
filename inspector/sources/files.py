"""Manifest files, folders and stdin to RawObjects, the way ``kubectl apply -f`` reads them.

This is the file half of the sources contract (see ``inspector.sources``): it finds the files, decodes bytes
(UTF-8, or UTF-16/UTF-8 with a BOM as kubectl accepts), tells JSON from YAML, unpacks ``kind: List`` (and every
``*List`` with ``items``, as ``kubectl get -o yaml|json`` prints), and checks that each document is a Kubernetes
object at all. Every problem is a :class:`LoadProblem` naming ``file:line``; nothing here raises on bad input and
every good object of a partly broken file is still returned. API-server rules (defaults, pruning, types) are
deliberately not applied here but in ``convert.py``, which the live-cluster source shares.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from inspector.catalogue import INPUT_SKIPPED, NO_OBJECTS, NOT_AN_OBJECT, UNREADABLE_SOURCE
from inspector.model import LoadProblem, Origin
from inspector.sources import RawObject
from inspector.sources._helm import HelmPlaces, template_line
from inspector.sources._walk import HELM_CHART_FILE as HELM_CHART_FILE
from inspector.sources._walk import KUSTOMIZATION_FILES as KUSTOMIZATION_FILES
from inspector.sources._walk import MANIFEST_SUFFIXES as MANIFEST_SUFFIXES
from inspector.sources._walk import RENDER_HINT, Walk
from inspector.sources._walk import problem as _problem
from inspector.sources._walk import reason as _reason
from inspector.sources._walk import shown as shown
from inspector.sources._walk import source_problem as source_problem
from inspector.sources.yaml_loader import (
    MAX_DEPTH,
    Document,
    FieldLines,
    duplicate_key_message,
    join_path,
    parse_yaml,
)

MIB = 1024 * 1024
MAX_FILE_BYTES = 64 * MIB
"""Default largest file (or stdin, or FIFO) read, ``--max-file-size``: a 50k-object cluster dump is ~25 MB.

The API server's own request limit is 3 MiB per object; the bound is on what one file may cost, not on objects."""
MAX_PROBLEMS_PER_FILE = 100
"""Problems one file may report; the rest are counted in one summary problem (a million bad documents)."""
STDIN_NAME = "<stdin>"


def format_size(size: int) -> str:
    return f"{size // MIB} MiB" if size % MIB == 0 else f"{size:,} bytes"


_SIZE = re.compile(r"\s*([0-9]+)\s*(|B|[kKMG]B?|[KMG]iB?)\s*")


def parse_size(text: str) -> int:
    """``--max-file-size``: ``64MiB``/``64Mi`` (2^20), ``100M``/``100MB`` (10^6), ``500k``, ``1048576``.

    ValueError when it is not a size (the CLI turns it into a usage error).
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (e.g. 64MiB, 100M, 1048576)")
    number, unit = int(match.group(1)), match.group(2).removesuffix("B")
    power = {"": 0, "k": 1, "K": 1, "M": 2, "G": 3}[unit.removesuffix("i")]
    size: int = number * (1024 if unit.endswith("i") else 1000) ** power
    if size < 1:
        raise ValueError(f"{text!r}: the size must be at least one byte")
    return size


StdinInput = IO[bytes] | bytes | str | None
"""What ``load_paths`` gets for ``-``: a stream to read (bounded), bytes already read (bounded, see
:func:`read_stdin`), a reason stdin could not be read, or None for the process's stdin."""


def read_stdin(limit: int = MAX_FILE_BYTES, stream: IO[bytes] | None = None) -> bytes | str:
    """At most ``limit + 1`` bytes of stdin (one more than allowed, so the loader can say it was too large), or
    the reason it could not be read (closed, not readable). Never reads without a bound: ``/dev/zero`` ends."""
    if stream is None:
        if sys.stdin is None:
            return "stdin is closed"
        stream = sys.stdin.buffer
    try:
        return read_bounded(stream, limit)
    except (OSError, ValueError) as err:
        return f"cannot read: {_reason(err)}"


def read_bounded(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit + 1`` bytes, read in pieces (a pipe or FIFO returns what it has, not what was asked)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk: object = stream.read(min(1024 * 1024, limit + 1 - size))
        if not chunk:
            break
        if not isinstance(chunk, bytes):  # a text stream handed in by a caller
            chunk = str(chunk).encode()
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def load_paths(
    paths: Sequence[str],
    *,
    stdin: StdinInput = None,
    stdin_name: str = STDIN_NAME,
    max_bytes: int = MAX_FILE_BYTES,
) -> tuple[list[RawObject], list[LoadProblem]]:
    """Every object in the given files, folders (recursive, sorted) and ``-`` (stdin), in that order.

    A run that finds no Kubernetes object at all gets one NO_OBJECTS problem: an empty stdin is not a clean run
    (unless a problem already says why nothing was read, or a chart or kustomization message what to run instead).
    """
    raws: list[RawObject] = []
    walk = Walk()
    problems = walk.problems
    stdin_empty = False
    stdin_name = shown(stdin_name)
    for given in paths:
        path = os.fspath(given)  # callers pass pathlib.Path too; origins and messages always carry str
        if path == "-":
            data = stdin if isinstance(stdin, (bytes, str)) else read_stdin(max_bytes, stdin)
            if isinstance(data, str):
                problems.append(_problem(UNREADABLE_SOURCE, stdin_name, 0, data))
                continue
            stdin_empty = stdin_empty or not data.strip()
            _extend(raws, problems, load_text(data, stdin_name, max_bytes=max_bytes))
            continue
        for file in walk.expand(path):
            content = _read_file(file, problems, max_bytes)
            if content is not None:
                _extend(raws, problems, load_text(content, shown(file), max_bytes=max_bytes))
    if not raws and not walk.render_first and not any(p.check_id in _EXPLAINS_NOTHING_READ for p in problems):
        names = [stdin_name if os.fspath(p) == "-" else shown(os.fspath(p)) for p in paths]
        if stdin_empty and len(paths) == 1:
            text = "stdin is empty: nothing was checked (did the command before the | fail?)"
        else:
            text = f"no Kubernetes object in {', '.join(names) or 'the input'}: nothing was checked"
        problems.append(_problem(NO_OBJECTS, names[0] if names else stdin_name, 0, text))
    return raws, problems


_EXPLAINS_NOTHING_READ = frozenset({NO_OBJECTS, UNREADABLE_SOURCE, INPUT_SKIPPED})


def cap_problems(problems: Iterable[LoadProblem], cap: int = MAX_PROBLEMS_PER_FILE) -> list[LoadProblem]:
    """At most ``cap`` problems per file, in order, the rest counted in one INPUT_SKIPPED summary per file.

    INPUT_SKIPPED problems themselves (skipped links, earlier summaries) are always kept and not counted.
    """
    out: list[LoadProblem] = []
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.check_id == INPUT_SKIPPED:
            out.append(problem)
            continue
        seen = counts.get(problem.file, 0)
        counts[problem.file] = seen + 1
        if seen < cap:
            out.append(problem)
    out.extend(_capped(file, seen - cap, cap) for file, seen in counts.items() if seen > cap)
    return out


def _capped(file: str, dropped: int, cap: int) -> LoadProblem:
    return _problem(INPUT_SKIPPED, file, 0, f"{dropped:,} more problems not listed: at most {cap} per file are listed")


class _FileProblems(list[LoadProblem]):
    """One file's problems, capped while they are made (a million bad documents must not make a million)."""

    def __init__(self, file: str, cap: int = MAX_PROBLEMS_PER_FILE) -> None:
        super().__init__()
        self.file, self.cap, self.dropped = file, cap, 0

    def append(self, problem: LoadProblem) -> None:
        if len(self) < self.cap:
            super().append(problem)
        else:
            self.dropped += 1

    def extend(self, problems: Iterable[LoadProblem]) -> None:
        for problem in problems:
            self.append(problem)

    def skipped(self) -> bool:
        """True (and counted) when the next problem would be past the cap, so the caller need not make it."""
        if len(self) < self.cap:
            return False
        self.dropped += 1
        return True

    def done(self) -> list[LoadProblem]:
        out = list(self)
        if self.dropped:
            out.append(_capped(self.file, self.dropped, self.cap))
        return out


def _extend(raws: list[RawObject], problems: list[LoadProblem], got: tuple[list[RawObject], list[LoadProblem]]) -> None:
    raws.extend(got[0])
    problems.extend(got[1])


def _read_file(file: str, problems: list[LoadProblem], max_bytes: int) -> bytes | None:
    try:
        with open(file, "rb") as handle:
            data = read_bounded(handle, max_bytes)
    except (OSError, ValueError) as err:
        problems.append(_problem(UNREADABLE_SOURCE, shown(file), 0, f"cannot read: {_reason(err)}"))
        return None
    return data


def load_text(
    data: bytes | str, file: str, *, max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[RawObject], list[LoadProblem]]:
    """Every object in one file's content; ``file`` is only used to name origins and problems.

    Documents after a ``# Source: chart/templates/x.yaml`` comment (``helm template`` output) are placed in that
    template, lines counted inside the rendered document. At most MAX_PROBLEMS_PER_FILE problems are listed.
    """
    problems = _FileProblems(file)
    raws: list[RawObject] = []
    try:
        if len(data) > max_bytes:
            too_large = f"more than {format_size(max_bytes)}: too large to be a manifest, not read (--max-file-size)"
            problems.append(_problem(UNREADABLE_SOURCE, file, 0, too_large))
            return raws, problems.done()
        text = data if isinstance(data, str) else _decode(data, file, problems)
        if text is None:
            return raws, problems.done()
        if text.startswith("\ufeff"):
            text = text[1:]
        text = _printable(text, file, problems)
        stripped = text.lstrip()
        places: HelmPlaces | None = None
        if stripped.startswith(("{", "[")):
            docs = _parse_json(text, file, problems)
        else:
            docs, yaml_problems = parse_yaml(text, file)
            template = template_line(text, yaml_problems) if yaml_problems else 0
            if template:
                # Go template actions do not parse as YAML: one message saying what to run, not a syntax error.
                what = f"a Helm template ({{{{ }}}} at line {template}), not a manifest: check what the chart renders"
                problems.append(_problem(UNREADABLE_SOURCE, file, 0, f"{what}: helm template CHART{RENDER_HINT}"))
                return raws, problems.done()
            places = HelmPlaces.scan(text, file)
            if places is not None:
                yaml_problems = [places.placed(p) for p in yaml_problems]
            problems.extend(yaml_problems)
        for doc in docs:
            _objects(doc, file, raws, problems, places)
    except (RecursionError, MemoryError) as err:  # last line of defence: a resource bound we did not foresee
        problems.append(_problem(UNREADABLE_SOURCE, file, 0, f"too complex to read ({type(err).__name__})"))
    return raws, problems.done()


def _decode(data: bytes, file: str, problems: list[LoadProblem]) -> str | None:
    """UTF-8, or UTF-16/32 when a BOM says so (kubectl's decoder accepts these); binary files are refused."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as err:
                line = data.count(b"\n", 0, err.start) + 1 if codec == "utf-8-sig" else 0
                problems.append(_problem(UNREADABLE_SOURCE, file, line, f"not valid {codec.upper()}: {err.reason}"))
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1].hex()
        what = "binary file (not text)" if b"\x00" in data else f"not UTF-8 (byte 0x{bad}); save the file as UTF-8"
        problems.append(_problem(UNREADABLE_SOURCE, file, line, what + _REST))
        return _before_document_of(data[: err.start].decode("utf-8"), err.start)


_REST = "; this and the following documents are not read"
# What YAML (and libyaml's reader) accepts: tab, LF, CR, printable ASCII, NEL, and the printable Unicode planes.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _printable(text: str, file: str, problems: list[LoadProblem]) -> str:
    """Text up to the document holding the first character YAML refuses (libyaml would refuse the whole file).

    kubectl decodes document by document, so the documents before a stray NUL or control byte still apply.
    """
    bad = _NOT_PRINTABLE.search(text)
    if bad is None:
        return text
    line = text.count("\n", 0, bad.start()) + 1
    char = bad.group()
    what = "binary data (NUL byte)" if char == "\x00" else f"control character U+{ord(char):04X}, not allowed in YAML"
    problems.append(_problem(UNREADABLE_SOURCE, file, line, what + _REST))
    return _before_document_of(text, bad.start())


def _before_document_of(text: str, position: int) -> str:
    """``text`` cut before the ``---`` line that starts the document containing ``position``."""
    cut = min(position, len(text))
    while True:
        found = text.rfind("\n---", 0, cut)
        if found < 0:
            return ""
        after = text[found + 4 : found + 5]
        if after in ("", "\n", "\r", " ", "\t"):
            return text[: found + 1]
        cut = found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a key repeats (see :func:`duplicate_key_message` for why)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _DuplicateKey("duplicate key")
    return value


def _json_duplicate(text: str, start: int, line: int) -> tuple[str, int, int]:
    """(key, first line, second line) of the first repeated key in the JSON value at ``text[start]``.

    Only run after the decoder found one, so the value is known to be valid JSON up to there.
    """
    keys: list[dict[str, int] | None] = []  # per open container: key -> line for objects, None for arrays
    expect_key: list[bool] = []
    for match in _JSON_TOKEN.finditer(text, start):
        token = match.group()
        first = token[0]
        if first == "\n":
            line += 1
        elif first in "{[":
            keys.append({} if first == "{" else None)
            expect_key.append(first == "{")
        elif first in "}]":
            keys.pop()
            expect_key.pop()
            if not keys:
                break
        elif first == ",":
            expect_key[-1] = keys[-1] is not None
        elif first == ":":
            expect_key[-1] = False
        elif keys and expect_key[-1]:
            seen = keys[-1]
            assert seen is not None
            key = json.loads(token) if "\\" in token else token[1:-1]
            if key in seen:
                return key, seen[key], line
            seen[key] = line
        elif not keys:
            break
    return "", 0, line


def _parse_json(text: str, file: str, problems: list[LoadProblem]) -> list[Document]:
    """A JSON file or a stream of JSON values (kubectl accepts both); each value's start line is kept.

    Field lines are scanned lazily per object (see :class:`_JsonFieldLines`), so a big ``kubectl get -o json``
    costs what ``json`` costs.
    """
    decoder = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    docs: list[Document] = []
    position = 0
    line = 1
    index = 0
    size = len(text)
    while True:
        start = _skip_space(text, position)
        if start >= size:
            break
        line += text.count("\n", position, start)
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as err:
            problems.append(_problem(UNREADABLE_SOURCE, file, err.lineno, f"JSON syntax error: {err.msg}"))
            break
        except _DuplicateKey:
            key, first_line, second_line = _json_duplicate(text, start, line)
            problems.append(
                _problem(UNREADABLE_SOURCE, file, second_line, duplicate_key_message(key, first_line, top_level=False))
            )
            try:  # the next value of a stream still loads, as after any refused document
                _, end = json.JSONDecoder(parse_constant=_refuse_constant).raw_decode(text, start)
            except (ValueError, RecursionError):
                break
            line += text.count("\n", start, end)
            position = end
            index += 1
            continue
        except ValueError as err:
            err_line = line + text.count("\n", start, start + 1)
            problems.append(_problem(UNREADABLE_SOURCE, file, err_line, f"JSON error: {err}"))
            break
        except RecursionError:
            problems.append(_problem(UNREADABLE_SOURCE, file, line, f"nesting deeper than {MAX_DEPTH} levels"))
            break
        if _too_deep(value, MAX_DEPTH):
            problems.append(_problem(UNREADABLE_SOURCE, file, line, f"nesting deeper than {MAX_DEPTH} levels"))
        else:
            items = _json_item_lines(text, start, line, value)
            docs.append(Document(index, line, value, FieldLines(offset=start), items, json_text=text))
        line += text.count("\n", start, end)
        position = end
        index += 1
    return docs


def _skip_space(text: str, position: int) -> int:
    size = len(text)
    while position < size and text[position] in " \t\r\n":
        position += 1
    return position


def _too_deep(value: Any, limit: int) -> bool:
    """Depth check with an explicit stack (the value may be just under Python's recursion limit)."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > limit:
            return True
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is dict or kind is list:
                push((child, depth + 1))
    return False


def _json_item_lines(text: str, start: int, line: int, value: Any) -> dict[tuple[str, int], FieldLines]:
    """Line and offset of each item of a JSON List, found by re-decoding only the top level (in C).

    Lines are counted incrementally from item to item, so a List of 50k items stays linear.
    """
    if not (isinstance(value, dict) and isinstance(value.get("items"), list) and value["items"]):
        return {}
    decoder = json.JSONDecoder()
    out: dict[tuple[str, int], FieldLines] = {}
    position = start + 1
    try:
        while True:
            position = _skip_space(text, position)
            if text[position] == "}":
                return out
            key, position = decoder.raw_decode(text, position)
            position = _skip_space(text, position) + 1  # the ':'
            position = _skip_space(text, position)
            if key == "items" and text[position] == "[":
                position += 1
                counted, item_line = start, line
                for item_index in range(len(value["items"])):
                    position = _skip_space(text, position)
                    item_line += text.count("\n", counted, position)
                    counted = position
                    out[("items", item_index)] = FieldLines({"": item_line}, offset=position)
                    _, position = decoder.raw_decode(text, position)
                    position = _skip_space(text, position) + 1  # ',' or ']'
                return out
            _, position = decoder.raw_decode(text, position)
            position = _skip_space(text, position) + 1  # ',' or '}'
    except (ValueError, IndexError):
        return out


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],:\n]|-?[0-9][^,\]}\s]*|true|false|null')


def _scan_json_lines(text: str, start: int, line: int) -> dict[str, int]:
    """Field-path lines of the JSON object that starts at ``text[start]`` (already known to be valid JSON)."""
    lines: dict[str, int] = {}
    # frames: [is_object, path_prefix, next_index, pending_key_path, expecting_key]
    stack: list[list[Any]] = []
    for match in _JSON_TOKEN.finditer(text, start):
        token = match.group()
        first = token[0]
        if first == "\n":
            line += 1
            continue
        if first in "}]":
            stack.pop()
            if not stack:
                break
            continue
        if first == ",":
            frame = stack[-1]
            if frame[0]:
                frame[4] = True
            else:
                frame[2] += 1
            continue
        if first == ":":
            stack[-1][4] = False
            continue
        top = stack[-1] if stack else None
        if top is not None and top[0] and top[4]:
            key = json.loads(token) if "\\" in token else token[1:-1]
            top[3] = join_path(top[1], key)
            lines[top[3]] = line
            continue
        path = ""
        if top is not None:
            if top[0]:
                path = top[3]
            else:
                path = f"{top[1]}[{top[2]}]"
                lines[path] = line
        if first in "{[":
            stack.append([first == "{", path, 0, "", True])
        elif top is None:
            break
    return lines


_LAZY_JSON_BYTES = 1024 * 1024
"""JSON files larger than this get lazily scanned field lines; smaller ones a plain dict (simplest for callers)."""


def _json_fields(text: str, start: int, line: int) -> Mapping[str, int]:
    if len(text) <= _LAZY_JSON_BYTES:
        return _scan_json_lines(text, start, line)
    return _JsonFieldLines(text, start, line)


class _JsonFieldLines(Mapping[str, int]):
    """Field lines of one JSON object, scanned on first use: findings look at few objects, loads see many."""

    __slots__ = ("_line", "_lines", "_start", "_text")

    def __init__(self, text: str, start: int, line: int) -> None:
        self._text, self._start, self._line = text, start, line
        self._lines: dict[str, int] | None = None

    def _scanned(self) -> dict[str, int]:
        if self._lines is None:
            try:
                self._lines = _scan_json_lines(self._text, self._start, self._line)
            except (IndexError, ValueError):  # cannot happen for text json accepted; never break a report
                self._lines = {}
        return self._lines

    def __getitem__(self, path: str) -> int:
        return self._scanned()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scanned())

    def __len__(self) -> int:
        return len(self._scanned())

    def __repr__(self) -> str:
        return repr(self._scanned())


def _objects(
    doc: Document, file: str, raws: list[RawObject], problems: list[LoadProblem], places: HelmPlaces | None = None
) -> None:
    """One document to RawObjects: skip empty ones, unpack Lists, refuse what is not a Kubernetes object.

    What is not an object is named by its type only: its content may be anything a link or a typo pulled in.
    """
    value = doc.value
    doc_index, shift = doc.index, 0
    if places is not None:
        template, line_inside = places.place(doc.line)
        if template is not None:
            file, shift = template, doc.line - line_inside
            doc_index = places.next_doc(template)
    line = doc.line - shift
    if value is None:
        return
    if not isinstance(value, dict):
        if isinstance(problems, _FileProblems) and problems.skipped():
            return  # past the cap: counted, not built (a million tiny documents)
        what = "a list" if isinstance(value, list) else f"a {_json_type(value)}"
        problems.append(
            _problem(NOT_AN_OBJECT, file, line, f"document {doc_index + 1} is {what}, not a Kubernetes object")
        )
        return
    kind = value.get("kind")
    items = value.get("items")
    if isinstance(kind, str) and kind.endswith("List") and "items" in value:
        if items is None:
            return
        if not isinstance(items, list):
            problems.append(_problem(NOT_AN_OBJECT, file, line, f"{_kind_shown(kind)}: items is not a list"))
            return
        for index, item in enumerate(items):
            sub = doc.item_fields.get(("items", index), FieldLines())
            item_line = (sub.lines.get("", 0) or doc.fields.lines.get(f"items[{index}]", 0) or doc.line) - shift
            fields: Mapping[str, int]
            if doc.json_text is not None and sub.offset >= 0:
                fields = _json_fields(doc.json_text, sub.offset, item_line)
            else:
                fields = {path: at - shift for path, at in sub.lines.items() if path}
            where = f"{_kind_shown(kind)} item {index}"
            _one(item, Origin(file, index, item_line, fields), sub.raw, raws, problems, where)
        return
    if doc.json_text is not None:
        json_fields = _json_fields(doc.json_text, doc.fields.offset, doc.line)
        _one(value, Origin(file, doc_index, line, json_fields), {}, raws, problems, None)
        return
    merged = doc.merged_fields()
    lines = merged.lines if not shift else {path: at - shift for path, at in merged.lines.items()}
    _one(value, Origin(file, doc_index, line, lines), merged.raw, raws, problems, None)


_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")


def _kind_shown(kind: object) -> str:
    """A ``kind`` as messages may quote it: a Kubernetes kind's shape, else only that it is not one."""
    return kind if isinstance(kind, str) and _KIND.fullmatch(kind) else "(a kind that is not a Kubernetes kind)"


def _one(
    value: Any,
    origin: Origin,
    raw_text: dict[str, str],
    raws: list[RawObject],
    problems: list[LoadProblem],
    where: str | None,
) -> None:
    file, line = origin.file, origin.line
    label = where or f"document {origin.doc + 1}"
    if not isinstance(value, dict):
        problems.append(_problem(NOT_AN_OBJECT, file, line, f"{label} is not a mapping, not a Kubernetes object"))
        return
    missing = [key for key in ("apiVersion", "kind") if not isinstance(value.get(key), str) or not value[key]]
    metadata = value.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        missing.append("metadata.name")
    if missing:
        kind = value.get("kind")
        what = f"{_kind_shown(kind)} " if isinstance(kind, str) and kind else ""
        problems.append(
            _problem(
                NOT_AN_OBJECT,
                file,
                line,
                f"{label}: {what}object without {', '.join(missing)}; kubectl would refuse it",
            )
        )
        return
    raws.append(RawObject(value, origin, raw_scalars=raw_text))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
