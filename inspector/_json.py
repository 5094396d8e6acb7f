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
from typing import Any

import orjson


def dumps_utf8(obj: Any, *, newline: bool = False) -> bytes | str:
    """:func:`dumps` as UTF-8 bytes, for a writer with a binary stream (no decoded copy of a large text); what
    orjson refuses comes back as the standard encoder's str, written as it always was."""
    try:
        option = orjson.OPT_INDENT_2 | (orjson.OPT_APPEND_NEWLINE if newline else 0)
        return orjson.dumps(obj, option=option)
    except orjson.JSONEncodeError:
        return json.dumps(obj, indent=2, ensure_ascii=False) + ("\n" if newline else "")


def dumps(obj: Any, *, newline: bool = False) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)`` for float-free data, in C.

    ``newline`` appends the final newline inside the encoder: appending it to a 50 MB text afterwards copies it.
    """
    try:
        option = orjson.OPT_INDENT_2 | (orjson.OPT_APPEND_NEWLINE if newline else 0)
        return orjson.dumps(obj, option=option).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(obj, indent=2, ensure_ascii=False) + ("\n" if newline else "")
