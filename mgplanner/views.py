import sys

from django.contrib import messages as flash
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_safe

from mgplanner.middleware import DATABASE_ERRORS, database_unavailable_response
from mgplanner.rendering import render_page
from plans.charts import model_page_data


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render_page(request, "home.html")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's, which
    keep Django's templates): the app's icon, not a 404 in the console."""
    # Not permanent: the icon's hashed name changes with a deploy.
    return HttpResponseRedirect(static("favicon.svg"))


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


# A form posted from a page rendered before the session changed (logged out, or in as
# someone else, in another tab; the session expired and a new one began).
STALE_FORM_MESSAGE = (
    "This page was out of date (you logged in or out in another tab, or your session ended), "
    "so nothing was saved. Reload the page and try again."
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the app's own 403 page, not Django's bare one (whose inline style
    the Content-Security-Policy blocks). An htmx request swaps no 403, so it reloads the page
    (HX-Refresh), which then says why; the refused write changed nothing."""
    if request.headers.get("HX-Request") == "true":
        flash.warning(request, STALE_FORM_MESSAGE)
        response = HttpResponse(
            STALE_FORM_MESSAGE, status=403, content_type="text/plain; charset=utf-8"
        )
        response["HX-Refresh"] = "true"
        return response
    return render_page(
        request,
        "403.html",
        {"heading": "Nothing was saved", "reason": STALE_FORM_MESSAGE},
        status=403,
    )


@require_safe
def model(request: HttpRequest) -> HttpResponse:
    """The scoring model in plain words, its curves and tables (public)."""
    return render_page(request, "model.html", model_page_data())
