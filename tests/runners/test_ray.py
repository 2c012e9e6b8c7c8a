"""Runs on Ray give the same results as local runs; only cache misses travel; a dead worker's
batch runs again; keys stay out of what Ray ships and logs. A real local Ray (2 CPUs, loopback)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axionlike.cache import CacheConfig, MemoryStore
from axionlike.dataset import DatasetItem
from axionlike.grading import GradingRunner
from axionlike.integrations.reward import RewardFunction, RewardSample, group_samples
from axionlike.metrics import AnswerRelevancy, BaseMetric, ExactMatch, LevenshteinSimilarity, MetricResult
from axionlike.runners import RayBackend, evaluation_runner

pytestmark = pytest.mark.usefixtures("local_ray")
ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import the tests

KEY = "sk-ray-secret-0123456789abcdef"
ITEMS = [DatasetItem(id=f"item-{i}", query=f"question {i}", expected_output=f"QUESTION {i}") for i in range(30)]


def shout(item):
    """The task: a sync function (it runs in the worker's threads)."""
    return {"actual_output": item.query.upper() if not item.id.endswith("7") else item.query}


def picky(item):
    """A function metric that fails on some items."""
    if item.id.endswith("3"):
        raise ValueError(f"cannot judge {item.id}")
    return MetricResult(score=len(item.actual_output) / 20, explanation="length / 20")


async def spaced(item):
    await asyncio.sleep(0.001)
    return float(" " in item.actual_output)


def _comparable(result):
    rows = []
    for r in result.results:
        scores = [(s.name, s.score, s.status, s.explanation, s.error and str(s.error), s.source) for s in r.scores]
        rows.append((r.index, r.id, r.item.actual_output if r.item else None, r.error and str(r.error), scores))
    summary = {k: v.model_dump(exclude={"cached"}) for k, v in result.summary.items()}
    return rows, summary


def _entries(store):
    """The store's task keys and its values without measured latencies (which also reach the keys of
    metrics that read the whole item, so those keys differ from run to run)."""
    values = []
    for text in store._entries.values():
        value = json.loads(text)
        value.get("output", {}).pop("latency", None)
        values.append(json.dumps(value, sort_keys=True))
    return sorted(k for k in store._entries if k.startswith("task:")), sorted(values)


def test_a_run_on_ray_gives_what_the_local_run_gives():
    metrics = [ExactMatch(), LevenshteinSimilarity(), picky, spaced]
    local_store, ray_store = MemoryStore(), MemoryStore()
    local = evaluation_runner(
        ITEMS, metrics, "local", task=shout, cache_config=CacheConfig(store=local_store), show_progress=False
    )
    remote = evaluation_runner(
        ITEMS,
        metrics,
        "ray",
        task=shout,
        cache_config=CacheConfig(store=ray_store),
        show_progress=False,
        backend=RayBackend(workers=2, batch_size=4),
    )
    assert _comparable(remote) == _comparable(local)
    assert remote.summary["picky"].errors == 3 and remote.metadata["backend"]["batches"] > 0
    assert remote.metadata["backend"]["name"] == "ray" and local.metadata["backend"] == {"name": "local"}
    assert _entries(ray_store) == _entries(local_store)  # the same cache entries, written by the driver
    drop = ["latency", "cached"]
    local_frame = local.to_dataframe().drop(columns=drop, errors="ignore")
    remote_frame = remote.to_dataframe().drop(columns=drop, errors="ignore")
    assert local_frame.drop(columns=[c for c in local_frame if "latency" in c]).equals(
        remote_frame.drop(columns=[c for c in remote_frame if "latency" in c])
    )
    local_cards, remote_cards = local.to_scorecard().metrics, remote.to_scorecard().metrics
    assert {n: (c.summary.mean, c.values) for n, c in remote_cards.items()} == {
        n: (c.summary.mean, c.values) for n, c in local_cards.items()
    }

    warm = evaluation_runner(
        ITEMS,
        metrics,
        "ray-warm",
        task=shout,
        cache_config=CacheConfig(store=ray_store),
        show_progress=False,
        backend=RayBackend(workers=2),
    )
    assert warm.metadata["backend"]["calls"] == 3  # only the three failed scores travel again
    assert _comparable(warm) == _comparable(local)


class DiesOnce(BaseMetric):
    """Kills its worker process the first time it sees ``item-5`` (a marker file remembers)."""

    required_fields = ("expected_output",)
    marker: str

    async def execute(self, item):
        if item.id == "item-5" and not os.path.exists(self.marker):
            Path(self.marker).write_text("died")
            os._exit(1)
        return 1.0


def test_a_worker_that_dies_has_its_batch_run_again(tmp_path):
    result = evaluation_runner(
        ITEMS,
        [DiesOnce(marker=str(tmp_path / "died"))],
        "dies",
        show_progress=False,
        backend=RayBackend(workers=2, batch_size=3),
    )
    assert (tmp_path / "died").exists()
    assert [s.score for r in result.results for s in r.scores] == [1.0] * len(ITEMS)  # none lost, none twice
    assert result.summary["dies_once"].count == len(ITEMS)
    backend = result.metadata["backend"]
    assert backend["retried_batches"] >= 1 and backend["retried_calls"] >= 1


def test_llm_judges_on_ray_count_their_usage_and_keep_the_key_out(fake_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # shipped to the workers, never in arguments or logs
    items = [DatasetItem(id=str(i), query=f"q{i}", actual_output=f"answer {i}") for i in range(8)]
    judge = AnswerRelevancy(model_name="openai/gpt-4o-mini", api_base=fake_llm.api_base)
    local = evaluation_runner(items, [judge], "judge-local", show_progress=False)
    remote = evaluation_runner(items, [judge], "judge-ray", show_progress=False, backend=RayBackend(workers=2))
    assert [r.scores[0].score for r in remote.results] == [r.scores[0].score for r in local.results]
    assert remote.metadata["usage"]["calls"] == local.metadata["usage"]["calls"] == len(items)
    assert remote.metadata["usage"]["cost"] == pytest.approx(local.metadata["usage"]["cost"])
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_llm.chat_requests)
    assert KEY not in remote.model_dump_json()
    logs = Path(ray._private.worker.global_worker.node.get_logs_dir_path())
    leaked = [p.name for p in logs.rglob("*") if p.is_file() and KEY in p.read_text(errors="ignore")]
    assert leaked == []


def test_grading_and_rewards_fan_out_to_ray():
    async def has_answer(response):
        return float("<answer>" in response)

    samples = [RewardSample(original_index=i, prompt=f"p{i // 4}", response=f"r{i} <answer>") for i in range(12)]
    samples[5] = samples[5].model_copy(update={"response": "no tag"})
    graders = {"format": {"grader": has_answer, "mapper": {"response": "response"}}}
    local = RewardFunction(graders).compute_rewards(group_samples(samples))
    remote = RewardFunction(graders, backend=RayBackend(workers=2)).compute_rewards(group_samples(samples))
    assert remote.rewards == local.rewards and remote.rewards[5] == 0.0
    graded = GradingRunner(graders, backend=RayBackend(workers=2), show_progress=False).run(
        [{"response": "x <answer>"}, {"response": "y"}]
    )
    assert [g.score for g in graded["format"]] == [1.0, 0.0]


def test_ray_traffic_stays_on_loopback():
    """Every address a Ray process binds to or talks to is a loopback one (or, for Ray 2.60's core
    gRPC listeners, the wildcard: see docs/scaling-out.md)."""
    out = subprocess.run(["ss", "-tanpH"], capture_output=True, text=True, check=True).stdout
    ray_lines = [line for line in out.splitlines() if any(n in line for n in ("raylet", "gcs_server", "ray::"))]
    assert ray_lines
    for line in ray_lines:
        local, peer = line.split()[3], line.split()[4]
        for address in (local, peer):
            host = address.rsplit(":", 1)[0].strip("[]").removeprefix("::ffff:")
            assert host in ("*", "0.0.0.0", "::") or host.startswith("127."), line


def test_a_backend_keeps_its_workers_for_runs_with_the_same_setup():
    backend, metrics = RayBackend(workers=2), [ExactMatch()]
    items = [DatasetItem(id=str(i), actual_output="a", expected_output="a") for i in range(4)]
    evaluation_runner(items, metrics, "first", show_progress=False, backend=backend)
    workers = list(backend._pool.workers)
    evaluation_runner(items, metrics, "second", show_progress=False, backend=backend)  # an RL trainer's next step
    assert backend._pool.workers == workers
    evaluation_runner(items, [ExactMatch()], "other metrics", show_progress=False, backend=backend)
    assert backend._pool.workers != workers  # other objects: new workers (the old ones stopped)


def test_a_ray_dataset_is_streamed_with_the_same_results():
    rows = [
        {"id": item.id, "query": item.query, "expected_output": item.expected_output, "retrieved_content": ["a", "b"]}
        for item in ITEMS
    ]
    # a pipeline, not just blocks in memory: Ray Data runs its map tasks as the run reads
    source = ray.data.from_items(rows, override_num_blocks=6).map(lambda row: {**row, "query": row["query"] + "?"})
    expected = [DatasetItem(**{**row, "query": row["query"] + "?"}) for row in rows]
    local = evaluation_runner(expected, [ExactMatch()], "list", task=shout, show_progress=False)
    streamed_locally = evaluation_runner(source, [ExactMatch()], "ray data", task=shout, show_progress=False)
    # one worker, so the Ray Data tasks have the second CPU of this 2-CPU Ray
    remote = evaluation_runner(
        source, [ExactMatch()], "ray data on ray", task=shout, show_progress=False, backend=RayBackend(workers=1)
    )
    assert _comparable(streamed_locally) == _comparable(local) == _comparable(remote)
    assert remote.results[0].item.retrieved_content == ["a", "b"]  # numpy arrays back to lists
    assert remote.metadata["backend"]["calls"] == 2 * len(ITEMS)


def test_trials_on_ray_give_what_local_trials_give():
    metrics = [ExactMatch(), picky]
    kwargs = {"trials": 2, "show_progress": False}
    with_task = [
        evaluation_runner(ITEMS[:8], metrics, name, task=shout, backend=backend, **kwargs)
        for name, backend in (("local", None), ("ray", RayBackend(workers=2, batch_size=4)))
    ]
    rows = [{"id": f"r{i}", "actual_output": f"a{i % 3}", "expected_output": "a0"} for i in range(6)]
    metric_only = [
        evaluation_runner(rows, metrics, name, backend=backend, **{**kwargs, "trials": 3})
        for name, backend in (("local", None), ("ray", RayBackend(workers=2)))
    ]
    for local, remote in (with_task, metric_only):
        assert _comparable(remote) == _comparable(local)
        assert [[(t.trial, [s.score for s in t.scores]) for t in r.trials] for r in remote.results] == [
            [(t.trial, [s.score for s in t.scores]) for t in r.trials] for r in local.results
        ]
    assert [len(r.trials) for r in metric_only[1].results] == [3] * 6
    assert metric_only[1].metadata["backend"]["calls"] == 6 * 3 * 2  # every trial of every metric ran there
