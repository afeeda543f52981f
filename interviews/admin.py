from django.contrib import admin

from interviews.models import (
    AvailabilityWindow,
    Booking,
    MockRequest,
    MockSession,
    NoShowReport,
    Round,
    Standby,
)


class WindowInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0


@admin.register(MockRequest)
class MockRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "status", "target_level", "role_track", "waiting_since")
    list_filter = ("status", "target_level")
    inlines = [WindowInline]
    raw_id_fields = ("user",)


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0
    raw_id_fields = ("interviewer", "candidate", "question")


@admin.register(MockSession)
class MockSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "participant_a", "participant_b", "starts_at", "status")
    list_filter = ("status",)
    inlines = [RoundInline]
    raw_id_fields = ("participant_a", "participant_b", "request_a", "request_b")


admin.site.register(Booking)
admin.site.register(NoShowReport)
admin.site.register(Standby)
