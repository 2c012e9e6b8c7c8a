"""The built-in demo: a toy question-answering task scored by the heuristic metrics."""

from __future__ import annotations

import asyncio
import hashlib
from importlib import resources
from typing import Any

from axionlike.dataset import Dataset, DatasetItem
from axionlike.metrics import Contains, ExactMatch, Latency, LengthConstraint, LevenshteinSimilarity
from axionlike.results import EvaluationResult
from axionlike.runners import EvaluationConfig

_KNOWLEDGE = {
    "capital of france": "Paris",
    "capital of japan": "Tokyo",
    "capital of australia": "Sydney",
    "12 + 30": "42",
    "7 * 8": "54",
    "romeo and juliet": "Shakespeare",
    "symbol au": "Gold",
    "red planet": "Mars",
    "as json": '{"name": "Ada", "role": "admin"}',
    "speed of light": "about 300,000 km/s",
    "largest ocean": "The Pacific Ocean",
}


async def toy_task(item: DatasetItem) -> dict[str, Any]:
    """A stand-in for a model: looks the answer up, with a deterministic delay."""
    question = (item.query or "").lower()
    answer = next((a for key, a in _KNOWLEDGE.items() if key in question), "I'm not sure.")
    delay = int(hashlib.sha256(question.encode()).hexdigest()[:2], 16) / 2550
    await asyncio.sleep(delay)
    return {"response": answer}


def demo_dataset() -> Dataset:
    path = resources.files("axionlike") / "data" / "demo.jsonl"
    with resources.as_file(path) as file:
        return Dataset.load(file, name="axionlike-demo")


def demo_config(**overrides: Any) -> EvaluationConfig:
    """The demo evaluation: 12 questions, the toy task, five heuristic metrics."""
    settings: dict[str, Any] = {
        "evaluation_name": "axionlike demo",
        "evaluation_inputs": demo_dataset(),
        "task": toy_task,
        "scoring_key_mapping": {"actual_output": "response"},
        "scoring_metrics": [
            ExactMatch(case_sensitive=False),
            Contains(),
            LevenshteinSimilarity(case_sensitive=False, threshold=0.8),
            LengthConstraint(max_length=40),
            Latency(threshold=0.08),
        ],
        "max_concurrent": 4,
        "evaluation_metadata": {"model_version": "toy-1"},
        **overrides,
    }
    return EvaluationConfig(**settings)


def run_demo(show_progress: bool = True) -> EvaluationResult:
    from axionlike.runners import EvaluationRunner

    return EvaluationRunner(demo_config(show_progress=show_progress)).run()
