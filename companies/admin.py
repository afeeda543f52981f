from django.contrib import admin

from companies.models import Attempt, BankDocument, Company, CompanyLevel, Question, RoleTrack


class CompanyLevelInline(admin.TabularInline):
    model = CompanyLevel
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "generic", "signature_question")
    search_fields = ("name", "slug")
    inlines = [CompanyLevelInline]
    filter_horizontal = ("role_tracks",)
    autocomplete_fields = ("signature_question",)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("title", "collection", "type", "difficulty", "timebox_minutes")
    list_filter = ("collection", "type", "difficulty", "companies")
    search_fields = ("title", "slug", "prompt")
    filter_horizontal = ("companies", "role_tracks")
    readonly_fields = ("updated_at",)


@admin.register(RoleTrack)
class RoleTrackAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("user", "question", "numeric_correct", "created_at")
    list_filter = ("numeric_correct",)
    raw_id_fields = ("user", "question")


@admin.register(BankDocument)
class BankDocumentAdmin(admin.ModelAdmin):
    list_display = ("key",)
