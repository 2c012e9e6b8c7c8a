"""The one dot-path resolver, as mappers, scoring_key_mapping and endpoint answers read it."""

from dataclasses import dataclass

import pytest

from axionlike._exceptions import PathError
from axionlike._paths import resolve

ANSWER = {"choices": [{"text": "first"}, {"text": "second"}], "sources": [{"t": "a"}, {"t": "b"}], "a.b": 1}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("choices[0].text", "first"),
        ("choices.1.text", "second"),
        ("choices[-1].text", "second"),
        ("sources.*.t", ["a", "b"]),
        ("a.b", 1),  # a key that holds a dot wins over the dotted reading
    ],
)
def test_paths(path, expected):
    assert resolve(ANSWER, path) == expected


def test_attributes_of_objects_are_steps_too():
    @dataclass
    class Output:
        answer: str

    assert resolve({"output": Output("yes")}, "output.answer") == "yes"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("choices[2].text", "path 'choices[2].text' not found: 'choices' has no '2' (a list of 2 there)"),
        ("missing", "path 'missing' not found: the top level has no 'missing' (keys there: choices, sources, a.b)"),
        (
            "choices.0.text.upper",
            "path 'choices.0.text.upper' not found: 'choices.0.text' has no 'upper' (a str there)",
        ),
    ],
)
def test_a_step_that_does_not_exist_is_one_error_type(path, message):
    with pytest.raises(PathError) as info:
        resolve(ANSWER, path)
    assert str(info.value) == message
    assert info.value.path == path


ORDER = {"items": [{"name": "tea", "tags": ["hot"]}, {"name": "ice", "tags": ["cold", "new"]}], "empty": []}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("items.name", ["tea", "ice"]),  # OpenJudge's get_value_by_path: a name on a list maps over it
        ("items[0].name", "tea"),
        ("items.0.name", "tea"),
        ("items.tags", [["hot"], ["cold", "new"]]),
        ("items.tags.0", ["hot", "cold"]),
        ("empty.name", []),
    ],
)
def test_a_name_on_a_list_reads_every_element(path, expected):
    assert resolve(ORDER, path) == expected


def test_a_key_missing_from_one_element_is_still_an_error_naming_it():
    order = {"items": [{"name": "tea"}, {"title": "ice"}]}
    with pytest.raises(PathError) as info:
        resolve(order, "items.name")
    assert str(info.value) == "path 'items.name' not found: 'items.1' has no 'name' (keys there: title)"
