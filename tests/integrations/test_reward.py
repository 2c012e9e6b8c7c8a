"""RL reward adapter: seed example, order restoration, failures, fresh loops, VERL-shaped batches."""

import asyncio
import contextlib
import math
import numbers
import random
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from axionlike._exceptions import DatasetError, MissingDependencyError
from axionlike.grading import GraderConfig, WeightedSumAggregator
from axionlike.integrations.reward import (
    RewardFunction,
    RewardResult,
    RewardSample,
    VerlRewardManager,
    decode_batch,
    group_samples,
    restore_order,
    score_verl_batch,
)
from axionlike.tracing import Span, Tracer, set_tracer


# Rule-based graders in the spirit of the seed's ActionLoopDetection / InformationGain graders.
def action_loop(messages):
    """1.0 when no assistant action repeats, less the more actions repeat."""
    actions = [m["content"] for m in messages if m["role"] == "assistant"]
    return {"score": len(set(actions)) / len(actions) if actions else 1.0, "reason": f"{len(actions)} actions"}


def novelty(messages):
    """Share of tool observations that are new."""
    observations = [m["content"] for m in messages if m["role"] == "tool"]
    return len(set(observations)) / len(observations) if observations else 0.0


async def info_gain(messages):
    await asyncio.sleep(random.random() / 1000)
    return novelty(messages)


class SimpleRewardFunction(RewardFunction):
    """The seed's reward function, with graders that need no LLM."""

    def __init__(self, max_concurrency=32, **kwargs):
        super().__init__(
            max_concurrency=max_concurrency,
            aggregator=WeightedSumAggregator(name="reward", weights={"action_loop": 0.5, "info_gain": 0.5}),
            **kwargs,
        )

    def create_grader_configs(self):
        return {
            "action_loop": GraderConfig(grader=action_loop, mapper=lambda data: {"messages": data["messages"]}),
            "info_gain": GraderConfig(grader=info_gain, mapper={"messages": "messages"}),
        }


def trajectory(n_actions, n_repeats, n_obs, n_dup_obs):
    messages = [{"role": "user", "content": "task"}]
    messages += [{"role": "assistant", "content": f"act {i}"} for i in range(n_actions)]
    messages += [{"role": "assistant", "content": "act 0"} for _ in range(n_repeats)]
    messages += [{"role": "tool", "content": f"obs {i}"} for i in range(n_obs)]
    messages += [{"role": "tool", "content": "obs 0"} for _ in range(n_dup_obs)]
    return messages


def expected_reward(messages):
    return 0.5 * action_loop(messages)["score"] + 0.5 * novelty(messages)


def make_batch(n_prompts=6, per_prompt=4, seed=0):
    """A batch as a trainer builds it: prompts repeated per rollout, then shuffled."""
    rng = random.Random(seed)
    rows = [
        (f"prompt {p}", trajectory(rng.randint(1, 4), rng.randint(0, 3), rng.randint(1, 3), rng.randint(0, 2)))
        for p in range(n_prompts)
        for _ in range(per_prompt)
    ]
    rng.shuffle(rows)
    return [
        RewardSample(original_index=i, prompt=p, response=m[-1]["content"], messages=m) for i, (p, m) in enumerate(rows)
    ]


def shuffled_groups(samples, seed=1):
    rng = random.Random(seed)
    groups = group_samples(samples)
    keys = list(groups)
    rng.shuffle(keys)
    out = {}
    for key in keys:
        members = list(groups[key])
        rng.shuffle(members)
        out[key] = members
    return out


async def test_seed_reward_function_scores_every_group_in_batch_order():
    samples = make_batch()
    reward_fn = SimpleRewardFunction()
    results = await reward_fn.compute_batch_scores(shuffled_groups(samples))
    assert [r.original_index for r in results] == list(range(len(samples)))
    for result, sample in zip(results, samples, strict=True):
        assert result.score == pytest.approx(expected_reward(sample.messages))
        assert result.reward_info["action_loop_score"] == pytest.approx(action_loop(sample.messages)["score"])
        assert result.reward_info["reward_failed"] is False
        assert result.details["action_loop"]["reason"].endswith("actions")


