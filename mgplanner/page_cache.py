"""Whole-page cache for a person's own day and week pages, keyed by stamps of their data.

The day page is the app's most visited and costliest page (ORM rows, scoring, a 75 KB
template: ~30 ms against 0.6 ms for a do-nothing view), the week page the next, and both
change only when data behind them changes. Deciding at each write which cached pages it
spoils is easy to get wrong as features are added, so no write path invalidates anything.
Instead stamps that are part of the key change on every write, two of them by default:

- ``User.data_stamp``: replaced after every unsafe request (POST, PUT, PATCH, DELETE) a
  signed-in user makes, whatever it changed (but for the one kind of write below), and
  for a dietitian also on every client
  they have a link with, because their notes, targets and edits show on those clients'
  pages (``DataStampMiddleware``). Every write this app makes from a browser is an unsafe
  request.
- ``SiteStamp``: replaced after every unsafe request to the admin (foods, portions,
  profiles, anything an admin edits) and by the commands that write (load_foods,
  seed_demo). A restore needs nothing: it brings back the stamps with the data.

One kind of write is narrower, because it is the commonest and the way people work is to
add, change and remove foods on one day while they look at others: a meal item added,
changed, deleted or brought back. It changes the item and its day, and nothing else any
cached page shows, so such a view says so (``day_scoped_write``) and instead of the data
stamp its request replaces one stamp of the day's owner for that date alone:

- ``User.day_stamps[date]``: random as well, with the time it was set. The key of a page
  names the stamps of the dates it shows (the day page its date, the week page its seven);
  an item written on Tuesday leaves Monday's cached page standing. The stamps come with the
  user, so a hit still costs the one query. A stamp older than a cached page can live (two
  days) names no live key and is pruned; past MAX_DAY_STAMPS dates the map is emptied and
  the data stamp replaced, which spoils every page, as any other write does.

A key is (page, owner, owner's data stamp, its dates' stamps, site stamp, today's date, the
code's fingerprint). An old key is never asked for again and ages out of the cache. Stamps
are random, not counters, so a restored backup cannot make an old key name new data. The
stamps are read before the page is rendered and replaced after the write commits, so a
live key never holds a page older than the data.

Only the plain page is cached: a dietitian looking at a client's page (which is logged),
query strings (food picker, undo, edit), htmx requests, and requests with a message to
show are rendered every time. The CSRF token belongs to the session, not the page: the
cached copy is kept split around it and joined with this request's token.
"""

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path

import django
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DatabaseError, transaction
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


def user_stamps_bump_on_commit(user_ids: Iterable[int]) -> None:
    """`user_stamps_bump` once the current write commits (at once outside a transaction),
    for a service that changes other people's rows than the writer's: the middleware
    replaces only the writer's stamps (and, for a dietitian, their clients')."""
    ids = sorted(set(user_ids))
    if ids:
        transaction.on_commit(lambda: user_stamps_bump(ids))


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


# Past this many dates written within TIMEOUT_S, a person's day stamps start afresh.
MAX_DAY_STAMPS = 64
_DAY_SCOPED = "page_cache_day_scoped_write"


def day_scoped_write(request: HttpRequest, *, owner_id: int, on: date) -> None:
    """Called by a view whose write changes the items of `owner_id`'s day `on` and nothing
    else a cached page shows: only that date's stamp is replaced, not the data stamp."""
    setattr(request, _DAY_SCOPED, (owner_id, on))


def day_stamp_bump(*, owner_id: int, on: date) -> None:
    """Replace `owner_id`'s stamp for `on`; prune stamps older than any cached page."""
    from accounts.models import User

    now = int(time.time())
    with transaction.atomic():
        found = (
            User.objects.select_for_update()
            .filter(pk=owner_id)
            .values_list("day_stamps", flat=True)
            .first()
        )
        if found is None:
            return
        stamps = {day: stamp for day, stamp in found.items() if now - stamp[1] < TIMEOUT_S}
        stamps[on.isoformat()] = [new_stamp(), now]
        if len(stamps) > MAX_DAY_STAMPS:
            User.objects.filter(pk=owner_id).update(day_stamps={}, data_stamp=new_stamp())
        else:
            User.objects.filter(pk=owner_id).update(day_stamps=stamps)


def _dates_stamps(owner: object, dates: Iterable[date]) -> str:
    stamps = owner.day_stamps  # type: ignore[attr-defined]
    return ",".join(str(stamps.get(on.isoformat(), ("",))[0]) for on in dates)


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
        day_scoped = getattr(request, _DAY_SCOPED, None)
        try:
            if day_scoped is not None:
                owner_id, on = day_scoped
                day_stamp_bump(owner_id=owner_id, on=on)
                return response
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
    dates: Iterable[date],
) -> HttpResponse:
    """`render()`'s response, from the cache when nothing behind this page (which shows
    the owner's days on `dates`) has changed."""
    if not _cacheable(request, owner):
        return render()
    key = ":".join(
        (
            "page",
            code_fingerprint(),
            request.path,
            str(owner.pk),  # type: ignore[attr-defined]
            str(owner.data_stamp),  # type: ignore[attr-defined]
            _dates_stamps(owner, dates),
            str(site_stamp(request.user)),
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
