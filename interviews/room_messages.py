"""The messages a room socket takes, as pydantic models: one per `type`, told apart by
that field. `parse` turns a frame's text into one of them or raises `MessageError` with
a message naming the field path (`elements.0.id: ...`).

Beyond each message's own fields, every frame must be JSON that the peers' browsers and
PostgreSQL take as it is: no NaN, Infinity or number beyond a double (JSON.parse refuses
the first two and reads the last as Infinity), no NUL character (PostgreSQL stores none;
the parser already refuses half a surrogate pair). Whiteboard elements, a voice signal's
payload and unknown top-level keys are relayed or ignored as they came, so they are
checked for that alone.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SkipValidation,
    TypeAdapter,
    ValidationError,
    WrapValidator,
    model_validator,
    with_config,
)
from pydantic_core import PydanticCustomError, from_json
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from config.storable_text import UNSTORABLE_TEXT
from interviews.room import MAX_NOTES

MAX_SMALL_FRAME = 16 * 1024  # every type but "whiteboard"
MAX_ELEMENTS = 500
LARGEST_WHOLE = 2**53  # what a browser's number holds exactly
BEYOND_A_DOUBLE = 10**308  # a whole number of 309 digits may be Infinity in a browser


class MessageError(ValueError):
    """A message refused: its reply's code, text, and the message's `ref` when known."""

    def __init__(self, code: str, message: str, *, ref: str | int | None = None):
        self.code, self.ref = code, ref
        super().__init__(message)


def _one_error(text: str) -> WrapValidator:
    """Report a field whose alternatives all failed as one plain sentence."""

    def validate(value: Any, handler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("invalid", text) from None

    return WrapValidator(validate)


WholeNumber = Annotated[int, Field(ge=0, le=LARGEST_WHOLE)]
# A reply echoes `ref` so the client can match it; str(ref) is at most 64 characters.
Ref = Annotated[Annotated[str, Field(max_length=64)]
                | Annotated[int, Field(ge=-(10**63) + 1, le=10**64 - 1)],
                _one_error("must be text or a whole number of at most 64 characters")]
# The page's own id, so a reconnecting tab stays the same tab.
TabId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,40}$")]


@with_config(ConfigDict(strict=True, extra="allow"))
class Element(TypedDict):
    """An Excalidraw element: what the board's versions need; the rest is relayed."""

    id: Annotated[str, Field(max_length=64)]
    type: Annotated[str, Field(max_length=32)]
    version: Annotated[int, Field(ge=1, le=2**31 - 1)]  # the stored column's range
    versionNonce: Annotated[int, Field(ge=-LARGEST_WHOLE, le=LARGEST_WHOLE)]


Elements = Annotated[list[Element], Field(min_length=1, max_length=MAX_ELEMENTS)]


@with_config(ConfigDict(strict=True, extra="allow"))
class Description(TypedDict):
    """A WebRTC session description."""

    type: Literal["offer", "answer", "rollback"]
    sdp: NotRequired[Annotated[str, Field(max_length=MAX_SMALL_FRAME)]]


def _holds_description_or_candidate(data: dict) -> dict:
    if "description" not in data and "candidate" not in data:
        raise PydanticCustomError("signal_empty", "must hold a 'description' or a 'candidate'")
    return data


@with_config(ConfigDict(strict=True, extra="allow"))
class SignalPayload(TypedDict):
    """A WebRTC offer, answer or ICE candidate (null: no more candidates)."""

    description: NotRequired[Description | None]
    candidate: NotRequired[dict[str, Any] | None]


SignalData = Annotated[SignalPayload, AfterValidator(_holds_description_or_candidate)]


class Message(BaseModel):
    # Unknown keys are kept (and checked as JSON) but not used.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    ref: Ref | None = None


class Hello(Message):
    """A (re)connecting client: the last event number it saw, 0 when it has none."""

    type: Literal["hello"]
    last_seq: WholeNumber
    tab: TabId | None = None
    opened_at: WholeNumber | None = None  # the tab's opening time, in ms; with `tab`

    @model_validator(mode="after")
    def _opened_with_tab(self) -> Hello:
        if self.tab is not None and self.opened_at is None:
            raise PydanticCustomError("missing", "opened_at: required with 'tab'")
        return self


class Resume(Message):
    """A connected client that saw a gap asks for the events after `last_seq`."""

    type: Literal["resume"]
    last_seq: WholeNumber


class RevealHint(Message):
    type: Literal["reveal_hint"]
    index: Annotated[int, Field(ge=0, le=50)]


class Clock(Message):
    type: Literal["clock"]
    action: Annotated[str, Field(max_length=20)]  # which actions exist is the room's rule


class Whiteboard(Message):
    type: Literal["whiteboard"]
    elements: Elements


