"""Metrics that need no LLM: string matching, structure and length checks."""

from __future__ import annotations

import json
import re
import reprlib
from typing import ClassVar, Literal

from pydantic import field_validator

from axionlike.dataset import DatasetItem
from axionlike.metrics._base import BaseMetric, MetricResult


def _normalise(text: str, case_sensitive: bool, strip: bool) -> str:
    text = text.strip() if strip else text
    return text if case_sensitive else text.casefold()


_QUOTE = reprlib.Repr()
_QUOTE.maxstring = 60
"""Texts quoted in explanations: a repr cut to 60 characters, so a long output cannot swamp one."""


def _first_difference(a: str, b: str) -> int:
    """Index of the first character where ``a`` and ``b`` differ (the shorter length if one is a prefix)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


class ExactMatch(BaseMetric):
    """1.0 when ``actual_output`` equals ``expected_output``, else 0.0."""

    required_fields = ("actual_output", "expected_output")
    version: ClassVar[str] = "2"  # scores explain themselves
    case_sensitive: bool = True
    strip: bool = True

    async def execute(self, item: DatasetItem) -> MetricResult:
        a = _normalise(item.text("actual_output"), self.case_sensitive, self.strip)
        b = _normalise(item.text("expected_output"), self.case_sensitive, self.strip)
        if a == b:
            return MetricResult(score=1.0, explanation="output equals the expected output")
        at = _first_difference(a, b)
        return MetricResult(
            score=0.0,
            explanation=f"output {_QUOTE.repr(a)} differs from expected {_QUOTE.repr(b)} at character {at}",
        )


class Contains(BaseMetric):
    """1.0 when ``actual_output`` contains ``substring`` (or ``expected_output`` if unset)."""

    required_fields = ("actual_output",)
    optional_fields = ("expected_output",)
    substring: str | None = None
    case_sensitive: bool = False

    async def execute(self, item: DatasetItem) -> MetricResult:
        needle = self.substring if self.substring is not None else item.expected_output
        if needle is None:
            raise ValueError("Contains needs `substring` or the item's expected_output")
        found = _normalise(needle, self.case_sensitive, True) in _normalise(
            item.text("actual_output"), self.case_sensitive, False
        )
        return MetricResult(score=float(found), explanation=f"{'found' if found else 'missing'}: {needle!r}")


class RegexMatch(BaseMetric):
    """1.0 when ``actual_output`` matches ``pattern`` (anywhere, or whole with ``full_match``)."""

    required_fields = ("actual_output",)
    version: ClassVar[str] = "2"  # scores explain themselves
    pattern: str
    full_match: bool = False
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value

    async def execute(self, item: DatasetItem) -> MetricResult:
        regex = re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0)
        match = (regex.fullmatch if self.full_match else regex.search)(item.text("actual_output"))
        if match is None:
            how = "does not match" if self.full_match else "has no match for"
            return MetricResult(score=0.0, explanation=f"output {how} {self.pattern!r}")
        return MetricResult(score=1.0, explanation=f"matched {_QUOTE.repr(match.group(0))}")


class LevenshteinSimilarity(BaseMetric):
    """1 minus the normalised Levenshtein distance between actual and expected output."""

    required_fields = ("actual_output", "expected_output")
    case_sensitive: bool = True

    async def execute(self, item: DatasetItem) -> float:
        from rapidfuzz.distance import Levenshtein

        a = _normalise(item.text("actual_output"), self.case_sensitive, True)
        b = _normalise(item.text("expected_output"), self.case_sensitive, True)
        return Levenshtein.normalized_similarity(a, b)


class Latency(BaseMetric):
    """The item's latency in seconds; lower is better, passes at or under ``threshold``."""

    required_fields = ("latency",)
    higher_is_better = False
    default_threshold = None

    async def execute(self, item: DatasetItem) -> MetricResult:
        latency = float(item.get("latency"))
        return MetricResult(score=latency, explanation=f"took {latency:.3f} s")


class JsonValidity(BaseMetric):
    """1.0 when ``actual_output`` parses as JSON (an object with ``required_keys``, if set)."""

    required_fields = ("actual_output",)
    required_keys: tuple[str, ...] = ()

    async def execute(self, item: DatasetItem) -> MetricResult:
        try:
            value = json.loads(item.text("actual_output"))
        except json.JSONDecodeError as exc:
            return MetricResult(score=0.0, explanation=f"not JSON: {exc.msg} at position {exc.pos}")
        if self.required_keys:
            if not isinstance(value, dict):
                return MetricResult(score=0.0, explanation=f"expected an object, got {type(value).__name__}")
            missing = [k for k in self.required_keys if k not in value]
            if missing:
                return MetricResult(score=0.0, explanation=f"missing keys: {', '.join(missing)}")
        return MetricResult(score=1.0, explanation="valid JSON")


class LengthConstraint(BaseMetric):
    """1.0 when ``actual_output`` is between ``min_length`` and ``max_length`` (inclusive)."""

    required_fields = ("actual_output",)
    min_length: int | None = None
    max_length: int | None = None
    unit: Literal["characters", "words"] = "characters"

    async def execute(self, item: DatasetItem) -> MetricResult:
        text = item.text("actual_output")
        length = len(text.split()) if self.unit == "words" else len(text)
        too_short = self.min_length is not None and length < self.min_length
        too_long = self.max_length is not None and length > self.max_length
        verdict = "too short" if too_short else "too long" if too_long else "within bounds"
        return MetricResult(score=float(not (too_short or too_long)), explanation=f"{length} {self.unit}: {verdict}")
