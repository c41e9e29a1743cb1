"""Whose plan a planner request works on: the user's own, or a linked client's.

The date-addressed planner views take an optional `client_id` (the /clients/<id>/...
URLs); the pk-addressed ones find the plan through `Plan.objects.visible_to`, which
already admits a linked dietitian. Both end here, which records the client on the
request (so pages, redirects and links stay in the client's plan) and, for a page load,
writes the "view" row of the access log the client sees. A write's "edit" row is written
by the service that makes the change, in its transaction (accounts/access_log.py).
"""

from typing import Any

from django.http import Http404, HttpRequest
from jinja2 import pass_context

from accounts.access_log import access_view_record
from accounts.models import User
from accounts.request_user import request_user
from accounts.selectors import client_get_for, link_get_for
from mgplanner.reverse import cached_reverse


def plan_client(request: HttpRequest) -> User | None:
    """The client whose plan this request works on, or None for the user's own plan."""
    return getattr(request, "plan_client", None)


def plan_owner(request: HttpRequest) -> User:
    """The owner of the plan this request works on."""
    return plan_client(request) or request_user(request)


def _enter(request: HttpRequest, client: User) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        request.plan_client = client  # type: ignore[attr-defined]
        access_view_record(request, client=client)
        return
    link = link_get_for(dietitian=request_user(request), client=client)
    if link is None or not link.can_edit_plans:
        raise Http404("No such plan.")
    request.plan_client = client  # type: ignore[attr-defined]


def scope_to_client(request: HttpRequest, client_id: int | None) -> User:
    """The plan owner for a date-addressed view: the client (404 unless linked) or the user."""
    if client_id is None:
        return request_user(request)
    client = client_get_for(dietitian=request_user(request), pk=client_id)
    _enter(request, client)
    return client


def scope_to_plan(request: HttpRequest, plan: Any) -> User:
    """The plan owner for an object fetched through `Plan.objects.visible_to`."""
    if plan.owner_id == request.user.pk:
        return request_user(request)
    client = User.objects.get(pk=plan.owner_id)
    _enter(request, client)
    return client


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
