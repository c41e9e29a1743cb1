from django.contrib import admin
from django.urls import include, path

from mgplanner import converters, views  # noqa: F401 - converters registers <isodate:>
from plans.recipe_urls import shopping_patterns

handler500 = "mgplanner.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("health/", views.health, name="health"),
    path("health/ready/", views.health_ready, name="health_ready"),
    path("model/", views.model, name="model"),
    path("admin/", admin.site.urls),
    path("foods/", include("foods.urls")),
    path("accounts/", include("accounts.urls")),
    path("plan/shopping/", include(shopping_patterns)),
    path("plan/", include("plans.urls")),
    path("recipes/", include("plans.recipe_urls")),
    # The dietitian's workspace: the client list and each client's week and day.
    path("clients/", include("plans.workspace_urls")),
    # The dietitian's tools under /clients/ and a person's own report under /plan/report/.
    path("", include("plans.report_urls")),
]
