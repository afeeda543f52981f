from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("bank/", views.bank, name="bank"),
    path("bank/<slug:slug>/", views.question_detail, name="question"),
    path("bank/<slug:slug>/hint/", views.reveal_hint, name="reveal_hint"),
    path("bank/<slug:slug>/attempt/", views.submit_attempt, name="attempt"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<slug:slug>/", views.company_detail, name="company"),
    path("tracks/<slug:slug>/", views.role_track_detail, name="role_track"),
    path("me/attempts/", views.my_attempts, name="my_attempts"),
]
