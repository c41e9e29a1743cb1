"""Request logging, the database-unavailable page, and the page for a form's address."""

import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from mgplanner.rendering import render_page

request_logger = logging.getLogger("mgplanner.request")
fault_logger = logging.getLogger("mgplanner.faults")

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Seconds a client (or a proxy) is asked to wait before retrying while the database is away.
RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without the request: its context would query the database."""
    response = HttpResponse(
        render_to_string("503.html", using="jinja2"), status=503, content_type="text/html"
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RequestLogMiddleware:
    """One structured line per request: method, path, status and duration in milliseconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        # Load balancers poll the health views every few seconds: keep them out of INFO.
        level = logging.DEBUG if request.path.startswith("/health/") else logging.INFO
        request_logger.log(
            level,
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 2),
            },
        )
        return response


class DatabaseUnavailableMiddleware:
    """A lost database is a 503 with plain words, not a 500 with a traceback.

    Django closes the broken connection at the end of the request and, with
    CONN_HEALTH_CHECKS, checks a reused one before its first query, so the next request
    reconnects by itself once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        fault_logger.error(
            "database unavailable",
            extra={"path": request.path, "error": f"{type(exception).__name__}: {exception}"},
        )
        return database_unavailable_response()


class FormAddressMiddleware:
    """A GET to an address that only takes a form (Enter pressed in the address bar after
    a 422, a bookmark, the browser's history) is Django's empty 405, which browsers show as
    an error: the app's page instead, saying what the address is. Placed after the auth
    and message middleware, whose request attributes the page reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.method != "GET" or response.content:
            return response
        page = render_page(request, "405.html", status=405)
        page["Allow"] = response["Allow"]
        return page
