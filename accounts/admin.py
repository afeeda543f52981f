from django.contrib import admin

from accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "target_level", "role_track", "time_zone")
    list_filter = ("kind", "target_level")
    search_fields = ("user__username", "user__email", "display_name")
    filter_horizontal = ("target_companies",)
