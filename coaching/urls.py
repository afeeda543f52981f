from django.urls import path

from coaching import views

app_name = "coaching"

urlpatterns = [
    path("", views.links, name="links"),
    path("link/new/", views.link_create, name="link_create"),
    path("accept/<str:token>/", views.accept, name="accept"),
    path("link/<int:link_id>/shares/", views.shares_update, name="shares_update"),
    path("link/<int:link_id>/end/", views.link_end, name="link_end"),
]
