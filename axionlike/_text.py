"""Text that can always be written out: lone surrogates shown as escapes."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with each lone surrogate (from ``surrogateescape`` decoding, a sliced emoji) written
    as a ``\\udfff`` escape, so it encodes as UTF-8 for a file, a DataFrame or a terminal."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
