from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Grades and progress"

    def ready(self) -> None:
        from interviews import access
        from scoring.selectors import filed_grade_kinds

        access.provide_filed_grades(filed_grade_kinds)