def test_rewards_restored_to_batch_order_with_a_fresh_loop_per_call():
    samples = make_batch(n_prompts=8, per_prompt=4, seed=3)
    expected = [expected_reward(s.messages) for s in samples]
    reward_fn = SimpleRewardFunction(max_concurrency=4)  # built once, outside any loop
    first = asyncio.run(reward_fn.acompute_rewards(shuffled_groups(samples, seed=11)))
    second = asyncio.run(reward_fn.acompute_rewards(shuffled_groups(samples, seed=12)))
    holder = {}
    worker = threading.Thread(
        target=lambda: holder.update(batch=asyncio.run(reward_fn.acompute_rewards(shuffled_groups(samples, seed=13))))
    )
    worker.start()
    worker.join()
    for batch in (first, second, holder["batch"]):
        assert batch.rewards == pytest.approx(expected)
        assert len(batch.reward_info["info_gain_score"]) == len(samples)
    assert reward_fn.compute_rewards(shuffled_groups(samples, seed=14)).rewards == pytest.approx(expected)


@pytest.mark.parametrize(
    ("indices", "match"),
    [([0, 1, 1], r"duplicated original_index \[1\]"), ([0, 2, 3], r"missing original_index \[1\]")],
)
async def test_missing_or_duplicated_index_is_an_error(indices, match):
    samples = [RewardSample(original_index=i, prompt="p", messages=trajectory(1, 0, 1, 0)) for i in indices]
    with pytest.raises(DatasetError, match=match):
        await SimpleRewardFunction().compute_batch_scores({"p": samples})


def test_restore_order_checks_results_from_overridden_compute_batch_scores():
    results = [RewardResult(original_index=i, group_index=0, score=float(i), reward_info={"a": i}) for i in (2, 0, 1)]
    batch = restore_order(results, 3)
    assert batch.rewards == [0.0, 1.0, 2.0] and batch.reward_info == {"a": [0, 1, 2]}
    with pytest.raises(DatasetError, match="missing original_index"):
        restore_order(results[:2], 3)
    with pytest.raises(DatasetError, match="duplicated"):
        restore_order([*results, results[0]], 3)


async def test_failed_samples_get_the_configured_reward_and_are_flagged():
    def strict(response):
        if "crash" in response:
            raise RuntimeError("grader crashed")
        return 1.0

    def lenient(response):
        if "crash" in response or "half" in response:
            raise ValueError("cannot grade")
        return 0.0

    reward_fn = RewardFunction(
        {
            "strict": {"grader": strict, "mapper": {"response": "response"}},
            "lenient": {"grader": lenient, "mapper": {"response": "response"}},
        },
        failure_reward=-1.0,
    )
    samples = [
        RewardSample(original_index=0, prompt="p", response="fine"),
        RewardSample(original_index=1, prompt="p", response="crash"),
        RewardSample(original_index=2, prompt="q", response="half"),
    ]
    batch = await reward_fn.acompute_rewards(group_samples(samples))
    assert batch.rewards == [0.5, -1.0, -1.0]
    assert batch.reward_info["reward_failed"] == [False, True, True]
    assert batch.reward_info["reward_renormalised"] == [False, False, False]
    assert batch.reward_info["graders_failed"] == [0, 2, 1]
    assert math.isnan(batch.reward_info["lenient_score"][2]) and batch.reward_info["strict_score"][2] == 1.0
    assert "RuntimeError: grader crashed" in batch.details[1]["strict"]["error"]
    assert "reward_error" in batch.details[1]
    assert "lenient" in batch.details[2]["reward_error"]

    reward_fn.partial_rewards = True
    partial = await reward_fn.acompute_rewards(group_samples(samples))
    assert partial.rewards == [0.5, -1.0, 1.0]
    assert partial.reward_info["reward_failed"] == [False, True, False]
    assert partial.reward_info["reward_renormalised"] == [False, False, True]


