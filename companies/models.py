"""Companies, their ladders, role tracks, and the question bank."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from companies.bank_schema import ALTITUDES, PROVENANCE_PARTS

ALTITUDE_CHOICES = [(a, a.capitalize()) for a in ALTITUDES]


def altitude_rank(altitude: str) -> int:
    """Position on the common scale: junior 0 ... principal 3."""
    return ALTITUDES.index(altitude)


def as_tags(values: list[str]) -> str:
    """',a,b,' so one value can be matched with a portable `contains` lookup."""
    return "," + ",".join(values) + "," if values else ""


class RoleTrack(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    summary = models.TextField()
    loop = models.JSONField(default=list, help_text="What the interview loop contains.")
    design_focus = models.TextField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    generic = models.BooleanField(default=False, help_text="A profile such as 'Startup'.")
    roles = models.JSONField(default=list)
    role_tracks = models.ManyToManyField(RoleTrack, blank=True, related_name="companies")
    emphasis = models.JSONField(default=list, help_text="What the company's loop stresses.")
    focus_areas = models.JSONField(default=list)
    comp_notes = models.TextField(blank=True)
    signature_question = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delta_lower = models.CharField(max_length=40, blank=True)
    delta_upper = models.CharField(max_length=40, blank=True)
    delta_text = models.TextField(blank=True)
    delta_note = models.TextField(
        blank=True, help_text="Why the delta names levels that are not rungs of the ladder."
    )

    class Meta:
        ordering = ["generic", "name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("companies:company", args=[self.slug])

    def level_for_altitude(self, altitude: str) -> str:
        """The company's own name for an altitude: its highest level at that altitude."""
        names = [level.name for level in self.levels.all() if level.altitude == altitude]
        return names[-1] if names else altitude.capitalize()


