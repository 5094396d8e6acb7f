"""JSON text for the report, SARIF and explain outputs: orjson, byte for byte what ``json.dumps`` wrote.

Why: with ``indent`` the standard library falls back to its pure-Python encoder (0.7 s and ~100 MB of chunks at
10k objects); orjson with ``OPT_INDENT_2`` writes the same layout in C, several times faster. On the data these
outputs hold (str, int, bool, None, lists, tuples, str-keyed dicts) the text is identical to
``json.dumps(obj, indent=2, ensure_ascii=False)``: non-ASCII written as is, the same escapes for quotes,
backslashes and control characters, ``[]``/``{}`` for empty containers.

The one difference that could matter is floats (orjson writes ``1e16`` where Python writes ``1e+16``, and ``null``
for NaN): these outputs carry none (finding details are strings), and the rehearsal's JSON, which carries seconds,
keeps ``json.dumps``. What orjson refuses (integers beyond 64 bits, non-str keys, lone surrogates, unknown types)
goes to the standard encoder, which writes what it always wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson


def dumps(obj: Any, *, newline: bool = False) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)`` for float-free data, in C.

    ``newline`` appends the final newline inside the encoder: appending it to a 50 MB text afterwards copies it.
    """
    try:
        option = orjson.OPT_INDENT_2 | (orjson.OPT_APPEND_NEWLINE if newline else 0)
        return orjson.dumps(obj, option=option).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(obj, indent=2, ensure_ascii=False) + ("\n" if newline else "")


def _indented(obj: Any, depth: int) -> bytes:
    """``obj`` as it appears ``depth`` levels deep in an indented document: JSON strings escape their newlines, so
    every raw newline is layout, and each gets the enclosing indent."""
    try:
        out = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        out = json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8", errors="replace")
    return out.replace(b"\n", b"\n" + b"  " * depth) if depth else out


def dump_chunks(doc: Mapping[str, Any], lazy: Mapping[str, Iterable[Any]]) -> Iterator[bytes]:
    """:func:`dumps` of ``doc`` (with its final newline) in pieces, where each key of ``lazy`` is a list whose items
    are produced and written one at a time: the same bytes, without the whole document or its text in memory."""
    if not doc:
        yield b"{}\n"
        return
    sep = b"{\n  "
    for key, value in doc.items():
        yield sep + orjson.dumps(key) + b": "
        sep = b",\n  "
        if key not in lazy:
            yield _indented(value, 1)
            continue
        item_sep = b"[\n    "
        for item in lazy[key]:
            yield item_sep + _indented(item, 2)
            item_sep = b",\n    "
        yield b"[]" if item_sep == b"[\n    " else b"\n  ]"
    yield b"\n}\n"
