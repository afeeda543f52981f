"""Read API for companies and questions; solutions follow the attempt-first rule."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from companies import selectors
from companies.bank_schema import PROVENANCE_SOURCES
from companies.forms import BankFilterForm
from companies.models import Company, Question


class LevelSerializer(serializers.Serializer):
    name = serializers.CharField()
    altitude = serializers.CharField()
    note = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    ladder = LevelSerializer(source="levels", many=True)
    signature_question = serializers.SlugRelatedField(slug_field="slug", read_only=True,
                                                      allow_null=True)
    level_delta = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = ("slug", "name", "generic", "roles", "emphasis", "focus_areas", "ladder",
                  "comp_notes", "signature_question", "level_delta")

    def get_level_delta(self, company: Company) -> dict | None:
        if not company.delta_text:
            return None
        return {"lower": company.delta_lower, "upper": company.delta_upper,
                "text": company.delta_text}


class QuestionSummarySerializer(serializers.ModelSerializer):
    companies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Question
        fields = ("slug", "title", "collection", "type", "companies", "levels", "difficulty",
                  "round", "timebox_minutes", "topics")


class ProvenanceSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=PROVENANCE_SOURCES)
    parts = serializers.DictField(child=serializers.ChoiceField(choices=PROVENANCE_SOURCES))
    note = serializers.CharField(allow_blank=True)


class CorrectionSerializer(serializers.Serializer):
    source_says = serializers.CharField()
    correct = serializers.CharField()


class QuestionSerializer(QuestionSummarySerializer):
    """What anyone may read before attempting: the prompt, never hints or the solution."""

    role_tracks = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    solution_available = serializers.SerializerMethodField()
    provenance = ProvenanceSerializer(read_only=True)

    class Meta(QuestionSummarySerializer.Meta):
        fields = (*QuestionSummarySerializer.Meta.fields, "role_tracks", "prompt",
                  "constraints", "hint_count", "answer_unit", "source_ref", "provenance",
                  "solution_available")

    hint_count = serializers.SerializerMethodField()

    def get_hint_count(self, question: Question) -> int:
        return len(question.hints)

    def get_solution_available(self, question: Question) -> bool:
        return False


class QuestionWithSolutionSerializer(QuestionSerializer):
    """Everything, for a user who has saved an attempt."""

    rubric = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    corrections = CorrectionSerializer(many=True, read_only=True)

    class Meta(QuestionSerializer.Meta):
        fields = (*QuestionSerializer.Meta.fields, "hints", "solution", "corrections",
                  "staff_plus", "red_flags", "follow_ups", "probes", "competencies", "rubric",
                  "answer")

    def get_solution_available(self, question: Question) -> bool:
        return True

    def get_rubric(self, question: Question) -> list[dict]:
        return selectors.rubric_for(question)

    def get_answer(self, question: Question) -> dict | None:
        if question.answer_value is None:
            return None
        return {"value": question.answer_value, "unit": question.answer_unit,
                "tolerance_pct": question.answer_tolerance_pct}


class CompanyListApi(ListAPIView):
    permission_classes = [AllowAny]  # the bank is open to everyone, signed in or not

    serializer_class = CompanySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.company_list()


class CompanyDetailApi(APIView):
    permission_classes = [AllowAny]  # the bank is open to everyone, signed in or not

    @extend_schema(responses=CompanySerializer)
    def get(self, request, slug: str):
        try:
            company = selectors.company_get(slug)
        except Company.DoesNotExist:
            raise NotFound(f"No company '{slug}'.") from None
        return Response(CompanySerializer(company).data)


FILTERS = ["company", "type", "level", "role_track", "topic", "q"]


class QuestionListApi(ListAPIView):
    permission_classes = [AllowAny]  # the bank is open to everyone, signed in or not

    serializer_class = QuestionSummarySerializer

    @extend_schema(parameters=[OpenApiParameter(name, str, required=False) for name in FILTERS])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unknown = sorted(set(self.request.query_params) - {*FILTERS, "limit", "offset"})
        if unknown:
            raise ValidationError({name: ["Unknown filter."] for name in unknown})
        form = BankFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = form.cleaned_data
        return selectors.question_search(
            company=data["company"], type=data["type"], level=data["level"],
            role_track=data["role_track"], topic=data["topic"], text=data["q"],
        ).order_by("collection", "title")


class QuestionDetailApi(APIView):
    permission_classes = [AllowAny]  # the bank is open to everyone, signed in or not

    @extend_schema(responses=PolymorphicProxySerializer(
        component_name="QuestionDetail", resource_type_field_name=None,
        serializers=[QuestionSerializer, QuestionWithSolutionSerializer]),
        description="With the solution once you saved an attempt at the question; before "
                    "that, the question alone with the hints you revealed.")
    def get(self, request, slug: str):
        try:
            question = selectors.question_get(slug)
        except Question.DoesNotExist:
            raise NotFound(f"No question '{slug}'.") from None
        if selectors.user_may_see_solution(request.user, question):
            return Response(QuestionWithSolutionSerializer(question).data)
        data = QuestionSerializer(question).data
        data["hints"] = selectors.hints_visible(request.user, question)
        return Response(data)
