from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import (
    converters,  # noqa: F401 - registers <id:...> before the apps' URLs
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("", include("companies.urls")),
    path("mocks/", include("interviews.urls")),
    path("coaching/", include("coaching.urls")),
    path("grading/", include("scoring.urls")),
    path("api/", include("companies.api_urls")),
    path("api/", include("interviews.api_urls")),
    path("api/", include("scoring.api_urls")),
    path("api/", include("coaching.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
