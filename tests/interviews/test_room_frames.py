"""Parsing a room frame: numbers a browser would read as Infinity are refused, wherever
they sit in the frame, and ordinary numbers pass."""

from __future__ import annotations

import json

import pytest

from interviews.room_messages import MessageError, parse

# Wherever the number starts, around multiples of 309 characters included.
OFFSETS = [0, 1, 150, 307, 308, 309, 310, 500, 616, 617, 618, 1000]


def frame_with(number: str, offset: int) -> str:
    return '{"type":"ping","pad":"' + "x" * offset + '","n":' + number + "}"


@pytest.mark.parametrize("offset", OFFSETS)
def test_an_integer_of_309_digits_is_refused_wherever_it_starts(offset):
    with pytest.raises(MessageError, match="finite"):
        parse(frame_with("7" * 309, offset))


@pytest.mark.parametrize("offset", OFFSETS)
def test_an_integer_of_308_digits_passes_wherever_it_starts(offset):
    assert parse(frame_with("7" * 308, offset)).model_extra["n"] == int("7" * 308)


@pytest.mark.parametrize("number", ["1e999", "1E999", "1e+999", "-2.5e400", "1" * 310 + ".5",
                                    "0.5e+309"])
def test_a_float_beyond_a_double_is_refused(number):
    with pytest.raises(MessageError, match="finite"):
        parse(frame_with(number, 3))


@pytest.mark.parametrize("number", ["1e308", "1e-999", "123.456", "-0.5", "4" * 300])
def test_a_float_a_double_holds_passes(number):
    assert parse(frame_with(number, 3)).model_extra["n"] == json.loads(number)


def test_an_ordinary_stroke_passes_with_its_points():
    points = [[round(i * 1.37, 2), round(i * 0.731, 3)] for i in range(300)]
    stroke = json.dumps({"type": "whiteboard", "elements": [
        {"id": "a", "type": "freedraw", "version": 3, "versionNonce": 9,
         "strokeColor": "#1e1e1e", "points": points}]})
    assert parse(stroke).elements[0]["points"] == points
