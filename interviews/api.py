"""Booking API: requests, sessions (the matches), cancel, reschedule, no-show, standby.

A user sees only their own requests and sessions; anyone else's answer 404.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import profile_for
from companies.models import ALTITUDE_CHOICES, Company, Question, RoleTrack
from interviews import access, selectors, services
from interviews.forms import FOCUS_CHOICES
from interviews.models import MockRequest, MockSession, WantedType


def _raise_booking_error(exc: services.BookingError):
    raise ValidationError({exc.field_name or "non_field_errors": [str(exc)]})


class OffsetDateTimeField(serializers.DateTimeField):
    """A time with its UTC offset: without one, 18:00 could be any of 24 instants."""

    default_error_messages = {
        "no_offset": "Give the time with its UTC offset, e.g. 2026-12-01T18:00:00+01:00 or "
                     "2026-12-01T17:00:00Z.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("no_offset")
        return super().enforce_timezone(value)


class WindowSerializer(serializers.Serializer):
    starts_at = OffsetDateTimeField(help_text="ISO 8601 with an offset, e.g. "
                                              "2026-12-01T18:00:00+01:00")
    ends_at = OffsetDateTimeField()


class MockRequestInputSerializer(serializers.Serializer):
    """Companies, level and role track default to the user's profile when left out."""

    companies = serializers.SlugRelatedField(slug_field="slug", many=True,
                                             queryset=Company.objects.all(), required=False)
    target_level = serializers.ChoiceField(choices=ALTITUDE_CHOICES, required=False)
    role_track = serializers.SlugRelatedField(slug_field="slug", required=False,
                                              queryset=RoleTrack.objects.all())
    question_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WantedType.choices), min_length=1)
    focus_areas = serializers.ListField(child=serializers.ChoiceField(choices=FOCUS_CHOICES),
                                        required=False)
    windows = WindowSerializer(many=True)

    def to_input(self, user) -> services.RequestInput:
        data = self.validated_data
        profile = profile_for(user)
        companies = data["companies"] if "companies" in data else list(
            profile.target_companies.all())
        role_track = data.get("role_track") or profile.role_track
        if role_track is None:
            raise ValidationError({"role_track": ["Give a role track (your profile has none)."]})
        return services.RequestInput(
            companies=list(companies), target_level=data.get("target_level",
                                                             profile.target_level),
            role_track=role_track, question_types=data["question_types"],
            focus_areas=data.get("focus_areas", []),
            windows=[(w["starts_at"], w["ends_at"]) for w in data["windows"]])


class MockRequestSerializer(serializers.ModelSerializer):
    companies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    role_track = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    windows = WindowSerializer(many=True, read_only=True)

    class Meta:
        model = MockRequest
        fields = ("id", "status", "companies", "target_level", "role_track", "question_types",
                  "focus_areas", "windows", "created_at")


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    minutes = serializers.IntegerField()
    interviewer = serializers.CharField(source="interviewer.username")
    candidate = serializers.CharField(source="candidate.username")
    company = serializers.CharField(source="company.slug", allow_null=True, read_only=True)
    target_level = serializers.CharField()
    question = serializers.SerializerMethodField()

    def get_question(self, round_) -> dict | None:
        if not access.round_access(self.context["user"], round_).question:
            return None
        return {"slug": round_.question.slug, "title": round_.question.title,
                "type": round_.question.type}


class MockSessionSerializer(serializers.ModelSerializer):
    peer = serializers.SerializerMethodField()
    rounds = serializers.SerializerMethodField()
    match_explanation = serializers.CharField(source="explanation")
    company = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MockSession
        fields = ("id", "status", "starts_at", "ends_at", "peer", "company",
                  "match_explanation", "rounds", "calendar_sequence")

    def get_peer(self, session) -> str:
        return session.peer_of(self.context["user"]).username

    def get_rounds(self, session) -> list[dict]:
        return RoundSerializer(session.rounds.all(), many=True, context=self.context).data


class MockRequestListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MockRequestSerializer(many=True))
    def get(self, request):
        requests = access.requests_of(request.user)
        return Response(MockRequestSerializer(requests, many=True).data)

    @extend_schema(request=MockRequestInputSerializer, responses=MockRequestSerializer)
    def post(self, request):
        payload = MockRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            created = services.mock_request_create(user=request.user,
                                                   data=payload.to_input(request.user))
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response(MockRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class MockRequestDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MockRequestSerializer)
    def get(self, request, request_id: int):
        return Response(MockRequestSerializer(
            access.request_for(request.user, request_id)).data)

    @extend_schema(request=MockRequestInputSerializer, responses=MockRequestSerializer)
    def put(self, request, request_id: int):
        instance = access.request_for(request.user, request_id)
        payload = MockRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            updated = services.mock_request_update(request=instance,
                                                   data=payload.to_input(request.user))
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response(MockRequestSerializer(updated).data)


class MockRequestCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MockRequestSerializer)
    def post(self, request, request_id: int):
        instance = access.request_for(request.user, request_id)
        try:
            cancelled = services.mock_request_cancel(request=instance)
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response(MockRequestSerializer(cancelled).data)


class MockSessionListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MockSessionSerializer(many=True))
    def get(self, request):
        sessions = access.sessions_of(request.user).order_by("starts_at")
        return Response(MockSessionSerializer(sessions, many=True,
                                              context={"user": request.user}).data)


class MockSessionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MockSessionSerializer)
    def get(self, request, session_id: int):
        session = access.session_for(request.user, session_id)
        return Response(MockSessionSerializer(session, context={"user": request.user}).data)


class _SessionActionApi(APIView):
    permission_classes = [IsAuthenticated]

    def act(self, request, session_id: int, action):
        session = access.session_for(request.user, session_id)
        try:
            result = action(session)
        except services.BookingError as exc:
            _raise_booking_error(exc)
        session = access.session_for(request.user, session_id)
        return result, Response(MockSessionSerializer(session,
                                                      context={"user": request.user}).data)


class MockSessionCancelApi(_SessionActionApi):
    @extend_schema(request=None, responses=MockSessionSerializer)
    def post(self, request, session_id: int):
        return self.act(request, session_id, lambda s: services.session_cancel(
            session=s, by=request.user))[1]


class RescheduleSerializer(serializers.Serializer):
    starts_at = OffsetDateTimeField()


class MockSessionRescheduleApi(_SessionActionApi):
    @extend_schema(request=RescheduleSerializer, responses=MockSessionSerializer)
    def post(self, request, session_id: int):
        access.session_for(request.user, session_id)  # someone else's mock: 404 first
        payload = RescheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.act(request, session_id, lambda s: services.session_reschedule(
            session=s, by=request.user, starts_at=payload.validated_data["starts_at"]))[1]


class MockSessionNoShowApi(_SessionActionApi):
    @extend_schema(request=None, responses=MockSessionSerializer)
    def post(self, request, session_id: int):
        offer, response = self.act(request, session_id, lambda s: services.no_show_report(
            session=s, reporter=request.user))
        response.data["standby_offer"] = (
            {"id": offer.pk, "peer": offer.standby_user.username} if offer else None)
        return response


class SwapSerializer(serializers.Serializer):
    question = serializers.SlugRelatedField(slug_field="slug", queryset=Question.objects.all(),
                                            required=False)


class RoundSwapApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SwapSerializer, responses=RoundSerializer)
    def post(self, request, round_id: int):
        round_, _ = access.round_for(request.user, round_id, may="is_participant")
        payload = SwapSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            round_ = services.round_swap_question(
                round_=round_, by=request.user, question=payload.validated_data.get("question"))
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response(RoundSerializer(round_, context={"user": request.user}).data)


class StandbyOfferAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MockSessionSerializer)
    def post(self, request, offer_id: int):
        offer = selectors.standby_offer_get_for_user(request.user, offer_id)
        try:
            session = services.standby_offer_accept(offer=offer, by=request.user)
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response(MockSessionSerializer(session, context={"user": request.user}).data,
                        status=status.HTTP_201_CREATED)


class DisputeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class NoShowDisputeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DisputeSerializer, responses=None)
    def post(self, request, report_id: int):
        report = selectors.no_show_report_get_for_absent(request.user, report_id)
        payload = DisputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.no_show_dispute(report=report, by=request.user,
                                     note=payload.validated_data["note"])
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response({"id": report.pk, "disputed": True})


class StandbySerializer(serializers.Serializer):
    hours = serializers.IntegerField(min_value=1, max_value=services.STANDBY_MAX_HOURS)


class StandbyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=StandbySerializer, responses=None)
    def post(self, request):
        payload = StandbySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            standby = services.standby_set(user=request.user, hours=payload.validated_data["hours"])
        except services.BookingError as exc:
            _raise_booking_error(exc)
        return Response({"until": standby.until})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.standby_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)




