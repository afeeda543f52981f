from django.contrib import admin

from scoring.models import Example, Grade, GradeAmendment, Reattempt


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "round", "example", "author", "level", "decision", "frozen_at")
    list_filter = ("kind", "decision")
    raw_id_fields = ("round", "example", "author")


@admin.register(Example)
class ExampleAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "company", "candidate_target")


@admin.register(GradeAmendment)
class GradeAmendmentAdmin(admin.ModelAdmin):
    list_display = ("grade", "author", "created_at")


@admin.register(Reattempt)
class ReattemptAdmin(admin.ModelAdmin):
    list_display = ("candidate", "question", "graded_altitude", "target_level", "due_at",
                    "reminded_at")
