import json
import subprocess
import sys
import textwrap

from axionlike.cli import main
from axionlike.results import EvaluationResult


def test_demo_prints_a_summary(tmp_path, capsys):
    assert main(["demo", "--quiet", "--output", str(tmp_path / "demo.json")]) == 0
    out = capsys.readouterr().out
    assert "exact_match" in out and "levenshtein_similarity" in out and "success rate" in out
    result = EvaluationResult.load(tmp_path / "demo.json")
    assert len(result.results) == 12 and result.metadata["model_version"] == "toy-1"


def test_demo_as_a_command():
    done = subprocess.run([sys.executable, "-m", "axionlike", "demo", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "latency" in done.stdout


def test_run_a_yaml_config(tmp_path, capsys, monkeypatch):
    (tmp_path / "data.jsonl").write_text(
        "\n".join(json.dumps({"id": str(i), "query": f"say {i}", "expected_output": str(i)}) for i in range(5))
    )
    (tmp_path / "say_task.py").write_text("def answer(item):\n    return {'response': item.query.split()[-1]}\n")
    monkeypatch.setattr(sys, "path", [*sys.path])  # the run puts the config's folder first; undone after
    (tmp_path / "eval.yaml").write_text(
        textwrap.dedent(
            """
            evaluation_name: say-numbers
            dataset: data.jsonl
            task: say_task:answer
            scoring_key_mapping: {actual_output: response}
            metrics:
              - exact_match
              - name: regex_match
                pattern: "^[0-9]+$"
              - {length_constraint: {max_length: 3}}
            max_concurrent: 3
            output: out/result.json
            """
        )
    )
    assert main(["run", str(tmp_path / "eval.yaml"), "--quiet"]) == 0
    result = EvaluationResult.load(tmp_path / "out" / "result.json")
    assert result.summary["exact_match"].mean == 1.0
    assert result.summary["regex_match"].mean == 1.0
    assert "result written to" in capsys.readouterr().out


def test_run_reports_unknown_metric(tmp_path, capsys):
    (tmp_path / "d.jsonl").write_text('{"query": "q"}\n')
    (tmp_path / "c.json").write_text(json.dumps({"dataset": "d.jsonl", "metrics": ["no_such_metric"]}))
    assert main(["run", str(tmp_path / "c.json")]) == 2
    assert "unknown metric 'no_such_metric'" in capsys.readouterr().err
