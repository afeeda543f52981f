from django.urls import path

from coaching import views

app_name = "coaching"

urlpatterns = [
    path("", views.links, name="links"),
    path("link/new/", views.link_create, name="link_create"),
    path("accept/<slug:token>/", views.accept, name="accept"),
    path("link/<id:link_id>/shares/", views.shares_update, name="shares_update"),
    path("link/<id:link_id>/end/", views.link_end, name="link_end"),
    path("round/<id:round_id>/comments/", views.round_comment, name="round_comment"),
    path("progress/", views.progress, name="progress"),
    path("progress/report/", views.progress_report, name="progress_report"),
    path("progress/export.csv", views.progress_csv, name="progress_csv"),
    path("roster/", views.roster, name="roster"),
    path("candidates/<id:candidate_id>/progress/", views.progress,
         name="candidate_progress"),
    path("candidates/<id:candidate_id>/progress/report/", views.progress_report,
         name="candidate_progress_report"),
    path("candidates/<id:candidate_id>/progress/export.csv", views.progress_csv,
         name="candidate_progress_csv"),
]
