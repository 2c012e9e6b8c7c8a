"""An evaluation function as the engine's scoring step, and what its return values mean."""

from __future__ import annotations

import dataclasses
import statistics
from typing import Any

from pydantic import TypeAdapter

from axionlike._exceptions import MetricError
from axionlike._invoke import invoke
from axionlike.dataset import DatasetItem
from axionlike.integrations._foreach import EvaluationSpec
from axionlike.metrics import MetricResult
from axionlike.results import MetricScore, TestResult
from axionlike.runners import MetricDescription, Scorer

#: Key of ``MetricResult.metadata`` carrying the named scores of one row.
SCORES_KEY = "pytest_scores"
SOURCE = "pytest"
_SCORE = TypeAdapter(MetricScore)
_SCORES = TypeAdapter(list[MetricScore])
"""A row's named scores travel to the face as JSON data in the engine's one score, and back."""


def _one_score(evaluation: str, name: str, value: Any, threshold: float | None) -> MetricScore:
    """One named score of a row: a MetricScore validated (a dataclass is not when built), anything
    else read by ``MetricResult.from_value``."""
    if isinstance(value, MetricScore):
        given = _SCORE.validate_python(dataclasses.asdict(value))
        if given.score is None or given.status != "scored":
            raise MetricError(f"evaluation '{evaluation}' returned a MetricScore '{name}' without a score")
        score = dataclasses.replace(given, name=name, source=SOURCE)
    else:
        label = evaluation if name == evaluation else f"{evaluation}' (score '{name}"
        result = MetricResult.from_value(value, label, kind="evaluation")
        score = MetricScore(
            name=name,
            score=result.score,
            passed=value if isinstance(value, bool) else None,
            explanation=result.explanation,
            usage=result.usage,
            metadata=dict(result.metadata),
            source=SOURCE,
        )
    if score.passed is None and threshold is not None:
        score = dataclasses.replace(
            score, passed=score.score is not None and score.score >= threshold, threshold=threshold
        )
    return score


def named_scores(value: Any, spec: EvaluationSpec) -> list[MetricScore]:
    """The scores one call of the evaluation function returned, each with its name."""
    if isinstance(value, dict):
        if not value:
            raise MetricError(f"evaluation '{spec.name}' returned an empty dict; expected named scores")
        return [_one_score(spec.name, str(k), v, spec.threshold) for k, v in value.items()]
    return [_one_score(spec.name, spec.name, value, spec.threshold)]


class RowScorer(Scorer):
    """Calls the evaluation function on one row; the engine runs it as a metric.

    Async functions are awaited on the engine's loop; sync ones run in the run's
    threads (``max_concurrent`` of them). The named scores travel to the face in the
    result's metadata and are unfolded by ``unfold``.
    """

    def __init__(self, spec: EvaluationSpec, fixtures: dict[str, Any]) -> None:
        self.spec = spec
        self.fixtures = fixtures

    def describe(self) -> MetricDescription:
        fn = self.spec.fn
        return MetricDescription(
            name=self.spec.name,
            required_fields=(),
            optional_fields=(),
            higher_is_better=True,
            threshold=None,
            identity={"function": f"{fn.__module__}.{fn.__qualname__}"},
            span_name=f"{self.spec.name}.execute",
            source=SOURCE,
        )

    async def score(self, item: DatasetItem) -> MetricResult:
        kwargs = {name: item.get(name) for name in self.spec.fields} | self.fixtures
        value = await invoke(self.spec.fn, **kwargs)
        scores = named_scores(value, self.spec)
        return MetricResult(
            score=statistics.fmean(s.score for s in scores if s.score is not None),
            metadata={SCORES_KEY: _SCORES.dump_python(scores, mode="json")},
        )


def score_names(results: list[TestResult], spec: EvaluationSpec) -> list[str]:
    """Names of the scores the evaluation produced, in first-seen order."""
    names: dict[str, None] = {}
    for result in results:
        for score in result.scores:
            for named in score.metadata.get(SCORES_KEY, ()):
                names.setdefault(named["name"], None)
    return list(names) or [spec.name]


def unfold(result: TestResult, names: list[str]) -> TestResult:
    """Replace the engine's one score of a row by the row's named scores.

    A row whose call failed gets the error under every score name, so each score's
    summary counts it. With trials, each trial is unfolded and a named score is the mean
    of its scored trials; it passes by its threshold, or, for pass/fail scores, when most
    trials pass.
    """
    if not result.trials:
        return result.model_copy(update={"scores": _unfolded(result.scores, names)})
    trials = [dataclasses.replace(trial, scores=_unfolded(trial.scores, names)) for trial in result.trials]
    ran = [trial.scores for trial in trials if trial.error is None]
    scores = [_mean_of_trials([s for scores in ran for s in scores if s.name == name]) for name in names] if ran else []
    return result.model_copy(update={"scores": [s for s in scores if s is not None], "trials": trials})


def _unfolded(scores: list[MetricScore], names: list[str]) -> list[MetricScore]:
    unfolded: list[MetricScore] = []
    for score in scores:
        if score.status == "scored":
            for named in score.metadata.get(SCORES_KEY, ()):
                unfolded.append(dataclasses.replace(_SCORE.validate_python(named), latency=score.latency))
        else:
            unfolded.extend(dataclasses.replace(score, name=n, source=SOURCE) for n in names)
    return unfolded


def _mean_of_trials(trial_scores: list[MetricScore]) -> MetricScore | None:
    """One named score from its trials: the mean of the scored ones (else the first trial's error);
    its latency is theirs summed, and it is cached only if they all were, as the engine's reducers do."""
    scored = [s for s in trial_scores if s.status == "scored" and s.score is not None]
    if not scored:
        return trial_scores[0] if trial_scores else None
    mean = statistics.fmean(s.score for s in scored if s.score is not None)
    latencies = [s.latency for s in scored if s.latency is not None]
    verdicts = [s.passed for s in scored if s.passed is not None]
    if scored[0].threshold is not None:
        passed: bool | None = mean >= scored[0].threshold
    else:
        passed = sum(verdicts) * 2 > len(verdicts) if verdicts else None
    return dataclasses.replace(
        scored[0],
        score=mean,
        passed=passed,
        latency=sum(latencies) if latencies else None,
        cached=all(s.cached for s in scored),
        explanation=f"mean of {len(scored)} trials",
        metadata={**scored[0].metadata, "trial_scores": [s.score for s in scored]},
    )
