"""The log-in backend: Django's ModelBackend, loading a session's user with what every page
asks of them in one query."""

from functools import lru_cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from accounts.models import Profile, User
from mgplanner.models import SiteStamp

# The dotted path a session records: sign-up and benchmarks log people in with it.
USER_BACKEND = "accounts.backends.UserBackend"


@lru_cache(maxsize=2)
def _user_sql(vendor: str) -> str:
    """The user's row, whether they finished the profile wizard, and the site stamp.

    Raw SQL because this runs on every request of a signed-in person: the ORM's query
    compilation for the same join and subquery costs ~2.5 ms of CPU on the 2-core benchmark
    machine, the raw query 0.45 ms. Names come from the models' metadata, never from input.
    """
    quote = connection.ops.quote_name
    users, profiles, stamps = (quote(model._meta.db_table) for model in (User, Profile, SiteStamp))
    profile_user = quote(Profile._meta.get_field("user").column)
    onboarded_at = quote(Profile._meta.get_field("onboarded_at").column)
    # Names from model metadata, the id a bound parameter.
    return (
        f"SELECT u.*, p.{onboarded_at} IS NOT NULL AS onboarded, "  # noqa: S608 # nosec B608
        f"(SELECT s.value FROM {stamps} s WHERE s.id = 1) AS site_stamp "
        f"FROM {users} u LEFT JOIN {profiles} p ON p.{profile_user} = u.id WHERE u.id = %s"
    )


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The user of a session, carrying `onboarded` (`profile_required` asks on every
        page) and `site_stamp` (the page cache's key, mgplanner/page_cache.py)."""
        try:
            user_pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = next(iter(User.objects.raw(_user_sql(connection.vendor), [user_pk])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        user.onboarded = bool(user.onboarded)
        return user
