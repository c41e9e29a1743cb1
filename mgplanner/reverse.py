"""URL reversing memoised for templates: the day page reverses ~200 URLs, ~17 µs each.

`reverse` is a pure function of the URLconf, the script prefix and its arguments (the
project has no translated URL patterns), so its answers are cached under the prefix and
the arguments. The URLconf is always settings.ROOT_URLCONF: nothing sets a per-request one
(`request.urlconf`), and changing the setting (tests' override_settings) clears the cache.
It is not read per call: Django keeps it in an asgiref Local, whose every read cost the day
page about 4 % of its instructions. Nor is the script prefix, kept in one too: the day page's
~210 reads of it were a tenth of its render. `ScriptPrefixMiddleware` reads it once a request
into a ContextVar (a C-level read); outside a request it is read from Django each time.
"""

from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_script_prefix, resolve, reverse

_request_prefix: ContextVar[str | None] = ContextVar("script_prefix", default=None)


def script_prefix() -> str:
    """Django's script prefix ("/" unless the app is mounted below the site's root)."""
    return _request_prefix.get() or get_script_prefix()


def resolve_path(path: str) -> ResolverMatch | None:
    """A path as a browser sends it (the script prefix included, a query string perhaps,
    percent-encoded) resolved against the URL configuration; None when it is not the app's."""
    route = unquote(urlsplit(path).path)
    prefix = script_prefix()
    if not route.startswith(prefix):
        return None
    try:
        return resolve("/" + route[len(prefix) :])
    except Resolver404:
        return None


class ScriptPrefixMiddleware:
    """Reads the request's script prefix (set by the WSGI handler before any middleware
    runs) once, for `script_prefix`; forgets it when the request ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_prefix.set(get_script_prefix())
        try:
            return self.get_response(request)
        finally:
            _request_prefix.reset(token)


@lru_cache(maxsize=8192)
def _cached(prefix: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, args=args or None)


def cached_reverse(name: str, *args: Any) -> str:
    """`reverse(name, args=args)` for int and str arguments, memoised."""
    try:
        return _cached(script_prefix(), name, args)
    except TypeError:  # an unhashable argument: not worth caching
        return reverse(name, args=args or None)


def _clear(**kwargs: Any) -> None:
    if kwargs.get("setting") == "ROOT_URLCONF":
        _cached.cache_clear()


# Tests that swap ROOT_URLCONF (override_settings) must not see another URLconf's answers.
setting_changed.connect(_clear)
