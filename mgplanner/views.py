import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_safe

from mgplanner.middleware import DATABASE_ERRORS, database_unavailable_response
from mgplanner.rendering import render_page
from plans.charts import model_page_data


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "home.html")


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: does no database work on purpose."""
    return JsonResponse({"status": "ok"})


@require_safe
def health_ready(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database answers, 503 while it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_ERRORS:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside a view (a middleware saving the session,
    say) is still the plain 503 page; anything else is Django's 500."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response()
    return defaults.server_error(request)


@require_safe
def model(request: HttpRequest) -> HttpResponse:
    """The scoring model in plain words, its curves and tables (public)."""
    return render_page(request, "model.html", model_page_data())
