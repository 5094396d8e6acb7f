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
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from inspector.catalogue import NOT_AN_OBJECT, UNREADABLE_SOURCE
from inspector.model import LoadProblem, Origin
from inspector.sources import RawObject
from inspector.sources.yaml_loader import MAX_DEPTH, Document, FieldLines, join_path, parse_yaml

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest file (or stdin) read; the API server's own request limit is 3 MiB per object."""
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN_NAME = "<stdin>"


def _problem(check_id: str, file: str, line: int, text: str) -> LoadProblem:
    where = f"{file}:{line}" if line else file
    return LoadProblem(check_id, f"{where}: {text}", file, line)


def load_paths(paths: Sequence[str], *, stdin: IO[bytes] | None = None) -> tuple[list[RawObject], list[LoadProblem]]:
    """Every object in the given files, folders (recursive, sorted) and ``-`` (stdin), in that order."""
    raws: list[RawObject] = []
    problems: list[LoadProblem] = []
    for given in paths:
        path = os.fspath(given)  # callers pass pathlib.Path too; origins and messages always carry str
        if path == "-":
            data = _read_stdin(stdin, problems)
            if data is not None:
                _extend(raws, problems, load_text(data, STDIN_NAME))
            continue
        for file in _expand(path, problems):
            data = _read_file(file, problems)
            if data is not None:
                _extend(raws, problems, load_text(data, file))
    return raws, problems


def _extend(raws: list[RawObject], problems: list[LoadProblem], got: tuple[list[RawObject], list[LoadProblem]]) -> None:
    raws.extend(got[0])
    problems.extend(got[1])


def _expand(path: str, problems: list[LoadProblem]) -> Iterator[str]:
    """A file as given, or a folder's manifest files recursively in sorted order (deterministic output).

    Hidden files and folders (``.git``, editor swap files) are skipped; a file named explicitly is always read.
    """
    if os.path.isdir(path):
        found: list[str] = []

        def unreadable(err: OSError) -> None:
            where = str(err.filename or path)
            problems.append(_problem(UNREADABLE_SOURCE, where, 0, f"cannot read folder: {err.strerror or err}"))

        for folder, dirs, names in os.walk(path, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(
                os.path.join(folder, name)
                for name in names
                if name.lower().endswith(MANIFEST_SUFFIXES) and not name.startswith(".")
            )
        if not found:
            problems.append(_problem(UNREADABLE_SOURCE, path, 0, "folder holds no *.yaml, *.yml or *.json files"))
        yield from sorted(found)
    elif os.path.exists(path):
        yield path
    else:
        problems.append(_problem(UNREADABLE_SOURCE, path, 0, "no such file or folder"))


def _read_file(file: str, problems: list[LoadProblem]) -> bytes | None:
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        problems.append(_problem(UNREADABLE_SOURCE, file, 0, f"cannot read: {err.strerror or err}"))
        return None
    return data


def _read_stdin(stdin: IO[bytes] | None, problems: list[LoadProblem]) -> bytes | None:
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as err:
        problems.append(_problem(UNREADABLE_SOURCE, STDIN_NAME, 0, f"cannot read: {err}"))
        return None
    return data if isinstance(data, bytes) else str(data).encode()


def load_text(data: bytes | str, file: str) -> tuple[list[RawObject], list[LoadProblem]]:
    """Every object in one file's content; ``file`` is only used to name origins and problems."""
    problems: list[LoadProblem] = []
    raws: list[RawObject] = []
    try:
        if len(data) > MAX_FILE_BYTES:
            size = "more than 16 MiB"
            problems.append(_problem(UNREADABLE_SOURCE, file, 0, f"{size}: too large to be a manifest, not read"))
            return raws, problems
        text = data if isinstance(data, str) else _decode(data, file, problems)
        if text is None:
            return raws, problems
        if text.startswith("\ufeff"):
            text = text[1:]
        text = _printable(text, file, problems)
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            docs = _parse_json(text, file, problems)
        else:
            docs, yaml_problems = parse_yaml(text, file)
            problems.extend(yaml_problems)
        for doc in docs:
            _objects(doc, file, raws, problems)
    except (RecursionError, MemoryError) as err:  # last line of defence: a resource bound we did not foresee
        problems.append(_problem(UNREADABLE_SOURCE, file, 0, f"too complex to read ({type(err).__name__})"))
    return raws, problems


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


def _parse_json(text: str, file: str, problems: list[LoadProblem]) -> list[Document]:
    """A JSON file or a stream of JSON values (kubectl accepts both); each value's start line is kept.

    Field lines are scanned lazily per object (see :class:`_JsonFieldLines`), so a big ``kubectl get -o json``
    costs what ``json`` costs.
    """
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
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


def _objects(doc: Document, file: str, raws: list[RawObject], problems: list[LoadProblem]) -> None:
    """One document to RawObjects: skip empty ones, unpack Lists, refuse what is not a Kubernetes object."""
    value = doc.value
    if value is None:
        return
    if not isinstance(value, dict):
        what = "a list" if isinstance(value, list) else f"a {_json_type(value)} ({str(value)[:40]!r})"
        problems.append(
            _problem(NOT_AN_OBJECT, file, doc.line, f"document {doc.index + 1} is {what}, not a Kubernetes object")
        )
        return
    kind = value.get("kind")
    items = value.get("items")
    if isinstance(kind, str) and kind.endswith("List") and "items" in value:
        if items is None:
            return
        if not isinstance(items, list):
            problems.append(_problem(NOT_AN_OBJECT, file, doc.line, f"{kind}: items is not a list"))
            return
        for index, item in enumerate(items):
            sub = doc.item_fields.get(("items", index), FieldLines())
            line = sub.lines.get("", 0) or doc.fields.lines.get(f"items[{index}]", 0) or doc.line
            fields: Mapping[str, int]
            if doc.json_text is not None and sub.offset >= 0:
                fields = _json_fields(doc.json_text, sub.offset, line)
            else:
                fields = {path: at for path, at in sub.lines.items() if path}
            _one(item, Origin(file, index, line, fields), sub.raw, raws, problems, f"{kind} item {index}")
        return
    if doc.json_text is not None:
        json_fields = _json_fields(doc.json_text, doc.fields.offset, doc.line)
        _one(value, Origin(file, doc.index, doc.line, json_fields), {}, raws, problems, None)
        return
    merged = doc.merged_fields()
    _one(value, Origin(file, doc.index, doc.line, merged.lines), merged.raw, raws, problems, None)


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
        what = f"{kind} " if isinstance(kind, str) and kind else ""
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
