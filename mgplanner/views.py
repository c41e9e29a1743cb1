from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from mgplanner.rendering import render_page
from plans.charts import model_page_data


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "home.html")


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: does no database work on purpose."""
    return JsonResponse({"status": "ok"})


@require_GET
def model(request: HttpRequest) -> HttpResponse:
    """The scoring model in plain words, its curves and tables (public)."""
    return render_page(request, "model.html", model_page_data())
