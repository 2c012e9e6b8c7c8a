"""A two-node Ray cluster on this machine (head on 127.0.0.3, a second node on 127.0.0.4),
started and stopped here; drivers run in subprocesses, as a user's script would, since this
test process may already hold the session's local Ray (on 127.0.0.2), which must outlive the
cluster: so the cluster is stopped by killing its own processes, never with ``ray stop``,
which stops every Ray on the machine. Slow-ish (each node takes seconds to start)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'axionlike[ray]'")
RAY = str(Path(sys.executable).with_name("ray"))
KEY = "sk-cluster-0123456789abcdef"
LOCAL_CLUSTER = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
"""A cluster that only this machine's loopback reaches: no token between its nodes and drivers."""


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _ray(*args: str, temp_dir: Path) -> None:
    command = [RAY, "start", *args, "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    if "--head" in args:
        command.append("--include-dashboard=false")
    # a session of its own: the node's processes form one group, which _stop kills
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        env={**os.environ, **LOCAL_CLUSTER},
        timeout=120,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def cluster_dirs(tmp_path_factory):
    """The nodes' temporary directories (their logs among them)."""
    return tmp_path_factory.mktemp("head"), tmp_path_factory.mktemp("node")


@pytest.fixture(scope="module")
def cluster(cluster_dirs):
    """``host:port`` of a running two-node cluster (2 CPUs each), stopped after the module."""
    head_dir, node_dir = cluster_dirs
    port = _free_port("127.0.0.3")
    address = f"127.0.0.3:{port}"
    try:
        _ray("--head", "--node-ip-address=127.0.0.3", f"--port={port}", "--num-cpus=2", temp_dir=head_dir)
        _ray(f"--address={address}", "--node-ip-address=127.0.0.4", "--num-cpus=2", temp_dir=node_dir)
        yield address
    finally:
        _stop(head_dir, node_dir)


def _stop(*node_dirs: Path) -> None:
    """Kill the nodes started with these directories: each node's processes (GCS, raylet,
    agents, workers) are in the process group of the ``ray start`` that began them."""
    listing = subprocess.run(["ps", "-eww", "-o", "pgid=,args="], capture_output=True, text=True).stdout
    groups = {int(line.split(None, 1)[0]) for line in listing.splitlines() if any(str(d) in line for d in node_dirs)}
    for group in groups - {os.getpgid(0)}:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def _result(stdout: str) -> dict:
    """The driver's ``RESULT {json}`` line (Ray may print its own lines around it)."""
    [line] = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def _drive(code: str, env: dict[str, str] | None = None, timeout: float = 240) -> dict:
    """Run a driver script; it prints its outcome as a ``RESULT {json}`` line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **LOCAL_CLUSTER, "PYTHONPATH": os.getcwd(), **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return _result(done.stdout)


def test_keys_reach_cluster_workers_but_no_log(cluster, cluster_dirs, fake_llm):
    driver = f"""
        import json
        from axionlike.dataset import DatasetItem
        from axionlike.metrics import AnswerRelevancy
        from axionlike.runners import RayBackend, evaluation_runner

        items = [DatasetItem(id=str(i), query=f"q{{i}}", actual_output=f"a{{i}}") for i in range(6)]
        judge = AnswerRelevancy(model_name="openai/gpt-4o-mini", api_base="{fake_llm.api_base}")
        result = evaluation_runner(items, [judge], "keys", show_progress=False,
                                   backend=RayBackend(address="{cluster}", workers=2))
        print("RESULT", json.dumps({{"statuses": [r.scores[0].status for r in result.results],
                           "calls": result.metadata["usage"]["calls"], "dump": result.model_dump_json()}}))
    """
    result = _drive(driver, env={"OPENAI_API_KEY": KEY})
    assert result["statuses"] == ["scored"] * 6 and result["calls"] == 6
    assert KEY not in result["dump"]
    assert {r.headers["authorization"] for r in fake_llm.chat_requests} == {f"Bearer {KEY}"}
    logs = [p for d in cluster_dirs for p in d.rglob("*") if p.is_file() and "logs" in p.parts]
    assert logs and not [p for p in logs if KEY in p.read_text(errors="ignore")]


def test_reward_function_inside_a_ray_actor_each_step_on_a_fresh_loop(cluster):
    driver = f"""
        import asyncio, json
        import ray
        from axionlike.integrations.reward import RewardFunction, RewardSample, group_samples
        from axionlike.runners import RayBackend

        async def tagged(response):
            return float("<answer>" in response)

        ray.init(address="{cluster}", log_to_driver=False)

        @ray.remote(num_cpus=0)
        class Trainer:
            def __init__(self, fan_out):
                backend = RayBackend(address="auto", workers=2) if fan_out else None
                self.reward = RewardFunction({{"tag": {{"grader": tagged, "mapper": {{"response": "response"}}}}}},
                                             backend=backend)
            def step(self, n):
                samples = [RewardSample(original_index=i, prompt=f"p{{i // 2}}",
                                        response="<answer>" if i % 3 else "none") for i in range(n)]
                async def score():  # as VERL calls it: a fresh event loop every step
                    return await self.reward.compute_batch_scores(group_samples(samples))
                return [r.score for r in asyncio.run(score())]

        out = {{}}
        for fan_out in (False, True):
            trainer = Trainer.remote(fan_out)
            out[str(fan_out)] = [ray.get(trainer.step.remote(6)) for _ in range(2)]
        print("RESULT", json.dumps(out))
    """
    result = _drive(driver)
    expected = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    assert result == {"False": [expected, expected], "True": [expected, expected]}


INTERRUPTED = """
    import json, sys, time
    from pathlib import Path
    from axionlike.cache import CacheConfig
    from axionlike.dataset import DatasetItem
    from axionlike.metrics import BaseMetric
    from axionlike.runners import RayBackend, evaluation_runner

    cluster, cache, ran = sys.argv[1:]

    class Slow(BaseMetric):
        required_fields = ("query",)
        async def execute(self, item):
            time.sleep(0.05)
            Path(ran, item.id).touch()
            return {"score": 1.0}

    items = [DatasetItem(id=f"i{n}", query=f"q{n}") for n in range(400)]
    result = evaluation_runner(items, [Slow()], "interrupted", show_progress=False,
                               cache_config=CacheConfig(cache_type="disk", cache_dir=Path(cache)),
                               backend=RayBackend(address=cluster, workers=2, batch_size=4))
    print("RESULT", json.dumps({"scores": [r.scores[0].score for r in result.results],
                                "cache": result.metadata["cache"]["metric"]}))
"""


def test_ctrl_c_stops_the_cluster_work_and_keeps_the_cache(cluster, tmp_path):
    ran = tmp_path / "ran"
    ran.mkdir()
    command = [sys.executable, "-c", textwrap.dedent(INTERRUPTED), cluster, str(tmp_path / "cache"), str(ran)]
    env = {**os.environ, **LOCAL_CLUSTER, "PYTHONPATH": os.getcwd()}
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while len(list(ran.iterdir())) < 40 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    driver.send_signal(signal.SIGINT)
    _, err = driver.communicate(timeout=60)
    assert driver.returncode != 0 and "EvaluationInterrupted: interrupted:" in err  # one line: items done, cache kept
    stopped_at = len(list(ran.iterdir()))
    time.sleep(2.0)
    assert len(list(ran.iterdir())) == stopped_at < 400  # no worker goes on after the driver stopped

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    result = _result(rerun.stdout)
    assert result["scores"] == [1.0] * 400
    # what came back before Ctrl-C was cached: at least the 40 seen, less two batches of 4 per worker in flight
    assert result["cache"]["hits"] >= 40 - 2 * 2 * 4
    assert result["cache"]["hits"] + result["cache"]["misses"] == 400


def test_a_run_spreads_over_both_nodes_and_survives_losing_one(cluster, tmp_path):
    # last in the module: it takes the second node away
    driver = f"""
        import json, time
        from pathlib import Path
        import ray
        from axionlike.dataset import DatasetItem
        from axionlike.metrics import BaseMetric
        from axionlike.runners import RayBackend, evaluation_runner

        class Where(BaseMetric):
            required_fields = ("query",)
            async def execute(self, item):
                node = ray.util.get_node_ip_address()
                Path({str(tmp_path)!r}, "on-" + node).touch()
                time.sleep(0.1)  # slow enough for the test to take a node away mid-run
                return {{"score": 1.0, "metadata": {{"node": node}}}}

        ray.init(address="{cluster}", log_to_driver=False)
        deadline = time.monotonic() + 60  # the earlier tests' workers gone: both nodes free
        while ray.available_resources().get("CPU", 0) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        items = [DatasetItem(id=str(i), query=f"q{{i}}") for i in range(60)]
        result = evaluation_runner(items, [Where()], "cluster", show_progress=False,
                                   backend=RayBackend(address="{cluster}", workers=2, batch_size=2))
        print("RESULT", json.dumps({{"scores": [r.scores[0].score for r in result.results],
                                    "nodes": sorted({{r.scores[0].metadata["node"] for r in result.results}}),
                                    "backend": result.metadata["backend"]}}))
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(driver)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **LOCAL_CLUSTER, "PYTHONPATH": os.getcwd()},
    )
    second_node_busy = tmp_path / "on-127.0.0.4"
    deadline = time.monotonic() + 120
    while not second_node_busy.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert second_node_busy.exists(), "a worker on the second node"
    second_node = subprocess.run(["pgrep", "-f", "raylet.*127.0.0.4"], capture_output=True, text=True).stdout.split()
    assert second_node, "the second node's raylet"
    for pid in second_node:
        os.kill(int(pid), signal.SIGKILL)  # the node is lost, with the workers on it, mid-batch
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err[-3000:]
    result = _result(out)
    assert result["scores"] == [1.0] * 60  # no item lost, none counted twice
    assert result["nodes"] == ["127.0.0.3", "127.0.0.4"]
    assert result["backend"]["retried_batches"] >= 1
