"""The log-in backend: Django's ModelBackend, loading a session's user with what every page
asks of them, in the same query as the session itself (accounts/sessions.py)."""

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from accounts.models import Profile, Session, User
from mgplanner.models import SiteStamp

# The dotted path a session records: sign-up and benchmarks log people in with it.
USER_BACKEND = "accounts.backends.UserBackend"

# The user the session store loaded with the current request's session, waiting for
# get_user. Every request makes a new session store, which clears it.
_session_user: ContextVar[User | None] = ContextVar("session_user", default=None)


@dataclass(frozen=True)
class _UserQuery:
    sql: str
    attnames: list[str]
    # Per column of the user's row: the database's and the field's converters, as the ORM
    # applies them (SQLite returns dates as text and booleans as integers).
    converters: list[tuple[list[Callable[..., Any]], Any]]


@lru_cache(maxsize=4)
def _user_query(vendor: str, *, by_session: bool) -> _UserQuery:
    """The user's row, whether they finished the profile wizard and the site stamp; by
    session key (then with the session's data) or by user id.

    Raw SQL on a plain cursor because this runs on every request of a signed-in person:
    the ORM's compilation of the same joins cost ~2.5 ms of CPU on the 2-core benchmark
    machine, a RawQuerySet ~0.6 ms, this ~0.05 ms. Names come from the models' metadata,
    never from input.
    """
    quote = connection.ops.quote_name
    users, profiles, stamps, sessions = (
        quote(model._meta.db_table) for model in (User, Profile, SiteStamp, Session)
    )
    fields = User._meta.concrete_fields
    profile_user = quote(Profile._meta.get_field("user").column)
    onboarded_at = quote(Profile._meta.get_field("onboarded_at").column)
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    site_stamp = f"(SELECT st.value FROM {stamps} st WHERE st.id = 1)"  # noqa: S608 # nosec B608
    columns += f", p.{onboarded_at} IS NOT NULL, {site_stamp}"
    with_profile = f"LEFT JOIN {profiles} p ON p.{profile_user} = u.id"
    if by_session:
        session_user = quote(Session._meta.get_field("user").column)
        sql = (
            f"SELECT {columns}, s.session_data "  # noqa: S608 # nosec B608
            f"FROM {sessions} s JOIN {users} u ON u.id = s.{session_user} {with_profile} "
            "WHERE s.session_key = %s AND s.expire_date > %s"
        )
    else:
        sql = f"SELECT {columns} FROM {users} u {with_profile} WHERE u.id = %s"  # noqa: S608 # nosec B608
    converters = []
    for field in fields:
        column = field.get_col(User._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((found, column))
    return _UserQuery(sql, [field.attname for field in fields], converters)


def _fetch_user(query: _UserQuery, params: Sequence[Any]) -> tuple[User, tuple] | None:
    """The user of the query's one row (with `onboarded` and `site_stamp`) and the row's
    columns after the user's, or None."""
    with connection.cursor() as cursor:
        cursor.execute(query.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    count = len(query.attnames)
    values = list(row[:count])
    for position, (converters, column) in enumerate(query.converters):
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    user = User.from_db(connection.alias, query.attnames, values)
    user.onboarded = bool(row[count])
    user.site_stamp = row[count + 1]
    return user, row[count + 2 :]


def session_user_load(session_key: str, now: datetime) -> str | None:
    """The encoded data of a live session with a signed-in user, or None (the session is
    unknown, expired or anonymous). The user is handed to get_user: the request needs
    no second query for them."""
    found = _fetch_user(_user_query(connection.vendor, by_session=True), [session_key, now])
    _session_user.set(found and found[0])
    return found and found[1][0]


def session_user_forget() -> None:
    """Nothing handed over: a new request (or session) starts here."""
    _session_user.set(None)


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The user of a session, carrying `onboarded` (`profile_required` asks on every
        page) and `site_stamp` (the page cache's key, mgplanner/page_cache.py): the one
        the session store loaded with the session, else from the database."""
        try:
            user_pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _session_user.get()
        _session_user.set(None)
        if user is None or user.pk != user_pk:
            found = _fetch_user(_user_query(connection.vendor, by_session=False), [user_pk])
            user = found and found[0]
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
