"""The session engine (SESSION_ENGINE): Django's database sessions in accounts.Session, a
row that names its user, so that one query loads the session and its signed-in user.

A signed-in request used to cost two queries before its view ran (the session, then the
user); now it costs one. The store hands the user it loaded to the log-in backend
(accounts/backends.py), where Django's get_user still checks the session's hash against
the user's password as always. Anonymous sessions load as Django loads them.
"""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from accounts.backends import session_user_forget, session_user_load


def _user_pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        session_user_forget()

    @classmethod
    def get_model_class(cls) -> type:
        from accounts.models import Session

        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session = super().create_model_instance(data)
        session.user_id = _user_pk(data.get(SESSION_KEY))
        return session

    def load(self) -> dict[str, Any]:
        if self.session_key is not None:
            data = session_user_load(self.session_key, timezone.now())
            if data is not None:
                return self.decode(data)
        return super().load()
