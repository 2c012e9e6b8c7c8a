"""The scorecard: numbers per metric, worst items, distributions, HTML and terminal views."""

import re

from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric, ExactMatch, Latency, MetricResult
from axionlike.results import EvaluationResult, Scorecard, Usage
from axionlike.results._scorecard import STRIP_LIMIT
from axionlike.results._terminal import render_text
from axionlike.runners import ErrorConfig, evaluation_runner

HOSTILE = '<script>alert("x")</script>'


class Judged(BaseMetric):
    """A metric with explanations and LLM usage, like an LLM judge reports them."""

    required_fields = ("actual_output",)

    async def execute(self, item):
        if "boom" in item.actual_output:
            raise RuntimeError(f"judge failed on {item.actual_output}")
        score = min(1.0, len(item.actual_output) / 10)
        return MetricResult(
            score=score,
            explanation=f"length {len(item.actual_output)} of {item.actual_output}",
            usage=Usage(prompt_tokens=100, completion_tokens=20, cached_tokens=10, cost=0.002, calls=1),
        )


def mixed_result() -> EvaluationResult:
    items = [
        DatasetItem(id="good", query="q1", actual_output="Paris is nice", expected_output="Paris is nice", latency=0.2),
        DatasetItem(id="slow", query="q2", actual_output="Rome", expected_output="Paris", latency=3.0),
        DatasetItem(id="boom", query="q3", actual_output="boom " + HOSTILE, expected_output="x", latency=1.0),
        DatasetItem(id=HOSTILE, query=HOSTILE, actual_output="ok", expected_output="ok"),
    ]
    return evaluation_runner(
        items,
        [ExactMatch(), Latency(threshold=1.5), Judged(threshold=0.5)],
        "mixed <run>",
        error_config=ErrorConfig(skip_on_missing_params=True),
        evaluation_metadata={"model_version": "v2 & <beta>"},
        show_progress=False,
    )


def test_metric_cards_carry_the_summary_and_the_worst_items():
    result = mixed_result()
    card = result.to_scorecard()
    assert isinstance(card, Scorecard) and list(card.metrics) == ["exact_match", "latency", "judged"]

    latency = card.metrics["latency"]
    assert latency.summary.count == 3 and latency.summary.skipped == 1
    assert latency.summary.pass_rate == 2 / 3  # 0.2 and 1.0 pass at <= 1.5, 3.0 fails
    assert [n.item_id for n in latency.worst] == ["slow", "boom", "good"]  # lower is better: highest first
    assert latency.worst[0].passed is False and latency.cells()["threshold"] == "≤ 1.5"

    exact = card.metrics["exact_match"]
    assert exact.worst[0].score == 0.0 and exact.worst[-1].score == 1.0
    assert exact.cells()["threshold"] == "≥ 0.5" and exact.cells()["pass rate"] == "50%"

    judged = card.metrics["judged"]
    assert judged.summary.errors == 1 and judged.more_errors == 0
    assert judged.errors[0].item_id == "boom" and "RuntimeError: judge failed" in judged.errors[0].error
    assert judged.worst[0].explanation.startswith("length 2")
    assert judged.cells()["tokens"] == "360" and judged.cells()["cost"] == "$0.0060"
    facts = card.facts
    assert facts["cost"] == "$0.0060" and facts["tokens (prompt / completion / cached)"] == "300 / 60 / 30"
    assert facts["LLM calls"] == "3" and facts["success rate"] == "75%"  # only "boom" errored; a skip is no error
    assert dict(card.user_metadata())["model_version"] == "v2 & <beta>"
    assert len(judged.values) == 3 and judged.histogram is None