class BrowserStroke(Whiteboard):
    """A stroke framed as room.js frames it, nothing but its elements: they were validated
    from the frame's text, and that text is relayed as it came instead of being encoded
    again. Made by `parse` alone, never from a client's keys."""

    elements: SkipValidation[Elements]
    elements_json: str


class Notes(Message):
    type: Literal["notes"]
    text: Annotated[str, Field(max_length=MAX_NOTES)]


class Signal(Message):
    type: Literal["signal"]
    data: SignalData


class Ping(Message):
    type: Literal["ping"]


def _fits(value: Any) -> bool:
    """Whether parsed JSON holds only what browsers and PostgreSQL take as it is."""
    pending = [[value]]
    while pending:
        for item in pending.pop():
            kind = type(item)
            if kind is float:
                if not math.isfinite(item):
                    return False
            elif kind is list:
                pending.append(item)
            elif kind is dict:
                if "\x00" in "".join(item):
                    return False
                pending.append(item.values())
            elif kind is str:
                if "\x00" in item:
                    return False
            elif kind is int and not -BEYOND_A_DOUBLE < item < BEYOND_A_DOUBLE:
                return False
    return True


def _check_json(value: dict) -> None:
    """Refuse parsed JSON that does not fit, naming the path of the first misfit."""
    if _fits(value):
        return
    path: list[str | int] = []
    while isinstance(value, dict | list):
        if isinstance(value, dict) and "\x00" in "".join(value):
            break  # a key: the object is named, not the key
        children = value.items() if isinstance(value, dict) else enumerate(value)
        path_part, value = next((key, child) for key, child in children
                                if not _fits(child))
        path.append(path_part)
    if isinstance(value, float):
        problem = "must be a finite number"
    elif isinstance(value, int):
        problem = "must be a finite number; this one has over 308 digits"
    else:
        problem = UNSTORABLE_TEXT
    where = ".".join(map(str, path))
    # The path holds the client's keys: passed as a value, never as the template.
    raise PydanticCustomError("unfit_json", "{text}",
                              {"text": f"{where}: {problem}" if where else problem})


def _fit_message(message: Message) -> Message:
    _check_json(message.__dict__)
    if message.__pydantic_extra__:
        _check_json(message.__pydantic_extra__)
    return message


RoomMessage = Annotated[Hello | Resume | RevealHint | Clock | Whiteboard | Notes | Signal | Ping,
                        Discriminator("type"), AfterValidator(_fit_message)]
MESSAGE = TypeAdapter(RoomMessage)
STROKE_ELEMENTS = TypeAdapter(Elements, config=ConfigDict(strict=True))

# A stroke as room.js frames it (JSON.stringify's compact output). Its elements are
# checked on their own and relayed as they came, instead of being encoded again.
STROKE_HEAD = '{"type":"whiteboard","elements":'


def parse(text: str) -> RoomMessage:
    """The message in a frame's text, or MessageError naming what is wrong with it."""
    if text.startswith(STROKE_HEAD) and text.endswith("}"):
        elements_json = text[len(STROKE_HEAD):-1]
        try:
            elements = STROKE_ELEMENTS.validate_json(elements_json)
        except ValidationError:
            elements = None  # not one valid list: validated whole below, for the error
        if elements is not None and _fits(elements):
            return BrowserStroke(type="whiteboard", elements=elements,
                                 elements_json=elements_json)
    try:
        message = MESSAGE.validate_json(text)
    except ValidationError as exc:
        raise MessageError("invalid", describe(exc), ref=_ref_of(text)) from None
    if message.type != "whiteboard" and len(text) > MAX_SMALL_FRAME:
        raise MessageError("too_large", f"'{message.type}' messages are limited to "
                                        f"{MAX_SMALL_FRAME} bytes.", ref=message.ref)
    return message


def describe(error: ValidationError, *, limit: int = 3) -> str:
    """The first problems of a refused message, each with its field path."""
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        path = ".".join(str(part) for part in item["loc"][1:])  # after the message type
        if item["type"] == "union_tag_invalid":
            problem = (f"type: unknown message type {item['ctx']['tag']!r}; the types are "
                       f"{item['ctx']['expected_tags']}")
        elif item["type"] == "union_tag_not_found":
            problem = "type: required, naming the message, e.g. \"ping\""
        elif item["type"] == "dict_type" and not item["loc"]:
            problem = "Messages must be JSON objects."
        elif item["type"] == "json_invalid" and "hex escape" in item["msg"]:
            problem = f"{item['msg']}. {UNSTORABLE_TEXT}"  # half a surrogate pair
        else:
            problem = f"{path}: {item['msg']}" if path else item["msg"]
        problems.append(problem)
    return "; ".join(problems)


def _ref_of(text: str) -> str | int | None:
    """A refused message's `ref`, when the message has a valid one, for the reply."""
    try:
        return Ping.model_validate({"type": "ping", "ref": from_json(text).get("ref")}).ref
    except (ValueError, AttributeError):  # not JSON, not an object, or no valid ref
        return None
