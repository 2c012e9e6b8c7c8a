"""One evaluation run through the engine, resumable from its journal.

The face of the pytest plugin: read the rows, skip those the journal already holds,
run the rest through the engine (the evaluation function is the scoring step),
then build the run's ``EvaluationResult`` from the journal and store it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError, to_json

from axionlike._exceptions import ConfigurationError, InvalidItemError
from axionlike._sync import run_sync
from axionlike.dataset import Dataset, DatasetItem
from axionlike.integrations._foreach import EvaluationSpec
from axionlike.integrations._scoring import RowScorer, score_names, unfold
from axionlike.integrations.experiments import ExperimentStore, JournalEntry, JournalHeader, evaluation_key
from axionlike.results import ErrorInfo, EvaluationResult, TestResult, Usage, build_result
from axionlike.runners import EvaluationConfig, EvaluationRunner

Row = DatasetItem | InvalidItemError


def default_experiment() -> str:
    """A fresh experiment name, ``run-YYYYmmdd-HHMMSS-xxxx`` (UTC, then 4 random hex digits)."""
    return f"{datetime.now(UTC):run-%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


class EvaluationOptions(BaseModel):
    """How evaluations run and where they are stored (the plugin's command-line options)."""

    model_config = ConfigDict(extra="forbid")

    experiment: str = Field(default_factory=default_experiment)
    """Name of the run; started again with the same name, a run resumes."""
    results_dir: Path = Path(".axionlike")
    """Directory holding one sub-directory per experiment."""
    max_concurrent: int = Field(default=10, ge=1)
    """Rows evaluated at once (async functions on the loop, sync ones in threads)."""
    samples: int | None = Field(default=None, ge=1)
    """Evaluate only the first N rows."""
    retry_errors: bool = False
    """On resume, run again the rows that errored (by default their error is kept)."""
    trials: int = Field(default=1, ge=1)
    """Times each row runs; its score is the mean of its trials (the trials are kept in the result)."""


@dataclass(frozen=True)
class EvaluationOutcome:
    """A finished (and stored) evaluation: its result and what this session ran."""

    nodeid: str
    result: EvaluationResult
    ran: int
    """Rows evaluated in this session."""
    reused: int
    """Rows taken from the journal of an earlier session."""


def _row(row: Any, index: int, fields: tuple[str, ...]) -> Row:
    try:
        if isinstance(row, (tuple, list)):
            if len(row) != len(fields):
                raise InvalidItemError(
                    f"row {index}: has {len(row)} values but foreach names {len(fields)} fields ({', '.join(fields)})",
                    row=index,
                )
            row = dict(zip(fields, row, strict=True))
        elif len(fields) == 1 and not isinstance(row, (dict, DatasetItem, BaseModel)):
            row = {fields[0]: row}
        return DatasetItem.from_row(row, index)
    except InvalidItemError as exc:
        return exc


def load_rows(spec: EvaluationSpec, samples: int | None) -> list[Row]:
    """The evaluation's rows as items (or the error that makes a row invalid), first N if asked."""
    source = spec.dataset
    if isinstance(source, (str, Path, Dataset)) or type(source).__name__ == "DataFrame":
        rows = [row for _, row in islice(Dataset.load(source).rows(), samples)]
    else:
        rows = [_row(row, i, spec.fields) for i, row in enumerate(islice(source, samples))]
    return [
        _checked(row, index, spec.fields) if isinstance(row, DatasetItem) else row for index, row in enumerate(rows)
    ]


def _checked(item: DatasetItem, index: int, fields: tuple[str, ...]) -> Row:
    """The item, or why it cannot be evaluated: a field it lacks, a value JSON cannot store."""
    missing = item.missing(fields)
    if missing:
        return InvalidItemError(
            f"row {index} (id {item.id!r}): no value for field {', '.join(missing)} "
            f"(foreach names {', '.join(fields)})",
            row=index,
        )
    unstorable = {}
    for name, value in item.fields().items():
        try:
            to_json(value)
        except PydanticSerializationError:
            unstorable[name] = type(value).__name__
    if unstorable:
        described = ", ".join(f"'{k}' ({v})" for k, v in unstorable.items())
        return InvalidItemError(
            f"row {index} (id {item.id!r}): field {described} cannot be stored as JSON; "
            "give rows strings, numbers, bools, lists or dicts",
            row=index,
        )
    return item


def run_evaluation(
    spec: EvaluationSpec,
    fixtures: dict[str, Any],
    options: EvaluationOptions,
    *,
    nodeid: str | None = None,
    name: str | None = None,
) -> EvaluationOutcome:
    """``arun_evaluation`` from synchronous code."""
    return run_sync(arun_evaluation(spec, fixtures, options, nodeid=nodeid, name=name))


async def arun_evaluation(
    spec: EvaluationSpec,
    fixtures: dict[str, Any],
    options: EvaluationOptions,
    *,
    nodeid: str | None = None,
    name: str | None = None,
) -> EvaluationOutcome:
    """Run (or resume) one evaluation and store its result.

    Rows already in the experiment's journal are not run again (errored ones only
    with ``retry_errors``); the result is built from the journal, so a resumed run
    stores the same result as an uninterrupted one. Several evaluations may run at
    once on one loop, each with its own engine and its own ``max_concurrent``.
    """
    nodeid = nodeid or f"{spec.fn.__module__}::{spec.fn.__qualname__}"
    name = name or spec.name
    key = evaluation_key(nodeid)
    store = ExperimentStore(options.results_dir, options.experiment)
    journal = store.journal(key)
    rows = load_rows(spec, options.samples)

    header, done = journal.read()
    if header is not None and header.evaluation != nodeid:
        raise ConfigurationError(
            f"{journal.path} records {header.evaluation!r}, not {nodeid!r}; use another --experiment"
        )
    if header is None:
        header = JournalHeader(run_id=uuid.uuid4().hex, evaluation=nodeid, started=datetime.now(UTC).isoformat())
        journal.start(header)
    reusable = {
        index
        for index, entry in done.items()
        if index < len(rows)
        and isinstance(rows[index], DatasetItem)
        and entry.id == rows[index].id  # type: ignore[union-attr]
        and (entry.result.succeeded or not options.retry_errors)
        and len(entry.result.trials) == (options.trials if options.trials > 1 else 0)  # as many trials as asked
    }
    todo = [(i, row) for i, row in enumerate(rows) if isinstance(row, DatasetItem) and i not in reusable]
    this_session: EvaluationResult | None = None
    if todo:
        config = EvaluationConfig(
            evaluation_inputs=[row for _, row in todo],
            scoring_metrics=[RowScorer(spec, fixtures)],
            evaluation_name=name,
            max_concurrent=spec.max_concurrent or options.max_concurrent,
            trials=options.trials,
            run_id=header.run_id,
            show_progress=False,
            summary_generator=None,  # pytest's terminal summary reports the evaluations
        )
        positions = [i for i, _ in todo]

        def record(result: TestResult) -> None:
            journal.append(positions[result.index], result.model_copy(update={"index": positions[result.index]}))

        this_session = await EvaluationRunner(config, on_result=record).execute()
        _, done = journal.read()

    result = _build_result(spec, rows, done, header, name, options, this_session)
    result.save(store.result_path(key))
    return EvaluationOutcome(nodeid=nodeid, result=result, ran=len(todo), reused=len(reusable))


def _build_result(
    spec: EvaluationSpec,
    rows: list[Row],
    done: dict[int, JournalEntry],
    header: JournalHeader,
    name: str,
    options: EvaluationOptions,
    this_session: EvaluationResult | None,
) -> EvaluationResult:
    """The evaluation's result over every row, from the journal; durations, usage and cache are this session's."""
    results = [
        done[i].result
        if isinstance(row, DatasetItem)
        else TestResult(index=i, item=None, error=ErrorInfo.from_exception(row, "input"))
        for i, row in enumerate(rows)
    ]
    names = score_names(results, spec)
    ids = Counter(row.id for row in rows if isinstance(row, DatasetItem))
    ran = this_session.metadata if this_session is not None else None
    return build_result(
        run_id=header.run_id,
        evaluation_name=name,
        timestamp=header.started,
        results=[unfold(r, names) for r in results],
        names=names,
        metadata={"experiment": options.experiment, "evaluation": header.evaluation},
        dataset_name=str(spec.dataset) if isinstance(spec.dataset, (str, Path)) else None,
        duplicate_ids=sorted(i for i, n in ids.items() if n > 1),
        total_seconds=ran["durations"]["total_seconds"] if ran else 0.0,
        config={
            "fields": list(spec.fields),
            "threshold": spec.threshold,
            "samples": options.samples,
            "max_concurrent": spec.max_concurrent or options.max_concurrent,
            "trials": options.trials,
        },
        usage=Usage.model_validate(ran["usage"]) if ran else None,
        cache=ran["cache"] if ran else None,
        backend=ran["backend"] if ran else None,
    )
