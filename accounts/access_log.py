"""The access log a client sees: which of their dietitians looked at or changed their data.

Changes are recorded by the service that makes them, inside its transaction
(`access_change_record`): the change and its row commit or roll back together, so a crash
between the two cannot lose the row, and a refused write (a 422, a stale day) leaves none.
Views are recorded by the view (`access_view_record`), once per page load.

The path shown on a change travels in a context variable that `AccessPathMiddleware` sets
for each request, as the day version does (plans/concurrency.py): the services know who
acted (their `editor`), not which URL the dietitian used, and threading a `path=` keyword
through every client-scoped service and view would be forgettable. Outside a request
(commands, services called directly) the path is empty.
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from accounts.models import AccessAction, AccessLog, User
from accounts.request_user import request_user

_request_path: ContextVar[str] = ContextVar("access_log_request_path", default="")


class AccessPathMiddleware:
    """Holds the request's path for the access-log rows its services write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_path.set(request.get_full_path())
        try:
            return self.get_response(request)
        finally:
            _request_path.reset(token)


def _row(*, dietitian: User, client_id: int, action: str, path: str, detail: str) -> AccessLog:
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}.")
    entry = AccessLog(
        dietitian=dietitian,
        client_id=client_id,
        action=action,
        path=path[:500],
        detail=detail[:255],
    )
    entry.save()
    return entry


def access_change_record(
    *,
    editor: User | None,
    client_id: int,
    detail: str = "",
    action: str = AccessAction.EDIT,
) -> AccessLog | None:
    """Log `editor`'s change to client `client_id`'s data, in the change's own transaction.

    Nothing for a person's own data (or a change without an editor, e.g. a command).
    Called outside a transaction it raises: the row must roll back with the change.
    """
    if editor is None or editor.pk == client_id:
        return None
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("access_change_record runs inside the service's transaction.")
    return _row(
        dietitian=editor,
        client_id=client_id,
        action=action,
        path=_request_path.get(),
        detail=detail,
    )


def is_page_load(request: HttpRequest) -> bool:
    """A whole page, not an htmx fragment of one.

    A view row is written per page load: the fragments a page fetches while it is open
    (each keystroke in the food picker, an edit form, a results list) show the same
    client's data the page load already logged, and one row per keystroke buried the
    client's log. Skipping fragments, rather than de-duplicating by time, keeps the rule
    exact and costs no query: a boosted navigation and an htmx history restore fetch a
    whole page, so they count as page loads.
    """
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return True
    return bool(htmx.boosted or htmx.history_restore_request)


def access_view_record(
    request: HttpRequest,
    *,
    client: User,
    detail: str = "",
    action: str = AccessAction.VIEW,
) -> AccessLog | None:
    """Log a dietitian's look at a client's data: one row per page load (`is_page_load`)."""
    dietitian = request_user(request)
    if dietitian.pk == client.pk or not is_page_load(request):
        return None
    return _row(
        dietitian=dietitian,
        client_id=client.pk,
        action=action,
        path=request.get_full_path(),
        detail=detail,
    )
