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

Two refinements, so that the person loses nothing to a change that does not touch what they
did: a write whose only possible conflict is with its own field checks that field instead
(`day_version_waived`; the day's notes, plans.services.day_notes_update), and an htmx read
that opens a form on an item, meal or dose deleted meanwhile gets the same prompt as a write
(`DayVersionMiddleware.process_exception`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from markupsafe import Markup

from mgplanner.prepared import PreparedQuery
from mgplanner.rendering import render_page
from mgplanner.reverse import cached_reverse

HEADER = "X-Day-Version"
FIELD = "day_version"


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


class NotesChangedError(Exception):
    """The day's notes were saved elsewhere since the page that sent these was rendered."""

    def __init__(self, *, stored: str) -> None:
        super().__init__("the day's notes changed since the page was rendered")
        self.stored = stored


_expected: ContextVar[DayVersion | None] = ContextVar("expected_day_version", default=None)
# Versions this request itself wrote: a request that makes several writes to the day (fill
# accept, a suggestion with two steps) compares each against its own previous one.
_written: ContextVar[dict[int, int] | None] = ContextVar("written_day_versions", default=None)
# Inside `day_version_waived`: the days whose page turned out to be behind (else None).
_waived: ContextVar[set[int] | None] = ContextVar("waived_day_versions", default=None)


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
            behind = _waived.get()
            if behind is None:
                raise StaleDayError(
                    day_pk=day_pk, day_date=day_date, expected=wanted, current=current
                )
            behind.add(day_pk)
    return current


def record_written(*, day_pk: int, version: int) -> None:
    written = _written.get()
    behind = _waived.get() or set()
    # A page that missed another tab's change is not handed the version this write left:
    # its next ordinary write must still be refused (the change it missed is not on it).
    if written is not None and day_pk not in behind:
        written[day_pk] = version


@contextmanager
def day_version_waived() -> Iterator[None]:
    """Writes inside are not refused because the page missed another change to the day.

    For a write whose only possible conflict is another edit of the same field, which its
    service checks itself: the day's notes, one text that a meal added in another tab does
    not touch (refusing them cost the person what they had typed). The write still bumps
    the version, so the other tabs see their own staleness.
    """
    token = _waived.set(set())
    try:
        yield
    finally:
        _waived.reset(token)


def same_text(first: str, second: str) -> bool:
    """Equal as the person reads them. A textarea's line breaks arrive as CRLF from a plain
    form and as LF from htmx (FormData), and the page echoes whichever was stored."""

    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    return normal(first) == normal(second)


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


def _conflict_response(request: HttpRequest, reload_url: str) -> HttpResponse:
    # A refused write says so; a form that could not be opened (`_opened_gone`) saved nothing.
    read = request.method in ("GET", "HEAD")
    heading = "This day has changed" if read else "Your change was not saved"
    from plans.client_scope import changed_elsewhere

    message = f"This day was changed {changed_elsewhere(request)} — reload to see the latest."
    response = render_page(
        request,
        "plans/conflict.html",
        {"message": message, "reload_url": reload_url, "heading": heading},
        block="conflict",
        status=409,
    )
    if getattr(request, "htmx", False):
        # Whatever the form targeted, the prompt goes to the page's conflict region, so the
        # meals on screen (what the person saw) stay as they were.
        response["HX-Retarget"] = "#day-conflict"
        response["HX-Reswap"] = "innerHTML"
    return response


def _day_url(request: HttpRequest, *, on: date, owner_id: int) -> str:
    """The day page of `owner_id`'s plan: the user's own, or a client's under /clients/.
    Taken from the day itself: a 404 is raised before the view scoped the request."""
    if owner_id == request.user.pk:
        return cached_reverse("plans:day", on.isoformat())
    return cached_reverse("clients:day", owner_id, on.isoformat())


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
        from plans.client_scope import plan_reverse

        if isinstance(exception, StaleDayError):
            # Raised by a write the view has scoped (plan_client is set).
            return _conflict_response(
                request, plan_reverse(request, "day", exception.day_date.isoformat())
            )
        if isinstance(exception, Http404) and not getattr(request, "refused_for_rights", False):
            gone = _stale_page(request) or _opened_gone(request)
            if gone is not None:
                return _conflict_response(request, _day_url(request, on=gone[0], owner_id=gone[1]))
        return None


def _stale_page(request: HttpRequest) -> tuple[date, int] | None:
    """A write that found nothing to change, or an htmx read that found nothing to open (a
    404: the item or meal it names is gone), from a page of a day that changed since: most
    likely deleted or replaced (a day copy, a template) in another tab, so the person gets
    the reload prompt, not a silent failure. Only for a day of a plan the user may see, so a
    sent day id reveals nothing about anyone else's. The day's date and owner, or None.

    A write's version is the one DayVersionMiddleware holds; an htmx read sends the page's
    in the same header (day_version.js) and nothing else looks at it."""
    from plans.models import Day, Plan

    expected = _expected.get()
    if expected is None and request.method in ("GET", "HEAD") and getattr(request, "htmx", False):
        expected = parse_day_version(request.headers.get(HEADER))
    if expected is None:
        return None
    found = (
        Day.objects.filter(pk=expected.day_pk, plan__in=Plan.objects.visible_to(request.user))
        .values_list("version", "date", "plan__owner_id")
        .first()
    )
    if found is None or found[0] == expected.version:
        return None
    return found[1], found[2]


def _deleted_item(pk: int, plans: Any) -> Any:
    from plans.models import MealItem

    return (
        MealItem.objects.filter(pk=pk, meal__day__plan__in=plans)
        .filter(Q(deleted_at__isnull=False) | Q(meal__deleted_at__isnull=False))
        .values_list("meal__day__date", "meal__day__plan__owner_id")
    )


def _deleted_meal(pk: int, plans: Any) -> Any:
    from plans.models import Meal

    return Meal.all_objects.filter(
        pk=pk, day__plan__in=plans, deleted_at__isnull=False
    ).values_list("day__date", "day__plan__owner_id")


def _deleted_dose(pk: int, plans: Any) -> Any:
    from plans.models import SupplementDose

    return SupplementDose.objects.filter(
        pk=pk, day__plan__in=plans, deleted_at__isnull=False
    ).values_list("day__date", "day__plan__owner_id")


# The htmx reads that open a form on one object of the day page, by URL name, with how to
# find that object once deleted (a delete is soft, kept for Undo: the row still says which
# day it was on). Each view answers a deleted object with a 404 (its `*_get_for`). Rows a
# copy or template replaced are gone for good: the version the read sent finds those
# (`_stale_page`); this also serves a read from a page whose version is already current.
_OPENS_A_FORM: dict[str, Callable[[int, Any], Any]] = {
    "plans:meal_item_edit": _deleted_item,
    "plans:food_picker": _deleted_meal,
    "plans:food_amount_form": _deleted_meal,
    "plans:supplement_dose_edit": _deleted_dose,
}


def _opened_gone(request: HttpRequest) -> tuple[date, int] | None:
    """An htmx read opening a form ("Edit", a meal's food picker) on an object deleted in
    another tab or by the dietitian: the page shows a day that has changed, so the person
    gets the reload prompt instead of a click that does nothing (htmx swaps no 404).

    A read sends no version, so the object's own row decides: deleted, on a day of a plan
    the user may see. Anything else stays a 404: an object of someone else's plan (so the
    answer reveals nothing), a day or plan gone with it, or an ended link, which
    ClientAccessMiddleware then answers. The day's date and owner, or None.
    """
    from plans.models import Plan

    if request.method not in ("GET", "HEAD") or not getattr(request, "htmx", False):
        return None
    match = request.resolver_match
    find = _OPENS_A_FORM.get(match.view_name) if match is not None else None
    pk = match.kwargs.get("pk") if match is not None else None
    if find is None or not isinstance(pk, int):
        return None
    found = find(pk, Plan.objects.visible_to(request.user)).first()
    return (found[0], found[1]) if found is not None else None
