"""A round's transcript as files and its audio as a response: text and Markdown in the
INTERVIEWER:/CANDIDATE: layout, and each take's recording with byte ranges so the
transcript page's player can seek."""

from __future__ import annotations

import io
import os
import re

from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseRedirect

from accounts.services import display_name
from interviews.models import RecordingTake, Round, TranscriptSegment

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _heading(round_: Round, show_question: bool) -> tuple[str, str]:
    title = f"Mock {round_.session_id}, round {round_.number}"
    if show_question:
        title += f": {round_.question.title}"
    people = (f"Interviewer: {display_name(round_.interviewer)} · "
              f"Candidate: {display_name(round_.candidate)}")
    return title, people


def transcript_text(round_: Round, segments: list[TranscriptSegment], *,
                    show_question: bool) -> str:
    title, people = _heading(round_, show_question)
    lines = [title, people, ""]
    lines += [f"[{s.timestamp}] {s.role.upper()}: {s.text}" for s in segments]
    return "\n".join(lines) + "\n"


def transcript_markdown(round_: Round, segments: list[TranscriptSegment], *,
                        show_question: bool) -> str:
    title, people = _heading(round_, show_question)
    lines = [f"# {title}", "", f"*{people}*", ""]
    lines += [f"**[{s.timestamp}] {s.role.upper()}:** {_escape_md(s.text)}\n"
              for s in segments]
    return "\n".join(lines)


def _escape_md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def take_audio_response(request, take: RecordingTake) -> HttpResponse:
    """The seekable copy once the take is transcribed (a signed redirect on S3), else
    the stream received so far."""
    if take.playback_name:
        try:
            path = default_storage.path(take.playback_name)
        except NotImplementedError:  # remote storage: a short-lived signed URL
            return HttpResponseRedirect(default_storage.url(take.playback_name))
        with open(path, "rb") as source:
            return _ranged(request, source, os.fstat(source.fileno()).st_size)
    from interviews.recording import take_stream

    data = take_stream(take)
    return _ranged(request, io.BytesIO(data), len(data))


def _ranged(request, source, size: int) -> HttpResponse:
    """A single byte range when asked for one (media elements seek with them)."""
    content_type = "audio/webm"
    match = RANGE.match(request.headers.get("Range", ""))
    if not match or not size:
        response = HttpResponse(source.read(), content_type=content_type)
    else:
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(0, size - int(last or 0)), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        source.seek(start)
        response = HttpResponse(source.read(end + 1 - start), content_type=content_type,
                                status=206)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    return response


def highlight(text: str, query: str):
    """The text with each occurrence of `query` (any case) in <mark>, escaped."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    return mark_safe("".join(f"<mark>{escape(p)}</mark>" if i % 2 else escape(p)
                             for i, p in enumerate(parts)))
