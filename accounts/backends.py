"""The log-in backend: Django's ModelBackend, loading the signed-in user with what every
page asks of them in the same query."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from accounts.models import User
from mgplanner.models import SiteStamp

# The dotted path a session records: sign-up and benchmarks log people in with it.
USER_BACKEND = "accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The user of a session, with their profile (`profile_required` asks on every page)
        and the site stamp (the page cache's key, mgplanner/page_cache.py): one query."""
        user = (
            User.objects.select_related("profile")
            .annotate(site_stamp=Subquery(SiteStamp.objects.filter(pk=1).values("value")[:1]))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