class WhiteboardApi(APIView):
    """The session's current scene and the timestamped log of how it grew."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=None)
    def get(self, request, session_id: int):
        from interviews import room

        access = room.room_access(request.user, session_id)
        return Response({"elements": room.whiteboard_scene(access.session),
                         "log": room.whiteboard_log(access.session)})


# --- recording and transcript ------------------------------------------------------------


class RecordingApiError(APIException):
    def __init__(self, exc):
        self.status_code = exc.status
        self.default_code = exc.code
        super().__init__(detail=str(exc), code=exc.code)


def _recording_call(action):
    from interviews.recording import RecordingError

    try:
        return action()
    except RecordingError as exc:
        raise RecordingApiError(exc) from None


def _header_ms(request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: ["Give milliseconds since 1970 as a whole number."]}) \
            from None


class ChunkUploadApi(APIView):
    """PUT one chunk of your recording of a round: the body is the MediaRecorder data.

    Idempotent: the same chunk again is stored once (a different body for a stored
    sequence number is a 409). A chunk that arrives before an earlier one is held until
    the gap fills. Headers: `X-Recording-Started` and `X-Client-Time` (the browser's
    clock in ms when the recorder started and when this was sent), `X-Final: 1` on the
    last chunk, optionally `X-Content-SHA256`. The answer lists `missing` sequence
    numbers."""

    permission_classes = [IsAuthenticated]
    ACCEPTED_TYPES = ("audio/webm", "application/octet-stream")

    @extend_schema(request=None, responses=None)
    def put(self, request, round_id: int, key: str, seq: int):
        from django.conf import settings

        from interviews import recording

        round_, _ = access.round_for(request.user, round_id, may="is_participant")
        limit = settings.RECORDING_CHUNK_MAX_BYTES
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > limit:
            raise RecordingApiError(recording.RecordingError(
                "too_large", f"A chunk holds at most {limit} bytes.", 413))
        if int(length) == 0:
            raise RecordingApiError(recording.RecordingError("empty", "The chunk is empty."))
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type not in self.ACCEPTED_TYPES:
            raise RecordingApiError(recording.RecordingError(
                "not_audio", f"Send the chunk as audio/webm, not {content_type or 'nothing'}.",
                415))
        data = request.read(limit + 1)
        started_ms = _header_ms(request, "X-Recording-Started")
        client_ms = _header_ms(request, "X-Client-Time")
        result = _recording_call(lambda: recording.chunk_receive(
            round_=round_, user=request.user, key=key, seq=seq, data=data,
            final=request.headers.get("X-Final") == "1", started_ms=started_ms,
            client_now_ms=client_ms, sha256=request.headers.get("X-Content-SHA256")))
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)


class RecordingApi(APIView):
    """GET the round's recording state (who agreed, paused, on), your takes with the
    sequence numbers the server is missing, and how far transcription has got."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=None)
    def get(self, request, round_id: int):
        from interviews import recording

        round_, _ = access.round_for(request.user, round_id, may="is_participant")
        state = recording.recording_state(round_)
        takes = recording.takes_of_round(round_)
        return Response({
            **recording.recording_payload(state, round_),
            "takes": [recording.take_status(t) for t in takes
                      if t.speaker_id == request.user.pk],
            "transcription": recording.transcript_progress(takes),
        })


class RecordingCommandApi(APIView):
    """POST agree, pause or resume. Recording runs while both agreed and nobody paused;
    only the one who paused can resume."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=None)
    def post(self, request, round_id: int, action: str):
        from interviews import recording

        round_, _ = access.round_for(request.user, round_id, may="is_participant")
        state = _recording_call(lambda: recording.recording_command(
            round_=round_, user=request.user, action=action))
        return Response(recording.recording_payload(state, round_))


class TranscriptApi(APIView):
    """GET the round's transcript so far (both speakers by time, words with times) and
    the transcription progress."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=None)
    def get(self, request, round_id: int):
        from interviews import recording
        from interviews.transcription import segment_payload

        round_, _ = access.round_for(request.user, round_id, may="transcript")
        segments = selectors.transcript_for_round(round_)
        return Response({
            "round": round_.number, "round_id": round_.pk,
            "segments": [{**segment_payload(s), "words": s.words} for s in segments],
            "transcription": recording.transcript_progress(recording.takes_of_round(round_)),
        })


class TranscriptRetryApi(APIView):
    """POST to transcribe the round's failed takes again."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=None)
    def post(self, request, round_id: int):
        from interviews.transcription import transcription_retry

        round_, _ = access.round_for(request.user, round_id, may="is_participant")
        return Response({"retried": len(transcription_retry(round_=round_))})
