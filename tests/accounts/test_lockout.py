"""Log-in throttling (django-axes): five wrong passwords for one email from one address lock
that pair for the cool-off time; the log-in page says so in plain words, status 429."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from accounts.lockout import lockout_message
from tests.factories import TEST_PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _throttle(settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def user():
    return ProfileFactory(user__email="ana@example.org").user


def test_wrong_passwords_below_the_limit_are_ordinary_form_errors(client, user) -> None:
    for _ in range(4):
        response = attempt(client, user.email, "wrong password")
        assert response.status_code == 422
        assert "paused" not in response.content.decode()
    response = attempt(client, user.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert get_user(client).is_authenticated


def test_five_failures_lock_and_the_right_password_is_then_refused(client, user) -> None:
    # Capitals in the email count against the same lock (the form lower-cases it).
    emails = [user.email, user.email.upper(), user.email, " Ana@Example.org", user.email]
    statuses = [attempt(client, email, "wrong password").status_code for email in emails]
    # The fifth failure reaches the limit: that answer already says the log-in is paused.
    assert statuses == [422, 422, 422, 422, 429]
    response = attempt(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert lockout_message(15).replace("'", "&#39;") in html
    assert 'class="error-summary"' in html
    # The form keeps the email typed, and the visitor is not logged in.
    assert 'value="ana@example.org"' in html
    assert not get_user(client).is_authenticated


def test_the_lock_is_per_email_and_address(client, user) -> None:
    for _ in range(5):
        attempt(client, user.email, "wrong password")
    other = ProfileFactory(user__email="ben@example.org").user
    assert attempt(client, other.email, TEST_PASSWORD).status_code == 302
    assert attempt(Client(), user.email, TEST_PASSWORD, ip="10.0.0.2").status_code == 302


def test_unlocked_after_the_cool_off(client, user, settings) -> None:
    for _ in range(5):
        attempt(client, user.email, "wrong password")
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 429
    # The cool-off has passed: axes counts only attempts newer than it.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_an_administrator_can_unlock_at_once(client, user) -> None:
    for _ in range(5):
        attempt(client, user.email, "wrong password")
    assert reset(username=user.email) == 1
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_axes_comes_first_and_argon2_stays(settings) -> None:
    from mgplanner import settings as project_settings

    assert project_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert project_settings.AXES_ENABLED is True


def test_a_password_reset_lifts_the_lock(client, user) -> None:
    import re

    from django.core import mail

    for _ in range(5):
        attempt(client, user.email, "wrong password")
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 429
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body)
    set_page = client.get(link.group(1), follow=True)
    new = "a new long passphrase 42"
    done = client.post(set_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert attempt(Client(), user.email, new).status_code == 302