async def test_groups_are_numbered_in_order_without_changing_the_callers_samples():
    def echo(response):
        return float(response)

    reward_fn = RewardFunction({"echo": {"grader": echo, "mapper": {"response": "response"}}})
    samples = [
        RewardSample(original_index=0, prompt="p", response="1"),
        RewardSample(original_index=1, prompt="q", response="0"),
        RewardSample(original_index=2, prompt="p", response="0.5"),
    ]
    grouped = group_samples(samples)
    assert [[s.group_index for s in g] for g in grouped.values()] == [[0, 0], [1]]
    by_hand = {"p": [samples[0], samples[2]], "q": [samples[1]]}
    results = await reward_fn.compute_batch_scores(by_hand)
    assert [r.group_index for r in results] == [0, 1, 0]
    assert [s.group_index for s in samples] == [0, 0, 0]


@pytest.mark.parametrize("mode", ["mean", "mean_std"])
async def test_group_normalisation_within_each_prompt(mode):
    def value(response):
        if response == "bad":
            raise ValueError("unscorable")
        return float(response)

    reward_fn = RewardFunction(
        {"value": {"grader": value, "mapper": {"response": "response"}}}, group_normalisation=mode, failure_reward=-5.0
    )
    responses = {"p": ["1", "0", "0.5", "bad"], "q": ["3", "1"]}
    samples, i = [], 0
    for prompt, group in responses.items():
        for response in group:
            samples.append(RewardSample(original_index=i, prompt=prompt, response=response))
            i += 1
    batch = await reward_fn.acompute_rewards(group_samples(samples))
    if mode == "mean":
        assert batch.rewards == pytest.approx([0.5, -0.5, 0.0, -5.0, 1.0, -1.0])
    else:
        assert batch.rewards == pytest.approx([1.0, -1.0, 0.0, -5.0, 0.7071, -0.7071], abs=1e-4)
    assert batch.reward_info["raw_reward"] == pytest.approx([1.0, 0.0, 0.5, -5.0, 3.0, 1.0])


class CharTokenizer:
    """A character-level tokenizer: id = code point, 0 = padding (a special token)."""

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(int(i)) for i in ids if not (skip_special_tokens and int(i) == 0))


def verl_shaped_batch(rows, prompt_len=12, response_len=10):
    """numpy arrays laid out as a VERL DataProto: left-padded prompts, right-padded responses."""
    prompts = np.zeros((len(rows), prompt_len), dtype=np.int64)
    responses = np.zeros((len(rows), response_len), dtype=np.int64)
    mask = np.zeros((len(rows), prompt_len + response_len), dtype=np.int64)
    for i, (prompt, response, _) in enumerate(rows):
        prompts[i, prompt_len - len(prompt) :] = [ord(c) for c in prompt]
        responses[i, : len(response)] = [ord(c) for c in response]
        mask[i, prompt_len - len(prompt) : prompt_len + len(response)] = 1
    non_tensor = {
        "uid": np.array([uid for _, _, uid in rows], dtype=object),
        "data_source": np.array(["math"] * len(rows), dtype=object),
        "reward_model": np.array([{"ground_truth": "4"}] * len(rows), dtype=object),
    }
    return SimpleNamespace(
        batch={"prompts": prompts, "responses": responses, "attention_mask": mask}, non_tensor_batch=non_tensor
    )


def correct(response, truth):
    return response.strip() == truth


def test_verl_shaped_batch_decodes_into_groups():
    rows = [("2+2=?", "4", "u1"), ("3+3=?", "six", "u2"), ("2+2=?", "five!", "u1"), ("3+3=?", "6", "u2")]
    groups, lengths = decode_batch(verl_shaped_batch(rows), CharTokenizer())
    assert list(groups) == ["u1", "u2"]
    assert [s.original_index for s in groups["u1"]] == [0, 2]
    assert [(s.prompt, s.response, s.group_index) for s in groups["u2"]] == [("3+3=?", "six", 1), ("3+3=?", "6", 1)]
    assert groups["u1"][0].extra == {"data_source": "math", "reward_model": {"ground_truth": "4"}}
    assert lengths == [1, 3, 5, 1]


