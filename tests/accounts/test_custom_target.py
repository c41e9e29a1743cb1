import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AccessLog, Profile
from accounts.selectors import person_on
from plans import services as plan_services
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import DietitianFactory, DietitianLinkFactory, FoodFactory, MealItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link():
    return DietitianLinkFactory(dietitian__display_name="Dr Ada Vale")


def _target_url(link):
    return reverse("reports:client_target", args=[link.client.pk])


def test_the_dietitian_sets_a_target_and_the_engine_uses_it(client, link):
    client.force_login(link.dietitian)
    response = client.post(
        _target_url(link), {"target_mg": "380", "reason": "Migraine prevention trial"}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=link.client)
    assert (profile.custom_target_mg, profile.custom_target_reason) == (
        380,
        "Migraine prevention trial",
    )
    assert profile.custom_target_set_by == link.dietitian
    today = timezone.localdate()
    plan_services.day_get_or_create(user=link.client, on=today, editor=link.client)
    score = score_day(
        day_to_engine(day_get_for(user=link.client, on=today), person_on(profile, today))
    )
    assert score.target_source == "custom"
    assert score.target_mg == 380
    log = AccessLog.objects.get(client=link.client, action="edit")
    assert "380 mg" in log.detail


def test_the_client_sees_the_target_its_author_and_reason(client, link):
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="Migraine trial"
    )
    today = timezone.localdate()
    day = plan_services.day_get_or_create(user=link.client, on=today, editor=link.client)
    MealItemFactory(meal=day.meals.first(), food=FoodFactory(), grams=30)
    client.force_login(link.client)
    line = "Custom target set by Dr Ada Vale: 380 mg — Migraine trial."
    page = client.get(reverse("plans:day", args=[today.isoformat()])).content.decode()
    assert line in page
    assert "your dietitian" not in page  # once, and named
    profile_page = client.get(reverse("accounts:profile")).content.decode()
    assert line in profile_page
    assert "your dietitian" not in profile_page
    # The dietitian reads the same line on the client's day and tools page.
    client.force_login(link.dietitian)
    theirs = client.get(reverse("clients:day", args=[link.client.pk, today.isoformat()]))
    assert line in theirs.content.decode()
    tools = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
    assert f"Now: {line}" in tools


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target_mg": "20", "reason": "x"}, "target_mg"),
        ({"target_mg": "1500", "reason": "x"}, "target_mg"),
        ({"target_mg": "abc", "reason": "x"}, "target_mg"),
        ({"target_mg": "380", "reason": ""}, "reason"),
    ],
)
def test_invalid_input_is_422_and_nothing_changes(client, link, data, field):
    client.force_login(link.dietitian)
    response = client.post(_target_url(link), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="target-panel"')
    assert f'id="id_{field}_error"' in body
    assert Profile.objects.get(user=link.client).custom_target_mg is None


def test_the_service_checks_the_range_and_the_reason():
    link = DietitianLinkFactory()
    with pytest.raises(ValidationError) as error:
        services.custom_target_set(
            dietitian=link.dietitian, client=link.client, target_mg=49, reason=" "
        )
    assert set(error.value.message_dict) == {"target_mg", "reason"}


def test_an_unlinked_or_revoked_dietitian_gets_404(client, link):
    client.force_login(DietitianFactory())
    data = {"target_mg": "380", "reason": "x"}
    assert client.post(_target_url(link), data).status_code == 404
    assert client.get(reverse("reports:client_tools", args=[link.client.pk])).status_code == 404
    link.revoked_at = timezone.now()
    link.save()
    client.force_login(link.dietitian)
    assert client.post(_target_url(link), data).status_code == 404
    with pytest.raises(ValidationError):
        services.custom_target_set(
            dietitian=link.dietitian, client=link.client, target_mg=380, reason="x"
        )
    assert Profile.objects.get(user=link.client).custom_target_mg is None


def test_a_link_without_the_target_permission_refuses(client, link):
    link.can_set_target = False
    link.save()
    client.force_login(link.dietitian)
    page = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
    assert "has not allowed you to set their target" in page
    response = client.post(_target_url(link), {"target_mg": "380", "reason": "x"})
    assert response.status_code == 422
    assert Profile.objects.get(user=link.client).custom_target_mg is None


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_back_to_the_rda_after_the_target_right_was_withdrawn_says_why(client, link, htmx):
    # A tab opened while the right was granted: its "Back to the RDA" was a 500.
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="trial"
    )
    link.can_set_target = False
    link.save()
    client.force_login(link.dietitian)
    response = client.post(
        _target_url(link), {"action": "clear"}, **({"HTTP_HX_REQUEST": "true"} if htmx else {})
    )
    assert response.status_code == 422
    assert "has not allowed you to set their target" in response.content.decode()
    assert Profile.objects.get(user=link.client).custom_target_mg == 380


def test_clearing_goes_back_to_the_rda(client, link):
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="trial"
    )
    client.force_login(link.dietitian)
    response = client.post(_target_url(link), {"action": "clear"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=link.client)
    assert (
        profile.custom_target_mg,
        profile.custom_target_reason,
        profile.custom_target_set_by,
    ) == (
        None,
        "",
        None,
    )
    page = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
    assert "RDA, women" in page


def test_the_tools_page_names_who_set_the_target_and_ends_the_sentence_once(client, link):
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="Magnesium, a lot."
    )
    colleague = DietitianLinkFactory(client=link.client).dietitian
    for viewer in (link.dietitian, colleague):
        client.force_login(viewer)
        page = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
        assert (
            '<p id="current-target">Now: Custom target set by Dr Ada Vale: 380 mg'
            " — Magnesium, a lot.</p>"
        ) in html.unescape(page)
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=380, reason="Migraine trial"
    )
    page = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
    assert "Now: Custom target set by Dr Ada Vale: 380 mg — Migraine trial.</p>" in page
