"""The RL seed's "Minimal Example" (openjudge-verl-reward.md), as written there but for its import
paths and the model class (``LLMClient`` pointed at the local fake judge), end to end."""

from __future__ import annotations

import json
import math

import pytest

# -- the seed's imports, moved to axionlike ------------------------------------------------------
from axionlike.graders import (
    ActionLoopDetectionGrader,
    LanguageEnum,
    ObservationInformationGainGrader,
    TrajectoryComprehensiveGrader,
)
from axionlike.grading import GraderConfig, GradingRunner
from axionlike.integrations.reward import RewardFunction as BaseOpenJudgeRewardFunction
from axionlike.integrations.reward import RewardResult, RewardSample, group_samples
from axionlike.llm import LLMClient

JUDGE = {"api_base": None}


def OpenAIChatModel(model, temperature):  # the model class: an LLMClient on the local judge
    return LLMClient(f"openai/{model}", api_base=JUDGE["api_base"], api_key="sk-seed-judge", temperature=temperature)


# -- the seed's code, verbatim ---------------------------------------------------------------------
class SimpleRewardFunction(BaseOpenJudgeRewardFunction):
    """Simple reward function with 3 graders."""

    def __init__(self, model_name="qwen3-max", max_concurrency=32):
        self.model = OpenAIChatModel(model=model_name, temperature=0.0)
        self.grader_configs = {
            # LLM-based: Comprehensive trajectory evaluation
            "trajectory": GraderConfig(
                grader=TrajectoryComprehensiveGrader(model=self.model, language=LanguageEnum.EN),
                mapper=lambda data: {"messages": data["messages"]},
            ),
            # Rule-based: Detect action loops
            "action_loop": GraderConfig(
                grader=ActionLoopDetectionGrader(similarity_threshold=1.0),
                mapper=lambda data: {"messages": data["messages"]},
            ),
            # Rule-based: Information gain
            "info_gain": GraderConfig(
                grader=ObservationInformationGainGrader(similarity_threshold=0.5),
                mapper=lambda data: {"messages": data["messages"]},
            ),
        }
        self.max_concurrency = max_concurrency

    async def compute_batch_scores(self, prompt_to_samples):
        """Compute scores using async GradingRunner."""
        # Convert to OpenJudge format
        datasets = []
        for prompt, samples in prompt_to_samples.items():  # noqa: B007 (the seed's code)
            dataset = [{"messages": s.messages} for s in samples]
            datasets.append(dataset)

        # Create runner (fresh instance to avoid event loop issues)
        runner = GradingRunner(
            grader_configs=self.grader_configs,
            max_concurrency=self.max_concurrency,
            show_progress=True,
        )

        # Run async evaluation
        runner_results = await runner.arun_multiple_datasets(datasets)

        # Parse results and create RewardResult objects
        results = []
        for dataset_idx, dataset_results in enumerate(runner_results):
            prompt = list(prompt_to_samples.keys())[dataset_idx]
            samples = prompt_to_samples[prompt]

            for sample_idx, sample in enumerate(samples):
                # Extract scores from each grader
                scores = {}
                for grader_name in self.grader_configs.keys():  # noqa: SIM118 (the seed's code)
                    grader_result = dataset_results[grader_name][sample_idx]
                    score = grader_result.score if hasattr(grader_result, "score") else 0.0
                    scores[f"{grader_name}_score"] = score

                # Simple average aggregation
                total_score = sum(scores.values()) / len(scores)

                results.append(
                    RewardResult(
                        original_index=sample.original_index,
                        group_index=sample.group_index,
                        score=total_score,
                        reward_info=scores,
                    )
                )

        return results


# -- the test -----------------------------------------------------------------------------------------
def _call(call_id, name, **arguments):
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": function}],
    }


def _result(call_id, content):
    return {"role": "tool", "tool_call_id": call_id, "content": content}


TASK = {"role": "user", "content": "How many inhabitants did Lyon have in 2020?"}
LOOPS = [TASK]
for _n in range(4):
    LOOPS += [_call(f"l{_n}", "search", query="Lyon population"), _result(f"l{_n}", "Lyon is a city in France.")]
LOOPS.append({"role": "assistant", "content": "I could not find it."})
EXPLORES = [
    TASK,
    _call("e1", "search", query="Lyon population 2020"),
    _result("e1", "INSEE publishes legal populations per commune every year."),
    _call("e2", "open", url="https://www.insee.fr/lyon-2020"),
    _result("e2", "Lyon, legal population 2020: 522,250 inhabitants."),
    {"role": "assistant", "content": "522,250 inhabitants (INSEE, 2020)."},
]
BROKEN = [TASK, {"role": "tool", "tool_call_id": "nobody", "content": "orphan result"}]


@pytest.fixture
def seed_judge(fake_llm):
    JUDGE["api_base"] = fake_llm.api_base
    yield fake_llm
    JUDGE["api_base"] = None


def test_the_minimal_example_gives_every_sample_its_reward(seed_judge):
    compute_score_async = SimpleRewardFunction(model_name="qwen3-max", max_concurrency=32)
    samples = [
        RewardSample(original_index=0, prompt="lyon", messages=LOOPS),
        RewardSample(original_index=1, prompt="lyon", messages=EXPLORES),
        RewardSample(original_index=2, prompt="other", messages=EXPLORES),
        RewardSample(original_index=3, prompt="other", messages=BROKEN),
    ]
    batch = compute_score_async.compute_rewards(group_samples(samples))
    info = batch.reward_info
    assert info["action_loop_score"][0] < 1.0 == info["action_loop_score"][1]
    assert info["info_gain_score"][0] < info["info_gain_score"][1] == 1.0
    assert all(0.0 <= s <= 1.0 for s in info["trajectory_score"][:3])
    for n in range(3):
        parts = [info[f"{g}_score"][n] for g in ("trajectory", "action_loop", "info_gain")]
        assert batch.rewards[n] == pytest.approx(sum(parts) / 3)
    # the malformed trajectory: every grader fails on it (the seed's code then counts 0.0), no crash
    assert batch.rewards[3] == 0.0 and not any(math.isnan(v) for v in batch.rewards)
    judged = [r.text() for r in seed_judge.chat_requests]
    assert len(judged) == 3 and any("522,250" in text for text in judged)  # the trajectory reached the judge
