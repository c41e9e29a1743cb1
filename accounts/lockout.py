"""The page django-axes shows when a username+IP pair is locked out after failed log-ins.

Axes answers a locked-out attempt before any password is checked; this renders the
ordinary log-in page with the reason in the form's error summary, status 429 (Too Many
Requests), so the person reads in plain words what happened and how long to wait.
"""

from typing import Any

from axes.helpers import get_cool_off
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from accounts.forms import EmailAuthenticationForm
from mgplanner.rendering import render_page


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The email the attempt was for, as the log-in form normalises it."""
    source = credentials if credentials and "username" in credentials else request.POST
    return str(source.get("username", "")).strip().lower()


def lockout_message(minutes: int) -> str:
    return (
        "Too many wrong passwords for this email address. For the account's safety, "
        f"log-in is paused for {minutes} minutes; please try again after that."
    )


class LockedOutForm(EmailAuthenticationForm):
    """The log-in form that refuses without authenticating (axes has already decided)."""

    def __init__(self, *args: Any, message: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lockout = message

    def clean(self) -> dict[str, Any]:
        raise ValidationError(self.lockout, code="locked_out")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    # Axes decides during authenticate(), i.e. on the log-in POST: keep what was typed.
    form = LockedOutForm(request, data=request.POST, message=lockout_message(minutes))
    return render_page(
        request,
        "accounts/login.html",
        {"form": form, "next": request.POST.get("next", "")},
        status=429,
    )
