"""The one relaxation of the Content-Security-Policy: style attributes in the admin.

The app's own pages need no inline code at all. The admin is third-party templates:
Django 5.2's admin itself passes the strict policy, but django-simple-history's object
history page writes inline style attributes. Allowing inline *style attributes*
(`style-src-attr 'unsafe-inline'`) on /admin/ only keeps scripts strict everywhere, and
only staff reach the admin.
"""

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

ADMIN_CSP_UPDATE = {"style-src-attr": [UNSAFE_INLINE]}


class AdminCSPMiddleware:
    """Listed after csp.middleware.CSPMiddleware, so it marks the response before the header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            response._csp_update = ADMIN_CSP_UPDATE  # type: ignore[attr-defined]
        return response
