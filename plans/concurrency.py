"""Optimistic concurrency for days: a stale write is refused with a 409, never applied.

Every page that writes to a day sends the version it was rendered with, as
"<day pk>:<version>": htmx requests in the `X-Day-Version` header (kept current by
static/js/day_version.js from the same header on each response), plain forms in a hidden
`day_version` input (`day_version_input(day)` in Jinja). `DayVersionMiddleware` holds that
expectation for the request; `plans.services._touch`, which every write to a day already
calls inside its transaction, checks it under `SELECT ... FOR UPDATE`. A mismatch raises
`StaleDayError`, which rolls the whole write back and becomes the 409.

The expectation travels in a context variable rather than a keyword on ~25 services because
the check must not be forgettable: one new write path that calls `_touch` is covered. Writes
without a version (commands, services called directly, API-like posts) are not checked.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from markupsafe import Markup

from mgplanner.prepared import PreparedQuery
from mgplanner.rendering import render_page

HEADER = "X-Day-Version"
FIELD = "day_version"
CONFLICT_MESSAGE = (
    "This day was changed in another tab or by your dietitian — reload to see the latest."
)


@dataclass(frozen=True, slots=True)
class DayVersion:
    day_pk: int
    version: int

    def __str__(self) -> str:
        return f"{self.day_pk}:{self.version}"


class StaleDayError(Exception):
    """The day moved on since the page that sent this write was rendered."""

    def __init__(self, *, day_pk: int, day_date: date, expected: int, current: int) -> None:
        super().__init__(f"day {day_pk}: expected version {expected}, found {current}")
        self.day_pk = day_pk
        self.day_date = day_date
        self.expected = expected
        self.current = current


_expected: ContextVar[DayVersion | None] = ContextVar("expected_day_version", default=None)
# Versions this request itself wrote: a request that makes several writes to the day (fill
# accept, a suggestion with two steps) compares each against its own previous one.
_written: ContextVar[dict[int, int] | None] = ContextVar("written_day_versions", default=None)


def parse_day_version(value: str | None) -> DayVersion | None:
    """'42:7' → DayVersion(42, 7); anything else is no expectation (never an error)."""
    if not value:
        return None
    pk, _, version = value.strip().partition(":")
    if not (pk.isdigit() and version.isdigit()) or len(pk) > 18 or len(version) > 18:
        return None
    return DayVersion(int(pk), int(version))


@contextmanager
def expecting_day_version(expected: DayVersion | None) -> Iterator[dict[int, int]]:
    """Writes inside check `expected`; yields the versions they leave (day pk → version)."""
    written: dict[int, int] = {}
    expected_token = _expected.set(expected)
    written_token = _written.set(written)
    try:
        yield written
    finally:
        _expected.reset(expected_token)
        _written.reset(written_token)


def _locked_day(day: int) -> Any:
    from plans.models import Day  # plans.models imports nothing from here; avoid the cycle

    return Day.objects.select_for_update().filter(pk=day)


# The lock every day write takes, compiled once (mgplanner/prepared.py); the first compile,
# like every call, happens inside the write's transaction, as select_for_update requires.
_LOCKED_DAY = PreparedQuery(_locked_day, day=int)


def day_version_check(*, day_pk: int) -> int:
    """Lock the day's row and return its version; StaleDayError if the sender expected another.

    Must run inside the write's transaction: the row lock makes two writes with the same
    version queue up, and the second then sees the first's version and is refused.
    """
    from plans.models import Day  # plans.models imports nothing from here; avoid the cycle

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("day_version_check runs inside the write's transaction.")
    found = _LOCKED_DAY(day=day_pk)
    if not found:
        raise Day.DoesNotExist(f"No day {day_pk} to write to.")
    current, day_date = found[0].version, found[0].date
    expected = _expected.get()
    if expected is not None and expected.day_pk == day_pk:
        written = _written.get() or {}
        wanted = written.get(day_pk, expected.version)
        if current != wanted:
            raise StaleDayError(day_pk=day_pk, day_date=day_date, expected=wanted, current=current)
    return current


def record_written(*, day_pk: int, version: int) -> None:
    written = _written.get()
    if written is not None:
        written[day_pk] = version


def day_version_input(day: object) -> Markup:
    """Jinja global: the hidden input a plain (no-JS) form sends with a write to `day`.
    The day page prints it in every form (~50): built once per day and version."""
    return _version_input(day.pk, day.version)  # type: ignore[attr-defined]


@lru_cache(maxsize=1024)
def _version_input(day_pk: int, version: int) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, f"{day_pk}:{version}")


def day_version_attr(day: object) -> Markup:
    """Jinja global: the attribute the day page's holder element carries for htmx writes."""
    return Markup(' data-day-version="{}"').format(f"{day.pk}:{day.version}")  # type: ignore[attr-defined]


def _conflict_response(request: HttpRequest, error: StaleDayError) -> HttpResponse:
    from plans.client_scope import plan_reverse

    reload_url = plan_reverse(request, "day", error.day_date.isoformat())
    response = render_page(
        request,
        "plans/conflict.html",
        {"message": CONFLICT_MESSAGE, "reload_url": reload_url},
        block="conflict",
        status=409,
    )
    if getattr(request, "htmx", False):
        # Whatever the form targeted, the prompt goes to the page's conflict region, so the
        # meals on screen (what the person saw) stay as they were.
        response["HX-Retarget"] = "#day-conflict"
        response["HX-Reswap"] = "innerHTML"
    return response


class DayVersionMiddleware:
    """Hold the version a write was sent with; answer a stale write with the 409 prompt."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        sent = request.headers.get(HEADER)
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent = request.POST.get(FIELD)
        expected = parse_day_version(sent)
        with expecting_day_version(expected) as written:
            response = self.get_response(request)
        # The version this write left, so the tab's next write sends it (day_version.js).
        if expected is not None and expected.day_pk in written:
            response[HEADER] = str(DayVersion(expected.day_pk, written[expected.day_pk]))
        elif expected is None and len(written) == 1:
            ((pk, version),) = written.items()
            response[HEADER] = str(DayVersion(pk, version))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, StaleDayError):
            return _conflict_response(request, exception)
        if isinstance(exception, Http404):
            stale = _stale_page(request)
            if stale is not None:
                return _conflict_response(request, stale)
        return None


def _stale_page(request: HttpRequest) -> StaleDayError | None:
    """A write that found nothing to change (a 404: the item or meal it names is gone) from a
    page of a day that changed since: most likely deleted in another tab, so the person gets
    the reload prompt, not a silent failure. Only for a day of a plan the user may see, so a
    posted day id reveals nothing about anyone else's."""
    from plans.models import Day, Plan

    expected = _expected.get()
    if expected is None:
        return None
    found = (
        Day.objects.filter(pk=expected.day_pk, plan__in=Plan.objects.visible_to(request.user))
        .values_list("version", "date")
        .first()
    )
    if found is None or found[0] == expected.version:
        return None
    return StaleDayError(
        day_pk=expected.day_pk, day_date=found[1], expected=expected.version, current=found[0]
    )
