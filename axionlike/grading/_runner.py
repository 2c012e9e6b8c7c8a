"""GradingRunner: the OpenJudge / RM-Gallery grading API as a face on the engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from axionlike._exceptions import ConfigurationError, DatasetError
from axionlike._sync import run_sync
from axionlike.aggregators import Aggregator, bind_aggregators
from axionlike.dataset import DatasetItem
from axionlike.grading._graders import LABEL_FIELD, SAMPLE_FIELD, BoundGrader
from axionlike.grading._results import GraderResult, sample_entries
from axionlike.runners import EvaluationConfig, EvaluationRunner

GradingResults = dict[str, list[GraderResult]]
"""Per grader (and aggregator) name, one entry per sample in input order."""


class GradingRunner:
    """Runs several graders over samples of any shape, with mappers and aggregators.

    Every sample is graded by every grader; the work runs on the evaluation engine (one
    run, ``max_concurrency`` calls in flight), so a failing grader becomes an error entry
    and never stops the others. Nothing binds to an event loop here, so one runner can
    serve calls from successive loops (Ray workers, ``asyncio.run`` per step).

    Args:
        grader_configs: name -> GraderConfig, ``{"grader": ..., "mapper": ...}``, ``(grader, mapper)``
            or a grader alone.
        aggregators: an aggregator, a function ``{name: score} -> score``, or a list of them.
        max_concurrency: most grader calls in flight at once.
        show_progress: show a progress bar.
        timeout: seconds one grader call may take before it is recorded as timed out.
        name: name of the run (root trace span).
        trials: times each grader grades each sample; its entry's score is then the ``reducers``'
            reduction of the trials (the trial scores are in the entry's ``metadata``).
        reducers: ``'mean'``, ``'median'``, ``'min'``, ``'max'``, ``'mode'``, ``'pass@k'``,
            ``'pass^k'``, a function, or a dict of these by grader name (see ``EvaluationConfig``).
        backend: where grader calls run: ``None`` for this process, a ``RayBackend`` for Ray workers.

    Example:
        ```python
        runner = GradingRunner(
            {"exact": {"grader": exact, "mapper": {"response": "output.answer", "reference": "ref"}}},
            aggregators=WeightedSumAggregator(name="overall", weights={"exact": 1.0}),
        )
        results = await runner.arun(data)   # {"exact": [GraderScore, ...], "overall": [...]}
        ```
    """

    def __init__(
        self,
        grader_configs: Mapping[str, Any],
        aggregators: Any = None,
        max_concurrency: int = 32,
        show_progress: bool = True,
        *,
        timeout: float | None = None,
        name: str = "grading",
        trials: int = 1,
        reducers: Any = "mean",
        backend: Any = None,
    ) -> None:
        if not isinstance(grader_configs, Mapping) or not grader_configs:
            raise ConfigurationError("grader_configs must be a non-empty dict of name -> grader")
        self.graders = [BoundGrader.build(str(n), value) for n, value in grader_configs.items()]
        self.grader_names = [g.name for g in self.graders]
        self.aggregators: list[Aggregator] = bind_aggregators(aggregators, self.grader_names)
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.show_progress = show_progress
        self.timeout = timeout
        self.name = name
        self.trials = trials
        self.reducers = reducers
        self.backend = backend

    @property
    def names(self) -> list[str]:
        """Grader names, then aggregator names: the keys of every result."""
        return [*self.grader_names, *(a.name for a in self.aggregators)]

    async def arun(self, data: Sequence[Any]) -> GradingResults:
        """Grade one dataset; per name, one entry per sample in input order."""
        return (await self._grade([data], labelled=False))[0]

    async def arun_multiple_datasets(self, datasets: Sequence[Sequence[Any]]) -> list[GradingResults]:
        """Grade several datasets in one engine run; one result dict per dataset, in order."""
        if isinstance(datasets, (Mapping, str, bytes)) or not isinstance(datasets, Sequence):
            raise DatasetError(f"datasets must be a list of lists of samples; got {type(datasets).__name__}")
        return await self._grade(list(datasets), labelled=True)

    def run(self, data: Sequence[Any]) -> GradingResults:
        """``arun`` from synchronous code, including inside a running event loop."""
        return run_sync(self.arun(data))

    def run_multiple_datasets(self, datasets: Sequence[Sequence[Any]]) -> list[GradingResults]:
        """``arun_multiple_datasets`` from synchronous code."""
        return run_sync(self.arun_multiple_datasets(datasets))

    async def _grade(self, datasets: list[Any], *, labelled: bool) -> list[GradingResults]:
        items: list[DatasetItem] = []
        for d, data in enumerate(datasets):
            if isinstance(data, (Mapping, str, bytes)) or not isinstance(data, Sequence):
                where = f"dataset {d}" if labelled else "data"
                raise DatasetError(f"{where} must be a list of samples; got {type(data).__name__}")
            for i, sample in enumerate(data):
                label = f"dataset {d}, sample {i}" if labelled else f"sample {i}"
                items.append(DatasetItem(id=f"{d}:{i}", **{SAMPLE_FIELD: sample, LABEL_FIELD: label}))
        tests = []
        if items:
            config = EvaluationConfig(
                evaluation_inputs=items,
                scoring_metrics=list(self.graders),
                evaluation_name=self.name,
                aggregators=list(self.aggregators) or None,
                max_concurrent=self.max_concurrency,
                timeout=self.timeout,
                show_progress=self.show_progress,
                trials=self.trials,
                reducers=self.reducers,
                backend=self.backend,
                summary_generator=None,  # graders' results are returned per sample, not summarised
            )
            tests = (await EvaluationRunner(config).execute()).results
        out, start = [], 0
        for data in datasets:
            rows = [sample_entries(t, self.names) for t in tests[start : start + len(data)]]
            start += len(data)
            out.append({name: [row[name] for row in rows] for name in self.names})
        return out
