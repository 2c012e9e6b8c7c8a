"""The one Retry-After parser: delta seconds and HTTP dates; anything else means 'use the backoff'."""

import email.utils
import time

import pytest

from axionlike._retry import parse_retry_after, retry_after_from_headers


def _http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), ("0", 0.0), ("-3", 0.0)])
def test_delta_seconds(value, expected):
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize("value", ["soon", "", "  ", None, "Mon, 99 Foo 20xx"])
def test_anything_else_is_none(value):
    assert parse_retry_after(value) is None


def test_http_dates_in_the_future_and_the_past():
    assert 27 <= parse_retry_after(_http_date(30)) <= 31
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_headers_prefer_milliseconds_then_retry_after():
    assert retry_after_from_headers({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert retry_after_from_headers({"Retry-After": "soon"}) is None
    assert retry_after_from_headers({"retry-after-ms": "x", "retry-after": "3"}) == 3.0
    assert retry_after_from_headers(None) is None
