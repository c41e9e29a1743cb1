"""A burst of htmx requests from an open client page after the access ended (or edits were
withdrawn) leaves one copy of the message, not one per request (ClientAccessMiddleware)."""

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DietitianLink
from plans import services
from plans.client_scope import ACCESS_ENDED_MESSAGE
from tests.factories import DietitianLinkFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleo_day():
    """Cleo's day today, with its meals, and her dietitian logged in."""
    cleo = ProfileFactory(user__display_name="Cleo").user
    link = DietitianLinkFactory(client=cleo)
    day = services.day_get_or_create(user=cleo, on=timezone.localdate(), editor=cleo)
    http = Client()
    http.force_login(link.dietitian)
    return http, cleo, day


def _burst(http: Client, cleo, day, count: int) -> None:
    day_url = reverse("clients:day", args=[cleo.pk, day.date.isoformat()])
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{day_url}"}
    meal = day.meals.first()
    for n in range(count):
        response = http.post(
            reverse("plans:meal_rename", args=[meal.pk]),
            {f"meal-{meal.pk}-name": f"X{n}"},
            **headers,
        )
        assert response.status_code == 404
        assert "HX-Redirect" in response


# With DEBUG (`make run`) the 404 is Django's technical page, which leaves the waiting
# messages alone; without it, the app's 404 page lists them (and the answer replaces it).
@pytest.mark.parametrize("debug", [True, False])
def test_the_access_ended_message_is_shown_once_after_a_burst(cleo_day, settings, debug) -> None:
    settings.DEBUG = debug
    http, cleo, day = cleo_day
    DietitianLink.objects.filter(client=cleo).update(revoked_at=timezone.now())
    _burst(http, cleo, day, 14)
    page = html.unescape(http.get(reverse("clients:list")).content.decode())
    assert page.count(ACCESS_ENDED_MESSAGE) == 1
    # Shown, it is gone; the next ended request brings it back once.
    page = html.unescape(http.get(reverse("clients:list")).content.decode())
    assert ACCESS_ENDED_MESSAGE not in page
    _burst(http, cleo, day, 2)
    page = html.unescape(http.get(reverse("clients:list")).content.decode())
    assert page.count(ACCESS_ENDED_MESSAGE) == 1


@pytest.mark.parametrize("debug", [True, False])
def test_the_edits_withdrawn_message_is_shown_once_after_a_burst(cleo_day, settings, debug) -> None:
    settings.DEBUG = debug
    http, cleo, day = cleo_day
    DietitianLink.objects.filter(client=cleo).update(can_edit_plans=False)
    _burst(http, cleo, day, 5)
    page = html.unescape(
        http.get(reverse("clients:day", args=[cleo.pk, day.date.isoformat()])).content.decode()
    )
    flashed = 'role="status">Cleo has not allowed you to edit their plan.</p>'
    assert page.count(flashed) == 1


def _plain_post(http: Client, cleo, day, *, referer: str | None):
    """A form posted without JavaScript from Cleo's day page (its Referer), as a browser
    sends it."""
    meal = day.meals.first()
    headers = {"HTTP_REFERER": referer} if referer else {}
    return http.post(
        reverse("plans:meal_rename", args=[meal.pk]), {f"meal-{meal.pk}-name": "X"}, **headers
    )


def test_a_form_posted_without_javascript_after_edits_were_withdrawn_goes_back_read_only(
    cleo_day,
) -> None:
    http, cleo, day = cleo_day
    day_url = reverse("clients:day", args=[cleo.pk, day.date.isoformat()])
    DietitianLink.objects.filter(client=cleo).update(can_edit_plans=False)
    response = _plain_post(http, cleo, day, referer=f"http://testserver{day_url}")
    assert (response.status_code, response["Location"]) == (302, day_url)
    page = html.unescape(http.get(day_url).content.decode())
    assert "Cleo has not allowed you to edit their plan." in page
    assert not day.meals.filter(name="X").exists()


def test_a_form_posted_without_javascript_after_the_access_ended_goes_to_the_client_list(
    cleo_day,
) -> None:
    http, cleo, day = cleo_day
    day_url = reverse("clients:day", args=[cleo.pk, day.date.isoformat()])
    DietitianLink.objects.filter(client=cleo).update(revoked_at=timezone.now())
    response = _plain_post(http, cleo, day, referer=f"http://testserver{day_url}")
    assert (response.status_code, response["Location"]) == (302, reverse("clients:list"))
    assert ACCESS_ENDED_MESSAGE in html.unescape(http.get(reverse("clients:list")).content.decode())
    # Without a Referer of this site (typed, or from elsewhere), it stays a 404.
    assert _plain_post(http, cleo, day, referer=None).status_code == 404
    assert _plain_post(http, cleo, day, referer=f"https://evil.example{day_url}").status_code == 404
    # A GET without JavaScript (a link followed, an address typed) stays a 404 too.
    assert http.get(day_url).status_code == 404
