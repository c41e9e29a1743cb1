"""Assigning a template from a client's tools page says what it copied, and a refusal
(the client withdrew the right to edit while the page was open) says why at the form."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DietitianLink
from plans import services
from plans.selectors import day_get_for, plan_for
from tests.factories import DietitianLinkFactory, FoodFactory, MealItemFactory, ProfileFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cleo_link():
    cleo = ProfileFactory(user__display_name="Cleo").user
    return DietitianLinkFactory(client=cleo)


def _planned(owner, on):
    day = services.day_get_or_create(user=owner, on=on, editor=owner)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=FoodFactory(), grams=30)
    return day


def _as(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


def _assign(http, link, template, start, **extra):
    kind = "week" if hasattr(template, "days") else "day"
    return http.post(
        reverse("reports:template_assign", args=[link.client.pk]),
        {"template": f"{kind}-{template.pk}", "start": start.isoformat(), "mode": "append"},
        **extra,
    )


def test_a_plain_assign_says_what_it_copied_after_the_redirect(cleo_link) -> None:
    dietitian = cleo_link.dietitian
    template = services.day_template_save(
        source=_planned(dietitian, timezone.localdate()), name="Seed lunch", owner=dietitian
    )
    start = timezone.localdate() + timedelta(days=3)
    response = _assign(_as(dietitian), cleo_link, template, start, follow=True)
    tools = reverse("reports:client_tools", args=[cleo_link.client.pk])
    assert response.redirect_chain == [(f"{tools}#templates-panel", 302)]
    page = html.unescape(response.content.decode())
    assert f"Copied “Seed lunch” into Cleo's plan from {start:%a %-d %b %Y} (1 day)." in page


def test_an_htmx_assign_says_it_in_the_panel_with_the_days_counted(cleo_link, monday) -> None:
    dietitian = cleo_link.dietitian
    for offset in (0, 2, 4):
        _planned(dietitian, monday + timedelta(days=offset))
    week = services.week_template_save(
        plan=plan_for(user=dietitian),
        week_start=monday,
        name="Three days",
        owner=dietitian,
    )
    start = monday + timedelta(days=7)
    response = _assign(_as(dietitian), cleo_link, week, start, **HTMX)
    assert response.status_code == 200
    panel = html.unescape(response.content.decode())
    assert panel.lstrip().startswith('<section id="templates-panel"')
    assert (
        f'role="status">Copied “Three days” into Cleo\'s plan from {start:%a %-d %b %Y} '
        "(3 days).</p>" in panel
    )


def test_an_assign_refused_because_edits_were_withdrawn_says_why_at_the_form(cleo_link) -> None:
    dietitian = cleo_link.dietitian
    template = services.day_template_save(
        source=_planned(dietitian, timezone.localdate()), name="Seed lunch", owner=dietitian
    )
    http = _as(dietitian)
    tools = reverse("reports:client_tools", args=[cleo_link.client.pk])
    assert "Copy into Cleo's plan" in html.unescape(http.get(tools).content.decode())
    # Cleo withdraws the right while the page is open.
    DietitianLink.objects.filter(pk=cleo_link.pk).update(can_edit_plans=False)
    for extra in (HTMX, {}):
        response = _assign(http, cleo_link, template, timezone.localdate(), **extra)
        assert response.status_code == 422
        page = html.unescape(response.content.decode())
        assert (
            'role="alert">Nothing was copied: Cleo has not allowed you to edit their plan.</p>'
            in page
        )
    assert day_get_for(user=cleo_link.client, on=timezone.localdate()) is None
