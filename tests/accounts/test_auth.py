import re

import pytest
from django.contrib.auth import get_user
from django.core import mail

from accounts.models import Profile, User
from accounts.services import DUPLICATE_EMAIL
from tests.factories import TEST_PASSWORD, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum orchard lantern 42"


@pytest.fixture(autouse=True)
def _production_hashing(settings) -> None:
    """These tests check how passwords are stored, so they use the real hashers."""
    from mgplanner import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def sign_up(client, email="ana@example.org", password=NEW_PASSWORD, again=None, name="Ana"):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": name,
            "password1": password,
            "password2": password if again is None else again,
        },
    )


def test_sign_up_creates_the_user_and_an_empty_profile_and_logs_in(client):
    response = sign_up(client, email="Ana@Example.org")

    user = User.objects.get()
    assert user.email == "ana@example.org"
    assert user.display_name == "Ana"
    assert not user.is_dietitian
    assert not user.is_staff
    profile = Profile.objects.get(user=user)
    assert profile.date_of_birth is None
    assert profile.onboarded_at is None
    assert get_user(client).pk == user.pk
    # Next stop: the profile wizard.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/about/"


def test_new_password_is_hashed_with_argon2(client):
    sign_up(client)
    user = User.objects.get()
    assert user.password.startswith("argon2")
    assert user.check_password(NEW_PASSWORD)


def test_duplicate_email_is_422_with_the_field_error_and_creates_nothing(client):
    UserFactory(email="ana@example.org")

    response = sign_up(client, email="ANA@example.org")

    assert response.status_code == 422
    html = response.content.decode()
    assert "An account with this email address already exists" in html
    assert 'id="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1
    assert Profile.objects.count() == 0
    assert not get_user(client).is_authenticated


def test_sign_up_with_differing_passwords_is_422(client):
    response = sign_up(client, again="something else entirely 9")

    assert response.status_code == 422
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_applies_djangos_password_validators(client):
    response = sign_up(client, password="abc123")

    assert response.status_code == 422
    html = response.content.decode()
    assert "This password is too common." in html
    assert "This password is too short." in html
    assert not User.objects.exists()


def test_service_rejects_a_weak_password_and_a_bad_email_together():
    from django.core.exceptions import ValidationError

    from accounts.services import user_sign_up

    with pytest.raises(ValidationError) as caught:
        user_sign_up(email="not-an-address", password="12345678", display_name="X")
    assert set(caught.value.message_dict) == {"email", "password"}
    assert "This password is entirely numeric." in caught.value.message_dict["password"]
    assert not User.objects.exists()


def test_duplicate_email_message_comes_from_the_service():
    from django.core.exceptions import ValidationError

    from accounts.services import user_sign_up

    UserFactory(email="bo@example.org")
    with pytest.raises(ValidationError) as caught:
        user_sign_up(email="Bo@example.org", password=NEW_PASSWORD, display_name="")
    assert caught.value.message_dict["email"] == [DUPLICATE_EMAIL]


def test_log_in_by_email_in_any_case_and_land_on_the_plan(client):
    ProfileFactory(user__email="cy@example.org")

    response = client.post(
        "/accounts/login/", {"username": "CY@example.org", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/plan/"
    assert get_user(client).email == "cy@example.org"
    # Already logged in, the log-in page sends there too.
    assert client.get("/accounts/login/")["Location"] == "/plan/"


def test_a_dietitian_logs_in_to_their_clients(client):
    ProfileFactory(user__email="di@example.org", user__is_dietitian=True)
    login = {"username": "di@example.org", "password": TEST_PASSWORD}
    assert client.post("/accounts/login/", login)["Location"] == "/clients/"


def test_log_in_honours_a_safe_next_and_ignores_another_site(client):
    ProfileFactory(user__email="cy@example.org")
    login = {"username": "cy@example.org", "password": TEST_PASSWORD}

    response = client.post("/accounts/login/?next=/foods/", login)
    assert response["Location"] == "/foods/"

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/?next=https://evil.example/", login)
    assert response["Location"] == "/plan/"


def test_first_log_in_without_a_profile_goes_to_the_wizard(client):
    # As for an account made with createsuperuser or in the admin.
    UserFactory(email="admin@example.org", is_staff=True)

    response = client.post(
        "/accounts/login/", {"username": "admin@example.org", "password": TEST_PASSWORD}
    )

    assert response["Location"] == "/accounts/profile/about/?next=%2Fplan%2F"


def test_wrong_password_is_422_with_a_clear_message(client):
    UserFactory(email="dee@example.org")

    response = client.post(
        "/accounts/login/", {"username": "dee@example.org", "password": "not the password"}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "That email and password do not match an account." in html
    assert "The password is case-sensitive." in html
    assert "both fields may be case-sensitive" not in html  # the email is not: it is lower-cased
    assert not get_user(client).is_authenticated


def test_log_out_is_post_only(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get("/accounts/logout/").status_code == 405
    assert get_user(client).is_authenticated

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_header_offers_log_in_and_sign_up_when_logged_out(client):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert "Log out" not in html


def test_header_links_the_name_to_the_profile_and_logs_out_by_post(client):
    client.force_login(UserFactory(display_name="Eve Example"))

    html = client.get("/").content.decode()

    assert '<a class="nav-user" href="/accounts/profile/">Eve Example</a>' in html
    assert re.search(r'<form class="nav-logout" method="post" action="/accounts/logout/">', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'href="/accounts/signup/"' not in html


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)

    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert "Your old password was entered incorrectly." in wrong.content.decode()

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2")
    # The session survives the change.
    assert get_user(client).is_authenticated


def test_password_change_needs_a_log_in(client):
    response = client.get("/accounts/password/change/")
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/"


def test_password_reset_end_to_end(client):
    user = UserFactory(email="fay@example.org", display_name="Fay")

    response = client.post("/accounts/password/reset/", {"email": "FAY@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["fay@example.org"]
    assert email.subject == "Set a new mgplanner password"
    assert "Hello Fay," in email.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", email.body)
    assert link is not None

    # Django swaps the token for a session key, so the token never sits in a Referer.
    set_password_page = client.get(link.group(1))
    assert set_password_page.status_code == 302
    form_url = set_password_page["Location"]
    assert form_url.endswith("/set-password/")
    assert "Set a new password" in client.get(form_url).content.decode()

    mismatch = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": "another one 77"}
    )
    assert mismatch.status_code == 422

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2")

    # One time only: the token depends on the password hash, which just changed.
    reused = client.get(link.group(1), follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_reset_with_a_malformed_address_is_422(client):
    response = client.post("/accounts/password/reset/", {"email": "not an address"})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()
