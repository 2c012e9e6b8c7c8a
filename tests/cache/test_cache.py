"""Caching: content-addressed keys, memory and disk stores, resume after a kill."""

import asyncio
import contextlib
import functools
import gc
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from axionlike._digest import digest
from axionlike._exceptions import CacheError
from axionlike.cache import DiskStore, MemoryStore, task_key
from axionlike.cli import main as cli_main
from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric
from axionlike.results import EvaluationResult
from axionlike.runners import CacheConfig, ErrorConfig, evaluation_runner
from axionlike.runners._task_phase import task_identity

WORKLOAD = Path(__file__).with_name("_workload.py")


class Calls:
    """Counts real calls per (metric, item)."""

    def __init__(self):
        self.metric: list[tuple[str, str]] = []
        self.task: list[str] = []


class Echo(BaseMetric):
    """Scores len(actual_output) * scale; counts its calls."""

    required_fields = ("actual_output",)
    calls: Calls
    scale: float = 1.0
    model_name: str = "judge-1"

    async def execute(self, item):
        self.calls.metric.append((self.name, item.id))
        return min(1.0, len(item.actual_output) * self.scale / 100)


def items(n=5, **extra):
    return [DatasetItem(id=str(i), query=f"q{i}", actual_output=f"answer {i}", **extra) for i in range(n)]


def run(data, metrics, cache, **kw):
    return evaluation_runner(data, metrics, "cache-test", cache_config=cache, show_progress=False, **kw)


@pytest.fixture
def store():
    return MemoryStore()


def test_rerun_with_nothing_changed_makes_no_call(store):
    calls = Calls()

    def task(item):
        calls.task.append(item.id)
        return {"actual_output": f"out {item.query}"}

    cache = CacheConfig(store=store)
    first = run(items(), [Echo(calls=calls)], cache, task=task)
    assert len(calls.task) == 5 and len(calls.metric) == 5
    second = run(items(), [Echo(calls=calls)], cache, task=task)
    assert len(calls.task) == 5 and len(calls.metric) == 5
    assert [r.scores[0].score for r in second.results] == [r.scores[0].score for r in first.results]
    assert all(r.task_cached and r.scores[0].cached for r in second.results)
    stats = second.metadata["cache"]
    assert stats["task"] == {"hits": 5, "misses": 0, "shared": 0, "writes": 0, "unserializable": 0}
    assert stats["metric"]["hits"] == 5 and stats["metric"]["misses"] == 0
    assert first.metadata["cache"]["metric"]["writes"] == 5


def test_only_affected_entries_miss(store):
    calls = Calls()
    cache = CacheConfig(store=store)
    run(items(), [Echo(calls=calls, name="a"), Echo(calls=calls, name="b", scale=2.0)], cache)
    calls.metric.clear()
    changed = items()
    changed[2] = changed[2].merged({"actual_output": "a different answer"})
    run(changed, [Echo(calls=calls, name="a"), Echo(calls=calls, name="b", scale=3.0)], cache)
    # item 2 changed output: both metrics miss on it; metric b changed a setting: misses everywhere.
    assert sorted(calls.metric) == sorted([("a", "2")] + [("b", str(i)) for i in range(5)])
    calls.metric.clear()
    run(items(), [Echo(calls=calls, name="a", model_name="judge-2")], cache)
    assert len(calls.metric) == 5  # another model: another key


def test_fields_a_metric_does_not_read_do_not_enter_its_key(store):
    calls = Calls()
    cache = CacheConfig(store=store)
    run(items(), [Echo(calls=calls)], cache)
    run(items(expected_output="new reference", metadata={"k": 1}), [Echo(calls=calls)], cache)
    assert len(calls.metric) == 5


def test_thresholds_do_not_enter_keys_and_pass_fail_is_recomputed(store):
    calls = Calls()
    cache = CacheConfig(store=store)
    low = run(items(), [Echo(calls=calls)], cache, thresholds={"echo": 0.01})
    high = run(items(), [Echo(calls=calls, threshold=0.9)], cache)
    assert len(calls.metric) == 5
    assert all(r.scores[0].passed for r in low.results)
    assert not any(r.scores[0].passed for r in high.results)
    assert high.results[0].scores[0].threshold == 0.9


