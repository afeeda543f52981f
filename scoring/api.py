"""Grades API, under the same rules as the pages: only the round's two people (and later
the candidate's coaches) see its grades, blind until one has filed one's own; a grade is
editable by its author until both sides submitted, then amendments only. Anything else
answers 404; a bad grade answers 400 with every problem by field, and stores nothing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from interviews.access import RoundAccess, round_for
from scoring import levels, selectors, services
from scoring.models import Decision, Grade, Qualifier, SelfGradeAnswer
from scoring.subjects import subject_for_round


class GradingConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The grade cannot change now."


def _raise(exc: Exception):
    if isinstance(exc, services.GradeInvalid):
        raise ValidationError(exc.errors)
    if isinstance(exc, services.GradingError):
        if exc.status == 404:
            raise NotFound(str(exc))
        if exc.status == 403:
            raise PermissionDenied(str(exc))
        if exc.status == 409:
            raise GradingConflict(str(exc))
        raise ValidationError({"non_field_errors": [str(exc)]})
    raise exc


class BulletSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    cites = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="Ids of this round's transcript segments.")


class VerdictSerializer(serializers.Serializer):
    level = serializers.CharField(allow_blank=True,
                                  help_text="A level name on the round company's ladder.")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices, required=False,
                                        allow_blank=True)
    decision = serializers.CharField(allow_blank=True, help_text=", ".join(Decision.values))
    swing = serializers.CharField(allow_blank=True)


class SelfGradeEntrySerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True,
                                   help_text=", ".join(SelfGradeAnswer.values))
    note = serializers.CharField(allow_blank=True, required=False)


class GradeInputSerializer(serializers.Serializer):
    did_well = BulletSerializer(many=True, required=False)
    missing = BulletSerializer(many=True, required=False)
    verdict = VerdictSerializer()
    rubric = serializers.DictField(child=serializers.CharField(), required=False,
                                   help_text="{dimension key: altitude}")
    self_grade = serializers.DictField(child=SelfGradeEntrySerializer(), required=False)
    checklist = serializers.DictField(required=False, help_text=(
        f"{{{', '.join(levels.CHECKLIST_KEYS)}: true/false, closest-column: altitude}}"))
    notes = serializers.CharField(allow_blank=True, required=False)

    def to_input(self) -> services.GradeInput:
        data = self.validated_data
        verdict = data["verdict"]
        return services.GradeInput(
            did_well=[services.BulletInput(b["text"], b.get("cites", []))
                      for b in data.get("did_well", [])],
            missing=[services.BulletInput(b["text"], b.get("cites", []))
                     for b in data.get("missing", [])],
            level=verdict["level"], qualifier=verdict.get("qualifier", ""),
            decision=verdict["decision"], swing=verdict["swing"],
            rubric=dict(data.get("rubric", {})), self_grade=dict(data.get("self_grade", {})),
            checklist=dict(data.get("checklist", {})), notes=data.get("notes", ""))


def _grade_json(grade: Grade, view_user, calibrations: dict) -> dict:
    from scoring.report import grade_view

    subject = subject_for_round(grade.round)
    view = grade_view(grade, subject, heading="", viewer=view_user, calibrations=calibrations)
    lines = subject.line_by_id()

    def bullets(section):
        return [{"text": note.text, "cites": [
            {"segment": c.segment_id, "timestamp": lines[c.segment_id].timestamp,
             "url": lines[c.segment_id].url} for c in note.citations.all()
            if c.segment_id in lines]} for note in grade.bullets.all() if note.section == section]

    calibration = view.grader_calibration
    return {
        "id": grade.pk, "kind": grade.kind, "round": grade.round_id,
        "author": grade.author.get_username(),
        "did_well": bullets("did_well"), "missing": bullets("missing"),
        "verdict": {"level": grade.level, "qualifier": grade.qualifier,
                    "label": grade.verdict_label, "altitude": grade.level_altitude,
                    "decision": grade.decision, "swing": grade.swing},
        "rubric": selectors.scores_of(grade), "self_grade": grade.self_grade,
        "checklist": grade.checklist,
        "suggested": {"altitude": view.suggestion.altitude, "reasons": view.suggestion.reasons},
        "verdict_checklist_disagreement": view.disagreement or None,
        "notes": grade.notes, "submitted_at": grade.submitted_at,
        "updated_at": grade.updated_at, "frozen_at": grade.frozen_at,
        "amendments": [{"author": a, "created_at": when, "text": text}
                       for a, when, text in view.amendments],
        "gap_annotations": [{"dimension": d, "text": t} for d, t in view.annotations],
        "grader_calibration": (None if calibration is None else {
            "score": calibration.score, "examples": calibration.examples,
            "bias": round(calibration.bias, 2)}),
    }


def _grades_json(access: RoundAccess) -> dict:
    user, round_ = access.user, access.round
    seen = selectors.round_grades_for_viewer(access)
    visible = [g for g in (seen.peer, seen.self_grade) if g is not None]
    calibrations = selectors.calibration_summaries([g.author_id for g in visible])
    return {"round": round_.pk, "your_kind": seen.viewer_kind,
            "other_submitted": seen.other_submitted,
            "grades": [_grade_json(g, user, calibrations) for g in visible]}


class RoundGradesApi(APIView):
    """GET: the round's grades you may see. POST: file your own (the interviewer's peer
    grade or the candidate's self-grade)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request, round_id: int):
        _, access = round_for(request.user, round_id, may="grades")
        return Response(_grades_json(access))

    @extend_schema(request=GradeInputSerializer, responses={201: dict})
    def post(self, request, round_id: int):
        round_, access = round_for(request.user, round_id, may="is_participant")
        payload = GradeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            grade = services.grade_submit(round_=round_, author=request.user,
                                          data=payload.to_input())
        except (services.GradeInvalid, services.GradingError) as exc:
            _raise(exc)
        grade = selectors.grade_get_for_user(request.user, grade.pk)
        calibrations = selectors.calibration_summaries([request.user.pk])
        return Response(_grade_json(grade, request.user, calibrations),
                        status=status.HTTP_201_CREATED)


