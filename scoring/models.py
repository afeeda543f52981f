"""Grades in the interviewer-notes format, the example reports, calibration and re-attempts.

A grade is one of four kinds:

- `peer`: the round's interviewer grades the candidate;
- `self`: the candidate grades themself, before they may see the peer grade;
- `calibration`: a user grades an example transcript blind;
- `reference`: the example's own interviewer notes, loaded from `scoring/examples/`.

A hire decision is one of `strong-no`, `no`, `yes`, `strong-yes` (the same keys in the
example files, the API and the forms). A verdict level is a level name on the ladder of the
round's company (or the example's), e.g. "IC5", with an optional qualifier "strong" or
"borderline"; it is stored with the altitude it stands for.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from companies.bank_schema import ALTITUDES
from companies.models import ALTITUDE_CHOICES, Company, Question
from interviews.models import Round, TranscriptSegment

REATTEMPT_AFTER = timedelta(days=3)


class Decision(models.TextChoices):
    STRONG_NO = "strong-no", "Strong no hire"
    NO = "no", "No hire"
    YES = "yes", "Hire"
    STRONG_YES = "strong-yes", "Strong hire"


class Qualifier(models.TextChoices):
    PLAIN = "", "—"
    STRONG = "strong", "Strong"
    BORDERLINE = "borderline", "Borderline"


class SelfGradeAnswer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Example(models.Model):
    """A worked mock transcript with its reference interviewer notes: shown as an example
    report and graded blind as a calibration exercise."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    prompt = models.TextField()
    candidate_target = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ExampleLine(models.Model):
    example = models.ForeignKey(Example, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    start_seconds = models.PositiveIntegerField()
    role = models.CharField(max_length=12, choices=[("interviewer", "Interviewer"),
                                                    ("candidate", "Candidate")])
    text = models.TextField()

    class Meta:
        ordering = ["example", "position"]
        constraints = [
            models.UniqueConstraint(fields=["example", "position"], name="one_line_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp} of {self.example_id}"

    @property
    def timestamp(self) -> str:
        minutes, seconds = divmod(self.start_seconds, 60)
        return f"{minutes:02d}:{seconds:02d}"


class Grade(models.Model):
    class Kind(models.TextChoices):
        PEER = "peer", "Interviewer notes"
        SELF = "self", "Self-grade"
        CALIBRATION = "calibration", "Calibration grade"
        REFERENCE = "reference", "Reference notes"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="grades")
    example = models.ForeignKey(Example, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="grades")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.CASCADE, related_name="grades_given")
    level = models.CharField(max_length=40, help_text="A level name on the company's ladder.")
    level_altitude = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    qualifier = models.CharField(max_length=12, choices=Qualifier.choices, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    swing = models.TextField(help_text="What would have swung the call to the next level.")
    self_grade = models.JSONField(default=dict, help_text="{key: {answer, note}} for the five "
                                                          "self-grade questions.")
    checklist = models.JSONField(default=dict, help_text="{key: bool}, plus closest-column.")
    notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True,
                                     help_text="Set when both sides have submitted; later "
                                               "corrections are amendments.")

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(round__isnull=False, example__isnull=True, kind__in=["peer", "self"])
                           | Q(round__isnull=True, example__isnull=False,
                               kind__in=["calibration", "reference"])),
                name="grade_of_round_or_example"),
            models.CheckConstraint(condition=Q(author__isnull=False) | Q(kind="reference"),
                                   name="grade_has_author"),
            models.CheckConstraint(condition=Q(level_altitude__in=list(ALTITUDES)),
                                   name="grade_altitude_valid"),
            models.CheckConstraint(condition=Q(decision__in=Decision.values),
                                   name="grade_decision_valid"),
            models.UniqueConstraint(fields=["round", "kind"], condition=Q(round__isnull=False),
                                    name="one_grade_per_side"),
            models.UniqueConstraint(fields=["example", "author"],
                                    condition=Q(kind="calibration"),
                                    name="one_calibration_per_example"),
            models.UniqueConstraint(fields=["example"], condition=Q(kind="reference"),
                                    name="one_reference_per_example"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def verdict_label(self) -> str:
        return f"{self.get_qualifier_display()} {self.level}" if self.qualifier else self.level

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class GradeNote(models.Model):
    """One bullet of a grade: something done well or something missing."""

    class Section(models.TextChoices):
        DID_WELL = "did_well", "What the candidate did well"
        MISSING = "missing", "What was missing or under-developed"

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="bullets")
    section = models.CharField(max_length=10, choices=Section.choices)
    position = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["grade", "section", "position"]

    def __str__(self) -> str:
        return self.text[:60]


class Citation(models.Model):
    """A bullet's pointer into the transcript: a round's segment or an example's line."""

    note = models.ForeignKey(GradeNote, on_delete=models.CASCADE, related_name="citations")
    segment = models.ForeignKey(TranscriptSegment, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    example_line = models.ForeignKey(ExampleLine, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["note", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__isnull=False, example_line__isnull=True)
                | Q(segment__isnull=True, example_line__isnull=False),
                name="citation_points_at_one_line"),
        ]

    def __str__(self) -> str:
        return f"citation of note {self.note_id}"

    @property
    def line(self):
        return self.segment if self.segment_id else self.example_line


class RubricScore(models.Model):
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="scores")
    dimension = models.SlugField(max_length=80, help_text="slugify() of the dimension name.")
    altitude = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(condition=Q(altitude__in=list(ALTITUDES)),
                                   name="score_altitude_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.altitude}"


class GradeAmendment(models.Model):
    """A correction appended to a frozen grade by its author."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["grade", "created_at"]

    def __str__(self) -> str:
        return f"amendment of grade {self.grade_id}"


class GapAnnotation(models.Model):
    """What the candidate should have said, noted against a gap between their self-grade
    and the peer grade, without rewriting the self-grade."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="annotations")
    dimension = models.CharField(max_length=80, blank=True,
                                 help_text="A rubric dimension key, or blank for overall.")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["grade", "created_at"]

    def __str__(self) -> str:
        return f"annotation on grade {self.grade_id}"


class ExampleReveal(models.Model):
    """A user chose to read an example's reference notes without grading it first, so
    their calibration on it would no longer be blind."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    example = models.ForeignKey(Example, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "example"], name="reveal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.example_id}"


class Reattempt(models.Model):
    """A question graded below the candidate's target, to be tried again from `due_at`.
    It is done once a later round gives the candidate the same question."""

    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="reattempts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="reattempt")
    target_level = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    graded_altitude = models.CharField(max_length=12, choices=ALTITUDE_CHOICES)
    due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["candidate", "due_at"])]

    def __str__(self) -> str:
        return f"re-attempt of {self.question_id} by {self.candidate_id}"
