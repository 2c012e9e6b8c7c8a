"""The grader library: the grader contract, agent trajectories, and built-in graders.

Every grader runs in ``GradingRunner`` and ``RewardFunction`` (a mapper feeds it) and as a
metric in ``evaluation_runner`` (it reads the item fields named like its parameters).
Scores are in [0, 1], higher is better. The rule-based graders cost microseconds per
sample; the LLM graders one judge call. See docs/grading.md for the table.
"""

from axionlike.graders._agent_llm import (
    PlanFeasibilityGrader,
    StepNote,
    ToolCallAccuracyGrader,
    ToolSelectionGrader,
    TrajectoryComprehensiveGrader,
    TrajectoryVerdict,
)
from axionlike.graders._agent_rules import (
    DEFAULT_ERROR_PATTERNS,
    ActionLoopDetectionGrader,
    ObservationInformationGainGrader,
    ToolCallPrecisionRecallGrader,
    ToolCallSequenceMatchGrader,
    ToolCallSuccessGrader,
    ToolParameterCheckGrader,
)
from axionlike.graders._base import BaseGrader, GraderMode, GraderScore, LanguageEnum
from axionlike.graders._common import (
    AccuracyGrader,
    CorrectnessGrader,
    HallucinationGrader,
    HarmfulnessGrader,
    HelpfulnessGrader,
    InstructionFollowingGrader,
    RelevanceGrader,
)
from axionlike.graders._format import (
    JsonMatchGrader,
    JsonValidityGrader,
    LengthPenaltyGrader,
    NgramRepetitionPenaltyGrader,
    ReasoningFormatGrader,
    ReasoningToolCallFormatGrader,
)
from axionlike.graders._llm import ChatMessage, GraderVerdict, LLMGrader, PromptTemplate
from axionlike.graders._math import MathVerifyGrader
from axionlike.graders._trajectory import ToolCall, Trajectory

__all__ = [
    "DEFAULT_ERROR_PATTERNS",
    "AccuracyGrader",
    "ActionLoopDetectionGrader",
    "BaseGrader",
    "ChatMessage",
    "CorrectnessGrader",
    "GraderMode",
    "GraderScore",
    "GraderVerdict",
    "HallucinationGrader",
    "HarmfulnessGrader",
    "HelpfulnessGrader",
    "InstructionFollowingGrader",
    "JsonMatchGrader",
    "JsonValidityGrader",
    "LLMGrader",
    "LanguageEnum",
    "LengthPenaltyGrader",
    "MathVerifyGrader",
    "NgramRepetitionPenaltyGrader",
    "ObservationInformationGainGrader",
    "PlanFeasibilityGrader",
    "PromptTemplate",
    "ReasoningFormatGrader",
    "ReasoningToolCallFormatGrader",
    "RelevanceGrader",
    "StepNote",
    "ToolCall",
    "ToolCallAccuracyGrader",
    "ToolCallPrecisionRecallGrader",
    "ToolCallSequenceMatchGrader",
    "ToolCallSuccessGrader",
    "ToolParameterCheckGrader",
    "ToolSelectionGrader",
    "Trajectory",
    "TrajectoryComprehensiveGrader",
    "TrajectoryVerdict",
]
