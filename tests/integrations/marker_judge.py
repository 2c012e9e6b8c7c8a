"""A judge for FakeLLMServer whose answers depend on markers in the item, so every score is known.

An item's answer is a list of statements like ``S3-0 [ok]`` / ``S3-1 [no]``. Whatever
library asks (Ragas, DeepEval, a native judge), the judge extracts those statements,
calls ``[ok]`` ones faithful / relevant / unbiased and ``[no]`` ones not, and grades
GEval by the ``GRADE<n>`` marker. So faithfulness = relevancy = ok / all, bias =
no / all, GEval = n / 10, for each item separately.

(A module of its own, not the conftest, so that tests import it by a name no other
test directory uses.)
"""

from __future__ import annotations

import re
from typing import Any

from axionlike.testing import message_text

STATEMENT = re.compile(r"S\d+-\d+ \[(?:ok|no)\]")
GRADE = re.compile(r"GRADE<(\d+)>")
MODEL = "openai/gpt-4o-mini"


def statements(text: str) -> list[str]:
    return list(dict.fromkeys(STATEMENT.findall(text)))


def good(statement: str) -> bool:
    return statement.endswith("[ok]")


def answer_text(index: int, n: int, g: int) -> str:
    """An answer of ``n`` statements, the first ``g`` good, and a GEval grade marker."""
    parts = [f"S{index}-{k} [{'ok' if k < g else 'no'}]" for k in range(n)]
    return ". ".join(parts) + f". GRADE<{index % 11}>"


def judge(body: dict[str, Any]) -> Any:
    """Answer like a model would, from the statements found in the prompt."""
    text = "\n".join(message_text(m) for m in body.get("messages", []))
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    found = statements(text)
    if schema in ("StatementGeneratorOutput", "Statements"):
        return {"statements": found}
    if schema == "NLIStatementOutput":  # Ragas faithfulness: 1 = supported by the context
        return {"statements": [{"statement": s, "reason": "r", "verdict": int(good(s))} for s in found]}
    if schema == "Opinions":  # DeepEval bias: every statement is an opinion
        return {"opinions": found}
    if schema == "Verdicts" and "bias" in text.lower():
        return {"verdicts": [{"verdict": "no" if good(s) else "yes", "reason": "r"} for s in found]}
    if schema == "Verdicts":  # DeepEval answer relevancy
        return {"verdicts": [{"verdict": "yes" if good(s) else "no", "reason": "r"} for s in found]}
    if schema == "Steps":
        return {"steps": ["Compare the actual output with the expected output."]}
    if schema == "ReasonScore":
        grades = GRADE.findall(text)
        return {"reason": "graded", "score": int(grades[-1])}
    if schema == "Reason":
        return {"reason": "because of the verdicts"}
    if schema == "CompletenessVerdict":  # axionlike's native AnswerCompleteness
        return {"aspects": [{"aspect": s, "covered": good(s), "reason": "r"} for s in found]}
    if schema == "RelevancyVerdict":  # axionlike's native AnswerRelevancy
        return {"statements": [{"statement": s, "relevant": good(s), "reason": "r"} for s in found]}
    return None  # anything else: the server's schema-filling default
