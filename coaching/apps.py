from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"
    verbose_name = "Coaching"

    def ready(self) -> None:
        from coaching.selectors import coach_shares
        from interviews import access

        access.provide_coach_shares(coach_shares)
