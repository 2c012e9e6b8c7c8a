"""The grader library: the grader contract, agent trajectories, and built-in graders.

Every grader runs in ``GradingRunner`` and ``RewardFunction`` (a mapper feeds it) and as a
metric in ``evaluation_runner`` (it reads the item fields named like its parameters).
"""

from axionlike.graders._base import BaseGrader, GraderMode, GraderScore, LanguageEnum
from axionlike.graders._llm import ChatMessage, GraderVerdict, LLMGrader, PromptTemplate
from axionlike.graders._trajectory import ToolCall, Trajectory

__all__ = [
    "BaseGrader",
    "ChatMessage",
    "GraderMode",
    "GraderScore",
    "GraderVerdict",
    "LLMGrader",
    "LanguageEnum",
    "PromptTemplate",
    "ToolCall",
    "Trajectory",
]
