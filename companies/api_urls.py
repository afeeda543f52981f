from django.urls import path

from companies import api

urlpatterns = [
    path("companies/", api.CompanyListApi.as_view(), name="api-companies"),
    path("companies/<slug:slug>/", api.CompanyDetailApi.as_view(), name="api-company"),
    path("questions/", api.QuestionListApi.as_view(), name="api-questions"),
    path("questions/<slug:slug>/", api.QuestionDetailApi.as_view(), name="api-question"),
]
