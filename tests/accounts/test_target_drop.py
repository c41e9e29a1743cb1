"""A custom target outlives the link that set it, and the person can go back to the RDA
themself from their profile (accounts.services.custom_target_drop)."""

import html
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.backends import USER_BACKEND
from accounts.link_services import link_revoke, link_rights_set
from accounts.models import AccessLog, Profile
from accounts.selectors import person_on
from plans import services as plan_services
from tests.factories import DietitianLinkFactory

pytestmark = pytest.mark.django_db

DROP = reverse("accounts:profile_target_drop")
CUSTOM_LINE = "Custom target set by Dr Ada Vale: 380 mg — Migraine trial."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link():
    link = DietitianLinkFactory(dietitian__display_name="Dr Ada Vale")
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="Migraine trial"
    )
    return link


def _as(user) -> Client:
    http = Client()
    http.force_login(user, backend=USER_BACKEND)
    return http


def _custom(user) -> tuple:
    return (
        Profile.objects.filter(user=user)
        .values_list("custom_target_mg", "custom_target_reason", "custom_target_set_by")
        .get()
    )


@pytest.mark.parametrize("ended_by", ["revoking the link", "withdrawing the target right"])
def test_after_the_right_ends_the_person_goes_back_to_the_rda_from_the_profile(
    link, ended_by
) -> None:
    person = link.client
    if ended_by == "revoking the link":
        link_revoke(link=link, by=person)
    else:
        link_rights_set(link=link, by=person, can_edit_plans=True, can_set_target=False)
    http = _as(person)
    today = timezone.localdate()
    plan_services.day_get_or_create(user=person, on=today, editor=person)
    day_url = reverse("plans:day", args=[today.isoformat()])
    # The target stays with the link's end, and the day page shows it, from the cache.
    assert CUSTOM_LINE in html.unescape(http.get(day_url).content.decode())
    with CaptureQueriesContext(connection) as hit:
        assert CUSTOM_LINE in html.unescape(http.get(day_url).content.decode())
    assert len(hit) == 1  # a page-cache hit: the session with its user only
    profile = html.unescape(http.get(reverse("accounts:profile")).content.decode())
    assert CUSTOM_LINE in profile
    words = " ".join(profile.split())
    assert "you can go back to the RDA at any time." in words
    assert "It stays if the dietitian's access ends" in words
    form = profile.split('id="custom-target"', 1)[1].split("</form>", 1)[0]
    assert f'<form method="post" action="{DROP}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert "Back to the RDA</button>" in form

    response = http.post(DROP, follow=True)
    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    page = html.unescape(response.content.decode())
    assert "Your target is the RDA for your age and sex again." in page
    assert "RDA, women" in page
    assert 'id="custom-target"' not in page
    assert _custom(person) == (None, "", None)
    # No cached page still shows the custom target: the POST replaced the data stamp.
    day_page = html.unescape(http.get(day_url).content.decode())
    assert "Custom target" not in day_page
    assert re.search(r"RDA, women [^<]*320 mg", day_page)
    # The person's own change is no dietitian's: nothing in their access log.
    assert list(
        AccessLog.objects.filter(client=person, action="edit").values_list("detail", flat=True)
    ) == ["set the target to 380 mg"]


def test_dropping_twice_or_without_a_custom_target_changes_nothing(link) -> None:
    person = link.client
    assert services.custom_target_drop(person=person) is True
    assert services.custom_target_drop(person=person) is False
    response = _as(person).post(DROP, follow=True)
    assert "Your target was already the RDA" in response.content.decode()
    assert _custom(person) == (None, "", None)


def test_the_drop_is_a_post_and_the_persons_own(link) -> None:
    """Only a POST, and only ever of the requester's own target: a dietitian posting it
    drops their own (none), not their client's."""
    assert _as(link.client).get(DROP).status_code == 405
    _as(link.dietitian).post(DROP)
    assert _custom(link.client)[0] == 380


def test_dropping_ends_the_target_from_today_and_the_days_before_keep_it() -> None:
    """The person's drop is a clear in their own name: the days planned and reported
    against the dietitian's target keep it."""
    link = DietitianLinkFactory()
    set_on = timezone.localdate() - timedelta(days=7)
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="x", today=set_on
    )
    assert services.custom_target_drop(person=link.client) is True
    today = timezone.localdate()
    profile = Profile.objects.get(user=link.client)
    assert profile.custom_target_history[-1] == {
        "from": today.isoformat(),
        "mg": None,
        "reason": "",
        "by": link.client.pk,
    }
    assert person_on(profile, today - timedelta(days=1)).target_mg == 380
    assert person_on(profile, today).target_mg is None
    assert person_on(profile, set_on - timedelta(days=1)).target_mg is None