class CompanyLevel(models.Model):
    """One rung of a company's ladder, placed on the common altitude scale."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="levels")
    name = models.CharField(max_length=40)
    altitude = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    rank = models.PositiveSmallIntegerField(help_text="0 for the lowest rung.")
    title = models.CharField(max_length=60, blank=True, help_text="The company's job title.")
    note = models.CharField(max_length=200, blank=True)
    ours = models.BooleanField(
        default=False, help_text="Added by Mockloop: the documents do not give this rung."
    )
    ours_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["company", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="unique_level_name"),
            models.UniqueConstraint(fields=["company", "rank"], name="unique_level_rank"),
            models.CheckConstraint(
                condition=models.Q(altitude__in=list(ALTITUDES)), name="level_altitude_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company.name} {self.name}"


class QuestionType(models.TextChoices):
    DESIGN = "design", "Design"
    DEBUG = "debug", "Debug"
    DRILL = "drill", "Capacity drill"
    ONCALL = "oncall", "On-call simulation"
    CONCEPT = "concept", "Concept"
    CODING = "coding", "Coding"
    BEHAVIORAL = "behavioral", "Behavioral"


class Collection(models.TextChoices):
    COMPANY_SIGNATURE = "company-signature", "Company signature questions"
    OPENAI_MLE = "openai-mle", "OpenAI ML-engineer questions"
    DESIGN_CHALLENGE = "design-challenge", "Design challenges"
    DEBUG_WAR_ROOM = "debug-war-room", "Debug war rooms"
    CAPACITY_DRILL = "capacity-drill", "Capacity drills"
    ON_CALL = "on-call", "On-call simulations"
    CONCEPT = "concept", "Concept questions"
    CASE_STUDY = "case-study", "Case studies"
    MOCK_TRANSCRIPT = "mock-transcript", "Mock transcript prompts"
    LLM_PRODUCTION = "llm-production", "LLM production questions"
    RAPID_FIRE = "rapid-fire", "Rapid-fire prompts"


# How a question page names each part when it says which ones were written for Mockloop.
PART_LABELS = {
    "prompt": "the question",
    "hints": "hints",
    "solution": "model solution",
    "figures": "worked numbers",
    "staff_plus": "staff+ notes",
    "red_flags": "red flags",
    "follow_ups": "follow-ups",
    "probes": "probes",
    "competencies": "competencies",
    "rubric": "rubric",
}
assert set(PART_LABELS) == set(PROVENANCE_PARTS)


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class Question(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    collection = models.CharField(max_length=32, choices=Collection.choices)
    type = models.CharField(max_length=16, choices=QuestionType.choices)
    title = models.CharField(max_length=200)
    companies = models.ManyToManyField(Company, blank=True, related_name="questions")
    role_tracks = models.ManyToManyField(RoleTrack, blank=True, related_name="questions")
    levels = models.JSONField(default=list, help_text="Altitudes the question suits.")
    level_tags = models.CharField(max_length=80, blank=True, editable=False)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices)
    round = models.CharField(max_length=120)
    timebox_minutes = models.PositiveSmallIntegerField()
    topics = models.JSONField(default=list)
    topic_tags = models.CharField(max_length=400, blank=True, editable=False)
    prompt = models.TextField()
    constraints = models.JSONField(default=list, blank=True)
    hints = models.JSONField(default=list, blank=True, help_text="In the order they are revealed.")
    solution = models.TextField()
    staff_plus = models.TextField(blank=True)
    red_flags = models.JSONField(default=list, blank=True)
    follow_ups = models.JSONField(default=list, blank=True)
    probes = models.JSONField(default=list, blank=True)
    competencies = models.JSONField(default=list, blank=True)
    rubric = models.JSONField(
        default=list, blank=True, help_text="Own dimensions; empty means the generic rubric."
    )
    answer_value = models.FloatField(null=True, blank=True)
    answer_unit = models.CharField(max_length=60, blank=True)
    answer_tolerance_pct = models.FloatField(null=True, blank=True)
    answer_min = models.FloatField(
        null=True, blank=True, help_text="Lowest accepted answer, where a tolerance is too loose."
    )
    answer_max = models.FloatField(null=True, blank=True)
    source_ref = models.CharField(max_length=400, blank=True)
    # Checked by the bank schema when the bank loads (the only writer of these rows).
    provenance = models.JSONField(
        default=dict, blank=True,
        help_text="{item, parts: {part: documents | mockloop}, note}: where the item and each "
                  "of its parts come from.")
    corrections = models.JSONField(
        default=list, blank=True,
        help_text="Where the documents are wrong: [{source_says, correct}].")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["collection", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type="drill", answer_value__isnull=False)
                | (~models.Q(type="drill") & models.Q(answer_value__isnull=True)),
                name="drill_has_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(timebox_minutes__gte=1), name="timebox_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(answer_min__isnull=True, answer_max__isnull=True)
                | models.Q(answer_min__lte=models.F("answer_value"),
                           answer_max__gte=models.F("answer_value")),
                name="drill_range_holds_answer",
            ),
        ]
        indexes = [models.Index(fields=["type"]), models.Index(fields=["collection"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.refresh_tags()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "level_tags", "topic_tags"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("companies:question", args=[self.slug])

    def refresh_tags(self) -> None:
        """The searchable copies of the levels and topics (saving does it; a bulk write
        calls it itself)."""
        self.level_tags = as_tags(self.levels)
        self.topic_tags = as_tags(self.topics)

    @property
    def phase_plan_notes(self) -> list[dict]:
        """The bank's phase plans as the room's timer needs them (see BankDocument)."""
        return BankDocument.phase_plan_notes()

    @property
    def written_for_mockloop(self) -> bool:
        """The item itself, not only some of its parts, was written for Mockloop."""
        return self.provenance.get("item") == "mockloop"

    def part_written_for_mockloop(self, part: str) -> bool:
        """True for a part to mark as written for Mockloop. The figures are marked only
        where the solution around them is the documents': a Mockloop solution's numbers
        are Mockloop's too, and one mark says so."""
        parts = self.provenance.get("parts", {})
        if part == "figures" and parts.get("solution") == "mockloop":
            return False
        return parts.get(part) == "mockloop"

    @property
    def mockloop_parts(self) -> list[str]:
        """The names of the parts written for Mockloop, in page order."""
        return [label for part, label in PART_LABELS.items()
                if self.part_written_for_mockloop(part)]

    @property
    def is_drill(self) -> bool:
        return self.type == QuestionType.DRILL

    def check_numeric_answer(self, value: float) -> bool:
        """True when value lies in the drill's accepted range: its absolute bounds where
        it has them, else its relative tolerance around the answer."""
        if self.answer_value is None:
            raise ValueError(f"{self.slug} has no numeric answer")
        low, high = self.answer_range
        return low <= value <= high

    @property
    def answer_range(self) -> tuple[float, float]:
        if self.answer_min is not None and self.answer_max is not None:
            return (self.answer_min, self.answer_max)
        allowed = abs(self.answer_value or 0) * (self.answer_tolerance_pct or 0) / 100
        return (self.answer_value - allowed, self.answer_value + allowed)


class BankDocument(models.Model):
    """Bank-wide reference data: the generic rubric, grading checklist, self-grade
    questions and phase plans, stored as loaded from the bank files."""

    key = models.SlugField(unique=True)
    data = models.JSONField()

    def __str__(self) -> str:
        return self.key

    @classmethod
    def phase_plan_notes(cls) -> list[dict]:
        """Each phase plan's note and the reason for every phase it shortens below the
        documents' minimum, for the room's timer: [{slug, note, phases: [{key, minutes,
        shortened}]}], `shortened` empty for a phase that keeps its minimum."""
        document = cls.objects.filter(key="phases").first()
        plans = document.data.get("plans", []) if document else []
        return [{"slug": plan["slug"], "note": plan.get("note", ""),
                 "phases": [{"key": phase["key"], "minutes": phase["minutes"],
                             "shortened": (phase.get("shortened") or {}).get("reason", "")}
                            for phase in plan["phases"]]}
                for plan in plans]


class QuestionProgress(models.Model):
    """How far a user is into a question: when they opened it and hints revealed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_progress"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    hints_revealed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_progress_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}: {self.hints_revealed} hints"


class Attempt(models.Model):
    """A written answer saved before the model solution is shown."""

    MAX_TEXT = 20_000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attempts")
    text = models.TextField()
    numeric_answer = models.FloatField(null=True, blank=True)
    numeric_correct = models.BooleanField(null=True)
    hints_used = models.PositiveSmallIntegerField(default=0)
    seconds_spent = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "question"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}"
