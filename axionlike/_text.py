"""Text that can always be written out: lone surrogates shown as escapes, or kept as JSON escapes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # pydantic is imported when a model is written, so tracing imports without it
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def printable(text: str) -> str:
    """``text`` with each lone surrogate (from ``surrogateescape`` decoding, a sliced emoji) written
    as a ``\\udfff`` escape, so it encodes as UTF-8 for a file, a DataFrame or a terminal."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def model_json(model: BaseModel) -> str:
    """``model`` as JSON text, also when its text holds lone surrogates: pydantic writes UTF-8
    only, so those models are written by ``json``, which keeps them as ``\\udfff`` escapes."""
    from pydantic_core import PydanticSerializationError

    try:
        return model.model_dump_json()
    except PydanticSerializationError:
        return json.dumps(model.model_dump(mode="json"))


def model_from_json(model: type[M], text: str) -> M:
    """The ``model`` that ``model_json`` wrote, lone surrogates restored (pydantic's parser refuses
    their escapes, ``json`` reads them)."""
    from pydantic import ValidationError

    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "json_invalid":
            raise
        try:
            data = json.loads(text)
        except ValueError:
            raise exc from None
        return model.model_validate(data)