class Failing(BaseMetric):
    calls: Calls

    async def execute(self, item):
        self.calls.metric.append(("failing", item.id))
        raise RuntimeError("boom")


def test_errors_and_skipped_scores_are_never_cached(store):
    calls = Calls()
    cache = CacheConfig(store=store)
    data = [*items(2), DatasetItem(id="no-output", query="q")]
    skip = ErrorConfig(skip_on_missing_params=True)
    run(data, [Failing(calls=calls), Echo(calls=calls)], cache, error_config=skip)
    run(data, [Failing(calls=calls), Echo(calls=calls)], cache, error_config=skip)
    assert calls.metric.count(("failing", "0")) == 2
    assert ("echo", "no-output") not in calls.metric
    assert len(store) == 2  # the two successful echo scores only

    def task(item):
        calls.task.append(item.id)
        raise RuntimeError("task failed")

    run(items(1), [Echo(calls=calls)], cache, task=task)
    run(items(1), [Echo(calls=calls)], cache, task=task)
    assert calls.task == ["0", "0"]


class SlowEcho(Echo):
    """Echo that takes a while, so that duplicates of an item are in flight together."""

    async def execute(self, item):
        await asyncio.sleep(0.02)
        return await super().execute(item)


def test_duplicates_in_flight_are_computed_once(store):
    calls = Calls()

    async def task(item):
        calls.task.append(item.id)
        await asyncio.sleep(0.02)
        return {"actual_output": f"answer to {item.query}"}

    # Six items, three distinct questions: each task and score is paid once, the twins share it.
    data = [DatasetItem(id=str(i), query=f"q{i % 3}") for i in range(6)]
    result = run(data, [SlowEcho(calls=calls)], CacheConfig(store=store), task=task, max_concurrent=6)
    assert len(calls.task) == 3 and len(calls.metric) == 3
    assert result.metadata["cache"]["task"]["shared"] == 3
    assert result.metadata["cache"]["metric"]["shared"] == 3
    assert [r.item.actual_output for r in result.results] == [f"answer to q{i % 3}" for i in range(6)]
    assert len({s.score for r in result.results for s in r.scores}) == 1
    assert sum(s.cached for r in result.results for s in r.scores) == 3

    # Without a cache, every item is computed (repeated sampling stays possible).
    uncached = Calls()
    run(data, [SlowEcho(calls=uncached)], None, max_concurrent=6, task=lambda item: {"actual_output": "same"})
    assert len(uncached.metric) == 6


def test_a_failed_twin_shares_nothing(store):
    attempts = []

    class FailsFirst(Echo):
        async def execute(self, item):
            attempts.append(item.id)
            await asyncio.sleep(0.02)
            if len(attempts) == 1:
                raise RuntimeError("transient")
            return await super().execute(item)

    data = [DatasetItem(id=str(i), actual_output="same answer") for i in range(2)]
    result = run(data, [FailsFirst(calls=Calls())], CacheConfig(store=store), max_concurrent=2)
    statuses = sorted(s.status for r in result.results for s in r.scores)
    assert statuses == ["error", "scored"] and len(attempts) == 2
    assert result.metadata["cache"]["metric"]["shared"] == 0


def test_memory_cache_is_shared_by_runs_of_the_process():
    calls = Calls()
    marker = f"shared-{time.time_ns()}"
    data = [DatasetItem(id="1", actual_output=marker)]
    run(data, [Echo(calls=calls)], CacheConfig(cache_type="memory"))
    again = run(data, [Echo(calls=calls)], CacheConfig(cache_type="memory"))
    assert len(calls.metric) == 1 and again.results[0].scores[0].cached


