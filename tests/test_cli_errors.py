"""Mistakes a user makes at the command line: exit status 2 and one line saying what is wrong, no traceback."""

import json
import subprocess
import sys
import textwrap

import pytest

from axionlike import __version__
from axionlike.cli import main
from axionlike.results import EvaluationResult


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def saved_result(tmp_path):
    path = tmp_path / "run.json"
    assert main(["demo", "--quiet", "--output", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["scorecard", "NOPE"],
        ["compare", "NOPE", "RESULT"],
        ["compare", "RESULT", "NOPE"],
        ["agreement", "NOPE", "--metric", "exact_match"],
    ],
)
def test_missing_result_file(tmp_path, capsys, saved_result, command):
    capsys.readouterr()
    missing = tmp_path / "nope.json"
    assert main([str({"NOPE": missing, "RESULT": saved_result}.get(a, a)) for a in command]) == 2
    assert _error_line(capsys) == f"error: no result file at {missing}"


def test_a_json_that_is_not_a_result(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"dataset": "d.jsonl"}))
    assert main(["scorecard", str(tmp_path / "config.json")]) == 2
    line = _error_line(capsys)
    assert "is not a result saved by axionlike (missing evaluation_name, results, run_id, summary" in line


def test_a_jsonl_dataset_given_to_scorecard(tmp_path, capsys):
    (tmp_path / "data.jsonl").write_text('{"query": "a"}\n{"query": "b"}\n')
    assert main(["scorecard", str(tmp_path / "data.jsonl")]) == 2
    line = _error_line(capsys)
    assert "data.jsonl is not a result saved by axionlike" in line and "line 2" in line


def _config(tmp_path, text: str):
    (tmp_path / "d.jsonl").write_text('{"query": "q", "actual_output": "1"}\n')
    (tmp_path / "eval.yaml").write_text(textwrap.dedent(text))
    return str(tmp_path / "eval.yaml")


def test_a_misspelt_metric_parameter(tmp_path, capsys):
    config = _config(tmp_path, 'dataset: d.jsonl\nmetrics:\n  - name: regex_match\n    patern: "^[0-9]+$"\n')
    assert main(["run", config, "--quiet"]) == 2
    line = _error_line(capsys)
    assert "metrics[0] (regex_match): unknown key 'patern' (did you mean 'pattern'?)" in line
    assert "valid keys: full_match, ignore_case, name, pattern, threshold" in line


def test_a_wrong_metric_parameter_value(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics:\n  - {length_constraint: {max_length: many}}\n")
    assert main(["run", config, "--quiet"]) == 2
    line = _error_line(capsys)
    assert "metrics[0] (length_constraint): max_length:" in line and "integer" in line
    assert "errors.pydantic.dev" not in line


def test_malformed_yaml(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match\n  foo: : bar\n")
    assert main(["run", config]) == 2
    assert _error_line(capsys) == f"error: {config}: not valid YAML: line 3, column 6: expected ',' or ']', but got ':'"


def test_malformed_json_config(tmp_path, capsys):
    (tmp_path / "eval.json").write_text('{"dataset": "d.jsonl",}')
    assert main(["run", str(tmp_path / "eval.json")]) == 2
    assert "eval.json: not valid JSON: " in _error_line(capsys)


def test_a_misspelt_top_level_key(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match]\nmax_concurent: 3\n")
    assert main(["run", config]) == 2
    line = _error_line(capsys)
    assert f"{config}: unknown key 'max_concurent' (did you mean 'max_concurrent'?); valid keys: " in line
    valid = line.split("valid keys: ")[1].split(", ")
    assert {"dataset", "metrics", "output", "cache", "errors", "task", "max_concurrent", "thresholds"} <= set(valid)
    assert "evaluation_inputs" not in valid and "errors.pydantic.dev" not in line


def test_a_misspelt_cache_key(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match]\ncache: {cache_typ: disk}\n")
    assert main(["run", config]) == 2
    assert "cache: unknown key 'cache_typ' (did you mean 'cache_type'?)" in _error_line(capsys)


def test_compare_confidence_out_of_range(saved_result, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compare", str(saved_result), str(saved_result), "--confidence", "1.5"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: axionlike compare")
    assert "argument --confidence: must be between 0 and 1, got 1.5" in err and "Traceback" not in err


def test_a_wrong_flag_shows_the_subcommands_usage():
    done = subprocess.run(
        [sys.executable, "-m", "axionlike", "scorecard", "run.json", "--bogus"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.startswith("usage: axionlike scorecard [-h] [--html HTML] result\n")
    assert "axionlike scorecard: error: unrecognized arguments: --bogus" in done.stderr


def test_version():
    done = subprocess.run([sys.executable, "-m", "axionlike", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"axionlike {__version__}"


def test_a_correct_result_still_loads(saved_result, capsys):
    assert main(["scorecard", str(saved_result)]) == 0
    assert EvaluationResult.load(saved_result).evaluation_name in capsys.readouterr().out


def test_metric_parameters_that_are_not_a_mapping(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics:\n  - {regex_match: '^[0-9]+$'}\n")
    assert main(["run", config]) == 2
    assert "metrics[0] (regex_match): expected a mapping of parameters, got '^[0-9]+$'" in _error_line(capsys)


def test_a_run_file_names_its_summary(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match]\nsummary: line\nevaluation_name: terse\n")
    assert main(["run", config, "--quiet", "--output", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("terse · 1 items · success ") and " · exact_match " in out[0]
    assert out[1].startswith("result written to")


def test_a_run_file_with_no_summary_prints_only_where_the_result_went(tmp_path, capsys):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match]\nsummary: none\n")
    assert main(["run", config, "--quiet", "--output", str(tmp_path / "r.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [f"result written to {tmp_path / 'r.json'}"]


def test_a_run_file_picks_its_backend(tmp_path):
    from axionlike.cli._run_file import read_config_file
    from axionlike.runners import RayBackend

    config = _config(tmp_path, "dataset: d.jsonl\nbackend: {ray: {address: auto, workers: 4}}\n")
    assert read_config_file(config)[0].backend == RayBackend(address="auto", workers=4)
    config = _config(tmp_path, "dataset: d.jsonl\nbackend: ray\n")
    assert read_config_file(config)[0].backend == RayBackend()
    config = _config(tmp_path, "dataset: d.jsonl\nbackend: local\n")
    assert read_config_file(config)[0].backend is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("summary: short\n", "summary: expected scorecard, table, line or none; got 'short'"),
        ("backend: spark\n", "backend: expected local, ray or {ray: {address: ..., workers: ...}}; got 'spark'"),
        ("backend: {ray: {wokers: 4}}\n", "backend.ray: unknown key 'wokers' (did you mean 'workers'?)"),
    ],
)
def test_a_wrong_summary_or_backend(tmp_path, capsys, text, expected):
    config = _config(tmp_path, "dataset: d.jsonl\nmetrics: [exact_match]\n" + text)
    assert main(["run", config, "--quiet"]) == 2
    assert expected in _error_line(capsys)
