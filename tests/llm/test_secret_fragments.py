"""No fragment of a secret survives a shortened message or a library's debug log.

The key does not start with ``sk-``, so only its registration (the LLM client registers the
key it is given) can mask it; every message cut to a length must be masked before the cut,
or the part of the key before the cut is left behind.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel

from axionlike._exceptions import LLMError
from axionlike._redact import MASK, excerpt, register_secret
from axionlike.llm import LLMClient
from axionlike.metrics import LLMJudge
from axionlike.runners import evaluation_runner
from axionlike.testing import FakeLLMServer, Fault

pytestmark = pytest.mark.usefixtures("fast_llm_retries")
KEY = "zz9-SECRET-abcdef-0123456789"
MESSAGES = [{"role": "user", "content": "Rate this answer."}]


class Verdict(BaseModel):
    score: float


def fragments(text: str) -> list[str]:
    """The 6-character pieces of the key found in ``text``."""
    return sorted({KEY[i : i + 6] for i in range(len(KEY) - 5) if KEY[i : i + 6] in text})


@pytest.fixture(params=["direct", "litellm"])
def route(request):
    return request.param


def test_excerpt_masks_before_it_cuts():
    register_secret(KEY)
    for limit in range(4, 60):
        for text in (f"{'x' * 20} {KEY} tail", f"{KEY}{'y' * 40}", f"a\n\n{KEY}"):
            shown = excerpt(text, limit, one_line=True)
            assert len(shown) <= limit and fragments(shown) == [], (limit, shown)
    assert excerpt(f"ab {KEY}", 100) == f"ab {MASK}"
    assert excerpt("x" * 10, 5) == "xxxx…"


async def test_errors_and_answers_cut_through_a_key_keep_no_fragment(fake_llm, route, caplog):
    caplog.set_level(logging.DEBUG)
    client = LLMClient("openai/gpt-4o-mini", api_base=fake_llm.api_base, api_key=KEY, transport=route)
    shown = []
    for pad in range(280, 300, 4):  # the error message is cut to 300 characters: through the key
        fake_llm.fail_next(Fault.status(400, message=f"{'x' * pad} {KEY}"))
        with pytest.raises(LLMError) as error:
            await client.complete(MESSAGES)
        shown.append(str(error.value))
    for pad in range(180, 200, 4):  # "answer began" shows 200 characters: through the key
        fake_llm.fail_next(Fault.content(f"{'y' * pad} {KEY}"))
        with pytest.raises(LLMError) as error:
            await client.structured(MESSAGES, Verdict, repair_attempts=0)
        assert "answer began" in str(error.value)
        shown.append(str(error.value))
    assert all("[RED" in text or "…" in text for text in shown)  # masked, and cut where still too long
    assert fragments("\n".join(shown)) == []
    assert fragments(caplog.text) == []
    if route == "litellm":  # litellm really logged the requests and answers, masked
        assert any(r.name.startswith("LiteLLM") and "[REDACTED]" in r.getMessage() for r in caplog.records)


def test_a_run_keeps_no_fragment_in_results_csv_or_logs(tmp_path, route, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeLLMServer(responder=lambda body: f"{'y' * 190} {KEY}") as server:
        judge = LLMJudge(
            name="politeness",
            criteria="Is the answer polite?",
            evaluation_fields=("actual_output",),
            model_name="openai/judge",
            api_base=server.api_base,
            api_key=KEY,
            transport=route,
        )
        items = [{"id": str(i), "actual_output": f"answer {i}"} for i in range(3)]
        result = evaluation_runner(items, [judge], "no-fragments", show_progress=False)
    assert all(r.scores[0].status == "error" and "answer began" in r.scores[0].error.message for r in result.results)
    result.to_dataframe().to_csv(tmp_path / "run.csv")
    result.save(tmp_path / "run.json")
    for text in (
        (tmp_path / "run.csv").read_text(),
        (tmp_path / "run.json").read_text(),
        str(result.to_scorecard()),
        caplog.text,
    ):
        assert fragments(text) == []
