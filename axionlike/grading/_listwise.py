"""Graders that compare responses: listwise ranking, pairwise preference, group-relative scores."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from axionlike._exceptions import MetricError
from axionlike._invoke import invoke
from axionlike._redact import excerpt
from axionlike.metrics import MetricResult


def ranks_from_scores(scores: Sequence[float]) -> list[int]:
    """Competition ranks, 1 = best; equal scores share the better rank (``[3, 5, 3] -> [2, 1, 2]``)."""
    return [1 + sum(other > s for other in scores) for s in scores]


def _first_share(rank: list[int]) -> float:
    """Share of the other responses the first one outranks, ties counting half."""
    others = rank[1:]
    wins = sum(rank[0] < r for r in others) + 0.5 * sum(rank[0] == r for r in others)
    return wins / len(others)


def _rank_result(rank: list[int], reason: str | None, metadata: dict[str, Any]) -> MetricResult:
    return MetricResult(score=_first_share(rank), explanation=reason, metadata={"rank": rank, **metadata})


class ListwiseGrader:
    """Ranks several responses to one prompt; the verdict is a rank per response (1 = best).

    ``fn(**kwargs)`` (sync or async) gets the mapped sample and returns either a score per
    response (higher is better; converted to ranks), or a dict with ``"rank"`` (1 = best)
    or ``"scores"``, and optionally ``"reason"``. The entry's ``score`` is the share of the
    other responses the first one outranks; ``rank`` holds the full ranking.

    Example:
        ```python
        def by_length(query, responses):
            return [len(r) for r in responses]

        GradingRunner({"longest": {"grader": ListwiseGrader(by_length),
                                    "mapper": {"query": "query", "responses": "responses"}}})
        ```
    """

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None) -> None:
        self.fn = fn
        self.__name__ = name or getattr(fn, "__name__", type(fn).__name__)
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__module__ = getattr(fn, "__module__", __name__)

    async def aevaluate(self, **kwargs: Any) -> MetricResult:
        value = await invoke(self.fn, **kwargs)
        reason = None
        scores: list[float] | None = None
        if isinstance(value, Mapping):
            reason = value.get("reason")
            rank = value.get("rank")
            scores = value.get("scores")
            if rank is None and scores is None:
                raise MetricError(f"listwise grader '{self.__name__}' returned a dict without 'rank' or 'scores'")
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            rank, scores = None, list(value)
        else:
            raise MetricError(
                f"listwise grader '{self.__name__}' returned {type(value).__name__}; "
                "expected a list of scores or a dict with 'rank' or 'scores'"
            )
        if rank is None:
            assert scores is not None
            if not all(isinstance(s, (int, float)) and math.isfinite(s) for s in scores):
                raise MetricError(
                    f"listwise grader '{self.__name__}' returned non-numeric scores {excerpt(repr(scores), 80)}"
                )
            rank = ranks_from_scores(scores)
        rank = [int(r) for r in rank]
        if len(rank) < 2:
            raise MetricError(f"listwise grader '{self.__name__}' ranked {len(rank)} response(s); it needs at least 2")
        if any(r < 1 or r > len(rank) for r in rank):
            raise MetricError(f"listwise grader '{self.__name__}' returned ranks {rank} outside 1..{len(rank)}")
        return _rank_result(rank, reason, {"scores": list(scores)} if scores is not None else {})


class PairwiseGrader:
    """Compares two responses; the entry scores 1 if A wins, 0.5 on a tie, 0 if B wins.

    ``fn(**kwargs)`` returns ``"A"``, ``"B"`` or ``"tie"``; a bool (A wins); a number in
    [0, 1] (how strongly A is preferred); or a dict with ``"winner"`` or ``"score"`` and
    optionally ``"reason"``. ``rank`` is ``[1, 2]``, ``[2, 1]`` or ``[1, 1]``.
    """

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None) -> None:
        self.fn = fn
        self.__name__ = name or getattr(fn, "__name__", type(fn).__name__)
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__module__ = getattr(fn, "__module__", __name__)

    def _preference(self, value: Any) -> float:
        if isinstance(value, str):
            verdicts = {"a": 1.0, "b": 0.0, "tie": 0.5}
            if value.strip().lower() not in verdicts:
                raise MetricError(f"pairwise grader '{self.__name__}' returned {value!r}; expected 'A', 'B' or 'tie'")
            return verdicts[value.strip().lower()]
        if isinstance(value, (bool, int, float)) and 0 <= float(value) <= 1:
            return float(value)
        raise MetricError(
            f"pairwise grader '{self.__name__}' returned {excerpt(repr(value), 60)}; expected 'A', 'B', 'tie' or 0..1"
        )

    async def aevaluate(self, **kwargs: Any) -> MetricResult:
        value = await invoke(self.fn, **kwargs)
        reason = None
        if isinstance(value, Mapping):
            reason = value.get("reason")
            value = value.get("winner", value.get("score"))
        preference = self._preference(value)
        rank = [1, 2] if preference > 0.5 else [2, 1] if preference < 0.5 else [1, 1]
        winner = "A" if preference > 0.5 else "B" if preference < 0.5 else "tie"
        return MetricResult(score=preference, explanation=reason, metadata={"rank": rank, "winner": winner})


def group_relative(
    scores: Sequence[float | None], *, divide_by_std: bool = False, epsilon: float = 1e-6
) -> list[float | None]:
    """Scores relative to their group: minus the group mean, optionally over its std (as GRPO does).

    ``None`` entries (failed samples) stay ``None`` and are left out of the mean and std.
    The std is the sample std (n - 1), as VERL's GRPO advantage uses; a group with a single
    score gets 0.

    Example:
        ```python
        group_relative([1.0, 0.0, 0.5])                      # [0.5, -0.5, 0.0]
        group_relative([1.0, 0.0, 0.5], divide_by_std=True)  # [1.0, -1.0, 0.0]
        ```
    """
    present = [s for s in scores if s is not None]
    if not present:
        return list(scores)
    mean = statistics.fmean(present)
    std = statistics.stdev(present) if len(present) > 1 else 0.0
    out: list[float | None] = []
    for s in scores:
        if s is None:
            out.append(None)
        elif divide_by_std:
            out.append((s - mean) / (std + epsilon))
        else:
            out.append(s - mean)
    return out
