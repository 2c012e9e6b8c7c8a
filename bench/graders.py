"""Benchmark: the rule-based graders over one RL batch.

1,024 agent trajectories of 20 steps (10 tool calls, each answered by a ~300-character
observation; a third of them loop) and 1,024 responses of ~2,000 characters in the
reasoning format. For each rule-based agent and format grader: CPU seconds to grade the
whole batch by calling ``aevaluate`` (the grader alone; target < 0.5 s each, issue 17),
and through ``GradingRunner`` (the grader plus the engine: mapping, results, order).

Run from the repository root:
    python bench/graders.py [--batch 1024]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from axionlike.graders import (
    ActionLoopDetectionGrader,
    BaseGrader,
    JsonValidityGrader,
    LengthPenaltyGrader,
    NgramRepetitionPenaltyGrader,
    ObservationInformationGainGrader,
    ReasoningFormatGrader,
    ReasoningToolCallFormatGrader,
    ToolCallPrecisionRecallGrader,
    ToolCallSequenceMatchGrader,
    ToolCallSuccessGrader,
    ToolParameterCheckGrader,
)
from axionlike.grading import GradingRunner

WORDS = [
    "the",
    "agent",
    "reads",
    "the",
    "page",
    "and",
    "finds",
    "a",
    "table",
    "of",
    "results",
    "with",
    "several",
    "columns",
    "and",
    "rows",
    "of",
    "numbers",
]
TOOLS = {
    "search": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    "open": {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]},
}


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS) + str(rng.randint(0, 99)))
    return " ".join(words)


def trajectory(rng: random.Random, loops: bool) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Find the population of Lyon in 2020."}]
    for step in range(10):
        name = "search" if step % 2 == 0 else "open"
        argument = "query" if name == "search" else "url"
        value = "lyon population" if loops and step > 4 else f"{name} {step}"
        call_id = f"call_{step}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps({argument: value})},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": _text(rng, 300)})
    messages.append({"role": "assistant", "content": "Lyon had about 522,000 inhabitants in 2020."})
    return messages


def response(rng: random.Random) -> str:
    return f"<think>{_text(rng, 1800)}</think> The answer is {json.dumps({'value': rng.randint(0, 9)})}"


def _cpu(run: Any) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1024)
    args = parser.parse_args()
    rng = random.Random(0)
    trajectories = [{"messages": trajectory(rng, loops=i % 3 == 0)} for i in range(args.batch)]
    reference = [
        {"name": "search", "arguments": {"query": "search 0"}},
        {"name": "open", "arguments": {"url": "open 1"}},
    ]
    for sample in trajectories:
        sample["reference_tool_calls"] = reference
    responses = [{"response": response(rng)} for _ in range(args.batch)]

    agent: list[tuple[BaseGrader, dict[str, str]]] = [
        (ActionLoopDetectionGrader(similarity_threshold=1.0), {"messages": "messages"}),
        (ActionLoopDetectionGrader(similarity_threshold=0.8), {"messages": "messages"}),
        (ObservationInformationGainGrader(similarity_threshold=0.5), {"messages": "messages"}),
        (ToolCallSequenceMatchGrader(), {"messages": "messages", "reference_tool_calls": "reference_tool_calls"}),
        (ToolCallPrecisionRecallGrader(), {"messages": "messages", "reference_tool_calls": "reference_tool_calls"}),
        (ToolCallSuccessGrader(), {"messages": "messages"}),
        (ToolParameterCheckGrader(tool_schemas=TOOLS), {"messages": "messages"}),
    ]
    text: list[tuple[BaseGrader, dict[str, str]]] = [
        (ReasoningFormatGrader(), {"response": "response"}),
        (ReasoningToolCallFormatGrader(), {"response": "response"}),
        (LengthPenaltyGrader(max_length=1500), {"response": "response"}),
        (NgramRepetitionPenaltyGrader(), {"response": "response"}),
        (JsonValidityGrader(), {"response": "response"}),
    ]
    print(f"{args.batch} trajectories of 20 steps, {args.batch} responses of ~2,000 characters; CPU seconds per batch")
    print(f"{'grader':<40} {'aevaluate':>10} {'GradingRunner':>14}")
    for graders, samples in ((agent, trajectories), (text, responses)):
        for grader, mapper in graders:

            async def direct(
                grader: BaseGrader = grader, mapper: dict[str, str] = mapper, samples: Any = samples
            ) -> None:
                for sample in samples:
                    await grader.aevaluate(**{k: sample[v] for k, v in mapper.items()})

            alone = _cpu(lambda direct=direct: asyncio.run(direct()))
            runner = GradingRunner({grader.name: {"grader": grader, "mapper": mapper}}, show_progress=False)
            engine = _cpu(lambda runner=runner, samples=samples: runner.run(samples))
            label = type(grader).__name__
            if isinstance(grader, ActionLoopDetectionGrader):
                label += f"({grader.similarity_threshold})"
            print(f"{label:<40} {alone:>9.3f}s {engine:>13.3f}s")


if __name__ == "__main__":
    main()