def test_html_escapes_every_user_text_and_loads_nothing(tmp_path):
    result = mixed_result()
    path = tmp_path / "card.html"
    card = result.to_scorecard(output_path=path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page == card.to_html()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "mixed &lt;run&gt;" in page and "v2 &amp; &lt;beta&gt;" in page
    # Standalone: no external resource of any kind (the SVG namespace is an identifier, not a fetch).
    assert not re.search(r"\b(src|href)\s*=|url\(|@import|<link|<iframe|<img", page, re.IGNORECASE)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    for name in ("exact_match", "latency", "judged", "model_version", "RuntimeError: judge failed"):
        assert name in page
    fragment = card._repr_html_()
    assert fragment.startswith('<div class="axl axl-scorecard">') and "<html" not in fragment


def test_terminal_view_shows_metrics_and_why_items_failed():
    card = mixed_result().to_scorecard()
    text = render_text(card)
    for expected in ("exact_match", "latency", "judged", "target", "≤ 1.5", "worst items · latency", "slow"):
        assert expected in text
    assert "RuntimeError: judge failed" in text
    assert str(card) == text


def test_one_item():
    result = evaluation_runner(
        [DatasetItem(id="only", actual_output="a", expected_output="a")], [ExactMatch()], "one", show_progress=False
    )
    card = result.to_scorecard()
    metric = card.metrics["exact_match"]
    assert metric.values == [1.0] and metric.histogram is None and metric.bin_counts()[-1] == 1
    assert metric.worst[0].item_id == "only" and metric.cells()["pass rate"] == "100%"
    page = card.to_html()
    assert page.count("<circle") == 1 and "exact_match" in page
    assert "exact_match" in render_text(card)


def test_ten_thousand_items_stay_bounded():
    items = [
        {"id": f"i{i}", "actual_output": str(i % 7), "expected_output": "0", "latency": (i % 100) / 10}
        for i in range(10_000)
    ]
    for i in range(5, 10_000, 1_000):
        items[i]["latency"] = None  # ten latency errors
    result = evaluation_runner(
        items, [ExactMatch(), Latency(threshold=5)], "big", max_concurrent=50, show_progress=False
    )
    card = result.to_scorecard(worst=4)
    latency = card.metrics["latency"]
    assert latency.histogram is not None and sum(latency.histogram.counts) == 9_990
    assert latency.values == [] and len(latency.worst) == 4
    assert [n.item_id for n in latency.errors] == ["i5", "i1005", "i2005", "i3005"] and latency.more_errors == 6
    assert all(n.score == 9.9 for n in latency.worst)
    exact = card.metrics["exact_match"]
    assert sum(exact.histogram.counts) == 10_000 and exact.histogram.counts[0] == 10_000 - 1_429
    page = card.to_html()
    assert len(page) < 60_000, len(page)
    assert page.count("<circle") == 0 and STRIP_LIMIT < 10_000 and "… and 6 more errors" in page
    assert len(render_text(card)) < 10_000


def test_failed_items_and_metrics_without_scores():
    def flaky(item):
        if item.query.startswith("bad"):
            raise ConnectionError(f"endpoint down for {item.query} <again>")
        return {"actual_output": "x"}

    items = [{"id": f"bad{i}", "query": f"bad {i}"} for i in range(7)] + [{"id": "ok", "query": "fine"}]
    result = evaluation_runner(items, [ExactMatch(), Latency()], "flaky", task=flaky, show_progress=False)
    card = result.to_scorecard(worst=3)
    assert [n.item_id for n in card.failed_items] == ["bad0", "bad1", "bad2"] and card.more_failed_items == 4
    assert "task · ConnectionError: endpoint down for bad 0" in card.failed_items[0].error
    exact = card.metrics["exact_match"]
    assert exact.summary.count == 0 and exact.summary.errors == 1  # 'ok' has no expected_output
    assert exact.cells()["mean"] == "-" and exact.worst == [] and exact.values == []
    page = card.to_html()
    assert "Failed items" in page and "… and 4 more" in page and "&lt;again&gt;" in page
    text = render_text(card)
    assert "failed items: no metric ran (and 4 more)" in text and "bad0" in text
    assert card.facts["success rate"] == "0%" and card.facts["task errors"] == "7"


def _llm_result() -> EvaluationResult:
    items = [
        DatasetItem(id=f"item-{n}", query="q", actual_output="x" * n, expected_output="xxxx", latency=n / 4)
        for n in range(1, 13)
    ]
    metrics = [ExactMatch(), Latency(threshold=1.5), Judged(name="answer_correctness_judge", threshold=0.5)]
    return evaluation_runner(items, metrics, "a-rather-long-evaluation-name", show_progress=False)


def test_terminal_scorecard_fits_80_columns_with_tokens_and_cost():
    card = _llm_result().to_scorecard()
    text = render_text(card, width=80)
    assert max(map(len, text.splitlines())) <= 80
    table = text.split("success rate")[0]
    assert "…" not in table  # no number cut short
    header = next(line for line in table.splitlines() if " mean " in line).split()
    assert {"metric", "mean", "target", "pass", "n", "err", "tokens", "cost"} <= set(header)
    for metric in card.metrics.values():
        row = next(line for line in table.splitlines() if line.split() and line.split()[0] == metric.name)
        cells = metric.cells()
        assert cells["mean"] in row and f" {cells['scored']} " in row and cells["cost"] in row
    wide = render_text(card, width=140).split("success rate")[0]
    assert "median" in wide and "histogram" in wide  # left out only when the terminal is narrow


def test_worst_items_are_the_ones_that_did_not_pass():
    card = _llm_result().to_scorecard()
    judge = card.metrics["answer_correctness_judge"]  # items 1-4 fail, item-5 passes with 0.5
    assert [note.item_id for note in judge.worst] == ["item-1", "item-2", "item-3", "item-4", "item-5"]
    assert [note.item_id for note in judge.worst_not_passed] == ["item-1", "item-2", "item-3", "item-4"]
    text = render_text(card, width=120)
    assert "worst items · answer_correctness_judge" in text and "✓" not in text
    assert "item-5" not in text.split("worst items · answer_correctness_judge")[1]
    page = card.to_html()
    section = page.split("answer_correctness_judge: worst items")[1].split("</details>")[0]
    assert section.count('class="fail">fail') == 4 and 'class="pass">pass' not in section


def test_a_cached_rerun_shows_spent_and_saved_consistently(fake_llm, tmp_path, capsys):
    """Per metric and for the run, in the terminal, HTML and the CLI: what this run spent, and what
    the cache saved (a fully cached re-run spent nothing and saved what the first run spent)."""
    from axionlike.cli import main
    from axionlike.metrics import LLMJudge
    from axionlike.runners import CacheConfig

    offline = {"model_name": "openai/gpt-4o-mini", "api_base": fake_llm.api_base, "api_key": "not-a-real-key"}
    judge = LLMJudge(name="correct", criteria="Is it correct?", **offline)
    items = [DatasetItem(id=f"i{n}", query=f"q{n}", actual_output=f"a{n}", expected_output="a1") for n in range(4)]
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path / "cache")

    def run():
        return evaluation_runner(items, [ExactMatch(), judge], "cached", cache_config=cache, show_progress=False)

    first = run()
    calls = fake_llm.calls
    spent = Usage.model_validate(first.metadata["usage"])
    assert calls == 4 and spent.calls == 4 and spent.cost > 0
    card = first.to_scorecard()
    assert card.metrics["correct"].spent == spent and card.saved.calls == 0
    assert "saved by cache" not in card.columns() and "saved by cache" not in card.facts

    again = run()
    assert fake_llm.calls == calls and again.metadata["usage"]["calls"] == 0
    card = again.to_scorecard()
    correct = card.metrics["correct"]
    assert correct.spent == Usage() and correct.saved == spent and card.saved == spent
    cells = correct.cells()
    tokens = spent.prompt_tokens + spent.completion_tokens
    assert (cells["tokens"], cells["cost"], cells["saved by cache"]) == ("0", "$0.0000", f"${spent.cost:.4f}")
    assert card.metrics["exact_match"].cells()["saved by cache"] == "-"
    saved_line = f"4 LLM calls · {tokens:,} tokens · ${spent.cost:.4f}"
    assert card.facts["LLM calls"] == "0" and card.facts["cost"] == "$0.0000"
    assert card.facts["saved by cache"] == saved_line

    text = render_text(card, width=80)
    assert "this run: 0 LLM calls · 0 tokens · $0.0000" in text and f"saved by cache: {saved_line}" in text
    page = card.to_html()
    assert f"<b>${spent.cost:.4f}</b><span>saved by cache (4 LLM calls)</span>" in page
    assert f"<dt>saved by cache</dt><dd>{saved_line}</dd>" in page

    path = again.save(tmp_path / "again.json")
    assert main(["scorecard", str(path)]) == 0
    out = capsys.readouterr().out
    assert "this run: 0 LLM calls · 0 tokens · $0.0000" in out and f"saved by cache: {saved_line}" in out
