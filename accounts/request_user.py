"""The signed-in person of a request, typed as this project's User."""

from django.http import HttpRequest

from accounts.models import User


def request_user(request: HttpRequest) -> User:
    """`request.user` as an `accounts.models.User`.

    Only for views behind `login_required` / `profile_required` (or code they call): Django types
    `request.user` as `User | AnonymousUser`, and those decorators have already ruled out the
    anonymous visitor, so the cast lives here once instead of in every view module.
    """
    return request.user  # type: ignore[return-value]
