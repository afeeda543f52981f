from django.urls import path

from coaching import api

urlpatterns = [
    path("progress/", api.ProgressApi.as_view(), name="api-progress"),
    path("candidates/<id:candidate_id>/progress/", api.ProgressApi.as_view(),
         name="api-candidate-progress"),
    path("roster/", api.RosterApi.as_view(), name="api-roster"),
]
