"""`profile_required`: pages that plan or score need a person with a finished profile."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from accounts.selectors import is_onboarded

View = Callable[..., HttpResponse]


def wizard_url(next_url: str | None = None) -> str:
    """The first step of the profile wizard, coming back to `next_url` when done."""
    url = reverse("accounts:profile_step", args=["about"])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx request that followed a plain redirect would swap a whole page into a
    # fragment's place: ask htmx to navigate instead.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _back_to(request: HttpRequest) -> str:
    """Where to return afterwards: for htmx, the page in the address bar, not the fragment;
    for a plain form, the page it was posted from (its address only takes a POST: coming
    back to it with a GET would be a 405), when that page is on this site."""
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.current_url_abs_path:
        return str(htmx.current_url_abs_path)
    if request.method == "POST":
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(referer)
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return reverse("plans:home")
    return request.get_full_path()


def profile_required(view: View) -> View:
    """Send anonymous visitors to log in, and people without a finished profile to the wizard.

    Both come back to the page they asked for (`?next=`). Implies `login_required`.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            login_url = f"{reverse('accounts:login')}?{urlencode({'next': _back_to(request)})}"
            return _redirect(request, login_url)
        if not is_onboarded(user=request.user):  # type: ignore[arg-type]
            return _redirect(request, wizard_url(_back_to(request)))
        return view(request, *args, **kwargs)

    return wrapper
