"""accounts/sessions.py: database sessions whose row names the user, loaded with that user
in one query, with Django's checks (password hash, active flag) unchanged."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client

from accounts.backends import USER_BACKEND, UserBackend
from accounts.models import Session
from accounts.sessions import SessionStore
from mgplanner.models import SiteStamp
from mgplanner.page_cache import site_stamp_bump
from tests.factories import TEST_PASSWORD, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = "/accounts/profile/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=USER_BACKEND)
    return client


def request_user(rf, client: Client):
    """The user Django's middleware makes of the client's session cookie."""
    request = rf.get("/")
    request.COOKIES["sessionid"] = client.cookies["sessionid"].value
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    AuthenticationMiddleware(lambda r: HttpResponse()).process_request(request)
    return request.user


def test_logging_in_records_the_user_on_the_session_row(client) -> None:
    user = UserFactory(email="ann@example.org")
    response = client.post(
        "/accounts/login/", {"username": "ann@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    assert session.user_id == user.pk
    assert session.get_decoded()[SESSION_KEY] == str(user.pk)


def test_a_signed_in_request_loads_session_user_profile_and_site_stamp_in_one_query(
    rf, django_assert_num_queries
) -> None:
    profile = ProfileFactory()
    client = logged_in(profile.user)
    site_stamp_bump()
    stamp = SiteStamp.objects.get().value
    with django_assert_num_queries(1):
        user = request_user(rf, client)
        assert user.pk == profile.user.pk
        assert user.onboarded is True
        assert user.site_stamp == stamp
        assert user.email == profile.user.email
        assert user.date_joined == profile.user.date_joined
        assert user.is_active is True


def test_a_user_without_a_finished_profile_is_not_onboarded(rf) -> None:
    user = ProfileFactory(onboarded_at=None).user
    assert request_user(rf, logged_in(user)).onboarded is False
    assert request_user(rf, logged_in(UserFactory())).onboarded is False


def test_a_password_changed_elsewhere_ends_this_session() -> None:
    profile = ProfileFactory()
    client = logged_in(profile.user)
    assert client.get(PROFILE_URL).status_code == 200
    profile.user.set_password("another horse battery staple")
    profile.user.save()
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_deactivated_user_is_signed_out(rf) -> None:
    profile = ProfileFactory()
    client = logged_in(profile.user)
    profile.user.is_active = False
    profile.user.save()
    assert not request_user(rf, client).is_authenticated


def test_logging_out_deletes_the_session_row() -> None:
    client = logged_in(ProfileFactory().user)
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()


def test_deleting_a_user_deletes_their_sessions_on_every_device(rf) -> None:
    user = ProfileFactory().user
    phone, laptop = logged_in(user), logged_in(user)
    other = logged_in(ProfileFactory().user)
    user.delete()
    assert not request_user(rf, phone).is_authenticated
    assert not request_user(rf, laptop).is_authenticated
    assert request_user(rf, other).is_authenticated
    assert Session.objects.count() == 1


def test_an_anonymous_session_keeps_its_data() -> None:
    store = SessionStore()
    store["next"] = "/plan/"
    store.save()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    assert SessionStore(store.session_key)["next"] == "/plan/"


def test_an_expired_session_is_anonymous(rf) -> None:
    client = logged_in(ProfileFactory().user)
    Session.objects.update(expire_date="2000-01-01T00:00:00Z")
    assert not request_user(rf, client).is_authenticated


def test_the_handed_over_user_serves_only_their_own_id(django_assert_num_queries) -> None:
    ann, bob = UserFactory(), UserFactory()
    client = logged_in(ann)
    SessionStore(client.cookies["sessionid"].value).load()  # hands Ann over
    with django_assert_num_queries(1):
        assert UserBackend().get_user(bob.pk) == bob


def test_the_hand_over_is_used_once_and_a_new_session_store_clears_it(
    django_assert_num_queries,
) -> None:
    ann = UserFactory()
    key = logged_in(ann).cookies["sessionid"].value
    SessionStore(key).load()
    with django_assert_num_queries(0):
        assert UserBackend().get_user(ann.pk) == ann
    with django_assert_num_queries(1):
        assert UserBackend().get_user(ann.pk) == ann
    SessionStore(key).load()
    SessionStore()  # the next request's store
    with django_assert_num_queries(1):
        assert UserBackend().get_user(ann.pk) == ann