class GradeDetailApi(APIView):
    """GET one grade you may see; PUT to rewrite your own until it is final."""

    permission_classes = [IsAuthenticated]

    def _get(self, request, grade_id: int) -> Grade:
        grade = selectors.grade_get_for_user(request.user, grade_id)
        if grade.round_id is None:
            raise NotFound("No such grade.")
        return grade

    @extend_schema(responses={200: dict})
    def get(self, request, grade_id: int):
        grade = self._get(request, grade_id)
        return Response(_grade_json(grade, request.user,
                                    selectors.calibration_summaries([grade.author_id])))

    @extend_schema(request=GradeInputSerializer, responses={200: dict})
    def put(self, request, grade_id: int):
        grade = self._get(request, grade_id)
        payload = GradeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.grade_update(grade=grade, by=request.user, data=payload.to_input())
        except (services.GradeInvalid, services.GradingError) as exc:
            _raise(exc)
        return self.get(request, grade_id)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    dimension = serializers.CharField(allow_blank=True, required=False)


class GradeAmendmentApi(APIView):
    """POST a correction to your final grade; it is appended with its time and author."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TextSerializer, responses={201: dict})
    def post(self, request, grade_id: int):
        grade = selectors.grade_get_for_user(request.user, grade_id)
        payload = TextSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            amendment = services.grade_amend(grade=grade, by=request.user,
                                             text=payload.validated_data["text"])
        except (services.GradeInvalid, services.GradingError) as exc:
            _raise(exc)
        return Response({"author": request.user.get_username(), "text": amendment.text,
                         "created_at": amendment.created_at}, status=status.HTTP_201_CREATED)


class GapAnnotationApi(APIView):
    """POST what you should have said against a gap of your self-grade (`dimension` is a
    rubric key, or blank for the overall verdict)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TextSerializer, responses={201: dict})
    def post(self, request, grade_id: int):
        grade = selectors.grade_get_for_user(request.user, grade_id)
        payload = TextSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            annotation = services.gap_annotate(
                grade=grade, by=request.user, text=payload.validated_data["text"],
                dimension=payload.validated_data.get("dimension", ""))
        except (services.GradeInvalid, services.GradingError) as exc:
            _raise(exc)
        return Response({"dimension": annotation.dimension, "text": annotation.text},
                        status=status.HTTP_201_CREATED)

