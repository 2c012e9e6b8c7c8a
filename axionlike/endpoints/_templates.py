"""Request-body templates of endpoints.

A template is any JSON value whose strings may hold ``{{ path }}`` placeholders, dot
paths read from the item as everywhere in axionlike (``axionlike._paths``): a string
that is only a placeholder takes the value as it is (a list stays a list), one with
text around it is formatted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from axionlike._paths import resolve

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\[\]*-]+)\s*\}\}")


def render(template: Any, values: dict[str, Any]) -> Any:
    """``template`` with every ``{{ path }}`` replaced from ``values`` (a PathError if absent)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template.strip())
        if whole:
            return resolve(values, whole.group(1))
        return _PLACEHOLDER.sub(lambda m: _as_text(resolve(values, m.group(1))), template)
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    return template


def _as_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
