from django.contrib import admin

from coaching.models import CoachLink


@admin.register(CoachLink)
class CoachLinkAdmin(admin.ModelAdmin):
    list_display = ("candidate", "coach", "invited_email", "status", "created_at")
    list_filter = ("status", "started_by")
    raw_id_fields = ("candidate", "coach", "ended_by")
