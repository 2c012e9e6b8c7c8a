"""Names of metrics as results show them."""

from __future__ import annotations

import re


def snake_case(name: str) -> str:
    """``AnswerRelevancy`` -> ``answer_relevancy``; ``JSONValidity`` -> ``json_validity``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
