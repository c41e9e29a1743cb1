"""Whole-page cache for a person's own day and week pages, keyed by stamps of their data.

The day page is the app's most visited and costliest page (ORM rows, scoring, a 75 KB
template: ~30 ms against 0.6 ms for a do-nothing view), the week page the next, and both
change only when data behind them changes. Deciding at each write which cached pages it
spoils is easy to get wrong as features are added, so no write path invalidates anything.
Instead two stamps change on *every* write, and both are part of the key:

- ``User.data_stamp``: replaced after every unsafe request (POST, PUT, PATCH, DELETE) a
  signed-in user makes, whatever it changed, and for a dietitian also on every client
  they have a link with, because their notes, targets and edits show on those clients'
  pages (``DataStampMiddleware``). Every write this app makes from a browser is an unsafe
  request.
- ``SiteStamp``: replaced after every unsafe request to the admin (foods, portions,
  profiles, anything an admin edits) and by the commands that write (load_foods,
  seed_demo). A restore needs nothing: it brings back the stamps with the data.

One kind of write is narrower, because it is the commonest and the way people work is to
add, change and remove foods on one day while they look at others: a meal item added,
changed, deleted or brought back. Such a view says so (``day_scoped_write``); it writes
the item and the day's ``version`` and ``last_edited_at`` (plans/services.py ``_touch``) in
one transaction, and nothing else any cached page shows. Its request replaces no stamp;
instead a page's key also names the version and edit time of each day it shows
(``day_stamps``): the day page its day, the week page its seven. An item written on
Tuesday leaves Monday's cached page standing.

A key is (page, owner, owner's stamp, site stamp, its days' stamps, today's date, the
code's fingerprint). An old key is never asked for again and ages out of the cache. Stamps
are random, not counters, so a restored backup cannot make an old key name new data; a
day's version is a counter, so its stamp carries the time of its last edit too. The stamps
are read before the page is rendered and replaced by (or after) the write's commit, so a
live key never holds a page older than the data.

Only the plain page is cached: a dietitian looking at a client's page (which is logged),
query strings (food picker, undo, edit), htmx requests, and requests with a message to
show are rendered every time. The CSRF token belongs to the session, not the page: the
cached copy is kept split around it and joined with this request's token.
"""

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import django
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone

from mgplanner.models import SiteStamp, new_stamp

logger = logging.getLogger("mgplanner.faults")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Keys carry today's date, so nothing outlives two days; the bound is for memory.
TIMEOUT_S = 2 * 24 * 3600
# The token as the page prints it: in the forms' hidden input and in htmx's headers.
_TOKEN = re.compile(
    r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,})"|"x-csrftoken": "([A-Za-z0-9]{32,})"'
)
# Source that shapes a page: code, templates, static files (their hashed URLs).
_SOURCE_DIRS = ("accounts", "foods", "plans", "mgplanner", "templates", "static")
_SOURCE_SUFFIXES = frozenset({".py", ".html", ".js", ".css"})


def site_stamp(user: object = None) -> int:
    """The current site stamp; a session's user carries it (accounts/backends.py)."""
    if hasattr(user, "site_stamp"):
        value = user.site_stamp  # type: ignore[union-attr]
    else:
        value = SiteStamp.objects.filter(pk=1).values_list("value", flat=True).first()
    return 0 if value is None else value


def site_stamp_bump() -> None:
    """Every cached page is stale: call after writing data that any page may show."""
    SiteStamp.objects.update_or_create(pk=1, defaults={"value": new_stamp()})


def user_stamps_bump(user_ids: Iterable[int]) -> None:
    """These people's cached pages are stale: one UPDATE, whatever the count."""
    from accounts.models import User

    ids = sorted(set(user_ids))
    if ids:
        User.objects.filter(pk__in=ids).update(data_stamp=new_stamp())


