from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from mgplanner.rendering import render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "home.html")


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: does no database work on purpose."""
    return JsonResponse({"status": "ok"})
