"""RL reward adapter: graders as a reward function for RL trainers (VERL and alike).

``RewardFunction.compute_batch_scores(prompt_to_samples)`` grades every group of a batch
in one engine run and returns one reward per sample, with per-grader scores as reward
info. ``restore_order`` puts results back in batch order by ``original_index``.
``VerlRewardManager`` adapts a VERL ``DataProto`` batch; VERL is an optional dependency,
imported only when the manager is built.

Nothing here binds to an event loop when constructed: a trainer may call the same
reward function from a fresh loop at every step (``asyncio.run`` per call, Ray workers).
"""

from __future__ import annotations

import inspect
import logging
import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from axionlike._exceptions import ConfigurationError, DatasetError, MissingDependencyError
from axionlike._redact import redact_value
from axionlike._sync import run_sync
from axionlike.grading import Aggregator, GraderError, GradingRunner, MeanAggregator, group_relative

logger = logging.getLogger(__name__)

__all__ = [
    "RewardBatch",
    "RewardFunction",
    "RewardResult",
    "RewardSample",
    "VerlRewardManager",
    "check_indices",
    "decode_batch",
    "group_samples",
    "restore_order",
    "score_verl_batch",
]


class RewardSample(BaseModel):
    """One response to score, with its place in the batch."""

    original_index: int
    """Position in the trainer's batch; results are put back in this order."""
    group_index: int = 0
    """Which prompt group it belongs to."""
    prompt: str = ""
    response: str = ""
    messages: list[Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    """Anything else the trainer carries (``extra_info``, ``data_source``, ``ground_truth``)."""


class RewardResult(BaseModel):
    """The reward of one sample and what it is made of."""

    original_index: int
    group_index: int
    score: float
    reward_info: dict[str, Any] = Field(default_factory=dict)
    """``<grader>_score`` per grader (NaN when that grader failed), ``reward_failed``,
    ``graders_failed``, ``reward_renormalised`` and, with group normalisation, ``raw_reward``."""
    details: dict[str, Any] | None = None
    """Per grader: score and reason, or the error."""


class RewardBatch(BaseModel):
    """Rewards in batch order, and reward info as one list per key (VERL's ``reward_extra_info``)."""

    rewards: list[float]
    reward_info: dict[str, list[Any]]
    """One list per key, in batch order: ``None`` where a sample's info lacks the key, NaN
    where its grader failed (``numeric_reward_info`` gives what VERL can hold)."""
    details: list[dict[str, Any] | None]

    def numeric_reward_info(self, fill_value: float = 0.0) -> dict[str, list[Any]]:
        """``reward_info`` as VERL needs it: every list numeric and of batch length.

        VERL turns ``reward_extra_info`` into numeric arrays, so, as its guide does, a value
        that is missing (a key some samples lack) or not finite (NaN from a failed grader)
        becomes ``fill_value``; nothing is hidden: ``<key>_filled`` says, per sample,
        which values are fill-ins. Every ``<grader>_score`` key has its flag (so the keys
        stay the same from step to step), other keys only when some value was filled. A key
        holding text or other non-numbers is left out, with a warning naming it.
        """
        numeric: dict[str, list[Any]] = {}
        for key, values in self.reward_info.items():
            kept = [v for v in values if v is not None]
            odd = next((v for v in kept if not isinstance(v, numbers.Real)), None)
            if odd is not None:
                logger.warning(
                    "reward info %r is left out of VERL's reward_extra_info: it holds %s, not numbers",
                    key,
                    type(odd).__name__,
                )
                continue
            filled = [v is None or not math.isfinite(v) for v in values]
            numeric[key] = [fill_value if f else v for f, v in zip(filled, values, strict=True)]
            if key.endswith("_score") or any(filled):
                numeric[f"{key}_filled"] = filled
        return numeric


def _indices_problem(indices: list[int], size: int) -> str | None:
    counts = Counter(indices)
    duplicated = sorted(i for i, n in counts.items() if n > 1)
    missing = sorted(set(range(size)) - set(counts))
    outside = sorted(i for i in counts if not 0 <= i < size)
    problems = []
    if duplicated:
        problems.append(f"duplicated original_index {duplicated[:10]}")
    if missing:
        problems.append(f"missing original_index {missing[:10]}")
    if outside:
        problems.append(f"original_index outside 0..{size - 1}: {outside[:10]}")
    return "; ".join(problems) or None


def check_indices(prompt_to_samples: Mapping[Any, Sequence[RewardSample]]) -> int:
    """The batch size; raises DatasetError unless the indices are exactly 0..N-1, once each."""
    indices = [s.original_index for group in prompt_to_samples.values() for s in group]
    problem = _indices_problem(indices, len(indices))
    if problem:
        raise DatasetError(f"prompt_to_samples: {problem}")
    return len(indices)


def restore_order(results: Sequence[RewardResult], batch_size: int) -> RewardBatch:
    """Rewards and reward info in batch order; raises DatasetError on a missing or duplicated index."""
    problem = _indices_problem([r.original_index for r in results], batch_size)
    if problem or len(results) != batch_size:
        raise DatasetError(f"reward results do not cover the batch of {batch_size}: {problem or len(results)}")
    by_index = sorted(results, key=lambda r: r.original_index)
    keys = list(dict.fromkeys(k for r in by_index for k in r.reward_info))
    return RewardBatch(
        rewards=[r.score for r in by_index],
        reward_info={k: [r.reward_info.get(k) for r in by_index] for k in keys},
        details=[r.details for r in by_index],
    )


def group_samples(samples: Sequence[RewardSample], keys: Sequence[Any] | None = None) -> dict[Any, list[RewardSample]]:
    """Group samples by ``keys`` (e.g. VERL's ``uid``) or by prompt, groups numbered in order of first appearance."""
    groups: dict[Any, list[RewardSample]] = {}
    for n, sample in enumerate(samples):
        groups.setdefault(keys[n] if keys is not None else sample.prompt, []).append(sample)
    return {key: _in_group(group, g) for g, (key, group) in enumerate(groups.items())}


def _in_group(samples: Sequence[RewardSample], group_index: int) -> list[RewardSample]:
    """The samples with ``group_index`` set (copies where it differs; the caller's are not changed)."""
    return [s if s.group_index == group_index else s.model_copy(update={"group_index": group_index}) for s in samples]


class RewardFunction:
    """Graders as a reward: one engine run per batch, one reward per sample.

    The reward of a sample is the ``aggregator`` entry (the mean of the graders by
    default). A sample on which any grader failed gets ``failure_reward`` and
    ``reward_failed=True`` in its info, never an unflagged 0: a reward from the other
    graders alone could reward a wrong answer (a format grader passing while the
    correctness grader could not run). ``partial_rewards=True`` takes the aggregate of
    the graders that succeeded instead, flagged ``reward_renormalised``. Groups are the
    entries of ``prompt_to_samples``, numbered in order (``group_index``).
    ``group_normalisation`` makes rewards relative to their
    prompt group (``"mean"``: minus the group mean; ``"mean_std"``: divided by the std
    too, as GRPO does); failed samples are left out of the group statistics.

    ``backend=RayBackend(...)`` grades on Ray workers (the graders travel once per step).
    Subclass and override ``create_grader_configs`` (and ``sample_data`` to shape what
    graders see), or pass ``grader_configs``.

    Example:
        ```python
        reward_fn = RewardFunction(
            {"format": {"grader": has_answer_tag, "mapper": {"response": "response"}},
             "length": {"grader": length_ok, "mapper": {"text": "response"}}},
            aggregator=WeightedSumAggregator(name="reward", weights={"format": 0.7, "length": 0.3}),
        )
        batch = reward_fn.compute_rewards(group_samples(samples))
        batch.rewards   # in original batch order
        ```
    """

    def __init__(
        self,
        grader_configs: Mapping[str, Any] | None = None,
        *,
        aggregator: Aggregator | Any = None,
        failure_reward: float = 0.0,
        partial_rewards: bool = False,
        group_normalisation: Literal["none", "mean", "mean_std"] = "none",
        max_concurrency: int = 32,
        show_progress: bool = False,
        timeout: float | None = None,
        backend: Any = None,
    ) -> None:
        configs = grader_configs if grader_configs is not None else self.create_grader_configs()
        if group_normalisation not in ("none", "mean", "mean_std"):
            raise ConfigurationError(
                f"group_normalisation must be 'none', 'mean' or 'mean_std'; got {group_normalisation!r}"
            )
        self.aggregator = aggregator if aggregator is not None else MeanAggregator(name="reward")
        self.runner = GradingRunner(
            configs,
            aggregators=[self.aggregator],
            max_concurrency=max_concurrency,
            show_progress=show_progress,
            timeout=timeout,
            name="reward",
            backend=backend,
        )
        self.reward_name = self.runner.aggregators[0].name
        self.grader_names = self.runner.grader_names
        self.failure_reward = float(failure_reward)
        self.partial_rewards = partial_rewards
        self.group_normalisation = group_normalisation

    def create_grader_configs(self) -> Mapping[str, Any]:
        """The graders, for subclasses that do not pass ``grader_configs``."""
        raise ConfigurationError("give RewardFunction grader_configs, or override create_grader_configs()")

    def sample_data(self, sample: RewardSample) -> dict[str, Any]:
        """What graders (and mappers) see for one sample."""
        return {
            "prompt": sample.prompt,
            "response": sample.response,
            "messages": sample.messages,
            "extra": sample.extra,
            "original_index": sample.original_index,
            "group_index": sample.group_index,
        }

    async def compute_batch_scores(self, prompt_to_samples: Mapping[Any, Sequence[RewardSample]]) -> list[RewardResult]:
        """Rewards for every sample of every group, sorted by ``original_index``."""
        check_indices(prompt_to_samples)
        groups = [_in_group(group, g) for g, group in enumerate(prompt_to_samples.values())]
        graded = await self.runner.arun_multiple_datasets([[self.sample_data(s) for s in g] for g in groups])
        results: list[RewardResult] = []
        for group, entries in zip(groups, graded, strict=True):
            group_results = [self._result(sample, entries, n) for n, sample in enumerate(group)]
            if self.group_normalisation != "none":
                self._normalise(group_results)
            results.extend(group_results)
        return sorted(results, key=lambda r: r.original_index)

    async def __call__(self, prompt_to_samples: Mapping[Any, Sequence[RewardSample]]) -> list[RewardResult]:
        """``compute_batch_scores``: a RewardFunction instance is the ``compute_score`` VERL calls."""
        return await self.compute_batch_scores(prompt_to_samples)

    async def acompute_rewards(self, prompt_to_samples: Mapping[Any, Sequence[RewardSample]]) -> RewardBatch:
        """``compute_batch_scores`` restored to batch order as lists."""
        size = check_indices(prompt_to_samples)
        return restore_order(await self.compute_batch_scores(prompt_to_samples), size)

    def compute_rewards(self, prompt_to_samples: Mapping[Any, Sequence[RewardSample]]) -> RewardBatch:
        """``acompute_rewards`` from synchronous code (also inside a running loop)."""
        return run_sync(self.acompute_rewards(prompt_to_samples))

    def _result(self, sample: RewardSample, entries: dict[str, list[Any]], n: int) -> RewardResult:
        info: dict[str, Any] = {}
        details: dict[str, Any] = {}
        for name in self.grader_names:
            entry = entries[name][n]
            if isinstance(entry, GraderError):
                info[f"{name}_score"] = math.nan
                details[name] = {"error": str(entry.error)}
            else:
                info[f"{name}_score"] = entry.score
                details[name] = {"score": entry.score, "reason": entry.reason}
        reward = entries[self.reward_name][n]
        partial = not isinstance(reward, GraderError) and bool(reward.metadata.get("partial"))
        failed = isinstance(reward, GraderError) or (partial and not self.partial_rewards)
        info["reward_failed"] = failed
        info["graders_failed"] = sum(isinstance(entries[g][n], GraderError) for g in self.grader_names)
        info["reward_renormalised"] = partial and self.partial_rewards
        if isinstance(reward, GraderError):
            details["reward_error"] = str(reward.error)
        elif failed:
            left_out = ", ".join(reward.metadata.get("failed", ()))
            details["reward_error"] = f"grader(s) {left_out} failed; partial_rewards=False gives failure_reward"
        return RewardResult(
            original_index=sample.original_index,
            group_index=sample.group_index,
            score=self.failure_reward if failed else reward.score,
            reward_info=info,
            details=details,
        )

    def _normalise(self, group: list[RewardResult]) -> None:
        raw = [None if r.reward_info["reward_failed"] else r.score for r in group]
        relative = group_relative(raw, divide_by_std=self.group_normalisation == "mean_std")
        for result, value in zip(group, relative, strict=True):
            result.reward_info["raw_reward"] = result.score
            if value is not None:
                result.score = value


def _require_verl() -> None:
    import importlib

    for package in ("verl", "torch"):  # verl first: installing it brings torch
        try:
            importlib.import_module(package)
        except ImportError as exc:
            raise MissingDependencyError(package, "verl", "VerlRewardManager") from exc


def decode_batch(data: Any, tokenizer: Any) -> tuple[dict[Any, list[RewardSample]], list[int]]:
    """Samples grouped by prompt, and valid response lengths, from a VERL-shaped batch.

    ``data.batch`` holds ``prompts`` [B, Lp] (left-padded), ``responses`` [B, Lr]
    (right-padded) and ``attention_mask`` [B, Lp + Lr]; ``data.non_tensor_batch`` may hold
    ``uid`` (the group key under GRPO), ``raw_prompt`` messages, ``extra_info``,
    ``data_source`` and ``reward_model`` (ground truth). Works on torch tensors and numpy
    arrays alike.
    """
    prompts, responses, mask = data.batch["prompts"], data.batch["responses"], data.batch["attention_mask"]
    non_tensor = dict(getattr(data, "non_tensor_batch", None) or {})
    prompt_length = prompts.shape[-1]
    samples, lengths = [], []
    for i in range(len(prompts)):
        valid_prompt = int(mask[i][:prompt_length].sum())
        valid_response = int(mask[i][prompt_length:].sum())
        extra = {
            k: non_tensor[k][i]
            for k in ("extra_info", "data_source", "reward_model")
            if k in non_tensor and non_tensor[k][i] is not None
        }
        raw = non_tensor.get("raw_prompt")
        samples.append(
            RewardSample(
                original_index=i,
                prompt=tokenizer.decode(prompts[i][prompt_length - valid_prompt :], skip_special_tokens=True),
                response=tokenizer.decode(responses[i][:valid_response], skip_special_tokens=True),
                messages=list(raw[i]) if raw is not None else None,
                extra=extra,
            )
        )
        lengths.append(valid_response)
    groups = group_samples(samples, list(non_tensor["uid"]) if "uid" in non_tensor else None)
    return groups, lengths


def score_verl_batch(data: Any, tokenizer: Any, compute_score: Any) -> tuple[RewardBatch, list[int]]:
    """Rewards in batch order and valid response lengths for a VERL-shaped batch.

    ``compute_score(prompt_to_samples)`` is a RewardFunction or any callable returning
    (or awaiting to) a list of RewardResult, such as the wrapper VERL builds around
    ``custom_reward_function``; results are restored to batch order by index.
    """
    groups, lengths = decode_batch(data, tokenizer)

    async def call() -> Any:
        value = compute_score(groups)
        return await value if inspect.isawaitable(value) else value

    return restore_order(run_sync(call()), len(lengths)), lengths


class VerlRewardManager:
    """VERL reward manager over a RewardFunction (VERL's ``reward_manager`` interface).

    Decodes the batch, groups responses by ``uid`` (or prompt), grades them in one run,
    and writes each reward at the last valid token of its response. Its
    ``reward_extra_info`` is ``RewardBatch.numeric_reward_info(fill_value)``: numeric
    lists of batch length, with ``<key>_filled`` flags on the fill-ins. Needs ``verl``
    (and its ``torch``); raises MissingDependencyError naming the package when absent.

    Example:
        ```python
        # +reward_model.reward_kwargs.reward_manager_class_path=axionlike.integrations.reward.VerlRewardManager
        # custom_reward_function.name=compute_score_async  (a RewardFunction instance)
        manager = VerlRewardManager(tokenizer, num_examine=0, compute_score=compute_score_async)
        out = manager(data, return_dict=True)  # {"reward_tensor", "reward_extra_info"}
        ```
    """

    def __init__(
        self,
        tokenizer: Any,
        num_examine: int = 0,
        compute_score: Any = None,
        fill_value: float = 0.0,
        **kwargs: Any,
    ) -> None:
        _require_verl()
        if not callable(compute_score):
            raise ConfigurationError(
                "compute_score must be a RewardFunction or a callable prompt_to_samples -> list[RewardResult]; "
                f"got {type(compute_score).__name__}"
            )
        self.tokenizer = tokenizer
        self.num_examine = num_examine
        self.compute_score = compute_score
        self.fill_value = fill_value

    def __call__(self, data: Any, return_dict: bool = False) -> Any:
        import torch

        batch, lengths = score_verl_batch(data, self.tokenizer, self.compute_score)
        for i in range(min(self.num_examine, len(lengths))):
            logger.info("reward[%d]=%.4f details=%s", i, batch.rewards[i], redact_value(batch.details[i]))
        reward_tensor = torch.zeros_like(data.batch["responses"], dtype=torch.float32)
        for i, (reward, length) in enumerate(zip(batch.rewards, lengths, strict=True)):
            if length > 0:
                reward_tensor[i, length - 1] = reward
        if return_dict:
            return {"reward_tensor": reward_tensor, "reward_extra_info": batch.numeric_reward_info(self.fill_value)}
        return reward_tensor
