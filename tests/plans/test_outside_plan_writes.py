"""Suggestions and "Fill my day" on a day outside the plan answer as every day write does.

A page opened while the day was in the plan (the suggestions panel, the fill proposal, the
Undo bar of an accepted fill) can be sent after the date of birth was corrected so that the
day now lies before the first birthday, or to a date over two years ahead. The write is a
422 that says why (`date_problem_response`: htmx gets the box in the page's conflict
region, a plain form the page with it), never a 404, and nothing is written. Reading those
pages stays a 404, like the day page itself (tests/plans/test_refusals_write_nothing.py).
"""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from plans import services
from plans.fill_undo import fill_undo_token
from plans.models import Day
from plans.selectors import plan_horizon
from tests.factories import MealItemFactory, sr28_foods
from tests.plans.test_refusals_write_nothing import state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_candidate_pool")]

HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST_BIRTHDAY = "Plans start on your first birthday"
WRITES = ["suggestion apply", "suggestion undo", "fill accept", "fill undo"]


def _url(name: str, on: Any, client_id: int | None = None) -> str:
    if client_id is None:
        return reverse(f"plans:{name}", args=[on.isoformat()])
    return reverse(f"clients:{name}", args=[client_id, on.isoformat()])


def _hidden_fields(form: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="([a-z_0-9-]+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def _posts(http: Client, day: Day, client_id: int | None = None) -> dict[str, dict[str, str]]:
    """Each write's form as its page offers it while the day is still in the plan."""
    on = day.date
    panel = http.get(_url("day_suggestions", on, client_id), **HTMX).content.decode()
    apply = re.search(
        r'<form method="post" action="[^"]*/suggestions/apply/".*?</form>', panel, re.S
    )
    fill = http.get(_url("fill", on, client_id)).content.decode()
    accept = re.search(r'<form method="post" action="[^"]*/fill/accept/".*?</form>', fill, re.S)
    assert apply, "the panel offers a suggestion"
    assert accept, "the fill page offers a proposal"
    lunch = day.meals.get(name="Lunch")
    item = lunch.items.first()
    return {
        "suggestion apply": _hidden_fields(apply.group(0)),
        "suggestion undo": {"token": "made-by-an-earlier-apply"},
        "fill accept": _hidden_fields(accept.group(0)),
        "fill undo": {"token": fill_undo_token(day_pk=day.pk, item_pks=[item.pk])},
    }


def _post(http: Client, label: str, on: Any, data: dict[str, str], **kwargs: Any) -> Any:
    name = {
        "suggestion apply": "suggestion_apply",
        "suggestion undo": "suggestion_undo",
        "fill accept": "fill_accept",
        "fill undo": "fill_undo",
    }[label]
    client_id = kwargs.pop("client_id", None)
    return http.post(_url(name, on, client_id), data, **kwargs)


@pytest.fixture
def planned(person: User) -> Day:
    """Today planned, with a food on it that the panel and the fill have something to add to."""
    foods = sr28_foods("pumpkin", "almonds", "beans", "kale", "milk_chocolate", "chocolate")
    day = services.day_get_or_create(user=person, on=timezone.localdate(), editor=person)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=foods["milk_chocolate"], grams=40)
    return day


def _before_first_birthday(user: User, on: Any) -> None:
    user.profile.date_of_birth = on - timedelta(days=100)
    user.profile.save()


@pytest.mark.parametrize("label", WRITES)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_write_from_an_open_page_to_a_day_now_outside_the_plan_is_422_and_writes_nothing(
    client: Client, person: User, planned: Day, label: str, htmx: bool
) -> None:
    posts = _posts(client, planned)
    _before_first_birthday(person, planned.date)
    before = state()
    response = _post(client, label, planned.date, posts[label], **(HTMX if htmx else {}))
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert FIRST_BIRTHDAY in body
    assert "That day cannot be planned" in body
    assert state() == before
    if htmx:  # the box in the conflict region; the panel or meals on screen stay as they were
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#day-conflict", "innerHTML")
        assert "<html" not in body
    else:  # without JavaScript, a page that says why
        assert "<html" in body


@pytest.mark.parametrize("label", WRITES)
def test_a_write_to_a_day_beyond_the_horizon_is_422_and_plans_no_day(
    client: Client, person: User, label: str
) -> None:
    on = plan_horizon(timezone.localdate()) + timedelta(days=1)
    data = {"kind": "add", "meal": "Lunch", "food": "12014", "grams": "28", "count": "1"}
    response = _post(client, label, on, data, **HTMX)
    assert response.status_code == 422
    said = f"Plans reach two years ahead, to {plan_horizon(timezone.localdate()):%-d %b %Y}."
    assert said in html.unescape(response.content.decode())
    assert not Day.objects.filter(date=on).exists()


@pytest.mark.parametrize("label", WRITES)
def test_the_dietitian_is_told_whose_first_birthday_it_is(
    client: Client, link: Any, label: str
) -> None:
    client_user = link.client
    foods = sr28_foods("pumpkin", "almonds", "beans", "kale", "milk_chocolate", "chocolate")
    day = services.day_get_or_create(user=client_user, on=timezone.localdate(), editor=client_user)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=foods["milk_chocolate"], grams=40)
    client.force_login(link.dietitian)
    posts = _posts(client, day, client_user.pk)
    _before_first_birthday(client_user, day.date)
    before = state()
    response = _post(client, label, day.date, posts[label], client_id=client_user.pk, **HTMX)
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert f"Plans start on {client_user.name}'s first birthday" in body
    assert "your first birthday" not in body
    assert state() == before


@pytest.mark.parametrize("name", ["day_suggestions", "fill"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_reading_the_panel_or_the_proposal_of_such_a_day_is_a_404_like_the_day_page(
    client: Client, person: User, planned: Day, name: str, htmx: bool
) -> None:
    _before_first_birthday(person, planned.date)
    before = state()
    assert client.get(_url("day", planned.date)).status_code == 404
    response = client.get(_url(name, planned.date), **(HTMX if htmx else {}))
    assert response.status_code == 404
    assert state() == before
