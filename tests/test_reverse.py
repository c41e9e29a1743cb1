from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from mgplanner.reverse import _cached, cached_reverse, script_prefix


def test_cached_reverse_answers_what_reverse_answers() -> None:
    assert cached_reverse("plans:meal_item_edit", 7) == reverse("plans:meal_item_edit", args=[7])
    assert cached_reverse("plans:day", "2026-01-02") == reverse("plans:day", args=["2026-01-02"])
    assert cached_reverse("health") == reverse("health")
    hits = _cached.cache_info().hits
    cached_reverse("plans:meal_item_edit", 7)
    assert _cached.cache_info().hits == hits + 1


def test_a_wrong_name_still_raises() -> None:
    with pytest.raises(NoReverseMatch):
        cached_reverse("plans:no_such_page", 1)


def test_changing_the_urlconf_clears_the_cache() -> None:
    cached_reverse("health")
    with override_settings(ROOT_URLCONF="mgplanner.urls"):
        assert _cached.cache_info().currsize == 0


@pytest.mark.django_db
def test_page_urls_follow_the_requests_script_prefix(settings, client) -> None:
    # Mounted below the site's root (SCRIPT_NAME), as a WSGI server passes it: the prefix is
    # read once a request (ScriptPrefixMiddleware) and every URL the page prints carries it.
    settings.ALLOWED_HOSTS = ["testserver"]
    login = reverse("accounts:login")
    assert f'action="{login}"' in client.get(login).content.decode()
    environ = {"PATH_INFO": "/accounts/login/", "SCRIPT_NAME": "/mg", "SERVER_NAME": "testserver"}
    setup_testing_defaults(environ)
    statuses: list[str] = []
    try:
        body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    finally:
        set_script_prefix("/")
    assert statuses == ["200 OK"]
    assert f'action="/mg{login}"' in body.decode()
    assert script_prefix() == "/"  # outside a request, Django's own again
    assert cached_reverse("health") == reverse("health")
