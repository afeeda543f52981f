from django.urls import path

from scoring import api

urlpatterns = [
    path("rounds/<id:round_id>/grades/", api.RoundGradesApi.as_view(), name="api-round-grades"),
    path("grades/<id:grade_id>/", api.GradeDetailApi.as_view(), name="api-grade"),
    path("grades/<id:grade_id>/amendments/", api.GradeAmendmentApi.as_view(),
         name="api-grade-amendments"),
    path("grades/<id:grade_id>/annotations/", api.GapAnnotationApi.as_view(),
         name="api-grade-annotations"),
]