def _stamped_user_ids(user: object) -> set[int]:
    """Whose pages a write by `user` may change: their own and, for a dietitian, every
    client they were ever linked with (revoked links included: the revocation itself
    changes the client's page)."""
    from accounts.models import DietitianLink

    if not getattr(user, "is_authenticated", False):
        return set()
    ids = {user.pk}  # type: ignore[attr-defined]
    if user.is_dietitian:  # type: ignore[attr-defined]
        ids.update(DietitianLink.objects.filter(dietitian=user).values_list("client_id", flat=True))
    return ids


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A short hash of the source and library version: a deploy never serves old pages
    from a shared (Redis) cache."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    base = Path(settings.BASE_DIR)
    for directory in _SOURCE_DIRS:
        for path in sorted((base / directory).rglob("*")):
            if path.suffix in _SOURCE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


DAY_SCOPED = "page_cache_day_scoped_write"


def day_scoped_write(request: HttpRequest) -> None:
    """Called by a view whose write changes one day's items and that day's stamp (version
    and edit time) and nothing else a cached page shows: no user's stamp is replaced."""
    setattr(request, DAY_SCOPED, True)


def day_stamps(days: Iterable[object]) -> str:
    """The part of a page's key naming the days it shows, as each was last written."""
    return ",".join(
        f"{day.pk}.{day.version}.{day.last_edited_at.timestamp() if day.last_edited_at else ''}"  # type: ignore[attr-defined]
        for day in days
    )


class DataStampMiddleware:
    """After every unsafe request, replace the stamps of the people (and, for the admin,
    the site) whose data it may have changed. Placed after the auth middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        # Before as well as after the view: deleting an account or a link removes rows
        # the after-the-fact lookup would need; logging in makes a user appear.
        before = _stamped_user_ids(request.user)
        response = self.get_response(request)
        if getattr(request, DAY_SCOPED, False):
            return response  # the day's own stamp changed with the write
        try:
            user_stamps_bump(before | _stamped_user_ids(request.user))
            if request.path.startswith(self.admin_prefix):
                site_stamp_bump()
        except DatabaseError as error:
            # The write (if any) committed, but its pages may be served stale until the
            # next write: say so loudly; the database is failing anyway.
            logger.error("page cache stamps not replaced", extra={"error": str(error)})
        return response


def _cacheable(request: HttpRequest, owner: object) -> bool:
    return (
        request.method == "GET"
        and not request.GET
        and not getattr(request, "htmx", False)
        and getattr(owner, "pk", None) == request.user.pk
        and len(get_messages(request)) == 0
    )


def cached_page(
    request: HttpRequest,
    *,
    owner: object,
    render: Callable[[], HttpResponse],
    days: Callable[[], Iterable[object] | None],
) -> HttpResponse:
    """`render()`'s response, from the cache when nothing behind this page has changed;
    `days()` gives the days the page shows, as they are now, or None when the render will
    create one (a day page's first visit plans the day): rendered, not cached, that time."""
    if not _cacheable(request, owner):
        return render()
    shown = days()
    if shown is None:
        return render()
    key = ":".join(
        (
            "page",
            code_fingerprint(),
            request.path,
            str(owner.pk),  # type: ignore[attr-defined]
            str(owner.data_stamp),  # type: ignore[attr-defined]
            str(site_stamp(request.user)),
            day_stamps(shown),
            timezone.localdate().isoformat(),
        )
    )
    # Kept as bytes: unpickling and joining 76 KB of text cost ~0.15 ms a hit, bytes ~0.015.
    parts: list[bytes] | None = cache.get(key)
    if parts is not None:
        token = get_token(request).encode() if len(parts) > 1 else b""
        return HttpResponse(token.join(parts))
    response = render()
    if response.status_code == 200 and not response.streaming:
        html = response.content.decode()
        found = _TOKEN.search(html)
        token = found and (found.group(1) or found.group(2))
        pieces = html.split(token) if token else [html]
        cache.set(key, [piece.encode() for piece in pieces], TIMEOUT_S)
    return response
