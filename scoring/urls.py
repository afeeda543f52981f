from django.urls import path, register_converter

from scoring import views


class ExportFormat:
    regex = "md|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "fmt")

app_name = "scoring"

urlpatterns = [
    path("round/<id:round_id>/", views.round_report, name="round_report"),
    path("round/<id:round_id>/grade/", views.round_grade, name="round_grade"),
    path("round/<id:round_id>/report.<fmt:fmt>", views.round_export, name="round_export"),
    path("round/<id:round_id>/descriptor/", views.round_descriptor, name="round_descriptor"),
    path("grade/<id:grade_id>/amend/", views.grade_amend, name="grade_amend"),
    path("grade/<id:grade_id>/annotate/", views.gap_annotate, name="gap_annotate"),
    path("round/<id:round_id>/suggest/", views.round_suggest, name="round_suggest"),
    path("examples/", views.example_list, name="examples"),
    path("examples/<slug:slug>/", views.example_report, name="example_report"),
    path("examples/<slug:slug>/grade/", views.example_grade, name="example_grade"),
    path("examples/<slug:slug>/reveal/", views.example_reveal, name="example_reveal"),
    path("examples/<slug:slug>/report.<fmt:fmt>", views.example_export, name="example_export"),
    path("examples/<slug:slug>/descriptor/", views.example_descriptor,
         name="example_descriptor"),
    path("examples/<slug:slug>/suggest/", views.example_suggest, name="example_suggest"),
]