def test_read_and_write_switches(store):
    calls = Calls()
    run(items(2), [Echo(calls=calls)], CacheConfig(store=store, write_cache=False))
    assert len(store) == 0
    run(items(2), [Echo(calls=calls)], CacheConfig(store=store))
    run(items(2), [Echo(calls=calls)], CacheConfig(store=store, use_cache=False))
    assert len(calls.metric) == 6
    result = run(items(2), [Echo(calls=calls)], CacheConfig(store=store, cache_task=False), task=lambda i: {})
    assert result.metadata["cache"]["task"]["writes"] == 0


def test_partial_and_lambda_tasks_have_stable_distinct_identities():
    def base(item, suffix):
        return {"actual_output": suffix}

    first = task_identity(functools.partial(base, suffix="a"))
    assert first == task_identity(functools.partial(base, suffix="a"))
    assert first != task_identity(functools.partial(base, suffix="b"))
    one = lambda item: {}  # noqa: E731
    assert task_identity(one)["task"].endswith("<lambda>") and "line" in task_identity(one)

    class Versioned:
        cache_key = "my-model@2024-06"

        def __call__(self, item):
            return {}

    assert task_identity(Versioned()) == {"task": "my-model@2024-06"}
    item = DatasetItem(query="q")
    same = digest(task_identity(one))
    assert task_key(same, item) == task_key(same, item.merged({"actual_output": "x"}))
    assert task_key(same, item) != task_key(same, item.merged({"query": "other"}))


def test_disk_cache_survives_the_process_and_stores_json_not_pickle(tmp_path):
    calls = Calls()
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path / "c")
    run(items(3), [Echo(calls=calls)], cache, task=lambda i: {"actual_output": f"x{i.id}"})
    rows = sqlite3.connect(tmp_path / "c" / "cache.db").execute("SELECT key, mode, value FROM Cache").fetchall()
    assert len(rows) == 6
    for key, mode, value in rows:
        assert mode == 1  # diskcache MODE_RAW: our compressed JSON bytes, never MODE_PICKLE (4)
        decoded = json.loads(zlib.decompress(value))
        assert isinstance(decoded, dict)
        assert isinstance(key, str) and key.startswith(("task:", "metric:"))  # keys are plain text
    again = run(items(3), [Echo(calls=calls)], cache, task=lambda i: {"actual_output": f"x{i.id}"})
    assert len(calls.metric) == 3 and again.metadata["cache"]["metric"]["hits"] == 3


def test_corrupted_entry_is_a_logged_miss(tmp_path, caplog):
    calls = Calls()
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path)
    run(items(2), [Echo(calls=calls)], cache)
    with sqlite3.connect(tmp_path / "cache.db") as db:
        db.execute("UPDATE Cache SET value = ? WHERE rowid = (SELECT min(rowid) FROM Cache)", (b"\x00garbage",))
    with caplog.at_level(logging.WARNING, logger="axionlike.cache"):
        result = run(items(2), [Echo(calls=calls)], cache)
    assert len(calls.metric) == 3
    assert result.metadata["cache"]["metric"] == {"hits": 1, "misses": 1, "shared": 0, "writes": 1, "unserializable": 0}
    assert "unreadable cache entry" in caplog.text


def test_unserializable_task_output_is_not_cached_but_scored(store, caplog):
    class Opaque:
        pass

    result = run(
        items(1),
        [Echo(calls=Calls())],
        CacheConfig(store=store),
        task=lambda i: {"actual_output": "x", "obj": Opaque()},
    )
    assert result.results[0].scores[0].score is not None
    assert result.metadata["cache"]["task"]["unserializable"] == 1
    assert result.results[0].task_output["obj"].startswith("<")  # kept as its text form: the result saves
    assert EvaluationResult.from_json(result.to_json()).results[0].task_output == result.results[0].task_output


