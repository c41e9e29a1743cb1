"""Whose plan a planner request works on: the user's own, or a linked client's.

The date-addressed planner views take an optional `client_id` (the /clients/<id>/...
URLs); the pk-addressed ones find the plan through `Plan.objects.visible_to`, which
already admits a linked dietitian. Both end here, which records the client on the
request (so pages, redirects and links stay in the client's plan) and, for a page load,
writes the "view" row of the access log the client sees. A write's "edit" row is written
by the service that makes the change, in its transaction (accounts/access_log.py).

The pk-addressed ones also learn here whether the planner still takes the object's day
(`scope_to_day`): a date of birth corrected later can leave planned days before the
first birthday, which their date-addressed views already refuse.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from jinja2 import pass_context

from accounts.access_log import access_view_record
from accounts.models import DietitianLink, Profile, User
from accounts.request_user import request_user
from accounts.selectors import client_get_for, clients_of, link_get_for, profile_for
from mgplanner.rendering import render_page
from mgplanner.reverse import cached_reverse, resolve_path
from plans.models import Day
from plans.selectors import day_date_error


def plan_client(request: HttpRequest) -> User | None:
    """The client whose plan this request works on, or None for the user's own plan."""
    return getattr(request, "plan_client", None)


def plan_owner(request: HttpRequest) -> User:
    """The owner of the plan this request works on."""
    return plan_client(request) or request_user(request)


def _plan_link(request: HttpRequest, client: User) -> DietitianLink | None:
    """The dietitian's active link with `client`, read once per request."""
    if not hasattr(request, "plan_link"):
        link = link_get_for(dietitian=request_user(request), client=client)
        request.plan_link = link  # type: ignore[attr-defined]
    return request.plan_link  # type: ignore[attr-defined]


def plan_read_only(request: HttpRequest) -> bool:
    """True when a dietitian works on a client's plan that the client has not allowed them
    to edit: the pages then hide their write controls (every write would be a 404)."""
    client = plan_client(request)
    if client is None:
        return False
    link = _plan_link(request, client)
    return link is None or not link.can_edit_plans


@pass_context
def plan_read_only_global(context: Any) -> bool:
    """Jinja global `plan_read_only()`: for every template and block rendered alone, which
    all get `request` (mgplanner/rendering.py), without each view passing a flag."""
    request = context.get("request")
    return request is not None and plan_read_only(request)


@pass_context
def plan_whose(context: Any, capital: bool = False) -> str:
    """Jinja global: "your" on a person's own plan, "Ana's" when a dietitian reads a
    client's ("effective of {{ plan_whose() }} 320 mg target")."""
    request = context.get("request")
    client = plan_client(request) if request is not None else None
    if client is None:
        return "Your" if capital else "your"
    return f"{client.name}'s"


def changed_elsewhere(request: HttpRequest | None) -> str:
    """Where else a day may have changed, in its reader's words: "in another tab or by your
    dietitian" on a person's own plan, "in another tab, by Ana or by another dietitian" on
    a client's (a dietitian was told "by your dietitian")."""
    client = plan_client(request) if request is not None else None
    if client is None:
        return "in another tab or by your dietitian"
    return f"in another tab, by {client.name} or by another dietitian"


@pass_context
def changed_elsewhere_global(context: Any) -> str:
    """Jinja global `changed_elsewhere()` (the notes' "Not saved" line)."""
    return changed_elsewhere(context.get("request"))


def _enter(request: HttpRequest, client: User, *, planning: bool = False) -> None:
    request.planning = planning  # type: ignore[attr-defined]
    if request.method in ("GET", "HEAD", "OPTIONS") and not planning:
        request.plan_client = client  # type: ignore[attr-defined]
        access_view_record(request, client=client)
        return
    link = _plan_link(request, client)
    if link is None or not link.can_edit_plans:
        # Said so by ClientAccessMiddleware ("… has not allowed you to edit …"); the stale
        # page check (plans.concurrency) must not answer it as "This day has changed".
        request.refused_for_rights = True  # type: ignore[attr-defined]
        raise Http404("No such plan.")
    request.plan_client = client  # type: ignore[attr-defined]