def test_verl_shaped_batch_scored_in_batch_order_by_instance_or_verl_wrapper():
    rows = [("2+2=?", "4", "u1"), ("3+3=?", "six", "u2"), ("2+2=?", "five!", "u1"), ("3+3=?", "6", "u2")]
    rows[3] = ("3+3=?", "4", "u2")  # right answer to the wrong prompt: ground truth is per row
    compute_score_async = RewardFunction(
        {"correct": {"grader": correct, "mapper": {"response": "response", "truth": "extra.reward_model.ground_truth"}}}
    )

    def wrapped_fn(*args, **kwargs):  # what VERL's get_custom_reward_fn hands the manager
        return compute_score_async(*args, **kwargs)

    for compute_score in (compute_score_async, wrapped_fn):
        batch, lengths = score_verl_batch(verl_shaped_batch(rows), CharTokenizer(), compute_score)
        assert batch.rewards == [1.0, 0.0, 0.0, 1.0]
        assert batch.reward_info["correct_score"] == [1.0, 0.0, 0.0, 1.0]
        assert lengths == [1, 3, 5, 1]


def test_seed_style_override_returning_unordered_results_is_restored():
    class Reversed(RewardFunction):
        async def compute_batch_scores(self, prompt_to_samples):
            return list(reversed(await super().compute_batch_scores(prompt_to_samples)))

    def length(response):
        return len(response)

    reversed_fn = Reversed({"length": {"grader": length, "mapper": {"response": "response"}}})
    rows = [("ab", "x", "g1"), ("cd", "yy", "g2"), ("ab", "zzz", "g1")]
    batch, _ = score_verl_batch(verl_shaped_batch(rows), CharTokenizer(), reversed_fn)
    assert batch.rewards == [1.0, 2.0, 3.0]


def test_reward_info_for_verl_is_numeric_with_fill_in_flags():
    """The VERL guide fills reward-info keys some samples lack with 0.0 (VERL makes numeric
    arrays of them); a failed grader's NaN is filled too, and flags say which values are fill-ins."""

    class GuideStyle(RewardFunction):  # the guide's override: some results carry keys others lack
        async def compute_batch_scores(self, prompt_to_samples):
            results = await super().compute_batch_scores(prompt_to_samples)
            for r in results:
                if r.original_index == 1:
                    r.reward_info["bonus"] = 2
                r.reward_info["label"] = "long" if r.original_index else None
            return results

    def length(response):
        if response == "boom":
            raise RuntimeError("grader crashed")
        return len(response)

    reward_fn = GuideStyle({"length": {"grader": length, "mapper": {"response": "response"}}})
    rows = [("ab", "x", "g1"), ("cd", "yy", "g2"), ("ab", "boom", "g1")]
    batch, lengths = score_verl_batch(verl_shaped_batch(rows), CharTokenizer(), reward_fn)
    assert batch.reward_info["bonus"] == [None, 2, None]  # the batch itself hides nothing
    assert math.isnan(batch.reward_info["length_score"][2])

    info = batch.numeric_reward_info()
    assert "label" not in info  # text cannot go into VERL's numeric arrays
    for key, values in info.items():
        assert len(values) == len(lengths), key
        assert all(isinstance(v, numbers.Real) and math.isfinite(v) for v in values), key
    assert info["length_score"] == [1.0, 2.0, 0.0] and info["length_score_filled"] == [False, False, True]
    assert info["bonus"] == [0.0, 2, 0.0] and info["bonus_filled"] == [True, False, True]
    assert info["reward_failed"] == [False, False, True] and "reward_failed_filled" not in info
    assert batch.numeric_reward_info(fill_value=-1.0)["length_score"] == [1.0, 2.0, -1.0]


def test_verl_manager_needs_verl_and_says_so():
    with pytest.raises(MissingDependencyError, match="'verl'") as info:
        VerlRewardManager(tokenizer=CharTokenizer(), num_examine=0, compute_score=SimpleRewardFunction())
    assert info.value.package == "verl"


class RootCounter(Tracer):
    """Counts evaluation (root) spans through the tracing port."""

    enabled = True

    def __init__(self):
        self.roots = []

    @contextlib.contextmanager
    def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
        if kind == "evaluation":
            self.roots.append(name)
        yield Span()


def test_all_groups_are_graded_in_one_engine_run():
    tracer = RootCounter()
    previous = set_tracer(tracer)
    try:
        batch = SimpleRewardFunction().compute_rewards(shuffled_groups(make_batch(n_prompts=5, per_prompt=3)))
    finally:
        set_tracer(previous)
    assert len(batch.rewards) == 15
    assert tracer.roots == ["reward"]
