"""Go's strconv/regexp semantics the replica's parsers must keep (``inspector.nic.parsing``)."""

from __future__ import annotations

import pytest

from inspector.nic.parsing import go_quote, go_quote_meta, parse_bool, parse_int, parse_lb_method, parse_time


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("True", True), ("f", False), ("yes", None), (" true", None)]
)
def test_parse_bool_takes_go_spellings_only(text: str, expected: bool | None) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", [" 5", "5 ", "1_000", "٣", "", "+", str(2**63)])
def test_parse_int_rejects_what_atoi_rejects(text: str) -> None:
    assert parse_int(text) is None


def test_parse_int_signs_and_unsigned_range() -> None:
    assert parse_int("-12") == -12
    assert parse_int("+7") == 7
    assert parse_int("-1", unsigned=True) is None
    assert parse_int(str(2**64 - 1), unsigned=True) == 2**64 - 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", "10s"),
        ("1m 30", "1m30s"),
        ("500ms", "500ms"),
        ("1h 5m", "1h5m"),
        ("10s\n", "10s"),
        ("", None),
        ("5x", None),
    ],
)
def test_parse_time_normalises_like_nic(text: str, expected: str | None) -> None:
    assert parse_time(text) == expected


def test_go_quote_escapes_as_strconv_quote() -> None:
    assert go_quote('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    assert go_quote("\a\x01é\u00a0") == '"\\a\\x01é\\u00a0"'


def test_go_quote_meta() -> None:
    assert go_quote_meta("https://*.a.b") == "https://\\*\\.a\\.b"


@pytest.mark.parametrize(
    ("text", "plus", "expected"),
    [
        (" round_robin ", False, ""),
        ("least_conn", False, "least_conn"),
        ("least_time header", False, None),
        ("least_time header", True, "least_time header"),
        ("hash $request_uri consistent", False, "hash $request_uri consistent"),
        ("hash  $request_uri", False, None),  # validateHashLBMethod splits on single spaces
        ("hashed $request_uri", False, None),
    ],
)
def test_parse_lb_method_as_nic(text: str, plus: bool, expected: str | None) -> None:
    assert parse_lb_method(text, plus) == expected