def _workload(cache_dir, log, out, delay="0"):
    return [sys.executable, str(WORKLOAD), str(cache_dir), str(log), str(out), delay]


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_two_processes_share_a_disk_cache(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [
        subprocess.Popen(
            _workload(tmp_path / "cache", tmp_path / f"log{k}", tmp_path / f"out{k}.json", "0.002"), env=env
        )
        for k in range(2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    results = [EvaluationResult.load(tmp_path / f"out{k}.json") for k in range(2)]
    scores = [[s.score for r in res.results for s in r.scores] for res in results]
    assert scores[0] == scores[1] and len(scores[0]) == 80
    store = DiskStore(tmp_path / "cache")
    assert len(store) == 40 + 2 * 80  # task outputs are shared; each process's metrics differ (their call_log)
    store.close()


def test_killed_run_resumes_with_only_missing_work(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    reference_log = tmp_path / "reference.log"
    subprocess.run(_workload(tmp_path / "ref-cache", reference_log, tmp_path / "ref.json", "0.05"), env=env, check=True)
    assert len(_calls(reference_log)) == 80

    log = tmp_path / "calls.log"
    proc = subprocess.Popen(_workload(tmp_path / "cache", log, tmp_path / "out.json", "0.05"), env=env)
    deadline = time.monotonic() + 60
    while len(_calls(log)) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before_kill = set(_calls(log))
    assert 20 <= len(done_before_kill) < 80

    log.unlink()
    subprocess.run(_workload(tmp_path / "cache", log, tmp_path / "out.json", "0.05"), env=env, check=True)
    rerun = set(_calls(log))
    every = set(_calls(reference_log))
    # Only what was not finished is recomputed (a call logged just before the kill may
    # not have reached the cache yet, so at most the calls in flight, 4, run twice).
    assert rerun | done_before_kill == every
    assert len(rerun & done_before_kill) <= 4
    resumed = EvaluationResult.load(tmp_path / "out.json")
    reference = EvaluationResult.load(tmp_path / "ref.json")

    def table(result):
        return [(r.id, r.item.actual_output, [(s.name, s.score, s.passed) for s in r.scores]) for r in result.results]

    assert table(resumed) == table(reference)


def test_cache_cli_info_and_clear(tmp_path, capsys):
    run(items(3), [Echo(calls=Calls())], CacheConfig(cache_type="disk", cache_dir=tmp_path))
    assert cli_main(["cache", "info", str(tmp_path)]) == 0
    assert "3 entries" in capsys.readouterr().out
    assert cli_main(["cache", "clear", str(tmp_path)]) == 0
    assert "removed 3 entries" in capsys.readouterr().out
    assert cli_main(["cache", "info", str(tmp_path / "nope")]) == 1


def test_text_with_a_lone_surrogate_is_cached(tmp_path):
    """An item with an explicit id and a lone surrogate in its text gets cache keys like any other."""
    calls = Calls()
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path)
    data = [DatasetItem(id="odd", query="q\udfff", actual_output="a\udfff"), *items(2)]

    def task(item):
        return {"actual_output": item.query + "!"}

    first = run(data, [Echo(calls=calls)], cache, task=task)
    assert [r.succeeded for r in first.results] == [True] * 3
    assert first.results[0].item.actual_output == "q\udfff!"
    again = run(data, [Echo(calls=calls)], cache, task=task)
    assert again.metadata["cache"]["task"]["hits"] == 3 and again.metadata["cache"]["metric"]["hits"] == 3
    assert again.results[0].item.actual_output == "q\udfff!" and len(calls.metric) == 3
    assert DatasetItem(query="q\udfff").id != DatasetItem(query="q\udffe").id  # derived ids too


def _filled(directory: Path, n: int = 400) -> list[DatasetItem]:
    """A disk cache in ``directory`` holding the scores of ``n`` items, every connection to it closed."""
    data = [DatasetItem(id=str(i), query=f"q{i}", actual_output=f"answer {i} " * 20) for i in range(n)]
    run(data, [Echo(calls=Calls())], CacheConfig(cache_type="disk", cache_dir=directory))
    gc.collect()  # the cache writer thread's sqlite connection closes (and checkpoints its WAL) when collected
    assert [p.name for p in directory.iterdir()] == ["cache.db"]
    return data


@contextlib.contextmanager
def _read_only(directory: Path):
    """``directory`` and its files made unwritable: by permissions, or for root (whom permissions do
    not stop) with the immutable attribute."""
    paths = [directory, *directory.iterdir()]
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p in paths:
                p.chmod(modes[p])
        return
    if subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True).returncode != 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
        pytest.skip("running as root without chattr +i: cannot make a directory read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


@pytest.mark.parametrize("write_cache", [False, True])
def test_a_read_only_cache_directory_is_read(tmp_path, caplog, capsys, write_cache):
    data = _filled(tmp_path)
    calls = Calls()
    with _read_only(tmp_path), caplog.at_level(logging.WARNING, logger="axionlike.cache"):
        result = run(
            data, [Echo(calls=calls)], CacheConfig(cache_type="disk", cache_dir=tmp_path, write_cache=write_cache)
        )
        assert cli_main(["cache", "info", str(tmp_path)]) == 0
    assert calls.metric == [] and result.metadata["cache"]["metric"]["hits"] == 400
    assert "400 entries" in capsys.readouterr().out
    assert ("cannot be written; reading its entries, writing none" in caplog.text) == write_cache


def test_write_cache_false_opens_the_store_read_only(tmp_path):
    data = _filled(tmp_path, 20)
    before = (tmp_path / "cache.db").read_bytes()
    calls = Calls()
    result = run(
        data + items(2), [Echo(calls=calls)], CacheConfig(cache_type="disk", cache_dir=tmp_path, write_cache=False)
    )
    assert result.metadata["cache"]["metric"]["hits"] == 20 and len(calls.metric) == 2
    store = DiskStore(tmp_path, read_only=True)
    assert store.read_only and len(store) == 20
    with pytest.raises(CacheError, match="read-only"):
        store.set("metric:x", {"score": 1.0})
    store.close()
    assert (tmp_path / "cache.db").read_bytes() == before


def _damage(directory: Path, offset: int | None) -> None:
    """Overwrite bytes of the cache file: its header (``offset=None``) or pages in its middle."""
    path = directory / "cache.db"
    with path.open("r+b") as db:
        if offset is None:
            db.write(b"garbage!" * 512)
        else:
            db.seek(offset)
            db.write(bytes(range(256)) * 48)


def test_a_cache_file_that_is_not_a_database_says_how_to_recover(tmp_path, capsys):
    data = _filled(tmp_path, 50)
    _damage(tmp_path, None)
    fix = f"axionlike cache clear {tmp_path}"
    with pytest.raises(CacheError, match="file is not a database") as error:
        run(data, [Echo(calls=Calls())], CacheConfig(cache_type="disk", cache_dir=tmp_path))
    assert fix in str(error.value)
    assert cli_main(["cache", "info", str(tmp_path)]) == 1
    assert "damaged (file is not a database)" in capsys.readouterr().err
    assert cli_main(["cache", "clear", str(tmp_path)]) == 0
    assert "removed the damaged cache" in capsys.readouterr().out
    calls = Calls()
    run(data, [Echo(calls=calls)], CacheConfig(cache_type="disk", cache_dir=tmp_path))
    assert len(calls.metric) == 50 and len(DiskStore(tmp_path)) == 50


def test_damage_inside_the_cache_file_is_warned_once_with_the_fix(tmp_path, caplog, capsys):
    data = _filled(tmp_path)
    _damage(tmp_path, (tmp_path / "cache.db").stat().st_size // 2)
    calls = Calls()
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="axionlike.cache"):
        result = run(data, [Echo(calls=calls)], cache)
    assert result.success_rate == 1.0 and 0 < len(calls.metric) < 400  # what can be read still hits
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "is damaged" in warnings[0] and f"axionlike cache clear {tmp_path}" in warnings[0]
    assert cli_main(["cache", "info", str(tmp_path)]) == 1
    assert "damaged" in capsys.readouterr().err
    assert cli_main(["cache", "clear", str(tmp_path)]) == 0
    capsys.readouterr()
    assert DiskStore.check(tmp_path) == []
    calls = Calls()
    run(data, [Echo(calls=calls)], cache)
    again = run(data, [Echo(calls=calls)], cache)
    assert len(calls.metric) == 400 and again.metadata["cache"]["metric"]["hits"] == 400
