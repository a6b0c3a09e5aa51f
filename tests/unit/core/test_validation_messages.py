"""What a ValidationError tells the client (issue 22, item 4): the field, in the project's words;
never pydantic's regex, a codec's complaint, a JSON decoder's position or int()'s digit limit."""

from __future__ import annotations

import json

import pytest

from ape_moments.errors import ValidationError
from ape_moments.media.collages import CreateCollageInput
from ape_moments.media.photos import DeletePhotoRequest
from ape_moments.validation import parse

PYTHON_TEXT = ("codec", "line 1 column", "char ", "4300", "set_int_max_str_digits", "recursion", "^", "[A-Za")


def _refusal(model: type, data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as refused:
        parse(model, data)
    message = refused.value.message
    assert [text for text in PYTHON_TEXT if text in message] == [], message
    return message


def test_a_key_of_the_wrong_form_names_the_field_without_the_pattern() -> None:
    assert _refusal(DeletePhotoRequest, {"key": "../etc/passwd"}) == "key: is not in the accepted form"


@pytest.mark.parametrize(
    "metadata",
    [
        '{"a": "\\ud800"}',  # a lone surrogate: UnicodeEncodeError inside the validator
        '{"a": ' + "1" * 5000 + "}",  # over int()'s digit limit
        '{"a": ',  # the decoder's "Expecting value: line 1 column 7 (char 6)"
        '{"n": NaN}',
        '{"n": Infinity}',
        '{"n": -Infinity}',
    ],
    ids=["surrogate", "5000-digits", "truncated", "NaN", "Infinity", "-Infinity"],
)
def test_metadata_that_is_not_strict_json_is_refused_in_our_words(metadata: str) -> None:
    message = _refusal(CreateCollageInput, {"name": "n", "template": "SINGLE", "metadata": metadata})
    assert message.startswith("metadata: not valid JSON"), message


def test_deeply_nested_metadata_is_refused_without_python_text() -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    assert _refusal(CreateCollageInput, {"name": "n", "template": "SINGLE", "metadata": deep}).startswith("metadata: ")


def test_nan_given_as_a_number_is_refused_too() -> None:
    message = _refusal(CreateCollageInput, {"name": "n", "template": "SINGLE", "metadata": {"n": float("nan")}})
    assert message == "metadata: not valid JSON"


def test_strict_metadata_is_kept_as_compact_json() -> None:
    parsed = parse(CreateCollageInput, {"name": "n", "template": "SINGLE", "metadata": '{"gutter": 10, "x": 1.5}'})
    assert json.loads(parsed.metadata or "") == {"gutter": 10, "x": 1.5}
