"""LLM graders of agents: a whole trajectory, its tool choices, its tool calls' arguments, a plan.

Each reads OpenAI chat messages with tool calls (``Trajectory.parse``: a malformed
trajectory is a GraderInputError before any LLM call) and shows the judge the numbered
transcript, tool calls and results included. Judges score on a 1-5 rubric, normalised
to [0, 1].
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from axionlike._exceptions import GraderInputError
from axionlike.graders import _prompts as prompts
from axionlike.graders._base import GraderScore, LanguageEnum
from axionlike.graders._common import _JudgeGrader, _text
from axionlike.graders._trajectory import Trajectory
from axionlike.llm import LLMClient


class StepNote(BaseModel):
    """The judge's note on one step (message) of a trajectory."""

    step: int = Field(ge=0, description="Number of the message in the transcript, as shown in [n].")
    note: str = Field(description="What this step did well or badly, in one or two sentences.")


class TrajectoryVerdict(BaseModel):
    """What the trajectory judge answers: an overall reason, notes on the steps that matter, a 1-5 score."""

    reason: str = Field(description="Overall assessment: task understanding, tool use, progress, final answer.")
    step_notes: list[StepNote] = Field(description="A note on each step that matters, in transcript order.")
    score: int = Field(ge=1, le=5, description="The score, an integer from 1 to 5.")


def _transcript(messages: Any, field_name: str = "messages") -> str:
    """The parsed, non-empty trajectory as a numbered transcript (GraderInputError if malformed)."""
    trajectory = Trajectory.parse(messages, field_name=field_name)
    if not trajectory.messages:
        raise GraderInputError(f"{field_name}: the trajectory has no messages")
    return trajectory.render()


def _tool_list(tools: Any, language: LanguageEnum) -> str:
    """Available tools as lines for a prompt: OpenAI tool definitions, bare functions, or names."""
    if tools is None:
        return prompts.NOT_GIVEN[language]
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise GraderInputError(f"available_tools: expected a list of tool definitions, got {type(tools).__name__}")
    if not tools:
        return prompts.NO_TOOLS[language]
    return "\n".join(_tool_line(tool, f"available_tools[{index}]") for index, tool in enumerate(tools))


def _tool_line(tool: Any, where: str) -> str:
    if isinstance(tool, str) and tool:
        return f"- {tool}"
    spec = tool.get("function", tool) if isinstance(tool, Mapping) else None
    name = spec.get("name") if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping) or not isinstance(name, str) or not name:
        raise GraderInputError(f"{where}: expected a tool name or a tool definition with a 'name'")
    line = f"- {name}"
    if spec.get("description"):
        line += f": {spec['description']}"
    if spec.get("parameters"):
        line += f"\n  parameters: {json.dumps(spec['parameters'], ensure_ascii=False, sort_keys=True, default=str)}"
    return line


class TrajectoryComprehensiveGrader(_JudgeGrader):
    """Holistic quality of an agent's trajectory: task understanding, tool use, progress, final answer.

    Input: ``messages``, OpenAI chat messages with tool calls and tool results. The judge
    scores 1-5, normalised to [0, 1]; higher is better (1.0: solved correctly and
    efficiently). It also notes the steps that matter: the reason reads
    ``"<overall>; step 2: <note>; ..."`` (steps numbered as messages, from 0) and
    ``metadata["step_notes"]`` lists ``{"step", "note"}``. One LLM call per sample.

    Example:
        ```python
        grader = TrajectoryComprehensiveGrader(model=LLMClient("gpt-4o-mini"), language=LanguageEnum.EN)
        runner = GradingRunner({"trajectory": {"grader": grader, "mapper": {"messages": "messages"}}})
        ```
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "trajectory_comprehensive",
            "holistic quality of an agent trajectory",
            model,
            prompts.TRAJECTORY_COMPREHENSIVE_TEMPLATE,
            language,
            structured_model=TrajectoryVerdict,
        )

    async def aevaluate(self, messages: Sequence[Mapping[str, Any]]) -> GraderScore:
        score = await self.judge({"trajectory": _transcript(messages)})
        notes = [f"step {n['step']}: {n['note']}" for n in score.metadata.get("step_notes", [])]
        return score.model_copy(update={"reason": "; ".join([score.reason or "", *notes])})


class ToolSelectionGrader(_JudgeGrader):
    """Whether an agent chose the right tools for its task (not whether their arguments were right).

    Inputs: ``messages`` (OpenAI chat messages with tool calls) and optionally
    ``available_tools`` (OpenAI tool definitions, bare ``{"name", "description",
    "parameters"}`` functions, or names). The judge scores 1-5, normalised to [0, 1];
    higher is better (1.0: exactly the tools the task needs). One LLM call per sample.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "tool_selection", "choice of tools for the task", model, prompts.TOOL_SELECTION_TEMPLATE, language
        )

    async def aevaluate(
        self, messages: Sequence[Mapping[str, Any]], available_tools: Sequence[Mapping[str, Any] | str] | None = None
    ) -> GraderScore:
        trajectory = _transcript(messages)
        return await self.judge({"trajectory": trajectory, "tools": _tool_list(available_tools, self.language)})


class ToolCallAccuracyGrader(_JudgeGrader):
    """Whether an agent's tool calls have valid, correct and grounded arguments.

    Inputs: ``messages`` (OpenAI chat messages with tool calls and results) and
    optionally ``available_tools`` (as for ToolSelectionGrader; their parameter schemas
    let the judge check the arguments). The judge scores 1-5, normalised to [0, 1];
    higher is better (1.0: every call valid, its values correct and grounded in the
    request or earlier results). One LLM call per sample.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "tool_call_accuracy",
            "validity and grounding of tool call arguments",
            model,
            prompts.TOOL_CALL_ACCURACY_TEMPLATE,
            language,
        )

    async def aevaluate(
        self, messages: Sequence[Mapping[str, Any]], available_tools: Sequence[Mapping[str, Any] | str] | None = None
    ) -> GraderScore:
        trajectory = _transcript(messages)
        return await self.judge({"trajectory": trajectory, "tools": _tool_list(available_tools, self.language)})


class PlanFeasibilityGrader(_JudgeGrader):
    """Whether an agent's plan can be carried out: order, prerequisites, executable steps, sufficiency.

    Inputs: ``plan``, the plan's text or the chat messages in which the agent made it
    (parsed as a trajectory); optionally ``query`` (the task) and ``available_tools`` (as
    for ToolSelectionGrader). The judge scores 1-5, normalised to [0, 1]; higher is
    better (1.0: feasible as written). One LLM call per sample.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "plan_feasibility", "feasibility of an agent's plan", model, prompts.PLAN_FEASIBILITY_TEMPLATE, language
        )

    async def aevaluate(
        self,
        plan: str | Sequence[Mapping[str, Any]],
        query: str | None = None,
        available_tools: Sequence[Mapping[str, Any] | str] | None = None,
    ) -> GraderScore:
        if isinstance(plan, str):
            if not plan.strip():
                raise GraderInputError("plan: empty")
            plan_text = plan
        else:
            plan_text = _transcript(plan, "plan")
        fields = {
            "plan": plan_text,
            "query": prompts.NOT_GIVEN[self.language] if query is None else _text("query", query),
            "tools": _tool_list(available_tools, self.language),
        }
        return await self.judge(fields)