def plan_profile(request: HttpRequest) -> Profile:
    """The plan owner's profile, read once per request: a pk-addressed write checks its
    day's date against it (`scope_to_day`) and then scores the day it redraws with it, one
    query where two were (an item added is the planner's commonest write)."""
    owner = plan_owner(request)
    profile: Profile | None = getattr(request, "plan_profile", None)
    if profile is None or profile.user_id != owner.pk:
        profile = profile_for(user=owner)
        request.plan_profile = profile  # type: ignore[attr-defined]
    return profile


def scope_to_client(request: HttpRequest, client_id: int | None) -> User:
    """The plan owner for a date-addressed view: the client (404 unless linked) or the user."""
    if client_id is None:
        return request_user(request)
    client = client_get_for(dietitian=request_user(request), pk=client_id)
    _enter(request, client)
    return client


def _scope_to_plan(request: HttpRequest, plan: Any, *, planning: bool) -> User:
    if plan.owner_id == request.user.pk:
        return request_user(request)
    client = User.objects.get(pk=plan.owner_id)
    _enter(request, client, planning=planning)
    return client


class DayOutsidePlanError(Exception):
    """A write addressed by id (a meal, an item, a dose, a recipe in a meal) to a day the
    planner does not take: `ClientAccessMiddleware` answers it as the date-addressed
    writes answer theirs (`date_problem_response`), before anything is written."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def scope_to_day(request: HttpRequest, day: Day, *, planning: bool = False) -> User:
    """The plan owner for an object of `day`, fetched through `Plan.objects.visible_to`.

    `planning`: a read that only serves a write (a food picker's results, an edit form),
    which a read-only link gets as a 404, as it would the write.

    The day must be one the planner takes (`day_date_error`): a date of birth corrected
    after planning can leave days before the first birthday, whose page is a 404 and
    whose date-addressed writes are refused. Their objects' URLs are refused alike, here
    where every pk-addressed view starts rather than in each: a read (an edit form, the
    meal's tools) is the day's 404, a write (Undo included) raises DayOutsidePlanError.
    """
    owner = _scope_to_plan(request, day.plan, planning=planning)
    problem = day_date_error(
        profile=plan_profile(request), on=day.date, viewer=request_user(request)
    )
    if problem is None:
        return owner
    if request.method in ("GET", "HEAD", "OPTIONS"):
        raise Http404("That day is outside your plan.")
    raise DayOutsidePlanError(problem)


def date_problem_response(request: HttpRequest, problem: str) -> HttpResponse:
    """422 for a write to a day outside the plan, saying why; nothing was written.

    With htmx the box goes to the page's conflict region, as the 409 prompt does: whatever
    the form targeted (a meal, the supplement panel) stays on screen as it was, so the
    out-of-band parts and focus targets of later swaps still find their places."""
    response = render_page(
        request, "plans/day.html", {"date_problem": problem}, block="date_problem", status=422
    )
    if getattr(request, "htmx", False):
        response["HX-Retarget"] = "#day-conflict"
        response["HX-Reswap"] = "innerHTML"
    return response


def plan_reverse(request: HttpRequest | None, name: str, *args: Any) -> str:
    """The URL of planner page `name` in the plan this request works on."""
    client = plan_client(request) if request is not None else None
    if client is not None:
        return cached_reverse(f"clients:{name}", client.pk, *args)
    return cached_reverse(f"plans:{name}", *args)


@pass_context
def plan_url(context: Any, name: str, *args: Any) -> str:
    """Jinja global: `plan_url('day', on)` is /plan/day/... or /clients/<id>/day/..."""
    return plan_reverse(context.get("request"), name, *args)


# ---------------------------------------------------------------- access ended under an open page

ACCESS_ENDED_MESSAGE = "Your access to this client's plan has ended."


def _page_of(request: HttpRequest) -> str | None:
    """The path of the page a request was sent from: htmx says it (HX-Current-URL); a plain
    form post of this site's says it in its Referer."""
    if getattr(request, "htmx", False):
        return request.htmx.current_url_abs_path  # type: ignore[attr-defined]
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc != request.get_host() or not referer.path:
        return None
    return referer.path


def _client_id_of_page(request: HttpRequest, page: str | None) -> int | None:
    """The client a request works for: its own URL's client id, else that of the page that
    sent it (`page`), since the planner's pk-addressed URLs (/plan/items/7/...) carry none."""
    match = request.resolver_match
    if match is not None and isinstance(match.kwargs.get("client_id"), int):
        return int(match.kwargs["client_id"])
    found = resolve_path(page) if page else None
    value = found.kwargs.get("client_id") if found is not None else None
    return value if isinstance(value, int) else None


def _warn_once(request: HttpRequest, message: str) -> None:
    """Queue `message` for the next page unless it is already waiting there.

    A page fires several htmx requests (the score, a burst of clicks) before the first
    HX-Redirect lands, and each one hits the ended link: adding the message every time
    left one copy per request on the client list (QA counted 14). The 404 page this answer
    replaces may have listed the waiting messages, which marks them shown and would drop
    them; that page is never shown, so they are kept (Django's documented `used = False`).
    """
    storage = messages.get_messages(request)
    storage.used = False
    # `in` looks at the earlier requests' messages and this one's, without marking them used.
    if Message(messages.WARNING, message) not in storage:
        messages.warning(request, message)


def _plans(request: HttpRequest) -> bool:
    """A write, or a read that only serves one (`scope_to_day(planning=True)`: an edit
    form, the food picker), which a read-only link is refused alike."""
    return request.method not in ("GET", "HEAD", "OPTIONS") or getattr(request, "planning", False)


class ClientAccessMiddleware:
    """An htmx request from an open page of a client's plan that the dietitian may no longer
    use answers a 404 the page acts on: htmx swaps no 4xx (base.html's responseHandling), so
    a bare 404 left the click doing nothing. HX-Redirect works whatever the status: to the
    client list when the access has ended ("Your access to this client's plan has ended"),
    or back to the page, now read-only, when the client withdrew the right to edit.
    Without JavaScript, a form posted from such a page (its Referer, this site's) is
    redirected the same way with the same message, instead of a bare "Page not found"; a
    GET without JavaScript (an address typed, a link followed) stays a 404.

    It looks only at 404s already decided by the views, so it grants nothing; the message
    names no client unless the dietitian is still linked, so it reveals nothing either.

    It also answers a write refused by `scope_to_day` (DayOutsidePlanError) with the 422
    the date-addressed writes give for such a day.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or not request.user.is_authenticated:
            return response
        htmx = bool(getattr(request, "htmx", False))
        if not htmx and request.method != "POST":
            return response
        page = _page_of(request)
        if not htmx and page is None:
            return response
        client_id = _client_id_of_page(request, page)
        user = request_user(request)
        if client_id is None or client_id == user.pk:
            return response
        client = clients_of(user).filter(pk=client_id).first()
        link = link_get_for(dietitian=user, client=client) if client is not None else None
        if client is None or link is None:
            message = ACCESS_ENDED_MESSAGE
            url = reverse("clients:list" if user.is_dietitian else "plans:home")
        elif _plans(request) and not link.can_edit_plans:
            message = f"{client.name} has not allowed you to edit their plan."
            url = urlsplit(page).path if page else reverse("clients:home", args=[client.pk])
        else:
            # Linked and allowed: a genuine 404 (say, an item deleted in another tab).
            return response
        _warn_once(request, message)
        if not htmx:
            return HttpResponseRedirect(url)
        answer = HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
        answer["HX-Redirect"] = url
        return answer

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DayOutsidePlanError):
            return date_problem_response(request, exception.problem)
        return None
