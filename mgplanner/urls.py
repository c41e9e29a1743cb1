from django.contrib import admin
from django.urls import include, path

from mgplanner import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("model/", views.model, name="model"),
    path("admin/", admin.site.urls),
    path("foods/", include("foods.urls")),
    path("accounts/", include("accounts.urls")),
    path("plan/", include("plans.urls")),
]
